"""Exercises of chapter 4, *Trace, determinant, inverse*: its three sections in order (trace and
determinant; inverse, norms and likelihood; structured matrices)."""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register


def _sym(M):
    return (M + M.T) / 2


def _spd(rng, n, shift):
    F = rng.standard_normal((n, n))
    return F @ F.T / n + shift * np.eye(n)


# --- 01-trace-determinant -------------------------------------------------------------------

register(
    "ex-trace-logdet-gram", "The log-volume of a Gram matrix", difficulty=2, kind="gradient", wrt="X",
    function=lambda X: np.log(np.linalg.det(X.T @ X)),
    domain=lambda rng: {"X": rng.standard_normal((6, 3))},
    solution=lambda X: 2 * X @ np.linalg.inv(X.T @ X),
    mistakes=[
        Mistake("one of the two equal terms of d(XᵀX) forgotten", "scaled",
                lambda X: X @ np.linalg.inv(X.T @ X)),
        Mistake("2(XᵀX)⁻¹Xᵀ, in numerator layout", "transposed", lambda X: 2 * np.linalg.inv(X.T @ X) @ X.T),
    ],
)

register(
    "ex-trace-det-product", "The determinant of a product", difficulty=1, kind="gradient", wrt="X",
    function=lambda X, A, B: np.linalg.det(A @ X @ B),
    domain=lambda rng: {"X": rng.standard_normal((4, 4)) + 2 * np.eye(4),
                        "A": rng.standard_normal((4, 4)) + 2 * np.eye(4),
                        "B": rng.standard_normal((4, 4)) + 2 * np.eye(4)},
    solution=lambda X, A, B: np.linalg.det(A @ X @ B) * np.linalg.inv(X).T,
    mistakes=[
        Mistake("det(AXB) X⁻¹, the cofactor matrix transposed", "transposed",
                lambda X, A, B: np.linalg.det(A @ X @ B) * np.linalg.inv(X)),
        Mistake("det(AXB)(AXB)⁻ᵀ, the gradient with respect to the product, not X", "unknown",
                lambda X, A, B: np.linalg.det(A @ X @ B) * np.linalg.inv(A @ X @ B).T),
    ],
)


def _logdet_affine_gradient(X, A, B):
    return A.T @ np.linalg.inv(A @ X + B).T


register(
    "ex-trace-logdet-affine", "The log-determinant of an affine map", difficulty=1, kind="gradient", wrt="X",
    function=lambda X, A, B: np.log(np.abs(np.linalg.det(A @ X + B))),
    domain=lambda rng: {"X": rng.standard_normal((3, 4)), "A": rng.standard_normal((4, 3)),
                        "B": rng.standard_normal((4, 4)) + 3 * np.eye(4)},
    solution=_logdet_affine_gradient,
    mistakes=[
        Mistake("Aᵀ(AX + B)⁻¹, the transpose of the inverse forgotten", "unknown",
                lambda X, A, B: A.T @ np.linalg.inv(A @ X + B)),
        Mistake("(AX + B)⁻¹A, in numerator layout", "transposed",
                lambda X, A, B: _logdet_affine_gradient(X, A, B).T),
    ],
)


# --- 02-inverse-norms-likelihood --------------------------------------------------------------

def _kl_vae(s, mu):
    return 0.5 * np.sum(np.exp(2 * s) + mu**2 - 1 - 2 * s)


register(
    "ex-trace-vae-kl", "The KL term of a variational autoencoder", difficulty=1, kind="gradient", wrt="s",
    function=_kl_vae,
    domain=lambda rng: {"s": 0.5 * rng.standard_normal(5), "mu": rng.standard_normal(5)},
    solution=lambda s, mu: np.exp(2 * s) - 1,
    mistakes=[
        Mistake("the ½ of the closed form forgotten", "scaled", lambda s, mu: 2 * (np.exp(2 * s) - 1)),
        Mistake("the −log det Σ₀ term forgotten", "unknown", lambda s, mu: np.exp(2 * s)),
    ],
)


def _gp_gradient(K, y):
    alpha = np.linalg.solve(K, y)
    return 0.5 * (np.linalg.inv(K) - np.outer(alpha, alpha))


def _gp_sign_dropped(K, y):
    alpha = np.linalg.solve(K, y)
    return 0.5 * (np.linalg.inv(K) + np.outer(alpha, alpha))


register(
    "ex-trace-gp-marginal-likelihood", "The marginal likelihood of a Gaussian process", difficulty=2,
    kind="gradient", wrt="K",
    function=lambda K, y: (0.5 * y @ np.linalg.solve(K, y) + 0.5 * np.log(np.linalg.det(K))
                           + 0.5 * len(y) * np.log(2 * np.pi)),
    domain=lambda rng: {"K": _spd(rng, 5, 0.5), "y": rng.standard_normal(5)},
    solution=_gp_gradient,
    mistakes=[
        Mistake("the ½ forgotten", "scaled", lambda K, y: 2 * _gp_gradient(K, y)),
        Mistake("the sign of d(K⁻¹) dropped: ½(K⁻¹ + ααᵀ)", "unknown",
                _gp_sign_dropped),
    ],
)


