"""How long each notebook of the book takes to execute, top to bottom, in a fresh kernel.

Executes every notebook the way `make refresh` does (scripts/refresh_notebooks.py, nbclient, one
kernel at a time) but writes nothing back; reports the wall time per notebook, its number of code
cells, and the total. Writes benchmarks/results/notebooks.json, which the execution-statistics
page shows. The two pages that only display benchmark results are not timed.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from timing import write_results

ROOT = Path(__file__).resolve().parents[1]
# They read benchmarks/results/*.json and are refreshed by `make bench` after the benchmarks.
REPORT_PAGES = ("book/execution-stats.ipynb", "book/benchmarks.ipynb")


def _refresh_module():
    script = ROOT / "scripts" / "refresh_notebooks.py"
    spec = importlib.util.spec_from_file_location("refresh_notebooks", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> dict:
    refresh = _refresh_module()
    rows = []
    print(f"{'notebook':<58} {'code cells':>10} {'time [s]':>9}")
    for path in refresh.book_notebooks():
        rel = path.relative_to(ROOT).as_posix()
        if rel in REPORT_PAGES:
            continue
        start = time.perf_counter()
        nb = refresh.execute(path)
        seconds = time.perf_counter() - start
        cells = sum(cell.cell_type == "code" for cell in nb.cells)
        rows.append({"notebook": rel, "code_cells": cells, "seconds": round(seconds, 2)})
        print(f"{rel:<58} {cells:>10} {seconds:>9.1f}")
    total = sum(r["seconds"] for r in rows)
    print(f"{'total':<58} {sum(r['code_cells'] for r in rows):>10} {total:>9.1f}")
    results = {"notebooks": rows, "total_seconds": round(total, 1)}
    write_results("notebooks", results)
    return results


if __name__ == "__main__":
    main()
