"""mclib.tables: the tables of the atlas, the common-mistakes page and the statistics pages."""

from __future__ import annotations

import html.parser

import pytest

import mclib as mc


class _Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.classes = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.rows[-1].append(dict(attrs))
        if tag == "table":
            self.classes.append(dict(attrs)["class"])


def test_math_html_escapes_and_marks_for_mathjax():
    out = mc.tables.math_html(r"a < b \le c")
    assert out == r'<span class="mathjax_process">\(a &lt; b \le c\)</span>'


def test_html_table_structure_with_entries():
    out = mc.tables.html_table([("1", "2<br>3"), ("4", "5")], ["x", "y"], css_class="atlas",
                               style=".atlas {}", entries=["first", "second"])
    parser = _Cells()
    parser.feed(out)
    assert parser.classes == ["table atlas"]
    # header, then entry + row for each of the two rows
    assert [len(r) for r in parser.rows] == [2, 1, 2, 1, 2]
    assert parser.rows[1][0]["colspan"] == "2"
    assert out.startswith("<style>.atlas {}</style>") and "2 <br>3" in out


def test_html_table_rejects_ragged_rows_and_entries():
    with pytest.raises(ValueError, match=r"row 1 has 1 cells but there are 2 `headers`"):
        mc.tables.html_table([("a", "b"), ("c",)], ["x", "y"], css_class="t")
    with pytest.raises(ValueError, match=r"1 `entries` for 2 rows"):
        mc.tables.html_table([("a", "b"), ("c", "d")], ["x", "y"], css_class="t", entries=["e"])


def test_markdown_table_is_a_pipe_table():
    out = mc.tables.markdown_table(["a", "b"], [(1, "x"), (2.5, "y")])
    assert out.splitlines() == ["| a | b |", "|---|---|", "| 1 | x |", "| 2.5 | y |"]
