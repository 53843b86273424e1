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
# Pages that only display the committed benchmark results (benchmarks/results/*.json): they use no
# randomness, so they need no seed. `make bench` re-executes them.
RESULT_PAGES = {"book/execution-stats.ipynb", "book/benchmarks.ipynb"}
CHECK_CALL = re.compile(r"mc\.(check_gradient|check_jacobian|assert_gradient)\(")
MIN_EXERCISES_PER_CHAPTER = 3


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
    if str(path.relative_to(ROOT)) in RESULT_PAGES:
        sources = "".join("".join(c["source"]) for c in code_cells(load(path)))
        assert not re.search(r"\brng\b|random", sources), f"{path.name} is a results page: no randomness"
        return
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
        if CHECK_CALL.search(source):
            assert "assert" in source, f"{path.name}: cell checks without asserting:\n{source[:300]}"


def chapters() -> dict[str, list[Path]]:
    """Numbered chapters of the table of contents -> their notebooks (a chapter with sections,
    like chapter 4, counts all of its sections)."""
    toc = (ROOT / "_toc.yml").read_text()
    numbered = toc.split("numbered: true", 1)[1].split("- caption:", 1)[0]
    out: dict[str, list[Path]] = {}
    current = None
    for indent, name in re.findall(r"^( *)- file: (\S+)", numbered, re.M):
        if current is None or len(indent) <= 6:
            current = name
            out[current] = []
        path = ROOT / f"{name}.ipynb"
        if path.is_file():
            out[current].append(path)
    return out


def exercises(nb: dict) -> list[tuple[str, list[str]]]:
    """(exercise label, sources of the code cells up to the next exercise or heading) per exercise."""
    found, cells = [], nb["cells"]
    for i, cell in enumerate(cells):
        text = "".join(cell["source"])
        if cell["cell_type"] != "markdown" or "{exercise}" not in text:
            continue
        label = re.search(r":label:\s*(\S+)", text)
        following = []
        for nxt in cells[i + 1:]:
            nxt_text = "".join(nxt["source"])
            if nxt["cell_type"] == "markdown" and ("{exercise}" in nxt_text or re.match(r"#", nxt_text)):
                break
            if nxt["cell_type"] == "code":
                following.append(nxt_text)
        found.append((label.group(1) if label else f"cell {i}", following))
    return found


def test_there_are_numbered_chapters():
    assert len(chapters()) >= 8


@pytest.mark.parametrize("chapter", sorted(chapters()))
def test_chapter_has_exercises_checked_by_the_gradient_checker(chapter):
    """Each chapter has at least three exercises, each followed by a cell in which the reader's
    answer (stored: the solution) is checked by the gradient checker and asserted."""
    found = [ex for path in chapters()[chapter] for ex in exercises(load(path))]
    assert len(found) >= MIN_EXERCISES_PER_CHAPTER, f"{chapter}: {len(found)} exercises"
    for label, code in found:
        checked = [src for src in code if CHECK_CALL.search(src) and "assert" in src]
        assert checked, f"{chapter}: exercise {label} has no cell that checks and asserts the answer"
