"""Gradient of λ_max w.r.t. an n×n matrix: the formula q qᵀ vs finite differences (anchor: the formula).

Cost: the formula needs one symmetric eigendecomposition; central differences need two per
entry, 2n² in all, so the ratio grows like n². For large n the finite-difference time is
extrapolated from a sample of 400 entries (the cost per entry does not depend on which
entry; the best of 4 chunks of 100 is taken). Accuracy: both are compared with torch
autograd of ``torch.linalg.eigvalsh`` in float64. Results are printed and written to
``benchmarks/results/eigen_derivative.json``.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from timing import best_time, write_results

SIZES = (20, 50, 100, 200)
FD_SAMPLE = 400  # entries differenced per size (all of them when n² ≤ FD_SAMPLE)
FD_CHUNKS = 4  # the per-entry cost is the best over this many chunks of the sample


def lam_max(X: np.ndarray) -> float:
    """Largest eigenvalue of sym(X): the function whose gradient is q qᵀ."""
    return np.linalg.eigvalsh((X + X.T) / 2)[-1]


def formula_gradient(A: np.ndarray) -> np.ndarray:
    q = np.linalg.eigh((A + A.T) / 2)[1][:, -1]
    return np.outer(q, q)


def torch_gradient(A: np.ndarray) -> np.ndarray:
    A_t = torch.tensor(A, dtype=torch.float64, requires_grad=True)
    torch.linalg.eigvalsh((A_t + A_t.T) / 2)[-1].backward()
    return A_t.grad.numpy()


def fd_entries(A: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """Central differences of λ_max at the given flat entries (step ε^(1/3) max(1, |a|))."""
    out = np.empty(len(entries))
    X = A.copy()
    for k, flat in enumerate(entries):
        idx = np.unravel_index(flat, A.shape)
        h = np.cbrt(np.finfo(float).eps) * max(1.0, abs(A[idx]))
        X[idx] = A[idx] + h
        up = lam_max(X)
        X[idx] = A[idx] - h
        down = lam_max(X)
        X[idx] = A[idx]
        out[k] = (up - down) / (2 * h)
    return out


def measure(n: int, rng: np.random.Generator) -> dict:
    B = rng.standard_normal((n, n))
    A = (B + B.T) / np.sqrt(2 * n)
    gap = np.diff(np.linalg.eigvalsh(A))[-1]
    reference = torch_gradient(A)
    entries = np.arange(n * n) if n * n <= FD_SAMPLE else rng.choice(n * n, FD_SAMPLE, replace=False)
    fd, per_entry = np.empty(len(entries)), []
    for chunk in np.array_split(np.arange(len(entries)), FD_CHUNKS):  # best chunk: robust to load
        start = time.perf_counter()
        fd[chunk] = fd_entries(A, entries[chunk])
        per_entry.append((time.perf_counter() - start) / len(chunk))
    fd_per_entry = min(per_entry)
    t_formula = best_time(lambda: formula_gradient(A))
    t_torch = best_time(lambda: torch_gradient(A))
    return {
        "n": n,
        "gap_lambda_max": float(gap),
        "formula_seconds": t_formula,
        "torch_autograd_seconds": t_torch,
        "fd_seconds_full_gradient": fd_per_entry * n * n,
        "fd_entries_timed": int(len(entries)),
        "fd_extrapolated": bool(len(entries) < n * n),
        "fd_over_formula": fd_per_entry * n * n / t_formula,
        "max_abs_error_formula": float(np.max(np.abs(formula_gradient(A) - reference))),
        "max_abs_error_fd": float(np.max(np.abs(fd - reference.ravel()[entries]))),
    }


def main() -> None:
    rng = np.random.default_rng(0)
    rows = [measure(n, rng) for n in SIZES]
    print(f"{'n':>4} {'q qᵀ [ms]':>10} {'torch [ms]':>11} {'FD, n² entries [s]':>19} {'FD / formula':>13} "
          f"{'err q qᵀ':>9} {'err FD':>9}")
    for r in rows:
        star = "*" if r["fd_extrapolated"] else " "
        print(f"{r['n']:4d} {1e3 * r['formula_seconds']:10.3f} {1e3 * r['torch_autograd_seconds']:11.3f} "
              f"{r['fd_seconds_full_gradient']:18.2f}{star} {r['fd_over_formula']:12.0f}x "
              f"{r['max_abs_error_formula']:9.1e} {r['max_abs_error_fd']:9.1e}")
    print(f"* extrapolated from {FD_SAMPLE} differenced entries; errors: max |· − torch autograd|")
    write_results("eigen_derivative", {
        "benchmark": "eigen_derivative",
        "description": __doc__.strip().splitlines()[0],
        "how": "python benchmarks/run.py (make bench); best of 5 repeats",
        "rows": rows,
    })


if __name__ == "__main__":
    main()
