r"""The book as one PDF: what the LaTeX builder needs beyond Sphinx (the HTML pages are untouched).

A post-transform on the assembled book, for LaTeX builders only:

**Chapter numbers as on the website.** LaTeX numbers every chapter; the website numbers only the
part "Chapters" (``numbered: true`` in ``_toc.yml``), and the theorem and exercise numbers, which
Sphinx computes, follow the website. Each chapter is preceded by ``\mcmlNumberedChapter`` or
``\mcmlUnnumberedChapter`` (``_latex/mcml.sty``), so that chapter, equation and figure numbers
agree with them.

Sphinx numbers theorems and exercises by ``numfig_secnum_depth``, which sphinx-jupyterbook-latex
raises to 2 when the book has parts (Theorem 1.5.1 where the website says Theorem 1.2); it is set
back to 1 for LaTeX (``_latex/mcml.sty`` keeps LaTeX's figure and equation numbers per chapter).
A cross-reference to an exercise in another chapter is written with its number (Sphinx's default
asks LaTeX's ``\ref``, which has no exercise counter and prints "??"), and the labels of the first
page (the intro) are defined.

**Icons.** A sphinx-design icon (``{fa}`rocket```) is written as its name, in italics: the
fontawesome5 LaTeX package is in TeX Live's fonts-extra (1.4 GB in Debian).

**Proofs.** sphinx-proof writes a proof as a LaTeX box without a title argument, which takes
the box's first paragraph command for its title and draws an empty title bar; a proof is set as
text instead, *Proof.* to the closing square.

**The bibliography in its chapter.** sphinx-jupyterbook-latex moves the list of references after
the last part, leaving the chapter "Bibliography" empty; it is put back there.

**Notebook outputs that only HTML can show.** The LaTeX writer drops raw HTML, and for LaTeX
myst-nb would fall back to an output's ``text/plain``: ``<IPython.core.display.HTML object>`` for
``display(HTML(...))``. ``_config.yml`` therefore ranks ``text/html`` for the ``latex`` builder
(``nb_mime_priority_overrides``), and here

- an HTML table (as ``mclib.tables.html_table`` writes them: cells of text, ``<code>``, ``<b>``,
  ``<small>``, ``<br>`` and inline math ``\( ... \)``) becomes a docutils table, math kept as
  math, with column widths from the cells' lengths;
- an mclib explorer (HTML with a ``data-explorer`` attribute, drawn by its script) becomes one
  sentence saying where the explorer is live;
- any other HTML output is left out (as the LaTeX writer would), with a warning naming it.

**The link on the website.** ``{{ pdf_download }}`` on the root page (the intro) links the PDF when
the environment variable ``MCML_PDF`` names it (``make book PDF=yes`` builds the site so and then
puts the PDF beside the site's pages); otherwise it is empty, so no build links a missing file.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.latex.nodes import thebibliography
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx_design.icons import fontawesome
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_latex_number_reference
from sphinx_proof.nodes import proof_node

logger = logging.getLogger(__name__)

PDF_ENV = "MCML_PDF"
EXPLORER_NOTE = ("An interactive explorer is shown here when the notebook runs (make lab, Colab or "
                 "Binder) and on the book's website.")
_EXPLORER = re.compile(r"\s*<div [^>]*\bdata-explorer=")
_MATH = re.compile(r"\\\((.+?)\\\)", re.S)
_INLINE = {"code": nodes.literal, "b": nodes.strong, "strong": nodes.strong, "em": nodes.emphasis,
           "i": nodes.emphasis}


class _TableParser(HTMLParser):
    """Collects the rows of the first-level tables: each cell as (is_header, colspan, paragraphs),
    a paragraph being a list of inline docutils nodes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[bool, int, list[list[nodes.Node]]]]]] = []
        self._cell = None  # (is_header, colspan, paragraphs) being filled
        self._stack: list[nodes.Element] = []  # open inline elements inside the cell
        self._skip = 0  # depth inside <style>/<script>

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = (tag == "th", int(dict(attrs).get("colspan") or 1), [[]])
            self.tables[-1][-1].append(self._cell)
            self._stack = []
        elif self._cell is not None and tag == "br":
            self._cell[2].append([])
        elif self._cell is not None and tag in _INLINE:
            self._stack.append(_INLINE[tag]())

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in ("td", "th"):
            self._cell = None
        elif self._cell is not None and tag in _INLINE and self._stack:
            self._append(self._stack.pop())

    def handle_data(self, data):
        if self._skip or self._cell is None or not data:
            return
        pieces = _MATH.split(data)  # text, math, text, math, ...
        for i, piece in enumerate(pieces):
            if i % 2:
                self._append(nodes.math(piece, piece))
            elif piece:
                self._append(nodes.Text(piece))

    def _append(self, node):
        (self._stack[-1] if self._stack else self._cell[2][-1]).append(node)


def _paragraphs(cell) -> list[nodes.paragraph]:
    paras = []
    for inline in cell[2]:
        para = nodes.paragraph()
        para.extend(inline)
        if para.astext().strip():
            paras.append(para)
    return paras or [nodes.paragraph()]


