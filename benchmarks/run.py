"""Run every benchmarks/bench_*.py (or the ones named: `run.py site notebooks`) and print its table.

Each benchmark measures mclib against an anchor timed in the same run and reports ratios,
so the figures are comparable across machines. Speed is never asserted in tests.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    paths = sorted(here.glob("bench_*.py"))
    if argv:  # e.g. `run.py notebooks site` runs bench_notebooks.py and bench_site.py only
        unknown = [name for name in argv if not (here / f"bench_{name}.py").is_file()]
        if unknown:
            raise SystemExit(f"no such benchmark: {unknown}; choose from {[p.stem[6:] for p in paths]}")
        paths = [here / f"bench_{name}.py" for name in argv]
    for path in paths:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {path.stem}: {module.__doc__.strip().splitlines()[0]}")
        module.main()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
