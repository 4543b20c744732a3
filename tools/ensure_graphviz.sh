#!/usr/bin/env bash
# Make sure Graphviz's `dot` binary is on PATH (notebook 04 draws graphs with it).
# The `graphviz` pip package is only the Python bindings; the binary comes from
# the system.  As root on Debian/Ubuntu we install it; otherwise we print the
# exact command for this platform and stop.
set -euo pipefail
command -v dot >/dev/null 2>&1 && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Graphviz's dot is missing: installing it with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq graphviz >/dev/null
    command -v dot >/dev/null 2>&1 && { echo "installed: $(dot -V 2>&1)"; exit 0; }
fi

echo "error: Graphviz's 'dot' program is not installed (notebook 04 needs it). Install it with:" >&2
if [ -n "${CONDA_PREFIX:-}" ]; then
    echo "    conda install -c conda-forge graphviz" >&2
elif [ "$(uname -s)" = Darwin ]; then
    echo "    brew install graphviz" >&2
elif command -v apt-get >/dev/null 2>&1; then
    echo "    sudo apt-get install -y graphviz" >&2
elif command -v dnf >/dev/null 2>&1; then
    echo "    sudo dnf install -y graphviz" >&2
else
    echo "    your system's package manager (package 'graphviz'), see https://graphviz.org/download/" >&2
fi
echo "then run the make command again." >&2
exit 1
