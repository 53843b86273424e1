"""_ext/theme_assets.py on page text shaped as pydata-sphinx-theme 0.17 writes it (the browser tests
check the built site; these check the rewriting itself, including what it must leave alone)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The book's Sphinx extensions need the book stack (requirements.txt), not only the `test` extra.
pytest.importorskip("sphinx")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
from theme_assets import strip_unused_scripts  # noqa: E402

HEAD = """  <script defer src="../_static/scripts/bootstrap.js?digest=55c2"></script>
  <script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script>
    <script src="../_static/searchtools.js"></script>
    <script src="../_static/language_data.js"></script>
    <script src="../searchindex.js"></script>
"""
ICONS = """<button aria-label="Search"><i class="fa-solid fa-magnifying-glass fa-lg"></i></button>
<button><i class="theme-switch fa-solid fa-sun fa-lg" title="Color mode: Light"></i></button>
<button><span class="fa-solid fa-list"></span></button>
<button aria-label="Full screen"><i class="fas fa-expand" data-bs-title="Full screen"></i></button>
<i class="fab fa-github" aria-hidden="true"></i>
<p><i class="emphasis">sofa-bed</i> <span class="sd-fa-like">text</span></p>
"""


def test_a_page_loses_the_unused_scripts_and_keeps_the_others():
    page, missing = strip_unused_scripts(HEAD, search_page=False)
    assert missing == []
    assert "fontawesome.js" not in page and "searchindex" not in page and "searchtools" not in page
    assert "bootstrap.js" in page


def test_the_search_page_keeps_its_search_scripts():
    page, missing = strip_unused_scripts(HEAD, search_page=True)
    assert missing == []
    assert "fontawesome.js" not in page
    assert all(s in page for s in ("searchtools.js", "language_data.js", "searchindex.js"))


def test_a_page_without_the_scripts_is_reported():
    _, missing = strip_unused_scripts("<html></html>", search_page=False)
    assert missing == ["fontawesome.js", "the search scripts"]


def test_icons_are_hidden_or_named_and_other_elements_untouched():
    page, _ = strip_unused_scripts(ICONS, search_page=True)
    assert '<i class="fa-solid fa-magnifying-glass fa-lg" aria-hidden="true">' in page
    assert ('title="Color mode: Light" role="img" aria-label="Color mode: Light">' in page
            and "Light\" aria-hidden" not in page)
    assert '<span class="fa-solid fa-list" aria-hidden="true">' in page
    assert '<i class="fas fa-expand" data-bs-title="Full screen" aria-hidden="true">' in page  # no title
    assert page.count("aria-hidden") == 4  # the github icon already had it, and keeps one
    assert '<i class="emphasis">sofa-bed</i> <span class="sd-fa-like">text</span>' in page
