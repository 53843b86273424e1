"""Hessian-vector products by double backward vs forming the Hessian and multiplying.

The function is the mean logistic-regression loss of n weights on m = 2n examples, in
float64 with torch. The anchor forms the full Hessian with
``torch.autograd.functional.hessian`` (n reverse passes over the gradient) and multiplies it
by v; the HVP differentiates ⟨∇f(w), v⟩ once more: reverse over reverse, torch's double
backward, which costs a small multiple of one gradient, like Pearlmutter's (1994)
forward-over-reverse R-operator. Both results are compared before timing. Prints a table of
ratios and writes benchmarks/results/hvp.json (chapter 9 quotes it; the chapter never times
anything). Time is the best of 5 repeats (benchmarks/timing.py).
"""

from __future__ import annotations

import numpy as np
import torch
from timing import best_time, write_results

SIZES = (100, 300, 1000)


def make_loss(n: int, seed: int = 0):
    """Mean logistic loss of w ∈ R^n on m = 2n standard-normal examples with random labels."""
    g = torch.Generator().manual_seed(seed + n)
    A = torch.randn(2 * n, n, generator=g, dtype=torch.float64) / np.sqrt(n)
    y = (torch.rand(2 * n, generator=g, dtype=torch.float64) < 0.5).to(torch.float64)

    def loss(w):
        return torch.nn.functional.binary_cross_entropy_with_logits(A @ w, y)

    return loss


def hvp_double_backward(loss, w, v):
    """H v by differentiating ⟨∇f(w), v⟩ (reverse over reverse: torch's double backward)."""
    w = w.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(loss(w), w, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, w)
    return hv


def hvp_full_hessian(loss, w, v):
    return torch.autograd.functional.hessian(loss, w) @ v


def main() -> dict:
    torch.set_num_threads(1)
    rows = []
    print(f"{'n':>5} {'Hessian then H@v [ms]':>22} {'double backward [ms]':>21} {'speed-up':>9} "
          f"{'hvp() [ms]':>11}")
    for n in SIZES:
        loss = make_loss(n)
        g = torch.Generator().manual_seed(n)
        w = torch.randn(n, generator=g, dtype=torch.float64)
        v = torch.randn(n, generator=g, dtype=torch.float64)
        np.testing.assert_allclose(hvp_double_backward(loss, w, v).numpy(),
                                   hvp_full_hessian(loss, w, v).numpy(), rtol=1e-10, atol=1e-12)
        t_full = best_time(lambda: hvp_full_hessian(loss, w, v))  # noqa: B023
        t_hvp = best_time(lambda: hvp_double_backward(loss, w, v))  # noqa: B023
        t_func = best_time(lambda: torch.autograd.functional.hvp(loss, w, v))  # noqa: B023
        row = {"n": n, "m": 2 * n, "seconds_full_hessian": t_full, "seconds_double_backward": t_hvp,
               "seconds_functional_hvp": t_func, "ratio": t_full / t_hvp}
        rows.append(row)
        print(f"{n:5d} {1e3 * t_full:22.2f} {1e3 * t_hvp:21.3f} {row['ratio']:8.0f}x {1e3 * t_func:11.3f}")
    results = {
        "benchmark": "Hessian-vector product of the mean logistic loss (n weights, m = 2n examples), "
                     "float64: torch.autograd.functional.hessian(f, w) @ v vs double backward",
        "timing": "best of 5 repeats, each long enough to measure (timeit autorange), 1 torch thread",
        "rows": rows,
    }
    write_results("hvp", results)
    return results


if __name__ == "__main__":
    main()
