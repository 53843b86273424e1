"""Re-execute the book's notebooks in place, deterministically.

    python scripts/refresh_notebooks.py [NOTEBOOK ...]      (default: every book/**/*.ipynb)

nbval compares a fresh run against the stored outputs, so the stored outputs must be
reproducible: this script executes top to bottom in a fresh kernel, records no timing
metadata, joins stream chunks that the kernel split at timing-dependent places, stores no
widget state, and keeps only the notebook metadata the book needs.
Running it twice yields byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")
# "mystnb" holds a figure's alt text and caption (mystnb.image.alt, mystnb.figure.caption).
KEEP_CELL_METADATA = ("tags", "mystnb")


def book_notebooks() -> list[Path]:
    """Every notebook of the book, in file-name order."""
    return sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def execute(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks: where the kernel splits a stream depends on timing."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def normalise(nb: nbformat.NotebookNode) -> str:
    """Strip metadata noise; return the JSON text."""
    nb.metadata = {k: nb.metadata[k] for k in KEEP_NOTEBOOK_METADATA if k in nb.metadata}
    for i, cell in enumerate(nb.cells):
        cell.metadata = {k: cell.metadata[k] for k in KEEP_CELL_METADATA if k in cell.metadata}
        cell.id = cell.get("id") or f"cell-{i}"
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or book_notebooks()
    for path in paths:
        start = time.perf_counter()
        text = normalise(execute(path))
        path.write_text(text, encoding="utf-8")
        json.loads(text)  # sanity: valid JSON
        print(f"refreshed {path.relative_to(ROOT) if path.is_absolute() else path} "
              f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
