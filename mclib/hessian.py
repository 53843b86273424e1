"""Numerical Hessians, and a Hessian checker that says *how* a Hessian is wrong.

The Hessian of a scalar f of X (any shape) is the (N, N) matrix, N = X.size,

    H[k, l] = ∂²f / ∂vec(X)[k] ∂vec(X)[l],   vec column-major (``order="F"``),

the matrix of the quadratic form of the second differential, d²f = d(vec X)ᵀ H d(vec X)
[Magnus & Neudecker 2019, ch. 6 and ch. 10, sec. 10.2 (the second identification theorem)].

**Numerical Hessian.** When f propagates complex input faithfully (probed as in
:mod:`mclib.numdiff`), the gradient is taken by complex step (exact to rounding) and
differentiated once more by twice Richardson-extrapolated central differences
[Squire & Trapp 1998; Nocedal & Wright 2006, sec. 8.1]: relative error about ε^(4/5) ≈ 3e-13
in theory; measured max |error| / max |H| from 8e-13 to 1.3e-11 on xᵀAx, log det X,
Σ exp(aᵢᵀx), tr(XᵀAXB) and a logistic loss (test_numerical_hessian_measured_accuracy asserts < 1e-10).
Otherwise the mixed second differences

    D(h)[k, l] = (f(x + h_k e_k + h_l e_l) − f(x + h_k e_k − h_l e_l)
                  − f(x − h_k e_k + h_l e_l) + f(x − h_k e_k − h_l e_l)) / (4 h_k h_l),

(for k = l: (f(x + h_k e_k) − 2 f(x) + f(x − h_k e_k)) / h_k²), truncation O(h²), are
Richardson-extrapolated over the steps h, h/2, h/4 [Abramowitz & Stegun 1964, 25.3.24 and
25.3.26], with steps ε^(1/6) |x_k| (the best step for O(h⁴) truncation and rounding σ/h²):
relative error about ε^(2/3) ≈ 4e-11 in theory; measured from 2e-10 to 8e-9 on the same functions
(asserted < 1e-7). Structural zeros are known only to about that absolute level, so they may
count as "cannot be trusted" in central mode. Either way each entry
comes with an error estimate (difference of the two extrapolants plus the rounding term from
f's measured noise σ), which :func:`check_hessian` uses as the gradient checker does.

**Checking.** :func:`check_hessian` judges each entry as :func:`mclib.check_gradient` does
and, when some entry fails, tries the Hessian mistakes in order:

=====================  ================================================================
``"sign-flipped"``     analytic ≈ −numeric
``"scaled"``           analytic ≈ c · numeric (``scale`` holds c, e.g. 2.0 or 0.5)
``"row-major-vec"``    analytic ≈ c · K H Kᵀ: the Hessian w.r.t. the row-major vec of X
                       (K the commutation matrix, vec Xᵀ = K vec X), e.g. torch's
                       ``hessian(f, X)`` of shape X.shape + X.shape reshaped in C order
``"unsymmetrized"``    (B + Bᵀ)/2 ≈ c · numeric for the analytic B, which is not symmetric:
                       B of d²f = dxᵀ B dx was given instead of (B + Bᵀ)/2
                       [Magnus & Neudecker 2019, sec. 10.2]
``"unknown"``          none of the above
=====================  ================================================================
"""

from __future__ import annotations

import warnings

import numpy as np

from mclib._diagnosis import _fit, _nice_scale
from mclib._validation import as_real_array, shape_str
from mclib.gradcheck import GradientCheck, _tolerances
from mclib.gradcheck import _judge as judge
from mclib.numdiff import (
    Evaluator,
    derivative_by,
    noise_level,
    output_eps,
    resolve_method,
    unreliable_entries,
)
from mclib.vec import commutation_matrix

__all__ = ["numerical_hessian", "check_hessian", "HESSIAN_DIAGNOSES"]

