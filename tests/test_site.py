"""Browser tests of the built website (_build/html) in Debian's Chromium, with no network.

Build first (`make site`), then: `.venv/bin/pytest tests -m site -q`.

The site is served by an in-process HTTP server on 127.0.0.1; every request to any other origin
is recorded as a failure and aborted (so an offline machine fails fast instead of timing out).
Outside CI a missing build or browser skips these tests; with CI=true it fails them.
"""

from __future__ import annotations

import functools
import html
import html.parser
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from sitekit import MATH_SELECTOR, REPO, SITE, is_known_page_error, serve_site, site_pages, unavailable

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # reported by the browser fixture
    PlaywrightTimeout = TimeoutError

pytestmark = pytest.mark.site

# --- What the book must satisfy (edit here) ---------------------------------------------------------

# One search term per chapter: the term must occur in the text of that page, and the site's search
# must list that page for it.
SEARCH_TERMS: dict[str, str] = {
    "book/01-layouts.html": "denominator",
    "book/02-chain-rule.html": "Newton",
    "book/03-vec-kronecker.html": "commutation",
    "book/04-trace-determinant/01-trace-determinant.html": "Jacobi",
    "book/04-trace-determinant/02-inverse-norms-likelihood.html": "Linnerud",
    "book/04-trace-determinant/03-structured-matrices.html": "Procrustes",
    "book/05-eigen-svd.html": "eigengap",
    "book/06-matrix-normal.html": "flip-flop",
    "book/07-backprop.html": "backpropagation",
    "book/08-cnn.html": "im2col",
    "book/appendix-identities.html": "trace_axb",
    "book/running-the-notebooks.html": "Colab",
    "book/notation.html": "duplication",
    "book/common-mistakes.html": "symmetrized",
    "book/execution-stats.html": "weight",
    "book/benchmarks.html": "anchor",
}

# The only external links a page may contain: citation targets, i.e. links inside a bibliography
# entry (div.citation, made by sphinxcontrib-bibtex from the url/doi fields) or to these prefixes.
# Every one found is listed in test-artifacts/external-links.txt. Links are never followed by the tests.
CITATION_LINK_PREFIXES = (
    "https://doi.org/",
    "https://arxiv.org/abs/",
)

# Full-page screenshots in light and dark mode, for a human to look at, written to test-artifacts/
# (git-ignored): the page with the gradient-field explorer and one with theorems.
DARK_MODE_SCREENSHOT_PAGES = ("book/01-layouts.html", "book/05-eigen-svd.html")

# Math must stay legible in both colour modes: WCAG's contrast ratio for normal text.
MIN_MATH_CONTRAST = 4.5

# --- Setup ------------------------------------------------------------------------------------------

ARTIFACTS = REPO / "test-artifacts"
CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
# Notebook pages that read files only a clone has: no Colab/Binder menu (_ext/launch_pages.py).
NO_LAUNCH_PAGES = set(CONFIG["sphinx"]["config"].get("launch_buttons_exclude", []))
TIMEOUT_MS = 15_000  # bound on every wait: load, network idle, fonts, images

# ipywidgets views need a widget manager in the page, which the site does not ship: the book's
# interactive figures are self-contained (mclib.explorer, tests/test_explorer_site.py).
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
IGNORED_LINK_SCHEMES = ("mailto", "tel")

@dataclass
class PageInfo:
    """What the static HTML of a built page says, without a browser."""

    ids: set[str] = field(default_factory=set)
    widget_views: int = 0
    refresh_to: str | None = None
    hrefs: list[str] = field(default_factory=list)


class _PageParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.info = PageInfo()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.info.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.info.ids.add(a["name"])
        if (tag == "a" and a.get("href")) or (tag == "form" and a.get("action")):  # the search box
            self.info.hrefs.append(a.get("href") or a["action"])
        if tag == "script" and a.get("type") == WIDGET_VIEW_MIME:
            self.info.widget_views += 1
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            m = re.search(r"url\s*=\s*['\"]?([^'\"]+)", a.get("content", ""), re.I)
            if m:
                self.info.refresh_to = m.group(1).strip()


@functools.cache
def article_text(rel_path: str) -> str:
    """The text of a built page's article (what a reader reads, without navigation), from the HTML."""
    page = (SITE / rel_path).read_text(encoding="utf-8", errors="replace")
    match = re.search(r'<article class="bd-article"[^>]*>(.*?)</article>', page, re.S)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", match.group(1) if match else page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@functools.cache
