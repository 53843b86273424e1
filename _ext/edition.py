"""The book's edition in the footer of every page: its version and its licences.

The version is written once, as ``__version__`` in ``mclib/__init__.py``: pyproject.toml reads it
(``dynamic = ["version"]``), this extension shows it, and the Colab install line pins the tag
``v<version>`` (``_ext/repository_links.py``). It is read from the source file, not imported, so a
stale installed mclib cannot put another number on the pages.
"""

from __future__ import annotations

import html

from book_meta import book_version
from sphinx.application import Sphinx
from sphinx.config import Config


def footer_html(version: str, repository_url: str) -> str:
    """The footer line: edition, licences, and where the licence files and CITATION.cff are."""
    url = html.escape(repository_url, quote=True)
    return (
        f'<p class="mcml-edition">Edition {html.escape(version)}. Text licensed under CC BY 4.0, '
        "code (mclib) under the MIT licence: the files LICENSE-CC-BY-4.0 and LICENSE, and how to "
        f'cite the book (CITATION.cff), are in its <a href="{url}">repository</a>.</p>'
    )


def _set_edition(app: Sphinx, config: Config) -> None:
    version = book_version()
    config.version = config.release = version
    options = config.html_theme_options
    if options is None:
        options = config.html_theme_options = {}
    options["extra_footer"] = footer_html(version, options.get("repository_url", ""))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _set_edition, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
