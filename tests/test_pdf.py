"""The book as one PDF (`make pdf`): every chapter of _toc.yml, every numbered equation, statement,
exercise (and solution, unless SOLUTIONS=hidden), figure, atlas identity and bibliography entry is
in it; the prose holds no unrendered TeX or MyST and no unresolved reference ("??"); no output is a
Python repr; no character was lost for want of a glyph; nothing runs off the paper.

Checks the PDF that `make pdf` builds (_build/latex/<targetname>.pdf; MCML_PDF_FILE points at
another) with poppler-utils (pdftotext, pdftohtml, pdftoppm, pdfimages, pdfinfo), which
`make texlive` installs. `make pdf-test` builds the PDF and runs these tests. Outside CI a missing
PDF or poppler skips them; with CI=true it fails them.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml

import mclib as mc

pytestmark = pytest.mark.pdf

REPO = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
TOC = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
TARGET = CONFIG["latex"]["latex_documents"]["targetname"]
PDF = Path(os.environ.get("MCML_PDF_FILE", REPO / "_build" / "latex" / Path(TARGET).with_suffix(".pdf")))
SOLUTIONS_HIDDEN = os.environ.get("MCML_SOLUTIONS", "shown") == "hidden"
POPPLER = ("pdftotext", "pdftohtml", "pdftoppm", "pdfimages", "pdfinfo")

# sphinx-proof's numbered kinds (prf:proof is not numbered)
PRF_KINDS = ("theorem", "proposition", "lemma", "corollary", "definition", "remark", "example",
             "algorithm", "conjecture", "axiom", "criterion", "property", "observation", "assumption",
             "notation")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
EQ_LABEL = re.compile(r"\$\$\s*\((eq-[\w-]+)\)")
DIRECTIVE = re.compile(r"^\s*(?:```+|:::+)\{(prf:[a-z]+|exercise|solution)\}", re.M)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the PDF tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pdf() -> Path:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        _unavailable(f"poppler-utils is missing ({', '.join(missing)}): make texlive")
    if not PDF.is_file():
        _unavailable(f"no PDF at {PDF}: build it with make pdf")
    return PDF


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


# ---- the sources: what the PDF must contain -------------------------------------------------------

def _toc_docs() -> list[tuple[str, str | None]]:
    """(docname, part caption) of every document of _toc.yml, in order."""
    docs = [(TOC["root"], None)]

    def walk(entries, caption):
        for entry in entries:
            docs.append((entry["file"], caption))
            walk(entry.get("sections", []), caption)

    for part in TOC["parts"]:
        walk(part["chapters"], part.get("caption"))
    return docs


def _source_path(doc: str) -> Path:
    for suffix in (".md", ".ipynb"):
        if (REPO / f"{doc}{suffix}").is_file():
            return REPO / f"{doc}{suffix}"
    raise FileNotFoundError(f"{doc} of _toc.yml has no .md or .ipynb")


@cache
def _markdown(doc: str) -> str:
    """The Markdown of a document (a notebook's Markdown cells, joined)."""
    path = _source_path(doc)
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def _title(doc: str) -> str:
    """The first level-1 heading, as a reader sees it (MyST roles and backticks removed)."""
    heading = re.search(r"^# (.+)$", _markdown(doc), re.M)
    assert heading, f"{doc} has no level-1 heading"
    text = re.sub(r"\{[\w:-]+\}`([^`]*)`", r"\1", heading.group(1))
    return " ".join(text.replace("`", "").split())


def _shown(markdown: str) -> str:
    """The Markdown the PDF shows: without the {solution} blocks when solutions are hidden."""
    if not SOLUTIONS_HIDDEN:
        return markdown
    sys.path.insert(0, str(REPO / "_ext"))
    from solutions import SOLUTION_BLOCK  # the book's extension that hides them

    return SOLUTION_BLOCK.sub("", markdown)


def _chapter_numbers() -> dict[str, int | None]:
    """The number of each document's chapter as the website shows it (None: unnumbered part)."""
    numbers, n = {}, 0
    for part in TOC["parts"]:
        for chapter in part["chapters"]:
            if part.get("numbered"):
                n += 1
            docs = [chapter] + chapter.get("sections", [])
            for entry in docs:
                numbers[entry["file"]] = n if part.get("numbered") else None
    return numbers


def _png_outputs(doc: str) -> int:
    path = _source_path(doc)
    if path.suffix != ".ipynb":
        return 0
    count = 0
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "remove-output" in tags or "remove-cell" in tags:
            continue
        if SOLUTIONS_HIDDEN and "exercise-check" in tags:
            continue
        count += sum("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
    return count


# ---- the PDF: its text, per page, and which of it is code ----------------------------------------

@pytest.fixture(scope="module")
def pages(pdf) -> list[str]:
    """The text of every page (pdftotext -layout)."""
    return _run("pdftotext", "-layout", str(pdf), "-").split("\f")[:-1]


@pytest.fixture(scope="module")
def runs(pdf) -> list[list[tuple[str, str]]]:
    """Per page, the text runs as (font family, text), from pdftohtml's XML."""
    xml = _run("pdftohtml", "-xml", "-i", "-q", "-stdout", str(pdf))
    fonts = dict(re.findall(r'<fontspec id="(\d+)"[^>]*family="([^"]*)"', xml))
    result = []
    for page in re.split(r"<page number=", xml)[1:]:
        result.append([(fonts[font], html.unescape(re.sub(r"<[^>]+>", "", text)))
                       for font, text in re.findall(r'<text [^>]*font="(\d+)"[^>]*>(.*?)</text>', page)])
    return result


def _normalized(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split()).casefold()


def _prose(runs) -> list[str]:
    """Per page, the text not set in the monospace font (code, outputs and inline code are)."""
    return [" ".join(text for family, text in page if "Mono" not in family) for page in runs]


def _where(pages: list[str], pattern: re.Pattern) -> list[str]:
    found = []
    for number, text in enumerate(pages, 1):
        for match in pattern.finditer(text):
            found.append(f"p. {number}: …{text[max(0, match.start() - 40):match.end() + 40]}…")
    return found


# ---- the tests -------------------------------------------------------------------------------------

def test_page_count(pdf, pages):
    count = int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", str(pdf)), re.M).group(1))
    print(f"{pdf.name}: {count} pages")
    assert count == len(pages)
    assert count >= 5 * len(_toc_docs()), f"only {count} pages for {len(_toc_docs())} documents"


@pytest.mark.parametrize("doc", [doc for doc, _ in _toc_docs()])
def test_every_document_of_the_toc_is_in_the_pdf(pages, doc):
    """Its title is in the contents and on its first page (the intro: on the title page)."""
    title = _normalized(_title(doc))
    occurrences = sum(_normalized(page).count(title) for page in pages)
    assert occurrences >= 2, f"{doc}: title {title!r} found {occurrences} times (contents and chapter)"


def test_the_parts_of_the_toc_are_parts_of_the_pdf(pages):
    text = _normalized(" ".join(pages))
    for part in TOC["parts"]:
        assert _normalized(part["caption"]) in text, f"part {part['caption']!r} is missing"


def test_numbered_equations_carry_the_websites_numbers(pages):
    """Each chapter's k-th numbered equation is (n.k), as on the website; elsewhere (k)."""
    text = " ".join(pages)
    numbers, counts = _chapter_numbers(), Counter()
    missing = []
    for doc, _ in _toc_docs()[1:]:
        for _label in EQ_LABEL.findall(_markdown(doc)):
            chapter = numbers[doc]
            counts[chapter] += 1
            tag = f"({chapter}.{counts[chapter]})" if chapter else f"({counts[chapter]})"
            if tag not in text:
                missing.append(f"{doc}: {tag}")
    assert sum(counts.values()) > 0
    assert not missing, f"equation numbers missing from the PDF: {missing}"


def test_every_statement_exercise_and_solution_is_there(runs):
    """Count the boxes' bold titles (Theorem 2.3, Exercise 4.1, Solution to Exercise 4.1) against the
    directives in the sources; their numbers carry the chapter's number as on the website."""
    expected = Counter()
    for doc, _ in _toc_docs():
        for name in DIRECTIVE.findall(_markdown(doc)):
            if name != "prf:proof":
                expected["prf" if name.startswith("prf:") else name] += 1
    if SOLUTIONS_HIDDEN:
        expected["solution"] = 0
    bold = [text for page in runs for family, text in page if "Bold" in family]
    kinds = "|".join(k.capitalize() for k in PRF_KINDS)
    found = Counter()
    for text in bold:
        if re.match(rf"(?:{kinds}) \d+(?:\.\d+)?(?: \(|$)", text):
            found["prf"] += 1
        elif re.match(r"Exercise \d+(?:\.\d+)?(?: \(|$)", text):
            found["exercise"] += 1
        elif re.match(r"Solution to Exercise \d+(?:\.\d+)?(?: \(|$)", text):
            found["solution"] += 1
    assert found == expected, f"boxes in the PDF {dict(found)} vs directives in the sources {dict(expected)}"
    assert not any(re.match(r"(?:Exercise|Theorem|Definition) \d+\.\d+\.\d+", t) for t in bold), \
        "section-level numbers (Theorem 1.5.1) where the website has chapter-level ones (Theorem 1.2)"


def test_the_prose_has_no_raw_tex_myst_or_unresolved_reference(runs):
    """Outside code (monospace), no TeX command, $$, MyST role or directive, and no '??'."""
    leftover = re.compile(r"\\[A-Za-z]{2,}|\$\$|\?\?|\{(?:eq|cite|ref|doc|numref|math|fa|prf:\w+)\}`"
                          r"|```|:::|\{(?:exercise|solution|figure|bibliography)\}")
    found = _where(_prose(runs), leftover)
    assert not found, "raw TeX or MyST, or unresolved references, in the PDF:\n" + "\n".join(found[:20])


def test_no_output_is_a_python_repr(pages):
    """HTML outputs (the atlas, the common mistakes) and the explorer have a PDF form."""
    repr_ = re.compile(r"<[\w.]+ object(?: at 0x[0-9a-f]+)?>")
    found = _where(pages, repr_)
    assert not found, "Python reprs in the PDF:\n" + "\n".join(found[:20])


def test_every_atlas_identity_is_in_the_pdf(pages):
    text = "".join("".join(page.split()) for page in pages)  # names may wrap within a table cell
    names = [identity.name for identity in mc.identities.all_identities()]
    missing = [name for name in names if name not in text]
    assert not missing, f"{len(missing)} of {len(names)} atlas identities are missing: {missing[:10]}"


def test_every_figure_is_in_the_pdf(pdf):
    images = _run("pdfimages", "-list", str(pdf)).splitlines()[2:]
    count = sum(line.split()[2] == "image" for line in images)
    expected = sum(_png_outputs(doc) for doc, _ in _toc_docs())
    assert count >= expected > 0, f"{count} images in the PDF, {expected} PNG outputs in the notebooks"


def test_every_cited_source_is_in_the_bibliography(pages):
    cited = {key.strip() for doc, _ in _toc_docs() for keys in CITE.findall(_shown(_markdown(doc)))
             for key in keys.split(",")}
    start = next(i for i, page in enumerate(pages) if "Every source cited in the book." in page)
    entries = 0
    for page in pages[start:]:
        lines = page.strip().splitlines()
        if entries and lines and re.fullmatch(r"[A-Z][A-Z ]+", lines[0].strip()):
            break  # the next chapter's opening page (its title in capitals)
        entries += len(re.findall(r"^\s*\[[^\]\s]+\]\s", page, re.M))
    assert entries == len(cited), f"{entries} entries in the bibliography, {len(cited)} sources cited"


def test_every_character_has_a_glyph(pdf, pages):
    """xelatex leaves out a character its font lacks, with a line in its log; and every non-ASCII
    character of the LaTeX source reaches the PDF's text (a lost glyph leaves no text behind)."""
    log = pdf.with_suffix(".log")
    tex = pdf.with_suffix(".tex")
    if not (log.is_file() and tex.is_file()):
        _unavailable(f"no LaTeX log and source beside {pdf}: build it with make pdf")
    lost = sorted(set(re.findall(r"Missing character: There is no (\S+)", log.read_text(errors="replace"))))
    assert not lost, f"characters without a glyph (add them to _latex/mcml.sty): {lost}"
    source = {ch for line in tex.read_text(encoding="utf-8").splitlines()
              if not line.lstrip().startswith("%") for ch in line if ord(ch) > 127}
    # combining accents are composed with their letter in the PDF's text; spaces are spaces
    source = {ch for ch in source if not 0x300 <= ord(ch) < 0x370 and not ch.isspace()}
    text = set("".join(pages))
    assert not source - text, f"in the LaTeX source but not in the PDF: {sorted(source - text)}"


def test_nothing_runs_off_the_paper(pdf, tmp_path):
    """Every page as an image (pdftoppm, 20 dpi, grey): no ink within 0.4 inch of the paper's left or
    right edge, where the margins are at least an inch: an overlong line of code, math or table."""
    _run("pdftoppm", "-gray", "-r", "20", str(pdf), str(tmp_path / "p"))
    overflowing = []
    for image in sorted(tmp_path.glob("p-*.pgm")):
        ink = _pgm(image) < 128
        edge = round(0.4 * 20)
        if ink[:, :edge].any() or ink[:, -edge:].any():
            overflowing.append(int(image.stem.split("-")[1]))
    assert not overflowing, f"ink at the paper's edge on pages {overflowing}"


def _pgm(path: Path) -> np.ndarray:
    """A binary PGM (P5, 8 bit) as an array."""
    data = path.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    width, height = int(fields.group(1)), int(fields.group(2))
    return np.frombuffer(data[fields.end():fields.end() + width * height], np.uint8).reshape(height, width)
