"""Chapter 1's gradient-field explorer works live in JupyterLab (what `make lab` opens), driven in Chromium.

A notebook's stored outputs are untrusted, so the explorer's inline script runs only once the reader
runs the cell. Here the chapter runs in a real kernel: JupyterLab is started on 127.0.0.1 on a copy of
the notebook (so autosave cannot touch the committed file), all cells are run, and the explorer's point
is dragged with the mouse and moved with the keyboard; what it shows must be (A + Aᵀ)x (the same
checks as on the website, tests/test_explorer_site.py).
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
from sitekit import REPO, unavailable
from test_explorer_site import ROOT, assert_consistent, state

pytestmark = pytest.mark.site

NOTEBOOK = "book/01-layouts.ipynb"  # the chapter with the gradient-field explorer
STARTUP_S = 90
RUN_ALL_MS = 180_000
LIVE_EXPLORER = f'.jp-OutputArea {ROOT}[data-ready="true"]'  # its script ran in the live session


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab_bin = Path(sys.executable).with_name("jupyter-lab")
    if not lab_bin.is_file():
        unavailable(f"{lab_bin} is missing (pip install -r requirements.txt)")
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


def test_explorer_runs_live_in_jupyterlab(lab, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{lab}/lab/tree/{Path(NOTEBOOK).name}?reset")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # Run All before the kernel is connected runs nothing: wait until the status bar says Idle.
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        page.wait_for_selector(LIVE_EXPLORER, timeout=RUN_ALL_MS)
        root = page.locator(LIVE_EXPLORER).first
        root.scroll_into_view_if_needed()
        before = state(root)
        assert_consistent(before)

        box = root.locator(".mcx-point").bounding_box()
        start = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.move(*start)
        page.mouse.down()
        page.mouse.move(start[0] + 80, start[1] - 60, steps=6)
        page.mouse.up()
        dragged = state(root)
        assert dragged["x"] != before["x"] and dragged["readout"] != before["readout"]
        assert dragged["point"] != before["point"]
        assert_consistent(dragged)

        root.locator(".mcx-choices label", has_text="indefinite (saddle)").locator("input").check()
        root.locator(".mcx-point").focus()
        page.keyboard.press("ArrowDown")
        moved = state(root)
        assert moved["selected"] == "indefinite (saddle)"
        assert moved["x"][1] < dragged["x"][1] and moved["x"][0] == dragged["x"][0]
        assert_consistent(moved)

        errors = page.evaluate("() => document.querySelectorAll('.jp-OutputArea-output[data-mime-type"
                               "=\"application/vnd.jupyter.stderr\"]').length")
        assert errors == 0, "a cell wrote to stderr while the notebook ran in JupyterLab"
    finally:
        page.close()
