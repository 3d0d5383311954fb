#!/usr/bin/env bash
# Release build, the same locally and in CI: builds dist/site/ and dist/proxguard.html
# twice from clean (fresh bytecode store each time), fails if the two builds differ by a
# single byte, then writes the verified build with dist/SHA256SUMS and
# dist/proxguard-site.tar.gz. Check the result with: (cd dist && sha256sum -c SHA256SUMS)
#
#   bash scripts/release.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 build.py --release "$@"
