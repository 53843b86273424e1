"""The matrix t distribution T(δ, M, U, V): log-density and its gradients.

A random n×p matrix X has the matrix t distribution with δ > 0 degrees of freedom, mean
parameter M (n×p), row scale U (n×n) and column scale V (p×p), all scales symmetric positive
definite, when its density is [Gupta & Nagar 1999, Def. 4.2.1, who write X as p×n and so
exchange the roles of n and p]

    f(X) = Γ_n((δ+n+p−1)/2) / (π^{np/2} Γ_n((δ+n−1)/2)) · |U|^{−p/2} |V|^{−n/2}
           · |I_n + U⁻¹ (X − M) V⁻¹ (X − M)ᵀ|^{−(δ+n+p−1)/2},

with the multivariate gamma function Γ_n(a) = π^{n(n−1)/4} Π_{j=1..n} Γ(a − (j−1)/2). It is the
scale mixture X | S ~ MN(M, S, V) with S ~ W⁻¹_n(δ + n − 1, U) (inverse Wishart, density
∝ |S|^{−(ν+n+1)/2} exp(−½ tr(U S⁻¹)) for ν degrees of freedom); chapter 6 of the book derives
both. `scipy.stats.matrix_t(mean=M, row_spread=U, col_spread=V, df=δ)` is the same distribution.
One column (p = 1, V = ω) is the multivariate t with δ degrees of freedom and shape ωU/δ.

Everything is computed from Cholesky factors and the whitened residual W = L_U⁻¹ (X − M) L_V⁻ᵀ:
|I_n + U⁻¹EV⁻¹Eᵀ| = |I_n + WWᵀ|, a matrix whose eigenvalues are at least 1. No inverse of U or V
is formed. Only V ⊗ U is identifiable, as for the matrix normal: (cU, V/c) gives the same law.
"""

from __future__ import annotations

import math

import numpy as np

from mclib._validation import as_tolerance
from mclib.matnormal import _data_and_parameters, _logdet

__all__ = ["logpdf", "grad_logpdf"]

_LOG_PI = math.log(math.pi)


def logpdf(X, M, U, V, df):
    """Log-density of the matrix t distribution T(δ, M, U, V) at one matrix or a stack.

    Parameters
    ----------
    X : array_like, shape (n, p) or (k, n, p)
        One matrix, or k matrices.
    M : array_like, shape (n, p)
        Mean parameter (the mean when δ > 1).
    U : array_like, shape (n, n)
        Row scale, symmetric positive definite.
    V : array_like, shape (p, p)
        Column scale, symmetric positive definite.
    df : float
        Degrees of freedom δ > 0 (Gupta & Nagar's δ; `scipy.stats.matrix_t`'s ``df``).

    Returns
    -------
    float or ndarray, shape (k,)
        log f(X), with f as in the module docstring.

    Raises
    ------
    ValueError
        On shape mismatches, a non-positive or non-finite `df`, or `U` or `V` not symmetric
        positive definite (the message names the parameter), or too ill-conditioned.
    """
    X, M, L_U, L_V, df = _validated(X, M, U, V, df, "matrix_t.logpdf")
    n, p = M.shape
    _, L_K = _whitened(X, M, L_U, L_V)
    # log|I + WWᵀ| = 2 Σ log diag L_K for each matrix of the stack.
    logdet_K = 2.0 * np.sum(np.log(np.diagonal(L_K, axis1=-2, axis2=-1)), axis=-1)
    values = _log_constant(n, p, df) - 0.5 * (p * _logdet(L_U) + n * _logdet(L_V)) \
        - 0.5 * (df + n + p - 1) * logdet_K
    return float(values[0]) if X.ndim == 2 else values


