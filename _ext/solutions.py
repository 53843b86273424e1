"""Build the book with or without solutions: ``make book SOLUTIONS=hidden`` for a course.

The switch is the environment variable ``MCML_SOLUTIONS`` ("shown" by default, or "hidden"),
which the Makefile sets from ``SOLUTIONS``. Hidden means:

- sphinx-exercise's own ``hide_solutions`` option, so no ``{solution}`` directive is rendered;
- every notebook cell tagged ``exercise-check`` is dropped, since it holds the stored solution as
  the code a reader replaces with their own answer (the downloadable notebooks keep it).
"""

from __future__ import annotations

import os

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

ENV = "MCML_SOLUTIONS"
CHECK_CELL_CLASS = "tag_exercise-check"


def solutions_hidden() -> bool:
    """Whether this build leaves out solutions (ConfigError on a value other than shown/hidden)."""
    value = os.environ.get(ENV, "shown") or "shown"
    if value not in ("shown", "hidden"):
        raise ConfigError(f"solutions: {ENV} must be 'shown' or 'hidden', got {value!r}")
    return value == "hidden"


def _set_switch(app: Sphinx, config: Config) -> None:
    if solutions_hidden():
        config.hide_solutions = True


def _drop_check_cells(app: Sphinx, doctree: nodes.document) -> None:
    if not solutions_hidden():
        return
    for cell in list(doctree.findall(nodes.container)):
        if CHECK_CELL_CLASS in cell.get("classes", []):
            cell.parent.remove(cell)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _set_switch, priority=900)
    app.connect("doctree-read", _drop_check_cells)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
