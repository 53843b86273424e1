"""Functional layers of a multilayer perceptron, with hand-derived backward passes.

Conventions (chapter 7 derives every formula): **rows are examples**, ``Z = X W + b`` with
``W`` of shape (n_in, n_out). Activations go by name; ``activation_backward(name, dA, A)``
takes the *output* ``A = φ(Z)`` (φ' is a function of it for ReLU, sigmoid and tanh), so a
network stores only its activations. **Losses are averaged over the batch** and return
``(loss, gradient)``: softmax cross-entropy gives ``(softmax(Z) − Y)/m``; ``mse`` is the mean
over examples of ½‖ŷ − y‖² and gives ``(Ŷ − Y)/m``. **Weight decay** λ adds
``(λ/2) Σ_l ‖W_l‖_F²`` (weights only). The backward pass is the δ recursion of
[Goodfellow, Bengio & Courville 2016, sec. 6.5.4, Algorithm 6.4], for a batch of rows.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from mclib._validation import (
    as_positive_int,
    as_real_array,
    as_rng,
    as_shape,
    require_dense_size,
    shape_str,
)

__all__ = [
    "ACTIVATIONS", "activation_forward", "activation_backward", "relu", "relu_backward",
    "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "softmax", "softmax_cross_entropy",
    "mse", "one_hot", "linear_forward", "linear_backward", "init_mlp", "mlp_forward",
    "mlp_backward", "mlp_loss_and_grads", "mlp_predict",
]

ACTIVATIONS = ("relu", "sigmoid", "tanh")
LOSSES = ("softmax_cross_entropy", "mse")


# --- activations: forward from Z, backward from the output A = φ(Z) -------------------------


def _sigmoid(Z):
    # σ(z) = 1/(1 + e^(−z)) for z ≥ 0 and e^z/(1 + e^z) for z < 0: exp never overflows and
    # tiny values keep their relative accuracy (½(1 + tanh(z/2)) loses it to cancellation).
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0, E) / (1.0 + E)


_FORWARD = {"relu": lambda Z: np.maximum(Z, 0.0), "sigmoid": _sigmoid, "tanh": np.tanh}
# φ'(z) in terms of a = φ(z): relu' = [a > 0] (0 at z = 0, as torch), σ' = σ(1 − σ), tanh' = 1 − tanh²
# [Goodfellow, Bengio & Courville 2016, secs. 3.10 and 6.3].
_BACKWARD = {
    "relu": lambda dA, A: dA * (A > 0),
    "sigmoid": lambda dA, A: dA * (A * (1.0 - A)),
    "tanh": lambda dA, A: dA * (1.0 - A * A),
}
# The range of φ in floating point (closed: sigmoid(40) rounds to 1, tanh(20) to 1). A value outside
# it cannot be an activation: the usual mistake is passing the pre-activation Z.
_RANGE = {"relu": (0.0, np.inf), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def _activation_name(name, caller: str, param: str = "activation") -> str:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"{caller}: `{param}` must be one of {ACTIVATIONS}, got {name!r}")
    return name


def _require_activation(A, name, what, caller):
    """Raise unless every entry of `A` lies in the range of φ = `name` (see _RANGE)."""
    lo, hi = _RANGE[name]
    outside = (A < lo) | (A > hi)
    if np.any(outside):
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        interval = f"[{lo:g}, ∞)" if hi == np.inf else f"[{lo:g}, {hi:g}]"
        raise ValueError(f"{caller}: `{what}` has values outside {interval}, the range of {name} "
                         f"(`{what}`{list(index)} = {A[index]:.6g}, shape {shape_str(A.shape)}): "
                         f"{caller} expects the activation A = {name}(Z), not Z")


def _activation_forward(name, Z, caller):
    return _FORWARD[_activation_name(name, caller, "name")](as_real_array(Z, "Z", caller))


def _activation_backward(name, dA, A, caller):
    name = _activation_name(name, caller, "name")
    dA, A = as_real_array(dA, "dA", caller), as_real_array(A, "A", caller)
    if dA.shape != A.shape:
        raise ValueError(f"{caller}: `dA` has shape {shape_str(dA.shape)} but `A` has shape "
                         f"{shape_str(A.shape)}")
    _require_activation(A, name, "A", caller)
    return _BACKWARD[name](dA, A)


def activation_forward(name: str, Z) -> np.ndarray:
    """``A = φ(Z)`` entrywise for φ = `name` in {"relu", "sigmoid", "tanh"}; Z of any shape."""
    return _activation_forward(name, Z, "activation_forward")


def activation_backward(name: str, dA, A) -> np.ndarray:
    """Backward pass of an activation: ``dZ = dA ∘ φ'(Z)``, computed from ``A = φ(Z)``.

    `dA` (any shape) is the gradient of the loss with respect to the output; `A` (same shape)
    is the output stored by the forward pass; ``dZ`` has their shape. An `A` outside the range
    of φ ([0, ∞) for relu, [0, 1] for sigmoid, [−1, 1] for tanh) raises ``ValueError``: it is
    the pre-activation Z, and φ' computed from it would be silently wrong.
    """
    return _activation_backward(name, dA, A, "activation_backward")


def relu(Z) -> np.ndarray:
    """``max(Z, 0)`` entrywise; see :func:`activation_forward`."""
    return _activation_forward("relu", Z, "relu")


def relu_backward(dA, A) -> np.ndarray:
    """``dA ∘ [A > 0]`` where ``A = relu(Z)``; see :func:`activation_backward`."""
    return _activation_backward("relu", dA, A, "relu_backward")


def sigmoid(Z) -> np.ndarray:
    """``1 / (1 + exp(−Z))`` entrywise, overflow-free; see :func:`activation_forward`."""
    return _activation_forward("sigmoid", Z, "sigmoid")


def sigmoid_backward(dA, A) -> np.ndarray:
    """``dA ∘ A ∘ (1 − A)`` where ``A = sigmoid(Z)``; see :func:`activation_backward`."""
    return _activation_backward("sigmoid", dA, A, "sigmoid_backward")


def tanh(Z) -> np.ndarray:
    """``tanh(Z)`` entrywise; see :func:`activation_forward`."""
    return _activation_forward("tanh", Z, "tanh")


def tanh_backward(dA, A) -> np.ndarray:
    """``dA ∘ (1 − A²)`` where ``A = tanh(Z)``; see :func:`activation_backward`."""
    return _activation_backward("tanh", dA, A, "tanh_backward")


# --- softmax and losses ---------------------------------------------------------------------


def _log_softmax(Z):
    # Shift by the row maximum: softmax is invariant to it and exp never overflows
    # [Goodfellow, Bengio & Courville 2016, sec. 4.1, eq. 4.1 ff.]. For logits ±1e308 the shift
    # itself overflows to −inf; the true value is then below −1.8e308, exp of it is 0 either way.
    with np.errstate(over="ignore"):
        shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(Z) -> np.ndarray:
    """Numerically stable softmax along the last axis (each row of a batch).

    Parameters
    ----------
    Z : array_like, shape (K,) or (m, K)
        Logits. The result ``exp(Z) / Σ_k exp(Z_k)`` has Z's shape; rows sum to 1.
    """
    return np.exp(_log_softmax(as_real_array(Z, "Z", "softmax", ndim=(1, 2))))


def _targets(Yhat, Y, name, caller):
    Yhat, Y = as_real_array(Yhat, name, caller, ndim=2), as_real_array(Y, "Y", caller, ndim=2)
    if Y.shape != Yhat.shape:
        raise ValueError(f"{caller}: `Y` has shape {shape_str(Y.shape)} but `{name}` has "
                         f"shape {shape_str(Yhat.shape)}")
    return Yhat, Y


def _check_distributions(Y, caller):
    # (softmax(Z) − Y)/m is the gradient only if every row of Y sums to 1.
    sums = Y.sum(axis=1)
    bad = np.flatnonzero((np.abs(sums - 1.0) > 1e-8) | np.any(Y < 0, axis=1))
    if bad.size:
        raise ValueError(f"{caller}: rows of `Y` must be one-hot or probability vectors; row "
                         f"{bad[0]} sums to {sums[bad[0]]:.6g} ({bad.size} bad rows of "
                         f"{Y.shape[0]}, shape {shape_str(Y.shape)})")


def _softmax_cross_entropy(Z, Y, caller):
    # L = −(1/m) Σ_i Σ_k Y_ik log softmax(Z)_ik, dL/dZ = (softmax(Z) − Y)/m
    # [Goodfellow, Bengio & Courville 2016, sec. 6.2.2.3]; derived in chapter 7.
    log_p, m = _log_softmax(Z), Z.shape[0]
    dZ = (np.exp(log_p) - Y) / m
    if np.all(np.isfinite(log_p)):
        return -np.vdot(Y, log_p) / m, dZ
    # Some max_i − Z_ik overflowed (logits near ±1.8e308): 0 · (−inf) would give nan. With
    # −log softmax(Z)_ik = (max_i − Z_ik) + lse_i, lse_i = log Σ_k exp(Z_ik − max_i) ∈ [0, log K],
    # sum halved differences max_i/2 − Z_ik/2 (exact, never overflow), divide by m, then double.
    lse = -(log_p.max(axis=-1))  # log p at the row maximum is −lse_i
    half = np.sum(Y * (Z.max(axis=-1, keepdims=True) / 2 - Z / 2) / m)
    with np.errstate(over="ignore"):
        loss = 2.0 * half + np.dot(Y.sum(axis=-1), lse) / m
    if not np.isfinite(loss):
        warnings.warn(f"{caller}: the loss overflows float64 (it exceeds {np.finfo(float).max:.3g}: "
                      f"`Y` puts weight on logits in `Z` ≈ 1e308 below their row maximum); "
                      "returning inf",
                      RuntimeWarning, stacklevel=3)
    return loss, dZ


def _mse(Yhat, Y):
    # L = (1/m) Σ_i ½‖ŷ_i − y_i‖², dL/dŶ = (Ŷ − Y)/m.
    R, m = Yhat - Y, Yhat.shape[0]
    return 0.5 * np.vdot(R, R) / m, R / m


def softmax_cross_entropy(Z, Y) -> tuple[float, np.ndarray]:
    """Cross-entropy of softmax(Z) against targets Y, averaged over the batch, and its gradient.

    Parameters
    ----------
    Z : array_like, shape (m, K)
        Logits, one row per example.
    Y : array_like, shape (m, K)
        One-hot labels (or probability vectors: rows ≥ 0 summing to 1); see :func:`one_hot`.

    Returns
    -------
    loss : float
        ``−(1/m) Σ_i Σ_k Y_ik log softmax(Z)_ik`` (torch's ``cross_entropy``, mean reduction).
    dZ : ndarray, shape (m, K)
        ``(softmax(Z) − Y) / m``.

    Finite and exact for every finite logit, including ±1.8e308 where ``max − Z`` overflows (no
    0 · (−inf)); only if the mean loss itself exceeds the float64 range is ``inf`` returned, with
    a ``RuntimeWarning``.
    """
    caller = "softmax_cross_entropy"
    Z, Y = _targets(Z, Y, "Z", caller)
    _check_distributions(Y, caller)
    loss, dZ = _softmax_cross_entropy(Z, Y, caller)
    return float(loss), dZ


def mse(Yhat, Y) -> tuple[float, np.ndarray]:
    """Mean over examples of half the squared error, and its gradient.

    Parameters
    ----------
    Yhat, Y : array_like, shape (m, K)
        Predictions and targets, one row per example.

    Returns
    -------
    loss : float
        ``(1/m) Σ_i ½‖ŷ_i − y_i‖²``, i.e. K/2 times torch's ``mse_loss`` (mean over m·K entries).
    dYhat : ndarray, shape (m, K)
        ``(Yhat − Y) / m``.
    """
    Yhat, Y = _targets(Yhat, Y, "Yhat", "mse")
    loss, dYhat = _mse(Yhat, Y)
    return float(loss), dYhat


def one_hot(labels, num_classes: int) -> np.ndarray:
    """One-hot rows, shape (m, num_classes), for integer class labels of shape (m,).

    Written directly into an (m, num_classes) array of zeros (no identity matrix is built);
    more than 10⁸ entries are refused with a ``ValueError``.
    """
    caller = "one_hot"
    num_classes = as_positive_int(num_classes, "num_classes", caller)
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{caller}: `labels` must be a 1-D integer array, got dtype {labels.dtype} "
                         f"and shape {shape_str(labels.shape)}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"{caller}: `labels` must lie in 0..{num_classes - 1}, got values in "
                         f"{labels.min()}..{labels.max()}")
    m = labels.size
    require_dense_size(m * num_classes, f"the one-hot array for {m} `labels` and `num_classes`="
                       f"{num_classes}", caller, "keep the integer labels (torch's cross_entropy "
                       "takes class indices)")
    Y = np.zeros((m, num_classes))
    Y[np.arange(m), labels] = 1.0
    return Y


# --- linear layer ---------------------------------------------------------------------------


def linear_forward(X, W, b) -> np.ndarray:
    """Affine layer ``Z = X W + b``, shape (m, n_out), b broadcast over the rows.

    Parameters
    ----------
    X : array_like, shape (m, n_in)
    W : array_like, shape (n_in, n_out)
    b : array_like, shape (n_out,)
    """
    X, W, b = _layer_inputs(X, W, b, "linear_forward")
    return X @ W + b


def linear_backward(dZ, X, W) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``Z = X W + b``: the gradients of the loss given ``dZ = ∂L/∂Z``.

    ``dX = dZ Wᵀ``, ``dW = Xᵀ dZ = Σ_i x_i δ_iᵀ`` (a sum of outer products over the batch),
    ``db = Σ_i δ_i`` (column sums of dZ) [Goodfellow, Bengio & Courville 2016, sec. 6.5.4];
    derived in chapter 7 from the affine-layer result of chapter 2.

    Parameters
    ----------
    dZ : array_like, shape (m, n_out)
    X : array_like, shape (m, n_in)
        The layer's input from the forward pass.
    W : array_like, shape (n_in, n_out)

    Returns
    -------
    dX : ndarray, shape (m, n_in)
    dW : ndarray, shape (n_in, n_out)
    db : ndarray, shape (n_out,)
    """
    caller = "linear_backward"
    X, W, _ = _layer_inputs(X, W, None, caller)
    dZ = as_real_array(dZ, "dZ", caller, ndim=2)
    if dZ.shape != (X.shape[0], W.shape[1]):
        raise ValueError(f"{caller}: `dZ` has shape {shape_str(dZ.shape)} but X W has shape "
                         f"{shape_str((X.shape[0], W.shape[1]))}")
    return (dZ @ W.T, *_weight_grads(dZ, X))


def _weight_grads(dZ, X):
    # ∂L/∂W = Xᵀ dZ (sum over the batch of outer products), ∂L/∂b = column sums of dZ.
    return X.T @ dZ, dZ.sum(axis=0)


def _layer_inputs(X, W, b, caller):
    X = as_real_array(X, "X", caller, ndim=2)
    W = as_real_array(W, "W", caller, ndim=2)
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"{caller}: `X` has {X.shape[1]} features (shape {shape_str(X.shape)}) "
                         f"but `W` expects {W.shape[0]} (shape {shape_str(W.shape)})")
    if b is not None:
        b = as_real_array(b, "b", caller, ndim=1)
        if b.shape != (W.shape[1],):
            raise ValueError(f"{caller}: `b` has shape {shape_str(b.shape)} but `W` has "
                             f"{W.shape[1]} outputs (shape {shape_str(W.shape)})")
    return X, W, b