def page_info(rel_path: str) -> PageInfo:
    parser = _PageParser()
    parser.feed((SITE / rel_path).read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser.info


PAGES = site_pages()
# Without a build, one placeholder keeps the tests from vanishing: the site fixture then fails (CI)
# or skips with the reason.
PAGE_PARAMS = PAGES or [pytest.param("index.html", id="site-not-built")]


def notebook_pages() -> dict[str, str]:
    """Built page -> its notebook, for every notebook in the table of contents: the pages that
    must carry launch and download buttons."""
    toc_files = re.findall(r"file:\s*(\S+)", (REPO / "_toc.yml").read_text(encoding="utf-8"))
    return {f"{name}.html": f"{name}.ipynb" for name in toc_files if (REPO / f"{name}.ipynb").is_file()}


NOTEBOOK_PAGES = notebook_pages()


@dataclass(frozen=True)
class HeaderLinks:
    """The external links the theme's header buttons must show on a notebook page, derived from
    the one repository setting in _config.yml (not from the built HTML)."""

    repository: str
    issues_prefix: str
    colab: str
    binder: str


def header_links(notebook: str) -> HeaderLinks:
    repo = CONFIG["repository"]
    url, branch = repo["url"].rstrip("/"), repo.get("branch", "main")
    owner_name = urllib.parse.urlsplit(url).path.strip("/")
    launch = CONFIG["launch_buttons"]
    path = (Path(repo.get("path_to_book", "") or ".") / notebook).as_posix().removeprefix("./")
    return HeaderLinks(
        repository=url,
        issues_prefix=f"{url}/issues/new?",
        colab=f"{launch['colab_url'].rstrip('/')}/github/{owner_name}/blob/{branch}/{path}",
        binder=f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{owner_name}/{branch}"
        f"?urlpath={launch.get('notebook_interface', 'jupyterlab').replace('jupyterlab', 'lab')}/tree/{path}",
    )


def is_header_link(url: str) -> bool:
    """A link of the repository / issues / launch buttons (allowed on any page)."""
    repo = CONFIG["repository"]["url"].rstrip("/")
    if url == repo or url.startswith(f"{repo}/issues/new?"):
        return True
    return any(url == getattr(header_links(nb), kind) for nb in NOTEBOOK_PAGES.values()
               for kind in ("colab", "binder"))


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "index.html").is_file():
        unavailable(f"{SITE / 'index.html'} is missing: build the site first (make site)")
    with serve_site() as origin:
        yield origin


class Visit:
    """One fresh browser context and page, recording everything that goes over the network or
    ends up in the console while the test uses it."""

    def __init__(self, browser, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.problems: list[str] = []  # settling problems
        self.static_path = ""  # the built file now shown (after a meta refresh)
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route(lambda url: not self.is_local(url), lambda route: route.abort("blockedbyclient"))
        self.context.on("request", self._on_request)
        self.context.on("requestfailed", self._on_request_failed)
        self.context.on("response", self._on_response)
        self.page = self.context.new_page()
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_page_error)
        self.page.on("websocket", lambda ws: self.is_local(ws.url) or self.external.append(ws.url))

    def is_local(self, url: str) -> bool:
        return url.startswith((self.origin + "/", "data:", "blob:")) or url == self.origin

    def _on_request(self, request) -> None:
        self.requests.append(request.url)
        if not self.is_local(request.url):
            self.external.append(request.url)

    def _on_request_failed(self, request) -> None:
        if self.is_local(request.url):  # external ones are reported as external
            self.failed.append(f"{request.failure} {request.url}")

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"HTTP {response.status} {response.url}")

    def _on_console(self, msg) -> None:
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            self.errors.append(f"console error: {msg.text} (at {where})")

    def _on_page_error(self, error) -> None:
        name, message, stack = error.name or "", error.message or "", error.stack or ""
        if not is_known_page_error(name, message):
            first = stack.strip().splitlines()[1:2]
            self.errors.append(f"page error: {name}: {message} {first[0].strip() if first else ''}".rstrip())

    def goto(self, path: str) -> None:
        """Open a page of the site and wait until it has settled (load, then network idle)."""
        url = f"{self.origin}/{path}"
        self.page.goto(url, wait_until="load")
        self.static_path = urllib.parse.urlsplit(path).path
        if (SITE / self.static_path).is_file() and page_info(self.static_path).refresh_to:
            target = urllib.parse.urljoin(url, page_info(self.static_path).refresh_to)
            self.page.wait_for_url(target, wait_until="load")
            self.static_path = urllib.parse.urlsplit(target).path.lstrip("/")
        self.wait_for_network_idle()

    def wait_for_network_idle(self) -> None:
        try:
            self.page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        except PlaywrightTimeout:
            self.problems.append(f"the page did not reach network idle within {TIMEOUT_MS / 1000:.0f} s")

    def failures(self) -> list[str]:
        """Failed local requests; Chromium's abort of a request that already got an HTTP error
        (it does that for fonts) is not listed twice."""
        http_errors = {f.split()[-1] for f in self.failed if f.startswith("HTTP ")}
        return [
            f
            for f in dict.fromkeys(self.failed)
            if not (f.startswith("net::ERR_ABORTED ") and f.split()[-1] in http_errors)
        ]

    def network_and_console_problems(self) -> list[str]:
        out = list(self.problems)
        out += [f"request to another origin: {u}" for u in dict.fromkeys(self.external)]
        out += [f"failed request: {f}" for f in self.failures()]
        out += list(dict.fromkeys(self.errors))
        return out

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(site_url, browser):
    visits: list[Visit] = []

    def open_page(path: str) -> Visit:
        v = Visit(browser, site_url)
        visits.append(v)
        v.goto(path)
        return v

    yield open_page
    for v in visits:
        v.close()


