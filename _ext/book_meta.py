"""Facts about the book that several places need, each read from the one file that holds it.

- the version: ``__version__`` in ``mclib/__init__.py`` (pyproject.toml reads it too), read from the
  source, not imported, so a stale installed mclib cannot put another number anywhere;
- the distribution name of mclib: ``[project] name`` in pyproject.toml;
- the release tag of an edition and the pip line that installs mclib from the repository at it,
  with the notebooks' first cell around that line.

No Sphinx here: the extensions (edition.py, repository_links.py) and the scripts (colab_cell.py,
colab_check.py, check_deploy.py) import it, the last ones also in a venv without the book's stack.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The tags of the notebooks' install cell: hidden on the site, found again by scripts/colab_cell.py.
COLAB_CELL_TAGS = ["remove-cell", "mclib-install"]


def book_version(root: Path = ROOT) -> str:
    """``mclib.__version__`` as written in ``mclib/__init__.py``."""
    tree = ast.parse((root / "mclib" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "__version__"
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return node.value.value
    raise ValueError("book_meta: mclib/__init__.py assigns no string to __version__")


def distribution_name(root: Path = ROOT) -> str:
    """The name mclib is distributed under (``[project] name`` in pyproject.toml)."""
    with open(root / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["name"]


def release_tag(version: str) -> str:
    """The git tag of an edition (CONTRIBUTING.md: a release is tagged v<version>)."""
    return f"v{version}"


def install_requirement(url: str, version: str, name: str) -> str:
    """The pip requirement of mclib (distribution `name`, the package at the repository's root) at
    the tag of `version`."""
    return f"{name} @ git+{url.rstrip('/')}@{release_tag(version)}"


def install_command(url: str, version: str, name: str) -> str:
    """The pip command that installs that requirement."""
    return f'pip install "{install_requirement(url, version, name)}"'


def colab_cell_source(url: str, version: str, name: str) -> str:
    """The notebooks' first cell: install the pinned mclib where it cannot be imported (Colab)."""
    return (
        "# Colab, or any Python without the book's helper package: install mclib, pinned to this edition.\n"
        "try:\n"
        "    import mclib  # noqa: F401\n"
        "except ImportError:\n"
        f"    %{install_command(url, version, name)}"
    )