HESSIAN_DIAGNOSES = (None, "sign-flipped", "scaled", "row-major-vec", "unsymmetrized", "unknown")


def numerical_hessian(f, X, *, method: str = "auto") -> np.ndarray:
    """Hessian of a scalar function with respect to vec X (column-major).

    Parameters
    ----------
    f : callable
        ``f(X)`` returns a scalar.
    X : array_like, any shape
        The point; converted to float64.
    method : {"auto", "complex", "central"}
        ``"complex"``: central differences of the complex-step gradient (f must propagate
        complex input); ``"central"``: Richardson-extrapolated second differences;
        ``"auto"``: the complex route when a probe shows it is valid for f (module docstring).

    Returns
    -------
    H : ndarray, shape (X.size, X.size)
        Symmetric; ``H[k, l] = ∂²f/∂vec(X)[k]∂vec(X)[l]``. A ``RuntimeWarning`` names the entries
        whose error estimate is too large to trust (a kink, a domain edge, heavy rounding in f).
    """
    caller = "numerical_hessian"
    X = as_real_array(X, "X", caller)
    f_of = Evaluator(f, caller, "f", scalar=True)
    f0 = f_of.at(X)
    H, E, _, reason = _hessian_with_error(f_of, X, f0, resolve_method(f_of, X, f0, method, None, caller))
    bad = unreliable_entries(H, E, axis=1)
    if np.any(bad):
        k, m = (int(i) for i in np.argwhere(bad)[0])
        why = reason or "f has a kink or changes faster than the steps resolve"
        warnings.warn(f"{caller}: {int(np.sum(bad))} entries have an error estimate above 5 % of their "
                      f"value, first H[{k}, {m}] ({why}); they cannot be trusted", RuntimeWarning,
                      stacklevel=2)
    return H


def _hessian_with_error(f_of: Evaluator, X, f0, method: str):
    """(H, error estimate, nfev, reason) at X by `method` ("complex" or "central")."""
    nfev0 = f_of.nfev
    if method == "complex":
        def gradient(Y):  # vec of the complex-step gradient: exact to rounding [Squire & Trapp 1998]
            return derivative_by(f_of, Y, f_of(Y), "complex", None).value[0]

        g_of = Evaluator(gradient, f_of.caller, "f")
        nd = derivative_by(g_of, X, g_of.at(X), "central", None)
        H, E, reason = nd.value, nd.error, nd.reason
    else:
        H, E, reason = _second_differences(f_of, X, f0)
    # Symmetrize: the two estimates of each mixed partial have independent errors.
    return (H + H.T) / 2, np.maximum(E, E.T), f_of.nfev - nfev0, reason


def _second_differences(f_of: Evaluator, X, f0):
    """Richardson-extrapolated second differences (module docstring), with error estimates.

    Steps ε^(1/6) max(|x_k|, rms |x|); where that is below ε^(1/6) (|x| < 1), the step ε^(1/6)
    is tried too and, entry by entry, the estimate with the smaller error is kept (as
    :mod:`mclib.numdiff` does for gradients)."""
    n = X.size
    eps = output_eps(f0)
    sigma = float(np.max(noise_level(f_of, X, f0, eps)))
    x = X.ravel(order="F")
    nonzero = np.abs(x[x != 0])
    typical = float(np.sqrt(np.mean(nonzero**2))) if nonzero.size else 1.0
    base = eps ** (1 / 6)
    own = base * np.maximum(np.abs(x), typical)
    candidates = [own] if np.all(own >= base) else [own, np.maximum(own, base)]
    H, E = np.full((n, n), np.nan), np.full((n, n), np.inf)
    for steps in candidates:
        Hs, Es = _second_differences_at(f_of, X, float(f0[0]), x, steps, sigma)
        better = Es < E
        H[better], E[better] = Hs[better], Es[better]
    reason = "" if np.all(np.isfinite(E)) else "f is not finite at some X ± h (a domain edge or overflow)"
    return H, E, reason


