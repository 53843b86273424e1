"""mc.kron_matvec(A, B, x) vs np.kron(A, B) @ x (the anchor), n×n factors.

Prints a table and writes benchmarks/results/kron_matvec.json, which chapter 3 plots
(the chapter itself never times anything, so its stored outputs stay deterministic).
Time is the best of 5 repeats (benchmarks/timing.py); memory is the peak of the
allocations traced by ``tracemalloc`` (NumPy reports its array buffers to it) during
one call, and the exact size of the Kronecker product, 8 n⁴ bytes.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
from timing import best_time, write_results

import mclib as mc

SIZES = tuple(range(5, 61, 5))


def peak_bytes(fn) -> int:
    """Peak memory traced by ``tracemalloc`` during one call of `fn`, in bytes."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> dict:
    rng = np.random.default_rng(0)
    rows = []
    print(f"{'n':>4} {'np.kron @ x [ms]':>17} {'kron_matvec [ms]':>17} {'speed-up':>9} "
          f"{'A⊗B [MB]':>10} {'peak np.kron [MB]':>18} {'peak kron_matvec [kB]':>22}")
    for n in SIZES:
        A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        x = rng.standard_normal(n * n)
        np.testing.assert_allclose(mc.kron_matvec(A, B, x), np.kron(A, B) @ x, rtol=1e-10, atol=1e-10)
        t_kron = best_time(lambda: np.kron(A, B) @ x)  # noqa: B023
        t_mc = best_time(lambda: mc.kron_matvec(A, B, x))  # noqa: B023
        row = {
            "n": n,
            "seconds_np_kron": t_kron,
            "seconds_kron_matvec": t_mc,
            "ratio": t_kron / t_mc,
            "kron_bytes": n**4 * 8,
            "factor_bytes": A.nbytes + B.nbytes,
            "peak_bytes_np_kron": peak_bytes(lambda: np.kron(A, B) @ x),  # noqa: B023
            "peak_bytes_kron_matvec": peak_bytes(lambda: mc.kron_matvec(A, B, x)),  # noqa: B023
        }
        rows.append(row)
        print(f"{n:4d} {1e3 * t_kron:17.3f} {1e3 * t_mc:17.4f} {row['ratio']:8.0f}x "
              f"{row['kron_bytes'] / 1e6:10.2f} {row['peak_bytes_np_kron'] / 1e6:18.2f} "
              f"{row['peak_bytes_kron_matvec'] / 1e3:22.1f}")
    results = {
        "benchmark": "mc.kron_matvec(A, B, x) vs np.kron(A, B) @ x, A and B n×n, float64",
        "timing": "best of 5 repeats, each long enough to measure (timeit autorange)",
        "memory": "peak bytes traced by tracemalloc during one call",
        "rows": rows,
    }
    write_results("kron_matvec", results)
    return results


if __name__ == "__main__":
    main()
