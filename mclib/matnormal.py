"""The matrix normal distribution MN(M, U, V): sampling, density, gradients, flip-flop MLE.

A random n×p matrix X is matrix normal, X ~ MN(M, U, V), with mean M (n×p), row covariance
U (n×n) and column covariance V (p×p), when

    vec X ~ N(vec M, V ⊗ U)        (column-major vec, as everywhere in mclib)

[Gupta & Nagar 1999, ch. 2; they stack the *rows*, vec Xᵀ, and so write the row factor first].
The log-density is [Gupta & Nagar 1999, ch. 2]

    ℓ(X) = −½ [np log 2π + p log|U| + n log|V| + tr(V⁻¹ (X − M)ᵀ U⁻¹ (X − M))].

Only the product V ⊗ U is identifiable: (cU, V/c) gives the same distribution for every c > 0.
Every function here works with Cholesky factors U = L_U L_Uᵀ, V = L_V L_Vᵀ and triangular-factor
solves; no inverse of U or V is ever formed (the scatter matrices of `mle` multiply by the inverse
of a triangular factor instead of solving, see `_scatter`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from mclib._validation import (
    as_positive_int,
    as_real_array,
    as_rng,
    as_tolerance,
    require_square,
    shape_str,
)

__all__ = ["FlipFlopInfo", "sample", "logpdf", "grad_logpdf", "mle"]

# Relative asymmetry max|A − Aᵀ| / max|A| accepted as rounding in a covariance argument.
_SYMMETRY_RTOL = 1e-10
# Largest accepted condition number of U and V: scipy.stats.matrix_normal (through
# scipy.stats._multivariate._PSD) treats eigenvalues ≤ 1e6·ε·λ_max as zero and refuses the matrix;
# beyond that the log-density loses its digits (cond 1e17 gave values off by 10×).
MAX_CONDITION = 1.0 / (1e6 * np.finfo(float).eps)
_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class FlipFlopInfo:
    """Diagnostics of :func:`mle`.

    Attributes
    ----------
    iterations : int
        Number of flip-flop iterations (one U-update and one V-update each).
    converged : bool
        Whether the relative change of U and V fell below `tol` before `max_iter`.
    loglik : ndarray, shape (iterations,)
        Log-likelihood of the whole sample after each iteration; non-decreasing, because
        every half-step maximises over one factor with the other fixed.
    normalisation : str
        The identifiability constraint imposed on the returned factors.
    """

    iterations: int
    converged: bool
    loglik: np.ndarray = field(repr=False)
    normalisation: str = "trace(V) = p"


def sample(M, U, V, size: int | None = None, rng=None) -> np.ndarray:
    """Draw samples of X ~ MN(M, U, V) as X = M + L_U Z L_Vᵀ with Z standard normal.

    Since vec(L_U Z L_Vᵀ) = (L_V ⊗ L_U) vec Z, the covariance of vec X is
    (L_V ⊗ L_U)(L_V ⊗ L_U)ᵀ = V ⊗ U [Magnus & Neudecker 2019, ch. 2, Thm 2 and the
    mixed-product rule]. Cost O(np(n + p)) per sample instead of O(n²p²).

    Parameters
    ----------
    M : array_like, shape (n, p)
        Mean.
    U : array_like, shape (n, n)
        Row covariance, symmetric positive definite.
    V : array_like, shape (p, p)
        Column covariance, symmetric positive definite.
    size : int, optional
        Number of samples k; ``None`` draws a single matrix.
    rng : numpy.random.Generator or int, optional
        Generator or seed (passed to ``numpy.random.default_rng``).

    Returns
    -------
    X : ndarray, shape (n, p) if `size` is None, else (k, n, p)
    """
    caller = "matnormal.sample"
    M, L_U, L_V = _parameters(M, U, V, caller)
    k = 1 if size is None else as_positive_int(size, "size", caller)
    Z = as_rng(rng, "rng", caller).standard_normal((k,) + M.shape)
    X = M + L_U @ Z @ L_V.T
    return X[0] if size is None else X


def logpdf(X, M, U, V):
    """Log-density of MN(M, U, V) at one matrix or at each matrix of a stack.

    Parameters
    ----------
    X : array_like, shape (n, p) or (k, n, p)
        One matrix, or k matrices.
    M : array_like, shape (n, p)
        Mean.
    U : array_like, shape (n, n)
        Row covariance, symmetric positive definite.
    V : array_like, shape (p, p)
        Column covariance, symmetric positive definite.

    Returns
    -------
    float or ndarray, shape (k,)
        ℓ(X) (see the module docstring), equal to the log-density of N(vec M, V ⊗ U) at vec X.

    Raises
    ------
    ValueError
        On shape mismatches, or if `U` or `V` is not symmetric positive definite, or has a
        condition number above :data:`MAX_CONDITION` (≈ 4.5e9, where scipy.stats.matrix_normal
        refuses it too).
    """
    X, M, L_U, L_V = _data_and_parameters(X, M, U, V, "matnormal.logpdf")
    n, p = M.shape
    E = (X - M).reshape((-1, n, p))
    k = E.shape[0]
    # Z_i = L_U⁻¹ E_i L_V⁻ᵀ whitens: tr(V⁻¹ E_iᵀ U⁻¹ E_i) = ‖Z_i‖²_F; log|U| = 2 Σ log diag L_U.
    W = np.linalg.solve(L_U, _side_by_side(E)).reshape(n, k, p)  # the L_U⁻¹ E_i
    Z = np.linalg.solve(L_V, W.transpose(2, 1, 0).reshape(p, k * n))  # [Z_1ᵀ … Z_kᵀ]
    quad = np.sum(Z.reshape(p, k, n) ** 2, axis=(0, 2))
    logdets = p * _logdet(L_U) + n * _logdet(L_V)
    values = -0.5 * (n * p * _LOG_2PI + logdets + quad)
    return float(values[0]) if X.ndim == 2 else values


def grad_logpdf(X, M, U, V) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the log-density (summed over a stack) with respect to M, U and V.

    Convention of the book: each gradient has the shape of its argument and its entry
    [i, j] is the partial derivative with respect to that entry, all entries independent.
    With E_i = X_i − M and k matrices, from the differentials
    d log|U| = tr(U⁻¹ dU) and dU⁻¹ = −U⁻¹ dU U⁻¹ [Petersen & Pedersen 2012, Eqs. 57, 59]:

    * ∂ℓ/∂M = Σ_i U⁻¹ E_i V⁻¹ (a **plus** sign: ℓ grows when M moves towards the data),
    * ∂ℓ/∂U = ½ U⁻¹ (S_U − kp U) U⁻¹ with S_U = Σ_i E_i V⁻¹ E_iᵀ,
    * ∂ℓ/∂V = ½ V⁻¹ (S_V − kn V) V⁻¹ with S_V = Σ_i E_iᵀ U⁻¹ E_i.

    **Which gradient for the symmetric U and V.** The returned G_U is the gradient of the
    formula for ℓ as a function of all n² entries of U, evaluated at the given symmetric U
    (what torch autograd returns for that formula, and what a finite difference on one entry
    of ``logpdf(X, M, (U + U.T) / 2, V)`` sees). G_U is itself symmetric, so it equals
    sym(G_U) = (G_U + G_Uᵀ)/2, the gradient on the space of symmetric matrices with the
    Frobenius inner product: use it as is for gradient steps that keep U symmetric. The
    partial derivatives with respect to the n(n+1)/2 *distinct* entries (U[i, j] and U[j, i]
    one variable) are 2 G_U − G_U ∘ I; that array is not a gradient in the Frobenius sense
    [Srinivasan & Panda 2023]. The same holds for V.

    Parameters
    ----------
    X : array_like, shape (n, p) or (k, n, p)
    M : array_like, shape (n, p)
    U : array_like, shape (n, n), symmetric positive definite
    V : array_like, shape (p, p), symmetric positive definite

    Returns
    -------
    dM : ndarray, shape (n, p)
    dU : ndarray, shape (n, n), symmetric
    dV : ndarray, shape (p, p), symmetric
        All three vanish at the maximum likelihood estimate of a sample (see :func:`mle`).
    """
    X, M, L_U, L_V = _data_and_parameters(X, M, U, V, "matnormal.grad_logpdf")
    n, p = M.shape
    U, V = L_U @ L_U.T, L_V @ L_V.T  # the validated U and V, to rounding
    E = (X - M).reshape((-1, n, p))
    k = E.shape[0]
    # d(−½ tr(V⁻¹EᵀU⁻¹E)) with dE = −dM is tr(V⁻¹EᵀU⁻¹ dM) → U⁻¹ E V⁻¹ (U, V symmetric).
    dM = _cho_solve(L_U, _cho_solve(L_V, E.sum(axis=0).T).T)
    # −(p/2) tr(U⁻¹dU) + ½ tr(U⁻¹ S_U U⁻¹ dU) → ½ U⁻¹ (S_U − kpU) U⁻¹ [Petersen & Pedersen, Eq. 124].
    S_U = _scatter(L_V, _side_by_side(E.transpose(0, 2, 1)), n)
    S_V = _scatter(L_U, _side_by_side(E), p)
    dU = _sandwich(L_U, S_U - k * p * U)
    dV = _sandwich(L_V, S_V - k * n * V)
    return dM, dU, dV


