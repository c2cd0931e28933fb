#!/usr/bin/env bash
# Prove the intranet install: build the wheelhouse (network), then install the locked
# dependencies and Renda into a fresh venv from the wheelhouse alone — no index, no pip
# configuration, no find-links but wheelhouse/, hashes required — and run `manage.py check`.
#
#   scripts/check_wheelhouse.sh                 # with python3
#   PYTHON=python3.12 scripts/check_wheelhouse.sh
#   LOCK=requirements.lock scripts/check_wheelhouse.sh   # the runtime lock only
#
# Run by hand (not in .ci/run): it takes a few minutes. The wheelhouse must be built with
# the Python of the venv (binary wheels are per Python version).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
LOCK="${LOCK:-requirements-dev.lock}"
HOUSE="${WHEELHOUSE:-wheelhouse/$("$PYTHON" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')}"
start=$(date +%s)

if [ ! -f "$HOUSE/$LOCK" ]; then
  echo "== building $HOUSE/ with $PYTHON"
  scripts/build_wheelhouse.sh "$PYTHON" "$HOUSE"
fi
built=$(date +%s)

venv=$(mktemp -d)/venv
echo "== offline install into $venv"
"$PYTHON" -m venv "$venv"
# No pip configuration (no index, no extra find-links), no index at all: the wheelhouse only.
offline=(env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null
         "$venv/bin/python" -m pip install --quiet --no-index --find-links "$HOUSE")
"${offline[@]}" --upgrade pip
"${offline[@]}" --require-hashes -r "$HOUSE/$LOCK"
"${offline[@]}" --no-deps -e .
echo "== checks"
"$venv/bin/python" -m pip check
RENDA_VAR_DIR="$(dirname "$venv")/var" "$venv/bin/python" manage.py check
"$venv/bin/python" -c "import jieba, django, celery, storages, alibabacloud_dysmsapi20170525, tencentcloud.sms; print('imports ok, Django', django.get_version())"
"$venv/bin/python" --version
end=$(date +%s)
echo "== wheelhouse ready in $((built - start)) s; offline install and checks in $((end - built)) s"
rm -rf "$(dirname "$venv")"
