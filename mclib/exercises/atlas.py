"""Exercises of the identity atlas (appendix): variations on registered identities."""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register


def _logdet_gram_gradient(X):
    return 2 * X @ np.linalg.inv(np.eye(X.shape[1]) + X.T @ X)


register(
    "ex-atlas-logdet-gram", "The log-determinant of a regularised Gram matrix", difficulty=1, kind="gradient",
    wrt="X",
    function=lambda X: np.linalg.slogdet(np.eye(X.shape[1]) + X.T @ X)[1],
    domain=lambda rng: {"X": rng.standard_normal((5, 3))},
    solution=_logdet_gram_gradient,
    mistakes=[
        Mistake("the factor 2 from dXᵀX + XᵀdX forgotten", "scaled", lambda X: _logdet_gram_gradient(X) / 2),
        Mistake("(I + XᵀX)⁻¹X, a product in the wrong order", "transposed",
                lambda X: 2 * np.linalg.inv(np.eye(X.shape[1]) + X.T @ X) @ X.T),
    ],
)


def _invertible(rng, n=3):
    return rng.standard_normal((n, n)) + 3 * np.eye(n)


def _inverse_times_a_jacobian(X, A):
    X_inv = np.linalg.inv(X)
    return -np.kron(A.T @ X_inv.T, X_inv)


register(
    "ex-atlas-inverse-times-a", "The Jacobian of X⁻¹A", difficulty=2, kind="jacobian", wrt="X",
    function=lambda X, A: np.linalg.solve(X, A),
    domain=lambda rng: {"X": _invertible(rng), "A": rng.standard_normal((3, 2))},
    solution=_inverse_times_a_jacobian,
    mistakes=[
        Mistake("the minus sign of d(X⁻¹) dropped", "sign-flipped",
                lambda X, A: -_inverse_times_a_jacobian(X, A)),
        Mistake("the Kronecker factors swapped", "unknown",
                lambda X, A: -np.kron(np.linalg.inv(X), A.T @ np.linalg.inv(X).T)),
    ],
)


def _spd(rng, n=4):
    G = rng.standard_normal((n, n))
    return G @ G.T + n * np.eye(n)


def _bilinear_unprojected(S, a, b):
    S_inv = np.linalg.inv(S)
    return -S_inv @ np.outer(b, a) @ S_inv


register(
    "ex-atlas-spd-bilinear-inverse", "A bilinear form of the inverse on symmetric matrices", difficulty=2,
    kind="gradient", wrt="S",
    function=lambda S, a, b: b @ np.linalg.solve((S + S.T) / 2, a),
    domain=lambda rng: {"S": _spd(rng), "a": rng.standard_normal(4), "b": rng.standard_normal(4)},
    solution=lambda S, a, b: (_bilinear_unprojected(S, a, b) + _bilinear_unprojected(S, a, b).T) / 2,
    mistakes=[
        Mistake("the unconstrained gradient −S⁻¹baᵀS⁻¹, not projected on symmetric matrices", "symmetrized",
                _bilinear_unprojected),
    ],
)