# --- multilayer perceptron ------------------------------------------------------------------


def init_mlp(sizes, rng, *, activation: str = "relu") -> list:
    """Random parameters ``[(W_1, b_1), …]`` for layer widths ``sizes = (n_0, n_1, …, n_L)``.

    Weights are Gaussian with variance 2/n_in for ReLU [He et al. 2015, eq. 10] and
    2/(n_in + n_out) for sigmoid and tanh [Glorot & Bengio 2010, eq. 12]; biases are zero.

    Parameters
    ----------
    sizes : sequence of int, length ≥ 2
    rng : numpy.random.Generator or int
        Generator, or a seed for ``numpy.random.default_rng``.
    activation : {"relu", "sigmoid", "tanh"}
        The hidden activation the network will use (it chooses the scale).

    Returns
    -------
    params : list of (W, b), ``W_l`` of shape (n_{l-1}, n_l), ``b_l`` of shape (n_l,)
    """
    caller = "init_mlp"
    _activation_name(activation, caller)
    try:
        widths = as_shape(sizes, "sizes", caller)
    except ValueError:
        widths = ()
    if len(widths) < 2:
        raise ValueError(f"{caller}: `sizes` must list at least 2 positive widths (ints), got {sizes!r}")
    sizes, rng = widths, as_rng(rng, "rng", caller)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        var = 2.0 / n_in if activation == "relu" else 2.0 / (n_in + n_out)
        params.append((rng.normal(0.0, np.sqrt(var), (n_in, n_out)), np.zeros(n_out)))
    return params


