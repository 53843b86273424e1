"""Accessible names and roles for HTML that the theme and extensions emit, as axe-core checks them
in the browser tests (tests/test_site.py, test_accessibility). Each fix keeps the upstream markup and
changes only the attribute at fault:

- **Bibliography** (axe: aria-required-children, critical). docutils writes every citation as
  ``<div role="doc-biblioentry">`` inside ``<div role="list">``; DPUB-ARIA 1.1 deprecated that role,
  so assistive technology sees a list without list items. Each entry becomes a ``listitem``.
- **Hidden code cells** (axe: label-content-name-mismatch). myst-nb's toggle is
  ``<summary aria-label="Toggle hidden content">``, which hides its visible text ("Show code cell
  source") from the control's name; without the label the visible text names it.
- **Sidebar** (axe: summary-name, serious). pydata-sphinx-theme makes a chapter with sections
  collapsible with a ``<summary>`` holding only a chevron icon; it is named "Sections of <chapter>".
- **Search button and colour-mode switch** (axe: label-content-name-mismatch): the theme's two
  components in ``templates/`` (copies of pydata-sphinx-theme 0.17's with their names changed so
  that they contain the visible text).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

TEMPLATES = Path(__file__).parent / "templates"
DEPRECATED_CITATION_ROLE = 'role="doc-biblioentry"'
HIDDEN_CELL_SUMMARY = '<summary aria-label="Toggle hidden content">'


def _replace_in_new_output(self, start: int, old: str, new: str) -> None:
    """Replace `old` by `new` in what the translator appended to its output since `start`."""
    self.body[start:] = [part.replace(old, new) for part in self.body[start:]]


def _visit_citation(self, node: nodes.citation) -> None:
    start = len(self.body)
    type(self).visit_citation(self, node)
    _replace_in_new_output(self, start, DEPRECATED_CITATION_ROLE, 'role="listitem"')


def _depart_citation(self, node: nodes.citation) -> None:
    type(self).depart_citation(self, node)


def _visit_hidden_cell(self, node) -> None:
    from myst_nb.sphinx_ import visit_HideCellInput

    start = len(self.body)
    visit_HideCellInput(self, node)
    _replace_in_new_output(self, start, HIDDEN_CELL_SUMMARY, "<summary>")


def _label_section_toggles(soup) -> None:
    """Name every icon-only <summary> of the sidebar after the chapter whose sections it shows."""
    for summary in soup.select("li.has-children > details > summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        link = summary.find_parent("li").find("a", recursive=False)
        title = link.get_text(" ", strip=True) if link else ""
        summary["aria-label"] = f"Sections of {title}" if title else "Sections"


def _wrap_sidebar(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    generate = context.get("generate_toctree_html")  # added by pydata-sphinx-theme (priority 500)
    if generate is None:
        return

    def generate_toctree_html(kind: str, *args, **kwargs):
        html = generate(kind, *args, **kwargs)
        if kind == "sidebar" and not isinstance(html, str):  # a BeautifulSoup, cached by the theme
            _label_section_toggles(html)
        return html

    context["generate_toctree_html"] = generate_toctree_html


def _add_templates(app: Sphinx, config: Config) -> None:
    config.templates_path = [str(TEMPLATES), *config.templates_path]


def setup(app: Sphinx) -> dict:
    app.setup_extension("myst_nb")  # so that its HTML visitor for hidden cells is registered first
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(nodes.citation, override=True, html=(_visit_citation, _depart_citation))
    app.add_node(HideCodeCellNode, override=True, html=(_visit_hidden_cell, depart_HideCellInput))
    app.connect("html-page-context", _wrap_sidebar, priority=900)
    app.connect("config-inited", _add_templates)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
