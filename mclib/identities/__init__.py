"""The atlas of verified identities: a registry of derivative formulas that check themselves.

Each :class:`Identity` states one derivative three ways (numerator layout, denominator
layout, differential), with the function and its derivative as callables, the domain where
it holds and a source; :func:`verify` checks it with :func:`mclib.check_gradient` /
:func:`mclib.check_jacobian` at a random point of the domain. The derivative of a scalar f
is the gradient shaped like X; of an array-valued F, the numerator-layout Jacobian
``∂ vec F / ∂ vec X``, shape (F.size, X.size), column-major vec.

Registering an identity is one call, in the spirit of autograd's ``defvjp``::

    register("trace_ax", "Trace of AX", latex=r"\\operatorname{tr}(AX)",
             numerator="A", denominator=r"A^\\top", differential=r"\\operatorname{tr}(A\\,dX)",
             f=lambda X, A: np.trace(A @ X), derivative=lambda X, A: A.T,
             inputs={"X": "m n", "A": "n m"}, kind="scalar-by-matrix", source=cookbook(100))

``inputs`` maps the variable (first) and the constants to shapes in n, m, p, q (= size + 0,
1, 2, 3), optionally after a kind from :data:`CONSTANT_KINDS` ("spd n n"); numbers pass through.
"""

from __future__ import annotations

import numbers
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from mclib._validation import as_positive_int, as_rng, as_shape
from mclib.gradcheck import GradientCheck, check_gradient, check_jacobian
from mclib.identities import _domains
from mclib.identities._displayed import Condition, check_displayed
from mclib.identities._domains import (
    CONSTANT_KINDS,
    DOMAINS,
    STRUCTURED,
    parse_spec,
    sample_inputs,
    tangent_projection,
)

__all__ = ["Identity", "Verification", "Condition", "register", "get", "all_identities", "verify",
           "random_point", "KINDS", "DOMAINS", "CONSTANT_KINDS", "Mistake", "mistakes", "check_mistake"]

KINDS = ("scalar-by-vector", "scalar-by-matrix", "vector-by-vector", "matrix-by-matrix")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_REGISTRY: dict[str, Identity] = {}
_LATEX_NAMES = {"mu": r"\mu", "Sigma": r"\Sigma"}


@dataclass(frozen=True)
class Identity:
    """One registered derivative formula (conventions in the module docstring).

    `latex` is the function; `numerator`, `denominator` and `differential` are the right-hand
    sides of ∂f/∂X in each layout and of d f, with abbreviations and conditions in `where`;
    `f(X, **constants)` and `derivative(X, **constants)` are the code; `inputs` maps the
    variable (first) and the constants to shape specs."""

    name: str
    title: str
    latex: str
    numerator: str
    denominator: str
    differential: str
    f: Callable = field(repr=False, compare=False)
    derivative: Callable = field(repr=False, compare=False)
    inputs: Mapping = field(repr=False, compare=False)
    kind: str
    domain: str
    source: str
    where: str = ""

    @property
    def variable(self) -> str:
        """Name of the variable, the first key of `inputs`."""
        return next(iter(self.inputs))

    @property
    def is_scalar(self) -> bool:
        """Whether f is scalar-valued (its derivative is a gradient, not a Jacobian)."""
        return self.kind.startswith("scalar")

    def statement(self, form: str) -> str:
        """The full LaTeX statement in `form` "numerator", "denominator" or "differential"."""
        if form not in ("numerator", "denominator", "differential"):
            raise ValueError(f"Identity.statement: `form` must be 'numerator', 'denominator' or "
                             f"'differential', got {form!r}")
        top, bottom = self.latex, _LATEX_NAMES.get(self.variable, self.variable)
        if self.kind == "matrix-by-matrix":
            top, bottom = rf"\operatorname{{vec}}({top})", rf"\operatorname{{vec}}({bottom})"
        lhs = (rf"d\bigl({self.latex}\bigr)" if form == "differential"
               else rf"\frac{{\partial\,{top}}}{{\partial\,{bottom}}}")
        return f"{lhs} = {getattr(self, form)}" + (rf",\quad {self.where}" if self.where else "")

    def sample(self, rng: np.random.Generator, size: int) -> dict:
        """Random inputs from the domain: ``{variable: X, constant: value, ...}``."""
        return sample_inputs(self.inputs, self.domain, rng, size)


