"""Derive the mclib install line (Colab, a downloaded notebook) from the one repository setting.

Jupyter Book 1 turns ``repository: url/branch`` in _config.yml into
``html_theme_options["repository_url"]`` and ``["repository_branch"]``; the launch and repository
buttons read them there. The install line reads the same URL and pins the release tag of this
edition, ``v<version>`` (the version written once in ``mclib/__init__.py``, see ``edition.py``), so
a chapter opened on Colab installs the mclib it was written for, from the repository the buttons
point at. This extension offers it to MyST pages as substitutions:

- ``{{ repository_link }}``: the repository's address, as a link;
- ``{{ mclib_install }}``: a code block with the one line that installs ``mclib`` on Colab.

The line itself, and the notebooks' first cell around it (``scripts/colab_cell.py`` writes it),
come from ``book_meta.py``.
"""

from __future__ import annotations

from book_meta import book_version, distribution_name, install_command
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError


def _add_substitutions(app: Sphinx, config: Config) -> None:
    options = config.html_theme_options or {}
    url = options.get("repository_url")
    if not url:
        raise ConfigError("repository_links: set `repository: url:` in _config.yml")
    command = install_command(url, book_version(), distribution_name())
    config.myst_substitutions = {
        **(config.myst_substitutions or {}),
        "repository_link": f"<{url}>",
        "mclib_install": f"```bash\n!{command}\n```",
    }


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _add_substitutions, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
