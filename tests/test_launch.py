"""Launching a chapter elsewhere: Colab's install cell, Binder's environment, the launch buttons.

- Every notebook that has a launch button starts with the cell that installs the pinned mclib
  where it is missing (written by scripts/colab_cell.py); the expected line is rebuilt here from
  the repository setting, pyproject's name and mclib.__version__, not taken from the script.
- Those notebooks read no file of the repository (a Colab runtime has none); the pages that do
  (launch_buttons_exclude in _config.yml) have no launch menu in the built site.
- Binder's Python (binder/runtime.txt) installs requirements.lock: checked with pip's resolver
  (`pip install --dry-run --python-version X.Y --only-binary=:all:`), against the package index.

`make colab-check` (scripts/colab_check.py, minutes) runs the chapters in a Colab-like venv.
"""

from __future__ import annotations

import html.parser
import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

import mclib

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
NO_LAUNCH = set(CONFIG["sphinx"]["config"].get("launch_buttons_exclude", []))
TOC = re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"))
TOC_NOTEBOOKS = [name for name in TOC if (ROOT / f"{name}.ipynb").is_file()]
LAUNCHABLE = [name for name in TOC_NOTEBOOKS if name not in NO_LAUNCH]
DIST_NAME = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
SITE = Path(os.environ.get("MCML_SITE", ROOT / "_build" / "html"))
# A path into the repository from a notebook's folder, or the benchmark results by name.
REPOSITORY_FILE = re.compile(r"""(["'])\.\./|(["'])benchmarks/results/""")

sys.path.insert(0, str(ROOT / "scripts"))
colab_cell = importlib.import_module("colab_cell")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def code_cells(name: str) -> list:
    nb = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"]


def expected_install_line() -> str:
    url = CONFIG["repository"]["url"].rstrip("/")
    return f'%pip install "{DIST_NAME} @ git+{url}@v{mclib.__version__}"'


def lock_body() -> str:
    """requirements.lock without its header comment."""
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    return "\n".join(line for line in lines if not line.startswith("#") or line.startswith("    #"))


def test_the_excluded_pages_exist_and_the_chapters_launch():
    assert NO_LAUNCH <= set(TOC_NOTEBOOKS), f"launch_buttons_exclude names no notebook: {NO_LAUNCH}"
    chapters = [n for n in LAUNCHABLE if re.match(r"book/\d\d-", n)]
    assert len(chapters) >= 12, f"only {len(chapters)} chapter notebooks have a launch button"


@pytest.mark.parametrize("name", LAUNCHABLE)
def test_first_code_cell_installs_the_pinned_mclib_when_missing(name):
    cells = code_cells(name)
    first = cells[0]
    source = first.source
    assert expected_install_line() in source.splitlines()[-1].strip(), (
        f"{name}: the first code cell must end with {expected_install_line()!r} "
        f"(run python scripts/colab_cell.py); it is:\n{source[:400]}")
    assert re.search(r"^try:\n    import mclib\b.*\nexcept ImportError:$", source, re.M), (
        f"{name}: the install must be guarded (only where mclib is missing)")
    assert "remove-cell" in first.metadata.get("tags", []), f"{name}: the install cell shows on the site"
    assert first.outputs == [], f"{name}: the install cell printed something where mclib is installed"
    assert "import mclib as mc" in cells[1].source, f"{name}: the imports must follow the install cell"


def test_install_cell_script_inserts_once_and_keeps_outputs():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"),
                nbformat.v4.new_code_cell("import mclib as mc", execution_count=1),
                nbformat.v4.new_code_cell("print(1)", execution_count=2,
                                          outputs=[nbformat.v4.new_output("stream", text="1\n")])]
    source = colab_cell.expected_source()
    assert colab_cell.ensure_cell(nb, source) is True
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code"]
    assert nb.cells[1].source == source and nb.cells[1].execution_count == 1
    assert [c.execution_count for c in nb.cells[1:]] == [1, 2, 3]
    assert nb.cells[3].outputs[0]["text"] == "1\n"
    once = nbformat.writes(nb)
    assert colab_cell.ensure_cell(nb, source) is False and nbformat.writes(nb) == once
    assert colab_cell.ensure_cell(nb, source.replace("v", "w")) is True  # an outdated cell is updated
    assert len(nb.cells) == 4