# Widths in characters of the PDF's text (\small): a line holds about 120; code and math symbols
# are wider per character; a cell's padding takes about 3.
_LINE_CHARS, _CODE_WIDTH, _MATH_CHAR, _PADDING = 120, 1.2, 1.3, 3
_MATH_BREAKS = re.compile(r"=|\\le|\\ge|\+|(?<=[^{(\s])\s*-|\\otimes|\\quad|,")


def _math_width(tex: str) -> float:
    """The width of inline math in characters, estimated from its TeX: a command is one symbol
    (\\lambda) or its argument's text (\\operatorname{tr}), sub- and superscripts count half."""
    tex = re.sub(r"\\(?:operatorname|text|mathrm|mathbf|mathsf)\{([^}]*)\}", r"\1", tex)
    tex = re.sub(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|[,;:! ])", "", tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)
    scripts = sum(len(m.strip("{}")) for m in re.findall(r"[_^](\{[^{}]*\}|.)", tex))
    body = len(re.sub(r"[{}_^\s]", "", tex))
    return _MATH_CHAR * (body - scripts / 2)


def _extent(node) -> tuple[float, float]:
    """(width, widest piece that cannot break) of an inline node, in characters: code does not
    break, math breaks after relations and operators, text between words."""
    if isinstance(node, nodes.literal):
        width = _CODE_WIDTH * len(node.astext())
        return width, width
    if isinstance(node, nodes.math):  # LaTeX may break inline math after a relation or operator
        pieces = _MATH_BREAKS.split(node.astext())
        return _math_width(node.astext()), max(map(_math_width, pieces))
    if isinstance(node, nodes.Text):
        return len(node), max(map(len, node.split()), default=0)
    extents = [_extent(child) for child in node.children]
    return sum(e[0] for e in extents), max((e[1] for e in extents), default=0)


def _widths(rows, ncols: int) -> list[int]:
    """Column widths (relative): each column gets its widest unbreakable piece, and the rest of
    the line goes to the columns in proportion to how much more their average cell would take."""
    sums, counts, widest = [0.0] * ncols, [0] * ncols, [0.0] * ncols
    for row in rows:
        col = 0
        for cell in row:
            if cell[1] == 1 and col < ncols:
                extents = [_extent(node) for para in cell[2] for node in para]
                sums[col] += sum(e[0] for e in extents)
                counts[col] += 1
                widest[col] = max(widest[col], *(e[1] for e in extents), 0)
            col += cell[1]
    # no column takes more than a third of the line before the others have theirs
    need = [min(w, _LINE_CHARS / 3) + _PADDING for w in widest]
    more = [max(s / c if c else 0.0, w) - n + _PADDING for s, c, w, n in zip(sums, counts, widest, need)]
    spare = max(_LINE_CHARS - sum(need), 0)
    return [max(round(n + spare * m / (sum(more) or 1)), 1) for n, m in zip(need, more)]


def html_table_to_docutils(rows) -> nodes.table:
    """A docutils table (longtable, header row repeated on each page) from parsed HTML rows."""
    ncols = max(sum(cell[1] for cell in row) for row in rows)
    table = nodes.table(classes=["longtable", "colwidths-given"])
    tgroup = nodes.tgroup(cols=ncols)
    table += tgroup
    for width in _widths(rows, ncols):
        tgroup += nodes.colspec(colwidth=width)
    head = [row for row in rows if row and all(cell[0] for cell in row)][:1]
    body = [row for row in rows if row and not any(row is h for h in head)]
    for part, part_rows in ((nodes.thead, head), (nodes.tbody, body)):
        if not part_rows:
            continue
        section = part()
        for row in part_rows:
            tr = nodes.row()
            for cell in row:
                entry = nodes.entry(morecols=cell[1] - 1) if cell[1] > 1 else nodes.entry()
                entry.extend(_paragraphs(cell))
                tr += entry
            section += tr
        tgroup += section
    return table


def _raw_latex(text: str) -> nodes.raw:
    return nodes.raw("", text, format="latex")


