"""Numerical derivatives that come with an estimate of their own error.

*Complex step* ``Im F(x + ih) / h`` has no subtraction, so the step can be tiny and the result
is exact to rounding [Squire & Trapp 1998, Eq. 4; Martins, Sturdza & Alonso 2003]. It is valid
only when F is the restriction of a holomorphic function *and* the code propagates complex
input faithfully: ``abs``, ``np.real``, ``conj``, ``np.linalg.norm`` or ``np.linalg.eigh``
silently break it. ``method="auto"`` therefore probes the complex step along random directions
against central differences and falls back to those when they disagree.

*Central differences* ``D(h) = (F(x + h) − F(x − h)) / 2h`` have truncation error ≈ h² |F'''| / 6
and rounding error ≈ ε |F| / h [Nocedal & Wright 2006, sec. 8.1]. Here each entry is
differentiated at the steps h, h/2 and h/4 and Richardson-extrapolated,
``R(h) = (4 D(h/2) − D(h)) / 3`` (truncation O(h⁴)); the value is R(h/2), its error estimate
``|R(h) − R(h/2)|`` (which bounds the truncation of the less accurate of the two and holds the
rounding noise of both) plus ``ε |F| / h`` [numdifftools estimates its error the same way;
Brodtkorb & D'Errico 2015]. Steps follow each entry's own magnitude, ``ε^(1/5) |x|``, the
best step for an O(h⁴) formula; where that leaves an error above 1e-3 of the entry and
|x| < 1, the step ``ε^(1/5)`` is tried too and, entry by entry, the estimate with the smaller
error is kept. ε is that of the function's output dtype, so float32 functions get float32
steps. The complex step is ``10⁻²⁰ min(1, |x|)``: tiny beside x, so that its truncation error
``(h/x)²`` vanishes even for |x| = 10⁻¹⁵⁰.

Every estimate is returned as a :class:`NumericalDerivative` with the value, the error estimate
and the entries where F was not finite near X (a domain edge or overflow). Jacobians follow the
book's convention: numerator layout, ``J[i, k] = ∂ vec(F)[i] / ∂ vec(X)[k]``, column-major vec.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np

from mclib._validation import as_real_array, shape_str

__all__ = ["NumericalDerivative", "numerical_derivative", "numerical_gradient", "numerical_jacobian"]

METHODS = ("auto", "complex", "central")
COMPLEX_STEP = 1e-20  # times min(1, |x|): no subtraction, so no rounding penalty for a tiny step
# Probe directions for method="auto": fixed, so results never depend on global RNG state.
_PROBE_SEED = 20260101
_PROBE_DIRECTIONS = 2
# An estimate whose error exceeds this fraction of the entry cannot decide anything about it.
UNRELIABLE_FRACTION = 0.05
# ... unless it is also below this fraction of the largest entry of its row: a zero entry is then
# known to be zero to that accuracy.
ZERO_FLOOR = 1e-7


@dataclass(frozen=True, repr=False)
class NumericalDerivative:
    """A numerical derivative with its error estimate (returned by :func:`numerical_derivative`).

    Attributes
    ----------
    value : ndarray, shape (F.size, X.size)
        Numerator-layout Jacobian; for a scalar f, one row: ``value[0]`` is vec of the gradient.
    error : ndarray, shape (F.size, X.size)
        Estimated absolute error of each entry (truncation + rounding); ``inf`` where F was
        not finite near X.
    method : str
        "complex" (step) or "central" (differences).
    nfev : int
        Evaluations of F, including the probe of ``method="auto"``.
    reason : str
        Empty, or why some entries cannot be trusted and what to do about it.
    """

    value: np.ndarray = field(compare=False)
    error: np.ndarray = field(compare=False)
    method: str
    nfev: int
    reason: str = ""

    def unreliable(self, other: np.ndarray | None = None) -> np.ndarray:
        """Boolean mask of the entries whose error estimate is too large to decide anything
        (see ``unreliable_entries`` in this module; rows are the outputs)."""
        return unreliable_entries(self.value, self.error, other, axis=1)

    def __repr__(self) -> str:
        return (f"NumericalDerivative(method={self.method!r}, nfev={self.nfev}, shape="
                f"{shape_str(self.value.shape)}, max error {np.max(self.error):.1e})")


def unreliable_entries(value, error, other=None, axis=None) -> np.ndarray:
    """Entries whose error estimate exceeds 5 % of ``max(|value|, |other|)`` and 1e-7 of the
    largest such entry along `axis` (None: of the whole array). `other` is, e.g., an analytic
    derivative that is compared with `value`; non-finite values are always unreliable."""
    size = np.abs(np.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0))
    if other is not None:
        size = np.maximum(size, np.abs(other))
    floor = ZERO_FLOOR * np.max(size, axis=axis, keepdims=True)
    return ~(error <= UNRELIABLE_FRACTION * np.maximum(size, floor))


def numerical_derivative(F, X, *, method: str = "auto", h: float | None = None) -> NumericalDerivative:
    """Jacobian of `F` at `X` with a per-entry error estimate.

    Parameters
    ----------
    F : callable
        ``F(X)`` returns a number or an array of any (fixed) shape.
    X : array_like, any shape
        The point; converted to float64.
    method : {"auto", "complex", "central"}
        ``"complex"`` uses the complex step and raises if F cannot take complex input;
        ``"central"`` uses Richardson-extrapolated central differences (module docstring);
        ``"auto"`` uses the complex step after checking it along random directions.
    h : float, optional
        An absolute step instead of the rules above: ``Im F(x + ih) / h`` or one plain central
        difference ``(F(x + h) − F(x − h)) / 2h`` (its error estimate is then only the
        rounding part). Raises if ``x ± h`` rounds to x for some entry.

    Returns
    -------
    NumericalDerivative
    """
    caller = "numerical_derivative"
    X = as_real_array(X, "X", caller)
    F_of = Evaluator(F, caller, "F")
    F0 = F_of.at(X)
    used = resolve_method(F_of, X, F0, method, h, caller)
    return derivative_by(F_of, X, F0, used, h)


def numerical_gradient(f, X, *, method: str = "auto", h: float | None = None) -> np.ndarray:
    """Gradient of a scalar function by complex step or central differences.

    Parameters
    ----------
    f : callable
        ``f(X)`` returns a scalar (a Python number or an array with one element).
    X : array_like, any shape
        The point; converted to float64.
    method, h
        As in :func:`numerical_derivative`.

    Returns
    -------
    G : ndarray, same shape as `X`
        ``G[idx] = ∂f/∂X[idx]``, each entry an independent variable. A ``RuntimeWarning``
        names the entries whose error estimate is too large to trust (see
        :func:`numerical_derivative` for the estimate itself).
    """
    caller = "numerical_gradient"
    X = as_real_array(X, "X", caller)
    f_of = Evaluator(f, caller, "f", scalar=True)
    f0 = f_of.at(X)
    result = derivative_by(f_of, X, f0, resolve_method(f_of, X, f0, method, h, caller), h)
    _warn_if_unreliable(result, X.shape, caller)
    return result.value[0].reshape(X.shape, order="F")


def numerical_jacobian(F, X, *, layout: str = "numerator", method: str = "auto",
                       h: float | None = None) -> np.ndarray:
    """Jacobian of an array-valued function, as a 2-D matrix.

    Parameters
    ----------
    F : callable
        ``F(X)`` returns an array of any (fixed, non-empty) shape; a scalar counts as (1,).
    X : array_like, any shape
    layout : {"numerator", "denominator"}
        ``"numerator"``: shape (F.size, X.size), ``J[i, k] = ∂ vec(F)[i] / ∂ vec(X)[k]``.
        ``"denominator"``: the transpose, shape (X.size, F.size).
    method, h
        As in :func:`numerical_derivative`.

    Returns
    -------
    J : ndarray, 2-D
        With column-major ``vec``, so ``numerical_jacobian(lambda X: A @ X @ B, X)`` equals
        ``np.kron(B.T, A)``.
    """
    caller = "numerical_jacobian"
    X = as_real_array(X, "X", caller)
    if layout not in ("numerator", "denominator"):
        raise ValueError(f"{caller}: `layout` must be 'numerator' or 'denominator', got {layout!r}")
    F_of = Evaluator(F, caller, "F")
    F0 = F_of.at(X)
    result = derivative_by(F_of, X, F0, resolve_method(F_of, X, F0, method, h, caller), h)
    _warn_if_unreliable(result, X.shape, caller)
    return result.value if layout == "numerator" else result.value.T


# --- evaluating F ---------------------------------------------------------------------------


class _NonFinite(ValueError):
    """F returned inf or nan."""


class _ComplexStepUnsupported(Exception):
    """F cannot be evaluated faithfully at complex input."""


class Evaluator:
    """``vec(F(·))`` as a 1-D array: validates the output, keeps its shape fixed, counts calls.

    ``at(X)`` evaluates at the point itself (errors are the caller's); ``near(Y)`` at a
    perturbed point, returning ``None`` where F is not finite there (a domain edge)."""

    def __init__(self, F, caller: str, name: str, *, scalar: bool = False):
        if not callable(F):
            raise ValueError(f"{caller}: `{name}` must be callable, got {type(F).__name__}")
        self.F, self.caller, self.name, self.scalar = F, caller, name, scalar
        self.nfev, self.size = 0, None

    def __call__(self, Y):
        self.nfev += 1
        out = np.asarray(self.F(Y.copy()))
        if out.dtype == object or not np.issubdtype(out.dtype, np.number):
            raise ValueError(f"{self.caller}: `{self.name}` returned a non-numeric value of type {out.dtype}")
        if np.iscomplexobj(out) and not np.iscomplexobj(Y):
            raise ValueError(f"{self.caller}: `{self.name}` returned a complex value for real input")
        if self.size is not None and out.size != self.size:
            raise ValueError(f"{self.caller}: `{self.name}` returned {self.size} values at `X` but "
                             f"{out.size} at a nearby point: its output must keep its shape")
        if not np.all(np.isfinite(out)):
            raise _NonFinite(f"{self.caller}: `{self.name}` returned non-finite values at X of shape "
                             f"{shape_str(np.shape(Y))}")
        return out.ravel(order="F")

    def at(self, X) -> np.ndarray:
        try:
            out = self(X)
        except np.linalg.LinAlgError as exc:
            raise ValueError(f"{self.caller}: `{self.name}` raised LinAlgError at `X` (shape "
                             f"{shape_str(X.shape)}): {exc}") from None
        if out.size == 0:
            raise ValueError(f"{self.caller}: `{self.name}` returned an empty array at `X`")
        if self.scalar and out.size != 1:
            raise ValueError(f"{self.caller}: `{self.name}` must return a scalar, got an array with "
                             f"{out.size} entries; use numerical_jacobian / check_jacobian for "
                             "vector-valued functions")
        self.size = out.size
        return out

    def near(self, Y):
        try:
            with np.errstate(all="ignore"):  # outside F's domain is handled: None
                return self(Y)
        except _NonFinite:
            return None

    def complex(self, Y):
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            try:
                out = self(Y)
            except _NonFinite:
                raise
            # RuntimeError: torch refuses to turn a complex tensor into a float (float(t), t.item()).
            except (TypeError, ValueError, RuntimeError, np.exceptions.ComplexWarning,
                    np.linalg.LinAlgError) as exc:
                raise _ComplexStepUnsupported(f"{type(exc).__name__}: {exc}") from None
        if not np.iscomplexobj(out):
            raise _ComplexStepUnsupported("it returned a real value for complex input")
        return out


def output_eps(F0: np.ndarray) -> float:
    """Machine epsilon of F's output: float32 functions get float32 steps and error bars."""
    return float(np.finfo(F0.dtype).eps) if np.issubdtype(F0.dtype, np.inexact) else float(
        np.finfo(np.float64).eps)


# --- choosing the method --------------------------------------------------------------------


def _check_h(h, caller):
    if h is not None and not (isinstance(h, numbers.Real) and not isinstance(h, bool)
                              and np.isfinite(h) and h > 0):
        raise ValueError(f"{caller}: `h` must be a positive finite number, got {h!r}")


def resolve_method(F_of: Evaluator, X, F0, method, h, caller: str) -> str:
    """Decide between ``"complex"`` and ``"central"`` for F at `X`."""
    if method not in METHODS:
        raise ValueError(f"{caller}: `method` must be one of {METHODS}, got {method!r}")
    _check_h(h, caller)
    if method == "central":
        return "central"
    rng = np.random.default_rng(_PROBE_SEED)
    for _ in range(_PROBE_DIRECTIONS):
        V = rng.standard_normal(X.shape)
        try:
            complex_dd = complex_directional(F_of, X, V, h)
        except _ComplexStepUnsupported as exc:
            if method == "complex":
                raise ValueError(f"{caller}: `{F_of.name}` does not propagate complex input ({exc}); "
                                 "use method='central'") from None
            return "central"
        except _NonFinite:
            return "central" if method == "auto" else "complex"
        if method == "complex":
            return "complex"
        reference, error = central_directional(F_of, X, F0, V, output_eps(F0))
        if not np.all(np.isfinite(error)):  # F not finite at the probe's steps: nothing to compare
            return "complex"
        if np.any(np.abs(complex_dd - reference) > 4 * error + 1e-6 * np.max(np.abs(reference))):
            return "central"
    return "complex"


# --- the estimates --------------------------------------------------------------------------


def _typical_magnitude(X) -> float:
    """Root mean square of the nonzero |x| (1 if there are none), without overflow."""
    nonzero = np.abs(X[X != 0])
    if not nonzero.size:
        return 1.0
    top = float(np.max(nonzero))
    return top * float(np.sqrt(np.mean((nonzero / top) ** 2)))


def _central_steps(x: float, typical: float, eps: float) -> list[float]:
    """Candidate steps for one entry, tried in order while the error stays above 1e-3 of the
    entry: ε^(1/5)|x| (the typical |x| for x = 0), ε^(1/5) when |x| < 1, and a 100× smaller
    step for a function that changes faster than x's magnitude suggests (a near-tie)."""
    base = eps ** (1 / 5)
    own = base * (abs(x) if x != 0 else typical)
    return ([own] if own >= base else [own, base]) + [own / 100]


def noise_level(F_of: Evaluator, X, F0, eps: float) -> np.ndarray:
    """Absolute rounding noise σ of each output of F near X, by the difference table of F on
    9 points X + iδV, |i| ≤ 4, with δ = 1e-6 of X's magnitude: their 6th differences are
    noise alone, of variance C(12, 6)σ² = 924σ² [Moré & Wild 2011, "Estimating computational
    noise"]. At least ε|F|/2 (F rounded once). A loss near 0 computed from O(1) terms (a
    trained network's cross-entropy) has noise far above ε|F|: this is why it is measured."""
    V = np.random.default_rng(_PROBE_SEED + 1).standard_normal(X.shape)
    delta = 1e-6 * _typical_magnitude(X) / _typical_magnitude(V)
    values = [F_of.near(X + i * delta * V) for i in range(-4, 5)]
    floor = eps * np.abs(F0) / 2
    if any(v is None for v in values):
        return floor
    sixth = np.diff(np.array(values), n=6, axis=0)
    top = np.max(np.abs(sixth), axis=0)
    unit = np.where(top > 0, top, 1.0)  # scaled, so that F ≈ 1e300 does not overflow
    return np.maximum(floor, unit * np.sqrt(np.mean((sixth / unit) ** 2, axis=0) / 924))


def _richardson(near, X, F0, idx, step, noise):
    """Twice Richardson-extrapolated central differences of ``near`` along entry `idx` of `X`
    (module docstring): (value, error estimate), or None if a step rounds away or F is not
    finite there.

    Where F has a kink at X the error estimate also holds the jump between the one-sided
    slopes: C(s) = (F(x + s) − 2F(x) + F(x − s)) / s is s·F'' for a smooth F, halving with s,
    but stays at the jump of F' across a kink (|x| at 0, ReLU, max): C(h/4) ≈ C(h/2) flags one."""
    D, C = [], []
    for s in (step, step / 2, step / 4):
        Xp, Xm = X.copy(), X.copy()
        Xp[idx] += s
        Xm[idx] -= s
        actual = Xp[idx] - Xm[idx]  # the step the floating-point grid allows
        if actual == 0:
            return None
        fp, fm = near(Xp), near(Xm)
        if fp is None or fm is None:
            return None
        D.append((fp - fm) / actual)
        C.append(2 * (fp - 2 * F0 + fm) / actual)
    R1, R2 = (4 * D[1] - D[0]) / 3, (4 * D[2] - D[1]) / 3
    rounding = 8 * noise / step  # R(h/2) carries ≈ 4σ/h of F's noise σ; twice that
    kink = (np.abs(C[2]) > 0.75 * np.abs(C[1])) & (np.abs(C[2]) > 4 * rounding)
    return R2, np.abs(R1 - R2) + rounding + np.where(kink, np.abs(C[2]), 0.0)


def _best_richardson(near, X, F0, idx, steps, noise, size):
    """Entry by entry, the estimate with the smallest error among the candidate steps (each
    tried only while some entry's error is above 1e-3 of the entry), and a 1000× smaller
    step only where F was not finite at all of them (a domain edge)."""
    best_value, best_error = np.full(size, np.nan), np.full(size, np.inf)
    for step in steps + [steps[0] / 1000]:
        if np.all(best_error <= 1e-3 * np.abs(best_value)) or (
                step == steps[0] / 1000 and np.all(np.isfinite(best_error))):
            break
        estimate = _richardson(near, X, F0, idx, step, noise)
        if estimate is not None:
            better = estimate[1] < best_error
            best_value[better], best_error[better] = estimate[0][better], estimate[1][better]
    return best_value, best_error


def derivative_by(F_of: Evaluator, X, F0, method: str, h) -> NumericalDerivative:
    """The numerator-layout Jacobian of F at `X` by `method`, with its error estimate."""
    nfev0 = F_of.nfev - 1  # count the evaluation at X too
    eps = output_eps(F0)
    columns, errors, reasons = [], [], []
    typical = _typical_magnitude(X)
    noise = noise_level(F_of, X, F0, eps) if method == "central" and h is None else None
    for k in range(X.size):
        idx = np.unravel_index(k, X.shape, order="F")
        if method == "complex":
            step = h if h is not None else COMPLEX_STEP * min(1.0, abs(X[idx]) if X[idx] != 0 else typical)
            Xc = X.astype(np.complex128)
            Xc[idx] += 1j * step
            try:
                col = F_of.complex(Xc).imag / step
                err = 16 * eps * np.abs(col)
            except _NonFinite:
                col, err = np.full(F0.size, np.nan), np.full(F0.size, np.inf)
                reasons.append(f"`F` is not finite at X[{_index(idx)}] + i·{step:.1e}")
        elif h is not None:
            col, err = _plain_central(F_of, X, idx, float(h), eps, F0.size)
        else:
            col, err = _best_richardson(F_of.near, X, F0, idx, _central_steps(X[idx], typical, eps),
                                        noise, F0.size)
            if not np.all(np.isfinite(err)):
                reasons.append(f"`F` is not finite at X ± h for entry X[{_index(idx)}] (a domain edge "
                               "or overflow): try a smaller h or method='complex'")
        columns.append(col)
        errors.append(err)
    value, error = np.stack(columns, axis=1), np.stack(errors, axis=1)
    if method == "complex":  # rounding of imaginary parts that cancel inside F, at the row's scale
        error = error + 2 * eps * np.max(np.abs(np.nan_to_num(value)), axis=1, keepdims=True)
    return NumericalDerivative(value, error, method, F_of.nfev - nfev0, "; ".join(reasons[:3]))


def _plain_central(F_of, X, idx, h, eps, size):
    Xp, Xm = X.copy(), X.copy()
    Xp[idx] += h
    Xm[idx] -= h
    if Xp[idx] == X[idx] or Xm[idx] == X[idx]:
        raise ValueError(f"{F_of.caller}: `h` = {h:.1e} is below the resolution of X[{_index(idx)}] "
                         f"= {X[idx]:.6g}: x ± h rounds to x")
    fp, fm = F_of.near(Xp), F_of.near(Xm)
    if fp is None or fm is None:
        return np.full(size, np.nan), np.full(size, np.inf)
    return (fp - fm) / (2 * h), 8 * eps * np.maximum(np.abs(fp), np.abs(fm)) / h


def _index(idx) -> str:
    return ", ".join(str(int(i)) for i in idx)


def complex_directional(F_of: Evaluator, X, V, h) -> np.ndarray:
    """``Im F(X + i h V) / h`` with h relative to X's magnitude (absolute if given)."""
    step = h if h is not None else COMPLEX_STEP * min(1.0, _typical_magnitude(X)) / max(
        _typical_magnitude(V), 1e-300)
    return F_of.complex(X + 1j * step * V).imag / step


def central_directional(F_of: Evaluator, X, F0, V, eps):
    """Richardson-extrapolated central difference of F along `V`: (value, error); the value is
    nan and the error inf where F is not finite at every candidate step."""
    x = _typical_magnitude(X) / max(_typical_magnitude(V), 1e-300)

    def near(t):
        return F_of.near(X + t[0] * V)

    return _best_richardson(near, np.zeros(1), F0, (0,), _central_steps(x, x, eps),
                            noise_level(F_of, X, F0, eps), F_of.size)


def directional_derivative(F_of: Evaluator, X, F0, V, method: str, eps: float):
    """``d vec(F)(X)[V]`` with its error estimate: (value, error); nan and inf where F is not
    finite near X along V."""
    if not np.any(V):
        return np.zeros(F_of.size), np.zeros(F_of.size)
    if method == "complex":
        value = complex_directional(F_of, X, V, None)
        return value, 16 * eps * np.abs(value) + 2 * eps * np.max(np.abs(value))
    return central_directional(F_of, X, F0, V, eps)


def _warn_if_unreliable(result: NumericalDerivative, shape, caller: str) -> None:
    bad = result.unreliable()
    if np.any(bad):
        i, k = np.argwhere(bad)[0]
        where = _index(np.unravel_index(int(k), shape, order="F"))
        why = result.reason or ("F changes faster than the step resolves, or rounding in F swamps the "
                                "differences")
        warnings.warn(f"{caller}: {int(np.sum(bad))} entries of the derivative of `F` at `X` have an error "
                      f"estimate above 5 % of their value, first ∂F[{i}]/∂X[{where}] ({why}); they "
                      "cannot be trusted",
                      RuntimeWarning, stacklevel=3)
