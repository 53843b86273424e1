"""Shared timing helper for the benchmarks: best of several repeats, in seconds."""

from __future__ import annotations

import timeit


def best_time(fn, *, repeat: int = 5, min_total: float = 0.05) -> float:
    """Best wall time of one call of `fn`, calling it enough times per repeat to be measurable."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange() if min_total else (1, None)
    return min(timer.repeat(repeat=repeat, number=number)) / number
