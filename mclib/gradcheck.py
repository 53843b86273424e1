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

Each entry is judged on its own, against the numerical derivative's own error estimate
(:func:`mclib.numerical_derivative`): entry k agrees when

    |analytic_k − numeric_k| ≤ atol + rtol · max(|analytic_k|, |numeric_k|) + 2 · error_k,

so a wrong small entry next to large ones (a bias beside big weights) fails, and neither a
large |f| nor a constant offset in f loosens the test. Where the estimate cannot decide an
entry (its error is above 5 % of the entry: a kink or near-tie at the step's scale, a domain
edge, rounding of a huge |f| swamping the differences), the verdict is "inconclusive", with
the reason and what to try, instead of a pass or a false fail.

**What a pass guarantees.** Every entry of the analytic derivative agrees with a numerical
derivative to within `rtol` of its own size plus twice the estimated error of the
numerical value, and that estimate is at most 5 % of the entry (or below 1e-7 of the largest
entry, for entries that vanish). In directional mode the same holds for the k random
directional derivatives ⟨grad, V⟩, not for each entry: a wrong entry of size δ among N is
missed when its contribution δ·V_k hides in the tolerance of ⟨grad, V⟩.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from mclib._diagnosis import ERROR_FACTOR, diagnose, forward_and_reverse, matrix_patterns, scalar_patterns
from mclib._format import mismatch_message
from mclib._validation import as_positive_int, as_real_array, as_rng, shape_str
from mclib.numdiff import (
    Evaluator,
    derivative_by,
    directional_derivative,
    output_eps,
    resolve_method,
    unreliable_entries,
)

__all__ = ["GradientCheck", "GradientError", "check_gradient", "check_jacobian", "assert_gradient"]

DIAGNOSES = (None, "transposed", "sign-flipped", "scaled", "symmetrized", "unknown")
# Default rtol by the precision of the analytic derivative (JAX's test tolerances, jax._src.public_test_util).
_DEFAULT_RTOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 2e-3, np.dtype(np.float16): 5e-2}
# With fewer random directions than this, any analytic result fits *some* scale factor.
_MIN_DIRECTIONS_FOR_SCALE = 3
# More directions than this cost more than a full check of any array a reader would check.
MAX_DIRECTIONS = 10_000
VERDICTS = ("pass", "fail", "inconclusive")


@dataclass(frozen=True, repr=False)
class GradientCheck:
    """Result of :func:`check_gradient` or :func:`check_jacobian`.

    Truthiness is ``ok``, so ``assert mc.check_gradient(...)`` cannot pass by accident.

    Attributes
    ----------
    ok : bool
        Whether the verdict is "pass".
    verdict : str
        "pass", "fail" (some entry disagrees beyond the numerical error), or "inconclusive"
        (no entry disagrees, but the numerical derivative cannot decide some of them).
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
        The absolute threshold applied at `worst_index` (each entry has its own, see the
        module docstring).
    n_failed : int
        Number of compared entries above their tolerance.
    nfev : int
        Evaluations of f (or F) that the check made.
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
    verdict: str = "pass"
    nfev: int = 0

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"GradientCheck(verdict={self.verdict!r}, diagnosis={self.diagnosis!r}, scale={self.scale!r}, "
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
        Relative tolerance of each entry; default by the precision of the analytic gradient or
        of f's output, whichever is coarser: 1e-5 (float64), 2e-3 (float32), 5e-2 (float16).
    atol : float, optional
        An extra absolute tolerance, in the units of the gradient; default 0. Entries whose
        numerical error is too large relative to their size (e.g. a derivative that is 0 in
        exact arithmetic and is the only entry) are decided when atol covers that error.
    directions : int, optional
        If given (1 to 10 000), compare k random directional derivatives ``⟨grad, V⟩`` with
        numerical ones instead of the full gradient: cost independent of the size of X.
    seed : int
        Seed of the random directions.
    method : {"auto", "complex", "central"}
        How to differentiate numerically (see :func:`mclib.numerical_derivative`).

    Returns
    -------
    GradientCheck
        ``verdict`` "pass", "fail" (with a diagnosis) or "inconclusive" (with the reason).

    Raises
    ------
    ValueError
        If `grad` does not have X's shape (the message says when it looks transposed),
        or inputs are non-finite, or `f` does not return a scalar.
    """
    return _check_gradient("check_gradient", f, grad, X, rtol, atol, directions, seed, method)


