"""The gradient-field explorer of chapter 1 (mc.explorer.gradient_field) runs on the built website:
in Debian's Chromium, with no kernel and no network, the point is dragged with the mouse and moved
with the keyboard, and what the page shows is compared with (A + Aᵀ)x computed here in Python from
the matrices the page carries.

Build first (`make site`, or point MCML_SITE at a build), then:
`.venv/bin/pytest tests/test_explorer_site.py -m site`.
Outside CI a missing build or browser skips these tests; with CI=true it fails them.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from sitekit import SITE, is_known_page_error, serve_site, unavailable

import mclib as mc

pytestmark = pytest.mark.site

PAGE = "book/01-layouts.html"
ROOT = '[data-explorer="gradient-field"]'
TIMEOUT_MS = 15_000
# Every choice of A the chapter offers is dragged; the non-symmetric one is where 2Ax ≠ ∇f.
CHOICES = list(mc.explorer.DEFAULT_MATRICES)
NUMBER = r"(-?\d+\.\d+)"


@pytest.fixture(scope="module")
def origin():
    if not (SITE / PAGE).is_file():
        unavailable(f"{SITE / PAGE} is missing: build the site first (make site)")
    with serve_site() as url:
        yield url


class Page:
    """A fresh page on the served site; requests to any other origin are aborted and recorded."""

    def __init__(self, browser, origin: str, path: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.external: list[str] = []
        self.errors: list[str] = []

        def local(url: str) -> bool:
            return url.startswith((origin + "/", "data:", "blob:"))

        self.context.route(lambda url: not local(url), self._abort)
        self.page = self.context.new_page()
        self.page.on("pageerror", self._on_error)
        self.page.goto(f"{origin}/{path}", wait_until="load")

    def _abort(self, route) -> None:
        self.external.append(route.request.url)
        route.abort("blockedbyclient")

    def _on_error(self, error) -> None:
        if not is_known_page_error(error.name or "", error.message or ""):
            self.errors.append(f"{error.name}: {error.message}")

    def problems(self) -> list[str]:
        return [f"request to another origin: {u}" for u in self.external] + self.errors


@pytest.fixture
def chapter(browser, origin):
    page = Page(browser, origin, PAGE)
    yield page
    page.context.close()


def state(root) -> dict:
    """What the explorer shows: its data attributes (kept current by its script), the readout,
    the point's position and the gradient arrow's shaft in SVG units."""
    return root.evaluate("""(r) => ({
        selected: r.getAttribute('data-selected'),
        matrices: JSON.parse(r.getAttribute('data-matrices')),
        x: JSON.parse(r.getAttribute('data-x')),
        grad: JSON.parse(r.getAttribute('data-grad') || 'null'),
        extent: Number(r.getAttribute('data-extent')),
        readout: r.querySelector('.mcx-readout').innerText,
        tables: [...r.querySelectorAll('.mcx-matrices table')]
          .map(t => [...t.querySelectorAll('td')].map(td => Number(td.textContent))),
        point: [Number(r.querySelector('.mcx-point').getAttribute('cx')),
                Number(r.querySelector('.mcx-point').getAttribute('cy'))],
        shaft: r.querySelector('.mcx-grad .mcx-shaft').getAttribute('d'),
        level: r.querySelector('.mcx-level-x').getAttribute('d'),
    })""")


def matrix_of(s: dict) -> np.ndarray:
    (A,) = [m["A"] for m in s["matrices"] if m["name"] == s["selected"]]
    return np.array(A, dtype=float)


def readout_pair(readout: str, label: str) -> np.ndarray:
    match = re.search(re.escape(label) + rf" = \({NUMBER}, {NUMBER}\)", readout)
    assert match, f"no {label!r} in the readout:\n{readout}"
    return np.array([float(match.group(1)), float(match.group(2))])


def numbers(path: str) -> np.ndarray:
    return np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path)])


def assert_consistent(s: dict) -> None:
    """The gradient the page holds and prints is (A + Aᵀ)x and the Hessian A + Aᵀ, with A the selected
    matrix as the page carries it, and the picture agrees: the arrow at x points along ∇f and is
    perpendicular to the level curve drawn through x."""
    A, x, grad = matrix_of(s), np.array(s["x"]), np.array(s["grad"])
    expected = (A + A.T) @ x
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(readout_pair(s["readout"], "x"), x, atol=0.0051)
    np.testing.assert_allclose(readout_pair(s["readout"], "∇f(x) = (A + Aᵀ)x"), expected, atol=0.0051)
    np.testing.assert_allclose(readout_pair(s["readout"], "2Ax"), 2 * A @ x, atol=0.0051)
    symmetric = np.array_equal(A, A.T)
    assert ("2Ax = ∇f(x), since A = Aᵀ" if symmetric else "2Ax ≠ ∇f(x), since A ≠ Aᵀ") in s["readout"]
    assert symmetric or not np.allclose(2 * A @ x, expected)
    # the matrices beside the readout: A, the Hessian A + Aᵀ, and 2A
    shown = np.array(s["tables"]).reshape(3, 2, 2)
    np.testing.assert_allclose(shown, [A, A + A.T, 2 * A], atol=0.0051)
    shaft = numbers(s["shaft"])  # M x0 y0 L x1 y1 in SVG units, y pointing down
    np.testing.assert_allclose(shaft[:2], s["point"], atol=1e-6)
    direction = np.array([shaft[2] - shaft[0], -(shaft[3] - shaft[1])])
    cosine = direction @ expected / (np.linalg.norm(direction) * np.linalg.norm(expected))
    assert cosine > 0.9999, f"the arrow at x points along {direction}, the gradient is {expected}"
    # the level curve through x: its segment nearest the point is perpendicular to the gradient
    segments = numbers(s["level"]).reshape(-1, 4)
    segments = segments[np.linalg.norm(segments[:, 2:] - segments[:, :2], axis=1) > 1e-6]
    middles = (segments[:, :2] + segments[:, 2:]) / 2
    nearest = segments[np.argmin(np.linalg.norm(middles - s["point"], axis=1))]
    tangent = np.array([nearest[2] - nearest[0], -(nearest[3] - nearest[1])])
    assert abs(tangent @ expected) / (np.linalg.norm(tangent) * np.linalg.norm(expected)) < 0.05


def test_explorer_runs_on_the_page_without_network(chapter):
    roots = chapter.page.locator(ROOT)
    assert roots.count() == 1, f"{PAGE} has {roots.count()} gradient-field explorers"
    root = roots.first
    root.scroll_into_view_if_needed()
    assert root.get_attribute("data-ready") == "true", "the explorer's script did not run"
    assert root.locator(".mcx-fallback").count() == 0
    assert root.locator("svg .mcx-field-heads").get_attribute("d"), "no gradient field drawn"
    assert root.locator("svg .mcx-levels").get_attribute("d"), "no level curves drawn"
    point = root.locator(".mcx-point")
    assert point.get_attribute("role") and point.get_attribute("aria-label")
    assert point.get_attribute("tabindex") == "0"
    assert root.locator(".mcx-readout").get_attribute("aria-live") == "polite"
    labels = root.locator(".mcx-choices label").all_inner_texts()
    assert [t.strip() for t in labels] == CHOICES
    assert_consistent(state(root))
    assert not chapter.problems(), chapter.problems()


@pytest.mark.parametrize("choice", CHOICES)
def test_dragging_the_point_moves_it_and_the_gradient_is_a_plus_at_x(chapter, choice):
    root = chapter.page.locator(ROOT).first
    root.scroll_into_view_if_needed()
    root.locator(".mcx-choices label", has_text=choice).locator("input").check()
    before = state(root)
    assert before["selected"] == choice
    assert_consistent(before)

    point = root.locator(".mcx-point").bounding_box()
    start = (point["x"] + point["width"] / 2, point["y"] + point["height"] / 2)
    end = (start[0] - 140, start[1] + 95)
    mouse = chapter.page.mouse
    mouse.move(*start)
    mouse.down()
    mouse.move(*end, steps=8)
    mouse.up()
    after = state(root)

    assert after["readout"] != before["readout"]
    assert after["point"] != before["point"] and after["shaft"] != before["shaft"]
    assert after["level"] != before["level"]
    # the point is where the mouse let go: map the screen position through the frame of the
    # square [-extent, extent]² (drawn as .mcx-frame)
    frame = root.locator(".mcx-frame").bounding_box()
    e = after["extent"]
    released = np.array([-e + 2 * e * (end[0] - frame["x"]) / frame["width"],
                         e - 2 * e * (end[1] - frame["y"]) / frame["height"]])
    pixel = 2 * e / frame["width"]
    np.testing.assert_allclose(after["x"], released, atol=1.5 * pixel)
    assert_consistent(after)
    assert not chapter.problems(), chapter.problems()


def test_arrow_keys_move_the_focused_point(chapter):
    root = chapter.page.locator(ROOT).first
    root.scroll_into_view_if_needed()
    root.locator(".mcx-choices label", has_text="non-symmetric").locator("input").check()
    point = root.locator(".mcx-point")
    point.focus()
    assert chapter.page.evaluate("() => document.activeElement.classList.contains('mcx-point')")
    before = state(root)
    step = before["extent"] / 20
    chapter.page.keyboard.press("ArrowRight")
    chapter.page.keyboard.press("ArrowUp")
    chapter.page.keyboard.press("ArrowUp")
    after = state(root)
    np.testing.assert_allclose(np.array(after["x"]) - before["x"], [step, 2 * step], atol=1e-12)
    assert after["readout"] != before["readout"] and after["point"] != before["point"]
    assert "Point x = " + "(" in point.get_attribute("aria-label")
    assert_consistent(after)
    chapter.page.keyboard.press("Shift+ArrowLeft")
    np.testing.assert_allclose(np.array(state(root)["x"]) - after["x"], [-step / 10, 0], atol=1e-12)
    assert not chapter.problems(), chapter.problems()


def test_two_explorers_on_one_page_do_not_interfere(browser, tmp_path):
    """Each explorer is scoped to its own root: moving or re-choosing one leaves the other alone."""
    one = mc.explorer.gradient_field(selected="identity")._repr_html_()
    two = mc.explorer.gradient_field(selected="non-symmetric", point=(-1.0, 1.0))._repr_html_()
    (tmp_path / "two.html").write_text(f"<!doctype html><meta charset='utf-8'><body>{one}{two}</body>",
                                       encoding="utf-8")
    with serve_site(tmp_path) as url:
        page = Page(browser, url, "two.html")
        try:
            first, second = page.page.locator(ROOT).nth(0), page.page.locator(ROOT).nth(1)
            untouched = state(second)
            first.locator(".mcx-point").focus()
            page.page.keyboard.press("ArrowLeft")
            first.locator(".mcx-choices label", has_text="indefinite (saddle)").locator("input").check()
            assert state(first)["selected"] == "indefinite (saddle)"
            assert state(second) == untouched
            checked = second.locator("input:checked").get_attribute("value")
            assert checked == str(CHOICES.index("non-symmetric"))
            assert_consistent(state(first))
            assert_consistent(state(second))
            assert not page.problems(), page.problems()
        finally:
            page.context.close()


def test_the_page_carries_the_matrices_python_defines(chapter):
    """Python is the one source of the numbers: the page holds mc.explorer.DEFAULT_MATRICES."""
    data = json.loads(chapter.page.locator(ROOT).first.get_attribute("data-matrices"))
    assert {m["name"]: m["A"] for m in data} == {k: [list(r) for r in v]
                                                for k, v in mc.explorer.DEFAULT_MATRICES.items()}
