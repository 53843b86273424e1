"""Tests for mclib.conv. Oracles: torch.nn.functional (conv2d and its autograd backward,
unfold, fold, max_pool2d) in float64, scipy.signal.correlate2d / convolve2d, finite
differences (mc.check_gradient) and a direct loop over output positions written here.
Configurations are drawn by hypothesis as well as listed, so the tests cover cases the
chapter never shows; the must-fail tests prove that a flipped kernel (a true convolution)
or a wrong gradient is rejected."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import signal

import mclib as mc

conv = mc.conv
TOL = dict(rtol=1e-12, atol=1e-12)


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _torch_conv(x, w, b, dy, stride, padding):
    """Forward output and autograd gradients (dx, dw, db) of torch's conv2d in float64."""
    tx, tw = _t(x, True), _t(w, True)
    tb = None if b is None else _t(b, True)
    y = F.conv2d(tx, tw, tb, stride=stride, padding=padding)
    y.backward(_t(dy))
    db = None if b is None else tb.grad.numpy()
    return y.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), db


def _as_pair(v):
    return v if isinstance(v, tuple) else (v, v)


def _check_against_torch(rng, N, C, Fo, H, W, k, stride, padding, bias):
    kh, kw = _as_pair(k)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((Fo, C, kh, kw))
    b = rng.standard_normal(Fo) if bias else None
    y = conv.conv2d(x, w, b, stride=stride, padding=padding)
    dy = rng.standard_normal(y.shape)
    y_t, dx_t, dw_t, db_t = _torch_conv(x, w, b, dy, stride, padding)
    assert y.shape == y_t.shape
    assert_allclose(y, y_t, **TOL)
    dx, dw, db = conv.conv2d_backward(dy, x, w, stride=stride, padding=padding)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (Fo,)
    assert_allclose(dx, dx_t, **TOL)
    assert_allclose(dw, dw_t, **TOL)
    assert_allclose(db, dy.sum(axis=(0, 2, 3)) if db_t is None else db_t, **TOL)


# --- conv2d and conv2d_backward against torch -------------------------------------------------

