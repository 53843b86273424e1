"""Numerical derivatives: complex step where it is valid, central differences otherwise.

*Central differences* ``(f(x + h) - f(x - h)) / 2h`` have truncation error O(h²) and
rounding error O(ε/h); the best step is h ≈ ε^(1/3), giving about 10 correct digits
[Nocedal & Wright 2006, sec. 8.1].

The *complex step* ``Im f(x + ih) / h`` has no subtraction, so h can be tiny (1e-20) and
the result is exact to machine precision [Squire & Trapp 1998, Eq. 4]. It is only valid
when ``f`` is the restriction of a holomorphic function *and* the code propagates complex
input faithfully. ``abs``, ``np.real``, ``conj``, ``np.linalg.norm`` or a Hermitian
solver such as ``np.linalg.eigh`` silently break it. ``method="auto"`` therefore probes
the complex step along random directions against a Richardson-extrapolated central
difference and falls back to central differences when they disagree, so a wrong
complex-step answer is never returned silently.

Jacobians follow the book's convention: numerator layout, ``J[i, k] = ∂ vec(F)[i] / ∂ vec(X)[k]``
with column-major ``vec``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from mclib._validation import as_real_array, shape_str

__all__ = ["numerical_gradient", "numerical_jacobian"]

METHODS = ("auto", "complex", "central")
COMPLEX_STEP = 1e-20
# Probe directions for method="auto": fixed, so results never depend on global RNG state.
_PROBE_SEED = 20260101
_PROBE_DIRECTIONS = 2
_PROBE_RTOL = 1e-6


def numerical_gradient(f, X, *, method: str = "auto", h: float | None = None) -> np.ndarray:
    """Gradient of a scalar function by complex step or central differences.

    Parameters
    ----------
    f : callable
        ``f(X)`` returns a scalar (a Python number or an array with one element).
    X : array_like, any shape
        The point; converted to float64.
    method : {"auto", "complex", "central"}
        ``"complex"`` uses the complex step and raises if `f` cannot take complex input;
        ``"central"`` uses central differences with step ``ε^(1/3) · max(1, |x_k|)``;
        ``"auto"`` uses the complex step only after checking it along random directions
        against central differences (see the module docstring).
    h : float, optional
        Step size; defaults to 1e-20 for the complex step and the rule above for central.

    Returns
    -------
    G : ndarray, same shape as `X`
        ``G[idx] = ∂f/∂X[idx]``, each entry an independent variable.
    """
    X = as_real_array(X, "X", "numerical_gradient")
    scalar_f = scalar_function(f, "numerical_gradient")
    f0 = scalar_f(X.copy())
    used = resolve_method(scalar_f, X, f0, method, h, "numerical_gradient")
    return jacobian_by(scalar_f, X, used, h)[0].reshape(X.shape, order="F")


def numerical_jacobian(F, X, *, layout: str = "numerator", method: str = "auto",
                       h: float | None = None) -> np.ndarray:
    """Jacobian of an array-valued function, as a 2-D matrix.

    Parameters
    ----------
    F : callable
        ``F(X)`` returns an array of any shape (a scalar counts as shape (1,)).
    X : array_like, any shape
        The point; converted to float64.
    layout : {"numerator", "denominator"}
        ``"numerator"``: shape (F.size, X.size), ``J[i, k] = ∂ vec(F)[i] / ∂ vec(X)[k]``.
        ``"denominator"``: the transpose, shape (X.size, F.size).
    method, h
        As in :func:`numerical_gradient`.

    Returns
    -------
    J : ndarray, 2-D
        With column-major ``vec``, so ``numerical_jacobian(lambda X: A @ X @ B, X)`` equals
        ``np.kron(B.T, A)``.
    """
    X = as_real_array(X, "X", "numerical_jacobian")
    if layout not in ("numerator", "denominator"):
        raise ValueError(
            f"numerical_jacobian: `layout` must be 'numerator' or 'denominator', got {layout!r}"
        )
    vec_F = vector_function(F, "numerical_jacobian")
    F0 = vec_F(X.copy())
    used = resolve_method(vec_F, X, F0, method, h, "numerical_jacobian")
    J = jacobian_by(vec_F, X, used, h)
    return J if layout == "numerator" else J.T


# --- helpers shared with mclib.gradcheck -------------------------------------------------


def vector_function(F, caller: str):
    """Wrap `F` so that it returns ``vec(F(X))`` as a 1-D array, validating the output."""
    if not callable(F):
        raise ValueError(f"{caller}: the function argument must be callable, got {type(F).__name__}")

    def wrapped(X):
        out = np.asarray(F(X))
        if out.dtype == object or not np.issubdtype(out.dtype, np.number):
            raise ValueError(f"{caller}: the function returned a non-numeric value of type {out.dtype}")
        if np.iscomplexobj(out) and not np.iscomplexobj(X):
            raise ValueError(f"{caller}: the function returned a complex value for real input")
        if not np.all(np.isfinite(out)):
            raise ValueError(
                f"{caller}: the function returned non-finite values at X of shape "
                f"{shape_str(np.shape(X))}"
            )
        return out.ravel(order="F")

    return wrapped


def scalar_function(f, caller: str):
    """Like :func:`vector_function`, but insist on a single output value."""
    vec_f = vector_function(f, caller)

    def wrapped(X):
        out = vec_f(X)
        if out.size != 1:
            raise ValueError(
                f"{caller}: `f` must return a scalar, got an array with {out.size} entries; "
                "use numerical_jacobian / check_jacobian for vector-valued functions"
            )
        return out

    return wrapped


def central_step(X: np.ndarray, F0: np.ndarray) -> np.ndarray:
    """Per-entry central-difference step ``ε^(1/3) · max(1, |x|)`` for the precision of `F0`."""
    eps = np.finfo(F0.dtype if np.issubdtype(F0.dtype, np.floating) else np.float64).eps
    return np.cbrt(eps) * np.maximum(1.0, np.abs(X))


def resolve_method(vec_F, X, F0, method, h, caller: str) -> str:
    """Decide between ``"complex"`` and ``"central"`` for `vec_F` at `X`."""
    if method not in METHODS:
        raise ValueError(f"{caller}: `method` must be one of {METHODS}, got {method!r}")
    if h is not None and not (isinstance(h, numbers.Real) and not isinstance(h, bool)
                              and np.isfinite(h) and h > 0):
        raise ValueError(f"{caller}: `h` must be a positive finite number, got {h!r}")
    if method == "central":
        return "central"
    rng = np.random.default_rng(_PROBE_SEED)
    for _ in range(_PROBE_DIRECTIONS):
        V = rng.standard_normal(X.shape)
        try:
            complex_dd = complex_directional(vec_F, X, V, h)
        except _ComplexStepUnsupported as exc:
            if method == "complex":
                raise ValueError(
                    f"{caller}: the function does not propagate complex input ({exc}); "
                    "use method='central'"
                ) from None
            return "central"
        if method == "complex":
            return "complex"
        reference = richardson_directional(vec_F, X, V)
        scale = max(np.max(np.abs(complex_dd)), np.max(np.abs(reference)))
        noise = 1e3 * np.finfo(np.float64).eps * np.max(np.abs(F0)) / _richardson_step(X)
        if np.max(np.abs(complex_dd - reference)) > _PROBE_RTOL * scale + noise:
            return "central"
    return "complex"


def jacobian_by(vec_F, X, method: str, h) -> np.ndarray:
    """Numerator-layout Jacobian of `vec_F` at `X` by the given method, one column per entry."""
    columns = []
    if method == "complex":
        step = COMPLEX_STEP if h is None else h
        Xc = X.astype(np.complex128)
        for k in range(X.size):
            idx = np.unravel_index(k, X.shape, order="F")
            Xc[idx] += 1j * step
            columns.append(vec_F(Xc.copy()).imag / step)
            Xc[idx] = X[idx]
    else:
        F0 = vec_F(X.copy())
        steps = central_step(X, F0) if h is None else np.full(X.shape, float(h))
        Xp = X.copy()
        for k in range(X.size):
            idx = np.unravel_index(k, X.shape, order="F")
            step = steps[idx]
            Xp[idx] = X[idx] + step
            forward = vec_F(Xp.copy())
            Xp[idx] = X[idx] - step
            backward = vec_F(Xp.copy())
            Xp[idx] = X[idx]
            columns.append((forward - backward) / (2 * step))
    return np.stack(columns, axis=1)


def directional_derivative(vec_F, X, V, method: str) -> np.ndarray:
    """``d vec(F)(X)[V]``, the derivative of `vec_F` at `X` along direction `V`."""
    if not np.any(V):
        return np.zeros_like(vec_F(X.copy()))
    if method == "complex":
        return complex_directional(vec_F, X, V, None)
    return richardson_directional(vec_F, X, V)


class _ComplexStepUnsupported(Exception):
    """The function cannot be evaluated faithfully at complex input."""


def complex_directional(vec_F, X, V, h) -> np.ndarray:
    """``Im F(X + i h V) / h``; raises ``_ComplexStepUnsupported`` if F drops the imaginary part."""
    step = COMPLEX_STEP if h is None else h
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            out = vec_F(X + 1j * step * V)
        except (TypeError, ValueError, np.exceptions.ComplexWarning, np.linalg.LinAlgError) as exc:
            raise _ComplexStepUnsupported(f"{type(exc).__name__}: {exc}") from None
    if not np.iscomplexobj(out):
        raise _ComplexStepUnsupported("it returned a real value for complex input")
    return out.imag / step


def _richardson_step(X) -> float:
    return np.finfo(np.float64).eps ** 0.2 * max(1.0, np.max(np.abs(X)))


def richardson_directional(vec_F, X, V) -> np.ndarray:
    """Directional derivative by Richardson-extrapolated central differences, error O(h⁴)."""
    step = _richardson_step(X) / np.max(np.abs(V))

    def central(s):
        return (vec_F(X + s * V) - vec_F(X - s * V)) / (2 * s)

    return (4 * central(step / 2) - central(step)) / 3
