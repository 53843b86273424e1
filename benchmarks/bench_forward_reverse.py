"""Gradient of a scalar tanh network of n inputs: n JVPs (forward mode) vs one VJP (reverse mode).

The anchor is forward mode, timed in the same run; writes benchmarks/results/forward_reverse.json.
"""

from __future__ import annotations

import numpy as np
from timing import best_time, write_results


def layers(rng, sizes):
    return [rng.standard_normal((out, inp)) / np.sqrt(inp) for inp, out in zip(sizes[:-1], sizes[1:])]


def tangent_sweep(Ws, x, v):
    """Forward mode: values and one tangent together (tanh after every layer but the last)."""
    for k, W in enumerate(Ws):
        x, v = W @ x, W @ v
        if k < len(Ws) - 1:
            x = np.tanh(x)
            v = (1 - x**2) * v
    return v


def adjoint_sweep(Ws, x, u):
    """Reverse mode: a value sweep that stores activations, then one backward sweep."""
    activations = []
    for W in Ws[:-1]:
        x = np.tanh(W @ x)
        activations.append(x)
    u = Ws[-1].T @ u
    for W, a in zip(reversed(Ws[:-1]), reversed(activations)):
        u = W.T @ ((1 - a**2) * u)
    return u


def main() -> dict:
    rng = np.random.default_rng(0)
    rows = []
    print(f"{'n inputs':>9} {'forward: n JVPs [ms]':>21} {'reverse: 1 VJP [ms]':>20} {'ratio':>8}")
    for n in (250, 500, 1000, 2000):
        Ws = layers(rng, (n, 200, 100, 1))
        x, basis, one = rng.standard_normal(n), np.eye(n), np.ones(1)
        forward = np.array([tangent_sweep(Ws, x, e)[0] for e in basis])
        np.testing.assert_allclose(forward, adjoint_sweep(Ws, x, one), rtol=1e-9, atol=1e-12)
        t_forward = best_time(lambda: [tangent_sweep(Ws, x, e) for e in basis], repeat=3)  # noqa: B023
        t_reverse = best_time(lambda: adjoint_sweep(Ws, x, one))  # noqa: B023
        print(f"{n:9d} {1e3 * t_forward:21.2f} {1e3 * t_reverse:20.3f} {t_forward / t_reverse:7.0f}x")
        rows.append({"n": n, "seconds_forward": t_forward, "seconds_reverse": t_reverse,
                     "ratio_forward_over_reverse": t_forward / t_reverse})
    results = {"benchmark": "gradient of a tanh network with layers (n, 200, 100, 1)",
               "timing": "best of 3 (forward) and 5 (reverse) repeats", "rows": rows}
    write_results("forward_reverse", results)
    return results


if __name__ == "__main__":
    main()