# (N, C, F, H, W, kernel, stride, padding, bias)
CASES = {
    "stride1_padding0_3x3": (2, 3, 4, 7, 7, 3, 1, 0, True),
    "stride1_padding1_3x3_same": (3, 2, 5, 8, 8, 3, 1, 1, True),
    "stride2_padding1": (2, 3, 4, 9, 9, 3, 2, 1, True),
    "stride2_odd_size_uncovered_border": (1, 2, 3, 8, 10, 3, 2, 0, False),
    "stride_pair_padding_pair": (2, 2, 3, 7, 11, 3, (2, 3), (1, 2), True),
    "rectangular_kernel_2x5": (2, 3, 2, 6, 9, (2, 5), 1, (0, 2), False),
    "rectangular_kernel_4x1_stride_pair": (1, 4, 3, 10, 5, (4, 1), (3, 1), 1, True),
    "kernel_equals_padded_input": (2, 1, 2, 3, 4, (5, 4), 1, (1, 0), True),
    "kernel_1x1": (3, 5, 2, 4, 6, 1, 1, 0, True),
    "stride_larger_than_kernel": (2, 2, 2, 11, 13, 2, 3, 0, False),
    "single_channel_single_filter": (1, 1, 1, 5, 5, 3, 1, 2, False),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_conv2d_and_backward_match_torch(rng, case):
    _check_against_torch(rng, *case)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_conv2d_and_backward_match_torch_random_configurations(data):
    draw = data.draw
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H = draw(st.integers(max(1, kh - 2 * ph), 9))
    W = draw(st.integers(max(1, kw - 2 * pw), 9))
    stride = sh if sh == sw and draw(st.booleans()) else (sh, sw)
    padding = ph if ph == pw and draw(st.booleans()) else (ph, pw)
    N, C, Fo = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    _check_against_torch(rng, N, C, Fo, H, W, (kh, kw), stride, padding, draw(st.booleans()))


def test_conv2d_is_cross_correlation_not_convolution(rng):
    """One channel, one filter: scipy's correlate2d is the oracle, convolve2d is not."""
    x, w = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    y = conv.conv2d(x[None, None], w[None, None])[0, 0]
    assert_allclose(y, signal.correlate2d(x, w, mode="valid"), **TOL)
    assert not np.allclose(y, signal.convolve2d(x, w, mode="valid"))


def test_conv2d_matches_direct_loop_over_positions(rng):
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    (sh, sw), (ph, pw) = (2, 1), (1, 0)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho, Wo = (7 + 2 - 3) // 2 + 1, (6 - 2) // 1 + 1
    expected = np.empty((2, 4, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, :, sh * i:sh * i + 3, sw * j:sw * j + 2]
            expected[:, :, i, j] = np.einsum("ncab,fcab->nf", patch, w) + b
    assert_allclose(conv.conv2d(x, w, b, stride=(sh, sw), padding=(ph, pw)), expected, **TOL)


def test_conv2d_backward_matches_finite_differences(rng):
    x, w = rng.standard_normal((2, 2, 5, 6)), rng.standard_normal((3, 2, 2, 3))
    b = rng.standard_normal(3)
    C = rng.standard_normal(conv.conv2d(x, w, stride=(2, 1), padding=1).shape)

    def loss(x_, w_, b_):
        return np.sum(C * np.tanh(conv.conv2d(x_, w_, b_, stride=(2, 1), padding=1)))

    dy = C * (1 - np.tanh(conv.conv2d(x, w, b, stride=(2, 1), padding=1)) ** 2)
    dx, dw, db = conv.conv2d_backward(dy, x, w, stride=(2, 1), padding=1)
    assert mc.check_gradient(lambda x_: loss(x_, w, b), dx, x, method="central").ok
    assert mc.check_gradient(lambda w_: loss(x, w_, b), dw, w, method="central").ok
    assert mc.check_gradient(lambda b_: loss(x, w, b_), db, b, method="central").ok


def test_conv2d_float32_stays_float32_and_matches_torch(rng):
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    y = conv.conv2d(x, w, b, padding=1)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx, dw, db = conv.conv2d_backward(dy, x, w, padding=1)
    assert {a.dtype for a in (y, dx, dw, db)} == {np.dtype(np.float32)}
    y_t, dx_t, dw_t, db_t = _torch_conv(x, w, b, dy, 1, 1)
    for ours, theirs in zip((y, dx, dw, db), (y_t, dx_t, dw_t, db_t)):
        assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


# --- must-fail: a flipped kernel and wrong gradients are rejected ----------------------------


def _small_problem(rng):
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 2, 3, 3))
    C = rng.standard_normal((1, 2, 3, 3))
    return x, w, C, lambda w_: np.sum(C * conv.conv2d(x, w_))  # ∂L/∂y = C


def test_must_fail_flipped_kernel_dw_is_rejected(rng):
    """dw of a true convolution (kernel flipped in both axes) is not the cross-correlation dw."""
    x, w, C, loss = _small_problem(rng)
    _, dw, _ = conv.conv2d_backward(C, x, w)
    assert mc.check_gradient(loss, dw, w).ok
    wrong = mc.check_gradient(loss, dw[:, :, ::-1, ::-1], w)
    assert not wrong.ok
    assert "mismatch" in wrong.message


def test_must_fail_flipped_kernel_forward_differs_from_torch(rng):
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 2, 3, 3))
    true_convolution = conv.conv2d(x, w[:, :, ::-1, ::-1])
    assert not np.allclose(true_convolution, F.conv2d(_t(x), _t(w)).numpy())


def test_must_fail_dw_averaged_over_positions_is_diagnosed_scaled(rng):
    """Weight sharing *sums* over the 9 positions; averaging is caught as a scale factor."""
    x, w, C, loss = _small_problem(rng)
    _, dw, _ = conv.conv2d_backward(C, x, w)
    wrong = mc.check_gradient(loss, dw / 9, w)
    assert not wrong.ok and wrong.diagnosis == "scaled"


def test_must_fail_dx_without_summing_overlaps_is_rejected(rng):
    x, w = rng.standard_normal((1, 1, 5, 5)), rng.standard_normal((1, 1, 3, 3))
    C = rng.standard_normal((1, 1, 3, 3))
    dx, _, _ = conv.conv2d_backward(C, x, w)
    cols = np.einsum("fk,nfl->nkl", w.reshape(1, -1), C.reshape(1, 1, -1)).reshape(1, 1, 3, 3, 3, 3)
    overwritten = np.zeros((1, 1, 5, 5))
    for a in range(3):
        for b in range(3):
            overwritten[:, :, a:a + 3, b:b + 3] = cols[:, :, a, b]  # = instead of +=
    loss = lambda x_: np.sum(C * conv.conv2d(x_, w))  # noqa: E731
    assert mc.check_gradient(loss, dx, x).ok
    assert not mc.check_gradient(loss, overwritten, x).ok