@pytest.fixture(scope="session")
def external_links():
    """page -> allowed external links found on it; listed in test-artifacts/external-links*.txt
    (one file per pytest-xdist worker)."""
    found: dict[str, list[str]] = {}
    yield found
    ARTIFACTS.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    lines = [f"{page}\t{url}" for page, urls in sorted(found.items()) for url in urls]
    out = ARTIFACTS / (f"external-links-{worker}.txt" if worker else "external-links.txt")
    out.write_text("\n".join(lines) + "\n" if lines else "")


def _fail(page_path: str, problems: list[str]) -> None:
    if problems:
        pytest.fail(f"{page_path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems), pytrace=False)


# --- Checks on a loaded page ------------------------------------------------------------------------

# TeX delimiters that must not be left as text anywhere on a page (outside code): what MathJax would
# have typeset in the browser.
RAW_TEX = r"\\\(|\\\[|\$\$|\\begin\{"

_MATH_STATE_JS = r"""async ([sel, rawTex]) => {
  await document.fonts.ready;
  const math = [...document.querySelectorAll(sel)];
  const containers = [...document.querySelectorAll('mjx-container')];
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    if (node.parentElement.closest('pre, code, script, style, textarea, mjx-container')) continue;
    const m = node.textContent.match(new RegExp(rawTex));
    if (m) raw.push(node.textContent.slice(Math.max(0, m.index - 30), m.index + 50).trim());
  }
  // the MathJax fonts the page's math uses, and the fonts its <head> preloads
  const fontSrc = {};
  for (const sheet of document.styleSheets) {
    let rules = [];
    try { rules = sheet.cssRules; } catch (e) {}
    for (const r of rules) {
      const url = r instanceof CSSFontFaceRule && r.style.getPropertyValue('src').match(/url\("?([^")]+)/);
      const family = url && r.style.getPropertyValue('font-family').replace(/"/g, '');
      if (url) fontSrc[family] = new URL(url[1], sheet.href || document.baseURI).href;
    }
  }
  const preloads = document.querySelectorAll('link[rel="preload"][as="font"]');
  const preloaded = new Set([...preloads].map(l => l.href));
  return {
    math: math.length,
    unrendered: math.filter(e => !e.querySelector('mjx-container > mjx-math'))
      .map(e => e.textContent.trim().slice(0, 80)),
    noMathml: containers.filter(c => !c.querySelector(':scope > mjx-assistive-mml > math'))
      .map(c => (c.closest('p, li, td, th, div') || c).textContent.trim().slice(0, 80)),
    raw,
    mathjax: typeof window.MathJax !== 'undefined',
    scripts: [...new Set([...document.scripts].map(s => s.src).concat(
      performance.getEntriesByType('resource').filter(e => e.initiatorType === 'script').map(e => e.name)))]
      .filter(src => /mathjax/i.test(src)),
    notPreloaded: [...document.fonts].filter(f => f.family.startsWith('MJX') && f.status === 'loaded')
      .map(f => fontSrc[f.family] || f.family).filter(src => !preloaded.has(src)),
    merrors: [...document.querySelectorAll('mjx-merror')]
      .map(e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80)),
  };
}"""


def check_math(page) -> list[str]:
    """The math was rendered when the site was built (scripts/mathjax/prerender.mjs): every element
    Sphinx marks as math holds MathJax's CHTML output with its assistive MathML (what a screen reader
    reads), without errors; no TeX is left as text on the page (outside code); no MathJax script is
    on the page or loaded; the MathJax fonts the math uses are preloaded (they arrive with the page)."""
    state = page.evaluate(_MATH_STATE_JS, [MATH_SELECTOR, RAW_TEX])
    problems = []
    if state["mathjax"] or state["scripts"]:
        problems.append(f"MathJax runs in the browser (window.MathJax, scripts {state['scripts']}): the "
                        "math must be rendered at build time (node scripts/mathjax/prerender.mjs <html>)")
    problems += [f"math element without rendered output: {t!r}" for t in state["unrendered"][:10]]
    problems += [f"rendered math without assistive MathML: {t!r}" for t in state["noMathml"][:10]]
    problems += [f"TeX left as text on the page: {t!r}" for t in state["raw"][:10]]
    # an undefined macro is a TeX error too: prerender.mjs does not load MathJax's noundefined package
    problems += [f"MathJax error (mjx-merror): {t!r}" for t in state["merrors"][:10]]
    problems += [f"math font not preloaded (it arrives after the page): {u}" for u in state["notPreloaded"]]
    return problems


def check_images(page) -> list[str]:
    """Every <img> has loaded (complete, naturalWidth > 0); lazy images are loaded eagerly first."""
    page.evaluate("() => { for (const i of document.images) if (i.loading === 'lazy') i.loading = 'eager'; }")
    try:
        page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=TIMEOUT_MS)
    except PlaywrightTimeout:  # reported below
        pass
    broken = page.evaluate(
        """() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))
                 .map(i => i.currentSrc || i.getAttribute('src') || '(no src)')"""
    )
    return [f"image not loaded: {src}" for src in broken]


