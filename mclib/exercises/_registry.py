"""The registry behind :mod:`mclib.exercises`: what an exercise is, and how an answer is checked.

An answer is judged by the same oracle as every formula of the book — the numerical derivative
of the exercise's own function, through :func:`mclib.check_gradient`, :func:`mclib.check_jacobian`
or :func:`mclib.check_hessian` — never by comparison with the stored solution, which exists only
so that the tests can show that the solution passes and each registered mistake fails.
"""

from __future__ import annotations

import difflib
import inspect
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mclib.gradcheck import GradientCheck, check_gradient, check_jacobian
from mclib.hessian import check_hessian

KINDS = ("gradient", "jacobian", "hessian")
DIFFICULTIES = {1: "★", 2: "★★", 3: "★★★"}
_ID = re.compile(r"^ex-[a-z0-9]+(-[a-z0-9]+)+$")
_REGISTRY: dict[str, Exercise] = {}
_CHECKERS = {"gradient": check_gradient, "jacobian": check_jacobian, "hessian": check_hessian}


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer and the diagnosis the checker must give it."""

    what: str
    diagnosis: str
    answer: Callable = field(repr=False, compare=False)


@dataclass(frozen=True)
class Exercise:
    """One exercise of the book (the conventions are in :mod:`mclib.exercises`)."""

    id: str
    title: str
    difficulty: int
    kind: str
    wrt: str
    function: Callable = field(repr=False, compare=False)
    domain: Callable = field(repr=False, compare=False)
    solution: Callable = field(repr=False, compare=False)
    mistakes: tuple[Mistake, ...] = field(repr=False, compare=False)
    rtol: float | None = None
    atol: float | None = None
    points: int = 3

    @property
    def stars(self) -> str:
        """The difficulty mark the book prints before the title: ★, ★★ or ★★★."""
        return DIFFICULTIES[self.difficulty]

    @property
    def parameters(self) -> tuple[str, ...]:
        """Names of the arguments an answer takes, in the order the domain gives them."""
        return tuple(_draw(self, 0, 0))

    def sample(self, index: int = 0, seed: int = 0) -> dict:
        """The `index`-th random point at which :func:`check` judges an answer (a dict of arguments)."""
        return _draw(self, index, seed)


@dataclass(frozen=True)
class ExerciseCheck:
    """The verdict on a reader's answer; truthiness is `ok`. It never shows the solution.

    `verdict` is "pass", "fail" or "inconclusive" and `diagnosis` the checker's ("transposed",
    "sign-flipped", "scaled" with `scale`, "symmetrized", "unknown"; for a Hessian also
    "row-major-vec" and "unsymmetrized") at the first random point
    where the answer fails (`point`, counted from 1), with the checker's `message` about it;
    `check` is the checker's full result there (None when the answer's shape already decided).
    """

    exercise: str
    ok: bool
    verdict: str
    diagnosis: str | None
    scale: float | None
    point: int
    message: str
    check: GradientCheck | None = field(repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            noun = _KIND_NOUN[_REGISTRY[self.exercise].kind]
            return (f"{self.exercise}: correct — your {noun} agrees with the numerical one "
                    f"at {self.point} random points.")
        found = self.diagnosis if self.verdict == "fail" else self.verdict
        return f"{self.exercise}: not yet — {found} (at random point {self.point}). {self.message}"

    __repr__ = __str__


_KIND_NOUN = {"gradient": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}


def register(id: str, title: str, *, difficulty: int, kind: str, wrt: str, function: Callable,
             domain: Callable, solution: Callable, mistakes, rtol: float | None = None,
             atol: float | None = None, points: int = 3) -> Exercise:
    """Add an exercise to the registry (see :mod:`mclib.exercises` for the conventions)."""
    where = f"register({id!r})"
    if not isinstance(id, str) or not _ID.match(id):
        raise ValueError(f"{where}: `id` must look like 'ex-<chapter>-<name>' (lower case, hyphens)")
    if id in _REGISTRY:
        raise ValueError(f"{where}: `id` is registered already")
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"{where}: `difficulty` must be 1, 2 or 3, got {difficulty!r}")
    if kind not in KINDS:
        raise ValueError(f"{where}: `kind` must be one of {KINDS}, got {kind!r}")
    mistakes = tuple(mistakes)
    if not mistakes or not all(isinstance(m, Mistake) for m in mistakes):
        raise ValueError(f"{where}: `mistakes` must hold at least one Mistake (a plausible wrong answer)")
    exercise = Exercise(id, title, difficulty, kind, wrt, function, domain, solution, mistakes, rtol, atol,
                        points)
    point = _draw(exercise, 0, 0)
    if wrt not in point:
        raise ValueError(f"{where}: `wrt` {wrt!r} is not an argument of the domain {tuple(point)}")
    _REGISTRY[id] = exercise
    return exercise


def get(exercise_id: str) -> Exercise:
    """The registered exercise with this id; ValueError naming the closest ids otherwise."""
    return _lookup(exercise_id, "get")


def _lookup(exercise_id, caller: str) -> Exercise:
    if isinstance(exercise_id, str) and exercise_id in _REGISTRY:
        return _REGISTRY[exercise_id]
    close = difflib.get_close_matches(str(exercise_id), _REGISTRY, n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"{caller}: `exercise_id` {exercise_id!r} is not an exercise of the book{hint}")


def ids() -> list[str]:
    """Every registered exercise id, in registration order (chapter by chapter)."""
    return list(_REGISTRY)


def check(exercise_id: str, answer: Callable, *, seed: int = 0) -> ExerciseCheck:
    """Judge a reader's answer to an exercise at random points of its domain.

    Parameters
    ----------
    exercise_id : str
        The exercise's label in the book, e.g. ``"ex-layouts-linear-layer"``.
    answer : callable
        The reader's formula as a function of the exercise's arguments (by name, as in the
        book's exercise cell), returning the gradient shaped like the variable, the
        numerator-layout Jacobian, or the Hessian with respect to vec of the variable.
    seed : int
        Picks other random points (the default is the book's).

    Returns
    -------
    ExerciseCheck
        Verdict and diagnosis at the first point where the answer fails, or "pass" at all.
    """
    exercise = _lookup(exercise_id, "check")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"check({exercise_id!r}): `seed` must be a non-negative integer, got {seed!r}")
    if not callable(answer):
        raise ValueError(f"check({exercise_id!r}): `answer` must be a function "
                         f"{_signature(exercise)}, got {type(answer).__name__}")
    for index in range(exercise.points):
        result = _judge(exercise, answer, _draw(exercise, index, seed), index + 1)
        if not result.ok:
            return result
    return result


def _judge(exercise: Exercise, answer: Callable, point: dict, number: int) -> ExerciseCheck:
    try:
        value = answer(**{k: _copy(v) for k, v in point.items()})
    except TypeError as error:
        if not _accepts(answer, point):
            raise ValueError(f"check({exercise.id!r}): `answer` must take the arguments "
                             f"{_signature(exercise)}") from error
        raise
    value = np.asarray(value)
    if value.dtype == object:
        raise ValueError(f"check({exercise.id!r}): `answer` must return an array, got {type(value).__name__}")
    variable = np.asarray(point[exercise.wrt])

    def function_of(x):
        return exercise.function(**{**point, exercise.wrt: x})

    checker = _CHECKERS[exercise.kind]
    if exercise.kind == "gradient" and value.ndim == 2 and value.shape != variable.shape \
            and value.shape == variable.shape[::-1]:
        # The other layout: a verdict, not an error, when the transpose is the gradient.
        if checker(function_of, value.T, variable, rtol=exercise.rtol, atol=exercise.atol).ok:
            return ExerciseCheck(exercise.id, False, "fail", "transposed", 1.0, number,
                                 f"your answer has shape {value.shape} but {exercise.wrt} has shape "
                                 f"{variable.shape}, and its transpose is right: a gradient has the shape "
                                 f"of its variable (the other layout convention?)", None)
    try:
        result = checker(function_of, value, variable, rtol=exercise.rtol, atol=exercise.atol)
    except ValueError as error:  # a wrong shape, named by the checker
        raise ValueError(f"check({exercise.id!r}): {error}") from None
    return ExerciseCheck(exercise.id, result.ok, result.verdict, result.diagnosis, result.scale,
                         number if not result.ok else exercise.points, result.message, result)


def _draw(exercise: Exercise, index: int, seed: int) -> dict:
    # A fixed stream per exercise, point and seed: the same points on every machine and run.
    key = zlib.crc32(exercise.id.encode()), index, seed
    point = exercise.domain(np.random.default_rng(key))
    if not isinstance(point, dict):
        raise ValueError(f"register({exercise.id!r}): `domain(rng)` must return a dict of arguments")
    return point


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _accepts(answer: Callable, point: dict) -> bool:
    try:
        inspect.signature(answer).bind(**point)
    except (TypeError, ValueError):
        return False
    return True


def _signature(exercise: Exercise) -> str:
    return f"of ({', '.join(exercise.parameters)})"
