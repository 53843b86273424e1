#!/usr/bin/env bash
# What `make` needs from the machine, checked before anything is installed; one line names all that
# is missing. Usage: scripts/check_prereqs.sh PYTHON (the interpreter that creates .venv, or .venv's).
set -uo pipefail
python=${1:-python3}
missing=()
if ! command -v "$python" >/dev/null 2>&1; then
  missing+=("Python >= 3.11 ($python not found)")
elif ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  missing+=("Python >= 3.11 ($python is $("$python" -c 'import platform; print(platform.python_version())' 2>&1))")
elif ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  missing+=("Python's venv module (Debian: apt-get install python3-venv)")
fi
if ! command -v node >/dev/null 2>&1; then
  missing+=("Node.js >= 18 (node not found)")
elif ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' 2>/dev/null; then
  missing+=("Node.js >= 18 (node is $(node --version 2>&1))")
fi
command -v npm >/dev/null 2>&1 || missing+=("npm (npm not found)")
if ((${#missing[@]})); then
  joined=$(printf '; %s' "${missing[@]}")
  echo "make: missing ${joined:2} (Debian: apt-get install python3 python3-venv nodejs npm)" >&2
  exit 1
fi