# Scripts the theme would load on every page that _ext/theme_assets.py takes out: Font Awesome's SVG
# framework (its icons are drawn by the style sheet's web fonts) and the search-as-you-type index,
# which only search.html needs.
SEARCH_SCRIPTS = ("/searchindex.js", "/_static/searchtools.js", "/_static/language_data.js")
UNUSED_THEME_SCRIPTS = ("/_static/scripts/fontawesome.js", *SEARCH_SCRIPTS)

_ICONS_JS = """() => [...document.querySelectorAll('i[class*="fa-"], span[class*="fa-"]')]
  .filter(i => [...i.classList].some(c => c.startsWith('fa-')))
  .filter(i => i.checkVisibility())
  .map(i => {
    const glyph = getComputedStyle(i, '::before');
    const family = glyph.fontFamily.split(',')[0].replace(/["']/g, '').trim();
    const weight = glyph.fontWeight;
    const faces = [...document.fonts].filter(f => f.family.replace(/["']/g, '') === family &&
                                                  String(f.weight) === String(weight));
    return {icon: i.className, content: glyph.content, width: i.getBoundingClientRect().width,
            font: `${family} ${weight}`, loaded: faces.some(f => f.status === 'loaded'),
            hidden: i.getAttribute('aria-hidden') === 'true',
            named: i.getAttribute('role') === 'img' && !!i.getAttribute('aria-label')};
  })"""


# The Font Awesome characters the page draws (icons and admonition/sidebar glyphs, in ::before and
# ::after), by the font they are drawn with: "family weight" -> code points. Not only private-use
# ones: a few icons are ASCII characters of the font (fa-plus is "+", fa-question "?").
_ICON_CHARS_JS = """() => {
  const out = {};
  for (const el of document.querySelectorAll('*')) {
    for (const pseudo of ['::before', '::after']) {
      const style = getComputedStyle(el, pseudo);
      const quoted = style.fontFamily.includes('Font Awesome') && style.content.match(/^"(.*)"$/u);
      if (!quoted) continue;
      const font = style.fontFamily.split(',')[0].replace(/["']/g, '').trim() + ' ' + style.fontWeight;
      for (const ch of quoted[1].replace(/\\\\(.)/gu, '$1')) {  // the serialized string's \\" and \\\\
        if (!/\\s/u.test(ch)) (out[font] ??= new Set()).add(ch.codePointAt(0));
      }
    }
  }
  return Object.fromEntries(Object.entries(out).map(([font, cps]) => [font, [...cps]]));
}"""
# The theme's @font-face rules: which file draws which family and weight.
ICON_FONT_FILES = {
    "Font Awesome 6 Free 900": "fa-solid-900",
    "Font Awesome 6 Free 400": "fa-regular-400",
    "Font Awesome 6 Brands 400": "fa-brands-400",
}