def _check_gradient(caller, f, grad, X, rtol, atol, directions, seed, method) -> GradientCheck:
    X = as_real_array(X, "X", caller)
    rng = as_rng(seed, "seed", caller)
    f_of = Evaluator(f, caller, "f", scalar=True)
    f0 = f_of.at(X)
    G_raw = np.asarray(grad(X.copy()) if callable(grad) else grad)
    G = _analytic_array(G_raw, "grad", caller)
    if G.shape != X.shape:
        raise ValueError(f"{caller}: `grad` has shape {shape_str(G.shape)} but `X` has shape "
                         f"{shape_str(X.shape)}{_shape_hint(G.shape, X.shape)}")
    rtol, atol = _tolerances(rtol, atol, G_raw, f0, caller)
    k = _directions(directions, caller)
    used = resolve_method(f_of, X, f0, method, None, caller)
    square = X.ndim == 2 and X.shape[0] == X.shape[1]
    patterns = matrix_patterns() if square else scalar_patterns()

    if k is None:
        nd = derivative_by(f_of, X, f0, used, None)
        N, E = (a[0].reshape(X.shape, order="F") for a in (nd.value, nd.error))
        comparisons = ((name, c_free, G if G_map is None else G_map, pattern(N), np.abs(pattern(E)), G_map)
                       for name, c_free, pattern, G_map in forward_and_reverse(patterns, G))
        return _judge(G, N, E, rtol=rtol, atol=atol, method=used, what="gradient", via=_via(used),
                      explain=lambda: diagnose(G, comparisons, rtol, atol),
                      locate=_locator(X.shape, _index_label_x), evaluations=lambda: f_of.nfev,
                      reason=nd.reason)

    eps = output_eps(f0)
    Vs = [rng.standard_normal(X.shape) for _ in range(k)]
    numeric, error = (np.concatenate(a) for a in zip(*(_directional(f_of, X, f0, V, used, eps) for V in Vs)))
    analytic = np.array([np.vdot(G, V) for V in Vs])

    def comparisons():  # a generator: the extra evaluations of f happen only to diagnose a failure
        for name, c_free, pattern, G_map in forward_and_reverse(patterns, G):
            c_free = c_free and k >= _MIN_DIRECTIONS_FOR_SCALE
            if G_map is None:  # G ≈ c·T(N): ⟨G, V⟩ vs the numeric derivative along T*(V) = T(V)
                mapped = [_directional(f_of, X, f0, pattern(V), used, eps) for V in Vs]
                yield (name, c_free, analytic, np.concatenate([m[0] for m in mapped]),
                       np.concatenate([m[1] for m in mapped]), None)
            else:  # T(G) ≈ c·N: ⟨T(G), V⟩ vs the numeric derivative along V
                yield name, c_free, np.array([np.vdot(G_map, V) for V in Vs]), numeric, error, G_map

    return _judge(analytic, numeric, error, rtol=rtol, atol=atol, method=used, what="directional derivative",
                  via=_via(used), explain=lambda: diagnose(analytic, comparisons(), rtol, atol),
                  locate=_locator((k,), _index_label_direction), evaluations=lambda: f_of.nfev)


