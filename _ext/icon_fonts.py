"""Font Awesome's web fonts cut down to the icons the site shows.

pydata-sphinx-theme ships Font Awesome 6's three web fonts whole (as WOFF2: solid 156 kB, brands
118 kB, regular 25 kB; TTF copies as fallbacks) for a couple of dozen icons, and on a page without
math they were more than half of what a reader downloads. At the end of an HTML build this
finds the characters the site can draw with them:

- the icon classes (``fa-…``) that occur in the built pages or the site's scripts, looked up in the
  style sheets' ``.fa-…:before {content: "\\f…"}`` rules (a few icons are drawn from ASCII
  characters: ``fa-plus`` is ``"\\+"``, ``fa-question`` ``"\\?"``, ``fa-1`` ``"\\31 "``);
- every other Font Awesome character (the private-use area) a style sheet writes: the admonition
  and sidebar icons (``--pst-icon-…`` variables, ``content: "\\f303"``),

and rewrites each font file of the theme (WOFF2 and TTF) with those characters only, from the
theme's own copy (so a rebuild never subsets a subset), with fontTools. The font's whole name table
(copyright, version, URL) is kept; the licence (SIL OFL 1.1) is named in the header of the theme's
style sheet. tests/test_site.py checks in the browser that every icon character a page uses is in
the font it is drawn with.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from theme_assets import built_pages

LOGGER = logging.getLogger(__name__)

WEBFONTS = "_static/vendor/fontawesome/webfonts"
PRIVATE_USE = range(0xE000, 0xF900)
_RULE = re.compile(r"([^{}]*)\{([^{}]*)\}")
_ICON_SELECTOR = re.compile(r"\.(fa-[a-z0-9-]+)::?(?:before|after)")
# A CSS string, and an escape in it: hex (``\f0c9``, ``\31 `` with its optional space) or any other
# character (``\+``).
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'', re.S)
_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n]?|(.))", re.S)
_CLASS_TOKEN = re.compile(r"\bfa-[a-z0-9-]+")


def _unescape(match: re.Match) -> str:
    if match.group(1):
        return chr(min(int(match.group(1), 16), 0x10FFFF))
    return "" if match.group(2) == "\n" else match.group(2)  # backslash-newline continues a line


def _string_chars(declarations: str) -> set[int]:
    """The characters of the CSS strings in `declarations`, escapes decoded."""
    return {ord(ch) for double, single in _STRING.findall(declarations)
            for ch in _ESCAPE.sub(_unescape, double or single)}


def characters_in_use(style_sheets: list[str], texts: list[str]) -> set[int]:
    """Font Awesome characters the site can show: those of the icon classes that occur in `texts`
    (pages and scripts), private-use or not, and every private-use character the style sheets write
    outside the icon-class rules."""
    by_class: dict[str, set[int]] = {}
    always: set[int] = set()
    for css in style_sheets:
        for selectors, declarations in _RULE.findall(css):
            chars = _string_chars(declarations)
            if not chars:
                continue
            parts = [s.strip() for s in selectors.split(",")]
            icons = [_ICON_SELECTOR.fullmatch(p) for p in parts]
            if all(icons):
                for match in icons:
                    by_class.setdefault(match.group(1), set()).update(chars)
            else:
                always |= {c for c in chars if c in PRIVATE_USE}
    used = {token for text in texts for token in _CLASS_TOKEN.findall(text)}
    return always.union(*(by_class[name] for name in used if name in by_class))


def subset_font(source: Path, target: Path, characters: set[int]) -> None:
    """Write `source` with only `characters` (and .notdef) to `target`, in the format its suffix
    names (.woff2 or .ttf), keeping the name table."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2" if target.suffix == ".woff2" else None
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.ignore_missing_unicodes = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(characters))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


def _theme_webfonts() -> Path:
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static" / \
        "vendor" / "fontawesome" / "webfonts"


def _subset_site_fonts(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    fonts = sorted((outdir / WEBFONTS).glob("fa-*"))
    if not fonts:
        LOGGER.warning("icon_fonts: no Font Awesome fonts in %s (did the theme change?)", WEBFONTS)
        return
    try:
        import brotli  # noqa: F401  (fontTools writes WOFF2 with it)
    except ImportError as exc:
        raise ExtensionError("icon_fonts: fontTools needs brotli to write WOFF2 fonts "
                             "(pip install -r requirements.txt)") from exc
    static = outdir / "_static"
    style_sheets = [p.read_text(encoding="utf-8") for p in static.rglob("*.css")]
    texts = [p.read_text(encoding="utf-8") for p in built_pages(outdir)]
    texts += [p.read_text(encoding="utf-8") for p in static.rglob("*.js")]
    characters = characters_in_use(style_sheets, texts)
    before = after = 0
    for font in fonts:
        source = _theme_webfonts() / font.name
        if not source.is_file():
            raise ExtensionError(f"icon_fonts: the theme's {source} is missing (did the theme change?)")
        subset_font(source, font, characters)
        before += source.stat().st_size
        after += font.stat().st_size
    LOGGER.info("icon_fonts: %d Font Awesome characters kept; %d font files %d kB -> %d kB",
                len(characters), len(fonts), before // 1000, after // 1000)


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", _subset_site_fonts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