def mle(Xs, *, tol: float = 1e-10, max_iter: int = 500):
    """Maximum likelihood estimate of MN(M, U, V) from N samples by the flip-flop algorithm.

    M̂ is the sample mean. With E_i = X_i − M̂, setting ∂ℓ/∂U = 0 and ∂ℓ/∂V = 0
    (:func:`grad_logpdf`) gives the stationarity equations

        U = (1/(Np)) Σ_i E_i V⁻¹ E_iᵀ,      V = (1/(Nn)) Σ_i E_iᵀ U⁻¹ E_i,

    which the flip-flop algorithm [Dutilleul 1999] solves by alternating them, starting from
    V = I. Each half-step maximises ℓ exactly over one factor, so the log-likelihood never
    decreases. Only V ⊗ U is identifiable; after every step the factors are rescaled to
    (cU, V/c) with c = tr(V)/p, so the returned V has **trace p** (average column variance 1)
    and U carries the overall scale.

    **Sample size.** The U-update is WWᵀ/(Np) with W = [E_1 L_V⁻ᵀ, …, E_N L_V⁻ᵀ] (n × Np).
    The centred E_i sum to zero, so rank W ≤ (N − 1)p; likewise the V-update has rank at most
    (N − 1)n. Both can be positive definite only if N ≥ max(n/p, p/n) + 1, and `mle` raises
    otherwise. That condition is necessary, not sufficient: above it the likelihood can still
    be unbounded (`mle` raises when an update loses positive definiteness) or its maximiser
    not unique. The exact thresholds for data in general position are in Drton, Kuriki & Hoff
    (2021, Ann. Statist. 49) when n and p differ by at most a factor of two, and in Derksen &
    Makam (2020, arXiv:2007.10206) in general. A threshold for a known (zero) mean applies
    here to N − 1, because the centred sample is equivalent to N − 1 independent zero-mean
    matrices. When the maximiser is not unique, the flip-flop returns one of them, which
    depends on the starting point V = I.

    Parameters
    ----------
    Xs : array_like, shape (N, n, p)
        The sample, N matrices.
    tol : float
        Stop when max(‖ΔU‖_F/‖U‖_F, ‖ΔV‖_F/‖V‖_F) ≤ tol between iterations (after normalisation).
    max_iter : int
        Maximum number of iterations; a ``RuntimeWarning`` is issued if it is reached.

    Returns
    -------
    M : ndarray, shape (n, p)
    U : ndarray, shape (n, n)
    V : ndarray, shape (p, p), with trace(V) = p
    info : FlipFlopInfo

    Raises
    ------
    ValueError
        If `Xs` is not 3-D, has too few samples, has a row or column that is constant across
        the samples (a singular factor: the MLE does not exist), or if an update loses
        positive definiteness (the likelihood is unbounded for these data).
    """
    caller = "matnormal.mle"
    Xs = as_real_array(Xs, "Xs", caller, ndim=3)
    N, n, p = Xs.shape
    tol = as_tolerance(tol, "tol", caller, positive=True)
    max_iter = as_positive_int(max_iter, "max_iter", caller)
    if (N - 1) * p < n or (N - 1) * n < p:
        need = math.ceil(max(n / p, p / n)) + 1
        raise ValueError(
            f"{caller}: `Xs` has N={N} samples of shape {shape_str((n, p))}; the flip-flop needs "
            f"(N−1)·p ≥ n and (N−1)·n ≥ p, i.e. N ≥ max(n/p, p/n) + 1 = {need}"
        )
    M = Xs.mean(axis=0)
    E = Xs - M
    _require_no_constant_lines(E, caller)

    R_U, R_V = _side_by_side(E), _side_by_side(E.transpose(0, 2, 1))  # [E_1 … E_N], [E_1ᵀ … E_Nᵀ]
    L_V = np.eye(p)
    U = V = None
    trace, converged = [], False
    for _ in range(max_iter):
        U_new = _scatter(L_V, R_V, n) / (N * p)
        L_U = _cholesky_update(U_new, "U", len(trace) + 1)
        V_new = _scatter(L_U, R_U, p) / (N * n)
        c = np.trace(V_new) / p  # identifiability: (cU, V/c) has trace(V) = p
        U_new, V_new = U_new * c, V_new / c
        L_U = L_U * np.sqrt(c)
        L_V = _cholesky_update(V_new, "V", len(trace) + 1)
        # After an exact V-update Σ tr(V⁻¹E_iᵀU⁻¹E_i) = Nnp, so ℓ needs only the log-determinants.
        trace.append(-0.5 * N * (n * p * (_LOG_2PI + 1.0) + p * _logdet(L_U) + n * _logdet(L_V)))
        if U is not None:
            change = max(np.linalg.norm(U_new - U) / np.linalg.norm(U_new),
                         np.linalg.norm(V_new - V) / np.linalg.norm(V_new))
            converged = change <= tol
        U, V = U_new, V_new
        if converged:
            break
    if not converged:
        warnings.warn(f"{caller}: the flip-flop did not reach `tol`={tol:g} in `max_iter`={max_iter} "
                      "iterations", RuntimeWarning, stacklevel=2)
    info = FlipFlopInfo(iterations=len(trace), converged=bool(converged), loglik=np.array(trace))
    return M, U, V, info