@pytest.mark.parametrize("name", LAUNCHABLE)
def test_launchable_notebook_reads_no_repository_file(name):
    """On Colab only the notebook exists: a cell that opens ../something fails there. Stored
    benchmark results go through mc.plotting.benchmark_results, which prints a note instead."""
    offending = [line.strip() for cell in code_cells(name) for line in cell.source.splitlines()
                 if REPOSITORY_FILE.search(line.split("#", 1)[0])]
    assert not offending, (f"{name} reads the repository's files (fails on Colab): {offending}; use "
                           "mc.plotting.benchmark_results or add the page to launch_buttons_exclude")


class _LaunchMenu(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.launch = self.download = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        self.launch |= "dropdown-launch-buttons" in classes
        self.download |= "dropdown-download-buttons" in classes


@pytest.mark.site  # reads the built site: runs after make site, not with the unit tests
@pytest.mark.parametrize("name", TOC_NOTEBOOKS)
def test_built_page_has_a_launch_menu_exactly_when_it_can_run_remotely(name):
    page = SITE / f"{name}.html"
    if not page.is_file():
        _unavailable(f"{page} is not built (make site)")
    menu = _LaunchMenu()
    menu.feed(page.read_text(encoding="utf-8"))
    assert menu.download, f"{name}: no download menu"
    if name in NO_LAUNCH:
        assert not menu.launch, f"{name} needs the repository's files but has a launch menu"
    else:
        assert menu.launch, f"{name}: no launch menu (Colab, Binder)"


def errors(run: subprocess.CompletedProcess) -> str:
    """pip's error lines (not its warnings about the machine's index configuration)."""
    return "\n".join(line for line in run.stderr.splitlines() if not line.startswith("WARNING"))[-2000:]


def test_binder_python_installs_the_lock(tmp_path):
    """repo2docker creates the Python of binder/runtime.txt and runs binder/postBuild, which runs
    scripts/install_stack.sh: pip's resolver must find every locked file for that Python."""
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(3\.\d+)", runtime)
    assert match, f"binder/runtime.txt: {runtime!r}"
    assert "scripts/install_stack.sh" in (ROOT / "binder" / "postBuild").read_text()
    version = match.group(1)
    assert f"--python-version {version}" in (ROOT / "scripts" / "lock.sh").read_text(), (
        "the lock is resolved for another Python than Binder's")
    pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
           "--disable-pip-version-check", "--python-version", version, "--only-binary=:all:",
           "--target", str(tmp_path / "target")]
    # The pins without their hashes: pip then resolves from the index's metadata instead of
    # downloading every wheel to hash it (make install checks the hashes).
    pins = [entry.split(" \\")[0] for entry in re.split(r"\n(?=[A-Za-z0-9])", lock_body())]
    plain = tmp_path / "pins.txt"
    plain.write_text("\n".join(pins) + "\n")
    assert len(pins) >= 150
    locked = subprocess.run([*pip, "-r", str(plain)], capture_output=True, text=True,
                            timeout=600)
    assert locked.returncode == 0, f"requirements.lock for Python {version}:\n{errors(locked)}"
    torch = next(line for line in (ROOT / "requirements.txt").read_text().splitlines()
                 if line.startswith("torch=="))
    found = subprocess.run([*pip, "--no-deps", "--no-index", torch], capture_output=True, text=True,
                           timeout=300)
    if found.returncode != 0:  # no local wheelhouse: PyTorch's CPU index, as install_stack.sh does
        found = subprocess.run([*pip, "--no-deps", "--index-url", "https://download.pytorch.org/whl/cpu",
                                torch], capture_output=True, text=True, timeout=300)
    assert found.returncode == 0, f"{torch} (CPU) for Python {version}:\n{errors(found)}"
