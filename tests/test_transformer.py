"""Tests for mclib.transformer. Oracles: torch float64 autograd (F.layer_norm, F.rms_norm,
F.scaled_dot_product_attention with is_causal, F.gelu(approximate="tanh")) and finite
differences through mc.check_gradient. Shapes (leading batch axes 0–2, small sizes, L ≠ S) are
drawn by hypothesis; must-fail tests show that the classic mistakes (LayerNorm without its
mean/variance terms, a forgotten √d, a transposed Kᵀ) are rejected with the right diagnosis."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import mclib as mc

tr = mc.transformer
TOL = dict(rtol=1e-10, atol=1e-12)


def _t(a, grad=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


batch_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)
sizes = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


# --- LayerNorm and RMSNorm against torch ----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(batch=batch_shapes, n=st.integers(1, 7), seed=seeds, eps=st.sampled_from([1e-5, 1e-3, 0.5]))
def test_layer_norm_and_backward_match_torch(batch, n, seed, eps):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(batch + (n,)) * 3 + 1
    gamma, beta, dY = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(batch + (n,))
    tX, tg, tb = _t(X), _t(gamma), _t(beta)
    Y = F.layer_norm(tX, (n,), tg, tb, eps)
    Y.backward(_t(dY, False))
    assert_allclose(tr.layer_norm(X, gamma, beta, eps=eps), Y.detach().numpy(), **TOL)
    dX, dg, db = tr.layer_norm_backward(dY, X, gamma, eps=eps)
    assert dX.shape == X.shape and dg.shape == db.shape == (n,)
    for ours, theirs in ((dX, tX), (dg, tg), (db, tb)):
        assert_allclose(ours, theirs.grad.numpy(), rtol=1e-9, atol=1e-11)


@settings(max_examples=50, deadline=None)
@given(batch=batch_shapes, n=st.integers(1, 7), seed=seeds, eps=st.sampled_from([1e-6, 1e-3, 0.5]))
def test_rms_norm_and_backward_match_torch(batch, n, seed, eps):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(batch + (n,)) * 2
    gamma, dY = rng.standard_normal(n), rng.standard_normal(batch + (n,))
    tX, tg = _t(X), _t(gamma)
    Y = F.rms_norm(tX, (n,), tg, eps)
    Y.backward(_t(dY, False))
    assert_allclose(tr.rms_norm(X, gamma, eps=eps), Y.detach().numpy(), **TOL)
    dX, dg = tr.rms_norm_backward(dY, X, gamma, eps=eps)
    assert_allclose(dX, tX.grad.numpy(), rtol=1e-9, atol=1e-11)
    assert_allclose(dg, tg.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_layer_norm_backward_by_finite_differences(rng):
    X, gamma, beta = rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal(5)
    W = rng.standard_normal((3, 5))
    dX, dg, db = tr.layer_norm_backward(W, X, gamma)
    assert mc.check_gradient(lambda Z: np.sum(W * tr.layer_norm(Z, gamma, beta)), dX, X)
    assert mc.check_gradient(lambda g: np.sum(W * tr.layer_norm(X, g, beta)), dg, gamma)
    assert mc.check_gradient(lambda b: np.sum(W * tr.layer_norm(X, gamma, b)), db, beta)


def test_rms_norm_backward_by_finite_differences(rng):
    X, gamma, W = rng.standard_normal((2, 3, 4)), rng.standard_normal(4), rng.standard_normal((2, 3, 4))
    dX, dg = tr.rms_norm_backward(W, X, gamma)
    assert mc.check_gradient(lambda Z: np.sum(W * tr.rms_norm(Z, gamma)), dX, X)
    assert mc.check_gradient(lambda g: np.sum(W * tr.rms_norm(X, g)), dg, gamma)


def test_layer_norm_without_mean_and_variance_terms_is_rejected(rng):
    """The classic mistake: treating μ and σ as constants, dX = γ ∘ dY / σ."""
    X, gamma, beta, W = (rng.standard_normal((4, 6)), rng.standard_normal(6),
                         rng.standard_normal(6), rng.standard_normal((4, 6)))
    sigma = np.sqrt(X.var(axis=-1, keepdims=True) + 1e-5)
    check = mc.check_gradient(lambda Z: np.sum(W * tr.layer_norm(Z, gamma, beta)), W * gamma / sigma, X)
    assert not check.ok and check.verdict == "fail"


# --- attention against torch ----------------------------------------------------------------------


def _torch_attention(Q, K, V, dO, causal):
    tQ, tK, tV = _t(Q), _t(K), _t(V)
    out = F.scaled_dot_product_attention(tQ, tK, tV, is_causal=causal)
    out.backward(_t(dO, False))
    return out.detach().numpy(), tQ.grad.numpy(), tK.grad.numpy(), tV.grad.numpy()


@settings(max_examples=50, deadline=None)
@given(batch=batch_shapes, L=sizes, S=sizes, d=sizes, dv=sizes, causal=st.booleans(), seed=seeds)
def test_attention_and_backward_match_torch(batch, L, S, d, dv, causal, seed):
    rng = np.random.default_rng(seed)
    Q, K = rng.standard_normal(batch + (L, d)), rng.standard_normal(batch + (S, d))
    V, dO = rng.standard_normal(batch + (S, dv)), rng.standard_normal(batch + (L, dv))
    O_t, dQ_t, dK_t, dV_t = _torch_attention(Q, K, V, dO, causal)
    assert_allclose(tr.attention(Q, K, V, causal=causal), O_t, **TOL)
    dQ, dK, dV = tr.attention_backward(dO, Q, K, V, causal=causal)
    assert dQ.shape == Q.shape and dK.shape == K.shape and dV.shape == V.shape
    for ours, theirs in ((dQ, dQ_t), (dK, dK_t), (dV, dV_t)):
        assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("L, S", [(3, 6), (6, 3), (4, 4)])
def test_causal_mask_is_top_left_aligned_as_torch(rng, L, S):
    """Query i sees keys j ≤ i whatever L and S (torch's is_causal): changing a key j > i
    leaves row i unchanged, and the output equals attention with an explicit tril mask."""
    Q, K, V = rng.standard_normal((L, 3)), rng.standard_normal((S, 3)), rng.standard_normal((S, 2))
    out = tr.attention(Q, K, V, causal=True)
    mask = torch.ones(L, S, dtype=torch.bool).tril(0)
    O_mask = F.scaled_dot_product_attention(_t(Q, False), _t(K, False), _t(V, False), attn_mask=mask)
    assert_allclose(out, O_mask.numpy(), **TOL)
    for i in range(L):
        V2 = V.copy()
        V2[i + 1:] += 10.0
        assert_allclose(tr.attention(Q, K, V2, causal=True)[i], out[i], **TOL)
    if L > 1 and S > 1:
        V3 = V.copy()
        V3[1] += 1.0
        assert not np.allclose(tr.attention(Q, K, V3, causal=True)[1], out[1])


def test_blocked_attention_matches_torch_on_long_sequences(rng):
    """Long enough that the query rows are processed in several blocks."""
    Q, K = rng.standard_normal((2, 700, 8)), rng.standard_normal((2, 900, 8))
    V, dO = rng.standard_normal((2, 900, 3)), rng.standard_normal((2, 700, 3))
    assert len(tr._blocks(700, 900, 2)) > 1
    for causal in (False, True):
        O_t, dQ_t, dK_t, dV_t = _torch_attention(Q, K, V, dO, causal)
        assert_allclose(tr.attention(Q, K, V, causal=causal), O_t, **TOL)
        for ours, theirs in zip(tr.attention_backward(dO, Q, K, V, causal=causal), (dQ_t, dK_t, dV_t)):
            assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_backward_by_finite_differences(rng, causal):
    Q, K, V = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    W = rng.standard_normal((4, 2))
    dQ, dK, dV = tr.attention_backward(W, Q, K, V, causal=causal)
    assert mc.check_gradient(lambda X: np.sum(W * tr.attention(X, K, V, causal=causal)), dQ, Q)
    assert mc.check_gradient(lambda X: np.sum(W * tr.attention(Q, X, V, causal=causal)), dK, K)
    assert mc.check_gradient(lambda X: np.sum(W * tr.attention(Q, K, X, causal=causal)), dV, V)


def test_attention_is_finite_for_large_logits(rng):
    """Logits in the hundreds (and thousands): the stable softmax neither overflows nor
    returns nan; the result equals torch's."""
    Q, K = 40 * rng.standard_normal((6, 8)), 40 * rng.standard_normal((7, 8))
    V, dO = rng.standard_normal((7, 3)), rng.standard_normal((6, 3))
    assert np.abs(Q @ K.T / np.sqrt(8)).max() > 500
    out = tr.attention(Q, K, V)
    grads = tr.attention_backward(dO, Q, K, V)
    assert np.all(np.isfinite(out)) and all(np.all(np.isfinite(g)) for g in grads)
    O_t, *grads_t = _torch_attention(Q, K, V, dO, False)
    assert_allclose(out, O_t, **TOL)
    for ours, theirs in zip(grads, grads_t):
        assert_allclose(ours, theirs, rtol=1e-8, atol=1e-8)


def test_softmax_is_stable_and_rejects_fully_masked_rows():
    P = tr.softmax(np.array([[1000.0, 999.0, -np.inf]]))
    assert_allclose(P, [[1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1)), 0.0]], rtol=1e-14)
    with pytest.raises(ValueError, match="entirely -inf"):
        tr.softmax(np.array([[-np.inf, -np.inf]]))


