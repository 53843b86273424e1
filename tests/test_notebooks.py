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
CHECK_CALL = re.compile(
    r"mc\.(check_gradient|check_jacobian|assert_gradient|check_hessian|exercises\.check)\(")
MIN_EXERCISES_PER_CHAPTER = 3
# Labelled statements: a sphinx-proof directive with its option lines, and a numbered equation.
PRF_DIRECTIVE = re.compile(r"^```\{prf:(\w+)\}[^\n]*\n((?::[\w-]+:[^\n]*\n)*)(.*?)^```", re.M | re.S)
NUMBERED_EQUATION = re.compile(r"\$\$[ \t]*\((eq-[\w-]+)\)")
# The comment that names what a code cell verifies (it must assert) or, for a cited statement
# (`:class: cited` on its directive), illustrates on an example (it must assert that example).
VERIFIES = re.compile(r"^# (verifies|illustrates): *(.+)$", re.M)


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
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= {"tags", "mystnb"}, (
            f"{path.name}: cell metadata {cell['metadata']}")


IMAGE_MIME_TYPES = ("image/png", "image/svg+xml")


def figure_problems(nb: dict) -> list[str]:
    """What breaks the rule "every cell that makes a figure says what it shows" (DESIGN.md): a code
    cell with an image output carries cell metadata ``mystnb.image.alt`` (the alt text),
    ``mystnb.figure.caption`` and ``mystnb.figure.name`` (``fig-...``), from which Jupyter Book
    writes the image's alt text and a captioned figure; empty when the notebook keeps it."""
    problems = []
    for cell in code_cells(nb):
        if not any(mime in out.get("data", {}) for out in cell["outputs"] for mime in IMAGE_MIME_TYPES):
            continue
        where = "the cell " + repr("".join(cell["source"]).strip().split("\n")[0][:60])
        meta = cell.get("metadata", {}).get("mystnb", {})
        if not str(meta.get("image", {}).get("alt", "")).strip():
            problems.append(f"{where} makes a figure without alt text (mystnb.image.alt)")
        figure = meta.get("figure", {})
        if not str(figure.get("caption", "")).strip():
            problems.append(f"{where} makes a figure without a caption (mystnb.figure.caption)")
        if not str(figure.get("name", "")).startswith("fig-"):
            problems.append(f"{where} makes a figure without a name fig-... (mystnb.figure.name)")
        displays = [o for o in cell["outputs"] if o["output_type"] in ("display_data", "execute_result")]
        if len(displays) > 1:  # myst-nb wraps each one in the figure, so its name would be taken twice
            problems.append(f"{where} makes a figure and has {len(displays)} displayed outputs, not one")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_every_figure_has_alt_text_and_caption(path):
    """Every figure a cell makes has an alt text and a caption (cell metadata the refresh keeps)."""
    problems = figure_problems(load(path))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_a_figure_without_alt_text_is_reported():
    png = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"},
           "metadata": {}}
    cell = {"cell_type": "code", "source": ["plt.plot(x)\nplt.show()"], "outputs": [png], "metadata": {}}
    assert figure_problems({"cells": [cell]}) == [
        "the cell 'plt.plot(x)' makes a figure without alt text (mystnb.image.alt)",
        "the cell 'plt.plot(x)' makes a figure without a caption (mystnb.figure.caption)",
        "the cell 'plt.plot(x)' makes a figure without a name fig-... (mystnb.figure.name)"]
    cell["metadata"] = {"mystnb": {"image": {"alt": "A line."},
                                   "figure": {"caption": "x.", "name": "fig-demo-line"}}}
    assert figure_problems({"cells": [cell]}) == []
    cell["outputs"] = [png, png]
    assert figure_problems({"cells": [cell]}) == [
        "the cell 'plt.plot(x)' makes a figure and has 2 displayed outputs, not one"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_first_cell_imports_and_seeds(path):
    if str(path.relative_to(ROOT)) in RESULT_PAGES:
        sources = "".join("".join(c["source"]) for c in code_cells(load(path)))
        assert not re.search(r"\brng\b|random", sources), f"{path.name} is a results page: no randomness"
        return
    cells = code_cells(load(path))
    # The install cell that scripts/colab_cell.py writes (tests/test_launch.py checks it) comes first;
    # it is the one guarded pip install a chapter may have.
    if "mclib-install" in cells[0].get("metadata", {}).get("tags", []):
        cells = cells[1:]
    first = "".join(cells[0]["source"])
    assert "import mclib as mc" in first
    assert re.search(r"rng = np\.random\.default_rng\(\d+\)", first), "seed the RNG in the first cell"
    for cell in cells:
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


def labelled_statements(nb: dict) -> dict[str, bool]:
    """Every label of a theorem-like directive or numbered equation in the notebook's text ->
    whether it is a cited statement (directive option ``:class: cited``)."""
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    found: dict[str, bool] = {}
    for _kind, options, _body in PRF_DIRECTIVE.findall(text):
        label = re.search(r"^:label:\s*(\S+)", options, re.M)
        if label:
            found[label.group(1)] = bool(re.search(r"^:class:.*\bcited\b", options, re.M))
    for label in NUMBERED_EQUATION.findall(text):
        found.setdefault(label, False)
    return found


def verification_problems(nb: dict) -> list[str]:
    """What breaks the rule "every labelled statement is verified by a cell that names it and
    asserts it" (DESIGN.md); empty when the notebook keeps it."""
    labels = labelled_statements(nb)
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    cited_bodies = {re.search(r":label:\s*(\S+)", o).group(1): body
                    for _k, o, body in PRF_DIRECTIVE.findall(text) if re.search(r":label:", o)}
    problems, verified = [], set()
    for cell in code_cells(nb):
        source = "".join(cell["source"])
        for verb, names in VERIFIES.findall(source):
            for name in re.split(r"[,\s]+", names.strip()):
                if name not in labels:
                    problems.append(f"a cell {verb} {name!r}, which is no label of this notebook")
                elif verb == "illustrates" and not labels[name]:
                    problems.append(f"{name} is not marked `:class: cited`, so a cell must verify it")
                elif not re.search(r"^\s*assert\b|\bassert_\w+\(", source, re.M):
                    problems.append(f"the cell that {verb} {name} asserts nothing")
                else:
                    verified.add(name)
    for name, cited in labels.items():
        if name not in verified:
            problems.append(f"{name} has no cell that names it (`# verifies: {name}`) and asserts it")
        if cited and "{cite}" not in cited_bodies.get(name, ""):
            problems.append(f"{name} is marked cited but does not cite its source")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_every_labelled_statement_is_verified(path):
    """Every theorem, proposition, definition ... and numbered equation has a code cell that names
    it in a ``# verifies: <label>`` comment and asserts it."""
    problems = verification_problems(load(path))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def _notebook(*cells: tuple[str, str]) -> dict:
    return {"cells": [{"cell_type": kind, "source": [source], "outputs": []} for kind, source in cells]}


def test_an_unverified_equation_is_reported():
    statement = ("markdown", "$$\nd(x^\\top x) = 2x^\\top dx\n$$ (eq-demo-norm)\n")
    assert verification_problems(_notebook(statement)) == [
        "eq-demo-norm has no cell that names it (`# verifies: eq-demo-norm`) and asserts it"]
    printed_only = ("code", "# verifies: eq-demo-norm\nprint(2 * x)")
    assert verification_problems(_notebook(statement, printed_only)) == [
        "the cell that verifies eq-demo-norm asserts nothing",
        "eq-demo-norm has no cell that names it (`# verifies: eq-demo-norm`) and asserts it"]
    asserted = ("code", "# verifies: eq-demo-norm\nassert mc.check_gradient(f, 2 * x, x)")
    assert verification_problems(_notebook(statement, asserted)) == []


def test_a_cited_statement_may_be_illustrated_but_must_cite():
    cited = ("markdown", "```{prf:theorem} Demo\n:label: thm-demo\n:class: cited\n\nA fact "
             "{cite}`magnus2019`.\n```\n")
    uncited = ("markdown", "```{prf:theorem} Demo\n:label: thm-demo\n\nA fact.\n```\n")
    example = ("code", "# illustrates: thm-demo\nassert np.allclose(lhs, rhs)")
    assert verification_problems(_notebook(cited, example)) == []
    assert verification_problems(_notebook(uncited, example)) == [
        "thm-demo is not marked `:class: cited`, so a cell must verify it",
        "thm-demo has no cell that names it (`# verifies: thm-demo`) and asserts it"]


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
    answer (stored: the solution) is checked (mc.exercises.check, or the checker itself) and asserted."""
    found = [ex for path in chapters()[chapter] for ex in exercises(load(path))]
    assert len(found) >= MIN_EXERCISES_PER_CHAPTER, f"{chapter}: {len(found)} exercises"
    for label, code in found:
        checked = [src for src in code if CHECK_CALL.search(src) and "assert" in src]
        assert checked, f"{chapter}: exercise {label} has no cell that checks and asserts the answer"