# --- im2col / col2im ------------------------------------------------------------------------

GEOMETRIES = {
    "3x3_stride1_padding0": (3, 1, 0),
    "3x3_stride2_padding1": (3, 2, 1),
    "2x4_stride_pair_padding_pair": ((2, 4), (1, 3), (2, 1)),
    "1x1": (1, 1, 0),
}


@pytest.mark.parametrize("geometry", GEOMETRIES.values(), ids=GEOMETRIES.keys())
def test_im2col_matches_torch_unfold(rng, geometry):
    k, s, p = geometry
    x = rng.standard_normal((2, 3, 7, 9))
    expected = F.unfold(_t(x), k, stride=s, padding=p).numpy()
    assert_array_equal(conv.im2col(x, k, stride=s, padding=p), expected)


@pytest.mark.parametrize("geometry", GEOMETRIES.values(), ids=GEOMETRIES.keys())
def test_col2im_matches_torch_fold(rng, geometry):
    k, s, p = geometry
    x_shape = (2, 3, 7, 9)
    cols = rng.standard_normal(conv.im2col(np.zeros(x_shape), k, stride=s, padding=p).shape)
    expected = F.fold(_t(cols), (7, 9), k, stride=s, padding=p).numpy()
    assert_allclose(conv.col2im(cols, x_shape, k, stride=s, padding=p), expected, **TOL)