def _validate_params(params, X, caller):
    if not isinstance(params, (list, tuple)) or len(params) == 0:
        raise ValueError(f"{caller}: `params` must be a non-empty list of (W, b) pairs")
    checked, width = [], X.shape[1]
    for k, pair in enumerate(params):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"{caller}: `params[{k}]` must be a (W, b) pair")
        W = as_real_array(pair[0], f"params[{k}][0]", caller, ndim=2)
        b = as_real_array(pair[1], f"params[{k}][1]", caller, ndim=1)
        if W.shape[0] != width:
            what = (f"`X` has {width} features but the first layer expects {W.shape[0]}" if k == 0
                    else f"layer {k - 1} outputs {width} values but layer {k} expects {W.shape[0]}")
            raise ValueError(f"{caller}: {what} (`params[{k}][0]` has shape {shape_str(W.shape)}, "
                             f"`X` has shape {shape_str(X.shape)})")
        if b.shape != (W.shape[1],):
            raise ValueError(f"{caller}: `params[{k}][1]` has shape {shape_str(b.shape)} but "
                             f"`params[{k}][0]` has {W.shape[1]} outputs (shape {shape_str(W.shape)})")
        checked.append((W, b))
        width = W.shape[1]
    return checked


def _forward(params, X, phi):
    outputs = [X]
    for k, (W, b) in enumerate(params):
        Z = outputs[-1] @ W + b
        outputs.append(Z if k == len(params) - 1 else phi(Z))
    return outputs


