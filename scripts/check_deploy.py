"""Before the site is published (.github/workflows/deploy.yml): are its buttons and install cells right?

    python scripts/check_deploy.py [--repository OWNER/NAME] [--no-tag]

1. The repository setting in _config.yml (behind the repository, issues, Colab and Binder buttons
   and the install line) is the repository being deployed (GITHUB_REPOSITORY in Actions): a fork
   that forgot to change it would publish buttons that open the original.
2. The release tag that every chapter's install cell pins, v<version> (mclib/__init__.py), exists
   in that repository (git ls-remote): otherwise a chapter opened on Colab fails at its first cell.

Exits 1 naming what is wrong.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))

from book_meta import book_version, release_tag  # noqa: E402


def configured_repository() -> str:
    """The repository URL of _config.yml, without a trailing slash or .git."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/").removesuffix(".git")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repository", default=os.environ.get("GITHUB_REPOSITORY"),
                        help="owner/name being deployed (default: $GITHUB_REPOSITORY)")
    parser.add_argument("--no-tag", action="store_true", help="skip the release tag check")
    args = parser.parse_args(argv)
    url = configured_repository()
    problems = []
    if args.repository:
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        deployed = f"{server}/{args.repository}"
        if url.lower() != deployed.lower():
            problems.append(f"_config.yml's repository url is {url}, but this is {deployed}: "
                            "change `repository: url:` so that the buttons open this repository")
    if not args.no_tag:
        tag = release_tag(book_version())
        found = subprocess.run(["git", "ls-remote", "--exit-code", "--tags", url, f"refs/tags/{tag}"],
                               capture_output=True, text=True, timeout=120)
        if found.returncode != 0:
            problems.append(f"{url} has no tag {tag}: the chapters' install cells pin it (tag the "
                            f"release, CONTRIBUTING.md 'Versions and releases'); {found.stderr.strip()}")
    for problem in problems:
        print(f"check_deploy: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_deploy: {url} at {release_tag(book_version())}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
