"""What a reader, an instructor or a contributor relies on besides the book's content: the licences,
one version everywhere, the citation file, the locked installs, the checks `make` runs first.

The linters that check the same files from outside run in `make lint`: pyroma (package metadata
≥ 8/10), cffconvert --validate (CITATION.cff), check-jsonschema and zizmor (the workflows).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import mclib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_code_is_mit_and_text_is_cc_by_4():
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "Permission is hereby granted, free of charge" in mit
    assert re.search(r"^Copyright \(c\) \d{4} \S", mit, re.M)
    cc = (ROOT / "LICENSE-CC-BY-4.0").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in cc
    for section in range(1, 9):  # the legal code's eight sections, complete
        assert f"Section {section}" in cc, f"LICENSE-CC-BY-4.0 lacks Section {section}"
    assert PYPROJECT["project"]["license"] == "MIT" and "LICENSE" in PYPROJECT["project"]["license-files"]


def test_version_is_written_once_and_agrees_everywhere():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "mclib.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", mclib.__version__)
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == mclib.__version__, "CITATION.cff's version is not mclib.__version__"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(mclib.__version__)}\b", changelog, re.M), "no CHANGELOG entry"


def test_citation_names_licences_and_repository():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert set(citation["license"]) == {"CC-BY-4.0", "MIT"}
    assert citation["repository-code"] == config["repository"]["url"]
    assert citation["authors"] and citation["preferred-citation"]["type"] == "book"


@pytest.mark.site  # reads the built site: runs after make site, not with the unit tests
def test_site_footer_shows_the_edition():
    site = Path(os.environ.get("MCML_SITE", ROOT / "_build" / "html"))
    root = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]
    page = site / f"{root}.html"  # index.html only redirects there
    if not page.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{page} is not built", pytrace=False)
        pytest.skip(f"{page} is not built (make site)")
    text = page.read_text(encoding="utf-8")
    assert f"Edition {mclib.__version__}." in text and "CC BY 4.0" in text and "MIT" in text


def test_package_ships_its_type_marker_and_test_extra():
    assert (ROOT / "mclib" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["mclib"]
    extras = PYPROJECT["project"]["optional-dependencies"]
    names = {canonical(re.split(r"[<>=!~ \[]", r, maxsplit=1)[0]) for r in extras["test"]}
    assert {"pytest", "hypothesis", "pytest-xdist", "scipy"} <= names
    assert "torch" not in names and any(r.startswith("torch") for r in extras["torch"])
    assert [canonical(d.split(">")[0]) for d in PYPROJECT["project"]["dependencies"]] == ["numpy"]


def test_requires_python_is_the_lowest_python_of_the_pins():
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    assert PYPROJECT["tool"]["ruff"]["target-version"] == "py311"
    for path in ("README.md", "book/running-the-notebooks.md", "CONTRIBUTING.md"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not re.search(r"Python\s*(≥|>=)?\s*3\.10", text), f"{path} still says Python 3.10"
        assert re.search(r"Python (≥ |>= )?3\.11", text), f"{path} does not say Python 3.11"


def test_lock_pins_every_requirement_with_hashes():
    requirements = dict((canonical(n), v) for n, v in PIN.findall((ROOT / "requirements.txt").read_text()))
    lock_text = (ROOT / "requirements.lock").read_text()
    locked = dict((canonical(n), v) for n, v in PIN.findall(lock_text))
    assert "torch" in requirements and "torch" not in locked, "torch is installed apart (CPU build)"
    stale = {n: (v, locked.get(n)) for n, v in requirements.items() if n != "torch" and locked.get(n) != v}
    assert not stale, f"requirements.txt and requirements.lock disagree (run make lock): {stale}"
    assert {"sympy", "networkx", "filelock"} <= set(locked), "torch's dependencies are not locked"
    assert not [n for n in locked if n.startswith(("nvidia-", "triton", "cuda-"))], "CUDA packages locked"
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock_text.split("\n", 3)[3])
    unhashed = [e.split(" ")[0] for e in entries if "==" in e and "--hash=sha256:" not in e]
    assert not unhashed and len(entries) >= 150, f"entries without hashes: {unhashed}"


def _fake_python(tmp_path: Path, version: str) -> Path:
    """A `python` that reports `version` to scripts/check_prereqs.sh."""
    major, minor = (int(x) for x in version.split(".")[:2])
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\ncase \"$*\" in\n  *version_info*) exit {int((major, minor) < (3, 11))};;\n"
                    f"  *python_version*) echo {version};;\nesac\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return fake


def test_prerequisites_are_named_in_one_line(tmp_path):
    """make's first step: Python 3.10 and no node/npm on PATH are reported together, one line."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("bash", "sh"):
        (bindir / tool).symlink_to(f"/bin/{tool}")
    script = ROOT / "scripts" / "check_prereqs.sh"
    missing = subprocess.run(["/bin/bash", script, _fake_python(tmp_path, "3.10.12")],
                             capture_output=True, text=True, env={"PATH": str(bindir)}, timeout=60)
    assert missing.returncode == 1 and missing.stdout == ""
    lines = missing.stderr.strip().splitlines()
    assert len(lines) == 1, missing.stderr
    for what in ("Python >= 3.11 (", "is 3.10.12", "node not found", "npm not found"):
        assert what in lines[0], lines[0]
    present = subprocess.run(["/bin/bash", script, sys.executable], capture_output=True, text=True,
                             timeout=60)
    assert present.returncode == 0 and present.stderr == "", present.stderr


def test_make_checks_prerequisites_before_installing():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    stamp_rule = re.search(r"^\$\(STAMP\):([^\n]*)$", makefile, re.M)
    assert stamp_rule and re.search(r"\|\s*prereqs\b", stamp_rule.group(1)), "install must run prereqs first"
    assert "scripts/install_stack.sh" in makefile
