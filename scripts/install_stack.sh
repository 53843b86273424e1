#!/usr/bin/env bash
# Install the book's locked stack into the Python environment of $1 (default: python3):
#   1. requirements.lock: every package of requirements.txt and of its dependencies, pinned with
#      hashes (make lock writes it), except torch;
#   2. torch, the version pinned in requirements.txt, as PyTorch's CPU build (PyPI's Linux wheel is
#      the CUDA build: a 527 MB wheel plus 18 NVIDIA packages). Its dependencies are in the lock.
#      A wheel that pip finds without an index (a wheelhouse in pip's configuration, or the installed
#      torch) is taken as it is; otherwise PyTorch's CPU index (TORCH_INDEX) is asked, and only for
#      torch, so an unreachable index costs one lookup, not one per package;
#   3. mclib itself, editable (pip install -e .), without dependencies.
# Used by `make install` (into .venv) and by Binder (binder/postBuild).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python3}
torch_index=${TORCH_INDEX:-https://download.pytorch.org/whl/cpu}
pip=("$python" -m pip install --quiet --disable-pip-version-check)

"${pip[@]}" --require-hashes -r requirements.lock
torch=$(grep -E '^torch==' requirements.txt)
"${pip[@]}" --no-deps --no-index "$torch" 2>/dev/null \
  || "${pip[@]}" --no-deps --index-url "$torch_index" "$torch"
"${pip[@]}" --no-deps -e .
