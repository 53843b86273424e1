"""Take out of the built pages the scripts the theme loads on every page that the book does not use.

pydata-sphinx-theme (under sphinx-book-theme) puts two things on every page that cost a reader time
and bytes for nothing here:

- ``_static/scripts/fontawesome.js`` (1.49 MB): Font Awesome's SVG framework, which replaces every
  icon ``<i class="fa-…">`` by an inline SVG and then watches the whole document for changes while
  it is parsed. The theme's style sheet already draws the same icons from Font Awesome's web fonts
  (``@font-face`` and ``.fa-…::before`` rules), so the icons look the same without it.
- ``searchtools.js``, ``language_data.js`` and ``searchindex.js`` (240 kB, loaded before the page's
  body is parsed) for the search-as-you-type dialog, which the book does not enable
  (``search_as_you_type`` is off): the search box sends the reader to ``search.html``, which loads
  them itself.

At the end of an HTML build this removes those script elements from every page (``search.html``
keeps its search scripts) and the Font Awesome script from ``_static``; a page without them means
the theme changed, which is a warning (an error under ``-W``), so the change is noticed. The SVG
framework also told screen readers what its icons are, while an icon drawn by the font is only a
private-use character, so each icon element (``<i class="… fa-…">``, or a ``span``) is marked up
here as the framework would: one with a ``title`` is an image with that name (the colour-mode
button is named by its icons' titles), any other is hidden (``aria-hidden``), the button around it
carrying the label. tests/test_site.py checks the pages as a reader gets them (no such request,
icons drawn and marked up, axe-core).
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

FONTAWESOME_JS = "_static/scripts/fontawesome.js"
_FONTAWESOME_TAG = re.compile(
    r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')
# The three lines of the theme's layout.html that load the search on every page but search.html.
_SEARCH_TAGS = re.compile(
    r'[ \t]*<script src="[^"]*_static/searchtools\.js"></script>\n'
    r'[ \t]*<script src="[^"]*_static/language_data\.js"></script>\n'
    r'[ \t]*<script src="[^"]*searchindex\.js"></script>\n')
SEARCH_PAGE = "search.html"
_ICON = re.compile(r'<(?:i|span) class="(?:[^"]* )?fa-[^>]*>')
_TITLE = re.compile(r'(?<![\w-])title="([^"]*)"')  # not data-bs-title


def _icon_for_screen_readers(match: re.Match) -> str:
    tag = match.group(0)
    if "aria-" in tag:
        return tag
    title = _TITLE.search(tag)
    extra = f' role="img" aria-label="{title.group(1)}"' if title else ' aria-hidden="true"'
    return tag[:-1] + extra + ">"


def built_pages(outdir: Path) -> list[Path]:
    """The HTML pages of a built site (not Sphinx's ``_static`` or ``_sources``)."""
    return sorted(p for p in outdir.rglob("*.html")
                  if p.relative_to(outdir).parts[0] not in ("_static", "_sources"))


def strip_unused_scripts(html: str, *, search_page: bool) -> tuple[str, list[str]]:
    """The page without the theme's unused scripts, its icons marked up for screen readers, and what
    was not found to remove."""
    html, n_fontawesome = _FONTAWESOME_TAG.subn("", html)
    missing = [] if n_fontawesome == 1 else ["fontawesome.js"]
    if not search_page:
        html, n_search = _SEARCH_TAGS.subn("", html)
        missing += [] if n_search == 1 else ["the search scripts"]
    return _ICON.sub(_icon_for_screen_readers, html), missing


def _page_times(outdir: Path) -> dict[Path, int]:
    return {page: page.stat().st_mtime_ns for page in built_pages(outdir)} if outdir.is_dir() else {}


def _strip_built_pages(app: Sphinx, exception: Exception | None, *, before: dict[Path, int]) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    # Only the pages this build wrote: an incremental build leaves the others as an earlier
    # build stripped them (same file time as when this build started).
    for page, written in _page_times(outdir).items():
        if before.get(page) == written:
            continue
        html = page.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in html.lower():  # index.html only forwards to the first page
            continue
        stripped, missing = strip_unused_scripts(html, search_page=page.name == SEARCH_PAGE
                                                 and page.parent == outdir)
        if missing:
            LOGGER.warning("theme_assets: %s has no %s to remove (did the theme change?)",
                           page.relative_to(outdir), " or ".join(missing))
        page.write_text(stripped, encoding="utf-8")
    for leftover in outdir.glob(FONTAWESOME_JS + "*"):  # the script, its source map and licence
        leftover.unlink()


def setup(app: Sphinx) -> dict:
    pages_before: dict[Path, int] = {}
    app.connect("builder-inited", lambda app: pages_before.update(_page_times(Path(app.outdir))))
    app.connect("build-finished", lambda app, exc: _strip_built_pages(app, exc, before=pages_before))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
