#!/usr/bin/env bash
# Create the course's virtual environment, or say exactly what is missing.
# Usage: tools/make_venv.sh PYTHON VENV_DIR
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}

if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: '$python' was not found. Install Python 3.10 or newer, or run: make PYTHON=/path/to/python3 ..." >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "error: the course needs Python >= 3.10; '$python' is $("$python" -V 2>&1)." >&2
    echo "       Install a newer Python, then run: make PYTHON=python3.11 ..." >&2
    exit 1
fi
if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    ver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    echo "error: '$python -m venv' failed. On Debian/Ubuntu the venv module is a separate package:" >&2
    echo "       sudo apt-get install -y python${ver}-venv" >&2
    exit 1
fi
echo "created $venv with $("$venv/bin/python" -V)"
