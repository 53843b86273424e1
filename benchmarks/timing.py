"""Shared helpers for the benchmarks: timing, a description of the machine, writing results.

Each benchmark prints a table of ratios against an anchor timed in the same run and writes
``benchmarks/results/<name>.json``, which the chapters plot (the chapters never time anything
themselves, so their stored outputs stay deterministic).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import timeit
from pathlib import Path

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def best_time(fn, *, repeat: int = 5, min_total: float = 0.05) -> float:
    """Best wall time of one call of `fn`, calling it enough times per repeat to be measurable."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange() if min_total else (1, None)
    return min(timer.repeat(repeat=repeat, number=number)) / number


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    """Where the figures were measured: CPU, core count, Python, NumPy (and torch if loaded)."""
    info = {
        "processor": cpu_name(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    if "torch" in sys.modules:
        info["torch"] = sys.modules["torch"].__version__
    return info


def write_results(name: str, results: dict) -> Path:
    """Write ``results`` (plus :func:`machine_info`) to benchmarks/results/<name>.json."""
    path = RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**results, **machine_info()}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote benchmarks/results/{path.name}")
    return path
