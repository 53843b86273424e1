"""House rules for the book's notebooks (DESIGN.md, "Notebooks"), checked on the stored files.

nbval checks that the stored outputs reproduce; these tests check that nbval cannot be
fooled: every notebook is in the table of contents (so it is built and tested), was executed
top to bottom, skips nothing, and asserts what it checks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
NOTEBOOK_IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
SKIP_TAGS = {"nbval-skip", "skip-execution", "raises-exception", "nbval-raises-exception"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def toc_files() -> set[str]:
    return set(re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text()))


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_is_in_the_table_of_contents(path):
    assert str(path.relative_to(ROOT).with_suffix("")) in toc_files()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_was_executed_top_to_bottom(path):
    counts = [c["execution_count"] for c in code_cells(load(path))]
    assert counts == list(range(1, len(counts) + 1)), f"refresh {path.name}: execution counts {counts}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_skips_nothing_and_has_no_errors(path):
    for cell in code_cells(load(path)):
        tags = set(cell.get("metadata", {}).get("tags", []))
        assert not tags & SKIP_TAGS, f"{path.name}: cell tagged {tags & SKIP_TAGS}"
        assert not any(o["output_type"] == "error" for o in cell["outputs"]), f"{path.name}: stored error"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_metadata_is_clean(path):
    nb = load(path)
    assert set(nb["metadata"]) <= {"kernelspec", "language_info", "widgets"}
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= {"tags"}, f"{path.name}: cell metadata {cell['metadata']}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_first_cell_imports_and_seeds(path):
    first = "".join(code_cells(load(path))[0]["source"])
    assert "import mclib as mc" in first
    assert re.search(r"rng = np\.random\.default_rng\(\d+\)", first), "seed the RNG in the first cell"
    for cell in code_cells(load(path)):
        source = "".join(cell["source"])
        assert not re.search(r"^\s*[!%]pip", source, re.M), f"{path.name}: installs packages"
        assert "np.random.seed" not in source and "default_rng()" not in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_every_check_is_asserted(path):
    """A check whose result is only printed cannot fail the build."""
    for cell in code_cells(load(path)):
        source = "".join(cell["source"])
        if re.search(r"mc\.(check_gradient|check_jacobian)\(", source):
            assert "assert" in source, f"{path.name}: cell checks without asserting:\n{source[:300]}"