# --- helpers ---------------------------------------------------------------------------------


def _cholesky(A: np.ndarray, name: str, caller: str) -> np.ndarray:
    """Lower Cholesky factor of a symmetric positive definite argument, or a ValueError naming it."""
    require_square(A, name, caller)
    asym = np.abs(A - A.T)
    if asym.max() > _SYMMETRY_RTOL * np.abs(A).max():
        i, j = np.unravel_index(np.argmax(asym), A.shape)
        raise ValueError(
            f"{caller}: `{name}` is not symmetric (|{name}[{i}, {j}] − {name}[{j}, {i}]| = "
            f"{asym.max():.1e}); pass ({name} + {name}.T) / 2 to use its symmetric part"
        )
    # Cholesky alone is not enough: rounding lets it through for matrices that are singular or
    # indefinite in exact arithmetic (e.g. [[7, 1], [1, fl(1/7)]]), whose log-density is garbage.
    lam = np.linalg.eigvalsh(A)
    if lam[0] <= 0:
        raise ValueError(
            f"{caller}: `{name}` is not symmetric positive definite (smallest eigenvalue {lam[0]:.3g})"
        )
    if lam[-1] > MAX_CONDITION * lam[0]:
        raise ValueError(
            f"{caller}: `{name}` is too ill-conditioned: condition number {lam[-1] / lam[0]:.2e} "
            f"exceeds the threshold {MAX_CONDITION:.2e} = 1/(1e6·ε) (eigenvalues {lam[0]:.3g} .. "
            f"{lam[-1]:.3g}; scipy.stats refuses it too): the density would have no "
            f"correct digits; regularise, e.g. {name} + δI"
        )
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"{caller}: `{name}` is not symmetric positive definite (smallest eigenvalue {lam[0]:.3g})"
        ) from None


