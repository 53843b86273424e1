"""mc.transformer attention and LayerNorm (forward + backward) vs PyTorch float64, and attention memory.

Prints three tables and writes benchmarks/results/transformer.json:

1. ``mc.transformer.attention`` + ``attention_backward`` (dQ, dK, dV) against
   ``torch.nn.functional.scaled_dot_product_attention`` + autograd, float64, at a few
   (batch·heads, L, d) sizes, causal and not. The ratio is mclib time / torch time (goal ≤ 1.5).
2. ``layer_norm`` + ``layer_norm_backward`` against ``F.layer_norm`` + autograd (goal ≤ 1.5).
3. Peak memory (tracemalloc) of one attention forward + backward at L = S = 2048, d = 64:
   mclib's backward, which recomputes the probabilities block of query rows by block, against
   the textbook implementation that keeps the L×S matrix P from the forward pass for the
   backward pass. Both are NumPy; tracemalloc sees NumPy's allocations.

Each time is the best of 9 rounds (benchmarks/timing.py), and the rounds alternate between
the two contenders, so that a busy machine slows both alike. Both libraries use their
default thread settings. Results agree to rounding before anything is timed.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import torch
import torch.nn.functional as F
from timing import best_time, write_results

import mclib as mc

tr = mc.transformer
ROUNDS = 9
ATTENTION_SIZES = [(8, 128, 64), (4, 512, 64), (1, 2048, 64)]  # (batch·heads, L = S, d)
LAYERNORM_SIZES = [(4096, 256), (1024, 1024), (256, 4096)]      # (rows, n)
MEMORY_L, MEMORY_D = 2048, 64


def interleaved_best(*fns) -> list[float]:
    """Best time of each function over ROUNDS rounds that alternate between them."""
    times = [[] for _ in fns]
    for _ in range(ROUNDS):
        for fn, record in zip(fns, times):
            record.append(best_time(fn, repeat=1))
    return [min(record) for record in times]


def torch_attention_step(tq, tk, tv, tdo, causal):
    for t in (tq, tk, tv):
        t.grad = None
    out = F.scaled_dot_product_attention(tq, tk, tv, is_causal=causal)
    out.backward(tdo)
    return out, tq.grad, tk.grad, tv.grad


def mclib_attention_step(q, k, v, do, causal):
    return (tr.attention(q, k, v, causal=causal), *tr.attention_backward(do, q, k, v, causal=causal))


def attention_rows(rng) -> list[dict]:
    rows = []
    for batch, L, d in ATTENTION_SIZES:
        q, k, v, do = (rng.standard_normal((batch, L, d)) for _ in range(4))
        tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
        tdo = torch.tensor(do)
        for causal in (False, True):
            for ours, theirs in zip(mclib_attention_step(q, k, v, do, causal),
                                    torch_attention_step(tq, tk, tv, tdo, causal)):
                np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-9, atol=1e-10)
            t_torch, t_mc = interleaved_best(
                lambda: torch_attention_step(tq, tk, tv, tdo, causal),  # noqa: B023
                lambda: mclib_attention_step(q, k, v, do, causal))      # noqa: B023
            rows.append({"batch_heads": batch, "L": L, "d": d, "causal": causal,
                         "seconds_torch": t_torch, "seconds_mclib": t_mc,
                         "ratio_mclib_over_torch": t_mc / t_torch})
    return rows


def torch_layer_norm_step(tx, tg, tb, tdy):
    for t in (tx, tg, tb):
        t.grad = None
    y = F.layer_norm(tx, (tx.shape[-1],), tg, tb, 1e-5)
    y.backward(tdy)
    return y, tx.grad, tg.grad, tb.grad


def mclib_layer_norm_step(x, g, b, dy):
    return (tr.layer_norm(x, g, b), *tr.layer_norm_backward(dy, x, g))


def layer_norm_rows(rng) -> list[dict]:
    rows = []
    for m, n in LAYERNORM_SIZES:
        x, dy = rng.standard_normal((m, n)), rng.standard_normal((m, n))
        g, b = rng.standard_normal(n), rng.standard_normal(n)
        tx, tg, tb = (torch.tensor(a, requires_grad=True) for a in (x, g, b))
        tdy = torch.tensor(dy)
        for ours, theirs in zip(mclib_layer_norm_step(x, g, b, dy), torch_layer_norm_step(tx, tg, tb, tdy)):
            np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-9, atol=1e-9)
        t_torch, t_mc = interleaved_best(lambda: torch_layer_norm_step(tx, tg, tb, tdy),  # noqa: B023
                                         lambda: mclib_layer_norm_step(x, g, b, dy))      # noqa: B023
        rows.append({"rows": m, "n": n, "seconds_torch": t_torch, "seconds_mclib": t_mc,
                     "ratio_mclib_over_torch": t_mc / t_torch})
    return rows


def storing_attention_step(q, k, v, do):
    """The textbook version: the forward pass keeps P (L×S) for the backward pass."""
    scale = 1.0 / np.sqrt(q.shape[-1])
    z = q @ k.T * scale
    z -= z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    del z
    out = p @ v
    dv = p.T @ do
    dp = do @ v.T
    ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
    return out, ds @ k * scale, ds.T @ q * scale, dv


def peak_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def memory_row(rng) -> dict:
    q, k, v, do = (rng.standard_normal((MEMORY_L, MEMORY_D)) for _ in range(4))
    for ours, theirs in zip(mclib_attention_step(q, k, v, do, False), storing_attention_step(q, k, v, do)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)
    stored = peak_bytes(lambda: storing_attention_step(q, k, v, do))
    recomputed = peak_bytes(lambda: mclib_attention_step(q, k, v, do, False))
    return {"L": MEMORY_L, "S": MEMORY_L, "d": MEMORY_D, "bytes_of_P": MEMORY_L * MEMORY_L * 8,
            "peak_bytes_storing_P": stored, "peak_bytes_recomputing": recomputed,
            "ratio_storing_over_recomputing": stored / recomputed}


def main() -> dict:
    rng = np.random.default_rng(0)
    print("attention forward + backward (dQ, dK, dV), float64")
    print(f"{'B·H':>4} {'L=S':>5} {'d':>3} {'causal':>6} {'torch [ms]':>11} {'mclib [ms]':>11} "
          f"{'mclib/torch':>12}")
    att = attention_rows(rng)
    for r in att:
        print(f"{r['batch_heads']:4d} {r['L']:5d} {r['d']:3d} {str(r['causal']):>6} "
              f"{1e3 * r['seconds_torch']:11.2f} {1e3 * r['seconds_mclib']:11.2f} "
              f"{r['ratio_mclib_over_torch']:12.2f}")
    print("\nlayer_norm forward + backward (dX, dγ, dβ), float64")
    print(f"{'rows':>5} {'n':>5} {'torch [ms]':>11} {'mclib [ms]':>11} {'mclib/torch':>12}")
    ln = layer_norm_rows(rng)
    for r in ln:
        print(f"{r['rows']:5d} {r['n']:5d} {1e3 * r['seconds_torch']:11.2f} {1e3 * r['seconds_mclib']:11.2f} "
              f"{r['ratio_mclib_over_torch']:12.2f}")
    mem = memory_row(rng)
    print(f"\npeak memory (tracemalloc) of attention forward + backward, L = S = {MEMORY_L}, "
          f"d = {MEMORY_D} (P alone: {mem['bytes_of_P'] / 2**20:.0f} MiB): storing P "
          f"{mem['peak_bytes_storing_P'] / 2**20:.1f} MiB, recomputing P by row blocks "
          f"{mem['peak_bytes_recomputing'] / 2**20:.1f} MiB "
          f"({mem['ratio_storing_over_recomputing']:.1f}× less)")
    results = {
        "benchmark": "mc.transformer attention and layer_norm (forward + backward) vs torch float64 "
                     "(CPU); peak memory of the recomputing attention backward vs storing P",
        "timing": f"best of {ROUNDS} rounds alternating between the contenders, each long enough "
                  "to measure (timeit autorange)",
        "torch_threads": torch.get_num_threads(),
        "attention_forward_backward": att,
        "layer_norm_forward_backward": ln,
        "attention_memory": mem,
    }
    write_results("transformer", results)
    return results


if __name__ == "__main__":
    main()
