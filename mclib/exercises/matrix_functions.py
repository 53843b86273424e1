"""Exercises of chapter 11, *Matrix functions*: Daleckii–Krein, Fréchet derivatives and their adjoints.

Functions of a symmetric argument are written as functions of any square X through sym(X) =
(X + Xᵀ)/2, so that each entry is an independent variable and the gradient is symmetric.
"""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register
from mclib.matfunc import expm_frechet, matrix_function_derivative, symmetric_matrix_function


def _sym(X):
    return (X + X.T) / 2


def _with_spectrum(rng, lam):
    Q, _ = np.linalg.qr(rng.standard_normal((len(lam), len(lam))))
    return _sym(Q @ np.diag(lam) @ Q.T)


def _spd(rng, n=4):
    return _with_spectrum(rng, np.exp(rng.uniform(-1, 1, n)))


def _power(A, p):
    return symmetric_matrix_function(A, lambda x: x**p)


register(
    "ex-matfunc-trace-sqrt", "The gradient of tr √A", difficulty=1, kind="gradient", wrt="A",
    function=lambda A: np.sum(np.sqrt(np.linalg.eigvalsh(_sym(A)))),
    domain=lambda rng: {"A": _spd(rng)},
    solution=lambda A: 0.5 * _power(A, -0.5),
    mistakes=[
        Mistake("the ½ of (√x)′ forgotten", "scaled", lambda A: _power(A, -0.5)),
        Mistake("½√A, as if √ were its own derivative", "unknown", lambda A: 0.5 * _power(A, 0.5)),
    ],
)


def _cholesky_logdet(A):
    return 2 * np.sum(np.log(np.diag(np.linalg.cholesky(_sym(A)))))


register(
    "ex-matfunc-logdet-cholesky", "log det through the Cholesky factor", difficulty=1, kind="gradient",
    wrt="A",
    function=_cholesky_logdet,
    domain=lambda rng: {"A": _spd(rng)},
    solution=lambda A: np.linalg.inv(A),
    mistakes=[
        Mistake("the factor 2 of log det A = 2 Σ log Lᵢᵢ forgotten", "scaled",
                lambda A: 0.5 * np.linalg.inv(A)),
        Mistake("L̄ = 2 diag(1/Lᵢᵢ) returned as if it were Ā", "unknown",
                lambda A: np.diag(2 / np.diag(np.linalg.cholesky(A)))),
    ],
)


def _cube_jacobian(A):
    identity = np.eye(A.shape[0])
    return np.kron(identity, A @ A) + np.kron(A.T, A) + np.kron(A.T @ A.T, identity)


register(
    "ex-matfunc-cube", "The Jacobian of A ↦ A³", difficulty=2, kind="jacobian", wrt="A",
    function=lambda A: A @ A @ A,
    domain=lambda rng: {"A": rng.standard_normal((3, 3))},
    solution=_cube_jacobian,
    mistakes=[
        Mistake("the scalar rule 3A², i.e. I ⊗ 3A²", "unknown", lambda A: np.kron(np.eye(3), 3 * A @ A)),
        Mistake("the Jacobian in denominator layout", "transposed", lambda A: _cube_jacobian(A).T),
    ],
)


def _sqrt_loss_gradient(A, B):
    R = _power(A, 0.5)
    return matrix_function_derivative(A, 2 * (R - B), np.sqrt, lambda x: 0.5 / np.sqrt(x))


def _symmetric(rng, n=4):
    return _sym(rng.standard_normal((n, n)))


register(
    "ex-matfunc-sqrt-loss", "Matching a square root", difficulty=2, kind="gradient", wrt="A",
    function=lambda A, B: np.sum((_power(_sym(A), 0.5) - B) ** 2),
    domain=lambda rng: {"A": _spd(rng), "B": _symmetric(rng)},
    solution=_sqrt_loss_gradient,
    mistakes=[
        Mistake("the outer derivative 2(√A − B) without the Fréchet derivative of √", "unknown",
                lambda A, B: 2 * (_power(A, 0.5) - B)),
        Mistake("the factor 2 of the square forgotten", "scaled",
                lambda A, B: 0.5 * _sqrt_loss_gradient(A, B)),
    ],
)


def _expm(A):
    import scipy.linalg  # the book's stack; only this chapter's exercises need it

    return scipy.linalg.expm(A)


def _expm_loss_gradient(A, x0, y, adjoint=True):
    r = _expm(A) @ x0 - y
    return expm_frechet(A.T if adjoint else A, np.outer(r, x0))


register(
    "ex-matfunc-expm-backprop", "Backpropagating through the exponential of a non-symmetric matrix",
    difficulty=3, kind="gradient", wrt="A",
    function=lambda A, x0, y: 0.5 * np.sum((_expm(A) @ x0 - y) ** 2),
    domain=lambda rng: {"A": rng.standard_normal((4, 4)) / 2, "x0": rng.standard_normal(4),
                        "y": rng.standard_normal(4)},
    solution=_expm_loss_gradient,
    mistakes=[
        Mistake("L_exp(A, r x₀ᵀ): the Fréchet derivative itself instead of its adjoint", "unknown",
                lambda A, x0, y: _expm_loss_gradient(A, x0, y, adjoint=False)),
        Mistake("the residual outer product r x₀ᵀ, with e^A's derivative left out", "unknown",
                lambda A, x0, y: np.outer(_expm(A) @ x0 - y, x0)),
    ],
)
