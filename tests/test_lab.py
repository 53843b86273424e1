"""The interactive widget works live in JupyterLab (what `make lab` opens), driven in Chromium.

The website can only show a widget's initial state (html-manager renders the saved state; the
static figure next to it is the fallback). Here the chapter runs in a real kernel: JupyterLab is
started on 127.0.0.1 on a copy of the notebook (so autosave cannot touch the committed file), all
cells are run, a slider is moved, and the figure must be redrawn.
Outside CI a missing JupyterLab or browser skips this test; with CI=true it fails it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sitekit import CHROMIUM, REPO, launch_chromium

pytestmark = pytest.mark.site

NOTEBOOK = "book/01-layouts.ipynb"  # the chapter with the quadratic-form explorer
STARTUP_S = 90
RUN_ALL_MS = 180_000
REDRAW_MS = 30_000
FIGURE_IMAGES_JS = """() => [...document.querySelectorAll('.jp-OutputArea .widget-output img,'
  + ' .jp-OutputArea .jupyter-widgets img')].map(i => i.src)"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the JupyterLab test cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab_bin = Path(sys.executable).with_name("jupyter-lab")
    if not lab_bin.is_file():
        _unavailable(f"{lab_bin} is missing (pip install -r requirements.txt)")
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(REPO / NOTEBOOK, root / Path(NOTEBOOK).name)
    port = _free_port()
    args = [str(lab_bin), "--no-browser", f"--port={port}", "--ip=127.0.0.1", f"--notebook-dir={root}",
            "--ServerApp.token=", "--ServerApp.password=", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".config"), "JUPYTER_DATA_DIR": str(root / ".data"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces")}
    log = open(root / "lab.log", "w")
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(root / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_widget_redraws_live_in_jupyterlab(lab):
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{lab}/lab/tree/{Path(NOTEBOOK).name}?reset")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            # Run All before the kernel is connected runs nothing: wait until the status bar says Idle.
            page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_text("Run All Cells", exact=True).click()
            page.wait_for_selector(".jp-OutputArea .widget-slider", timeout=RUN_ALL_MS)
            page.wait_for_function(f"() => ({FIGURE_IMAGES_JS})().length > 0", timeout=REDRAW_MS)
            before = page.evaluate(FIGURE_IMAGES_JS)
            readout = page.locator(".jp-OutputArea .widget-slider .widget-readout").first
            value = readout.inner_text()
            page.locator(".jp-OutputArea .widget-slider .noUi-handle").first.focus()
            for _ in range(5):
                page.keyboard.press("ArrowRight")
            page.wait_for_function(  # the slider moved (its readout changed)
                "(v) => document.querySelector('.jp-OutputArea .widget-slider .widget-readout')"
                ".innerText !== v",
                arg=value, timeout=REDRAW_MS,
            )
            page.wait_for_function(
                f"(before) => JSON.stringify(({FIGURE_IMAGES_JS})()) !== JSON.stringify(before)",
                arg=before, timeout=REDRAW_MS,
            )
            errors = page.evaluate("() => document.querySelectorAll('.jp-OutputArea-output[data-mime-type"
                                   "=\"application/vnd.jupyter.stderr\"]').length")
            assert errors == 0, "a cell wrote to stderr while the notebook ran in JupyterLab"
        finally:
            browser.close()
