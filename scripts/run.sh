#!/usr/bin/env bash
# Sets up, builds the static site (with the built-in demo configs) and serves it locally.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec python3 build.py --serve "$@"