def test_forgotten_scale_and_transposed_keys_are_diagnosed(rng):
    """Must fail: dQ without the 1/√d is 'scaled' by √d; for square K, using Kᵀ is caught."""
    d = 4
    Q, K, V, W = (rng.standard_normal((d, d)) for _ in range(4))
    dQ, _, _ = tr.attention_backward(W, Q, K, V)
    f = lambda X: np.sum(W * tr.attention(X, K, V))  # noqa: E731
    no_scale = mc.check_gradient(f, dQ * np.sqrt(d), Q)
    assert not no_scale.ok and no_scale.diagnosis == "scaled"
    assert np.isclose(no_scale.scale, np.sqrt(d), rtol=1e-3)
    P = tr.softmax(Q @ K.T / np.sqrt(d))
    dP = W @ V.T
    dZ = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    wrong_K = mc.check_gradient(f, dZ @ K.T / np.sqrt(d), Q)
    assert not wrong_K.ok
    assert mc.check_gradient(f, dZ @ K / np.sqrt(d), Q)


# --- GELU ---------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(batch=batch_shapes, seed=seeds)
def test_gelu_tanh_form_matches_torch(batch, seed):
    rng = np.random.default_rng(seed)
    X, dY = 3 * rng.standard_normal(batch + (5,)), rng.standard_normal(batch + (5,))
    tX = _t(X)
    Y = F.gelu(tX, approximate="tanh")
    Y.backward(_t(dY, False))
    assert_allclose(tr.gelu(X), Y.detach().numpy(), **TOL)
    assert_allclose(tr.gelu_backward(dY, X), tX.grad.numpy(), **TOL)


