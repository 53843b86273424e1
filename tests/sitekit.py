"""The built website, served and opened the way the browser tests and the site benchmark need it.

Shared by tests/test_site.py (checks every page) and benchmarks/bench_site.py (measures page
weight and time to rendered math), so both look at the site in the same browser, the same way:
Debian's Chromium, headless, with no network, the site served on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

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

# Injected before any page script: records in window.__mathRenderedAt the time (ms since navigation
# start, performance.now()) at which the page's math is on screen: every math element holds rendered
# output (an mjx-container; polled every 5 ms once the document is parsed), a frame has laid it out
# (which requests its fonts), the fonts have arrived (document.fonts.ready) and the next frame has
# painted it. Whether the math was typeset in the browser or at build time, the same moment is
# measured. Stays undefined on a page without math.
MATH_TIMER_INIT_JS = """(() => {
  const sel = MATH_SELECTOR;
  const frame = () => new Promise(resolve => requestAnimationFrame(() => resolve()));
  const poll = setInterval(async () => {
    if (document.readyState === 'loading') return;
    const math = document.querySelectorAll(sel);
    if (!math.length) { clearInterval(poll); return; }
    for (const e of math) if (!e.querySelector('mjx-container')) return;
    clearInterval(poll);
    await frame();
    await document.fonts.ready;
    await frame();
    window.__mathRenderedAt = performance.now();
  }, 5);
})();""".replace("MATH_SELECTOR", repr(MATH_SELECTOR))


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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".svg": "image/svg+xml",
        ".woff": "font/woff",
        ".woff2": "font/woff2",
    }

    def log_message(self, *args):
        pass


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
