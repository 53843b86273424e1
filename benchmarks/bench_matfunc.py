"""Fréchet derivatives of matrix functions: mc.matfunc vs scipy.linalg (anchors), n×n, float64.

Two tables, ratios measured in the same run (best of 5 repeats, benchmarks/timing.py):

1. ``mc.matfunc.expm_frechet(A, E)`` (Padé [13/13] scaling and squaring on block-triangular
   pairs) vs ``scipy.linalg.expm_frechet(A, E, compute_expm=False)`` (Al-Mohy & Higham 2009)
   and vs the plain block identity ``scipy.linalg.expm([[A, E], [0, A]])[:n, n:]`` (a 2n×2n
   exponential); random A with ‖A‖ of order 1.
2. ``mc.matfunc.matrix_function_derivative(A, H, log, 1/x)`` (Daleckii–Krein: one ``eigh``) vs
   central differences of ``scipy.linalg.logm`` (two n×n logarithms) and vs the block identity
   ``scipy.linalg.logm([[A, H], [0, A]])[:n, n:]``, which is exact and serves as the accuracy
   reference; SPD A with eigenvalues in [1, 10] and a near-tie (gap 1e-10) between two of them.

Results are written to ``benchmarks/results/matfunc.json``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from timing import best_time, write_results

import mclib as mc

SIZES = (10, 50, 200)
H_STEP = 1e-6  # central-difference step for logm (eigenvalues in [1, 10])


def rel_err(X: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(X - ref)) / np.max(np.abs(ref)))


def block_derivative(fun, A: np.ndarray, E: np.ndarray) -> np.ndarray:
    """f([[A, E], [0, A]])[:n, n:] = L_f(A, E) [Mathias 1996; Higham 2008, Thm 3.6]."""
    n = A.shape[0]
    return np.real(fun(np.block([[A, E], [np.zeros_like(A), A]]))[:n, n:])


def main() -> dict:
    rng = np.random.default_rng(0)
    rows_exp, rows_log = [], []
    print("expm_frechet(A, E)")
    print(f"{'n':>4} {'mclib [ms]':>11} {'scipy [ms]':>11} {'block expm [ms]':>16} {'scipy/mclib':>12} "
          f"{'block/mclib':>12} {'rel. diff. to scipy':>20}")
    for n in SIZES:
        A, E = rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal((n, n))
        ours = mc.matfunc.expm_frechet(A, E)
        theirs = scipy.linalg.expm_frechet(A, E, compute_expm=False)
        t_ours = best_time(lambda: mc.matfunc.expm_frechet(A, E))  # noqa: B023
        t_scipy = best_time(lambda: scipy.linalg.expm_frechet(A, E, compute_expm=False))  # noqa: B023
        t_block = best_time(lambda: block_derivative(scipy.linalg.expm, A, E))  # noqa: B023
        row = {"n": n, "seconds_mclib": t_ours, "seconds_scipy": t_scipy, "seconds_block_expm": t_block,
               "ratio_scipy_over_mclib": t_scipy / t_ours, "ratio_block_over_mclib": t_block / t_ours,
               "rel_diff_to_scipy": rel_err(ours, theirs)}
        rows_exp.append(row)
        print(f"{n:4d} {1e3 * t_ours:11.3f} {1e3 * t_scipy:11.3f} {1e3 * t_block:16.3f} "
              f"{row['ratio_scipy_over_mclib']:11.2f}x {row['ratio_block_over_mclib']:11.2f}x "
              f"{row['rel_diff_to_scipy']:20.1e}")

    print("\nmatrix_function_derivative(A, H, log, 1/x), A SPD with a near-tie (gap 1e-10)")
    print(f"{'n':>4} {'mclib [ms]':>11} {'FD logm [ms]':>13} {'block logm [ms]':>16} {'FD/mclib':>9} "
          f"{'block/mclib':>12} {'err mclib':>10} {'err FD':>9}")
    for n in SIZES:
        lam = np.linspace(1.0, 10.0, n)
        lam[1] = lam[0] + 1e-10
        Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        A = Q @ np.diag(lam) @ Q.T
        A = (A + A.T) / 2
        H = rng.standard_normal((n, n))
        H = (H + H.T) / 2

        def ours(A=A, H=H):
            return mc.matfunc.matrix_function_derivative(A, H, np.log, lambda x: 1 / x)

        def central(A=A, H=H):
            diff = scipy.linalg.logm(A + H_STEP * H) - scipy.linalg.logm(A - H_STEP * H)
            return np.real(diff) / (2 * H_STEP)

        reference = block_derivative(scipy.linalg.logm, A, H)
        t_ours, t_fd = best_time(ours), best_time(central)
        t_block = best_time(lambda: block_derivative(scipy.linalg.logm, A, H))  # noqa: B023
        row = {"n": n, "seconds_mclib": t_ours, "seconds_central_logm": t_fd, "seconds_block_logm": t_block,
               "ratio_fd_over_mclib": t_fd / t_ours, "ratio_block_over_mclib": t_block / t_ours,
               "rel_err_mclib": rel_err(ours(), reference), "rel_err_central": rel_err(central(), reference)}
        rows_log.append(row)
        print(f"{n:4d} {1e3 * t_ours:11.3f} {1e3 * t_fd:13.3f} {1e3 * t_block:16.3f} "
              f"{row['ratio_fd_over_mclib']:8.1f}x {row['ratio_block_over_mclib']:11.1f}x "
              f"{row['rel_err_mclib']:10.1e} {row['rel_err_central']:9.1e}")
    results = {
        "benchmark": "mc.matfunc.expm_frechet vs scipy.linalg.expm_frechet and the 2n×2n block expm; "
                     "mc.matfunc.matrix_function_derivative (log) vs central differences of "
                     "scipy.linalg.logm and the 2n×2n block logm (accuracy reference), float64",
        "timing": "best of 5 repeats, each long enough to measure (timeit autorange)",
        "expm_frechet": rows_exp,
        "matrix_function_derivative_log": rows_log,
    }
    write_results("matfunc", results)
    return results


if __name__ == "__main__":
    main()
