"""The website as a reader gets it: page weight and time to rendered math, per page.

Serves the built site (make site) on 127.0.0.1 and opens every page in headless Chromium with a
cold cache, REPEATS times. Page weight is what the browser fetched for the page (the HTML and every
script, style sheet, font and image it loaded, from the Resource Timing API); time to rendered math
is the time from the start of navigation until every math element holds MathJax's output
(tests/sitekit.py), the median of the loads. The goal is at most GOAL_MS per page. Writes
benchmarks/results/site.json, which the execution-statistics page shows.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from timing import write_results

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from sitekit import (  # noqa: E402
    CHROMIUM,
    MATH_SELECTOR,
    MATH_TIMER_INIT_JS,
    SITE,
    launch_chromium,
    serve_site,
    site_pages,
)

REPEATS = 3
GOAL_MS = 1500
TIMEOUT_MS = 30_000

_WEIGHT_JS = """() => {
  const entries = ['navigation', 'resource'].flatMap(t => performance.getEntriesByType(t));
  return {bytes: entries.reduce((s, e) => s + (e.encodedBodySize || 0), 0), requests: entries.length};
}"""


def _is_redirect(page_path: str) -> bool:
    """A stub that only forwards (index.html → the intro), measured as its target."""
    return 'http-equiv="refresh"' in (SITE / page_path).read_text(encoding="utf-8", errors="replace").lower()


def measure(browser, origin: str, page_path: str, *, attempts: int = 2) -> dict:
    """One cold load of a page: bytes, requests, math elements, time to rendered math [ms].

    A load is retried once if Chromium reports the page's context destroyed (seen rarely here
    when the machine is loaded); the error is raised if it happens again.
    """
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(attempts):
        try:
            return _measure_once(browser, origin, page_path)
        except PlaywrightError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _measure_once(browser, origin: str, page_path: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(MATH_TIMER_INIT_JS)
        page = context.new_page()
        page.goto(f"{origin}/{page_path}", wait_until="load", timeout=TIMEOUT_MS)
        n_math = page.evaluate("(sel) => document.querySelectorAll(sel).length", MATH_SELECTOR)
        if n_math:
            page.wait_for_function("() => window.__mathRenderedAt !== undefined", timeout=TIMEOUT_MS)
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        weight = page.evaluate(_WEIGHT_JS)
        math_ms = page.evaluate("() => window.__mathRenderedAt ?? null")
        return {**weight, "math": n_math, "math_ms": math_ms}
    finally:
        context.close()


def main() -> dict:
    if not (SITE / "index.html").is_file() or not CHROMIUM.is_file():
        raise SystemExit("bench_site needs the built site (make site) and /usr/bin/chromium (make chromium)")
    from playwright.sync_api import sync_playwright

    rows = []
    print(f"{'page':<58} {'weight [kB]':>11} {'requests':>8} {'math':>5} {'rendered math [ms]':>19}")
    with serve_site() as origin, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for page_path in site_pages():
                if _is_redirect(page_path):
                    continue
                loads = [measure(browser, origin, page_path) for _ in range(REPEATS)]
                times = [load["math_ms"] for load in loads if load["math_ms"] is not None]
                row = {
                    "page": page_path,
                    "kilobytes": round(loads[0]["bytes"] / 1000, 1),
                    "requests": loads[0]["requests"],
                    "math_elements": loads[0]["math"],
                    "math_ms": round(statistics.median(times)) if times else None,
                }
                rows.append(row)
                shown = "—" if row["math_ms"] is None else f"{row['math_ms']:,}"
                print(f"{page_path:<58} {row['kilobytes']:>11,.0f} {row['requests']:>8} "
                      f"{row['math_elements']:>5} {shown:>19}")
        finally:
            browser.close()
    timed = [r["math_ms"] for r in rows if r["math_ms"] is not None]
    slowest = max(timed) if timed else None
    print(f"slowest time to rendered math: {slowest} ms (goal ≤ {GOAL_MS} ms: "
          f"{'met' if slowest is not None and slowest <= GOAL_MS else 'NOT met'})")
    results = {"repeats": REPEATS, "goal_ms": GOAL_MS, "pages": rows}
    write_results("site", results)
    return results


if __name__ == "__main__":
    main()
