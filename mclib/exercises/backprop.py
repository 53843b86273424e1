"""Exercises of chapter 7, *Backpropagation*: gradients of small networks as matrix formulas.

Rows of X are examples and Z = XW + b, as in :mod:`mclib.nn`, except where an exercise says
"columns". The ReLU domains keep every pre-activation at least 0.05 away from the kink, so
that the finite differences that judge an answer never step across it.
"""

from __future__ import annotations

import numpy as np

from mclib import nn
from mclib.exercises._registry import Mistake, register

_KINK_MARGIN = 0.05  # smallest |pre-activation| a ReLU domain draws


def _network(rng, m=4, n=5, h=6, k=3, *, relu=True) -> dict:
    """A one-hidden-layer network and a batch: X (m, n), W1 (n, h), b1, W2 (h, k), b2, one-hot Y."""
    while True:
        X = rng.standard_normal((m, n))
        W1 = rng.standard_normal((n, h)) / np.sqrt(n)
        b1 = 0.1 * rng.standard_normal(h)
        if not relu or np.min(np.abs(X @ W1 + b1)) > _KINK_MARGIN:
            break
    W2 = rng.standard_normal((h, k)) / np.sqrt(h)
    b2 = 0.1 * rng.standard_normal(k)
    Y = nn.one_hot(rng.permutation(np.arange(m) % k), k)
    return {"X": X, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "Y": Y}


def _relu_loss(X, W1, b1, W2, b2, Y):
    """Softmax cross-entropy (batch mean) of the network X → ReLU(XW1 + b1)W2 + b2."""
    return nn.softmax_cross_entropy(np.maximum(X @ W1 + b1, 0) @ W2 + b2, Y)[0]


def _relu_delta1(X, W1, b1, W2, b2, Y, *, mask=True, mean=True):
    """δ1 = ∂L/∂Z1 = ((P − Y)/m W2ᵀ) ∘ [Z1 > 0] (chapter 7, eq-backprop-delta)."""
    Z1 = X @ W1 + b1
    delta2 = nn.softmax(np.maximum(Z1, 0) @ W2 + b2) - Y
    if mean:
        delta2 = delta2 / len(X)
    return (delta2 @ W2.T) * (Z1 > 0) if mask else delta2 @ W2.T


register(
    "ex-backprop-input-gradient", "The gradient with respect to the input", difficulty=1,
    kind="gradient", wrt="X",
    function=_relu_loss,
    domain=lambda rng: _network(rng),
    solution=lambda X, W1, b1, W2, b2, Y: _relu_delta1(X, W1, b1, W2, b2, Y) @ W1.T,
    mistakes=[
        Mistake("W1 δ1ᵀ: the other layout", "transposed",
                lambda X, W1, b1, W2, b2, Y: W1 @ _relu_delta1(X, W1, b1, W2, b2, Y).T),
        Mistake("the batch mean's 1/m forgotten", "scaled",
                lambda X, W1, b1, W2, b2, Y: _relu_delta1(X, W1, b1, W2, b2, Y, mean=False) @ W1.T),
        Mistake("the ReLU's mask [Z1 > 0] forgotten", "unknown",
                lambda X, W1, b1, W2, b2, Y: _relu_delta1(X, W1, b1, W2, b2, Y, mask=False) @ W1.T),
    ],
)


def _leaky_domain(rng):
    point = _network(rng)
    return {"W1": point.pop("W1"), **point, "alpha": 0.1}


def _leaky(Z, alpha):
    return np.maximum(Z, alpha * Z)


def _leaky_grad(W1, X, b1, W2, b2, Y, alpha, slope=None):
    """Xᵀ δ1 with δ1 = (δ2 W2ᵀ) ∘ slope(A1); slope(A) = [A > 0] + α[A ≤ 0] by default."""
    A1 = _leaky(X @ W1 + b1, alpha)
    delta2 = (nn.softmax(A1 @ W2 + b2) - Y) / len(X)
    slope = np.where(A1 > 0, 1.0, alpha) if slope is None else slope(A1)
    return X.T @ ((delta2 @ W2.T) * slope)


register(
    "ex-backprop-leaky-relu", "Leaky ReLU", difficulty=2, kind="gradient", wrt="W1",
    function=lambda W1, X, b1, W2, b2, Y, alpha: nn.softmax_cross_entropy(
        _leaky(X @ W1 + b1, alpha) @ W2 + b2, Y)[0],
    domain=_leaky_domain,
    solution=_leaky_grad,
    mistakes=[
        Mistake("ReLU's slope [A > 0]: the α of the negative side forgotten", "unknown",
                lambda W1, X, b1, W2, b2, Y, alpha: _leaky_grad(
                    W1, X, b1, W2, b2, Y, alpha, slope=lambda A: (A > 0).astype(float))),
        Mistake("δ1ᵀ X instead of Xᵀ δ1", "transposed",
                lambda W1, X, b1, W2, b2, Y, alpha: _leaky_grad(W1, X, b1, W2, b2, Y, alpha).T),
    ],
)


