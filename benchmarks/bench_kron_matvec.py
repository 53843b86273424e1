"""mc.kron_matvec(A, B, x) vs np.kron(A, B) @ x (the anchor), n×n factors."""

from __future__ import annotations

import numpy as np
from timing import best_time

import mclib as mc


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'n':>4} {'np.kron @ x [ms]':>17} {'kron_matvec [ms]':>17} {'speed-up':>9} "
          f"{'kron memory [MB]':>17}")
    for n in (10, 20, 30, 40):
        A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        x = rng.standard_normal(n * n)
        np.testing.assert_allclose(mc.kron_matvec(A, B, x), np.kron(A, B) @ x, rtol=1e-10, atol=1e-10)
        t_kron = best_time(lambda: np.kron(A, B) @ x)  # noqa: B023
        t_mc = best_time(lambda: mc.kron_matvec(A, B, x))  # noqa: B023
        print(f"{n:4d} {1e3 * t_kron:17.3f} {1e3 * t_mc:17.3f} {t_kron / t_mc:8.0f}x "
              f"{n**4 * 8 / 1e6:17.1f}")


if __name__ == "__main__":
    main()
