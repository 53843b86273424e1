"""Exercises of chapter 5, *Derivatives of eigenvalues, eigenvectors and singular values*.

Functions of a symmetric matrix are extended to every square matrix through sym(X) = (X + Xᵀ)/2,
as in the chapter, so that the gradient is the one a finite difference on each entry sees. The
domains draw matrices with prescribed, well separated eigenvalues or singular values (the
formulas divide by their gaps), except the projector exercise, whose point is an exactly double
eigenvalue.
"""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register


def _sym(X):
    return (X + X.T) / 2


def _orthogonal(rng, n):
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


def _with_eigenvalues(rng, lam):
    Q = _orthogonal(rng, len(lam))
    return _sym(Q @ np.diag(lam) @ Q.T)


def _separated(rng, n, low=0.5, gap=0.6):
    """n increasing values, consecutive ones at least `gap` apart, the smallest ≥ `low`."""
    return low + np.cumsum(gap + rng.random(n)) - gap


# --- ex-eigen-svd-logdet: ∇ log det A = Σ qᵢqᵢᵀ/λᵢ = A⁻¹ ------------------------------------------

register(
    "ex-eigen-svd-logdet", "The log-determinant through its eigenvalues", difficulty=1, kind="gradient",
    wrt="A",
    function=lambda A: np.sum(np.log(np.linalg.eigvalsh(_sym(A)))),
    domain=lambda rng: {"A": _with_eigenvalues(rng, _separated(rng, 4))},
    solution=lambda A: np.linalg.inv(A),
    mistakes=[
        Mistake("Σ qᵢqᵢᵀ, the 1/λᵢ of the chain rule through log forgotten", "unknown",
                lambda A: np.eye(len(A))),
        Mistake("the Matrix Cookbook's 'symmetric' rule 2A⁻¹ − A⁻¹∘I", "symmetrized",
                lambda A: 2 * np.linalg.inv(A) - np.linalg.inv(A) * np.eye(len(A))),
    ],
)


# --- ex-eigen-svd-condition: ∇κ = κ (u₁v₁ᵀ/σ₁ − uₙvₙᵀ/σₙ) ------------------------------------------


def _svd_square(rng, n=4):
    s = _separated(rng, n, low=0.4, gap=0.5)[::-1]
    return _orthogonal(rng, n) @ np.diag(s) @ _orthogonal(rng, n).T


def _condition_gradient(A, sign=-1.0, transpose=False):
    U, s, Vt = np.linalg.svd(A)
    first, last = np.outer(U[:, 0], Vt[0]), np.outer(U[:, -1], Vt[-1])
    G = (s[0] / s[-1]) * (first / s[0] + sign * last / s[-1])
    return G.T if transpose else G


register(
    "ex-eigen-svd-condition", "The gradient of the condition number", difficulty=2, kind="gradient",
    wrt="A",
    function=lambda A: (lambda s: s[0] / s[-1])(np.linalg.svd(A, compute_uv=False)),
    domain=lambda rng: {"A": _svd_square(rng)},
    solution=lambda A: _condition_gradient(A),
    mistakes=[
        Mistake("v₁u₁ᵀ and vₙuₙᵀ, the singular vectors in the wrong order", "transposed",
                lambda A: _condition_gradient(A, transpose=True)),
        Mistake("a plus sign in the quotient rule", "unknown", lambda A: _condition_gradient(A, sign=1.0)),
    ],
)


# --- ex-eigen-svd-projector: dP at a double eigenvalue (a Jacobian) -------------------------------


def _low_projector(A):
    """Projector onto the eigenspace of the two smallest eigenvalues of sym(A)."""
    V = np.linalg.eigh(_sym(A))[1][:, :2]
    return V @ V.T


def _projector_jacobian(A, *, gap_sign=1.0, second_term=True, symmetrize=True):
    """∂ vec P/∂ vec A, column by column from dP(E_kl) = Σ_{i∈S, j∉S} (PⱼH Pᵢ + PᵢH Pⱼ)/(λᵢ − λⱼ)."""
    n = len(A)
    lam, Q = np.linalg.eigh(_sym(A))
    P = [np.outer(Q[:, i], Q[:, i]) for i in range(n)]
    columns = []
    for l_ in range(n):
        for k in range(n):
            H = np.zeros((n, n))
            H[k, l_] = 1.0
            H = _sym(H) if symmetrize else H
            dP = sum((P[j] @ H @ P[i] + (P[i] @ H @ P[j] if second_term else 0))
                     / (gap_sign * (lam[i] - lam[j])) for i in (0, 1) for j in range(2, n))
            columns.append(dP.ravel(order="F"))
    return np.column_stack(columns)


