"""The built website, served and opened the way the browser tests and the site benchmark need it.

Shared by the browser tests (tests/test_site.py checks every page; the `browser` fixture is in
tests/conftest.py) and benchmarks/bench_site.py (measures page weight and time to rendered math), so
all look at the site in the same browser, the same way: Debian's Chromium, headless, with no network,
the site served on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# MCML_SITE points the tests at another build (a helper building in parallel into its own folder).
SITE = Path(os.environ.get("MCML_SITE", REPO / "_build" / "html"))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Sphinx marks math with class "math"; generated HTML tables (the identity atlas) use span.mathjax_process.
MATH_SELECTOR = ".math, span.mathjax_process"

# Injected before any page script: records when the page's math is on screen, in ms since the start
# of navigation (performance.now()), whether MathJax typeset it in the browser or at build time.
# After every frame the browser renders (a task queued from requestAnimationFrame runs once the frame's
# style, layout and paint are done) it checks whether the math was in that frame, in its fonts:
#  - window.__mathRenderedAt: the whole page parsed, every math element holding MathJax's output
#    (an mjx-container), and none of MathJax's fonts (MJX*) still loading after the frame's layout;
#  - window.__firstScreenMathAt: the same for the math elements on the first screen (the viewport at
#    the top of the page), once the page has been parsed beyond it. Null if no math is there.
# Neither is earlier than the first contentful paint: nothing is on screen before it. Both stay
# undefined on a page without math.
MATH_TIMER_INIT_JS = """(() => {
  const sel = MATH_SELECTOR;
  const rendered = e => e.querySelector('mjx-container') !== null;
  const fontsLoading = () => [...document.fonts].some(f => f.family.startsWith('MJX') &&
                                                          f.status === 'loading');
  const fcp = new Promise(resolve => new PerformanceObserver((list, observer) => {
    for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') {
      observer.disconnect();
      resolve(e.startTime);
    }
  }).observe({type: 'paint', buffered: true}));
  const record = (key, t) => fcp.then(paint => { window[key] = t === null ? null : Math.max(t, paint); });
  let firstScreen = false;
  const afterFrame = () => {
    const now = performance.now();
    const parsed = document.readyState !== 'loading';
    const math = [...document.querySelectorAll(sel)];
    if (parsed && !math.length) return;
    const busy = fontsLoading();
    if (!firstScreen && (parsed || document.documentElement.scrollHeight > innerHeight)) {
      const onScreen = [];
      for (const e of math) {
        const box = e.getBoundingClientRect();
        if (box.top >= innerHeight) break;
        if (box.bottom > 0) onScreen.push(e);
      }
      if (!onScreen.length && parsed) { firstScreen = true; record('__firstScreenMathAt', null); }
      if (onScreen.length && onScreen.every(rendered) && !busy) {
        firstScreen = true;
        record('__firstScreenMathAt', now);
      }
    }
    if (parsed && firstScreen && math.every(rendered) && !busy) {
      record('__mathRenderedAt', now);
      return;
    }
    requestAnimationFrame(() => setTimeout(afterFrame, 0));
  };
  requestAnimationFrame(() => setTimeout(afterFrame, 0));
})();""".replace("MATH_SELECTOR", repr(MATH_SELECTOR))


# The one known, harmless page error (DESIGN.md, "Toolchain facts"), matched narrowly: Jupyter Book 1
# emits sphinx-thebe's inline config twice, so the second `const THEBE_JS_URL` throws.
THEBE_ERROR = ("SyntaxError", "Identifier 'THEBE_JS_URL' has already been declared")


def is_known_page_error(name: str, message: str) -> bool:
    """Whether a page error is the known, harmless one (THEBE_ERROR)."""
    return (name, message) == THEBE_ERROR


def unavailable(reason: str) -> None:
    """Skip a browser test whose build, browser or tool is missing; with CI=true, fail it instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"site tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def site_pages() -> list[str]:
    """Every built HTML page of the book (not Sphinx's _static or _sources), relative to SITE."""
    if not SITE.is_dir():
        return []
    pages = []
    for path in SITE.rglob("*.html"):
        rel = path.relative_to(SITE)
        if rel.parts[0] not in ("_static", "_sources"):
            pages.append(rel.as_posix())
    return sorted(pages)


# What GitHub Pages sends gzip-compressed when the browser accepts it (text; fonts and images are
# compressed formats already and go as they are).
GZIP_TYPES = ("text/html", "text/css", "text/javascript", "application/json", "image/svg+xml", "text/plain")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site as GitHub Pages does: text types gzip-compressed for a browser that accepts it,
    so that the bytes the browser reports as transferred are the bytes a reader downloads."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".svg": "image/svg+xml",
        ".woff": "font/woff",
        ".woff2": "font/woff2",
    }

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        content_type = self.guess_type(str(path))
        if (not path.is_file() or content_type not in GZIP_TYPES
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().do_GET()
        body = _gzipped(path, path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@functools.lru_cache(maxsize=512)
def _gzipped(path: Path, mtime_ns: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the browser dropping a connection is not a site problem


@contextlib.contextmanager
def serve_site(directory: Path = SITE) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) in a thread; yields the origin URL."""
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def launch_chromium(playwright):
    """Debian's Chromium, headless and offline-safe (never a browser downloaded by playwright)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
