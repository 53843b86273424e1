"""2-D convolution and max-pooling as matrix products, with hand-derived backward passes.

Conventions (chapter 8 derives every formula):

* **NCHW.** A batch ``x`` has shape (N, C, H, W); filters ``w`` have shape (F, C, kh, kw);
  the output ``y`` has shape (N, F, Ho, Wo). ``stride`` and ``padding`` are an int or an
  (h, w) pair; padding adds zeros on both sides. Along each axis the output size is
  ``⌊(n + 2p − k)/s⌋ + 1`` [Dumoulin & Visin 2016, Relationship 6].
* **Cross-correlation**, as in ``torch.nn.functional.conv2d``: the kernel is *not* flipped,
  ``y[n, f, i, j] = b[f] + Σ_{c,a,b} w[f, c, a, b] · x_pad[n, c, s_h·i + a, s_w·j + b]``.
* **The im2col column layout** is that of ``torch.nn.functional.unfold``: ``im2col(x)`` has
  shape (N, C·kh·kw, Ho·Wo); row ``(c·kh + a)·kw + b`` holds kernel tap (c, a, b) (C order,
  the order of ``w.reshape(F, -1)``) and column ``i·Wo + j`` holds output position (i, j)
  (row-major). A convolution is then one matrix product per image,
  ``y[n] = w.reshape(F, -1) @ im2col(x)[n]``: the "unrolled convolution" of
  [Chellapilla, Puri & Simard 2006].
  ``col2im`` is the adjoint (transpose) of ``im2col``: it adds every entry of a column back
  onto the pixel it was copied from, as ``torch.nn.functional.fold`` does.
* **dtype.** float32 input stays float32 (as in torch); everything else becomes float64.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mclib._validation import as_real_array, shape_str

__all__ = ["output_size", "im2col", "col2im", "conv2d", "conv2d_backward",
           "maxpool2d", "maxpool2d_backward"]


# --- validation and geometry ----------------------------------------------------------------


def _int(value, name: str, caller: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{caller}: `{name}` must be an int ≥ {minimum}, got {value!r}")
    return int(value)


def _pair(value, name: str, caller: str, minimum: int) -> tuple[int, int]:
    """An int, or an (h, w) pair of ints, each ≥ `minimum`, returned as a pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{caller}: `{name}` must be an int or an (h, w) pair, got {value!r}")
        return _int(value[0], name, caller, minimum), _int(value[1], name, caller, minimum)
    v = _int(value, name, caller, minimum)
    return v, v


def _out_size(n: int, k: int, s: int, p: int, axis: str, caller: str) -> int:
    # ⌊(n + 2p − k)/s⌋ + 1 [Dumoulin & Visin 2016, Relationship 6].
    if n + 2 * p < k:
        raise ValueError(f"{caller}: output {axis} would be < 1: the kernel {axis} {k} exceeds the "
                         f"padded input {axis} {n} + 2·{p} = {n + 2 * p} (check the kernel size, "
                         f"`padding` and the input's shape)")
    return (n + 2 * p - k) // s + 1