@functools.cache
def _font_characters(name: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(SITE / "_static/vendor/fontawesome/webfonts" / name) as font:
        return frozenset(font.getBestCmap())


def check_icon_characters(page) -> list[str]:
    """Every Font Awesome character the page draws is in the font files that draw it (WOFF2 and its
    TTF fallback), which _ext/icon_fonts.py cuts down to the characters the site uses."""
    problems = []
    for font, characters in page.evaluate(_ICON_CHARS_JS).items():
        stem = ICON_FONT_FILES.get(font)
        if stem is None:
            problems.append(f"icons drawn in {font!r}, which is not one of {sorted(ICON_FONT_FILES)}")
            continue
        for suffix in (".woff2", ".ttf"):
            missing = sorted(set(characters) - _font_characters(stem + suffix))
            if missing:
                problems.append(f"{stem}{suffix} lacks the icon characters {[hex(c) for c in missing]} "
                                "that the page draws with it (see _ext/icon_fonts.py)")
    return problems


def check_theme_assets(visit: Visit) -> list[str]:
    """The page loads none of the theme scripts the book does not use (search.html keeps the search),
    and every visible icon is drawn from Font Awesome's web font (a glyph, in a loaded font) and is
    either hidden from screen readers or an image with a name."""
    unused = [s for s in UNUSED_THEME_SCRIPTS
              if not (visit.static_path == "search.html" and s in SEARCH_SCRIPTS)]
    problems = [f"loads {u}, which _ext/theme_assets.py should have taken out of the page"
                for u in dict.fromkeys(urllib.parse.urlsplit(r).path for r in visit.requests)
                if any(u.endswith(s) for s in unused)]
    for icon in visit.page.evaluate(_ICONS_JS):
        if icon["content"] in ("none", "normal", '""') or not icon["width"] or not icon["loaded"]:
            problems.append(f"icon {icon['icon']!r} not drawn: ::before content {icon['content']}, "
                            f"width {icon['width']}, font {icon['font']} loaded: {icon['loaded']}")
        if not (icon["hidden"] or icon["named"]):
            problems.append(f"icon {icon['icon']!r} is read to screen readers as a private-use glyph: "
                            "neither aria-hidden=\"true\" nor an image with a name")
    return problems


def _site_file(url_path: str) -> Path | None:
    """The file under SITE that a same-origin URL path serves, or None."""
    rel = urllib.parse.unquote(url_path).lstrip("/")
    target = (SITE / rel).resolve()
    if target.is_dir():
        target = target / "index.html"
    site = SITE.resolve()
    if target != site and site not in target.parents:
        return None
    return target if target.is_file() else None


def check_links(visit: Visit, external_links: dict[str, list[str]], page_path: str) -> list[str]:
    """Every internal link resolves to a built file (and its #fragment to an id on that page); the
    only external links are citation targets."""
    links = visit.page.evaluate(
        "() => [...document.querySelectorAll('a[href]')]"
        ".map(a => [a.getAttribute('href'), a.href, a.closest('div.citation') !== null])"
    )
    problems, allowed_external = [], []
    for raw, absolute, in_bibliography_entry in dict.fromkeys(map(tuple, links)):
        if raw.strip() == "#":
            continue
        parts = urllib.parse.urlsplit(absolute)
        if parts.scheme in IGNORED_LINK_SCHEMES:
            continue
        if parts.scheme not in ("http", "https"):
            problems.append(f"link with an unexpected scheme: {raw!r}")
            continue
        if not visit.is_local(absolute):
            if (in_bibliography_entry or absolute.startswith(CITATION_LINK_PREFIXES)
                    or is_header_link(absolute)):
                allowed_external.append(absolute)
            else:
                problems.append(
                    f"external link {absolute!r}: not a citation target (see CITATION_LINK_PREFIXES) "
                    "nor a launch/repository button"
                )
            continue
        target = _site_file(parts.path)
        if target is None:
            problems.append(f"broken link {raw!r}: {parts.path} is not in the build")
            continue
        if parts.fragment and target.suffix == ".html":
            fragment = urllib.parse.unquote(parts.fragment)
            rel = target.relative_to(SITE.resolve()).as_posix()
            if fragment not in page_info(rel).ids:
                problems.append(f"broken link {raw!r}: {rel} has no element with id {fragment!r}")
    if allowed_external:
        external_links[page_path] = sorted(set(allowed_external))
    return problems


_DROPDOWN_JS = """(cls) => {
  const menu = document.querySelector('.dropdown-' + cls + ' .dropdown-menu');
  return menu ? [...menu.querySelectorAll('a[href]')].map(a => ({
    href: a.href, raw: a.getAttribute('href'), text: a.textContent.trim(),
    visible: a.checkVisibility() && a.getBoundingClientRect().width > 0})) : null;
}"""


def _open_dropdown(page, cls: str) -> list[dict] | None:
    """Click the header dropdown `cls` open (as a reader does) and return its links."""
    toggle = page.locator(f".dropdown-{cls} > button.dropdown-toggle")
    if not toggle.count():
        return None
    toggle.first.click()
    links = page.evaluate(_DROPDOWN_JS, cls)
    page.keyboard.press("Escape")
    return links


def check_header_buttons(visit: Visit, page_path: str) -> list[str]:
    """On a notebook page: the launch menu offers Binder and Colab for this notebook, the source
    menu the repository and an issue form, and the download menu the notebook itself, byte for
    byte the committed file. Each menu opens on a click and its items are visible."""
    notebook = NOTEBOOK_PAGES[page_path]
    want = header_links(notebook)
    problems = []
    launch = _open_dropdown(visit.page, "launch-buttons")
    if notebook.removesuffix(".ipynb") in NO_LAUNCH_PAGES:
        if launch is not None:
            problems.append(f"{notebook} needs the repository's files (launch_buttons_exclude), yet has "
                            f"a launch menu: {[link['text'] for link in launch]}")
    elif launch is None:
        return [f"no launch button (rocket) on a notebook page ({notebook})"]
    for name, url in (("Binder", want.binder), ("Colab", want.colab)) if launch else ():
        item = [link for link in launch if link["text"] == name]
        if not item:
            problems.append(f"launch menu has no {name} item: {[link['text'] for link in launch]}")
        elif item[0]["href"] != url:
            problems.append(f"{name} launches {item[0]['href']!r}, expected {url!r}")
        elif not item[0]["visible"]:
            problems.append(f"the {name} item is not visible when the launch menu is open")
    source = _open_dropdown(visit.page, "source-buttons") or []
    if not any(link["href"] == want.repository and link["visible"] for link in source):
        problems.append(f"no visible repository button linking to {want.repository}")
    if not any(link["href"].startswith(want.issues_prefix) for link in source):
        problems.append(f"no issue button linking to {want.issues_prefix}…")
    download = _open_dropdown(visit.page, "download-buttons") or []
    ipynb = [link for link in download if link["text"] == ".ipynb" and link["visible"]]
    if not ipynb:
        return problems + [f"download menu has no visible .ipynb item: {[link['text'] for link in download]}"]
    response = visit.page.request.get(ipynb[0]["href"])
    committed = (REPO / notebook).read_bytes()
    if not response.ok:
        problems.append(f"downloading the notebook failed: HTTP {response.status} {ipynb[0]['href']}")
    elif response.body() != committed:
        problems.append(f"the downloaded .ipynb ({ipynb[0]['raw']}) differs from the committed {notebook}")
    return problems


_MATH_CONTRAST_JS = """(minRatio) => {
  const rgb = (c) => {
    const srgb = c.match(/^color\\(srgb ([\\d.]+) ([\\d.]+) ([\\d.]+)(?: \\/ ([\\d.]+))?\\)$/);
    if (srgb) return [srgb[1] * 255, srgb[2] * 255, srgb[3] * 255, srgb[4] === undefined ? 1 : +srgb[4]];
    const m = c.match(/^rgba?\\(([\\d.]+),\\s*([\\d.]+),\\s*([\\d.]+)(?:,\\s*([\\d.]+))?\\)$/);
    return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
  };
  const lum = ([r, g, b]) => [r, g, b]
    .map(v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c === null) return null;
      if (c[3] > 0.5) return c;
    }
    return rgb(getComputedStyle(document.documentElement).backgroundColor) || [255, 255, 255, 1];
  };
  const problems = [];
  for (const m of document.querySelectorAll('mjx-container')) {
    const fg = rgb(getComputedStyle(m).color), bg = background(m);
    const text = m.textContent.slice(0, 40);
    if (!fg || !bg) { problems.push(`unparsed colour around ${JSON.stringify(text)}`); continue; }
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < minRatio) problems.push(`contrast ${ratio.toFixed(2)} (${getComputedStyle(m).color} on ` +
      `${JSON.stringify(bg)}) for ${JSON.stringify(text)}`);
  }
  return problems;
}"""


def check_math_contrast(page, mode: str) -> list[str]:
    """Every rendered formula has a contrast ratio of at least MIN_MATH_CONTRAST to its background."""
    found = page.evaluate(_MATH_CONTRAST_JS, MIN_MATH_CONTRAST)
    return [f"{mode} mode: formula hard to read: {p}" for p in found[:10]] + (
        [f"{mode} mode: … and {len(found) - 10} more"] if len(found) > 10 else []
    )


def switch_to_dark_mode(page) -> list[str]:
    """Ask for the dark colour scheme as an OS setting would; the theme (default mode "auto")
    follows it without a reload."""
    page.emulate_media(color_scheme="dark")
    try:
        page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'", timeout=TIMEOUT_MS)
    except PlaywrightTimeout:
        return ["the theme did not switch to dark mode when the browser asked for a dark colour scheme"]
    return []


# --- Tests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_path", PAGE_PARAMS)
def test_page(visit, external_links, page_path):
    """A page works offline: no foreign or failed requests, no console/page errors (but the known
    one), math rendered at build time and legible in light and dark mode, images loaded,
    internal links and anchors resolve; a notebook page has working launch, repository and
    download buttons."""
    v = visit(page_path)
    problems = check_math(v.page) + check_images(v.page) + check_links(v, external_links, page_path)
    problems += check_theme_assets(v) + check_icon_characters(v.page)
    if page_info(v.static_path).widget_views:
        problems.append(f"{page_info(v.static_path).widget_views} ipywidgets view(s), which no page can "
                        "render (the site ships no widget manager): use mclib.explorer")
    problems += check_math_contrast(v.page, "light")
    problems += switch_to_dark_mode(v.page) or check_math_contrast(v.page, "dark")
    if page_path in NOTEBOOK_PAGES:
        problems += check_header_buttons(v, page_path)
    _fail(page_path, v.network_and_console_problems() + problems)


@pytest.mark.parametrize(("page_path", "term"), list(SEARCH_TERMS.items()))
def test_search_finds_chapter(visit, page_path, term):
    """search.html?q=<term> lists the chapter whose text contains the term."""
    if not (SITE / page_path).is_file():
        pytest.fail(f"{page_path} is not in the build: update SEARCH_TERMS in {__file__}", pytrace=False)
    text = article_text(page_path)
    if term.lower() not in text.lower():
        pytest.fail(
            f"search term {term!r} does not occur in the text of {page_path}: pick a word of that "
            f"chapter in SEARCH_TERMS ({__file__})",
            pytrace=False,
        )
    v = visit(f"search.html?q={urllib.parse.quote(term)}")
    v.page.wait_for_function(
        "() => { const s = document.querySelector('#search-results .search-summary');"
        " return s && s.textContent.trim().length > 0; }"
    )
    hrefs = v.page.evaluate(
        "() => [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.href)"
    )
    found = [urllib.parse.urlsplit(h).path.lstrip("/") for h in hrefs]
    summary = v.page.locator("#search-results .search-summary").inner_text()
    assert page_path in found, f"searching {term!r} did not list {page_path}; results: {found} ({summary})"
    _fail(f"search.html?q={term}", v.network_and_console_problems())


def test_search_box_on_a_chapter_opens_the_results(visit):
    """A reader on a chapter presses Ctrl+K, types a term and Enter: search.html lists the chapter
    (the chapter itself loads no search script, see check_theme_assets)."""
    page_path, term = "book/06-matrix-normal.html", SEARCH_TERMS["book/06-matrix-normal.html"]
    v = visit(page_path)
    v.page.keyboard.press("Control+k")
    box = v.page.locator("#pst-search-dialog input[name=q]")
    box.wait_for(state="visible")
    box.fill(term)
    with v.page.expect_navigation():
        box.press("Enter")
    v.page.wait_for_function(
        "() => document.querySelectorAll('#search-results ul.search li a').length > 0")
    found = v.page.evaluate(
        "() => [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.href)")
    assert any(urllib.parse.urlsplit(h).path.endswith(page_path) for h in found), found
    _fail(f"search box on {page_path}", v.network_and_console_problems())


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page_path", DARK_MODE_SCREENSHOT_PAGES)
def test_screenshot(visit, page_path, mode):
    """A full-page screenshot in each colour mode, for a human to look at once the page has settled
    (not compared); the math contrast is checked on every page by test_page."""
    if not (SITE / page_path).is_file():
        pytest.fail(f"{page_path} is not in the build (DARK_MODE_SCREENSHOT_PAGES)", pytrace=False)
    v = visit(page_path)
    problems = check_math(v.page)
    if mode == "dark":
        problems += switch_to_dark_mode(v.page)
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / (page_path.replace("/", "__").removesuffix(".html") + f"-{mode}.png")
    v.page.screenshot(path=str(out), full_page=True)
    assert out.is_file() and out.stat().st_size > 0, f"no screenshot written to {out}"
    _fail(page_path, problems)


def reachable_pages(start: str = "index.html") -> set[str]:
    """Built pages a reader reaches from `start` by following links and redirects (static HTML)."""
    seen, todo = set(), [start]
    while todo:
        page = todo.pop()
        if page in seen or not (SITE / page).is_file():
            continue
        seen.add(page)
        info = page_info(page)
        for href in info.hrefs + ([info.refresh_to] if info.refresh_to else []):
            parts = urllib.parse.urlsplit(urllib.parse.urljoin(f"http://site/{page}", href))
            if parts.netloc == "site" and parts.path.endswith(".html"):
                todo.append(urllib.parse.unquote(parts.path).lstrip("/"))
    return seen


def test_every_page_is_reachable_from_the_index():
    """The crawl from index.html reaches every built page (test_page then checks each of them)."""
    if not PAGES:
        unavailable("the site is not built (make site)")
    unreachable = sorted(set(PAGES) - reachable_pages())
    assert not unreachable, f"pages no link leads to: {unreachable}"


def test_every_notebook_page_is_checked_for_buttons():
    """The button checks of test_page cover every chapter: each numbered chapter's notebooks
    are in NOTEBOOK_PAGES and built."""
    toc = (REPO / "_toc.yml").read_text(encoding="utf-8")
    chapters = re.findall(r"file:\s*(\S+)", toc.split("numbered: true", 1)[1].split("- caption:", 1)[0])
    notebooks = [c for c in chapters if (REPO / f"{c}.ipynb").is_file()]
    assert len(notebooks) >= 8, f"the numbered chapters have only {len(notebooks)} notebooks: {notebooks}"
    missing = [c for c in notebooks if f"{c}.html" not in NOTEBOOK_PAGES or f"{c}.html" not in PAGES]
    if PAGES:
        assert not missing, f"chapter notebooks without a checked page: {missing}"


def test_colab_install_line_follows_the_repository_setting():
    """The launch page shows the one line that installs mclib on Colab, from the repository the
    buttons point at, and it is a valid pip requirement."""
    from packaging.requirements import Requirement

    page = "book/running-the-notebooks.html"
    if not (SITE / page).is_file():
        unavailable(f"{page} is not built (make site)")
    import tomllib

    import mclib

    repo = CONFIG["repository"]
    name = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    # pinned to this edition's release tag, not to a moving branch
    requirement = f'{name} @ git+{repo["url"].rstrip("/")}@v{mclib.__version__}'
    squeeze = "".join  # highlighted code is split into spans: compare without whitespace
    assert squeeze(f'!pip install "{requirement}"'.split()) in squeeze(article_text(page).split())
    parsed = Requirement(requirement)
    assert parsed.name == name and parsed.url.startswith("git+https://")


# --- Accessibility ----------------------------------------------------------------------------------

# axe-core, installed by scripts/vendor_js.sh from the npm registry (pinned in scripts/axe/package-lock.json).
AXE_JS = REPO / "scripts" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# What fails the test: axe's two highest impacts (it also reports "moderate" and "minor").
AXE_FAILING_IMPACTS = ("serious", "critical")
AXE_NODES_SHOWN = 8  # per rule, in a failure message
# The colour mode changes colours only, not the document: in dark mode axe runs just the rules about
# colour (a full run costs 5-20 s on a math-heavy page).
AXE_COLOUR_RULES = ("color-contrast", "link-in-text-block")

_AXE_RUN_JS = """async ([impacts, rules]) => {
  // Let running CSS transitions end first (switching the colour mode fades the colours).
  const settled = Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
  await Promise.race([settled, new Promise(resolve => setTimeout(resolve, 3000))]);
  const options = {resultTypes: ['violations']};
  if (rules) options.runOnly = {type: 'rule', values: rules};
  const result = await axe.run(document, options);
  return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                              why: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)}))}));
}"""


def check_axe(page, mode: str, rules: tuple[str, ...] | None = None) -> list[str]:
    """axe-core's violations of serious or critical impact on the page as it is shown now (all rules,
    or only `rules`): each rule with its impact, what it asks for and the elements that break it."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    problems = []
    for v in page.evaluate(_AXE_RUN_JS, [list(AXE_FAILING_IMPACTS), list(rules) if rules else None]):
        nodes = [f"      {n['target']}: {n['html']!r} ({n['why']})" for n in v["nodes"][:AXE_NODES_SHOWN]]
        more = len(v["nodes"]) - AXE_NODES_SHOWN
        head = f"{mode} mode: axe {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} elements)"
        problems.append("\n".join([head, *nodes] + ([f"      … and {more} more"] if more > 0 else [])))
    return problems


# An alt text that is a file name or a path, or holds a hash (what an image without one shows).
FILE_NAME_ALT = re.compile(r"\.(png|jpe?g|gif|svg|webp)\b|[0-9a-f]{16,}|^\S*/\S*$", re.I)
MIN_ALT_WORDS = 3

_IMAGES_JS = """() => [...document.querySelectorAll('article.bd-article img')].map(i => ({
  src: i.getAttribute('src') || '', alt: i.getAttribute('alt'),
  output: i.closest('div.cell_output') !== null,
  caption: (i.closest('figure')?.querySelector('figcaption')?.textContent || '').trim()}))"""


def check_image_alt(page) -> list[str]:
    """Every image in the text says what it shows: an alt text of at least MIN_ALT_WORDS words that
    is not a file name; an image a notebook cell made is a figure with a caption."""
    problems = []
    for img in page.evaluate(_IMAGES_JS):
        src = img["src"] if not img["src"].startswith("data:") else img["src"][:40] + "…"
        alt = (img["alt"] or "").strip()
        if not alt:
            problems.append(f"image without alt text: {src}")
        elif FILE_NAME_ALT.search(alt) or alt in img["src"] or len(re.findall(r"\w+", alt)) < MIN_ALT_WORDS:
            problems.append(f"image whose alt text does not say what it shows: alt={alt!r} ({src})")
        if img["output"] and not img["caption"]:
            problems.append(f"figure of a notebook cell without a caption (mystnb.figure metadata): {src}")
    return problems


@pytest.mark.parametrize("page_path", PAGE_PARAMS)
def test_accessibility(visit, page_path):
    """axe-core finds no violation of serious or critical impact (every rule in light mode, the colour
    rules again in dark mode), and every image of the text has a meaningful alt text (figures of
    notebook cells also a caption)."""
    if not AXE_JS.is_file():
        unavailable(f"{AXE_JS} is missing: run scripts/vendor_js.sh (make vendor)")
    v = visit(page_path)
    check_images(v.page)  # loads lazy images, so that axe sees them all (test_page reports broken ones)
    v.page.evaluate("() => document.fonts.ready")
    problems = check_image_alt(v.page) + check_axe(v.page, "light")
    problems += switch_to_dark_mode(v.page) or check_axe(v.page, "dark", AXE_COLOUR_RULES)
    _fail(page_path, problems)
