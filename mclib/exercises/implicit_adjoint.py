"""Exercises of chapter 10, *Implicit functions and adjoints*: one extra solve per gradient."""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register


def _invertible(rng, n):
    return rng.standard_normal((n, n)) + 3 * np.eye(n)


def _bilinear_gradient(A, b, c):
    return -np.outer(np.linalg.solve(A.T, c), np.linalg.solve(A, b))


register(
    "ex-implicit-bilinear", "A bilinear form of the inverse", difficulty=1, kind="gradient", wrt="A",
    function=lambda A, b, c: c @ np.linalg.solve(A, b),
    domain=lambda rng: {"A": _invertible(rng, 4), "b": rng.standard_normal(4), "c": rng.standard_normal(4)},
    solution=_bilinear_gradient,
    mistakes=[
        Mistake("A⁻¹ where the adjoint solve needs A⁻ᵀ, on both sides", "transposed",
                lambda A, b, c: -np.outer(np.linalg.solve(A, b), np.linalg.solve(A.T, c))),
        Mistake("the minus sign of d(A⁻¹) dropped", "sign-flipped",
                lambda A, b, c: -_bilinear_gradient(A, b, c)),
    ],
)


def _ridge_data(rng, n=12, p=4, n_va=8):
    return {"X": rng.standard_normal((n, p)), "y": rng.standard_normal(n),
            "X_va": rng.standard_normal((n_va, p)), "y_va": rng.standard_normal(n_va)}


def _validation_loss(lams, X, y, X_va, y_va):
    w = np.linalg.solve(X.T @ X + np.diag(lams), X.T @ y)
    return 0.5 * np.mean((X_va @ w - y_va) ** 2)


def _weights_and_adjoint(lams, X, y, X_va, y_va):
    H = X.T @ X + np.diag(lams)
    w = np.linalg.solve(H, X.T @ y)
    return w, np.linalg.solve(H, X_va.T @ (X_va @ w - y_va) / len(y_va))


def _per_feature_gradient(lams, X, y, X_va, y_va):
    w, a = _weights_and_adjoint(lams, X, y, X_va, y_va)
    return -a * w


register(
    "ex-implicit-per-feature", "One regularisation per feature", difficulty=2, kind="gradient", wrt="lams",
    function=_validation_loss,
    domain=lambda rng: {"lams": np.exp(rng.standard_normal(4)), **_ridge_data(rng)},
    solution=_per_feature_gradient,
    mistakes=[
        Mistake("the sign of dw = −H⁻¹(w ∘ dλ) dropped", "sign-flipped",
                lambda **kw: -_per_feature_gradient(**kw)),
        Mistake("the adjoint alone, without the product with w", "unknown",
                lambda **kw: -_weights_and_adjoint(**kw)[1]),
    ],
)


def _data_loss(X, y, X_va, y_va, lam):
    return _validation_loss(np.full(X.shape[1], lam), X, y, X_va, y_va)


def _data_gradient(X, y, X_va, y_va, lam, both_terms=True):
    w, a = _weights_and_adjoint(np.full(X.shape[1], lam), X, y, X_va, y_va)
    return np.outer(y - X @ w, a) - both_terms * np.outer(X @ a, w)


register(
    "ex-implicit-ridge-data", "Gradient with respect to the training data", difficulty=2, kind="gradient",
    wrt="X",
    function=_data_loss,
    domain=lambda rng: {**_ridge_data(rng), "lam": 0.5},
    solution=_data_gradient,
    mistakes=[
        Mistake("the term from XᵀX in H forgotten", "unknown",
                lambda **kw: _data_gradient(**kw, both_terms=False)),
        Mistake("the sign of the residual y − Xw reversed", "sign-flipped",
                lambda **kw: -_data_gradient(**kw)),
    ],
)


def _expm(A):
    import scipy.linalg  # the book's stack; only this exercise needs it

    return scipy.linalg.expm(A)


def _ode_gradient(x0, A, T, x_goal):
    g = _expm(T * A) @ x0 - x_goal
    return _expm(T * A.T) @ g


register(
    "ex-implicit-ode-initial", "Sensitivity to the initial state", difficulty=1, kind="gradient", wrt="x0",
    function=lambda x0, A, T, x_goal: 0.5 * np.sum((_expm(T * A) @ x0 - x_goal) ** 2),
    domain=lambda rng: {"x0": rng.standard_normal(4), "A": rng.standard_normal((4, 4)) / 2, "T": 1.5,
                        "x_goal": rng.standard_normal(4)},
    solution=_ode_gradient,
    mistakes=[
        Mistake("e^{TA} where the adjoint runs with e^{TAᵀ}", "unknown",
                lambda x0, A, T, x_goal: _expm(T * A) @ (_expm(T * A) @ x0 - x_goal)),
        Mistake("the residual g itself, without propagating it back to t = 0", "unknown",
                lambda x0, A, T, x_goal: _expm(T * A) @ x0 - x_goal),
    ],
)


def _equilibrium(x, W, U, b, steps=200):
    z = np.zeros(W.shape[0], dtype=np.result_type(W, U, b, x))
    for _ in range(steps):  # ‖W‖₂ = 0.6: a contraction, 0.6²⁰⁰ ≈ 1e-44
        z = np.tanh(W @ z + U @ x + b)
    return z


def _contraction(rng, n, norm=0.6):
    W = rng.standard_normal((n, n))
    return W * (norm / np.linalg.norm(W, 2))


def _deq_input_gradient(x, W, U, b, z_target, transpose=True, with_D=True):
    z = _equilibrium(x, W, U, b)
    D = np.diag(1 - z**2)
    M = np.eye(z.size) - D @ W
    u = np.linalg.solve(M.T if transpose else M, z - z_target)
    return U.T @ (D @ u if with_D else u)


register(
    "ex-implicit-deq-input", "The input gradient of the equilibrium layer", difficulty=2, kind="gradient",
    wrt="x",
    function=lambda x, W, U, b, z_target: 0.5 * np.sum((_equilibrium(x, W, U, b) - z_target) ** 2),
    domain=lambda rng: {"x": rng.standard_normal(3), "W": _contraction(rng, 6),
                        "U": rng.standard_normal((6, 3)), "b": 0.5 * rng.standard_normal(6),
                        "z_target": 0.5 * rng.standard_normal(6)},
    solution=_deq_input_gradient,
    mistakes=[
        Mistake("the adjoint solve with I − DW instead of its transpose", "unknown",
                lambda **kw: _deq_input_gradient(**kw, transpose=False)),
        Mistake("the factor D = diag(1 − z²) of tanh′ forgotten", "unknown",
                lambda **kw: _deq_input_gradient(**kw, with_D=False)),
    ],
)
