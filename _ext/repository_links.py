"""Derive the Colab install line from the one repository setting in _config.yml.

Jupyter Book 1 turns ``repository: url/branch`` into ``html_theme_options["repository_url"]`` and
``["repository_branch"]``; the launch and repository buttons read them there. This extension reads
the same two values and offers them to MyST pages as substitutions, so that the install line on
the "Running the notebooks" page can never point at another repository than the buttons do:

- ``{{ repository_link }}``: the repository's address, as a link;
- ``{{ mclib_install }}``: a code block with the one line that installs ``mclib`` on Colab.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError


def install_command(url: str, branch: str) -> str:
    """The pip command that installs mclib (the package at the repository's root) from git."""
    return f'pip install "mclib @ git+{url.rstrip("/")}@{branch}"'


def _add_substitutions(app: Sphinx, config: Config) -> None:
    options = config.html_theme_options or {}
    url = options.get("repository_url")
    if not url:
        raise ConfigError("repository_links: set `repository: url:` in _config.yml")
    branch = options.get("repository_branch") or "main"
    config.myst_substitutions = {
        **(config.myst_substitutions or {}),
        "repository_link": f"<{url}>",
        "mclib_install": f"```bash\n!{install_command(url, branch)}\n```",
    }


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _add_substitutions, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
