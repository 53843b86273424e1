"""mc.conv.conv2d + conv2d_backward vs torch.nn.functional.conv2d + autograd (CPU), and im2col.

Prints two tables and writes benchmarks/results/conv.json:

1. One forward + backward pass (dx, dw, db) of a 3×3 convolution, N=32, C=16 → F=32,
   32×32 images, padding 1, in float64 and float32, each library in the same dtype.
   The ratio is mclib time / torch time (goal ≤ 2.0).
2. im2col by stride tricks (``mc.conv.im2col``) against a naive Python loop over the
   output positions, on the same input (the ratio is loop time / im2col time).

Each time is the best of 9 rounds (benchmarks/timing.py), and the rounds alternate between
the two contenders, so that a busy machine slows both alike. Both libraries use their
default thread settings. Results agree to rounding before anything is timed.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from timing import best_time, write_results

import mclib as mc

N, C, F_OUT, SIZE, K, PAD = 32, 16, 32, 32, 3, 1
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-3}
ROUNDS = 9


def interleaved_best(*fns) -> list[float]:
    """Best time of each function over ROUNDS rounds that alternate between them."""
    times = [[] for _ in fns]
    for _ in range(ROUNDS):
        for fn, record in zip(fns, times):
            record.append(best_time(fn, repeat=1))
    return [min(record) for record in times]


def mclib_step(x, w, b, dy):
    y = mc.conv.conv2d(x, w, b, padding=PAD)
    return (y, *mc.conv.conv2d_backward(dy, x, w, padding=PAD))


def torch_step(x, w, b, dy):
    for t in (x, w, b):
        t.grad = None
    y = F.conv2d(x, w, b, padding=PAD)
    y.backward(dy)
    return y, x.grad, w.grad, b.grad


def naive_im2col(x, k, padding):
    """The loop im2col replaces: one copy per output position."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, hp, wp = xp.shape
    ho, wo = hp - k + 1, wp - k + 1
    cols = np.empty((n, c * k * k, ho * wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            cols[:, :, i * wo + j] = xp[:, :, i:i + k, j:j + k].reshape(n, -1)
    return cols


def conv_rows(rng) -> list[dict]:
    rows = []
    for dtype in (np.float64, np.float32):
        x = rng.standard_normal((N, C, SIZE, SIZE)).astype(dtype)
        w = (rng.standard_normal((F_OUT, C, K, K)) / np.sqrt(C * K * K)).astype(dtype)
        b = rng.standard_normal(F_OUT).astype(dtype)
        dy = rng.standard_normal((N, F_OUT, SIZE, SIZE)).astype(dtype)
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        tdy = torch.tensor(dy)
        for ours, theirs in zip(mclib_step(x, w, b, dy), torch_step(tx, tw, tb, tdy)):
            assert ours.dtype == dtype
            np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=TOLERANCE[dtype],
                                       atol=TOLERANCE[dtype] * np.abs(ours).max())
        t_torch, t_mc = interleaved_best(lambda: torch_step(tx, tw, tb, tdy),  # noqa: B023
                                         lambda: mclib_step(x, w, b, dy))  # noqa: B023
        rows.append({"dtype": np.dtype(dtype).name, "seconds_torch": t_torch, "seconds_mclib": t_mc,
                     "ratio_mclib_over_torch": t_mc / t_torch})
    return rows


def im2col_row(rng) -> dict:
    x = rng.standard_normal((N, C, SIZE, SIZE))
    np.testing.assert_array_equal(mc.conv.im2col(x, K, padding=PAD), naive_im2col(x, K, PAD))
    t_loop, t_strided = interleaved_best(lambda: naive_im2col(x, K, PAD),
                                         lambda: mc.conv.im2col(x, K, padding=PAD))
    return {"dtype": "float64", "seconds_loop": t_loop, "seconds_stride_tricks": t_strided,
            "speedup": t_loop / t_strided}


def main() -> dict:
    rng = np.random.default_rng(0)
    shape = f"x ({N}, {C}, {SIZE}, {SIZE}), w ({F_OUT}, {C}, {K}, {K}), padding {PAD}"
    print(f"conv2d forward + backward, {shape}")
    print(f"{'dtype':>8} {'torch [ms]':>11} {'mclib [ms]':>11} {'mclib/torch':>12}")
    rows = conv_rows(rng)
    for r in rows:
        print(f"{r['dtype']:>8} {1e3 * r['seconds_torch']:11.2f} {1e3 * r['seconds_mclib']:11.2f} "
              f"{r['ratio_mclib_over_torch']:12.2f}")
    im2col = im2col_row(rng)
    print(f"\nim2col, x ({N}, {C}, {SIZE}, {SIZE}), 3×3, padding {PAD}: "
          f"loop over positions {1e3 * im2col['seconds_loop']:.2f} ms, "
          f"stride tricks {1e3 * im2col['seconds_stride_tricks']:.2f} ms ({im2col['speedup']:.0f}× faster)")
    results = {
        "benchmark": "mc.conv.conv2d + conv2d_backward vs torch.nn.functional.conv2d + backward (CPU); "
                     "im2col by stride tricks vs a Python loop over output positions",
        "config": {"N": N, "C": C, "F": F_OUT, "H": SIZE, "W": SIZE, "kernel": K, "padding": PAD},
        "timing": f"best of {ROUNDS} rounds alternating between the contenders, each long enough "
                  "to measure (timeit autorange)",
        "torch_threads": torch.get_num_threads(),
        "conv2d_forward_backward": rows,
        "im2col": im2col,
    }
    write_results("conv", results)
    return results


if __name__ == "__main__":
    main()
