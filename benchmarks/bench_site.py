"""The website as a reader gets it: page weight and time to rendered math, per page.

Serves the built site (make site) on 127.0.0.1 and opens every page in headless Chromium with a
cold cache, REPEATS times. Page weight is what the browser fetched for the page (the HTML and every
script, style sheet, font and image it loaded, from the Resource Timing API): the bytes transferred,
with text gzip-compressed as GitHub Pages serves it (tests/sitekit.py), and the same files decoded
(what the browser holds and parses); GOAL_KB is the goal for the bytes transferred. Time to rendered math
is the time from the start of navigation until every formula of the page is rendered and laid out
in a frame in its fonts (tests/sitekit.py), the median of the loads, with a cold cache (a reader's
first page) and a warm one (the same page opened again in the same browser, as the shared style
sheets, fonts and scripts are when a reader goes on to the next page); time to first-screen math is
the same for the formulas on the first screen (none on some pages). First contentful paint (FCP) is
the browser's own mark of the first text or image painted; math that is there when the page is has
a ratio of time to math / FCP near 1. The goals are at most GOAL_MS to math and a ratio of at most
RATIO_GOAL with a cold cache. Writes benchmarks/results/site.json, which the execution-statistics page shows.
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
GOAL_KB = 1500
RATIO_GOAL = 1.1
TIMEOUT_MS = 30_000

_WEIGHT_JS = """() => {
  const entries = ['navigation', 'resource'].flatMap(t => performance.getEntriesByType(t));
  const total = key => entries.reduce((s, e) => s + (e[key] || 0), 0);
  return {bytes: total('encodedBodySize'), decoded_bytes: total('decodedBodySize'), requests: entries.length};
}"""


_FCP_JS = """() => {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return fcp ? fcp.startTime : null;
}"""


def _is_redirect(page_path: str) -> bool:
    """A stub that only forwards (index.html → the intro), measured as its target."""
    return 'http-equiv="refresh"' in (SITE / page_path).read_text(encoding="utf-8", errors="replace").lower()


def measure(browser, origin: str, page_path: str, *, attempts: int = 2) -> dict:
    """Open a page in a fresh browser context (cold cache), then again in the same context (warm
    cache, as when a reader goes on to the next page): bytes fetched and requests of the cold load,
    math elements, and the time to rendered math of both loads [ms].

    A measurement is retried once if Chromium reports the page's context destroyed (seen rarely
    here when the machine is loaded); the error is raised if it happens again.
    """
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(attempts):
        try:
            return _measure_once(browser, origin, page_path)
        except PlaywrightError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _load(page, url: str) -> dict:
    page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    n_math = page.evaluate("(sel) => document.querySelectorAll(sel).length", MATH_SELECTOR)
    if n_math:
        page.wait_for_function(
            "() => window.__mathRenderedAt !== undefined && window.__firstScreenMathAt !== undefined",
            timeout=TIMEOUT_MS,
        )
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    return {**page.evaluate(_WEIGHT_JS), "math": n_math,
            "math_ms": page.evaluate("() => window.__mathRenderedAt ?? null"),
            "screen_math_ms": page.evaluate("() => window.__firstScreenMathAt ?? null"),
            "fcp_ms": page.evaluate(_FCP_JS)}


def _measure_once(browser, origin: str, page_path: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(MATH_TIMER_INIT_JS)
        page = context.new_page()
        cold = _load(page, f"{origin}/{page_path}")
        warm = _load(page, f"{origin}/{page_path}")
        return {**cold, "warm_math_ms": warm["math_ms"], "warm_fcp_ms": warm["fcp_ms"]}
    finally:
        context.close()


def _median(loads: list[dict], key: str) -> int | None:
    times = [load[key] for load in loads if load[key] is not None]
    return round(statistics.median(times)) if times else None


def _median_ratio(loads: list[dict], key: str, fcp_key: str) -> float | None:
    """Median over the loads of time to math / FCP of the same load."""
    ratios = [load[key] / load[fcp_key] for load in loads if load[key] is not None and load[fcp_key]]
    return round(statistics.median(ratios), 2) if ratios else None


def summarize(page_path: str, loads: list[dict]) -> dict:
    """One row of site.json from the loads of a page."""
    return {
        "page": page_path,
        "kilobytes": round(loads[0]["bytes"] / 1000, 1),
        "decoded_kilobytes": round(loads[0]["decoded_bytes"] / 1000, 1),
        "requests": loads[0]["requests"],
        "math_elements": loads[0]["math"],
        "math_ms": _median(loads, "math_ms"),
        "warm_math_ms": _median(loads, "warm_math_ms"),
        "screen_math_ms": _median(loads, "screen_math_ms"),
        "fcp_ms": _median(loads, "fcp_ms"),
        "warm_fcp_ms": _median(loads, "warm_fcp_ms"),
        "math_fcp_ratio": _median_ratio(loads, "math_ms", "fcp_ms"),
        "screen_math_fcp_ratio": _median_ratio(loads, "screen_math_ms", "fcp_ms"),
        "warm_math_fcp_ratio": _median_ratio(loads, "warm_math_ms", "warm_fcp_ms"),
    }


def main() -> dict:
    if not (SITE / "index.html").is_file() or not CHROMIUM.is_file():
        raise SystemExit("bench_site needs the built site (make site) and /usr/bin/chromium (make chromium)")
    from playwright.sync_api import sync_playwright

    rows = []
    print(f"{'page':<58} {'weight [kB]':>11} {'decoded [kB]':>12} {'requests':>8} {'math':>5} "
          f"{'rendered math, cold [ms]':>25} {'FCP [ms]':>9} {'ratio':>6} {'first screen':>12} "
          f"{'warm [ms]':>10}")
    with serve_site() as origin, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for page_path in site_pages():
                if _is_redirect(page_path):
                    continue
                loads = [measure(browser, origin, page_path) for _ in range(REPEATS)]
                row = summarize(page_path, loads)
                rows.append(row)
                cold, fcp, ratio, screen, warm = (
                    "—" if row[k] is None else f"{row[k]:,}"
                    for k in ("math_ms", "fcp_ms", "math_fcp_ratio", "screen_math_fcp_ratio", "warm_math_ms"))
                print(f"{page_path:<58} {row['kilobytes']:>11,.0f} {row['decoded_kilobytes']:>12,.0f} "
                      f"{row['requests']:>8} "
                      f"{row['math_elements']:>5} {cold:>25} {fcp:>9} {ratio:>6} {screen:>12} {warm:>10}")
        finally:
            browser.close()
    heavy = [r for r in rows if r["math_elements"]]
    heaviest = max(heavy, key=lambda r: r["kilobytes"])
    print(f"{sum(r['kilobytes'] <= GOAL_KB for r in heavy)} of {len(heavy)} pages with math transfer at most "
          f"{GOAL_KB:,} kB (gzip, as GitHub Pages); heaviest {heaviest['kilobytes']:,.0f} kB "
          f"({heaviest['decoded_kilobytes']:,.0f} kB decoded), {heaviest['page']}")
    for key, cache in (("math_ms", "cold"), ("warm_math_ms", "warm")):
        timed = [r[key] for r in rows if r[key] is not None]
        met = sum(t <= GOAL_MS for t in timed)
        print(f"{cache} cache: {met} of {len(timed)} pages with math render it within {GOAL_MS} ms; "
              f"slowest {max(timed, default=0):,} ms")
    for key, what in (("math_fcp_ratio", "all their math"),
                      ("screen_math_fcp_ratio", "their first-screen math")):
        ratios = [r[key] for r in rows if r[key] is not None]
        print(f"cold cache: {sum(q <= RATIO_GOAL for q in ratios)} of {len(ratios)} pages show {what} within "
              f"{RATIO_GOAL}× their first contentful paint; largest ratio {max(ratios, default=0):.2f}")
    results = {"repeats": REPEATS, "goal_ms": GOAL_MS, "goal_kb": GOAL_KB, "ratio_goal": RATIO_GOAL,
               "pages": rows}
    write_results("site", results)
    return results


if __name__ == "__main__":
    main()