def test_gelu_backward_by_finite_differences(rng):
    X = rng.standard_normal((3, 4))
    assert mc.check_gradient(lambda Z: np.sum(tr.gelu(Z)), tr.gelu_backward(np.ones_like(X), X), X)


# --- extreme magnitudes: no overflow, no warning --------------------------------------------------


@pytest.mark.parametrize("M", [1e200, 1.5e308])
def test_norms_of_huge_rows_are_exact(M):
    """|x| ≳ 1.3e154 used to overflow x̂·x̂ (σ = inf, all outputs 0). Exact answers for
    x = [M, −M, 0, 0]: μ = 0, σ = M/√2, x̂ = [√2, −√2, 0, 0]; with g = γ∘dY = [1, 2, 3, 4],
    dX = (g − mean g − x̂ mean(g∘x̂))/σ = [−1, −1, ½, 3/2]/σ; RMSNorm: r = M/√2, same x̂,
    dX = (g − x̂ mean(g∘x̂))/r = [3/2, 3/2, 3, 4]/r."""
    X = np.array([[M, -M, 0.0, 0.0]])
    gamma, beta = np.array([2.0, 3.0, 4.0, 5.0]), np.array([1.0, -1.0, 0.5, 0.0])
    dY = np.array([[1.0, 2, 3, 4]])
    xhat = np.array([[np.sqrt(2), -np.sqrt(2), 0.0, 0.0]])
    s = M / np.sqrt(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Y = tr.layer_norm(X, gamma, beta)
        dX, dg, db = tr.layer_norm_backward(dY, X, np.ones(4))
        Yr = tr.rms_norm(X, gamma)
        dXr, dgr = tr.rms_norm_backward(dY, X, np.ones(4))
    assert_allclose(Y, xhat * gamma + beta, rtol=1e-14, atol=1e-14)
    assert_allclose(dX, np.array([[-1.0, -1.0, 0.5, 1.5]]) / s, rtol=1e-14)
    assert_allclose(dg, (dY * xhat)[0], rtol=1e-14)
    assert_allclose(db, dY[0], rtol=1e-14)
    assert_allclose(Yr, xhat * gamma, rtol=1e-14, atol=1e-14)
    assert_allclose(dXr, np.array([[1.5, 1.5, 3.0, 4.0]]) / s, rtol=1e-14)
    assert_allclose(dgr, (dY * xhat)[0], rtol=1e-14)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 6), seed=seeds, c=st.sampled_from([1e155, 1e200, 1e250, 1e300]))
