"""Exercises of chapter 12, *The transformer*: softmax, attention and normalisation layers."""

from __future__ import annotations

import numpy as np

from mclib.exercises._registry import Mistake, register
from mclib.transformer import attention, softmax


def _temperature_gradient(z, w, tau, scale=1.0):
    p = softmax(z / tau)
    return p * (w - p @ w) / tau * scale


register(
    "ex-transformer-temperature", "Softmax with a temperature", difficulty=1, kind="gradient", wrt="z",
    function=lambda z, w, tau: w @ softmax(z / tau),
    domain=lambda rng: {"z": rng.standard_normal(6), "w": rng.standard_normal(6), "tau": 0.7},
    solution=_temperature_gradient,
    mistakes=[
        Mistake("the inner derivative 1/τ forgotten", "scaled",
                lambda z, w, tau: _temperature_gradient(z, w, tau, scale=tau)),
        Mistake("diag(p) w / τ: the −ppᵀ of the softmax Jacobian forgotten", "unknown",
                lambda z, w, tau: softmax(z / tau) * w / tau),
    ],
)


def _scaled_attention_loss(s, Q, K, V, W):
    return np.sum(W * (softmax(s * Q @ K.T) @ V))


def _scale_derivative(s, Q, K, V, W, through_softmax=True):
    P = softmax(s * Q @ K.T)
    P_bar = W @ V.T
    Z_bar = P * (P_bar - np.sum(P * P_bar, axis=1, keepdims=True)) if through_softmax else P_bar
    return np.sum(Z_bar * (Q @ K.T))


register(
    "ex-transformer-scale", "The derivative with respect to the scale", difficulty=2, kind="gradient",
    wrt="s",
    function=_scaled_attention_loss,
    domain=lambda rng: {"s": 0.8, **{k: rng.standard_normal((4, 3)) for k in ("Q", "K", "V", "W")}},
    solution=_scale_derivative,
    mistakes=[
        Mistake("⟨P̄, QKᵀ⟩: the softmax's Jacobian skipped", "unknown",
                lambda **kw: _scale_derivative(**kw, through_softmax=False)),
        Mistake("the sign of the softmax's −ppᵀ term reversed", "unknown",
                lambda s, Q, K, V, W: _scale_derivative(s, Q, K, V, W)
                + 2 * np.sum(softmax(s * Q @ K.T) * np.sum(softmax(s * Q @ K.T) * (W @ V.T), axis=1,
                                                           keepdims=True) * (Q @ K.T))),
    ],
)


def _rms(x, eps):
    return np.sqrt(x @ x / x.size + eps)


def _rmsnorm_gradient(x, w, eps):
    r = _rms(x, eps)
    return (w - (w @ x) / (x.size * r**2) * x) / r


register(
    "ex-transformer-rmsnorm-nogain", "RMSNorm without a gain", difficulty=1, kind="gradient", wrt="x",
    function=lambda x, w, eps: w @ (x / _rms(x, eps)),
    domain=lambda rng: {"x": rng.standard_normal(7), "w": rng.standard_normal(7), "eps": 1e-3},
    solution=_rmsnorm_gradient,
    mistakes=[
        Mistake("w / r: r treated as a constant", "unknown", lambda x, w, eps: w / _rms(x, eps)),
        Mistake("the 1/n inside r forgotten in its derivative", "unknown",
                lambda x, w, eps: (w - (w @ x) / _rms(x, eps) ** 2 * x) / _rms(x, eps)),
    ],
)


def _causal_key_gradient(K, Q, V, W, i, scale=True):
    d = Q.shape[1]
    logits = np.where(np.arange(K.shape[0]) <= i, Q[i] @ K.T / np.sqrt(d), -np.inf)
    p = softmax(logits)
    z_bar = p * (V @ W[i] - p @ V @ W[i])
    return np.outer(z_bar, Q[i]) / (np.sqrt(d) if scale else 1.0)


def _one_query_row(rng, L=6, d=3, i=2):
    W = np.zeros((L, d))
    W[i] = rng.standard_normal(d)
    K, Q, V = (rng.standard_normal((L, d)) for _ in range(3))
    return {"K": K, "Q": Q, "V": V, "W": W, "i": i}


register(
    "ex-transformer-causal", "Which keys does a causal query reach?", difficulty=2, kind="gradient", wrt="K",
    function=lambda K, Q, V, W, i: np.sum(W * attention(Q, K, V, causal=True)),
    domain=_one_query_row,
    solution=_causal_key_gradient,
    atol=1e-10,  # the rows after i are 0 in exact arithmetic
    mistakes=[
        Mistake("the 1/√d of the logits forgotten", "scaled",
                lambda **kw: _causal_key_gradient(**kw, scale=False)),
    ],
)


def _layernorm_gradient(x, w, with_x_hat=True):
    sigma = x.std()
    x_hat = (x - x.mean()) / sigma
    return (w - w.mean() - with_x_hat * (w @ x_hat) / x.size * x_hat) / sigma


register(
    "ex-transformer-layernorm-projection", "The LayerNorm Jacobian as a projection", difficulty=3,
    kind="gradient", wrt="x",
    function=lambda x, w: w @ ((x - x.mean()) / x.std()),
    domain=lambda rng: {"x": rng.standard_normal(6), "w": rng.standard_normal(6)},
    solution=_layernorm_gradient,
    mistakes=[
        Mistake("the projection onto x̂ left out (σ treated as a constant)", "unknown",
                lambda x, w: _layernorm_gradient(x, w, with_x_hat=False)),
        Mistake("w/σ: neither projection, as if x̂ = x/σ", "unknown", lambda x, w: w / x.std()),
    ],
)