class PdfBook(SphinxPostTransform):
    """Runs on the whole book (the LaTeX builder resolves one assembled doctree), after myst-nb's
    SelectMimeType (priority 4) and sphinx-jupyterbook-latex's rearrangement (priority 700)."""

    default_priority = 800
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        self._number_chapters()
        self._exercise_references()
        self._root_labels()
        self._icon_names()
        self._proofs()
        self._bibliography_in_its_chapter()
        self._html_outputs()

    def _chapters(self):
        """The chapter-level documents: start_of_file nodes of real documents not inside another."""
        docs = self.env.all_docs
        for node in self.document.findall(addnodes.start_of_file):
            if node["docname"] not in docs:
                continue  # the parts made from toctree captions
            parent = node.parent
            while parent is not None and not (isinstance(parent, addnodes.start_of_file)
                                              and parent["docname"] in docs):
                parent = parent.parent
            if parent is None:
                yield node

    def _number_chapters(self) -> None:
        for node in list(self._chapters()):
            numbered = bool(self.env.toc_secnumbers.get(node["docname"], {}).get(""))
            macro = r"\mcmlNumberedChapter" if numbered else r"\mcmlUnnumberedChapter"
            node.parent.insert(node.parent.index(node), _raw_latex(macro))

    def _exercise_references(self) -> None:
        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for ref in list(self.document.findall(addnodes.number_reference)):
            label = ref.get("refuri", "").partition("#")[2]
            target = registry.get(label, {}).get("node")
            if isinstance(target, exercise_enumerable_node) and not ref.get("refid"):
                new = exercise_latex_number_reference(refid=label)
                new += nodes.Text(ref.astext())
                ref.replace_self(new)

    def _root_labels(self) -> None:
        """The LaTeX writer skips the root document's title, and with it the labels of its section;
        and the running foot of the root's pages would still name the table of contents."""
        root = self.config.root_doc
        section = next(self.document.findall(nodes.section), None)
        if section is None or section.get("docname") != root:
            return
        ids = [f"{root}::doc", *(f"{root}:{id_}" for id_ in section["ids"])]
        labels = "".join(rf"\label{{\detokenize{{{id_}}}}}" for id_ in ids)
        section.insert(1, _raw_latex(rf"\phantomsection{labels}\markboth{{}}{{}}"))

    def _icon_names(self) -> None:
        for icon in list(self.document.findall(fontawesome)):
            name = icon["icon"]
            icon.replace_self(nodes.emphasis(name, name))

    def _proofs(self) -> None:
        for box in [n for p in self.document.findall(proof_node) for n in p.children
                    if isinstance(n, nodes.admonition)]:
            body = nodes.container(classes=["proof"])
            body.extend(box.children)
            first = next(body.findall(nodes.Text), None)
            if first is not None and first.startswith("Proof. "):
                first.parent.replace(first, [nodes.emphasis("Proof.", "Proof."), nodes.Text(first[6:])])
            end = _raw_latex(r"\hfill\ensuremath{\square}")
            if body.children and isinstance(body[-1], nodes.paragraph):
                body[-1] += end
            else:
                body += nodes.paragraph("", "", end)
            box.replace_self(body)

    def _bibliography_in_its_chapter(self) -> None:
        bibliographies = list(self.document.findall(addnodes.start_of_file))
        bibliographies = [n for n in bibliographies if n["docname"] == self.config.mcml_bibliography_doc]
        lists = list(self.document.findall(thebibliography))
        if not bibliographies or not lists:
            return
        section = next(bibliographies[0].findall(nodes.section))
        section += _raw_latex(r"\begingroup\mcmlBibliographyInChapter")
        for node in lists:
            node.parent.remove(node)
            section += node
        section += _raw_latex(r"\endgroup")

    def _html_outputs(self) -> None:
        for raw in list(self.document.findall(nodes.raw)):
            if "html" not in raw.get("format", "").split():
                continue
            text = raw.astext()
            if _EXPLORER.match(text):
                raw.replace_self(nodes.paragraph("", "", nodes.emphasis(EXPLORER_NOTE, EXPLORER_NOTE)))
                continue
            if "output" not in raw.get("classes", []):
                continue  # raw HTML written in the prose: dropped by the LaTeX writer, as always
            parser = _TableParser()
            parser.feed(text)
            tables = [rows for rows in parser.tables if rows and any(rows)]
            if tables:
                raw.replace_self([_raw_latex(r"\begingroup\mcmlOutputTable"),
                                  *(html_table_to_docutils(rows) for rows in tables),
                                  _raw_latex(r"\endgroup")])
            else:
                logger.warning("pdf_book: an HTML output that is not a table is left out of the PDF",
                               location=raw)
                raw.parent.remove(raw)


def _website_numbers(app: Sphinx) -> None:
    """Runs after sphinx-jupyterbook-latex's builder-inited handler (priority 500)."""
    if app.builder.format == "latex":
        app.config.numfig_secnum_depth = 1


def _pdf_link(app: Sphinx, config: Config) -> None:
    name = os.environ.get(PDF_ENV, "")
    if name and (not name.endswith(".pdf") or "/" in name):
        raise ConfigError(f"pdf_book: {PDF_ENV} must be the PDF's file name (*.pdf) or empty, got {name!r}")
    link = ""
    if name:
        href = "../" * config.root_doc.count("/") + name
        link = (f'**On paper.** <a class="reference external" href="{href}">Download the whole book as '
                f'one PDF</a>: every chapter with its code, outputs and figures, and the bibliography.')
    config.myst_substitutions = {**(config.myst_substitutions or {}), "pdf_download": link}


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _pdf_link, priority=900)
    app.connect("builder-inited", _website_numbers, priority=600)
    # The document whose chapter holds the list of references in the PDF.
    app.add_config_value("mcml_bibliography_doc", "book/bibliography", "env", [str])
    app.add_post_transform(PdfBook)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
