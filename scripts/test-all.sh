#!/usr/bin/env bash
# Sets up and runs every test: lint, unit/property/fixture tests, the sshd differential
# suite, the site build and the browser tests. Exits non-zero on any failure, and on a
# run that collected no test at all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
python3 -m ruff check .
lint-imports --no-cache
python3 build.py
python3 -m pytest -q -p no:cacheprovider "$@"
