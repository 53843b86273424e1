"""Exercises of chapter 3, *vec and Kronecker products*: Jacobians of matrix functions of matrices.

Jacobians are in numerator layout with the column-major vec of the book (vec(AXB) = (Bᵀ ⊗ A) vec X).
"""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register
from mclib.vec import commutation_matrix


def _square_jacobian(X):
    eye = np.eye(X.shape[0])
    return np.kron(eye, X) + np.kron(X.T, eye)


register(
    "ex-vec-kronecker-square", "The Jacobian of the square", difficulty=2, kind="jacobian", wrt="X",
    function=lambda X: X @ X,
    domain=lambda rng: {"X": rng.standard_normal((3, 3))},
    solution=_square_jacobian,
    mistakes=[
        Mistake("2(I ⊗ X), as for a scalar x²", "unknown", lambda X: 2 * np.kron(np.eye(3), X)),
        Mistake("I ⊗ Xᵀ + X ⊗ I, the transpose (denominator layout)", "transposed",
                lambda X: _square_jacobian(X).T),
    ],
)


def _xtax_jacobian(X, A):
    m, n = X.shape
    return np.kron(np.eye(n), X.T @ A) + np.kron(X.T @ A.T, np.eye(n)) @ commutation_matrix(m, n)


register(
    "ex-vec-kronecker-xtax", "The Jacobian of XᵀAX", difficulty=2, kind="jacobian", wrt="X",
    function=lambda X, A: X.T @ A @ X,
    domain=lambda rng: {"X": rng.standard_normal((4, 3)), "A": rng.standard_normal((4, 4))},
    solution=_xtax_jacobian,
    mistakes=[
        Mistake("the commutation matrix forgotten (vec dXᵀ taken as vec dX)", "unknown",
                lambda X, A: np.kron(np.eye(3), X.T @ A) + np.kron(X.T @ A.T, np.eye(3))),
        Mistake("XᵀA where XᵀAᵀ belongs, in the term with K", "unknown",
                lambda X, A: np.kron(np.eye(3), X.T @ A)
                + np.kron(X.T @ A, np.eye(3)) @ commutation_matrix(4, 3)),
    ],
)


def _inverse_bilinear_gradient(X, a, b):
    Xi_T = np.linalg.inv(X).T
    return -Xi_T @ np.outer(a, b) @ Xi_T


register(
    "ex-vec-kronecker-inverse-bilinear", "A bilinear form in the inverse", difficulty=2, kind="gradient",
    wrt="X",
    function=lambda X, a, b: a @ np.linalg.solve(X, b),
    domain=lambda rng: {"X": 3 * np.eye(3) + rng.standard_normal((3, 3)) / np.sqrt(3),
                        "a": rng.standard_normal(3), "b": rng.standard_normal(3)},
    solution=_inverse_bilinear_gradient,
    mistakes=[
        Mistake("from the circulating Jacobian −(X⁻¹ ⊗ X⁻¹): −X⁻ᵀabᵀX⁻¹", "unknown",
                lambda X, a, b: -np.linalg.inv(X).T @ np.outer(a, b) @ np.linalg.inv(X)),
        Mistake("the minus sign of d(X⁻¹) dropped", "sign-flipped",
                lambda X, a, b: -_inverse_bilinear_gradient(X, a, b)),
        Mistake("−X⁻¹baᵀX⁻¹, in numerator layout", "transposed",
                lambda X, a, b: _inverse_bilinear_gradient(X, a, b).T),
    ],
)


def _sandwich_transpose_jacobian(X, A, B):
    m, n = X.shape
    return np.kron(B.T, A) @ commutation_matrix(m, n)


register(
    "ex-vec-kronecker-transpose-sandwich", "A sandwich around a transpose",
    difficulty=2, kind="jacobian", wrt="X",
    function=lambda X, A, B: A @ X.T @ B,
    domain=lambda rng: {"X": rng.standard_normal((4, 3)), "A": rng.standard_normal((2, 3)),
                        "B": rng.standard_normal((4, 5))},
    solution=_sandwich_transpose_jacobian,
    mistakes=[
        Mistake("the commutation matrix forgotten: Bᵀ ⊗ A", "unknown", lambda X, A, B: np.kron(B.T, A)),
        Mistake("the row-major order: (A ⊗ Bᵀ)K", "unknown",
                lambda X, A, B: np.kron(A, B.T) @ commutation_matrix(*X.shape)),
    ],
)


def _two_sided_fit_gradient(X, A, B, C):
    return 2 * A.T @ (A @ X @ B - C) @ B.T


register(
    "ex-vec-kronecker-two-sided-fit", "A two-sided least-squares fit", difficulty=1, kind="gradient", wrt="X",
    function=lambda X, A, B, C: np.sum((A @ X @ B - C) ** 2),
    domain=lambda rng: {"X": rng.standard_normal((3, 4)), "A": rng.standard_normal((5, 3)),
                        "B": rng.standard_normal((4, 2)), "C": rng.standard_normal((5, 2))},
    solution=_two_sided_fit_gradient,
    mistakes=[
        Mistake("the 2 of the square forgotten", "scaled",
                lambda X, A, B, C: _two_sided_fit_gradient(X, A, B, C) / 2),
        Mistake("the residual the wrong way round, C − AXB", "sign-flipped",
                lambda X, A, B, C: -_two_sided_fit_gradient(X, A, B, C)),
    ],
)


def _gram_inverse_jacobian(X):
    n = X.shape[1]
    F = np.linalg.inv(X.T @ X)
    return -np.kron(F, F) @ (np.eye(n * n) + commutation_matrix(n, n)) @ np.kron(np.eye(n), X.T)


register(
    "ex-vec-kronecker-gram-inverse", "The Jacobian of (XᵀX)⁻¹", difficulty=3, kind="jacobian", wrt="X",
    function=lambda X: np.linalg.inv(X.T @ X),
    domain=lambda rng: {"X": rng.standard_normal((5, 3))},
    solution=_gram_inverse_jacobian,
    mistakes=[
        Mistake("d(XᵀX) taken as 2XᵀdX: −2(F ⊗ F)(I ⊗ Xᵀ)", "unknown",
                lambda X: -2 * np.kron(np.linalg.inv(X.T @ X), np.linalg.inv(X.T @ X))
                @ np.kron(np.eye(X.shape[1]), X.T)),
        Mistake("the minus sign of d(F⁻¹) dropped", "sign-flipped", lambda X: -_gram_inverse_jacobian(X)),
    ],
)