register(
    "ex-eigen-svd-projector", "The eigenspace of a tied eigenvalue is differentiable", difficulty=3,
    kind="jacobian", wrt="A",
    function=_low_projector,
    domain=lambda rng: {"A": _with_eigenvalues(rng, [1.0, 1.0, 2.5 + rng.random(), 4.0 + rng.random()])},
    solution=lambda A: _projector_jacobian(A),
    mistakes=[
        Mistake("the gap the other way round, λⱼ − λᵢ", "sign-flipped",
                lambda A: _projector_jacobian(A, gap_sign=-1.0)),
        Mistake("only dqᵢ qᵢᵀ, the term qᵢ dqᵢᵀ forgotten", "unknown",
                lambda A: _projector_jacobian(A, second_term=False)),
    ],
)


# --- ex-eigen-svd-explained: ∇ of the variance explained by k components = 2 U_k Σ_k V_kᵀ/(n − 1) ---

_K = 2  # components kept


def _centred_data(rng, n=8, d=4):
    """Data whose centred matrix has the singular values of _separated (no ties), plus a mean."""
    basis = np.linalg.qr(np.column_stack([np.ones(n), rng.standard_normal((n, d))]))[0][:, 1:]
    s = _separated(rng, d, low=0.5, gap=0.8)[::-1]
    return basis @ np.diag(s) @ _orthogonal(rng, d).T + rng.standard_normal(d)


def _explained(X):
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    return np.sum(s[:_K] ** 2) / (len(X) - 1)


def _explained_gradient(X, *, centre=True, scale=True):
    U, s, Vt = np.linalg.svd(X - X.mean(axis=0) if centre else X, full_matrices=False)
    G = 2 * (U[:, :_K] * s[:_K]) @ Vt[:_K]
    return G / (len(X) - 1) if scale else G


register(
    "ex-eigen-svd-explained", "The variance explained by the first components", difficulty=2,
    kind="gradient", wrt="X",
    function=_explained,
    domain=lambda rng: {"X": _centred_data(rng)},
    solution=_explained_gradient,
    mistakes=[
        Mistake("the 1/(n − 1) of the covariance forgotten", "scaled",
                lambda X: _explained_gradient(X, scale=False)),
        Mistake("2 V_k Σ_k U_kᵀ/(n − 1), the transpose", "transposed", lambda X: _explained_gradient(X).T),
        Mistake("the SVD of X without centring it", "unknown",
                lambda X: _explained_gradient(X, centre=False)),
        Mistake("2 X_c/(n − 1), the gradient of the total variance", "unknown",
                lambda X: 2 * (X - X.mean(axis=0)) / (len(X) - 1)),
    ],
)


# --- ex-eigen-svd-loading: ∇ (cᵀq)² for the top eigenvector q -------------------------------------


def _loading_gradient(A, c, *, gap_sign=1.0, symmetrize=True, factor=1.0):
    """(cᵀq)(q cᵀR + R c qᵀ), R = (λI − A)⁺ = Σ_{j≠top} q_jq_jᵀ/(λ − λ_j) (eq-eigen-vector-column)."""
    lam, Q = np.linalg.eigh(_sym(A))
    q = Q[:, -1]
    R = sum(np.outer(Q[:, j], Q[:, j]) / (gap_sign * (lam[-1] - lam[j])) for j in range(len(A) - 1))
    B = np.outer(q, c @ R)  # q cᵀR; its transpose is R c qᵀ
    G = (c @ q) * (B + B.T) if symmetrize else 2 * (c @ q) * B.T
    return factor * G


register(
    "ex-eigen-svd-loading", "The loading of the first principal direction", difficulty=2, kind="gradient",
    wrt="A",
    function=lambda A, c: (c @ np.linalg.eigh(_sym(A))[1][:, -1]) ** 2,
    domain=lambda rng: {"A": _with_eigenvalues(rng, _separated(rng, 4)), "c": rng.standard_normal(4)},
    solution=_loading_gradient,
    mistakes=[
        Mistake("2(cᵀq) R c qᵀ, not symmetrized", "symmetrized",
                lambda A, c: _loading_gradient(A, c, symmetrize=False)),
        Mistake("the gap the other way round, (A − λI)⁺", "sign-flipped",
                lambda A, c: _loading_gradient(A, c, gap_sign=-1.0)),
        Mistake("the factor 2 of the square forgotten", "scaled",
                lambda A, c: _loading_gradient(A, c, factor=0.5)),
    ],
)
