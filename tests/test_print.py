"""Printing a chapter of the website (the browser's Print) leaves out the solutions and the cells
that check them with the stored answer (_static/book.css, @media print), although
sphinx-togglebutton opens every dropdown for printing. Chromium prints the page to PDF here, and
poppler's pdftotext reads it.

Build first (`make site`, or point MCML_SITE at a build), then:
`.venv/bin/pytest tests/test_print.py -m site`.
Outside CI a missing build, browser or pdftotext skips these tests; with CI=true it fails them.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sitekit import SITE, serve_site, unavailable

pytestmark = pytest.mark.site

PAGE = "book/02-chain-rule.html"  # exercises with solutions and check cells


@pytest.fixture(scope="module")
def opened(browser):
    """Opens the chapter in a fresh page: open() -> page."""
    if not (SITE / PAGE).is_file():
        unavailable(f"{SITE / PAGE} is missing: build the site first (make site)")
    if shutil.which("pdftotext") is None:
        unavailable("pdftotext is missing: make texlive (poppler-utils)")
    with serve_site() as origin:

        def open_page():
            page = browser.new_page()
            page.goto(f"{origin}/{PAGE}", wait_until="load")
            return page

        yield open_page


def _text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def test_the_page_has_solutions_and_check_cells_on_screen(opened):
    """What the print rules hide is there: otherwise the test below would pass on any page."""
    page = opened()
    assert page.locator("div.exercise").count() >= 3
    assert page.locator("div.solution.dropdown").count() >= 3
    assert page.locator("div.cell.tag_exercise-check").count() >= 3
    page.emulate_media(media="screen")
    assert page.locator("div.solution.dropdown").first.is_visible()


def test_printing_leaves_out_solutions_and_their_checks(opened):
    page = opened()  # page.pdf() prints with the print media rules
    exercises = page.locator("div.exercise p.admonition-title").all_inner_texts()
    # a check cell's code is folded (and stays folded in print); its output is the checker's verdict
    verdict = page.locator("div.cell.tag_exercise-check div.cell_output").first.text_content()
    # as the browser's Print does: sphinx-togglebutton opens every dropdown for it
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    printed = _text(page.pdf(format="A4"))
    for title in exercises:
        assert " ".join(title.split()) in printed, f"the exercise {title!r} is not printed"
    assert "Solution to" not in printed
    first_line = next(line for line in verdict.splitlines() if line.strip())
    assert " ".join(first_line.split()) not in printed, f"a check cell is printed: {first_line!r}"
