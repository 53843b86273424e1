"""One MLP training epoch on the digits: mclib.nn vs PyTorch CPU (float64, same network and batches).

Network 64-128-64-10 with ReLU, softmax cross-entropy, mini-batches of 32, SGD with momentum 0.9
and weight decay 1e-4 on the weights (not the biases), on the 1,347 training images of chapter 7.
Both sides run in float64 from the same initial weights over the same shuffled batches (one epoch
of each is checked to end at the same weights). Threads are matched, for numpy's BLAS (threadpoolctl)
and torch (torch.set_num_threads): first 1 for both (these matrices are small enough that OpenBLAS
runs them on one thread anyway), then numpy's default BLAS thread count for both. On a machine
shared with other jobs, several torch threads can be far slower than one. Writes
benchmarks/results/mlp.json.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_info, threadpool_limits
from timing import best_time, write_results

import mclib as mc

SIZES = (64, 128, 64, 10)
BATCH, LR, MOMENTUM, WEIGHT_DECAY = 32, 0.1, 0.9, 1e-4
N_TRAIN = 1347  # 75 % of the 1,797 images, as in chapter 7


def numpy_blas_threads() -> int:
    """Threads of the BLAS that numpy itself links (not scipy's or torch's)."""
    for pool in threadpool_info():
        if pool["user_api"] == "blas" and "numpy" in pool["filepath"]:
            return pool["num_threads"]
    raise RuntimeError("could not find numpy's BLAS with threadpoolctl")


def mclib_epoch(params, velocity, X, Y, order):
    for start in range(0, len(order), BATCH):
        idx = order[start:start + BATCH]
        _, grads = mc.nn.mlp_loss_and_grads(params, X[idx], Y[idx], weight_decay=WEIGHT_DECAY)
        for (W, b), (dW, db), (vW, vb) in zip(params, grads, velocity):
            vW *= MOMENTUM
            vW += dW
            W -= LR * vW
            vb *= MOMENTUM
            vb += db
            b -= LR * vb


def torch_model(params):
    layers = []
    for k, (W, b) in enumerate(params):
        linear = torch.nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T))  # torch stores (out, in): our W transposed
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if k < len(params) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    groups = [{"params": [m.weight for m in model if isinstance(m, torch.nn.Linear)],
               "weight_decay": WEIGHT_DECAY},
              {"params": [m.bias for m in model if isinstance(m, torch.nn.Linear)], "weight_decay": 0.0}]
    return model, torch.optim.SGD(groups, lr=LR, momentum=MOMENTUM)


def torch_epoch(model, optimizer, X, y, order):
    for start in range(0, len(order), BATCH):
        idx = order[start:start + BATCH]
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
        optimizer.step()


def run() -> dict:
    """Seconds per epoch of both, after checking that one epoch of each ends at the same weights."""
    digits = load_digits()
    X_train, _, y_train, _ = train_test_split(digits.data / 16.0, digits.target, test_size=0.25,
                                              random_state=0, stratify=digits.target)
    Y_train = mc.nn.one_hot(y_train, 10)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X_train))
    assert len(order) == N_TRAIN
    params = mc.nn.init_mlp(SIZES, rng)
    velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    model, optimizer = torch_model(params)
    Xt, yt, order_t = torch.from_numpy(X_train), torch.from_numpy(y_train), torch.from_numpy(order)

    mclib_epoch(params, velocity, X_train, Y_train, order)
    torch_epoch(model, optimizer, Xt, yt, order_t)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for (W, b), linear in zip(params, linears):
        np.testing.assert_allclose(W, linear.weight.detach().numpy().T, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b, linear.bias.detach().numpy(), rtol=1e-9, atol=1e-12)

    return {
        "mclib": best_time(lambda: mclib_epoch(params, velocity, X_train, Y_train, order), repeat=7),
        "torch": best_time(lambda: torch_epoch(model, optimizer, Xt, yt, order_t), repeat=7),
    }


def main() -> None:
    steps = -(-N_TRAIN // BATCH)
    print(f"network {'-'.join(map(str, SIZES))}, ReLU, batch {BATCH}, {steps} steps/epoch, float64")
    print(f"{'threads':>7} {'mclib epoch [ms]':>17} {'torch epoch [ms]':>17} {'mclib/torch':>12}")
    rows = []
    for threads in sorted({1, numpy_blas_threads()}):
        torch.set_num_threads(threads)
        with threadpool_limits(limits=threads, user_api="blas"):
            seconds = run()
        ratio = seconds["mclib"] / seconds["torch"]
        rows.append({"threads": threads, "seconds": seconds, "ratio_mclib_over_torch": ratio})
        print(f"{threads:7d} {1e3 * seconds['mclib']:17.2f} {1e3 * seconds['torch']:17.2f} {ratio:12.2f}")
    print("goal: mclib/torch ≤ 1.0 (threads: numpy's BLAS and torch.set_num_threads, both the same)")

    write_results("mlp", {
        "benchmark": "one training epoch of an MLP on load_digits (chapter 7)",
        "network": list(SIZES), "activation": "relu", "loss": "softmax_cross_entropy",
        "batch_size": BATCH, "steps_per_epoch": steps, "n_train": N_TRAIN,
        "optimizer": {"lr": LR, "momentum": MOMENTUM, "weight_decay": WEIGHT_DECAY},
        "dtype": "float64", "runs": rows,
    })


if __name__ == "__main__":
    main()
