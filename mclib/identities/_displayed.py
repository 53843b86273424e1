"""Check the formulas an atlas entry *displays* against the numerical derivative of its `f`.

The strings `numerator`, `denominator`, `differential` and `where` are parsed back to NumPy
(:mod:`mclib.identities._latex`) and evaluated at the point where :func:`verify` checks the
code. The oracle is independent of the registry's `derivative`: :func:`mclib.check_gradient` /
:func:`mclib.check_jacobian` differentiate `f` numerically (complex step, or central
differences). Layouts [this book, ch. 1; Magnus & Neudecker 2019, ch. 9]:

====================  =====================================  ==================================
kind                  numerator layout                       denominator layout
====================  =====================================  ==================================
scalar-by-vector      1×n row, the gradient transposed       n×1, the gradient
scalar-by-matrix      n×m for X m×n, the gradient transposed m×n, the gradient
vector-by-vector      J = ∂F/∂x, (F.size, n)                 Jᵀ
matrix-by-matrix      ∂vec F/∂vec X, (F.size, X.size)        its transpose
====================  =====================================  ==================================

The differential, evaluated with dX = V, is compared with the numerical derivative of
``t ↦ f(X + Σ tᵢVᵢ)`` at t = 0 for three random directions Vᵢ, tangent to the domain.

`where` items are read in order: ``name = expr`` or ``name(x) = expr`` with a new name
defines an abbreviation; an item whose left side is the function itself (or the operator that
heads it, ``\\operatorname{KL}``) is compared with ``f(X)``; any other ``a = b = ...`` is an
equality checked at the point, as are ``t = \\pm 1``, ``S \\succ 0`` and ``N \\text{ diagonal}``.
In a displayed form, ``a = b`` chains are checked side by side and ``, dQ = Q\\Omega`` states
that the direction is tangent (Qᵀ dQ skew-symmetric), which is checked for every direction.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from mclib.gradcheck import check_gradient, check_jacobian
from mclib.identities._domains import tangent_projection
from mclib.identities._latex import GREEK, LatexError, evaluate, parse, split_top, tokenize

__all__ = ["Condition", "FORMS", "check_displayed"]

FORMS = ("numerator", "denominator", "differential")
_EQUALITY_RTOL = 1e-9  # normwise; the sides differ by rounding only
_DIRECTIONS = 3


@dataclass(frozen=True)
class Condition:
    """One checked `where` item (or tangency statement): its LaTeX, verdict and relative error."""

    text: str
    ok: bool
    rel_error: float

    def __bool__(self) -> bool:
        return self.ok


def _column(value):
    value = np.asarray(value, dtype=float) if not np.isscalar(value) else float(value)
    return value.reshape(-1, 1) if np.ndim(value) == 1 else value


def _text(tokens):
    return " ".join(tokens)


def _compare(text, a, b):
    a, b = _column(a), _column(b)
    if np.shape(a) != np.shape(b) and not (np.size(a) == np.size(b) == 1):
        raise LatexError(f"{text}: the sides have shapes {np.shape(a)} and {np.shape(b)}")
    a, b = np.ravel(a), np.ravel(b)
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), np.finfo(float).tiny)
    error = float(np.max(np.abs(a - b)) / scale)
    return Condition(text, error <= _EQUALITY_RTOL, error)


def _definition(lhs, env, variable):
    """The abbreviation an item defines (name, is_function), or None if it is not a definition."""
    if len(lhs) == 2 and lhs[0] == r"\bar":
        name = "bar " + lhs[1]
        return (name, False) if name not in env else None
    names = [GREEK.get(t[1:], t) if t.startswith("\\") else t for t in lhs]
    if len(lhs) == 1 and names[0].isalpha() and names[0] not in env:
        return names[0], False
    if len(lhs) == 4 and lhs[1:] == ("(", variable, ")") and lhs[0].isalpha() and lhs[0] + "()" not in env:
        return lhs[0], True
    return None


def _where(ident, env, f_value, label):
    """Evaluate the `where` items into `env` (abbreviations) and return the checked conditions."""
    functions, conditions, latex = set(), [], tokenize(ident.latex)
    for item in split_top(tokenize(ident.where), ",") if ident.where.strip() else ():
        if not item:
            raise LatexError(f"{label}: an empty item in {ident.where!r}")
        text = _text(item)

        def value(tokens, where=f"{label} {text!r}"):
            return evaluate(parse(tokens, ident.variable, frozenset(functions), where), env, where=where)

        if len(item) == 3 and item[1:] == (r"\succ", "0"):
            S = value(item[:1])
            symmetric = _compare(text, S, S.T)
            positive = bool(np.min(np.linalg.eigvalsh(S)) > 0)
            conditions.append(Condition(text, symmetric.ok and positive, symmetric.rel_error))
            continue
        if len(item) == 2 and item[1] == r"\text{ diagonal}":
            N = value(item[:1])
            conditions.append(_compare(text, N, np.diag(np.diag(N))))
            continue
        sides = split_top(item, "=")
        if len(sides) < 2 or not all(sides):
            raise LatexError(f"{label}: cannot read the item {text!r} (not `a = b`, `S \\succ 0` "
                             f"or `N \\text{{ diagonal}}`)")
        lhs = sides[0]
        heads_f = lhs == latex or (len(lhs) == 1 and lhs[0].startswith(r"\operatorname")
                                   and latex[:1] == lhs)
        definition = None if heads_f else _definition(lhs, env, ident.variable)
        if heads_f:
            conditions.extend(_compare(text, f_value, value(side)) for side in sides[1:])
        elif definition is not None:
            if len(sides) != 2:
                raise LatexError(f"{label}: a definition with more than one `=`: {text!r}")
            name, is_function = definition
            env[name + "()" if is_function else name] = value(sides[1])
            if is_function:
                functions.add(name)
        elif sides[-1][:1] == (r"\pm",):
            left, right = value(lhs), value(sides[-1][1:])
            conditions.append(min(_compare(text, left, right), _compare(text, left, -right),
                                  key=lambda c: c.rel_error))
        else:
            first = value(lhs)
            conditions.extend(_compare(text, first, value(side)) for side in sides[1:])
    return frozenset(functions), conditions


def _shapes(ident, X, F0):
    """Expected shapes of the numerator and denominator layouts."""
    if ident.is_scalar:
        return (X.shape[::-1] if X.ndim == 2 else (1, X.size)), (X.shape if X.ndim == 2 else (X.size, 1))
    return (F0.size, X.size), (X.size, F0.size)


def check_displayed(ident, point: dict, *, seed: int, size: int, forms=FORMS):
    """Check the displayed forms of `ident` at `point` against the numerical derivative of f.

    Parameters
    ----------
    ident : Identity
    point : dict
        The inputs, as drawn by ``ident.sample`` (vectors 1-D).
    seed, size : int
        Seed of the random directions for the differential, and the size n of the problem
        (m = n + 1, p = n + 2, q = n + 3 for the subscripts of I and K).
    forms : iterable of str
        Which of "numerator", "denominator", "differential" to check.

    Returns
    -------
    checks : dict
        ``{form: GradientCheck}``; a chained formula ``a = b`` adds ``"form, side 2"``.
    conditions : list of Condition
        The checked `where` items and tangency statements.

    Raises
    ------
    ValueError
        (:class:`~mclib.identities._latex.LatexError`) on LaTeX outside the supported subset,
        or a displayed formula of the wrong shape, naming the entry, the form and the token.
    """
    X = point[ident.variable]
    constants = {k: v for k, v in point.items() if k != ident.variable}
    dims = {"n": size, "m": size + 1, "p": size + 2, "q": size + 3}
    env = {key: _column(value) for key, value in point.items()}
    env.update({"#dims": dims, "#size": X.shape[0], "#d": None})
    project = tangent_projection(ident.domain, X)

    def f(Y):
        return ident.f(Y if project is None else X + project(Y - X), **constants)

    F0 = np.asarray(ident.f(X.copy(), **constants))
    functions, conditions = _where(ident, env, F0, f"{ident.name}, where")
    numerator_shape, denominator_shape = _shapes(ident, X, F0)
    checks = {}
    for form in forms:
        label = f"{ident.name}, {form}"
        items = split_top(tokenize(getattr(ident, form)), ",")
        sides = [parse(side, ident.variable, functions, label) for side in split_top(items[0], "=")]
        tangency = [_tangency(item, ident, label) for item in items[1:]]
        if form == "differential":
            checks.update(_check_differential(ident, sides, tangency, env, X, F0, constants, project,
                                              seed, size, label, conditions))
            continue
        if tangency:
            raise LatexError(f"{label}: `, dX = ...` is allowed in the differential only")
        for j, side in enumerate(sides):
            value = np.asarray(evaluate(side, env, where=label))
            want = numerator_shape if form == "numerator" else denominator_shape
            if value.shape != want:
                raise LatexError(f"{label}: the displayed formula has shape {value.shape}, the "
                                 f"{form} layout needs {want}")
            key = form if j == 0 else f"{form}, side {j + 1}"
            if ident.is_scalar:
                G = (value.T if form == "numerator" else value).reshape(X.shape)
                checks[key] = check_gradient(f, G, X)
            else:
                checks[key] = check_jacobian(f, value, X, layout=form)
    return checks, conditions


def _tangency(item, ident, label):
    variable = item[1:2] and (GREEK.get(item[1][1:], item[1]) if item[1].startswith("\\") else item[1])
    if (ident.domain != "orthogonal" or len(item) != 5 or item[0] != "d" or variable != ident.variable
            or item[2:] != ("=", item[1], r"\Omega")):
        raise LatexError(f"{label}: unsupported statement {_text(item)!r} (only `dQ = Q\\Omega` "
                         f"on the orthogonal domain)")
    return _text(item)


def _check_differential(ident, sides, tangency, env, X, F0, constants, project, seed, size, label,
                        conditions):
    rng = np.random.default_rng([seed, size, zlib.crc32(ident.name.encode()), 1])
    Vs = [rng.standard_normal(X.shape) for _ in range(_DIRECTIONS)]
    Vs = Vs if project is None else [project(V) for V in Vs]
    for text in tangency:  # Ω = Qᵀ dQ is skew-symmetric for every direction used
        conditions.extend(_compare(text, X.T @ V, -(X.T @ V).T) for V in Vs)

    def along(t):
        return ident.f(X + sum(ti * V for ti, V in zip(t, Vs)), **constants)

    checks = {}
    for j, side in enumerate(sides):
        values = [np.asarray(evaluate(side, {**env, "#d": _column(V)}, where=label)) for V in Vs]
        key = "differential" if j == 0 else f"differential, side {j + 1}"
        if ident.is_scalar:
            if any(v.size != 1 for v in values):
                raise LatexError(f"{label}: df must be a scalar, got shape {values[0].shape}")
            checks[key] = check_gradient(along, np.array([float(v.reshape(())) for v in values]),
                                         np.zeros(len(Vs)))
            continue
        want = F0.shape if F0.ndim == 2 else (F0.size, 1)
        if any(v.shape != want for v in values):
            raise LatexError(f"{label}: dF has shape {values[0].shape}, F has shape {want}")
        J = np.column_stack([v.ravel(order="F") for v in values])
        checks[key] = check_jacobian(along, J, np.zeros(len(Vs)))
    return checks
