"""Exercises of chapter 2, *The chain rule*: losses, Jacobians and Hessians of compositions."""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax_rows(Z):
    # Shifting each row by its max is exact (softmax(z − c) = softmax(z)), also for complex steps.
    E = np.exp(Z - np.max(Z.real, axis=1, keepdims=True))
    return E / np.sum(E, axis=1, keepdims=True)


def _mean_cross_entropy(Z, Y):
    shift = np.max(Z.real, axis=1, keepdims=True)
    log_P = Z - shift - np.log(np.sum(np.exp(Z - shift), axis=1, keepdims=True))
    return -np.sum(Y * log_P) / Z.shape[0]


def _regression_data(rng, m=12, n=4):
    return {"w": rng.standard_normal(n), "X": rng.standard_normal((m, n)), "y": rng.standard_normal(m)}


register(
    "ex-chain-rule-mse", "Mean squared error of a linear model", difficulty=1, kind="gradient", wrt="w",
    function=lambda w, X, y: np.sum(0.5 * (X @ w - y) ** 2) / X.shape[0],
    domain=_regression_data,
    solution=lambda w, X, y: X.T @ (X @ w - y) / X.shape[0],
    mistakes=[
        Mistake("the ½ forgotten (PyTorch's mse_loss)", "scaled",
                lambda w, X, y: 2 * X.T @ (X @ w - y) / X.shape[0]),
        Mistake("the mean forgotten (the factor 1/m)", "scaled", lambda w, X, y: X.T @ (X @ w - y)),
        Mistake("the residual the wrong way round, y − Xw", "sign-flipped",
                lambda w, X, y: X.T @ (y - X @ w) / X.shape[0]),
    ],
)

# The Jacobian of Z = XW with respect to W, in numerator layout with column-major vec.
register(
    "ex-chain-rule-vjp", "The vector-Jacobian product of a matrix product", difficulty=2, kind="jacobian",
    wrt="W",
    function=lambda W, X: X @ W,
    domain=lambda rng: {"W": rng.standard_normal((3, 4)), "X": rng.standard_normal((5, 3))},
    solution=lambda W, X: np.kron(np.eye(W.shape[1]), X),
    mistakes=[
        Mistake("the Kronecker factors swapped, X ⊗ I (row-major vec)", "unknown",
                lambda W, X: np.kron(X, np.eye(W.shape[1]))),
    ],
)


def _logistic_hessian(w, X, y):
    p = _sigmoid(X @ w)
    return X.T @ ((p * (1 - p))[:, None] * X) / X.shape[0]


def _logistic_loss(w, X, y):
    z = X @ w
    # −log σ(z) = log(1 + e^{−z}) and −log(1 − σ(z)) = log(1 + e^{z}), without the subtraction 1 − σ
    return np.sum(y * np.log1p(np.exp(-z)) + (1 - y) * np.log1p(np.exp(z))) / X.shape[0]


register(
    "ex-chain-rule-logistic-hessian", "The Hessian of logistic regression",
    difficulty=2, kind="hessian", wrt="w",
    function=_logistic_loss,
    domain=lambda rng: {"w": 0.5 * rng.standard_normal(3), "X": rng.standard_normal((10, 3)),
                        "y": rng.integers(0, 2, size=10).astype(float)},
    solution=_logistic_hessian,
    mistakes=[
        Mistake("the mean forgotten (the factor 1/m)", "scaled",
                lambda w, X, y: X.shape[0] * _logistic_hessian(w, X, y)),
        Mistake("diag(p) instead of diag(p ∘ (1 − p))", "unknown",
                lambda w, X, y: X.T @ (_sigmoid(X @ w)[:, None] * X) / X.shape[0]),
    ],
)


def _normalize_jacobian(x):
    r = np.linalg.norm(x)
    u = x / r
    return (np.eye(x.size) - np.outer(u, u)) / r


register(
    "ex-chain-rule-normalize", "The Jacobian of normalisation", difficulty=2, kind="jacobian", wrt="x",
    function=lambda x: x / np.sqrt(np.sum(x * x)),
    domain=lambda rng: {"x": rng.standard_normal(4) + np.array([1.0, 0.0, 0.0, 0.0])},
    solution=_normalize_jacobian,
    mistakes=[
        Mistake("‖x‖ treated as a constant: I/‖x‖", "unknown", lambda x: np.eye(x.size) / np.linalg.norm(x)),
        Mistake("the sign of the second term: (I + uuᵀ)/‖x‖", "unknown",
                lambda x: 2 * np.eye(x.size) / np.linalg.norm(x) - _normalize_jacobian(x)),
    ],
)


def _softmax_regression_data(rng, m=8, n=3, k=4):
    labels = np.arange(m) % k  # every class present
    return {"W": rng.standard_normal((n, k)), "X": rng.standard_normal((m, n)),
            "Y": np.eye(k)[rng.permutation(labels)]}


def _softmax_regression_gradient(W, X, Y):
    return X.T @ (_softmax_rows(X @ W) - Y) / X.shape[0]


register(
    "ex-chain-rule-softmax-regression", "Softmax regression", difficulty=2, kind="gradient", wrt="W",
    function=lambda W, X, Y: _mean_cross_entropy(X @ W, Y),
    domain=_softmax_regression_data,
    solution=_softmax_regression_gradient,
    mistakes=[
        Mistake("the mean forgotten (the factor 1/m)", "scaled",
                lambda W, X, Y: X.shape[0] * _softmax_regression_gradient(W, X, Y)),
        Mistake("(P − Y)ᵀX/m, in numerator layout", "transposed",
                lambda W, X, Y: (_softmax_rows(X @ W) - Y).T @ X / X.shape[0]),
        Mistake("Y − P instead of P − Y", "sign-flipped",
                lambda W, X, Y: -_softmax_regression_gradient(W, X, Y)),
    ],
)


def _sigmoid_norm_hessian(x, W):
    a = _sigmoid(W @ x)
    d1 = a * (1 - a)  # σ'(z)
    d2 = d1 * (1 - 2 * a)  # σ''(z)
    return W.T @ ((2 * d1**2 + 2 * a * d2)[:, None] * W)


def _gauss_newton_part(x, W):
    a = _sigmoid(W @ x)
    return W.T @ ((2 * (a * (1 - a)) ** 2)[:, None] * W)


register(
    "ex-chain-rule-sigmoid-hessian", "The Hessian of ‖σ(Wx)‖²", difficulty=3, kind="hessian", wrt="x",
    function=lambda x, W: np.sum(_sigmoid(W @ x) ** 2),
    domain=lambda rng: {"x": rng.standard_normal(3), "W": rng.standard_normal((4, 3))},
    solution=_sigmoid_norm_hessian,
    mistakes=[
        Mistake("only the Gauss–Newton term 2Wᵀdiag(σ'²)W (the σ'' term forgotten)", "unknown",
                _gauss_newton_part),
        Mistake("the 2 of the square forgotten", "scaled", lambda x, W: _sigmoid_norm_hessian(x, W) / 2),
    ],
)
