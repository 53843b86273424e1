"""Exercises of chapter 1, *Layouts and notation*: gradients read off the differential
df = tr(Gᵀ dX), shaped like the variable."""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register


def _least_squares_gradient(x, A, b):
    return 2 * A.T @ (A @ x - b)


register(
    "ex-layouts-least-squares", "Least squares", difficulty=1, kind="gradient", wrt="x",
    function=lambda x, A, b: np.sum((A @ x - b) ** 2),
    domain=lambda rng: {"x": rng.standard_normal(3), "A": rng.standard_normal((5, 3)),
                        "b": rng.standard_normal(5)},
    solution=_least_squares_gradient,
    mistakes=[
        Mistake("the factor 2 of the square forgotten", "scaled", lambda x, A, b: A.T @ (A @ x - b)),
        Mistake("the residual the wrong way round, b − Ax", "sign-flipped",
                lambda x, A, b: 2 * A.T @ (b - A @ x)),
    ],
)


register(
    "ex-layouts-linear-layer", "The linear layer", difficulty=1, kind="gradient", wrt="W",
    function=lambda W, x, y: 0.5 * np.sum((W @ x - y) ** 2),
    domain=lambda rng: {"W": rng.standard_normal((3, 4)), "x": rng.standard_normal(4),
                        "y": rng.standard_normal(3)},
    solution=lambda W, x, y: np.outer(W @ x - y, x),
    mistakes=[
        Mistake("x(Wx − y)ᵀ, the numerator layout", "transposed", lambda W, x, y: np.outer(x, W @ x - y)),
        Mistake("the ½ forgotten", "scaled", lambda W, x, y: 2 * np.outer(W @ x - y, x)),
    ],
)


def _product_gradient(X, a, b):
    return np.outer(a, X @ b) + np.outer(X.T @ a, b)


register(
    "ex-layouts-product", "The product of X with itself", difficulty=2, kind="gradient", wrt="X",
    function=lambda X, a, b: a @ X @ X @ b,
    domain=lambda rng: {"X": rng.standard_normal((4, 4)), "a": rng.standard_normal(4),
                        "b": rng.standard_normal(4)},
    solution=_product_gradient,
    mistakes=[
        Mistake("the transpose, (Xb)aᵀ + b(Xᵀa)ᵀ", "transposed",
                lambda X, a, b: _product_gradient(X, a, b).T),
        Mistake("only the term of the first X, a(Xb)ᵀ", "unknown", lambda X, a, b: np.outer(a, X @ b)),
    ],
)


# d tr(XᵀAXB) = tr(dXᵀ AXB) + tr(XᵀA dX B) = tr((AXB)ᵀ dX) + tr((AᵀXBᵀ)ᵀ dX).
def _matrix_quadratic_gradient(X, A, B):
    return A @ X @ B + A.T @ X @ B.T


register(
    "ex-layouts-matrix-quadratic", "A quadratic form in a matrix", difficulty=2, kind="gradient", wrt="X",
    function=lambda X, A, B: np.trace(X.T @ A @ X @ B),
    domain=lambda rng: {"X": rng.standard_normal((3, 4)), "A": rng.standard_normal((3, 3)),
                        "B": rng.standard_normal((4, 4))},
    solution=_matrix_quadratic_gradient,
    mistakes=[
        Mistake("2AXB, right only for symmetric A and B", "unknown", lambda X, A, B: 2 * A @ X @ B),
        Mistake("the transpose, BᵀXᵀAᵀ + BXᵀA", "transposed",
                lambda X, A, B: _matrix_quadratic_gradient(X, A, B).T),
    ],
)
