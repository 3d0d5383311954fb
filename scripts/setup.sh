#!/usr/bin/env bash
# Installs everything ProxGuard's build and tests need on a fresh Debian machine:
# Debian packages (chromium for browser tests, shellcheck for remediation scripts,
# openssh-server as the sshd oracle, nodejs/npm for the Pyodide build, strace to prove
# what the collector opens) and the Python
# package with its test extra. Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v strace >/dev/null 2>&1 || need_apt+=(strace)  # the collector's open() trace test
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    else
        echo "setup: please install these Debian packages: ${need_apt[*]}" >&2
        exit 1
    fi
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test]"
