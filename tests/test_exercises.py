"""mc.exercises: every registered exercise's solution passes, every registered mistake fails with its
diagnosis, and the registry and the book agree (labels, difficulty marks, a check cell per exercise)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import mclib as mc
from mclib.exercises import DIFFICULTIES, Mistake, register

BOOK = Path(__file__).resolve().parents[1] / "book"
NOTEBOOKS = sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
EXERCISES = mc.exercises.ids()
MISTAKES = [(e, i) for e in EXERCISES for i in range(len(mc.exercises.get(e).mistakes))]
DIRECTIVE = re.compile(r"```\{exercise\}([^\n]*)\n:label: (ex-[a-z0-9-]+)")
MINIMUM = 60


def book_exercises() -> dict[str, tuple[str, Path, int]]:
    """label -> (directive title, notebook, cell index) of every {exercise} in the book."""
    found = {}
    for path in NOTEBOOKS:
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            if cell["cell_type"] == "markdown":
                for title, label in DIRECTIVE.findall("".join(cell["source"])):
                    assert label not in found, f"{label} appears twice"
                    found[label] = (title.strip(), path, index)
    return found


def check_cells(path: Path) -> list[tuple[int, list[str], str]]:
    cells = json.loads(path.read_text())["cells"]
    return [(i, c["metadata"].get("tags", []), "".join(c["source"])) for i, c in enumerate(cells)
            if c["cell_type"] == "code" and "mc.exercises.check(" in "".join(c["source"])]


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_solution_passes(exercise_id):
    exercise = mc.exercises.get(exercise_id)
    result = mc.exercises.check(exercise_id, exercise.solution)
    assert result.ok, str(result)
    assert result.point == exercise.points


@pytest.mark.parametrize(("exercise_id", "index"), MISTAKES, ids=[f"{e}-{i}" for e, i in MISTAKES])
def test_mistake_fails_with_its_diagnosis(exercise_id, index):
    mistake = mc.exercises.get(exercise_id).mistakes[index]
    result = mc.exercises.check(exercise_id, mistake.answer)
    assert not result.ok and result.verdict == "fail", f"{mistake.what}: {result}"
    assert result.diagnosis == mistake.diagnosis, f"{mistake.what}: {result}"
    assert mistake.diagnosis in str(result)


def test_the_book_has_enough_exercises_with_every_difficulty():
    assert len(EXERCISES) >= MINIMUM
    assert {mc.exercises.get(e).difficulty for e in EXERCISES} == set(DIFFICULTIES)


def test_registry_and_book_agree():
    in_book = book_exercises()
    assert sorted(set(in_book) - set(EXERCISES)) == [], "exercises in the book but not registered"
    assert sorted(set(EXERCISES) - set(in_book)) == [], "registered exercises missing from the book"
    for label, (title, path, _) in in_book.items():
        exercise = mc.exercises.get(label)
        assert title == f"{exercise.stars} {exercise.title}", f"{path.name}: {label} has title {title!r}"


def test_every_exercise_has_a_check_cell_after_it():
    """The reader replaces the stored solution in that cell and runs the same call."""
    for label, (_, path, index) in book_exercises().items():
        cells = [c for c in check_cells(path) if f'mc.exercises.check("{label}", ' in c[2]]
        assert len(cells) == 1, f"{path.name}: {label} needs exactly one check cell, found {len(cells)}"
        cell_index, tags, source = cells[0]
        assert cell_index > index, f"{path.name}: the check cell of {label} comes before the exercise"
        assert "exercise-check" in tags, f"{path.name}: {label}'s check cell lacks the exercise-check tag"
        assert re.search(r"^assert \w+\.ok$", source, re.M), f"{path.name}: {label}'s check cell must assert"


@pytest.fixture
def outer_product():
    """A throw-away exercise (removed afterwards): the single neuron's gradient (Wx − y)xᵀ."""
    register("ex-selftest-outer", "Outer product", difficulty=1, kind="gradient", wrt="W",
             function=lambda W, x, y: 0.5 * np.sum((W @ x - y) ** 2),
             domain=lambda rng: {"W": rng.standard_normal((3, 4)), "x": rng.standard_normal(4),
                                 "y": rng.standard_normal(3)},
             solution=lambda W, x, y: np.outer(W @ x - y, x),
             mistakes=[Mistake("the transpose", "transposed", lambda W, x, y: np.outer(x, W @ x - y))])
    yield "ex-selftest-outer"
    mc.exercises._registry._REGISTRY.pop("ex-selftest-outer")


def test_check_rejects_bad_input_by_name(outer_product):
    with pytest.raises(ValueError, match=r"check: `exercise_id` 'ex-selftest-outr' is not .*; did you mean"):
        mc.exercises.check("ex-selftest-outr", lambda **kw: 0)
    with pytest.raises(ValueError, match=r"`answer` must be a function of \(W, x, y\)"):
        mc.exercises.check(outer_product, np.zeros(3))
    with pytest.raises(ValueError, match=r"`answer` must take the arguments of \(W, x, y\)"):
        mc.exercises.check(outer_product, lambda nonsense: 0)
    with pytest.raises(ValueError, match=r"check\('ex-selftest-outer'\): check_gradient: `grad` has shape"):
        mc.exercises.check(outer_product, lambda W, x, y: np.zeros((7, 5)))


def test_answers_are_judged_by_the_numerical_derivative(outer_product):
    right = mc.exercises.check(outer_product, lambda W, x, y: np.outer(W @ x - y, x))
    assert right.ok and "correct" in str(right)
    doubled = mc.exercises.check(outer_product, lambda W, x, y: 2 * np.outer(W @ x - y, x))
    assert (doubled.diagnosis, doubled.scale) == ("scaled", 2.0)
    flipped = mc.exercises.check(outer_product, lambda W, x, y: np.outer(y - W @ x, x))
    assert flipped.diagnosis == "sign-flipped"
    # Right at the first random point only: a formula that is special-cased is caught at another one.
    first = mc.exercises.get(outer_product).sample(0)
    lucky = mc.exercises.check(outer_product, lambda W, x, y: np.outer(first["W"] @ first["x"] - first["y"],
                                                                       first["x"]))
    assert not lucky.ok and lucky.point == 2


def test_a_shape_transposed_answer_is_diagnosed_not_raised(outer_product):
    result = mc.exercises.check(outer_product, lambda W, x, y: np.outer(x, W @ x - y))
    assert not result.ok and result.diagnosis == "transposed" and "shape (4, 3)" in str(result)


@pytest.mark.parametrize("bad", [dict(difficulty=4), dict(kind="value"), dict(wrt="Z"), dict(mistakes=[]),
                                 dict(exercise_id="Ex_bad")])
def test_register_rejects_malformed_exercises(bad):
    arguments = dict(exercise_id="ex-selftest-bad", title="t", difficulty=1, kind="gradient", wrt="x",
                     function=lambda x: x @ x, domain=lambda rng: {"x": rng.standard_normal(3)},
                     solution=lambda x: 2 * x, mistakes=[Mistake("half", "scaled", lambda x: x)])
    arguments.update(bad)
    with pytest.raises(ValueError, match=r"register\("):
        register(arguments.pop("exercise_id"), arguments.pop("title"), **arguments)
    assert "ex-selftest-bad" not in mc.exercises.ids()