def test_norms_are_scale_invariant_up_to_the_largest_doubles(n, seed, c):
    """x ↦ c·x leaves x̂ unchanged and divides dX by c (ε/c² is negligible): checked against
    torch at unit scale with ε = 0, where torch is finite."""
    rng = np.random.default_rng(seed)
    X, dY, gamma = rng.standard_normal((3, n)), rng.standard_normal((3, n)), rng.standard_normal(n)
    X[:, 0] += 1.0  # no constant row
    tX, tXr = _t(X), _t(X)
    Y = F.layer_norm(tX, (n,), _t(gamma, False), None, 0.0)
    Y.backward(_t(dY, False))
    Yr = F.rms_norm(tXr, (n,), _t(gamma, False), 0.0)
    Yr.backward(_t(dY, False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Y_ln, dX_ln = tr.layer_norm(c * X, gamma, 0 * gamma), tr.layer_norm_backward(dY, c * X, gamma)[0]
        Y_rms, dX_rms = tr.rms_norm(c * X, gamma), tr.rms_norm_backward(dY, c * X, gamma)[0]
    assert_allclose(Y_ln, Y.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert_allclose(c * dX_ln, tX.grad.numpy(), rtol=1e-8, atol=1e-10)
    assert_allclose(Y_rms, Yr.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert_allclose(c * dX_rms, tXr.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_gelu_and_its_derivative_at_huge_arguments():
    """x·x overflowed for |x| > 1.34e154 (gelu_backward returned nan = 0·inf). Limits: gelu(x) = x
    and gelu'(x) = 1 for x → +∞, 0 and 0 for x → −∞; torch agrees where it is finite."""
    X = np.array([1e200, -1e200, 1.5e154, -1.5e154, 1e300, -1e300])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_allclose(tr.gelu(X), np.where(X > 0, X, 0.0), rtol=1e-15, atol=0)
        assert_allclose(tr.gelu_backward(np.ones_like(X), X), (X > 0).astype(float), rtol=1e-15, atol=0)
    X = np.array([-1e10, -50.0, -11.0, -10.0, -9.5, 9.5, 10.0, 11.0, 50.0, 1e10])
    tX = _t(X)
    Y = F.gelu(tX, approximate="tanh")
    Y.backward(torch.ones_like(tX))
    assert_allclose(tr.gelu(X), Y.detach().numpy(), rtol=1e-15, atol=1e-30)
    assert_allclose(tr.gelu_backward(np.ones_like(X), X), tX.grad.numpy(), rtol=1e-15, atol=1e-30)


def test_softmax_of_opposite_extreme_logits_has_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_allclose(tr.softmax(np.array([1e308, -1e308])), [1.0, 0.0], rtol=0, atol=0)
        assert_allclose(tr.softmax(np.array([[-1e308, 1e308, 1e308]])), [[0.0, 0.5, 0.5]], rtol=0, atol=0)


# --- bad input ----------------------------------------------------------------------------------


def test_attention_bad_shapes_raise_naming_the_parameters(rng):
    Q, K, V = rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 6, 4)), rng.standard_normal((2, 6, 3))
    with pytest.raises(ValueError, match=r"attention: `K` has last axis 3 but `Q` has 4"):
        tr.attention(Q, K[..., :3], V)
    with pytest.raises(ValueError, match=r"attention: `V` has 5 rows \(axis -2\) but `K` has 6"):
        tr.attention(Q, K, V[:, :5])
    with pytest.raises(ValueError, match=r"attention: `K` has leading axes \(3,\) but `Q` has \(2,\)"):
        tr.attention(Q, np.zeros((3, 6, 4)), np.zeros((3, 6, 3)))
    with pytest.raises(ValueError, match=r"attention: `Q` must have at least 2 axes"):
        tr.attention(np.zeros(4), K[0], V[0])
    with pytest.raises(ValueError, match=r"attention_backward: `dO` has shape \(2, 5, 4\) but the output "
                                         r"has \(2, 5, 3\)"):
        tr.attention_backward(np.zeros((2, 5, 4)), Q, K, V)
    with pytest.raises(ValueError, match=r"`Q` contains non-finite"):
        tr.attention(np.full((5, 4), np.nan), K[0], V[0])


def test_norm_bad_inputs_raise_naming_the_parameters(rng):
    X = rng.standard_normal((3, 4))
    with pytest.raises(ValueError, match=r"layer_norm: `gamma` must have shape \(4,\)"):
        tr.layer_norm(X, np.ones(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"layer_norm: `beta` must have shape \(4,\)"):
        tr.layer_norm(X, np.ones(4), np.zeros((1, 4)))
    with pytest.raises(ValueError,
                       match=r"layer_norm_backward: `dY` has shape \(3, 5\) but `X` has \(3, 4\)"):
        tr.layer_norm_backward(np.zeros((3, 5)), X, np.ones(4))
    with pytest.raises(ValueError, match=r"rms_norm: `eps` must be a positive"):
        tr.rms_norm(X, np.ones(4), eps=0.0)
    with pytest.raises(ValueError, match=r"rms_norm_backward: `gamma`"):
        tr.rms_norm_backward(X, X, np.ones(5))
    with pytest.raises(ValueError, match=r"gelu_backward: `dY` has shape"):
        tr.gelu_backward(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"layer_norm: `X` must be real"):
        tr.layer_norm(X + 1j, np.ones(4), np.zeros(4))