def _second_differences_at(f_of, X, F0, x, steps, sigma):
    n = x.size

    def at(offsets):
        Y = x.copy()
        for k, s in offsets:
            Y[k] += s
        value = f_of.near(Y.reshape(X.shape, order="F"))
        return None if value is None else float(value[0])

    H, E = np.full((n, n), np.nan), np.full((n, n), np.inf)
    signs = ((1, 1), (1, -1), (-1, 1), (-1, -1))
    for k in range(n):
        for m in range(k, n):
            D = []
            for div in (1, 2, 4):
                hk, hm = steps[k] / div, steps[m] / div
                if k == m:
                    vals = [at([(k, hk)]), at([(k, -hk)])]
                    if None in vals:
                        break
                    D.append((vals[0] - 2 * F0 + vals[1]) / hk**2)
                else:
                    vals = [at([(k, sk * hk), (m, sm * hm)]) for sk, sm in signs]
                    if None in vals:
                        break
                    D.append((vals[0] - vals[1] - vals[2] + vals[3]) / (4 * hk * hm))
            if len(D) < 3:
                continue
            R1, R2 = (4 * D[1] - D[0]) / 3, (4 * D[2] - D[1]) / 3
            # Rounding in R2 = (4 D(h/4) − D(h/2))/3, each f carrying noise σ: at most
            # (5/3)·4σ/(4 h_k h_m/16) = 27σ/(h_k h_m) off the diagonal, (5/3)·4σ·16/h² ≈ 107σ/h² on it.
            rounding = (107 if k == m else 27) * sigma / (steps[k] * steps[m])
            H[k, m] = H[m, k] = R2
            E[k, m] = E[m, k] = abs(R1 - R2) + rounding
    return H, E


def check_hessian(f, hess, X, *, rtol: float | None = None, atol: float | None = None,
                  method: str = "auto") -> GradientCheck:
    """Compare an analytic Hessian with a numerical one and diagnose the difference.

    Parameters
    ----------
    f : callable
        Scalar function, ``f(X)`` returns a number.
    hess : callable or array_like
        ``hess(X)`` or the matrix itself, shape (X.size, X.size), w.r.t. column-major vec X.
    X : array_like, any shape
    rtol, atol : float, optional
        As in :func:`mclib.check_gradient` (rtol default 1e-5 for float64).
    method : {"auto", "complex", "central"}
        How to differentiate numerically (see :func:`numerical_hessian`).

    Returns
    -------
    GradientCheck
        ``worst_index`` is (k, l) into the Hessian; ``diagnosis`` one of "sign-flipped",
        "scaled", "row-major-vec", "unsymmetrized", "unknown" (module docstring).

    Raises
    ------
    ValueError
        If `hess` is not (X.size, X.size) (the message says how to reshape torch's
        X.shape + X.shape layout), is complex or non-finite, or `f` does not return a scalar.
    """
    caller = "check_hessian"
    X = as_real_array(X, "X", caller)
    f_of = Evaluator(f, caller, "f", scalar=True)
    f0 = f_of.at(X)
    H_raw = np.asarray(hess(X.copy()) if callable(hess) else hess)
    if np.iscomplexobj(H_raw):
        raise ValueError(f"{caller}: `hess` must be real, got a complex array of shape "
                         f"{shape_str(H_raw.shape)}")
    H = as_real_array(H_raw, "hess", caller)
    n = X.size
    if H.shape != (n, n):
        hint = ""
        if H.shape == X.shape + X.shape and X.ndim > 1:
            hint = (f"; it has shape X.shape + X.shape (as torch.autograd.functional.hessian returns): "
                    f"use hess.reshape({n}, {n}, order='F') for column-major vec")
        elif H.size == n * n:
            hint = f"; it has {n * n} entries: reshape it to ({n}, {n}) in column-major vec order"
        raise ValueError(f"{caller}: `hess` has shape {shape_str(H.shape)} but `X` of shape "
                         f"{shape_str(X.shape)} needs ({n}, {n}) (X.size × X.size){hint}")
    rtol, atol = _tolerances(rtol, atol, H_raw, f0, caller)
    used = resolve_method(f_of, X, f0, method, None, caller)
    N, E, _, reason = _hessian_with_error(f_of, X, f0, used)
    return _judge(H, N, E, X.shape, rtol, atol, used, reason, f_of.nfev)


