"""Run the chapters as Colab runs them: `make colab-check` (not part of make test: minutes).

    python scripts/colab_check.py [NOTEBOOK ...]      (default: every launchable notebook)

1. A venv (test-artifacts/colab/venv) with Colab-like library versions
   (scripts/colab-requirements.txt) and the CPU build of the book's torch pin, and no mclib: made
   anew with --fresh or when that file changed, else reused with mclib uninstalled.
2. A clone of this repository's HEAD in a temporary folder, tagged v<version> there (the tag the
   install cells pin; the real repository is not touched): it stands in for the GitHub repository,
   which this machine cannot reach.
3. Each notebook is copied alone into an empty folder (as Colab has no clone of the repository),
   its install cell is made by scripts/colab_cell.py's function with the clone's file:// URL in
   place of the GitHub one, and it is executed top to bottom in the venv's kernel. The first
   notebook's install cell installs mclib with pip from git, as on Colab; the later ones find it.

Prints one line per notebook and exits 1 if any fails (with the error's last lines).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
sys.path.insert(0, str(ROOT / "scripts"))

from book_meta import book_version, colab_cell_source, distribution_name, release_tag  # noqa: E402

WORK = ROOT / "test-artifacts" / "colab"
VENV = WORK / "venv"
TIMEOUT_S = 600


def run(*cmd: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def make_venv(fresh: bool) -> Path:
    """The Colab-like venv without mclib; returns its python. Rebuilt when --fresh or when
    scripts/colab-requirements.txt changed, else reused with mclib uninstalled."""
    python = VENV / "bin" / "python"
    requirements = (ROOT / "scripts" / "colab-requirements.txt").read_text()
    stamp = VENV / "colab-requirements.txt"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if not fresh and stamp.is_file() and stamp.read_text() == requirements:
        run(python, "-m", "pip", "uninstall", "--quiet", "--yes", distribution_name())
        return python
    shutil.rmtree(VENV, ignore_errors=True)
    run(sys.executable, "-m", "venv", VENV)
    run(*pip, next(line for line in requirements.splitlines() if line.startswith("pip==")))
    run(*pip, "-r", ROOT / "scripts" / "colab-requirements.txt")
    torch = next(line for line in (ROOT / "requirements.txt").read_text().splitlines()
                 if line.startswith("torch=="))
    index = os.environ.get("TORCH_INDEX", "https://download.pytorch.org/whl/cpu")
    try:  # as scripts/install_stack.sh: a wheel pip finds without an index, else the CPU index
        run(*pip, "--no-deps", "--no-index", torch, stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        run(*pip, "--no-deps", "--index-url", index, torch)
    run(*pip, torch)  # satisfied by the CPU build: adds the dependencies its metadata names
    stamp.write_text(requirements)
    return python


def tagged_clone(dest: Path) -> Path:
    """A clone of HEAD with the release tag the install cells pin."""
    run("git", "clone", "--quiet", "--no-hardlinks", ROOT, dest)
    run("git", "-C", dest, "tag", release_tag(book_version()))
    return dest


def execute_all(notebooks: list[Path], repo_url: str) -> int:
    """Inside the venv: run each notebook alone in an empty folder; 1 if any failed."""
    import nbformat
    from colab_cell import ensure_cell
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    source = colab_cell_source(repo_url, book_version(), distribution_name())
    failed = 0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        ensure_cell(nb, source)
        with tempfile.TemporaryDirectory(prefix="colab-content-") as content:
            shutil.copy(path, content)
            start = time.monotonic()
            try:
                NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                               resources={"metadata": {"path": content}}).execute()
                status = "ok"
            except CellExecutionError as error:
                failed += 1
                status = "FAILED\n" + "\n".join(str(error).strip().splitlines()[-6:])
        print(f"{path.relative_to(ROOT)}: {time.monotonic() - start:.0f} s {status}", flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inside", metavar="REPO_URL", help=argparse.SUPPRESS)
    parser.add_argument("--fresh", action="store_true", help="rebuild the venv even if it is current")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    from colab_cell import launchable_notebooks

    notebooks = [p.resolve() for p in args.notebooks] or launchable_notebooks()
    if args.inside:
        return execute_all(notebooks, args.inside)
    WORK.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    python = make_venv(args.fresh)
    print(f"colab venv ready in {time.monotonic() - start:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="colab-repo-") as tmp:
        clone = tagged_clone(Path(tmp) / "repo")
        code = subprocess.run([str(python), __file__, "--inside", f"file://{clone}",
                               *map(str, notebooks)], cwd=tmp).returncode
    print(f"colab-check: {'passed' if code == 0 else 'FAILED'} in {time.monotonic() - start:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
