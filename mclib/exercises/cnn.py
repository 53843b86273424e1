"""Exercises of chapter 8, *Convolutional networks*: backward passes of convolution and pooling.

Shapes are NCHW as in :mod:`mclib.conv`. A loss ``L = Σ G ∘ y`` of a layer's output y has the
upstream gradient ∂L/∂y = G, so an answer is the backward pass for that G.
"""

from __future__ import annotations

import numpy as np

from mclib import conv
from mclib.exercises._registry import Mistake, register


def _avgpool(x, k):
    """k × k average pooling with stride k (height and width multiples of k)."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // k, k, w // k, k).mean(axis=(3, 5))


def _avgpool_domain(rng):
    return {"x": rng.standard_normal((2, 2, 4, 6)), "G": rng.standard_normal((2, 2, 2, 3)), "k": 2}


def _to_first_entry(G, k):
    """G sent to the top-left pixel of each window (max-pooling's routing at an all-tie window)."""
    out = np.zeros(G.shape[:2] + (G.shape[2] * k, G.shape[3] * k))
    out[:, :, ::k, ::k] = G
    return out


register(
    "ex-cnn-avgpool", "Average pooling", difficulty=1, kind="gradient", wrt="x",
    function=lambda x, G, k: np.sum(G * _avgpool(x, k)),
    domain=_avgpool_domain,
    solution=lambda x, G, k: np.kron(G, np.ones((1, 1, k, k))) / k**2,
    mistakes=[
        Mistake("the 1/k² of the mean forgotten", "scaled",
                lambda x, G, k: np.kron(G, np.ones((1, 1, k, k)))),
        Mistake("all of G sent to one pixel per window, as max-pooling does", "unknown",
                lambda x, G, k: _to_first_entry(G, k)),
    ],
)


def _correlation_domain(rng):
    x = rng.standard_normal((3, 2, 6, 5))
    w = rng.standard_normal((4, 2, 3, 2))
    return {"w": w, "x": x, "G": rng.standard_normal(conv.conv2d(x, w, padding=1).shape)}


def _filter_gradient(x, G, padding):
    """∂L/∂w as conv2d with the batch axis as channels and G as the kernel (stride 1)."""
    return conv.conv2d(x.swapaxes(0, 1), G.swapaxes(0, 1), padding=padding).swapaxes(0, 1)


register(
    "ex-cnn-dw-correlation", "The filter gradient is itself a cross-correlation", difficulty=2,
    kind="gradient", wrt="w",
    function=lambda w, x, G: np.sum(G * conv.conv2d(x, w, padding=1)),
    domain=_correlation_domain,
    solution=lambda w, x, G: _filter_gradient(x, G, 1),
    mistakes=[
        Mistake("G flipped, a true convolution instead of a cross-correlation", "unknown",
                lambda w, x, G: _filter_gradient(x, G[:, :, ::-1, ::-1], 1)),
    ],
)


def _one_by_one_domain(rng):
    return {"w": rng.standard_normal((5, 3, 1, 1)), "x": rng.standard_normal((2, 3, 4, 3)),
            "G": rng.standard_normal((2, 5, 4, 3))}


def _pixels(a):
    """One row per (image, pixel): shape (N H W, channels)."""
    return a.transpose(0, 2, 3, 1).reshape(-1, a.shape[1])


register(
    "ex-cnn-1x1", "A 1×1 convolution is a dense layer at every pixel", difficulty=1, kind="gradient",
    wrt="w",
    function=lambda w, x, G: np.sum(G * conv.conv2d(x, w)),
    domain=_one_by_one_domain,
    solution=lambda w, x, G: (_pixels(x).T @ _pixels(G)).T.reshape(w.shape),
    mistakes=[
        Mistake("Xᵀ dZ (shape C × F) reshaped to (F, C, 1, 1) without the transpose V = Wᵀ", "unknown",
                lambda w, x, G: (_pixels(x).T @ _pixels(G)).reshape(w.shape)),
        Mistake("the mean over pixels instead of the sum", "scaled",
                lambda w, x, G: (_pixels(x).T @ _pixels(G)).T.reshape(w.shape) / len(_pixels(x))),
    ],
)


def _stride2_domain(rng):
    # 7 rows: (7 − 3) mod 2 = 0; 8 columns: (8 − 3) mod 2 = 1, so the last column is in no window.
    x = rng.standard_normal((1, 2, 7, 8))
    w = rng.standard_normal((2, 2, 3, 3))  # C = F, so that swapping the channel axes keeps the shape
    return {"x": x, "w": w, "G": rng.standard_normal(conv.conv2d(x, w, stride=2).shape)}


def _dilated_transpose(x, w, G, *, flip=True, swap=True, stride=2):
    """G with stride − 1 zeros between entries, correlated with the flipped, channel-swapped
    kernel at padding k − 1; the (H − k) mod s rows (columns) in no window get zero."""
    n, f, ho, wo = G.shape
    kh, kw = w.shape[2:]
    dilated = np.zeros((n, f, stride * (ho - 1) + 1, stride * (wo - 1) + 1))
    dilated[:, :, ::stride, ::stride] = G
    kernel = w[:, :, ::-1, ::-1] if flip else w
    kernel = kernel.transpose(1, 0, 2, 3) if swap else kernel
    core = conv.conv2d(dilated, kernel, padding=(kh - 1, kw - 1))
    dx = np.zeros(x.shape)
    dx[:, :, :core.shape[2], :core.shape[3]] = core
    return dx


register(
    "ex-cnn-input-stride2", "The input gradient of a stride-2 convolution", difficulty=2,
    kind="gradient", wrt="x",
    function=lambda x, w, G: np.sum(G * conv.conv2d(x, w, stride=2)),
    domain=_stride2_domain,
    solution=_dilated_transpose,
    mistakes=[
        Mistake("the kernel not flipped", "unknown",
                lambda x, w, G: _dilated_transpose(x, w, G, flip=False)),
        Mistake("the input and output channels of the kernel not swapped", "unknown",
                lambda x, w, G: _dilated_transpose(x, w, G, swap=False)),
    ],
)


def _conv1d(w, x, s):
    """y_i = Σ_a w_a x_{s i + a} (cross-correlation with stride s), through mc.conv.conv2d."""
    return conv.conv2d(x.reshape(1, 1, 1, -1), w.reshape(1, 1, 1, -1), stride=(1, s)).ravel()


def _windows(x, k, s):
    """The windows of x as rows: entry (i, a) is x[s i + a], shape (n_o, k) (im2col transposed)."""
    return conv.im2col(x.reshape(1, 1, 1, -1), (1, k), stride=(1, s))[0].T


register(
    "ex-cnn-kernel-jacobian", "The Jacobian of a 1-D convolution with respect to its kernel",
    difficulty=1, kind="jacobian", wrt="w",
    function=_conv1d,
    domain=lambda rng: {"w": rng.standard_normal(3), "x": rng.standard_normal(9), "s": 2},
    solution=lambda w, x, s: _windows(x, w.size, s),
    mistakes=[
        Mistake("each window reversed, the Jacobian of a true convolution", "unknown",
                lambda w, x, s: _windows(x, w.size, s)[:, ::-1]),
    ],
)