def grad_logpdf(X, M, U, V, df) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the log-density (summed over a stack) with respect to X, M, U and V.

    With E = X − M and A = U + E V⁻¹ Eᵀ (so that |I + U⁻¹EV⁻¹Eᵀ| = |A|/|U|),

        ℓ = const + ((δ+n−1)/2) log|U| − (n/2) log|V| − ((δ+n+p−1)/2) log|A|,

    and d log|A| = tr(A⁻¹ dA), dV⁻¹ = −V⁻¹ dV V⁻¹ [Petersen & Pedersen 2012, Eqs. 57, 59] give

    * ∂ℓ/∂X = −(δ+n+p−1) A⁻¹ E V⁻¹ for each matrix of the stack,
    * ∂ℓ/∂M = (δ+n+p−1) Σ_i A_i⁻¹ E_i V⁻¹ (a plus sign, as for the matrix normal),
    * ∂ℓ/∂U = ½ Σ_i [(δ+n−1) U⁻¹ − (δ+n+p−1) A_i⁻¹],
    * ∂ℓ/∂V = ½ V⁻¹ Σ_i [(δ+n+p−1) E_iᵀ A_i⁻¹ E_i − n V] V⁻¹.

    As in :func:`mclib.matnormal.grad_logpdf`, the gradients with respect to U and V treat all
    entries as independent variables; they are symmetric, so they are also the gradients on
    symmetric matrices.

    Parameters
    ----------
    X : array_like, shape (n, p) or (k, n, p)
    M : array_like, shape (n, p)
    U : array_like, shape (n, n), symmetric positive definite
    V : array_like, shape (p, p), symmetric positive definite
    df : float, > 0

    Returns
    -------
    dX : ndarray, shape of `X`
    dM : ndarray, shape (n, p)
    dU : ndarray, shape (n, n), symmetric
    dV : ndarray, shape (p, p), symmetric
    """
    X, M, L_U, L_V, df = _validated(X, M, U, V, df, "matrix_t.grad_logpdf")
    n, p = M.shape
    W, L_K = _whitened(X, M, L_U, L_V)
    k = W.shape[0]
    c = df + n + p - 1
    # A = L_U K L_Uᵀ with K = I + WWᵀ and E = L_U W L_Vᵀ, hence
    # A⁻¹EV⁻¹ = L_U⁻ᵀ (K⁻¹W) L_V⁻¹ and EᵀA⁻¹E = L_V Wᵀ K⁻¹ W L_Vᵀ.
    G = _cho_solve_stack(L_K, W)  # K⁻¹ W, shape (k, n, p)
    B = np.linalg.solve(L_V.T, np.linalg.solve(L_U.T, G).transpose(0, 2, 1)).transpose(0, 2, 1)
    dX = -c * B
    dM = c * B.sum(axis=0)
    K_inv = _cho_solve_stack(L_K, np.broadcast_to(np.eye(n), (k, n, n)))
    dU = 0.5 * _congruence(L_U, k * (df + n - 1) * np.eye(n) - c * K_inv.sum(axis=0))
    dV = 0.5 * _congruence(L_V, c * np.sum(W.transpose(0, 2, 1) @ G, axis=0) - k * n * np.eye(p))
    return (dX[0] if X.ndim == 2 else dX), dM, dU, dV


# --- helpers ---------------------------------------------------------------------------------


def _validated(X, M, U, V, df, caller):
    X, M, L_U, L_V = _data_and_parameters(X, M, U, V, caller)
    return X, M, L_U, L_V, as_tolerance(df, "df", caller, positive=True)


def _log_multigamma(a: float, n: int) -> float:
    """log Γ_n(a) = (n(n−1)/4) log π + Σ_{j=1..n} log Γ(a − (j−1)/2), for a > (n−1)/2."""
    return 0.25 * n * (n - 1) * _LOG_PI + sum(math.lgamma(a - 0.5 * j) for j in range(n))


def _log_constant(n: int, p: int, df: float) -> float:
    """log of Γ_n((δ+n+p−1)/2) / (π^{np/2} Γ_n((δ+n−1)/2)), the normalising constant."""
    return (_log_multigamma(0.5 * (df + n + p - 1), n) - _log_multigamma(0.5 * (df + n - 1), n)
            - 0.5 * n * p * _LOG_PI)


def _whitened(X, M, L_U, L_V):
    """W_i = L_U⁻¹ E_i L_V⁻ᵀ (stack (k, n, p)) and the Cholesky factors of K_i = I + W_i W_iᵀ."""
    n, p = M.shape
    E = (X - M).reshape((-1, n, p))
    W = np.linalg.solve(L_V, np.linalg.solve(L_U, E).transpose(0, 2, 1)).transpose(0, 2, 1)
    K = np.eye(n) + W @ W.transpose(0, 2, 1)
    return W, np.linalg.cholesky(K)  # K ⪰ I: always positive definite, condition ≤ 1 + ‖W‖²


def _cho_solve_stack(L: np.ndarray, B: np.ndarray) -> np.ndarray:
    """K_i⁻¹ B_i for a stack of K_i = L_i L_iᵀ."""
    return np.linalg.solve(L.transpose(0, 2, 1), np.linalg.solve(L, B))


def _congruence(L: np.ndarray, C: np.ndarray) -> np.ndarray:
    """L⁻ᵀ C L⁻¹ for symmetric C, symmetrised against rounding (= A⁻¹ (L C Lᵀ) A⁻¹ for A = LLᵀ)."""
    S = np.linalg.solve(L.T, np.linalg.solve(L.T, C).T)
    return 0.5 * (S + S.T)