def test_im2col_1x1_returns_a_copy_not_a_view_of_x(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    cols = conv.im2col(x, 1)
    assert_array_equal(cols, x.reshape(2, 3, 20))
    assert not np.shares_memory(cols, x)


def test_col2im_of_ones_counts_window_memberships():
    """col2im(im2col-shaped ones) = how many windows cover each pixel (3×3, stride 1)."""
    counts = conv.col2im(np.ones((1, 9, 9)), (1, 1, 5, 5), 3)[0, 0]
    rows = np.array([1, 2, 3, 2, 1])
    assert_array_equal(counts, np.outer(rows, rows))


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_col2im_is_the_adjoint_of_im2col(data):
    """⟨im2col(x), C⟩ = ⟨x, col2im(C)⟩ for random geometry, x and C."""
    draw = data.draw
    kh, kw, sh, sw = (draw(st.integers(1, 4)) for _ in range(4))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)),
             draw(st.integers(max(1, kh - 2 * ph), 8)), draw(st.integers(max(1, kw - 2 * pw), 8)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    geometry = dict(stride=(sh, sw), padding=(ph, pw))
    x = rng.standard_normal(shape)
    cols = conv.im2col(x, (kh, kw), **geometry)
    C = rng.standard_normal(cols.shape)
    im = conv.col2im(C, shape, (kh, kw), **geometry)
    assert im.shape == shape
    assert np.isclose(np.vdot(cols, C), np.vdot(x, im), rtol=1e-12, atol=1e-12)


# --- output size ----------------------------------------------------------------------------


@pytest.mark.parametrize("n, k, s, p, expected", [
    (5, 3, 1, 0, 3), (5, 3, 1, 1, 5), (7, 3, 2, 1, 4), (8, 3, 2, 0, 3), (6, 6, 1, 0, 1), (4, 5, 3, 1, 1),
])
def test_output_size_examples(n, k, s, p, expected):
    assert conv.output_size(n, k, s, p) == expected
    x, w = torch.zeros(1, 1, n, n, dtype=torch.float64), torch.zeros(1, 1, k, k, dtype=torch.float64)
    assert F.conv2d(x, w, stride=s, padding=p).shape[-1] == expected


# --- max-pooling ----------------------------------------------------------------------------

POOLS = {"2x2_even": ((2, 3, 8, 6), 2), "2x2_odd_drops_last_row_col": ((2, 2, 7, 9), 2),
         "2x3_rectangular": ((1, 3, 6, 9), (2, 3)), "3x3": ((2, 1, 9, 10), 3)}


@pytest.mark.parametrize("shape, k", POOLS.values(), ids=POOLS.keys())
def test_maxpool2d_and_backward_match_torch(rng, shape, k):
    x = rng.standard_normal(shape)
    y = conv.maxpool2d(x, k)
    dy = rng.standard_normal(y.shape)
    tx = _t(x, True)
    ty = F.max_pool2d(tx, k)
    ty.backward(_t(dy))
    assert_array_equal(y, ty.detach().numpy())
    assert_array_equal(conv.maxpool2d_backward(dy, x, k), tx.grad.numpy())


def test_maxpool2d_backward_ties_go_to_first_max_like_torch(rng):
    """Digit-like inputs have ties (many zeros after ReLU); the gradient goes to the first max."""
    x = rng.integers(0, 2, size=(3, 2, 6, 8)).astype(float)
    dy = rng.standard_normal((3, 2, 3, 4))
    tx = _t(x, True)
    F.max_pool2d(tx, 2).backward(_t(dy))
    dx = conv.maxpool2d_backward(dy, x, 2)
    assert_array_equal(dx, tx.grad.numpy())
    window = conv.maxpool2d_backward(np.ones((1, 1, 1, 1)), np.array([[[[1.0, 3.0], [3.0, 0.0]]]]), 2)
    assert_array_equal(window[0, 0], [[0.0, 1.0], [0.0, 0.0]])


# --- bad input ------------------------------------------------------------------------------

X, W = np.ones((2, 3, 8, 8)), np.ones((5, 3, 3, 3))
BAD = {
    "channel_mismatch": (lambda: conv.conv2d(X, np.ones((5, 4, 3, 3))),
                         r"conv2d: `x` has C=3 channels but `w` expects C=4"),
    "x_not_4d": (lambda: conv.conv2d(np.ones((3, 8, 8)), W), r"conv2d: `x` must be 4-D.*\(3, 8, 8\)"),
    "w_not_4d": (lambda: conv.conv2d(X, np.ones((5, 3, 3))), r"conv2d: `w` must be 4-D"),
    "bias_shape": (lambda: conv.conv2d(X, W, np.ones(4)), r"`b` has shape \(4,\) but `w` has F=5"),
    "kernel_too_large": (lambda: conv.conv2d(np.ones((1, 3, 2, 8)), W),
                         r"output height would be < 1: the kernel height 3 exceeds .* 2 \+ 2·0 = 2"),
    "stride_zero": (lambda: conv.conv2d(X, W, stride=0), r"`stride` must be an int ≥ 1, got 0"),
    "stride_float": (lambda: conv.conv2d(X, W, stride=1.5), r"`stride` must be an int ≥ 1"),
    "padding_negative": (lambda: conv.conv2d(X, W, padding=(1, -1)), r"`padding` must be an int ≥ 0"),
    "padding_triple": (lambda: conv.conv2d(X, W, padding=(1, 1, 1)),
                       r"`padding` must be an int or an \(h, w\) pair"),
    "nan_input": (lambda: conv.conv2d(np.full((1, 3, 4, 4), np.nan), W), r"`x` contains non-finite"),
    "dy_shape": (lambda: conv.conv2d_backward(np.ones((2, 5, 3, 3)), X, W),
                 r"conv2d_backward: `dy` has shape \(2, 5, 3, 3\) but .* to \(2, 5, 6, 6\)"),
    "col2im_cols_shape": (lambda: conv.col2im(np.ones((2, 27, 35)), (2, 3, 8, 8), 3),
                          r"col2im: `cols` has shape \(2, 27, 35\) but .* \(2, 27, 36\)"),
    "col2im_x_shape": (lambda: conv.col2im(np.ones((2, 27, 36)), (3, 8, 8), 3), r"`x_shape` must be a tuple"),
    "im2col_kernel_zero": (lambda: conv.im2col(X, 0), r"im2col: `kernel_size` must be an int ≥ 1"),
    "pool_dy_shape": (lambda: conv.maxpool2d_backward(np.ones((2, 3, 3, 4)), X, 2),
                      r"maxpool2d_backward: `dy` has shape \(2, 3, 3, 4\) .* \(2, 3, 4, 4\)"),
    "pool_kernel_too_large": (lambda: conv.maxpool2d(X, 9), r"maxpool2d: output height would be < 1"),
    "output_size_negative_padding": (lambda: conv.output_size(5, 3, 1, -1), r"`padding` must be an int ≥ 0"),
    "output_size_too_small": (lambda: conv.output_size(3, 5), r"output length would be < 1"),
}


@pytest.mark.parametrize("call, message", BAD.values(), ids=BAD.keys())
def test_bad_input_raises_naming_parameter_and_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()
