"""mclib.explorer: the HTML of the gradient-field explorer (its behaviour in a browser is tested
by tests/test_explorer_site.py on the built chapter 1)."""

from __future__ import annotations

import html.parser
import json
import re
from importlib import resources

import numpy as np
import pytest

import mclib as mc
from mclib.explorer import DEFAULT_MATRICES, GradientFieldExplorer, gradient_field


class _Collect(html.parser.HTMLParser):
    """Start tags with their attributes, and the text of each <script>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(markup: str) -> _Collect:
    parser = _Collect()
    parser.feed(markup)
    parser.close()
    return parser


def root_attrs(markup: str) -> dict:
    roots = [a for tag, a in parse(markup).tags if a.get("data-explorer") == "gradient-field"]
    assert len(roots) == 1
    return roots[0]


def test_is_a_lazily_loaded_submodule():
    assert mc.explorer.gradient_field is gradient_field


def test_is_also_mc_widgets_the_api_contracts_name_for_the_explorers():
    assert mc.widgets.gradient_field is gradient_field
    assert mc.widgets.GradientFieldExplorer is GradientFieldExplorer
    assert mc.widgets.__all__ == mc.explorer.__all__


def test_html_carries_the_numbers_as_data_attributes():
    attrs = root_attrs(gradient_field(selected="non-symmetric", point=(0.5, -1.0))._repr_html_())
    matrices = json.loads(attrs["data-matrices"])
    assert [m["name"] for m in matrices] == list(DEFAULT_MATRICES)
    for m in matrices:
        np.testing.assert_array_equal(m["A"], DEFAULT_MATRICES[m["name"]])
    assert attrs["data-selected"] == "non-symmetric"
    assert json.loads(attrs["data-x"]) == [0.5, -1.0]
    assert float(attrs["data-extent"]) == 2.0 and int(attrs["data-grid"]) == 11


def test_default_matrices_are_the_four_cases_of_the_chapter():
    A = {name: np.array(M) for name, M in DEFAULT_MATRICES.items()}
    np.testing.assert_array_equal(A["identity"], np.eye(2))
    ill = np.linalg.eigvalsh(A["ill-conditioned SPD"])
    assert np.all(ill > 0) and ill[-1] / ill[0] > 10  # symmetric positive definite, ill-conditioned
    saddle = np.linalg.eigvalsh(A["indefinite (saddle)"])
    assert saddle[0] < 0 < saddle[-1]
    assert not np.allclose(A["non-symmetric"], A["non-symmetric"].T)


def test_custom_matrices_keep_their_order_and_values():
    matrices = {"b": [[0.0, 1.0], [2.0, 3.0]], "a": np.diag([4.0, -5.0])}
    attrs = root_attrs(gradient_field(matrices, point=[0, 0], extent=3)._repr_html_())
    data = json.loads(attrs["data-matrices"])
    assert data == [{"name": "b", "A": [[0.0, 1.0], [2.0, 3.0]]},
                    {"name": "a", "A": [[4.0, 0.0], [0.0, -5.0]]}]
    assert attrs["data-selected"] == "b"  # the first by default


def test_html_loads_nothing_and_inlines_the_package_script():
    markup = gradient_field()._repr_html_()
    assert not re.search(r"https?://|//cdn|\bsrc\s*=|<link\b|@import|\bimport\s*\(", markup, re.I)
    scripts = parse(markup).scripts
    source = resources.files("mclib").joinpath("_js", "gradient_field.js").read_text(encoding="utf-8")
    assert len(scripts) == 1 and scripts[0].strip() == source.strip()
    assert "</script" not in source.lower()


def test_html_is_deterministic_and_has_no_ids():
    first = gradient_field(selected="identity")._repr_html_()
    assert first == gradient_field(selected="identity")._repr_html_()
    # no id attributes at all: two explorers on one page cannot collide
    assert not any("id" in attrs for _tag, attrs in parse(first + first).tags)
    assert repr(gradient_field()) == repr(gradient_field())


def test_names_are_escaped_in_the_attribute():
    name = 'quote " and <tag>'
    markup = gradient_field({name: np.eye(2)})._repr_html_()
    attrs = root_attrs(markup)
    assert json.loads(attrs["data-matrices"])[0]["name"] == name and attrs["data-selected"] == name
    assert "<tag>" not in markup


def test_returns_an_explorer_with_validated_values():
    e = gradient_field(point=np.array([1, 2]), extent=2, grid=5)
    assert isinstance(e, GradientFieldExplorer)
    assert e.point == (1.0, 2.0) and e.extent == 2.0 and e.grid == 5
    assert "xᵀAx" in repr(e)


BAD = [
    (dict(matrices={"a": np.eye(3)}), "`matrices['a']`", "(3, 3)"),
    (dict(matrices={"a": np.ones(2)}), "`matrices['a']`", "(2,)"),
    (dict(matrices={"a": [[1.0, np.nan], [0.0, 1.0]]}), "`matrices['a']`", "non-finite"),
    (dict(matrices={"a": [[1.0, np.inf], [0.0, 1.0]]}), "`matrices['a']`", "non-finite"),
    (dict(matrices={"a": np.eye(2) + 1j}), "`matrices['a']`", "real"),
    (dict(matrices={"a": [["x", 1], [0, 1]]}), "`matrices['a']`", "numeric"),
    (dict(matrices=np.eye(2)), "`matrices`", "mapping"),
    (dict(matrices="identity"), "`matrices`", "mapping"),
    (dict(matrices={}), "`matrices`", "1 to 8"),
    (dict(matrices={f"m{i}": np.eye(2) for i in range(9)}), "`matrices`", "1 to 8"),
    (dict(matrices={3: np.eye(2)}), "`matrices`", "names"),
    (dict(matrices={" ": np.eye(2)}), "`matrices`", "names"),
    (dict(point=(1.0, 2.0, 3.0)), "`point`", "(3,)"),
    (dict(point=[[1.0, 2.0]]), "`point`", "(1, 2)"),
    (dict(point=(np.nan, 0.0)), "`point`", "non-finite"),
    (dict(point=(2.5, 0.0)), "`point`", "outside"),
    (dict(extent=0.0), "`extent`", "positive"),
    (dict(extent=np.inf), "`extent`", "positive"),
    (dict(extent="2"), "`extent`", "positive"),
    (dict(grid=1), "`grid`", "2 to 30"),
    (dict(grid=31), "`grid`", "2 to 30"),
    (dict(grid=2.5), "`grid`", "integer"),
    (dict(grid=True), "`grid`", "integer"),
    (dict(selected="nope"), "`selected`", "one of"),
    (dict(selected=0), "`selected`", "one of"),
]


@pytest.mark.parametrize("kwargs, parameter, detail", BAD,
                         ids=[f"{next(iter(kw))}-{i}" for i, (kw, _, _) in enumerate(BAD)])
def test_bad_input_names_function_parameter_and_shape(kwargs, parameter, detail):
    with pytest.raises(ValueError) as info:
        gradient_field(**kwargs)
    message = str(info.value)
    assert message.startswith("gradient_field: ") and parameter in message and detail in message, message