def _label(index, shape) -> str:
    k, m = index
    if len(shape) <= 1:
        return f"H[{k}, {m}]"

    def entry(i):
        return "X[" + ", ".join(str(int(j)) for j in np.unravel_index(i, shape, order="F")) + "]"

    return f"H[{k}, {m}] (∂²f/∂{entry(k)}∂{entry(m)})"


def _diagnose_hessian(H, N, E, shape, rtol, atol):
    """First Hessian mistake that explains H entry by entry: (diagnosis, scale, detail)."""
    if not np.any(H):
        return "unknown", None, "the analytic Hessian is identically zero"
    a, b, e = np.ravel(H), np.ravel(N), np.ravel(E)
    c, fits = _fit(a, b, e, rtol, atol, True)
    if fits and c not in (None, 0.0, 1.0):
        if c == -1.0:
            return "sign-flipped", -1.0, "analytic ≈ −numeric: a sign error"
        return "scaled", c, f"analytic ≈ {c:.4g} × numeric: a missing or extra factor"
    if len(shape) >= 2 and sum(s > 1 for s in shape) >= 2:
        # Row-major vec: vec_C(X) = vec(X with its axes reversed) = P vec X for a permutation P.
        if len(shape) == 2:
            P = commutation_matrix(*shape)
        else:
            order = np.arange(N.shape[0]).reshape(shape, order="F").ravel(order="C")
            P = np.eye(N.shape[0])[order]
        c, fits = _fit(a, np.ravel(P @ N @ P.T), np.ravel(P @ E @ P.T), rtol, atol, True)
        if fits and c not in (None, 0.0):
            extra = "" if c == 1.0 else f" and scaled by {c:.4g}"
            return "row-major-vec", c, (f"analytic ≈ K H Kᵀ{extra}: the Hessian w.r.t. the row-major "
                                        "(C-order) vec of X; the book's vec is column-major")
    if not np.allclose(H, H.T, rtol=rtol, atol=atol):
        c, fits = _fit(np.ravel((H + H.T) / 2), b, e, rtol, atol, True)
        if fits and c not in (None, 0.0):
            c = _nice_scale(c, rtol)
            extra = "" if c == 1.0 else f", scaled by {c:.4g}"
            return "unsymmetrized", c, (f"(B + Bᵀ)/2 ≈ numeric{extra} for the analytic B, which is not "
                                        "symmetric: from d²f = dxᵀ B dx the Hessian is (B + Bᵀ)/2")
    return "unknown", None, "no sign, scale, row-major vec or missing symmetrization explains the difference"


def _judge(H, N, E, shape, rtol, atol, method, reason, nfev) -> GradientCheck:
    # The per-entry rule of mclib.gradcheck, with the Hessian's diagnoses and labels.
    def locate(flat):
        index = np.unravel_index(flat, H.shape)
        return tuple(int(i) for i in index), _label(index, shape)

    via = "central differences of a complex-step gradient" if method == "complex" else "second differences"
    return judge(H, np.nan_to_num(N), E, rtol=rtol, atol=atol, method=method, what="Hessian", via=via,
                 explain=lambda: _diagnose_hessian(H, N, E, shape, rtol, atol), locate=locate,
                 evaluations=lambda: nfev, reason=reason,
                 undecidable_reason="f has a kink, a near-tie or heavy rounding at the steps used",
                 advice="a point away from the kink, or an absolute `atol`", row_axis=1)