def _geometry(x_shape, kernel_size, stride, padding, caller):
    """``(kh, kw), (sh, sw), (ph, pw), (Ho, Wo)`` for an input of shape (N, C, H, W)."""
    kh, kw = _pair(kernel_size, "kernel_size", caller, 1)
    sh, sw = _pair(stride, "stride", caller, 1)
    ph, pw = _pair(padding, "padding", caller, 0)
    out = (_out_size(x_shape[2], kh, sh, ph, "height", caller),
           _out_size(x_shape[3], kw, sw, pw, "width", caller))
    return (kh, kw), (sh, sw), (ph, pw), out


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Output length ``⌊(n + 2p − k)/s⌋ + 1`` of a convolution along one axis.

    Parameters
    ----------
    n : int
        Input length, ≥ 1.
    k : int
        Kernel length, ≥ 1.
    stride : int
        s ≥ 1.
    padding : int
        p ≥ 0 zeros added on each side.

    Returns
    -------
    int
        [Dumoulin & Visin 2016, Relationship 6]; ``ValueError`` if ``n + 2p < k``.
    """
    caller = "output_size"
    return _out_size(_int(n, "n", caller, 1), _int(k, "k", caller, 1), _int(stride, "stride", caller, 1),
                     _int(padding, "padding", caller, 0), "length", caller)


# --- im2col / col2im ------------------------------------------------------------------------


def _im2col(x, k, s, p, out):
    """im2col on a validated array: a strided *view* of the padded input, copied once."""
    (kh, kw), (sh, sw), (ph, pw), (Ho, Wo) = k, s, p, out
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    # windows[n, c, i, j, a, b] = xp[n, c, sh·i + a, sw·j + b]: no copy, no loop over positions.
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    N, C = x.shape[:2]
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, Ho * Wo)


def _col2im(cols, x_shape, k, s, p, out):
    """col2im on a validated array: one strided add per kernel tap (kh·kw adds)."""
    (kh, kw), (sh, sw), (ph, pw), (Ho, Wo) = k, s, p, out
    N, C, H, W = x_shape
    cols = cols.reshape(N, C, kh, kw, Ho, Wo)
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            # Tap (a, b) of window (i, j) was copied from pixel (sh·i + a, sw·j + b).
            xp[:, :, a:a + sh * (Ho - 1) + 1:sh, b:b + sw * (Wo - 1) + 1:sw] += cols[:, :, a, b]
    return xp[:, :, ph:ph + H, pw:pw + W]


def im2col(x, kernel_size, *, stride=1, padding=0) -> np.ndarray:
    """Unfold every (kh × kw) window of a batch of images into a column.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size, stride : int or (int, int)
        Window size and step, ≥ 1.
    padding : int or (int, int)
        Zeros added on each side, ≥ 0.

    Returns
    -------
    cols : ndarray, shape (N, C·kh·kw, Ho·Wo)
        ``cols[n, (c·kh + a)·kw + b, i·Wo + j] = x_pad[n, c, sh·i + a, sw·j + b]``, the layout of
        ``torch.nn.functional.unfold`` (see the module docstring).
    """
    x = as_real_array(x, "x", "im2col", ndim=4, keep_float32=True)
    cols = _im2col(x, *_geometry(x.shape, kernel_size, stride, padding, "im2col"))
    # A 1×1 kernel with stride 1 and no padding reshapes without copying: never alias `x`.
    return cols.copy() if np.shares_memory(cols, x) else cols


def col2im(cols, x_shape, kernel_size, *, stride=1, padding=0) -> np.ndarray:
    """Adjoint of :func:`im2col`: add every column entry back onto its source pixel.

    ``⟨im2col(x), cols⟩ = ⟨x, col2im(cols)⟩`` for all x and cols; overlapping windows sum,
    and the padding is cropped (same as ``torch.nn.functional.fold``).

    Parameters
    ----------
    cols : array_like, shape (N, C·kh·kw, Ho·Wo)
        In the layout of :func:`im2col`.
    x_shape : tuple of 4 ints
        (N, C, H, W), the shape of the image batch (without padding).
    kernel_size, stride, padding
        As for :func:`im2col`.

    Returns
    -------
    x : ndarray, shape `x_shape`
    """
    caller = "col2im"
    cols = as_real_array(cols, "cols", caller, ndim=3, keep_float32=True)
    if not (isinstance(x_shape, (tuple, list)) and len(x_shape) == 4):
        raise ValueError(f"{caller}: `x_shape` must be a tuple (N, C, H, W), got {x_shape!r}")
    x_shape = tuple(_int(d, "x_shape", caller, 1) for d in x_shape)
    geometry = _geometry(x_shape, kernel_size, stride, padding, caller)
    (kh, kw), _, _, (Ho, Wo) = geometry
    want = (x_shape[0], x_shape[1] * kh * kw, Ho * Wo)
    if cols.shape != want:
        raise ValueError(f"{caller}: `cols` has shape {shape_str(cols.shape)} but im2col of an input "
                         f"of shape {shape_str(x_shape)} has shape {shape_str(want)}")
    return _col2im(cols, x_shape, *geometry)


# --- convolution ----------------------------------------------------------------------------


def _conv_inputs(x, w, caller):
    x = as_real_array(x, "x", caller, ndim=4, keep_float32=True)
    w = as_real_array(w, "w", caller, ndim=4, keep_float32=True)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"{caller}: `x` has C={x.shape[1]} channels but `w` expects C={w.shape[1]} "
                         f"(x shape {shape_str(x.shape)}, w shape {shape_str(w.shape)})")
    return x, w


def conv2d(x, w, b=None, *, stride=1, padding=0) -> np.ndarray:
    """2-D cross-correlation of a batch with a filter bank, as ``torch.nn.functional.conv2d``.

    Computed as one matrix product per image, ``w.reshape(F, -1) @ im2col(x)``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (F, C, kh, kw)
    b : array_like, shape (F,), optional
    stride : int or (int, int)
        ≥ 1.
    padding : int or (int, int)
        Zeros on each side, ≥ 0.

    Returns
    -------
    y : ndarray, shape (N, F, Ho, Wo)
        ``y[n, f, i, j] = b[f] + Σ_{c,a,b} w[f, c, a, b] x_pad[n, c, sh·i + a, sw·j + b]``.
    """
    caller = "conv2d"
    x, w = _conv_inputs(x, w, caller)
    geometry = _geometry(x.shape, w.shape[2:], stride, padding, caller)
    Ho, Wo = geometry[3]
    y = np.matmul(w.reshape(w.shape[0], -1), _im2col(x, *geometry))  # (F, K) @ (N, K, L)
    y = y.reshape(x.shape[0], w.shape[0], Ho, Wo)
    if b is not None:
        b = as_real_array(b, "b", caller, ndim=1, keep_float32=True)
        if b.shape != (w.shape[0],):
            raise ValueError(f"{caller}: `b` has shape {shape_str(b.shape)} but `w` has F={w.shape[0]} "
                             f"filters (w shape {shape_str(w.shape)})")
        y += b.reshape(-1, 1, 1).astype(y.dtype, copy=False)
    return y


def conv2d_backward(dy, x, w, *, stride=1, padding=0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss through :func:`conv2d`, given ``dy = ∂L/∂y``.

    With ``X_n = im2col(x)[n]`` (K × L), ``W = w.reshape(F, K)`` and ``y_n = W X_n + b``:
    ``dw = Σ_n dy_n X_nᵀ`` (a sum over images *and* positions: weight sharing),
    ``dx = col2im(Wᵀ dy_n)`` (a transposed convolution) and ``db = Σ_{n,i,j} dy`` — the
    affine-layer gradients of chapter 2 with im2col in between [Chellapilla, Puri & Simard
    2006; Goodfellow, Bengio & Courville 2016, sec. 9.5; Dumoulin & Visin 2016, sec. 4.1].

    Parameters
    ----------
    dy : array_like, shape (N, F, Ho, Wo)
        Gradient of the loss with respect to the output of ``conv2d(x, w, b, ...)``.
    x : array_like, shape (N, C, H, W)
        The input of the forward pass.
    w : array_like, shape (F, C, kh, kw)
    stride, padding
        As for :func:`conv2d`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, kh, kw)
    db : ndarray, shape (F,)
    """
    caller = "conv2d_backward"
    x, w = _conv_inputs(x, w, caller)
    geometry = _geometry(x.shape, w.shape[2:], stride, padding, caller)
    (N, F), (Ho, Wo) = (x.shape[0], w.shape[0]), geometry[3]
    dy = as_real_array(dy, "dy", caller, ndim=4, keep_float32=True)
    if dy.shape != (N, F, Ho, Wo):
        raise ValueError(f"{caller}: `dy` has shape {shape_str(dy.shape)} but conv2d maps `x` of shape "
                         f"{shape_str(x.shape)} and `w` of shape {shape_str(w.shape)} to "
                         f"{shape_str((N, F, Ho, Wo))}")
    W = w.reshape(F, -1)
    dY = dy.reshape(N, F, Ho * Wo)
    cols = _im2col(x, *geometry)
    dw = np.matmul(dY, cols.transpose(0, 2, 1)).sum(axis=0)  # Σ_n dY_n X_nᵀ, (F, K)
    dx = _col2im(np.matmul(W.T, dY), x.shape, *geometry)  # col2im(Wᵀ dY_n)
    return dx, dw.reshape(w.shape), dy.sum(axis=(0, 2, 3))


