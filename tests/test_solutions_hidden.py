"""`make book SOLUTIONS=hidden` builds the site for a course: every exercise, no solution.

Compares the two builds of `make test`: the reader's site (_build/html) and the course site
(_build/nosolutions, built by `make site-nosolutions`). Outside CI a missing build skips; with
CI=true it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import mclib as mc

pytestmark = pytest.mark.site

REPO = Path(__file__).resolve().parents[1]
SHOWN = Path(os.environ.get("MCML_SITE", REPO / "_build" / "html"))
HIDDEN = Path(os.environ.get("MCML_SITE_NOSOLUTIONS", REPO / "_build" / "nosolutions" / "_build" / "html"))


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