def _cholesky_nll(L, S):
    Sigma = L @ L.T
    return 0.5 * np.trace(np.linalg.solve(Sigma, S)) + 0.5 * np.log(np.linalg.det(Sigma))


def _cholesky_middle(L, S):
    """Σ⁻¹ − Σ⁻¹SΣ⁻¹ with Σ = LLᵀ: twice the gradient with respect to Σ."""
    Sigma_inv = np.linalg.inv(L @ L.T)
    return Sigma_inv - Sigma_inv @ S @ Sigma_inv


def _cholesky_gradient(L, S):
    return _cholesky_middle(L, S) @ L


register(
    "ex-trace-cholesky-likelihood", "A Gaussian likelihood in the Cholesky factor", difficulty=2,
    kind="gradient", wrt="L",
    function=_cholesky_nll,
    domain=lambda rng: {"L": np.linalg.cholesky(_spd(rng, 4, 1.0)), "S": _spd(rng, 4, 0.5)},
    solution=_cholesky_gradient,
    mistakes=[
        Mistake("dΣ = dL Lᵀ + L dLᵀ counted once", "scaled", lambda L, S: _cholesky_gradient(L, S) / 2),
        Mistake("Lᵀ(Σ⁻¹ − Σ⁻¹SΣ⁻¹), the factor on the wrong side", "transposed",
                lambda L, S: L.T @ _cholesky_middle(L, S)),
    ],
)


# --- 03-structured-matrices: gradients on symmetric matrices are judged on f(sym X) -------------

def _precision_gradient(S, C):
    return np.linalg.inv(S) - _sym(C)


register(
    "ex-trace-symmetric-precision", "The precision matrix of a Gaussian", difficulty=2, kind="gradient",
    wrt="S",
    function=lambda S, C: np.log(np.linalg.det(_sym(S))) - np.trace(_sym(S) @ C),
    domain=lambda rng: {"S": _spd(rng, 4, 1.0), "C": rng.standard_normal((4, 4)) + 4 * np.eye(4)},
    solution=_precision_gradient,
    mistakes=[
        Mistake("the unconstrained gradient S⁻¹ − Cᵀ", "symmetrized", lambda S, C: np.linalg.inv(S) - C.T),
        Mistake("the Cookbook's G + Gᵀ − G∘I", "symmetrized",
                lambda S, C: 2 * _precision_gradient(S, C) - np.diag(np.diag(_precision_gradient(S, C)))),
    ],
)


def _trace_inverse_gradient(S, A):
    S_inv = np.linalg.inv(S)
    return -S_inv @ _sym(A) @ S_inv


register(
    "ex-trace-symmetric-trace-inverse", "The trace of an inverse on symmetric matrices", difficulty=2,
    kind="gradient", wrt="S",
    function=lambda S, A: np.trace(np.linalg.solve(_sym(S), A)),
    domain=lambda rng: {"S": _spd(rng, 4, 1.0), "A": rng.standard_normal((4, 4))},
    solution=_trace_inverse_gradient,
    mistakes=[
        Mistake("the classmate's −S⁻¹AS⁻¹ (not symmetric)", "symmetrized",
                lambda S, A: -np.linalg.inv(S) @ A @ np.linalg.inv(S)),
    ],
)


def _pinv_bilinear_gradient(A, b, c):
    A_plus = np.linalg.pinv(A)
    inside = -A_plus.T @ np.outer(b, c) @ A_plus.T
    outside = (c - A @ (A_plus @ c))[:, None] * (np.linalg.solve(A.T @ A, b))[None, :]
    return inside + outside


register(
    "ex-trace-pinv-derivative", "The derivative of the pseudo-inverse",
    difficulty=3, kind="gradient", wrt="A",
    function=lambda A, b, c: b @ np.linalg.solve(A.T @ A, A.T @ c),  # bᵀA⁺c for full column rank
    domain=lambda rng: {"A": rng.standard_normal((6, 3)), "b": rng.standard_normal(3),
                        "c": rng.standard_normal(6)},
    solution=_pinv_bilinear_gradient,
    mistakes=[
        Mistake("as for an inverse: −A⁺ᵀbcᵀA⁺ᵀ only (the term outside the column space forgotten)",
                "unknown", lambda A, b, c: -np.linalg.pinv(A).T @ np.outer(b, c) @ np.linalg.pinv(A).T),
    ],
)