@dataclass(frozen=True)
class Verification:
    """Result of :func:`verify`: the checks that ran and the point.

    `check` is the :class:`~mclib.GradientCheck` of the code (`derivative`); `forms` maps each
    displayed form that was parsed back and checked ("numerator", "denominator",
    "differential", and "form, side 2" for a chained ``a = b``) to its GradientCheck against
    the same numerical derivative; `conditions` are the checked `where` items. `ok` and
    `max_rel_error` cover all of them; `checked` names them."""

    identity: Identity
    check: GradientCheck
    point: dict = field(repr=False, compare=False)
    forms: Mapping = field(default_factory=dict, repr=False, compare=False)
    conditions: tuple = field(default=(), repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return (self.check.ok and all(c.ok for c in self.forms.values())
                and all(c.ok for c in self.conditions))

    @property
    def max_rel_error(self) -> float:
        return max([self.check.max_rel_error] + [c.max_rel_error for c in self.forms.values()])

    @property
    def checked(self) -> tuple[str, ...]:
        """What was checked: "derivative", then the displayed forms, then "where" if any."""
        return ("derivative", *self.forms) + (("where",) if self.conditions else ())

    @property
    def failures(self) -> tuple[str, ...]:
        """Messages of the checks that failed (empty when `ok`)."""
        named = [("derivative", self.check), *self.forms.items()]
        note = " (the index is the number of a random direction dX)"
        return tuple([f"{name}{note if name.startswith('differential') else ''}: {c.message}"
                      for name, c in named if not c.ok]
                     + [f"where {c.text!r}: sides differ by {c.rel_error:.1e}"
                        for c in self.conditions if not c.ok])

    def __bool__(self) -> bool:
        return self.ok


def register(name: str, title: str, *, latex: str, numerator: str, denominator: str,
             differential: str, f: Callable, derivative: Callable, inputs: Mapping,
             kind: str, domain: str = "general", source: str, where: str = "") -> Identity:
    """Add an identity to the atlas and return it (arguments as the :class:`Identity` fields).

    Raises ``ValueError`` on a duplicate or non-snake_case name, an unknown kind or domain, an
    empty text, a variable shape that fits neither kind nor domain, or an array-valued
    identity on a structured domain (only gradients are checked there)."""
    caller = f"identities.register({name!r})"
    if not isinstance(name, str) or not _NAME.match(name) or name in _REGISTRY:
        raise ValueError(f"identities.register: `name` {name!r} must be new and snake_case")
    if kind not in KINDS or domain not in DOMAINS:
        raise ValueError(f"{caller}: `kind` {kind!r} must be in {KINDS} and "
                         f"`domain` {domain!r} in {DOMAINS}")
    texts = {"title": title, "latex": latex, "numerator": numerator, "denominator": denominator,
             "differential": differential, "source": source}
    if empty := [key for key, text in texts.items() if not text.strip()]:
        raise ValueError(f"{caller}: {', '.join(f'`{k}`' for k in empty)} must not be empty")
    symbols = [parse_spec(spec)[1] for spec in inputs.values() if isinstance(spec, str)][0]
    if len(symbols) != (1 if kind.endswith("vector") else 2):
        raise ValueError(f"{caller}: the variable's shape {symbols} in `inputs` does not fit "
                         f"`kind`={kind!r}")
    if domain != "general" and (len(symbols) != 2 or symbols[0] != symbols[1]):
        raise ValueError(f"{caller}: `domain`={domain!r} needs a square variable in `inputs`, "
                         f"got {symbols}")
    if domain in STRUCTURED and not kind.startswith("scalar"):
        raise ValueError(f"{caller}: array-valued identities need an open domain, not `domain`={domain!r}")
    identity = Identity(name, title, latex, numerator, denominator, differential, f, derivative,
                        MappingProxyType(dict(inputs)), kind, domain, source, where)
    _REGISTRY[name] = identity
    return identity


def get(name: str) -> Identity:
    """The registered identity called `name` (``ValueError`` if there is none)."""
    if name not in _REGISTRY:
        raise ValueError(f"identities.get: no identity named `name`={name!r} ({len(_REGISTRY)} "
                         f"registered; all_identities() lists them)")
    return _REGISTRY[name]


def all_identities(kind: str | None = None) -> tuple[Identity, ...]:
    """All registered identities in registration order, optionally only those of `kind`.

    `kind` is None or one of :data:`KINDS`; anything else raises ``ValueError`` listing them."""
    if kind is not None and (not isinstance(kind, str) or kind not in KINDS):
        raise ValueError(f"identities.all_identities: `kind` must be one of {KINDS} or None, "
                         f"got {kind!r}")
    return tuple(i for i in _REGISTRY.values() if kind is None or i.kind == kind)


def random_point(kind: str, rng, shape: tuple):
    """One random point of `kind` from :data:`CONSTANT_KINDS`, of `shape` (see
    :func:`mclib.identities._domains.random_point` for what each kind draws).

    `rng` is a Generator or a seed; `shape` a tuple of positive ints (``()`` for "sign")."""
    caller = "identities.random_point"
    shape = as_shape(shape, "shape", caller)
    return _domains.random_point(kind, as_rng(rng, "rng", caller), shape)


random_point.__doc__ += "\n\n" + "\n".join(_domains.random_point.__doc__.splitlines()[1:])


def verify(identity: Identity | str, *, seed: int = 0, size: int = 3,
           derivative: Callable | None = None, displayed: bool | None = None) -> Verification:
    """Check an identity numerically at a random point of its domain: its code and its display.

    The code `derivative` is compared with the numerical derivative of `f`
    (:func:`mclib.check_gradient` / :func:`mclib.check_jacobian`). The displayed numerator,
    denominator and differential and the `where` items are parsed back to NumPy and checked
    against the same numerical derivative (see :mod:`mclib.identities._displayed`).
    On a structured domain the function is composed with the chart
    ``Y ↦ X + P(Y − X)`` (P the tangent projection at X), whose gradient at X is exactly the
    projected gradient P(G): only tangent directions are compared.

    Parameters
    ----------
    identity : Identity or str
    seed, size : int
        Seed of the random point (combined with the name) and the size n of the problem.
    derivative : callable, optional
        Checked instead of the registered derivative (to show what a mistake looks like).
    displayed : bool, optional
        Whether to check the displayed formulas too; default: yes unless `derivative` is given.

    Returns
    -------
    Verification
        ``.ok``, ``.max_rel_error``, ``.check`` (the GradientCheck of the code), ``.forms``
        (the GradientCheck of each displayed form), ``.conditions``, ``.checked``, ``.point``.

    Raises
    ------
    ValueError
        If a displayed formula is outside the LaTeX the atlas can evaluate, or has the wrong
        shape (the message names the entry, the form and the token).
    """
    caller = "identities.verify"
    if not isinstance(identity, (Identity, str)):
        raise ValueError(f"{caller}: `identity` must be an Identity or its name, got {identity!r}")
    if isinstance(identity, str) and identity not in _REGISTRY:
        raise ValueError(f"{caller}: no identity named `identity`={identity!r} ({len(_REGISTRY)} "
                         f"registered; all_identities() lists them)")
    ident = get(identity) if isinstance(identity, str) else identity
    size = as_positive_int(size, "size", caller)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{caller}: `seed` must be a non-negative int, got {seed!r}")
    if derivative is not None and not callable(derivative):
        raise ValueError(f"{caller}: `derivative` must be callable or None, got {derivative!r}")
    point = ident.sample(np.random.default_rng([seed, size, zlib.crc32(ident.name.encode())]), size)
    X, constants = point[ident.variable], {k: v for k, v in point.items() if k != ident.variable}
    analytic = (derivative or ident.derivative)(X.copy(), **constants)
    project = tangent_projection(ident.domain, X)
    if project is None:
        def f(Y):
            return ident.f(Y, **constants)
    else:
        def f(Y):
            return ident.f(X + project(Y - X), **constants)
    check = check_gradient(f, analytic, X) if ident.is_scalar else check_jacobian(f, analytic, X)
    forms, conditions = {}, ()
    if displayed if displayed is not None else derivative is None:
        forms, conditions = check_displayed(ident, point, seed=seed, size=size)
    return Verification(ident, check, point, MappingProxyType(forms), tuple(conditions))


# The entries, by topic in display order; importing a topic module registers its identities.
from mclib.identities import vectors, jacobians, traces, determinants  # noqa: E402, F401, I001
from mclib.identities import kronecker, structured  # noqa: E402, F401, I001
from mclib.identities.mistakes import Mistake, mistakes  # noqa: E402
from mclib.identities.mistakes import check_mistake as _check_mistake  # noqa: E402


def check_mistake(mistake: Mistake, *, seed: int = 0, size: int = 3) -> Verification:
    """Run `mistake` (one of :func:`mistakes`) through :func:`verify` in place of the correct
    derivative; ``ValueError`` if it is not a :class:`Mistake`."""
    caller = "identities.check_mistake"
    if not isinstance(mistake, Mistake):
        raise ValueError(f"{caller}: `mistake` must be a Mistake (one of identities.mistakes()), "
                         f"got {mistake!r}")
    as_positive_int(size, "size", caller)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{caller}: `seed` must be a non-negative int, got {seed!r}")
    return _check_mistake(mistake, seed=seed, size=size)