def _parameters(M, U, V, caller: str):
    M = as_real_array(M, "M", caller, ndim=2)
    U = as_real_array(U, "U", caller, ndim=2)
    V = as_real_array(V, "V", caller, ndim=2)
    n, p = M.shape
    for name, A, m in (("U", U, n), ("V", V, p)):
        if A.shape != (m, m):
            raise ValueError(
                f"{caller}: `{name}` must have shape {shape_str((m, m))} for `M` of shape "
                f"{shape_str(M.shape)}, got shape {shape_str(A.shape)}"
            )
    return M, _cholesky(U, "U", caller), _cholesky(V, "V", caller)


def _data_and_parameters(X, M, U, V, caller: str):
    X = as_real_array(X, "X", caller, ndim=(2, 3))
    M, L_U, L_V = _parameters(M, U, V, caller)
    if X.shape[-2:] != M.shape:
        raise ValueError(
            f"{caller}: `X` has shape {shape_str(X.shape)} but `M` has shape {shape_str(M.shape)}; "
            "`X` must be (n, p) or (k, n, p) with (n, p) the shape of `M`"
        )
    return X, M, L_U, L_V


def _logdet(L: np.ndarray) -> float:
    """log|A| from the Cholesky factor of A."""
    return 2.0 * float(np.sum(np.log(np.diag(L))))


