"""Gradient and Jacobian checking that says *how* a derivative is wrong.

The analytic derivative is compared with a numerical one (:mod:`mclib.numdiff`). When they
disagree, the checker tries the layout mistakes that fill matrix-calculus issue trackers
and reports the first that explains the analytic result exactly (up to tolerance):

==================  ====================================================================
``"sign-flipped"``  analytic ≈ −numeric
``"scaled"``        analytic ≈ c · numeric, c ≠ ±1 (``scale`` holds c, e.g. 2.0 or 0.5)
``"transposed"``    analytic ≈ numericᵀ (``scale`` holds any extra factor, normally 1.0)
``"symmetrized"``   analytic ≈ sym(G) = (G + Gᵀ)/2 or ≈ G + Gᵀ − G∘I where G = numeric
                    [Petersen & Pedersen 2012, sec. 2.8.2; Srinivasan & Panda 2023],
                    or the reverse: numeric ≈ sym(analytic) or ≈ analytic + analyticᵀ − analytic∘I
``"unknown"``       none of the above
==================  ====================================================================

Pass/fail is normwise: ``max |analytic − numeric| ≤ atol + rtol · max(|numeric|∞, |analytic|∞)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from mclib._format import rounded
from mclib._validation import as_positive_int, as_real_array, shape_str
from mclib.numdiff import (
    central_step,
    directional_derivative,
    jacobian_by,
    resolve_method,
    scalar_function,
    vector_function,
)

__all__ = ["GradientCheck", "GradientError", "check_gradient", "check_jacobian", "assert_gradient"]

DIAGNOSES = (None, "transposed", "sign-flipped", "scaled", "symmetrized", "unknown")
# Default rtol by the precision of the analytic derivative (JAX's test tolerances, jax._src.public_test_util).
_DEFAULT_RTOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 2e-3, np.dtype(np.float16): 5e-2}
# With fewer random directions than this, any analytic result fits *some* scale factor.
_MIN_DIRECTIONS_FOR_SCALE = 3


@dataclass(frozen=True, repr=False)
class GradientCheck:
    """Result of :func:`check_gradient` or :func:`check_jacobian`.

    Truthiness is ``ok``, so ``assert mc.check_gradient(...)`` cannot pass by accident.

    Attributes
    ----------
    ok : bool
        Whether analytic and numeric derivatives agree within tolerance.
    max_abs_error : float
        ``max |analytic − numeric|``.
    max_rel_error : float
        `max_abs_error` divided by ``max(|numeric|∞, |analytic|∞)`` (normwise relative error).
    worst_index : tuple of int or None
        Index of the worst entry (into X for gradients, into the Jacobian matrix for
        Jacobians); ``None`` in directional mode, where entries are not compared. Entries
        whose errors agree to within rounding (1 % of `tolerance`) count as tied, and the
        first of them in column-major (vec) order is reported, on every machine.
    diagnosis : str or None
        ``None`` when ok, else one of "transposed", "sign-flipped", "scaled", "symmetrized",
        "unknown".
    scale : float or None
        The factor c with analytic ≈ c · (pattern of the diagnosis); ``None`` when ok or unknown.
    message : str
        One-paragraph human summary naming the worst entry. Its numbers carry only the
        digits above a tenth of `tolerance` (a value below that prints as 0), so the same
        check prints the same message on any CPU or BLAS.
    analytic, numeric : ndarray
        The compared derivatives; in directional mode, the k directional derivatives
        (flattened) instead.
    method : str
        How the numeric derivative was computed: "complex" (step) or "central" (differences).
    tolerance : float
        The absolute threshold ``atol + rtol · scale`` that was applied.
    n_failed : int
        Number of compared entries above `tolerance`.
    """

    ok: bool
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple | None
    diagnosis: str | None
    scale: float | None
    message: str
    analytic: np.ndarray = field(compare=False)
    numeric: np.ndarray = field(compare=False)
    method: str = "complex"
    tolerance: float = 0.0
    n_failed: int = 0

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"GradientCheck(ok={self.ok}, diagnosis={self.diagnosis!r}, scale={self.scale!r}, "
            f"max_abs_error={self.max_abs_error:.2e}, worst_index={self.worst_index})\n"
            f"  {self.message}"
        )


class GradientError(AssertionError):
    """Raised by :func:`assert_gradient`; ``.result`` holds the :class:`GradientCheck`."""

    def __init__(self, result: GradientCheck):
        super().__init__(result.message)
        self.result = result


def check_gradient(f, grad, X, *, rtol: float | None = None, atol: float | None = None,
                   directions: int | None = None, seed: int = 0,
                   method: str = "auto") -> GradientCheck:
    """Compare an analytic gradient with a numerical one and diagnose the difference.

    Parameters
    ----------
    f : callable
        Scalar function, ``f(X)`` returns a number.
    grad : callable or array_like
        ``grad(X)`` returning an array shaped like `X`, or that array itself.
    X : array_like, any shape
        The point at which to check.
    rtol : float, optional
        Relative tolerance; default by the dtype of the analytic gradient:
        1e-5 (float64), 2e-3 (float32), 5e-2 (float16).
    atol : float, optional
        Absolute tolerance, a floor for entries that vanish at `X`. Default: the rounding
        level of the numerical derivative, ``100 ε |f(X)|`` for the complex step and
        ``10 ε |f(X)| / h`` for central differences with step h (ε of the analytic dtype
        for the first, float64 for the second) [Nocedal & Wright 2006, sec. 8.1].
    directions : int, optional
        If given, compare k random directional derivatives ``⟨grad, V⟩`` with numerical
        ones instead of the full gradient: cost independent of the size of X.
    seed : int
        Seed of the random directions.
    method : {"auto", "complex", "central"}
        How to differentiate numerically (see :func:`mclib.numerical_gradient`).

    Returns
    -------
    GradientCheck

    Raises
    ------
    ValueError
        If `grad` does not have X's shape (the message says when it looks transposed),
        or inputs are non-finite, or `f` does not return a scalar.
    """
    caller = "check_gradient"
    X = as_real_array(X, "X", caller)
    scalar_f = scalar_function(f, caller)
    f0 = scalar_f(X.copy())
    G_raw = np.asarray(grad(X.copy()) if callable(grad) else grad)
    G = _analytic_array(G_raw, "grad", caller)
    if G.shape != X.shape:
        raise ValueError(f"{caller}: `grad` has shape {shape_str(G.shape)} but `X` has shape "
                         f"{shape_str(X.shape)}{_shape_hint(G.shape, X.shape)}")
    used = resolve_method(scalar_f, X, f0, method, None, caller)
    rtol, atol = _tolerances(rtol, atol, G_raw, f0, used, X)
    square = X.ndim == 2 and X.shape[0] == X.shape[1]
    patterns = _matrix_patterns() if square else _scalar_patterns()

    if directions is None:
        N = jacobian_by(scalar_f, X, used, None)[0].reshape(X.shape, order="F")
        comparisons = ((name, c_free, G if G_map is None else G_map, pattern(N), G_map)
                       for name, c_free, pattern, G_map in _forward_and_reverse(patterns, G))
        return _judge(G, N, comparisons, rtol, atol, used, "gradient", _index_label_x, X.shape)

    k = as_positive_int(directions, "directions", caller)
    rng = np.random.default_rng(seed)
    Vs = [rng.standard_normal(X.shape) for _ in range(k)]
    numeric = np.array([directional_derivative(scalar_f, X, V, used)[0] for V in Vs])
    analytic = np.array([np.vdot(G, V) for V in Vs])

    def comparisons():  # a generator: the extra evaluations of f happen only to diagnose a failure
        for name, c_free, pattern, G_map in _forward_and_reverse(patterns, G):
            c_free = c_free and k >= _MIN_DIRECTIONS_FOR_SCALE
            if G_map is None:  # G ≈ c·T(N): ⟨G, V⟩ vs the numeric derivative along T*(V) = T(V)
                yield name, c_free, analytic, np.array(
                    [directional_derivative(scalar_f, X, pattern(V), used)[0] for V in Vs]), None
            else:  # T(G) ≈ c·N: ⟨T(G), V⟩ vs the numeric derivative along V
                yield name, c_free, np.array([np.vdot(G_map, V) for V in Vs]), numeric, G_map

    return _judge(analytic, numeric, comparisons(), rtol, atol, used, "directional derivative",
                  _index_label_direction, (k,))


def check_jacobian(F, J, X, *, layout: str = "numerator", rtol: float | None = None,
                   atol: float | None = None, directions: int | None = None, seed: int = 0,
                   method: str = "auto") -> GradientCheck:
    """Compare an analytic Jacobian with a numerical one and diagnose the difference.

    Parameters
    ----------
    F : callable
        ``F(X)`` returns an array of any shape.
    J : callable or array_like
        ``J(X)`` or the matrix itself: shape (F.size, X.size) for ``layout="numerator"``
        (``J[i, k] = ∂ vec(F)[i] / ∂ vec(X)[k]``, column-major vec), its transpose for
        ``"denominator"``.
    X : array_like, any shape
    layout : {"numerator", "denominator"}
    rtol, atol, directions, seed, method
        As in :func:`check_gradient`; in directional mode Jacobian-vector products are
        compared, and the default atol uses ``max |F(X)|``.

    Returns
    -------
    GradientCheck
        ``worst_index`` indexes the Jacobian as given (in its layout).
    """
    caller = "check_jacobian"
    if layout not in ("numerator", "denominator"):
        raise ValueError(f"{caller}: `layout` must be 'numerator' or 'denominator', got {layout!r}")
    X = as_real_array(X, "X", caller)
    vec_F = vector_function(F, caller)
    F0 = vec_F(X.copy())
    J_raw = np.asarray(J(X.copy()) if callable(J) else J)
    J_given = _analytic_array(J_raw, "J", caller)
    expected = (F0.size, X.size) if layout == "numerator" else (X.size, F0.size)
    if J_given.shape != expected:
        other = "denominator" if layout == "numerator" else "numerator"
        hint = ""
        if J_given.shape == expected[::-1]:
            hint = f"; it looks like {other} layout (pass layout='{other}' or transpose it)"
        elif J_given.size == F0.size * X.size:
            hint = "; reshape it to 2-D with column-major vec on both sides"
        raise ValueError(f"{caller}: `J` has shape {shape_str(J_given.shape)} but {layout} layout "
                         f"needs {shape_str(expected)} (F has {F0.size} entries, X has {X.size}){hint}")
    Jn = J_given if layout == "numerator" else J_given.T
    used = resolve_method(vec_F, X, F0, method, None, caller)
    rtol, atol = _tolerances(rtol, atol, J_raw, F0, used, X)
    patterns = _matrix_patterns(symmetrize=False) if Jn.shape[0] == Jn.shape[1] else _scalar_patterns()
    as_given = (lambda M: M) if layout == "numerator" else (lambda M: M.T)

    if directions is None:
        N = jacobian_by(vec_F, X, used, None)
        comparisons = ((name, c_free, J_given, as_given(pattern(N)), None)
                       for name, c_free, pattern, _ in _forward_and_reverse(patterns, Jn))
        return _judge(J_given, as_given(N), comparisons, rtol, atol, used, "Jacobian",
                      _index_label_jacobian, J_given.shape)

    k = as_positive_int(directions, "directions", caller)
    rng = np.random.default_rng(seed)
    Vs = [rng.standard_normal(X.shape) for _ in range(k)]
    numeric = np.concatenate([directional_derivative(vec_F, X, V, used) for V in Vs])
    analytic = np.concatenate([Jn @ V.ravel(order="F") for V in Vs])
    # Only sign and scale can be diagnosed from Jacobian-vector products.
    comparisons = ((name, c_free and k >= _MIN_DIRECTIONS_FOR_SCALE, analytic, numeric, None)
                   for name, c_free, _, _ in _forward_and_reverse(_scalar_patterns(), Jn))
    return _judge(analytic, numeric, comparisons, rtol, atol, used, "Jacobian-vector product",
                  _index_label_direction, (k, F0.size))


def assert_gradient(f, grad, X, **kwargs) -> GradientCheck:
    """Like :func:`check_gradient`, but raise :class:`GradientError` (an ``AssertionError``)
    with the diagnostic message when the check fails. Returns the result when it passes."""
    result = check_gradient(f, grad, X, **kwargs)
    if not result.ok:
        raise GradientError(result)
    return result


# --- the patterns of mistakes -----------------------------------------------------------


def _sym(M):
    return (M + M.T) / 2


def _sym_cookbook(M):
    return M + M.T - np.diag(np.diag(M))


# What each symmetrization means, for analytic ≈ T(numeric) and for T(analytic) ≈ numeric.
_SYMMETRIZATIONS = {
    "sym": ("analytic ≈ sym(G) for the numeric G: the gradient on symmetric matrices, but the "
            "check varies every entry of X independently",
            "numeric ≈ sym(analytic): f depends only on the symmetric part of X, so its "
            "gradient is symmetric; symmetrize yours"),
    "cookbook": ("analytic ≈ G + Gᵀ − G∘I for the numeric G: this double-counts off-diagonal "
                 "entries; on symmetric matrices the gradient is sym(G)",
                 "numeric ≈ G + Gᵀ − G∘I of the analytic G: f reads each off-diagonal pair once "
                 "(e.g. through a triangle of X)"),
}


def _scalar_patterns():
    """(name, scale is free, map) triples tried in order; identity covers sign and scale."""
    return [("identity", True, lambda M: M)]


def _matrix_patterns(symmetrize=True):
    patterns = _scalar_patterns() + [("transposed", True, lambda M: M.T)]
    if symmetrize:
        patterns += [("sym", False, _sym), ("cookbook", False, _sym_cookbook)]
    return patterns


def _forward_and_reverse(patterns, G):
    """Expand patterns into (name, c_free, pattern, G_map) comparisons.

    ``G_map is None``: test analytic ≈ c · pattern(numeric). Otherwise test
    pattern(analytic) ≈ numeric, the "reverse" direction, for the symmetrizations.
    """
    out = [(name, c_free, pattern, None) for name, c_free, pattern in patterns]
    out += [(name, c_free, lambda M: M, pattern(G)) for name, c_free, pattern in patterns
            if name in _SYMMETRIZATIONS]
    return out


def _nice_scale(c: float, rtol: float) -> float:
    """Snap a fitted factor to a simple fraction (2, 1/2, 3/4 ...) when it is one to within rtol."""
    frac = Fraction(c).limit_denominator(12)
    return float(frac) if abs(float(frac) - c) <= 10 * rtol * max(abs(c), 1e-300) else c


def _fit(a, b, rtol, atol, c_free):
    """Best c with a ≈ c·b, and whether the residual is within tolerance."""
    bb = float(np.vdot(b, b))
    if c_free:
        if bb == 0.0:
            return None, False
        raw = float(np.vdot(a, b)) / bb
        candidates = (_nice_scale(raw, rtol), raw)  # the raw factor if snapping loses the fit (1.0001)
    else:
        candidates = (1.0,)
    for c in candidates:
        residual = np.max(np.abs(a - c * b))
        tol = atol + rtol * max(np.max(np.abs(a)), abs(c) * np.max(np.abs(b)))
        if residual <= tol:
            return c, True
    return c, False


def _diagnose(comparisons, rtol, atol):
    """First comparison that explains the analytic result: (diagnosis, scale, detail)."""
    for name, c_free, a, b, G_map in comparisons:
        c, fits = _fit(np.ravel(a), np.ravel(b), rtol, atol, c_free)
        if not fits or c is None or c == 0.0:
            continue
        if name == "identity":
            if c == 1.0:
                continue
            if c == -1.0:
                return "sign-flipped", -1.0, "analytic ≈ −numeric: a sign error"
            return "scaled", c, f"analytic ≈ {c:.4g} × numeric: a missing or extra factor"
        if name == "transposed":
            extra = "" if c == 1.0 else f" and scaled by {c:.4g}"
            return "transposed", c, (f"analytic ≈ numericᵀ{extra}: numerator vs denominator "
                                     "layout?")
        return "symmetrized", c, _SYMMETRIZATIONS[name][G_map is not None]
    return "unknown", None, "no transpose, sign, scale or symmetrization explains the difference"


def _explain(analytic, comparisons, rtol, atol):
    if not np.any(analytic):
        return "unknown", None, "the analytic derivative is identically zero"
    return _diagnose(comparisons, rtol, atol)


def _judge(analytic, numeric, comparisons, rtol, atol, method, what, label, shape):
    err = np.abs(analytic - numeric)
    scale_ref = max(np.max(np.abs(numeric)), np.max(np.abs(analytic)))
    tolerance = atol + rtol * scale_ref
    max_abs = float(np.max(err))
    max_rel = max_abs / scale_ref if scale_ref > 0 else 0.0
    n_failed = int(np.sum(err > tolerance))
    worst_flat = _worst_entry(err, tolerance)
    via = "complex step" if method == "complex" else "central differences"
    if n_failed == 0:
        # The error of a right derivative is rounding: its digits would differ between machines.
        return GradientCheck(True, max_abs, max_rel, _worst(shape, worst_flat, label), None, None,
                             f"{what} OK: every entry within tol {tolerance:.1e} (numeric by {via})",
                             analytic, numeric, method, tolerance, 0)
    diagnosis, scale, detail = _explain(analytic, comparisons, rtol, atol)
    worst = _worst(shape, worst_flat, label)
    message = (f"{what} mismatch at {label(worst, shape)}: analytic "
               f"{rounded(analytic.flat[worst_flat], tolerance / 10)}, numeric "
               f"{rounded(numeric.flat[worst_flat], tolerance / 10)} (|err| {max_abs:.1e} > tol "
               f"{tolerance:.1e}); {n_failed} of {err.size} entries fail; " +
               (detail if diagnosis == "unknown" else f"looks {diagnosis} ({detail})"))
    return GradientCheck(False, max_abs, max_rel, worst if label is not _index_label_direction else None,
                         diagnosis, scale, message, analytic, numeric, method, tolerance, n_failed)


def _worst_entry(err, tolerance):
    """Flat (C-order) index of the entry to report: among the entries whose error is within
    rounding (1 % of the tolerance) of the largest, the first in column-major (vec) order, so
    that entries with equal errors in exact arithmetic do not let rounding pick one."""
    near_max = np.ravel(err >= np.max(err) - 0.01 * tolerance, order="F")
    first_in_vec_order = int(np.argmax(near_max))
    return int(np.ravel_multi_index(np.unravel_index(first_in_vec_order, err.shape, order="F"), err.shape))


def _worst(shape, flat, label):
    if label is _index_label_direction:
        return None
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _index_label_x(index, shape):
    return "X[" + ", ".join(str(i) for i in index) + "]"


def _index_label_jacobian(index, shape):
    return f"J[{index[0]}, {index[1]}]"


def _index_label_direction(index, shape):
    return f"one of {shape[0]} random directions"


# --- input handling ---------------------------------------------------------------------


def _analytic_array(value, name, caller):
    if np.iscomplexobj(value):
        raise ValueError(f"{caller}: `{name}` must be real, got a complex array")
    return as_real_array(value, name, caller)


def _shape_hint(got, want):
    if len(got) == 2 and len(want) == 2 and tuple(got) == tuple(want)[::-1]:
        return "; it looks transposed (the other layout convention?)"
    if int(np.prod(got)) == int(np.prod(want)):
        return "; same number of entries, so reshape it (a row vs a column?)"
    return ""


def _tolerances(rtol, atol, analytic_raw, f0, method, X):
    dtype = analytic_raw.dtype if np.issubdtype(analytic_raw.dtype, np.floating) else np.float64
    if rtol is None:
        rtol = _DEFAULT_RTOL.get(np.dtype(dtype), 1e-5)
    if atol is None:
        f_scale = float(np.max(np.abs(f0)))
        floor = 100 * np.finfo(dtype).eps * f_scale
        if method == "central":
            eps = np.finfo(np.float64).eps
            floor = max(floor, 10 * eps * f_scale / float(np.min(central_step(X, f0))))
        atol = floor
    if not (rtol >= 0 and atol >= 0 and np.isfinite(rtol) and np.isfinite(atol)):
        raise ValueError(f"tolerances must be finite and non-negative, got rtol={rtol!r}, atol={atol!r}")
    return float(rtol), float(atol)
