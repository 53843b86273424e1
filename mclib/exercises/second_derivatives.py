"""Exercises of chapter 9, *Second derivatives*: Hessians read off the second differential."""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register
from mclib.vec import commutation_matrix


def _quartic_hessian(x, A, b, mu):
    return (A + A.T) / 2 + mu * ((x @ x) * np.eye(x.size) + 2 * np.outer(x, x))


register(
    "ex-second-quartic", "A quartic regulariser", difficulty=1, kind="hessian", wrt="x",
    function=lambda x, A, b, mu: x @ A @ x / 2 - b @ x + mu * (x @ x) ** 2 / 4,
    domain=lambda rng: {"x": rng.standard_normal(4), "A": rng.standard_normal((4, 4)),
                        "b": rng.standard_normal(4), "mu": 0.7},
    solution=_quartic_hessian,
    mistakes=[
        Mistake("A instead of its symmetric part", "unsymmetrized",
                lambda x, A, b, mu: _quartic_hessian(x, A, b, mu) + (A - A.T) / 2),
        Mistake("the term 2μxxᵀ forgotten", "unknown",
                lambda x, A, b, mu: (A + A.T) / 2 + mu * (x @ x) * np.eye(x.size)),
    ],
)

register(
    "ex-second-matrix-ls", "Least squares in a matrix", difficulty=1, kind="hessian", wrt="X",
    function=lambda X, A, C: np.sum((A @ X - C) ** 2),
    domain=lambda rng: {"X": rng.standard_normal((3, 2)), "A": rng.standard_normal((6, 3)),
                        "C": rng.standard_normal((6, 2))},
    solution=lambda X, A, C: 2 * np.kron(np.eye(X.shape[1]), A.T @ A),
    mistakes=[
        Mistake("the factor 2 of the square forgotten", "scaled",
                lambda X, A, C: np.kron(np.eye(X.shape[1]), A.T @ A)),
        Mistake("the Kronecker factors swapped (row-major vec)", "row-major-vec",
                lambda X, A, C: 2 * np.kron(A.T @ A, np.eye(X.shape[1]))),
    ],
)


def _trace_cube_hessian(X):
    n = X.shape[0]
    return 3 * commutation_matrix(n, n) @ (np.kron(X.T, np.eye(n)) + np.kron(np.eye(n), X))


register(
    "ex-second-trace-cube", "The trace of a cube", difficulty=2, kind="hessian", wrt="X",
    function=lambda X: np.trace(X @ X @ X),
    domain=lambda rng: {"X": rng.standard_normal((3, 3))},
    solution=_trace_cube_hessian,
    mistakes=[
        Mistake("the commutation matrix forgotten", "unknown",
                lambda X: 3 * (np.kron(X.T, np.eye(3)) + np.kron(np.eye(3), X))),
        Mistake("6(I ⊗ X), as if tr(X³) were a quadratic form in vec X", "unknown",
                lambda X: 6 * np.kron(np.eye(3), X)),
    ],
)


def _trace_inverse_hessian(X):
    n = X.shape[0]
    Xi = np.linalg.inv(X)
    return commutation_matrix(n, n) @ (np.kron((Xi @ Xi).T, Xi) + np.kron(Xi.T, Xi @ Xi))


register(
    "ex-second-trace-inverse", "The trace of the inverse", difficulty=2, kind="hessian", wrt="X",
    function=lambda X: np.trace(np.linalg.inv(X)),
    domain=lambda rng: {"X": rng.standard_normal((3, 3)) + 3 * np.eye(3)},
    solution=_trace_inverse_hessian,
    mistakes=[
        Mistake("the sign of d(X⁻¹) = −X⁻¹dX X⁻¹ dropped twice over", "sign-flipped",
                lambda X: -_trace_inverse_hessian(X)),
        Mistake("only one of the two terms of d(X⁻²)", "unsymmetrized",
                lambda X: 2 * commutation_matrix(3, 3) @ np.kron(np.linalg.inv(X @ X).T, np.linalg.inv(X))),
    ],
)


def _rayleigh_hessian(x, A):
    D = x @ x
    r = x @ A @ x / D
    g = 2 * (A @ x - r * x) / D
    return 2 / D * (A - r * np.eye(x.size) - np.outer(x, g) - np.outer(g, x))


def _symmetric(rng, n):
    M = rng.standard_normal((n, n))
    return M + M.T


register(
    "ex-second-rayleigh-general", "The Rayleigh quotient away from eigenvectors", difficulty=3,
    kind="hessian", wrt="x",
    function=lambda x, A: x @ A @ x / (x @ x),
    domain=lambda rng: {"x": rng.standard_normal(5), "A": _symmetric(rng, 5)},
    solution=_rayleigh_hessian,
    mistakes=[
        Mistake("the eigenvector formula 2(A − rI) used away from eigenvectors", "unknown",
                lambda x, A: 2 / (x @ x) * (A - (x @ A @ x / (x @ x)) * np.eye(x.size))),
        Mistake("one of the two rank-one terms forgotten", "unknown",
                lambda x, A: _rayleigh_hessian(x, A) + 2 / (x @ x) * np.outer(
                    x, 2 * (A @ x - (x @ A @ x / (x @ x)) * x) / (x @ x))),
    ],
)
