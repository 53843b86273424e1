"""Build the book with or without solutions: ``make book SOLUTIONS=hidden`` for a course.

The switch is the environment variable ``MCML_SOLUTIONS`` ("shown" by default, or "hidden"),
which the Makefile sets from ``SOLUTIONS``. Hidden means:

- sphinx-exercise's own ``hide_solutions`` option, so no ``{solution}`` directive is rendered;
- every notebook cell tagged ``exercise-check`` is dropped from the pages, since it holds the stored
  solution as the code a reader replaces with their own answer;
- the notebooks the site offers for download (the copies Sphinx writes to ``_sources/``) lose every
  ``{solution}`` block, and in their ``exercise-check`` cells the body of ``my_answer`` becomes
  ``raise NotImplementedError(...)`` (outputs cleared), so the reader still has the exercise and the
  call that checks an answer, but not the answer;
- no page has a Colab or Binder button: those open the repository's notebooks, which hold the
  solutions. Every page is added to ``launch_buttons_exclude``, so _ext/launch_pages.py removes them.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

ENV = "MCML_SOLUTIONS"
CHECK_CELL_CLASS = "tag_exercise-check"
CHECK_CELL_TAG = "exercise-check"
ANSWER_FUNCTION = "my_answer"
ANSWER_STUB = '    raise NotImplementedError("write your answer here")'
# A {solution} directive in a Markdown cell, from its opening fence to the closing fence of the same
# length (a ````{solution}```` block may hold ``` blocks), and the blank lines after it.
SOLUTION_BLOCK = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution\}.*?^(?P=fence)[ \t]*$\n*",
                            re.MULTILINE | re.DOTALL)


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


def strip_answer(source: str) -> str:
    """The check cell's code with the body of ``my_answer`` replaced by ``ANSWER_STUB``."""
    tree = ast.parse(source)
    answers = [node for node in tree.body
               if isinstance(node, ast.FunctionDef) and node.name == ANSWER_FUNCTION]
    if len(answers) != 1:
        raise ValueError(f"solutions: a check cell must define {ANSWER_FUNCTION} once, found {len(answers)}")
    body = answers[0].body
    lines = source.splitlines(keepends=True)
    first, last = body[0].lineno - 1, body[-1].end_lineno
    return "".join(lines[:first]) + ANSWER_STUB + "\n" + "".join(lines[last:])


def strip_notebook(notebook: dict) -> dict:
    """A notebook (nbformat JSON) without solutions: see the module docstring."""
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            source = SOLUTION_BLOCK.sub("", source).rstrip("\n")
        elif cell["cell_type"] == "code" and CHECK_CELL_TAG in cell.get("metadata", {}).get("tags", []):
            source = strip_answer(source)
            cell["outputs"], cell["execution_count"] = [], None
        cell["source"] = source.splitlines(keepends=True)
    return notebook


def _strip_downloads(app: Sphinx, exception: Exception | None) -> None:
    sources = Path(app.outdir) / "_sources"
    if exception is not None or not solutions_hidden() or not sources.is_dir():
        return
    for path in sorted(sources.rglob("*.ipynb")):
        notebook = strip_notebook(json.loads(path.read_text(encoding="utf-8")))
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _no_launch_buttons(app: Sphinx, env, docnames: list[str]) -> None:
    if solutions_hidden():
        app.config.launch_buttons_exclude = sorted(set(app.config.launch_buttons_exclude) | env.found_docs)


def setup(app: Sphinx) -> dict:
    app.setup_extension("launch_pages")
    app.connect("config-inited", _set_switch, priority=900)
    app.connect("doctree-read", _drop_check_cells)
    app.connect("env-before-read-docs", _no_launch_buttons)
    app.connect("build-finished", _strip_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
