"""The smooth nonlinearities the atlas differentiates, written so the complex step goes through.

Shifting by the maximum of the *real* part keeps exp from overflowing and leaves
softmax and log-sum-exp unchanged (both are invariant to adding a constant), for real and
for complex input alike; no abs, conj or real-valued norms are used.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sigmoid", "log_sum_exp", "softmax", "log_softmax"]


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), elementwise."""
    return 1.0 / (1.0 + np.exp(-x))


def log_sum_exp(x, axis=-1):
    """log Σ exp(x) along `axis` (keeps the axis for arrays with more than one)."""
    shift = np.max(np.real(x), axis=axis, keepdims=True)
    out = shift + np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True))
    return out[0] if np.ndim(x) == 1 else out


def softmax(x, axis=-1):
    """exp(x) / Σ exp(x) along `axis`."""
    e = np.exp(x - np.max(np.real(x), axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """x − log Σ exp(x) along `axis`."""
    return x - log_sum_exp(x, axis)
