"""No Colab/Binder launch button on the pages that cannot run away from the repository.

sphinx-book-theme gives every page made from a notebook (it has a kernelspec) a launch menu
(``add_launch_buttons``, an ``html-page-context`` handler at priority 501). The pages listed in the
config value ``launch_buttons_exclude`` (docnames, set in _config.yml) read files that exist only in
a clone of the repository (``benchmarks/results/*.json``), so this handler, which runs after the
theme's, removes their launch menu; the repository and download buttons stay.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
LAUNCH_GROUP = "launch-buttons"


def _remove_launch_menu(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                        doctree: Any) -> None:
    if pagename not in app.config.launch_buttons_exclude:
        return
    buttons = context.get("header_buttons") or []
    context["header_buttons"] = [b for b in buttons if b.get("label") != LAUNCH_GROUP]


def _check_names(app: Sphinx, env: Any) -> None:
    for name in app.config.launch_buttons_exclude:
        if name not in env.found_docs:
            LOGGER.warning("launch_pages: launch_buttons_exclude names %r, which is not a page", name)


def setup(app: Sphinx) -> dict:
    app.add_config_value("launch_buttons_exclude", [], "html", [list])
    app.connect("env-updated", _check_names)
    app.connect("html-page-context", _remove_launch_menu, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
