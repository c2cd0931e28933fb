#!/usr/bin/env bash
# Build the wheelhouse of one Python version (network needed): every package of both locks
# as a wheel, downloads checked against the locks' hashes, source-only packages built into
# wheels here, and the wheelhouse's own locks with those wheels' hashes added
# (scripts/wheelhouse_locks.py). `make wheelhouse` runs it.
#
#   scripts/build_wheelhouse.sh PYTHON WHEELHOUSE
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="$1"
HOUSE="$2"
builder=$(mktemp -d)
trap 'rm -rf "$builder"' EXIT
# A venv of that very Python: wheels are built for it, whatever .venv/ runs.
"$PYTHON" -m venv "$builder/venv"
"$builder/venv/bin/python" -m pip install --quiet --upgrade pip
"$builder/venv/bin/python" -m pip wheel --quiet --wheel-dir "$HOUSE" -r requirements-dev.lock
"$builder/venv/bin/python" -m pip wheel --quiet --wheel-dir "$HOUSE" -r requirements.lock
"$builder/venv/bin/python" scripts/wheelhouse_locks.py "$HOUSE" requirements.lock requirements-dev.lock