def _weighted_ce(Z, Y):
    """−(1/m) Σ Y ∘ log softmax(Z) for any nonnegative Y (mc.nn's version refuses such Y)."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.sum(Y * log_p) / len(Z)


def _soft_targets_domain(rng):
    # Rows of Y: nonnegative, with sums between 0.3 and 2.5 (never all equal to 1).
    Y = rng.uniform(0.0, 1.0, (5, 4))
    Y *= rng.uniform(0.3, 2.5, (5, 1)) / Y.sum(axis=1, keepdims=True)
    return {"Z": rng.standard_normal((5, 4)), "Y": Y}


register(
    "ex-backprop-soft-targets", "Cross-entropy with targets that are not distributions",
    difficulty=2, kind="gradient", wrt="Z",
    function=_weighted_ce,
    domain=_soft_targets_domain,
    solution=lambda Z, Y: (Y.sum(axis=1, keepdims=True) * nn.softmax(Z) - Y) / len(Z),
    mistakes=[
        Mistake("(softmax(Z) − Y)/m, which needs rows of Y summing to one", "unknown",
                lambda Z, Y: (nn.softmax(Z) - Y) / len(Z)),
        Mistake("target minus prediction", "sign-flipped",
                lambda Z, Y: (Y - Y.sum(axis=1, keepdims=True) * nn.softmax(Z)) / len(Z)),
    ],
)


def _columns_domain(rng, d=4, h=5, p=3, N=6):
    return {"W1": rng.standard_normal((h, d)) / np.sqrt(d), "b1": 0.1 * rng.standard_normal(h),
            "W2": rng.standard_normal((p, h)) / np.sqrt(h), "b2": 0.1 * rng.standard_normal(p),
            "X": rng.standard_normal((d, N)), "T": rng.standard_normal((p, N))}


def _columns_loss(W1, b1, W2, b2, X, T):
    """(1/2N)‖W2 tanh(W1X + b1 1ᵀ) + b2 1ᵀ − T‖², one example per column."""
    R = W2 @ np.tanh(W1 @ X + b1[:, None]) + b2[:, None] - T
    return 0.5 * np.sum(R**2) / X.shape[1]


def _columns_delta1(W1, b1, W2, b2, X, T, *, slope="output"):
    """δ1 = (W2ᵀ R/N) ∘ (1 − H²), H = tanh(Z1); slope "pre-activation" uses 1 − Z1² by mistake."""
    Z1 = W1 @ X + b1[:, None]
    H = np.tanh(Z1)
    R = (W2 @ H + b2[:, None] - T) / X.shape[1]
    return (W2.T @ R) * (1 - (H if slope == "output" else Z1) ** 2)


register(
    "ex-backprop-columns-first-layer", "The first layer of a two-layer network, in columns",
    difficulty=2, kind="gradient", wrt="W1",
    function=_columns_loss,
    domain=_columns_domain,
    solution=lambda W1, b1, W2, b2, X, T: _columns_delta1(W1, b1, W2, b2, X, T) @ X.T,
    mistakes=[
        Mistake("X δ1ᵀ, the row convention's Xᵀδ typed into column code", "transposed",
                lambda W1, b1, W2, b2, X, T: X @ _columns_delta1(W1, b1, W2, b2, X, T).T),
        Mistake("tanh′ taken as 1 − Z1² instead of 1 − tanh²(Z1)", "unknown",
                lambda W1, b1, W2, b2, X, T: _columns_delta1(W1, b1, W2, b2, X, T,
                                                             slope="pre-activation") @ X.T),
        Mistake("the mean's 1/N forgotten", "scaled",
                lambda W1, b1, W2, b2, X, T: X.shape[1] * _columns_delta1(W1, b1, W2, b2, X, T) @ X.T),
    ],
)


def _tied_loss(W, X):
    """(1/2N)‖σ(XW)Wᵀ − X‖²: an autoencoder whose decoder is the encoder transposed."""
    return 0.5 * np.sum((nn.sigmoid(X @ W) @ W.T - X) ** 2) / len(X)


def _tied_terms(W, X):
    """The encoder and decoder parts of the gradient: Xᵀ[(RW) ∘ σ′(XW)] and RᵀH."""
    H = nn.sigmoid(X @ W)
    R = (H @ W.T - X) / len(X)
    return X.T @ ((R @ W) * H * (1 - H)), R.T @ H


register(
    "ex-backprop-tied-weights", "Tied weights", difficulty=3, kind="gradient", wrt="W",
    function=_tied_loss,
    domain=lambda rng: {"W": rng.standard_normal((5, 3)) / np.sqrt(5),
                        "X": rng.standard_normal((6, 5))},
    solution=lambda W, X: sum(_tied_terms(W, X)),
    mistakes=[
        Mistake("the decoder's term RᵀH alone (W treated as a separate decoder matrix)", "unknown",
                lambda W, X: _tied_terms(W, X)[1]),
        Mistake("the encoder's term alone", "unknown", lambda W, X: _tied_terms(W, X)[0]),
        Mistake("the mean's 1/N forgotten", "scaled", lambda W, X: len(X) * sum(_tied_terms(W, X))),
    ],
)
