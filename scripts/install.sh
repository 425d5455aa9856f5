#!/usr/bin/env bash
# Create .venv and install the pinned requirements into it. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
# The machine's pip configuration lists local package folders, some of which
# are empty; pip warns about each one on every run, which hides real errors.
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt \
    2> >(grep -v "is neither a file nor a directory" >&2)
