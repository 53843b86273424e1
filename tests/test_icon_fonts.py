"""_ext/icon_fonts.py: which Font Awesome characters the site keeps, and the cut-down font itself
(tests/test_site.py checks in the browser that every page's icons are in the fonts it gets)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The book's Sphinx extensions need the book stack (requirements.txt), not only the `test` extra.
pytest.importorskip("sphinx")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
from icon_fonts import _theme_webfonts, characters_in_use, subset_font  # noqa: E402

CSS = r"""
.fa-bars:before,.fa-navicon:before{content:"\f0c9"}
.fa-rocket:before{content:"\f135"}
.fa-github:before{content:"\f09b"}
.fa-add:before,.fa-plus:before{content:"\+"}
.fa-1:before{content:"\31 "}
html{--pst-icon-bell:"BELL";--pst-icon-info-circle:"\f05a"}
div.exercise p.admonition-title::after{content:"\f303"}
.mjx-c2192::before{content:"\2192"}
.sd-badge::before{content:"A"}
""".replace("BELL", "\uf0f3")  # the theme writes some icons as the character itself


def test_the_classes_in_use_and_every_other_icon_character_of_the_style_sheets():
    kept = characters_in_use([CSS], ['<i class="fas fa-rocket"></i>', 'el.classList.add("fa-navicon")',
                                     '<span class="fa fa-plus"></span>'])
    # rocket, bars and plus (by their classes; the font draws plus as "+"), bell (a literal
    # character), info (an escape), pencil
    assert kept == {0xF135, 0xF0C9, ord("+"), 0xF0F3, 0xF05A, 0xF303}
    # not github nor "1" (classes unused), not the arrow nor "A" (not Font Awesome's)


def test_the_cut_down_font_has_the_characters_kept_and_no_others(tmp_path):
    fontTools = pytest.importorskip("fontTools.ttLib")
    source = _theme_webfonts() / "fa-solid-900.woff2"
    if not source.is_file():
        pytest.skip(f"pydata-sphinx-theme has no {source}")
    target = tmp_path / source.name
    subset_font(source, target, {0xF135, 0xF0C9})
    with fontTools.TTFont(target) as font:
        assert set(font.getBestCmap()) == {0xF135, 0xF0C9}
        assert font.flavor == "woff2"
        assert font["name"].getDebugName(0) == "Copyright (c) Font Awesome"  # the name table is kept,
        assert font["name"].getDebugName(11) == "https://fontawesome.com"  # beyond fontTools' default
    assert target.stat().st_size < source.stat().st_size / 10
