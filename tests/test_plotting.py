"""mclib.plotting: the committed benchmark results the chapters plot."""

from __future__ import annotations

import json

import pytest

import mclib as mc


def test_benchmark_results_reads_the_committed_json():
    results = mc.plotting.benchmark_results("kron_matvec")
    committed = json.loads((mc.plotting.BENCHMARK_RESULTS / "kron_matvec.json").read_text())
    assert results == committed and results["rows"]


def test_benchmark_results_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"`name`='no_such_bench'.*known: \[.*'kron_matvec'"):
        mc.plotting.benchmark_results("no_such_bench")


def test_benchmark_results_without_the_repository_returns_none(tmp_path, capsys):
    # mclib installed from git on Colab: no benchmarks/ directory next to the package
    assert mc.plotting.benchmark_results("kron_matvec", directory=tmp_path / "missing") is None
    assert "in the book's repository" in capsys.readouterr().out