def _backward(params, outputs, dZ, dphi, weight_decay):
    # δ recursion: δ_L = ∂L/∂Z_L; dW_l = A_{l-1}ᵀ δ_l, db_l = Σ_rows δ_l,
    # δ_{l-1} = (δ_l W_lᵀ) ∘ φ'(Z_{l-1}) [Goodfellow, Bengio & Courville 2016, Algorithm 6.4].
    grads, deltas = [None] * len(params), [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        W = params[k][0]
        deltas[k] = dZ
        dW, db = _weight_grads(dZ, outputs[k])
        if weight_decay:
            dW += weight_decay * W  # d/dW of (λ/2)‖W‖_F²
        grads[k] = (dW, db)
        if k:
            dZ = dphi(dZ @ W.T, outputs[k])
    return grads, deltas


def _setup(params, X, activation, caller):
    X = as_real_array(X, "X", caller, ndim=2)
    name = _activation_name(activation, caller)
    return _validate_params(params, X, caller), X, name


def mlp_forward(params, X, *, activation: str = "relu") -> list:
    """All layer outputs of the MLP: ``[X, A_1, …, A_{L-1}, Z_L]``.

    Hidden layers are ``A_l = φ(A_{l-1} W_l + b_l)``; the last layer is linear
    (``Z_L`` are logits or regression outputs).

    Parameters
    ----------
    params : list of (W, b)
        ``W_l`` of shape (n_{l-1}, n_l), ``b_l`` of shape (n_l,).
    X : array_like, shape (m, n_0)
    activation : {"relu", "sigmoid", "tanh"}

    Returns
    -------
    outputs : list of L + 1 ndarrays, ``outputs[l]`` of shape (m, n_l)
    """
    params, X, name = _setup(params, X, activation, "mlp_forward")
    return _forward(params, X, _FORWARD[name])


def mlp_backward(params, outputs, dZ, *, activation: str = "relu",
                 weight_decay: float = 0.0) -> tuple[list, list]:
    """Backward pass of the MLP from ``dZ = ∂L/∂Z_L`` (the δ recursion).

    Parameters
    ----------
    params, activation
        As for :func:`mlp_forward`.
    outputs : list of ndarray
        Returned by :func:`mlp_forward` for the same `params` and `activation`.
    dZ : array_like, shape (m, n_L)
        Gradient of the data loss with respect to the network output.
    weight_decay : float
        λ ≥ 0: adds λ W_l to each dW_l (the gradient of (λ/2)‖W_l‖_F²).

    Returns
    -------
    grads : list of (dW, db), shapes matching `params`
    deltas : list of ndarray
        ``deltas[k] = δ_{k+1} = ∂L/∂Z_{k+1}``, shape (m, n_{k+1}): each layer's error signal.
    """
    caller = "mlp_backward"
    if not isinstance(outputs, (list, tuple)) or not outputs:
        raise ValueError(f"{caller}: `outputs` must be the list returned by mlp_forward")
    params, X, name = _setup(params, outputs[0], activation, caller)
    if len(outputs) != len(params) + 1:
        raise ValueError(f"{caller}: `outputs` must be the list returned by mlp_forward "
                         f"(length {len(params) + 1} for {len(params)} layers, got {len(outputs)})")
    dZ = _output_shaped(dZ, "dZ", params, X, caller)
    outputs = [X] + [_layer_output(A, k + 1, params, X, name, caller) for k, A in enumerate(outputs[1:])]
    return _backward(params, outputs, dZ, _BACKWARD[name], _decay(weight_decay, caller))


def _layer_output(A, k, params, X, activation, caller):
    """outputs[k] of mlp_forward: shape (m, n_k), and an activation of φ for a hidden layer."""
    what = f"outputs[{k}]"
    A, want = as_real_array(A, what, caller, ndim=2), (X.shape[0], params[k - 1][0].shape[1])
    if A.shape != want:
        raise ValueError(f"{caller}: `{what}` has shape {shape_str(A.shape)} but layer {k} maps `X` of "
                         f"shape {shape_str(X.shape)} to shape {shape_str(want)} (`outputs` must be "
                         f"the list returned by mlp_forward)")
    if k < len(params):
        _require_activation(A, activation, what, caller)
    return A


def _output_shaped(Y, name, params, X, caller):
    Y, want = as_real_array(Y, name, caller, ndim=2), (X.shape[0], params[-1][0].shape[1])
    if Y.shape != want:
        raise ValueError(f"{caller}: `{name}` has shape {shape_str(Y.shape)} but the network maps "
                         f"`X` of shape {shape_str(X.shape)} to outputs of shape {shape_str(want)}")
    return Y


def _decay(weight_decay, caller):
    if (isinstance(weight_decay, bool) or not isinstance(weight_decay, numbers.Real)
            or not np.isfinite(weight_decay) or weight_decay < 0):
        raise ValueError(f"{caller}: `weight_decay` must be a finite number ≥ 0, got {weight_decay!r}")
    return float(weight_decay)


def mlp_loss_and_grads(params, X, Y, *, activation: str = "relu",
                       loss: str = "softmax_cross_entropy",
                       weight_decay: float = 0.0) -> tuple[float, list]:
    """Loss of the MLP on a batch and its gradient with respect to every parameter.

    Parameters
    ----------
    params : list of (W, b)
        ``W_l`` of shape (n_{l-1}, n_l), ``b_l`` of shape (n_l,); see :func:`init_mlp`.
    X : array_like, shape (m, n_0)
        One example per row.
    Y : array_like, shape (m, n_L)
        One-hot rows for "softmax_cross_entropy", targets for "mse".
    activation : {"relu", "sigmoid", "tanh"}
        Hidden-layer activation; the last layer is linear.
    loss : {"softmax_cross_entropy", "mse"}
        Averaged over the batch (see :func:`softmax_cross_entropy`, :func:`mse`).
    weight_decay : float
        λ ≥ 0; the loss includes ``(λ/2) Σ_l ‖W_l‖_F²`` (biases are not decayed).

    Returns
    -------
    loss : float
    grads : list of (dW, db), shapes matching `params`
    """
    caller = "mlp_loss_and_grads"
    params, X, name = _setup(params, X, activation, caller)
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"{caller}: `loss` must be one of {LOSSES}, got {loss!r}")
    lam = _decay(weight_decay, caller)
    Y = _output_shaped(Y, "Y", params, X, caller)
    if loss == "softmax_cross_entropy":
        _check_distributions(Y, caller)
    outputs = _forward(params, X, _FORWARD[name])
    if loss == "softmax_cross_entropy":
        value, dZ = _softmax_cross_entropy(outputs[-1], Y, caller)
    else:
        value, dZ = _mse(outputs[-1], Y)
    if lam:
        value += 0.5 * lam * sum(np.vdot(W, W) for W, _ in params)
    grads, _ = _backward(params, outputs, dZ, _BACKWARD[name], lam)
    return float(value), grads


def mlp_predict(params, X, *, activation: str = "relu") -> np.ndarray:
    """Network output ``Z_L``, shape (m, n_L), for a batch ``X`` of shape (m, n_0).

    For a classifier these are logits: ``.argmax(axis=1)`` gives the predicted labels.
    """
    params, X, name = _setup(params, X, activation, "mlp_predict")
    return _forward(params, X, _FORWARD[name])[-1]