# --- max-pooling (kernel = stride, no padding) ------------------------------------------------


def _pool_windows(x, kernel_size, caller):
    """Validated x and its windows, shape (N, C, Ho, Wo, kh·kw); trailing rows/columns dropped."""
    x = as_real_array(x, "x", caller, ndim=4, keep_float32=True)
    (kh, kw), _, _, (Ho, Wo) = _geometry(x.shape, kernel_size, kernel_size, 0, caller)
    N, C = x.shape[:2]
    blocks = x[:, :, :Ho * kh, :Wo * kw].reshape(N, C, Ho, kh, Wo, kw)
    return x, blocks.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, Ho, Wo, kh * kw), (kh, kw)


def maxpool2d(x, kernel_size) -> np.ndarray:
    """Max over non-overlapping (kh × kw) windows (stride = kernel), as ``F.max_pool2d(x, k)``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size : int or (int, int)
        Window size = stride. Rows and columns that do not fill a window are dropped
        (``Ho = ⌊H/kh⌋``, torch's default ``ceil_mode=False``).

    Returns
    -------
    y : ndarray, shape (N, C, ⌊H/kh⌋, ⌊W/kw⌋)
    """
    return _pool_windows(x, kernel_size, "maxpool2d")[1].max(axis=-1)


def maxpool2d_backward(dy, x, kernel_size) -> np.ndarray:
    """Gradient through :func:`maxpool2d`: each window's ``dy`` goes to its maximum.

    The max of a window is locally the selection of one entry, so its Jacobian row is a
    one-hot vector [Goodfellow, Bengio & Courville 2016, sec. 9.3]. **Ties:** the whole
    gradient goes to the *first* maximal entry in row-major order within the window, which
    is what ``torch.nn.functional.max_pool2d`` does on CPU (checked in the tests). Pixels
    that are not the max of their window, or lie in dropped rows/columns, get zero.

    Parameters
    ----------
    dy : array_like, shape (N, C, Ho, Wo)
    x : array_like, shape (N, C, H, W)
        The input of the forward pass.
    kernel_size : int or (int, int)

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    caller = "maxpool2d_backward"
    x, windows, (kh, kw) = _pool_windows(x, kernel_size, caller)
    N, C, Ho, Wo, _ = windows.shape
    dy = as_real_array(dy, "dy", caller, ndim=4, keep_float32=True)
    if dy.shape != (N, C, Ho, Wo):
        raise ValueError(f"{caller}: `dy` has shape {shape_str(dy.shape)} but maxpool2d maps `x` of "
                         f"shape {shape_str(x.shape)} to {shape_str((N, C, Ho, Wo))}")
    first_max = windows.argmax(axis=-1)[..., None]  # argmax returns the first maximum
    dwin = np.zeros(windows.shape, dtype=np.result_type(dy, x))
    np.put_along_axis(dwin, first_max, dy[..., None], axis=-1)
    dx = np.zeros(x.shape, dtype=dwin.dtype)
    dx[:, :, :Ho * kh, :Wo * kw] = dwin.reshape(N, C, Ho, Wo, kh, kw).transpose(0, 1, 2, 4, 3, 5).reshape(
        N, C, Ho * kh, Wo * kw)
    return dx
