"""Give every launchable notebook its first code cell: install the pinned mclib where it is missing.

    python scripts/colab_cell.py [--check] [NOTEBOOK ...]   (default: every launchable notebook)

A chapter opened on Colab has no mclib; this cell installs it, pinned to the book's edition, from
the repository the launch buttons point at, and does nothing (prints nothing) where mclib can be
imported, as under nbval and `make lab`. The site does not show it (tag remove-cell).

The cell's text comes from one place, ``_ext/repository_links.py`` (``colab_cell_source``): the
repository URL of _config.yml, the version in mclib/__init__.py, the distribution name in
pyproject.toml. Launchable notebooks are those of the table of contents except the pages listed in
``launch_buttons_exclude`` (_config.yml), which get no launch button.

Idempotent: a notebook that has the cell (found by its tag ``mclib-install``) gets its source
updated; one without it gets it inserted before its first code cell, as execution count 1, with the
later counts shifted, so the stored outputs stay valid without re-executing. ``--check`` changes
nothing and exits 1 listing the notebooks that are missing the cell or have an outdated one.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))

from book_meta import COLAB_CELL_TAGS, book_version, colab_cell_source, distribution_name  # noqa: E402

MARKER_TAG = "mclib-install"
CELL_ID = "mclib-install"


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def launchable_notebooks() -> list[Path]:
    """The table of contents' notebooks, less the pages without a launch button."""
    toc = re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"))
    excluded = set(config()["sphinx"]["config"].get("launch_buttons_exclude", []))
    return [ROOT / f"{name}.ipynb" for name in toc
            if name not in excluded and (ROOT / f"{name}.ipynb").is_file()]


def expected_source() -> str:
    return colab_cell_source(config()["repository"]["url"], book_version(), distribution_name())


def install_cell_index(nb: nbformat.NotebookNode) -> int | None:
    for i, cell in enumerate(nb.cells):
        if MARKER_TAG in cell.get("metadata", {}).get("tags", []):
            return i
    return None


def ensure_cell(nb: nbformat.NotebookNode, source: str) -> bool:
    """Insert or update the install cell in `nb`; True if `nb` changed."""
    index = install_cell_index(nb)
    if index is not None:
        cell = nb.cells[index]
        changed = cell.source != source or cell.metadata.get("tags") != COLAB_CELL_TAGS
        cell.source, cell.metadata["tags"] = source, list(COLAB_CELL_TAGS)
        return changed
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.execution_count is not None:
            cell.execution_count += 1
    cell = nbformat.v4.new_code_cell(source=source, metadata={"tags": list(COLAB_CELL_TAGS)},
                                     execution_count=1)
    cell.id = CELL_ID
    nb.cells.insert(first_code, cell)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a cell is missing")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    source = expected_source()
    stale = []
    for path in args.notebooks or launchable_notebooks():
        text = path.read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        if not ensure_cell(nb, source):
            continue
        stale.append(path)
        if not args.check:
            path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")  # as refresh_notebooks.py
    verb = "need" if args.check else "updated"
    for path in stale:
        print(f"{verb}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
