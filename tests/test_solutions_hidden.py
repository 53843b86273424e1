"""`make book SOLUTIONS=hidden` builds the site for a course: every exercise, no solution.

Neither on the pages nor in the notebooks the site offers for download (_sources/**/*.ipynb): those
keep every exercise and the cell that checks an answer, with the body of my_answer replaced by
`raise NotImplementedError`; and no page has a Colab or Binder button (they open the repository's
notebooks, which hold the solutions). The reader's site keeps all of it.

Compares the two builds of `make test`: the reader's site (_build/html) and the course site
(_build/nosolutions, built by `make site-nosolutions`). Outside CI a missing build skips; with
CI=true it fails.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import mclib as mc

pytestmark = pytest.mark.site

REPO = Path(__file__).resolve().parents[1]
SHOWN = Path(os.environ.get("MCML_SITE", REPO / "_build" / "html"))
HIDDEN = Path(os.environ.get("MCML_SITE_NOSOLUTIONS", REPO / "_build" / "nosolutions" / "_build" / "html"))
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n:label: (\S+)", re.MULTILINE)
SOLUTION = re.compile(r"^(`{3,}|:{3,})\{solution\}", re.MULTILINE)
LAUNCH_MENU = ".dropdown-launch-buttons"


def pages(site: Path) -> dict[str, BeautifulSoup]:
    if not (site / "index.html").is_file():
        reason = f"no site at {site}: run make site site-nosolutions"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return {p.relative_to(site).as_posix(): BeautifulSoup(p.read_text(), "html.parser")
            for p in site.rglob("*.html") if p.relative_to(site).parts[0] not in ("_static", "_sources")}


def exercise_ids(soup: BeautifulSoup) -> set[str]:
    return {e.get("id") for e in soup.select("div.exercise") if e.get("id", "").startswith("ex-")}


def test_the_course_site_has_every_exercise_and_no_solution():
    shown, hidden = pages(SHOWN), pages(HIDDEN)
    assert set(shown) == set(hidden)
    all_shown = set().union(*(exercise_ids(s) for s in shown.values()))
    assert all_shown == set(mc.exercises.ids()), "every registered exercise is on the reader's site"
    for name, soup in hidden.items():
        assert exercise_ids(soup) == exercise_ids(shown[name]), name
        assert not soup.select("div.solution"), f"{name}: a solution in the course site"
        assert not soup.select(".tag_exercise-check"), f"{name}: an exercise's check cell in the course site"
        assert "def my_answer" not in soup.get_text(), f"{name}: stored answer code in the course site"


def test_the_readers_site_has_the_solutions_and_check_cells():
    shown = pages(SHOWN)
    with_exercises = {n: s for n, s in shown.items() if exercise_ids(s)}
    assert with_exercises
    for name, soup in with_exercises.items():
        assert len(soup.select("div.solution")) == len(exercise_ids(soup)), name
        assert len(soup.select(".tag_exercise-check")) == len(exercise_ids(soup)), name


def notebooks(site: Path) -> dict[str, dict]:
    """The notebooks a site offers for download (the download button's .ipynb), by path."""
    pages(site)  # skips or fails when the site is missing
    found = {p.relative_to(site / "_sources").as_posix(): json.loads(p.read_text(encoding="utf-8"))
             for p in (site / "_sources").rglob("*.ipynb")}
    assert found, f"no downloadable notebook under {site / '_sources'}"
    return found


def markdown(notebook: dict) -> str:
    return "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")


def check_cells(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"]
            if c["cell_type"] == "code" and "exercise-check" in c["metadata"].get("tags", [])]


def answer_body(source: str) -> str:
    """The source of my_answer's body in a check cell."""
    tree = ast.parse(source)
    (answer,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "my_answer"]
    return "\n".join(ast.get_source_segment(source, statement) for statement in answer.body)


STUB = 'raise NotImplementedError("write your answer here")'


def test_the_course_sites_notebooks_keep_the_exercises_but_no_answer():
    shown, hidden = notebooks(SHOWN), notebooks(HIDDEN)
    assert set(shown) == set(hidden)
    all_hidden = set()
    for name, notebook in hidden.items():
        text = markdown(notebook)
        labels = [m.group(2) for m in EXERCISE.finditer(text)]
        shown_labels = [m.group(2) for m in EXERCISE.finditer(markdown(shown[name]))]
        assert labels == shown_labels, f"{name}: exercises differ"
        assert not SOLUTION.search(text), f"{name}: a {{solution}} in the course's notebook"
        cells = check_cells(notebook)
        assert len(cells) == len(labels), f"{name}: {len(cells)} check cells for {len(labels)} exercises"
        for label, source in zip(labels, cells):
            call = f'mc.exercises.check("{label}", my_answer)'
            assert call in source, f"{name}: {label} lost its check call"
            assert answer_body(source) == STUB, f"{name}: {label}'s stored answer is in the course's notebook"
        assert not [c for c in notebook["cells"] if "exercise-check" in c["metadata"].get("tags", [])
                    and c["outputs"]], f"{name}: a check cell's stored output"
        all_hidden |= set(labels)
    assert all_hidden == set(mc.exercises.ids()), "every registered exercise is in the course's notebooks"


def test_the_readers_notebooks_keep_the_solutions_and_answers():
    for name, notebook in notebooks(SHOWN).items():
        labels = [m.group(2) for m in EXERCISE.finditer(markdown(notebook))]
        assert len(SOLUTION.findall(markdown(notebook))) == len(labels), name
        assert all(answer_body(source) != STUB for source in check_cells(notebook)), name


def test_the_course_site_has_no_launch_button_and_the_readers_site_has_them():
    hidden, shown = pages(HIDDEN), pages(SHOWN)
    launching = [name for name, soup in hidden.items() if soup.select(LAUNCH_MENU)]
    assert not launching, f"launch buttons in the course site: {launching}"
    assert len([name for name, soup in shown.items() if soup.select(LAUNCH_MENU)]) >= 12, \
        "the reader's chapters have launch buttons"
