"""Tests for mclib.nn against oracles no one here wrote: torch autograd in float64 and finite
differences (mc.check_gradient / mc.numerical_gradient)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import mclib as mc

nn = mc.nn


# --- the torch oracle ----------------------------------------------------------------------


def torch_loss_and_grads(params, X, Y, activation, loss, weight_decay):
    """The same network written with torch.nn.functional; gradients by loss.backward()."""
    tparams = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
               for W, b in params]
    phi = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[activation]
    A = torch.tensor(X)
    for k, (W, b) in enumerate(tparams):
        A = A @ W + b
        if k < len(tparams) - 1:
            A = phi(A)
    Yt = torch.tensor(Y)
    if loss == "softmax_cross_entropy":
        value = torch.nn.functional.cross_entropy(A, Yt)  # probability targets, mean over batch
    else:  # ours is (1/m) Σ ½‖ŷ − y‖² = (K/2) · torch's mean over all m·K entries
        value = 0.5 * Y.shape[1] * torch.nn.functional.mse_loss(A, Yt)
    value = value + 0.5 * weight_decay * sum((W * W).sum() for W, _ in tparams)
    value.backward()
    return value.item(), [(W.grad.numpy(), b.grad.numpy()) for W, b in tparams]


def make_problem(rng, sizes, m, activation, loss):
    params = nn.init_mlp(sizes, rng, activation=activation)
    params = [(W, rng.normal(0.0, 0.1, b.shape)) for W, b in params]  # non-zero biases
    X = rng.standard_normal((m, sizes[0]))
    if loss == "softmax_cross_entropy":
        Y = nn.one_hot(rng.integers(0, sizes[-1], m), sizes[-1])
    else:
        Y = rng.standard_normal((m, sizes[-1]))
    return params, X, Y


def assert_matches_torch(params, X, Y, activation, loss, weight_decay):
    value, grads = nn.mlp_loss_and_grads(params, X, Y, activation=activation, loss=loss,
                                         weight_decay=weight_decay)
    ref_value, ref_grads = torch_loss_and_grads(params, X, Y, activation, loss, weight_decay)
    np.testing.assert_allclose(value, ref_value, rtol=1e-12)
    assert len(grads) == len(params)
    for (dW, db), (rW, rb), (W, b) in zip(grads, ref_grads, params):
        assert dW.shape == W.shape and db.shape == b.shape
        np.testing.assert_allclose(dW, rW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(db, rb, rtol=1e-10, atol=1e-13)


# --- whole network against torch ------------------------------------------------------------


@pytest.mark.parametrize("sizes, m, activation, loss, weight_decay", [
    ((4, 3), 5, "relu", "softmax_cross_entropy", 0.0),  # a single linear layer (logistic regression)
    ((6, 5, 3), 1, "relu", "softmax_cross_entropy", 0.0),  # batch of one
    ((6, 8, 7, 4), 16, "relu", "softmax_cross_entropy", 0.1),
    ((5, 4, 4, 4, 4, 3), 9, "sigmoid", "softmax_cross_entropy", 0.0),  # deep and narrow
    ((10, 32, 2), 7, "tanh", "softmax_cross_entropy", 0.01),  # wide
    ((3, 6, 2), 11, "relu", "mse", 0.0),
    ((3, 6, 5, 4), 8, "sigmoid", "mse", 0.5),
    ((7, 3, 1), 20, "tanh", "mse", 0.0),  # scalar regression
])
def test_mlp_loss_and_grads_matches_torch_float64(rng, sizes, m, activation, loss, weight_decay):
    params, X, Y = make_problem(rng, sizes, m, activation, loss)
    assert_matches_torch(params, X, Y, activation, loss, weight_decay)


@settings(max_examples=25, deadline=None)
@given(depth=st.integers(1, 4), width=st.integers(1, 9), m=st.integers(1, 12),
       activation=st.sampled_from(nn.ACTIVATIONS), loss=st.sampled_from(("softmax_cross_entropy", "mse")),
       weight_decay=st.sampled_from((0.0, 1e-3, 0.3)), seed=st.integers(0, 2**32 - 1))
def test_mlp_loss_and_grads_matches_torch_random_configurations(depth, width, m, activation, loss,
                                                                 weight_decay, seed):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(1, 8))] + [width] * (depth - 1) + [int(rng.integers(1, 6))]
    params, X, Y = make_problem(rng, sizes, m, activation, loss)
    assert_matches_torch(params, X, Y, activation, loss, weight_decay)


def test_mlp_loss_with_soft_targets_matches_torch(rng):
    params, X, _ = make_problem(rng, (5, 6, 4), 8, "tanh", "softmax_cross_entropy")
    Y = nn.softmax(rng.standard_normal((8, 4)))  # probability rows, not one-hot
    assert_matches_torch(params, X, Y, "tanh", "softmax_cross_entropy", 0.0)


def test_mlp_backward_deltas_are_torch_preactivation_grads(rng):
    params, X, Y = make_problem(rng, (5, 7, 6, 3), 10, "sigmoid", "softmax_cross_entropy")
    outputs = nn.mlp_forward(params, X, activation="sigmoid")
    _, dZ = nn.softmax_cross_entropy(outputs[-1], Y)
    _, deltas = nn.mlp_backward(params, outputs, dZ, activation="sigmoid")
    A, Zs = torch.tensor(X), []
    for k, (W, b) in enumerate(params):
        Z = A @ torch.tensor(W, requires_grad=True) + torch.tensor(b)
        Z.retain_grad()
        Zs.append(Z)
        A = torch.sigmoid(Z) if k < len(params) - 1 else Z
    torch.nn.functional.cross_entropy(A, torch.tensor(Y)).backward()
    for delta, Z in zip(deltas, Zs):
        np.testing.assert_allclose(delta, Z.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_mlp_predict_is_the_torch_forward_pass(rng):
    params, X, _ = make_problem(rng, (4, 5, 3), 6, "tanh", "mse")
    A = torch.tensor(X)
    A = torch.tanh(A @ torch.tensor(params[0][0]) + torch.tensor(params[0][1]))
    A = A @ torch.tensor(params[1][0]) + torch.tensor(params[1][1])
    np.testing.assert_allclose(nn.mlp_predict(params, X, activation="tanh"), A.numpy(), rtol=1e-13)


def test_mlp_gradient_by_finite_differences_on_packed_parameters(rng):
    sizes = (4, 5, 3)
    params, X, Y = make_problem(rng, sizes, 6, "tanh", "softmax_cross_entropy")
    shapes = [s for W, b in params for s in (W.shape, b.shape)]

    def unpack(theta):
        arrays, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            arrays.append(theta[start:start + size].reshape(shape))
            start += size
        return list(zip(arrays[::2], arrays[1::2]))

    def pack(pairs):
        return np.concatenate([a.ravel() for pair in pairs for a in pair])

    theta = pack(params)
    f = lambda t: nn.mlp_loss_and_grads(unpack(t), X, Y, activation="tanh", weight_decay=0.1)[0]  # noqa: E731
    g = lambda t: pack(nn.mlp_loss_and_grads(unpack(t), X, Y, activation="tanh", weight_decay=0.1)[1])  # noqa: E731
    result = mc.check_gradient(f, g, theta)
    assert result.ok, result.message
    assert mc.check_gradient(f, g, theta, directions=5).ok


# --- each layer against finite differences ---------------------------------------------------


def test_linear_forward_matches_torch_linear(rng):
    X, W, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    # torch.nn.functional.linear computes X Aᵀ + b with A of shape (out, in): A = Wᵀ
    ref = torch.nn.functional.linear(torch.tensor(X), torch.tensor(W.T), torch.tensor(b))
    np.testing.assert_allclose(nn.linear_forward(X, W, b), ref.numpy(), rtol=1e-13)


@pytest.mark.parametrize("wrt", ["X", "W", "b"])
def test_linear_backward_by_finite_differences(rng, wrt):
    X, W, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    G = rng.standard_normal((5, 4))  # L = ⟨G, Z⟩, so dZ = G
    args = {"X": X, "W": W, "b": b}
    dX, dW, db = nn.linear_backward(G, X, W)

    def f(V):
        return np.sum(G * nn.linear_forward(**{**args, wrt: V}))

    result = mc.check_gradient(f, {"X": dX, "W": dW, "b": db}[wrt], args[wrt])
    assert result.ok, result.message


def test_linear_backward_dW_is_sum_of_outer_products(rng):
    X, dZ = rng.standard_normal((6, 3)), rng.standard_normal((6, 4))
    loop = sum(np.outer(X[i], dZ[i]) for i in range(6))  # hand-written loop over examples
    _, dW, db = nn.linear_backward(dZ, X, rng.standard_normal((3, 4)))
    np.testing.assert_allclose(dW, loop, rtol=1e-13)
    np.testing.assert_allclose(db, sum(dZ[i] for i in range(6)), rtol=1e-13)


@pytest.mark.parametrize("name", nn.ACTIVATIONS)
def test_activation_backward_by_finite_differences(rng, name):
    Z = rng.standard_normal((4, 5, 2))  # any shape (the CNN chapter uses 4-D)
    Z[np.abs(Z) < 1e-3] = 0.5  # keep ReLU away from its kink for the finite difference
    G = rng.standard_normal(Z.shape)
    dZ = nn.activation_backward(name, G, nn.activation_forward(name, Z))
    result = mc.check_gradient(lambda V: np.sum(G * nn.activation_forward(name, V)), dZ, Z)
    assert result.ok, result.message


@pytest.mark.parametrize("name, fn, bwd, ref", [
    ("relu", nn.relu, nn.relu_backward, torch.relu),
    ("sigmoid", nn.sigmoid, nn.sigmoid_backward, torch.sigmoid),
    ("tanh", nn.tanh, nn.tanh_backward, torch.tanh),
])
def test_named_activations_match_torch_including_relu_at_zero(rng, name, fn, bwd, ref):
    Z = np.concatenate([rng.standard_normal(7), [0.0, -30.0, 30.0]])
    G = rng.standard_normal(Z.shape)
    Zt = torch.tensor(Z, requires_grad=True)
    (ref(Zt) * torch.tensor(G)).sum().backward()
    A = fn(Z)
    np.testing.assert_allclose(A, ref(torch.tensor(Z)).numpy(), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(bwd(G, A), Zt.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(bwd(G, A), nn.activation_backward(name, G, A))


def test_softmax_cross_entropy_gradient_by_finite_differences(rng):
    Z, Y = rng.standard_normal((6, 4)), nn.one_hot(rng.integers(0, 4, 6), 4)
    _, dZ = nn.softmax_cross_entropy(Z, Y)
    result = mc.check_gradient(lambda V: nn.softmax_cross_entropy(V, Y)[0], dZ, Z)
    assert result.ok, result.message


def test_softmax_cross_entropy_matches_torch_with_integer_labels(rng):
    Z, labels = rng.standard_normal((9, 5)), rng.integers(0, 5, 9)
    loss, _ = nn.softmax_cross_entropy(Z, nn.one_hot(labels, 5))
    ref = torch.nn.functional.cross_entropy(torch.tensor(Z), torch.tensor(labels))
    np.testing.assert_allclose(loss, ref.item(), rtol=1e-13)


def test_mse_convention_half_squared_norm_mean_over_examples(rng):
    Yhat, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    loss, dYhat = nn.mse(Yhat, Y)
    loop = sum(0.5 * np.sum((Yhat[i] - Y[i]) ** 2) for i in range(5)) / 5
    np.testing.assert_allclose(loss, loop, rtol=1e-14)
    torch_mean = torch.nn.functional.mse_loss(torch.tensor(Yhat), torch.tensor(Y)).item()
    np.testing.assert_allclose(loss, 1.5 * torch_mean, rtol=1e-14)  # K/2 = 3/2
    result = mc.check_gradient(lambda V: nn.mse(V, Y)[0], dYhat, Yhat)
    assert result.ok, result.message


def test_softmax_rows_sum_to_one_and_match_torch(rng):
    Z = 5 * rng.standard_normal((4, 6))
    P = nn.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(P, torch.softmax(torch.tensor(Z), dim=1).numpy(), rtol=1e-13)


# --- numerical stability -----------------------------------------------------------------------


def test_softmax_stable_with_large_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test
        P = nn.softmax(np.array([[1000.0, 1001.0, 1002.0], [-1e4, 0.0, 1e4]]))
    np.testing.assert_allclose(P[0], nn.softmax(np.array([0.0, 1.0, 2.0])), rtol=1e-14)
    np.testing.assert_array_equal(P[1], [0.0, 0.0, 1.0])


def test_softmax_cross_entropy_stable_with_large_logits_matches_torch():
    Z = np.array([[1e4, 0.0, -1e4], [800.0, 805.0, 790.0]])
    Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dZ = nn.softmax_cross_entropy(Z, Y)
    Zt = torch.tensor(Z, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(Zt, torch.tensor(Y))
    ref.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(dZ))
    np.testing.assert_allclose(loss, ref.item(), rtol=1e-13)
    np.testing.assert_allclose(dZ, Zt.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_sigmoid_no_overflow_for_large_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = nn.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(A, [0.0, 0.5, 1.0])


# --- must-fail: the checker diagnoses the classic backprop mistakes -----------------------------


def test_must_fail_transposed_dW_is_diagnosed(rng):
    X, W, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 4)), rng.standard_normal(4)
    G = rng.standard_normal((5, 4))
    _, dW, _ = nn.linear_backward(G, X, W)
    f = lambda V: np.sum(G * nn.linear_forward(X, V, b))  # noqa: E731
    wrong = G.T @ X  # (dZᵀ X) — the column-convention formula used with row-convention data
    np.testing.assert_allclose(wrong, dW.T)
    result = mc.check_gradient(f, wrong, W)
    assert not result.ok and result.diagnosis == "transposed"


def test_must_fail_transposed_dW_of_whole_network_is_diagnosed(rng):
    params, X, Y = make_problem(rng, (5, 5, 3), 7, "relu", "softmax_cross_entropy")
    W0 = params[0][0]

    def f(V):
        return nn.mlp_loss_and_grads([(V, params[0][1]), params[1]], X, Y)[0]

    dW0 = nn.mlp_loss_and_grads(params, X, Y)[1][0][0]
    assert mc.check_gradient(f, dW0, W0).ok
    result = mc.check_gradient(f, dW0.T, W0)
    assert not result.ok and result.diagnosis == "transposed"


def test_must_fail_cross_entropy_gradient_with_sign_flipped(rng):
    Z, Y = rng.standard_normal((6, 4)), nn.one_hot(rng.integers(0, 4, 6), 4)
    wrong = (Y - nn.softmax(Z)) / 6
    result = mc.check_gradient(lambda V: nn.softmax_cross_entropy(V, Y)[0], wrong, Z)
    assert not result.ok and result.diagnosis == "sign-flipped"


def test_must_fail_mse_gradient_without_batch_average_is_scaled_by_m(rng):
    Yhat, Y = rng.standard_normal((8, 2)), rng.standard_normal((8, 2))
    result = mc.check_gradient(lambda V: nn.mse(V, Y)[0], Yhat - Y, Yhat)
    assert not result.ok and result.diagnosis == "scaled" and result.scale == 8.0


# --- bad input -----------------------------------------------------------------------------------


def test_error_X_has_wrong_number_of_features(rng):
    params = nn.init_mlp((64, 10), rng)
    with pytest.raises(ValueError, match=r"`X` has 63 features but the first layer expects 64"):
        nn.mlp_loss_and_grads(params, np.zeros((5, 63)), np.eye(10)[:5])


def test_error_consecutive_layers_do_not_chain(rng):
    params = [(np.zeros((4, 5)), np.zeros(5)), (np.zeros((6, 3)), np.zeros(3))]
    with pytest.raises(ValueError, match=r"layer 0 outputs 5 values but layer 1 expects 6"):
        nn.mlp_predict(params, np.zeros((2, 4)))


def test_error_bias_shape_names_the_parameter(rng):
    params = [(np.zeros((4, 5)), np.zeros(4))]
    with pytest.raises(ValueError, match=r"`params\[0\]\[1\]` has shape \(4,\) but `params\[0\]\[0\]` has 5"):
        nn.mlp_predict(params, np.zeros((2, 4)))


def test_error_params_not_pairs():
    with pytest.raises(ValueError, match=r"`params\[0\]` must be a \(W, b\) pair"):
        nn.mlp_predict([np.zeros((4, 5))], np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"non-empty list"):
        nn.mlp_predict([], np.zeros((2, 4)))


def test_error_Y_shape_mismatch(rng):
    params = nn.init_mlp((4, 3), rng)
    with pytest.raises(ValueError, match=r"`Y` has shape \(5, 2\) but the network maps `X` of shape "
                                         r"\(5, 4\) to outputs of shape \(5, 3\)"):
        nn.mlp_loss_and_grads(params, np.zeros((5, 4)), np.zeros((5, 2)), loss="mse")


def test_error_cross_entropy_targets_not_distributions(rng):
    Y = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match=r"rows of `Y` must be one-hot .* row 0 sums to 2"):
        nn.softmax_cross_entropy(np.zeros((2, 3)), Y)
    with pytest.raises(ValueError, match=r"rows of `Y` must be one-hot"):
        nn.mlp_loss_and_grads(nn.init_mlp((2, 3), rng), np.zeros((2, 2)), Y)


def test_error_unknown_activation_and_loss(rng):
    params = nn.init_mlp((2, 3), rng)
    with pytest.raises(ValueError, match=r"`activation` must be one of .* got 'gelu'"):
        nn.mlp_loss_and_grads(params, np.zeros((1, 2)), np.eye(3)[:1], activation="gelu")
    with pytest.raises(ValueError, match=r"`loss` must be one of .* got 'hinge'"):
        nn.mlp_loss_and_grads(params, np.zeros((1, 2)), np.eye(3)[:1], loss="hinge")
    with pytest.raises(ValueError, match=r"activation_forward: `name` must be one of"):
        nn.activation_forward("softplus", np.zeros(3))


def test_error_negative_weight_decay(rng):
    with pytest.raises(ValueError, match=r"`weight_decay` must be a finite number ≥ 0, got -0.1"):
        nn.mlp_loss_and_grads(nn.init_mlp((2, 3), rng), np.zeros((1, 2)), np.eye(3)[:1],
                              weight_decay=-0.1)


def test_error_non_finite_input(rng):
    X = np.zeros((3, 2))
    X[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"`X` contains non-finite values \(first at index \(1, 0\)"):
        nn.mlp_predict(nn.init_mlp((2, 3), rng), X)


def test_error_linear_layer_shapes(rng):
    with pytest.raises(ValueError, match=r"`X` has 3 features \(shape \(5, 3\)\) but `W` expects 4"):
        nn.linear_forward(np.zeros((5, 3)), np.zeros((4, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"`b` has shape \(3,\) but `W` has 2 outputs"):
        nn.linear_forward(np.zeros((5, 4)), np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"`dZ` has shape \(2, 5\) but X W has shape \(5, 2\)"):
        nn.linear_backward(np.zeros((2, 5)), np.zeros((5, 4)), np.zeros((4, 2)))


def test_error_activation_backward_shape_mismatch():
    with pytest.raises(ValueError, match=r"`dA` has shape \(2, 3\) but `A` has shape \(3, 2\)"):
        nn.relu_backward(np.zeros((2, 3)), np.zeros((3, 2)))


def test_error_mlp_backward_outputs_list(rng):
    params = nn.init_mlp((2, 3, 4), rng)
    with pytest.raises(ValueError, match=r"`outputs` must be the list returned by mlp_forward"):
        nn.mlp_backward(params, [np.zeros((1, 2))], np.zeros((1, 4)))


def test_error_one_hot_labels():
    with pytest.raises(ValueError, match=r"`labels` must lie in 0..2, got values in 0..3"):
        nn.one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match=r"`labels` must be a 1-D integer array"):
        nn.one_hot(np.array([0.0, 1.0]), 3)


# --- initialisation ------------------------------------------------------------------------------


@pytest.mark.parametrize("activation, variance", [("relu", 2 / 400), ("tanh", 2 / 600),
                                                  ("sigmoid", 2 / 600)])
def test_init_mlp_shapes_and_variance(rng, activation, variance):
    params = nn.init_mlp((400, 200, 10), rng, activation=activation)
    assert [(W.shape, b.shape) for W, b in params] == [((400, 200), (200,)), ((200, 10), (10,))]
    assert all(not b.any() for _, b in params)
    np.testing.assert_allclose(params[0][0].var(), variance, rtol=0.02)  # 80,000 draws: sd ≈ 0.5 %


def test_init_mlp_rejects_bad_sizes(rng):
    with pytest.raises(ValueError, match=r"`sizes` must list at least 2 positive widths"):
        nn.init_mlp((5,), rng)


# --- issue 11 (fuzzing review) -------------------------------------------------------------------


def _torch_mean_cross_entropy_by_index(Z, labels):
    return torch.nn.functional.cross_entropy(torch.tensor(Z), torch.tensor(labels)).item()


@pytest.mark.parametrize("big", [1e308, np.finfo(float).max, 1e200])
def test_softmax_cross_entropy_finite_and_exact_at_extreme_logits(big):
    # Z_max − Z_min overflows to inf, exp gives 0 and 0·(−inf) gave nan. The loss of a row whose
    # label sits on the maximal logit is exactly 0 (log softmax = −log(1 + e^(−2·big)) = −0 in
    # float64), as torch computes by class index, which never forms 0·(−inf).
    Z = np.array([[big, -big], [-big, big, ]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dZ = nn.softmax_cross_entropy(Z, Y)
    assert loss == 0.0 == _torch_mean_cross_entropy_by_index(Z, np.array([0, 1]))
    np.testing.assert_array_equal(dZ, np.zeros((2, 2)))
    loss, grads = nn.mlp_loss_and_grads([(np.eye(2), np.zeros(2))], Z, Y)
    assert loss == 0.0 and all(np.all(np.isfinite(g)) for pair in grads for g in pair)


def test_softmax_cross_entropy_extreme_logits_wrong_label_gives_the_exact_finite_mean():
    # Row 0: label on the minimal logit, loss = big − (−big) + log(1 + e^(−2 big)) = 2 big, which
    # overflows float64 (2e308); row 1: loss 0. Their mean, big = 1e308, is finite and exact.
    big = 1e308
    Z = np.array([[big, -big], [big, -big]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    loss, dZ = nn.softmax_cross_entropy(Z, Y)
    assert loss == big
    np.testing.assert_array_equal(dZ, [[0.5, -0.5], [0.0, 0.0]])
    # torch agrees where its own arithmetic is finite: the per-row losses.
    assert _torch_mean_cross_entropy_by_index(Z[:1] / 4, np.array([1])) == big / 2  # 2·big/4


def test_softmax_cross_entropy_loss_above_the_float64_range_warns_and_returns_inf():
    Z = np.array([[np.finfo(float).max, -np.finfo(float).max]])
    with pytest.warns(RuntimeWarning, match=r"softmax_cross_entropy: .*overflows"):
        loss, dZ = nn.softmax_cross_entropy(Z, np.array([[0.0, 1.0]]))
    assert loss == np.inf and np.all(np.isfinite(dZ))


def test_one_hot_large_num_classes_does_not_build_the_identity():
    import tracemalloc

    tracemalloc.start()
    Y = nn.one_hot(np.array([0, 999_999, 5]), 10**6)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert Y.shape == (3, 10**6) and Y.sum() == 3 and Y[1, 999_999] == 1 and Y[2, 5] == 1
    assert peak < 4 * Y.nbytes  # 24 MB answer, not a 7 TiB identity


@pytest.mark.parametrize("num_classes", [2.5, 3.0, "3", 0, -1, True])
def test_one_hot_bad_num_classes_raises_naming_it(num_classes):
    with pytest.raises(ValueError, match=r"one_hot: `num_classes` must be a positive integer"):
        nn.one_hot(np.array([0, 1]), num_classes)


def test_init_mlp_accepts_a_seed_and_refuses_other_rngs():
    a, b = nn.init_mlp((3, 2), 0), nn.init_mlp((3, 2), np.random.default_rng(0))
    np.testing.assert_array_equal(a[0][0], b[0][0])
    for rng in ("x", -1, 1.5, np.random.RandomState(0)):
        with pytest.raises(ValueError, match=r"init_mlp: `rng` must be a numpy.random.Generator"):
            nn.init_mlp((3, 2), rng)


@pytest.mark.parametrize("sizes", [(3, 2.5), (3, "4"), 3, ((3,), 2)])
def test_init_mlp_refuses_non_integer_sizes_instead_of_truncating(sizes):
    with pytest.raises(ValueError, match=r"init_mlp: `sizes`"):
        nn.init_mlp(sizes, 0)


def test_mlp_backward_checks_the_shapes_of_the_hidden_outputs(rng):
    params = nn.init_mlp((3, 4, 2), rng)
    X = rng.standard_normal((5, 3))
    outputs = nn.mlp_forward(params, X)
    grads, _ = nn.mlp_backward(params, outputs, np.ones((5, 2)))
    assert grads[1][0].shape == (4, 2)
    for k, bad in ((1, np.ones((5, 1))), (1, np.ones((4, 4))), (2, np.ones((5, 3)))):
        wrong = list(outputs)
        wrong[k] = bad
        with pytest.raises(ValueError, match=rf"mlp_backward: `outputs\[{k}\]` has shape "):
            nn.mlp_backward(params, wrong, np.ones((5, 2)))


@pytest.mark.parametrize("name, lo, hi", [("sigmoid", 0.0, 1.0), ("tanh", -1.0, 1.0), ("relu", 0.0, None)])
def test_activation_backward_refuses_Z_where_the_activation_A_is_expected(name, lo, hi):
    Z = np.array([[-2.0, 0.5, 3.0]])
    with pytest.raises(ValueError, match=rf"{name}_backward: `A` .*expects the activation A = {name}\(Z\), "
                                         r"not Z"):
        getattr(nn, f"{name}_backward")(np.ones_like(Z), Z)
    A = getattr(nn, name)(np.array([[-800.0, 0.0, 800.0]]))  # the range's closed ends occur
    getattr(nn, f"{name}_backward")(np.ones_like(A), A)
    assert A.min() >= lo and (hi is None or A.max() <= hi)
