"""Tables on the book's pages: HTML tables with math (the identity atlas, the common mistakes) and
Markdown tables (the statistics pages), built the same way everywhere."""

from __future__ import annotations

import html

__all__ = ["math_html", "html_table", "markdown_table"]


def math_html(latex: str) -> str:
    """Inline math in HTML that MathJax typesets on the built page and in Jupyter.

    Marked with class ``mathjax_process``, not ``math``: the theme lays out ``.math`` as a flex
    box, which would squeeze the columns of a table.
    """
    _require_str(latex, "latex", "math_html")
    return f'<span class="mathjax_process">\\({html.escape(latex)}\\)</span>'


def html_table(rows, headers, *, css_class: str, style: str = "", entries=None) -> str:
    """An HTML table in a horizontally scrolling box.

    Parameters
    ----------
    rows : sequence of sequences of str
        The cells, as HTML.
    headers : sequence of str
        The column headers, as HTML; every row must have as many cells.
    css_class : str
        Class of the table (besides the theme's ``table``), for `style` to address.
    style : str, optional
        CSS placed before the table.
    entries : sequence of str or None, optional
        With entries, each row is preceded by a full-width row holding its entry (HTML).
    """
    caller = "html_table"
    _require_str(css_class, "css_class", caller)
    _require_str(style, "style", caller)
    rows, headers = _rows(rows, "rows", caller), _cells(headers, "headers", caller)
    bad = [i for i, row in enumerate(rows) if len(row) != len(headers)]
    if bad:
        raise ValueError(f"{caller}: `rows`: row {bad[0]} has {len(rows[bad[0]])} cells but there are "
                         f"{len(headers)} `headers`")
    if entries is not None and len(entries) != len(rows):
        raise ValueError(f"{caller}: {len(entries)} `entries` for {len(rows)} rows (`rows`)")
    # Whitespace between cells keeps the words apart when the site search strips the tags.
    head = " ".join(f"<th>{h}</th>" for h in headers)
    lines = [f'<tr class="entry"><td colspan="{len(headers)}">{entry}</td></tr>\n' if entry else ""
             for entry in (entries or [None] * len(rows))]
    body = "".join(line + "<tr>" + " ".join(f"<td>{cell}</td>" for cell in row) + "</tr>\n"
                   for line, row in zip(lines, rows)).replace("<br>", " <br>")
    return (f"<style>{style}</style>"
            f'<div style="overflow-x: auto"><table class="table {css_class}"><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>")


def markdown_table(header, rows) -> str:
    """A Markdown (pipe) table from a header and rows of already formatted cells."""
    caller = "markdown_table"
    header, rows = _cells(header, "header", caller), _rows(rows, "rows", caller)
    bad = [i for i, row in enumerate(rows) if len(row) != len(header)]
    if bad:
        raise ValueError(f"{caller}: `rows`: row {bad[0]} has {len(rows[bad[0]])} cells but `header` has "
                         f"{len(header)}")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def _require_str(value, name: str, caller: str) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{caller}: `{name}` must be a str, got {type(value).__name__} {value!r}")


def _cells(cells, name: str, caller: str) -> list:
    """A row of cells: a sequence (not a str) whose entries are converted with str."""
    if isinstance(cells, (str, bytes)) or not hasattr(cells, "__iter__"):
        raise ValueError(f"{caller}: `{name}` must be a list of cells, got {type(cells).__name__} "
                         f"{cells!r}")
    return [str(cell) for cell in cells]


def _rows(rows, name: str, caller: str) -> list:
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
        raise ValueError(f"{caller}: `{name}` must be a sequence of rows, got {type(rows).__name__} "
                         f"{rows!r}")
    return [_cells(row, f"{name}[{i}]", caller) for i, row in enumerate(rows)]