def _cho_solve(L: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A⁻¹B for A = LLᵀ, by two triangular-factor solves."""
    return np.linalg.solve(L.T, np.linalg.solve(L, B))


def _sandwich(L: np.ndarray, D: np.ndarray) -> np.ndarray:
    """½ A⁻¹ D A⁻¹ for A = LLᵀ and symmetric D, symmetrised against rounding."""
    G = 0.5 * _cho_solve(L, _cho_solve(L, D).T)
    return 0.5 * (G + G.T)


def _side_by_side(E: np.ndarray) -> np.ndarray:
    """[E_1 E_2 … E_k], shape (a, k·b), for a stack E (k, a, b): one solve then covers all E_i."""
    k, a, b = E.shape
    return E.transpose(1, 0, 2).reshape(a, k * b)


def _scatter(L: np.ndarray, R: np.ndarray, b: int) -> np.ndarray:
    """Σ_i B_iᵀ A⁻¹ B_i for R = [B_1 … B_k] (blocks of b columns) and A = LLᵀ.

    With W = L⁻¹R, the rows of all blocks W_i = L⁻¹B_i stacked are ``W.reshape(-1, b)`` (no copy),
    and Σ_i W_iᵀ W_i is one matrix product. L⁻¹ (a×a, computed once) times R is one BLAS-3 product;
    ``np.linalg.solve(L, R)`` with the k·b right-hand sides was 10 to 50 times slower for a = 24, 32
    and k·b ≈ 10⁴ to 10⁵ (it copies R into LAPACK's layout and solves with the LU factors of L). For
    the triangular L the product has the accuracy of the solve, a relative error of order
    cond(L)·ε = cond(A)^{1/2}·ε [Higham 2002, §8.1–8.3], below 1e-7 for every accepted A.
    """
    W = (np.linalg.inv(L) @ R).reshape(-1, b)
    S = W.T @ W
    return 0.5 * (S + S.T)


def _cholesky_update(A: np.ndarray, name: str, iteration: int) -> np.ndarray:
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"matnormal.mle: the {name}-update lost positive definiteness at iteration {iteration} (smallest "
            f"eigenvalue {np.linalg.eigvalsh(A)[0]:.3g}): the likelihood is unbounded for the data `Xs`"
        ) from None


def _require_no_constant_lines(E: np.ndarray, caller: str) -> None:
    """Raise if a row or column of the centred sample is (numerically) zero in every sample."""
    scale = np.sqrt(np.sum(E**2))
    for axis, what, factor in ((2, "row", "U"), (1, "column", "V")):
        norms = np.sqrt(np.sum(E**2, axis=(0, axis)))
        bad = np.flatnonzero(norms <= 1e-12 * scale)
        if bad.size or scale == 0:
            index = int(bad[0]) if bad.size else 0
            raise ValueError(
                f"{caller}: {what} {index} of `Xs` is constant across the {E.shape[0]} samples, so the "
                f"{what} covariance `{factor}` is singular and the MLE does not exist (add noise, "
                f"e.g. dequantise, or drop that {what})"
            )
