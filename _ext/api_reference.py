"""What the API reference page (book/api-reference.md, sphinx.ext.autodoc + napoleon) needs.

mclib's docstrings are plain numpydoc text that ``help()`` shows as well; this extension makes them
build under ``-W -n`` without writing them for Sphinx:

- ``|x|`` means an absolute value there, not a reStructuredText substitution: every ``|`` outside
  inline literals is escaped (``autodoc-process-docstring``); a constant without a doc comment
  gets no docstring (autodoc would show the docstring of its type, ``dict``'s or ``tuple``'s);
- a parameter's type is prose (``ndarray, shape (m, n)``), not a class to link, and the theme has no
  network for intersphinx: unresolved ``py:class`` targets outside mclib are not reported;
  references to private modules (``mclib.identities._domains``) neither. Every other unresolved
  reference (a function, a constant, an mclib class) still fails the build.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

# An inline literal (``...``) or interpreted text (`...`), kept as it is; or a bar, escaped.
_LITERAL_OR_BAR = re.compile(r"``.+?``|`[^`]+`|\|")
NITPICK_IGNORE = [
    ("py:class", r"(?!mclib\b).*"),
    (r"py:.*", r"mclib(\.\w+)*\._\w+.*"),
]


def escape_bars(line: str) -> str:
    """``|x|`` → ``\\|x\\|`` outside inline literals and interpreted text."""
    return _LITERAL_OR_BAR.sub(lambda m: "\\|" if m.group() == "|" else m.group(), line)


def _escape_docstring(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    if not (name == "mclib" or name.startswith("mclib.")):
        return
    type_doc = (type(obj).__doc__ or "").strip().splitlines()
    if what == "data" and type_doc and lines and lines[0].strip() == type_doc[0].strip():
        lines[:] = []  # a constant without a doc comment: autodoc offered the docstring of its type
        return
    lines[:] = [escape_bars(line) for line in lines]


def _ignore_prose_types(app: Sphinx, config: Config) -> None:
    config.nitpick_ignore_regex = [*config.nitpick_ignore_regex, *NITPICK_IGNORE]


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("config-inited", _ignore_prose_types)
    app.connect("autodoc-process-docstring", _escape_docstring)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