def check_jacobian(F, J, X, *, layout: str = "numerator", rtol: float | None = None,
                   atol: float | None = None, directions: int | None = None, seed: int = 0,
                   method: str = "auto") -> GradientCheck:
    """Compare an analytic Jacobian with a numerical one and diagnose the difference.

    Parameters
    ----------
    F : callable
        ``F(X)`` returns an array of any (fixed) shape.
    J : callable or array_like
        ``J(X)`` or the matrix itself: shape (F.size, X.size) for ``layout="numerator"``
        (``J[i, k] = ∂ vec(F)[i] / ∂ vec(X)[k]``, column-major vec), its transpose for
        ``"denominator"``.
    X : array_like, any shape
    layout : {"numerator", "denominator"}
    rtol, atol, directions, seed, method
        As in :func:`check_gradient`; in directional mode Jacobian-vector products are
        compared.

    Returns
    -------
    GradientCheck
        ``worst_index`` indexes the Jacobian as given (in its layout).
    """
    caller = "check_jacobian"
    if layout not in ("numerator", "denominator"):
        raise ValueError(f"{caller}: `layout` must be 'numerator' or 'denominator', got {layout!r}")
    X = as_real_array(X, "X", caller)
    rng = as_rng(seed, "seed", caller)
    F_of = Evaluator(F, caller, "F")
    F0 = F_of.at(X)
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
    rtol, atol = _tolerances(rtol, atol, J_raw, F0, caller)
    k = _directions(directions, caller)
    used = resolve_method(F_of, X, F0, method, None, caller)
    patterns = matrix_patterns(symmetrize=False) if Jn.shape[0] == Jn.shape[1] else scalar_patterns()
    as_given = (lambda M: M) if layout == "numerator" else (lambda M: M.T)

    if k is None:
        nd = derivative_by(F_of, X, F0, used, None)
        comparisons = ((name, c_free, J_given, as_given(pattern(nd.value)),
                        np.abs(as_given(pattern(nd.error))), None)
                       for name, c_free, pattern, _ in forward_and_reverse(patterns, Jn))
        return _judge(J_given, as_given(nd.value), as_given(nd.error), rtol=rtol, atol=atol, method=used,
                      what="Jacobian", via=_via(used),
                      explain=lambda: diagnose(J_given, comparisons, rtol, atol),
                      locate=_locator(J_given.shape, _index_label_jacobian), evaluations=lambda: F_of.nfev,
                      reason=nd.reason, row_axis=1 if layout == "numerator" else 0)

    eps = output_eps(F0)
    Vs = [rng.standard_normal(X.shape) for _ in range(k)]
    numeric, error = (np.concatenate(a) for a in zip(*(_directional(F_of, X, F0, V, used, eps) for V in Vs)))
    analytic = np.concatenate([Jn @ V.ravel(order="F") for V in Vs])
    # Only sign and scale can be diagnosed from Jacobian-vector products.
    comparisons = ((name, c_free and k >= _MIN_DIRECTIONS_FOR_SCALE, analytic, numeric, error, None)
                   for name, c_free, _, _ in forward_and_reverse(scalar_patterns(), Jn))
    return _judge(analytic, numeric, error, rtol=rtol, atol=atol, method=used, what="Jacobian-vector product",
                  via=_via(used), explain=lambda: diagnose(analytic, comparisons, rtol, atol),
                  locate=_locator((k, F0.size), _index_label_direction), evaluations=lambda: F_of.nfev)


def assert_gradient(f, grad, X, **kwargs) -> GradientCheck:
    """Like :func:`check_gradient`, but raise :class:`GradientError` (an ``AssertionError``)
    with the diagnostic message unless the verdict is "pass". Returns the result when it is."""
    unknown = set(kwargs) - {"rtol", "atol", "directions", "seed", "method"}
    if unknown:
        raise TypeError(f"assert_gradient: unexpected keyword argument(s) {sorted(unknown)}")
    options = {"rtol": None, "atol": None, "directions": None, "seed": 0, "method": "auto", **kwargs}
    result = _check_gradient("assert_gradient", f, grad, X, **options)
    if not result.ok:
        raise GradientError(result)
    return result


def _directional(F_of, X, F0, V, method, eps):
    value, error = directional_derivative(F_of, X, F0, V, method, eps)
    return np.atleast_1d(value), np.atleast_1d(error)


_UNDECIDABLE = ("the numerical derivative's error estimate is above 5 % of the entry: f changes faster "
                "than the step resolves (a kink or a near-tie), or rounding in f(X) swamps the "
                "differences (a large |f| or offset)")
_TRY = ("try method='complex' if f's code is holomorphic, a check along directions, a point "
        "away from the kink, tie or domain edge, or, for an entry that is 0, an absolute `atol` "
        "at which agreement is enough")


