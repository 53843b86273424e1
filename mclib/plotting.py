"""The committed benchmark results that the chapters plot."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["benchmark_results"]

# In a clone of the book's repository, next to the package (pip install -e .).
BENCHMARK_RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def benchmark_results(name: str, *, directory: Path | None = None) -> dict | None:
    """The committed results of ``benchmarks/bench_<name>.py`` (``benchmarks/results/<name>.json``).

    The chapters plot these instead of timing anything themselves (`make bench` measures them),
    so their outputs stay deterministic. They exist in a clone of the book's repository. When
    mclib was installed without it (on Colab, ``pip install "mclib @ git+…"``), this prints a note
    and returns None, so that a notebook run top to bottom does not stop at the figure.

    Parameters
    ----------
    name : str
        The benchmark's name, e.g. ``"kron_matvec"``.
    directory : path, optional
        Where the JSON files are; default :data:`BENCHMARK_RESULTS`.

    Returns
    -------
    dict or None
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"benchmark_results: `name` must be a benchmark's name (a str), got {name!r}")
    directory = BENCHMARK_RESULTS if directory is None else Path(directory)
    if not directory.is_dir():
        print(f"The benchmark results ({name}) are in the book's repository, not in the installed "
              "mclib: the website shows this figure, and a clone of the repository draws it.")
        return None
    path = directory / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in directory.glob("*.json"))
        raise ValueError(f"benchmark_results: no results named `name`={name!r} in {directory}; "
                         f"known: {known}")
    return json.loads(path.read_text(encoding="utf-8"))

