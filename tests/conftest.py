"""Fixtures shared by the test modules (keep this file to general-purpose fixtures, and the one
browser of the site tests), and which modules are collected when PyTorch is not installed."""

import importlib.util
import os
import re
from pathlib import Path

import numpy as np
import pytest
from sitekit import CHROMIUM, launch_chromium, unavailable

# `pip install -e ".[test]"` runs the unit tests without the book's stack; the modules that compare
# with torch autograd need the `torch` extra too. Without torch they are not collected (listed in
# the header); under CI=true a missing torch is an error, never a silent skip.
_TORCH_MODULES = sorted(
    p.name for p in Path(__file__).parent.glob("test_*.py")
    if re.search(r"^\s*(import torch|from torch)\b", p.read_text(encoding="utf-8"), re.M)
)
if importlib.util.find_spec("torch") is None:
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("torch is not installed; CI runs every test (pip install -e '.[test,torch]')")
    collect_ignore = _TORCH_MODULES


def pytest_report_header(config):
    if importlib.util.find_spec("torch") is None:
        return f"torch not installed: not collected: {', '.join(_TORCH_MODULES)}"
    return None


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator per test, so tests never depend on each other's draws."""
    return np.random.default_rng(0)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under playwright (tests/sitekit.py), one per site-test module, for every
    browser test (the site, the explorer, printing, JupyterLab)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium; never `playwright install`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"playwright is not installed: {exc}")
    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        try:
            yield chromium
        finally:
            chromium.close()