def _judge(analytic, numeric, error, *, rtol, atol, method, what, via, explain, locate, evaluations,
           reason="", undecidable_reason=None, advice=None, row_axis=None) -> GradientCheck:
    """The verdict of a checker (gradients, Jacobians, Hessians), entry by entry.

    `explain()` returns (diagnosis, scale, detail) and is called only for a failure (it may
    evaluate f again); `locate(flat)` returns the worst index for the result and its label for
    the message; `evaluations()` counts the evaluations of f, read last."""
    # An entry the estimate cannot resolve relative to its size is still decided when the
    # caller's absolute tolerance atol covers the estimate's error (a derivative that is 0).
    undecidable = unreliable_entries(numeric, error, analytic, axis=row_axis) & (ERROR_FACTOR * error > atol)
    err = np.abs(analytic - np.nan_to_num(numeric))
    tolerance = (atol + rtol * np.maximum(np.abs(analytic), np.abs(np.nan_to_num(numeric)))
                 + ERROR_FACTOR * error)
    failing = (err > tolerance) & ~undecidable
    n_failed = int(np.sum(failing))
    decided = np.where(undecidable, 0.0, err)
    max_abs = float(np.max(decided))
    scale_ref = max(np.max(np.abs(np.nan_to_num(numeric))), np.max(np.abs(analytic)))
    max_rel = max_abs / scale_ref if scale_ref > 0 else 0.0
    if n_failed:
        worst_flat = _worst_entry(np.where(failing, err, 0.0), tolerance)
        verdict = "fail"
        diagnosis, scale, detail = explain()
        message = mismatch_message(what, locate(worst_flat)[1], analytic.flat[worst_flat],
                                   np.nan_to_num(numeric).flat[worst_flat], tolerance.flat[worst_flat],
                                   error.flat[worst_flat], n_failed, err.size, diagnosis, detail)
    elif np.any(undecidable):
        worst_flat = _worst_entry(undecidable.astype(float), np.ones(err.shape))
        verdict, diagnosis, scale = "inconclusive", None, None
        message = (f"{what} check inconclusive: {int(np.sum(undecidable))} of {err.size} entries cannot "
                   f"be decided, first {locate(worst_flat)[1]} "
                   f"({reason or undecidable_reason or _UNDECIDABLE}); "
                   f"the others agree. To decide: {advice or _TRY}")
    else:
        worst_flat = _worst_entry(err, tolerance)
        verdict, diagnosis, scale = "pass", None, None
        message = (f"{what} OK: all {err.size} entries agree within rtol {rtol:.0e} plus the numerical "
                   f"error estimate (numeric by {via})")
    return GradientCheck(verdict == "pass", max_abs, max_rel, locate(worst_flat)[0], diagnosis, scale,
                         message, analytic, numeric, method, float(tolerance.flat[worst_flat]), n_failed,
                         verdict, evaluations())


def _locator(shape, label):
    """locate(flat) for _judge: the index into an array of `shape` and its label in messages."""
    def locate(flat):
        worst = _worst(shape, flat, label)
        return worst, label(worst, shape)
    return locate


def _via(method):
    return "complex step" if method == "complex" else "central differences"


def _worst_entry(err, tolerance):
    """Flat (C-order) index of the entry to report: among the entries whose error is within
    rounding (1 % of the tolerance there) of the largest, the first in column-major (vec)
    order, so that entries with equal errors in exact arithmetic do not let rounding pick one."""
    top = int(np.argmax(err))
    near_max = np.ravel(err >= err.flat[top] - 0.01 * np.ravel(tolerance)[top], order="F")
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


def _directions(directions, caller):
    if directions is None:
        return None
    k = as_positive_int(directions, "directions", caller)
    if k > MAX_DIRECTIONS:
        raise ValueError(f"{caller}: `directions` must be at most {MAX_DIRECTIONS:,}, got {k:,} "
                         "(a full check costs fewer evaluations)")
    return k


def _tolerances(rtol, atol, analytic_raw, f0, caller):
    dtypes = [np.dtype(d) for d in (analytic_raw.dtype, f0.dtype) if np.issubdtype(d, np.floating)]
    if rtol is None:
        rtol = max((_DEFAULT_RTOL.get(d, 1e-5) for d in dtypes), default=1e-5)
    if atol is None:
        atol = 0.0
    for name, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                np.isfinite(value) and value >= 0):
            raise ValueError(f"{caller}: `{name}` must be a finite non-negative number, got {value!r}")
    return float(rtol), float(atol)
