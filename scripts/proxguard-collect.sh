#!/bin/sh
# proxguard-collect.sh — gather the configuration ProxGuard audits into one tarball.
#
# Run as root on a Proxmox VE node:   sh proxguard-collect.sh [OUTPUT.tar.gz]
# Then drop the tarball into the ProxGuard page (it never leaves your machine) or run
#   proxguard audit OUTPUT.tar.gz
#
# What it reads is exactly the list in collect_configs below; it NEVER reads
# /etc/pve/priv/ (keys, token secrets, TFA secrets, passwords) or any SSH host key.
# Command outputs: `sshd -T` (effective sshd settings), `pveum user token list` per user
# (token ids, expiry, privsep — not secrets) and `pveversion`.
#
# PROXGUARD_ROOT (default /) lets you collect from a mounted image or a copy of a host.
set -eu

ROOT=${PROXGUARD_ROOT:-/}
ROOT=${ROOT%/}
HOSTNAME_=$(hostname 2>/dev/null || echo pve)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
NAME="proxguard-${HOSTNAME_}-${STAMP}"
OUT=${1:-"./${NAME}.tar.gz"}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/proxguard.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
DEST="$WORK/$NAME"
mkdir -p "$DEST/commands"
COUNT=0

# Refuse anything that looks like a secret, whatever a glob expands to.
is_secret() {
    case "$1" in
        */etc/pve/priv/*|*/ssh_host_*_key|*.pw|*.key|*.keyring|*.enc|*.pem) return 0 ;;
    esac
    return 1
}

# copy_file HOSTPATH: copy $ROOT/HOSTPATH into the tarball tree, if it is a regular file.
copy_file() {
    src="$ROOT$1"
    if is_secret "$src"; then
        echo "  skipped (secret): $1" >&2
        return 0
    fi
    [ -f "$src" ] || return 0
    [ -e "$DEST$1" ] && return 0  # already collected (cluster.fw matches two patterns)
    mkdir -p "$DEST$(dirname "$1")"
    cp "$src" "$DEST$1"
    COUNT=$((COUNT + 1))
    echo "  $1"
}

# copy_glob PATTERN: the files matching a shell glob under $ROOT (no match: nothing).
copy_glob() {
    for f in $ROOT$1; do
        [ -f "$f" ] || continue
        copy_file "${f#"$ROOT"}"
    done
}

collect_configs() {
    copy_file /etc/ssh/sshd_config
    copy_glob '/etc/ssh/sshd_config.d/*.conf'
    copy_file /etc/pve/firewall/cluster.fw
    copy_glob '/etc/pve/firewall/*.fw'
    copy_glob '/etc/pve/nodes/*/host.fw'
    copy_file /etc/pve/user.cfg
    copy_file /etc/pve/domains.cfg
    copy_file /etc/pve/storage.cfg
    copy_file /etc/pve/corosync.conf
    copy_glob '/etc/pve/nodes/*/lxc/*.conf'
    copy_glob '/etc/pve/nodes/*/qemu-server/*.conf'
}

# run_cmd OUTFILE CMD...: save a command's output; a missing command is noted, not fatal.
run_cmd() {
    out="$DEST/commands/$1"
    shift
    if command -v "$1" >/dev/null 2>&1; then
        mkdir -p "$(dirname "$out")"
        if "$@" >"$out" 2>/dev/null; then
            COUNT=$((COUNT + 1))
            echo "  commands/${out#"$DEST/commands/"}"
        else
            echo "  (failed: $*)" >&2
            rm -f "$out"
        fi
    else
        echo "  (not available: $1)" >&2
    fi
}

collect_commands() {
    run_cmd sshd-T.txt sshd -T
    run_cmd pveversion.txt pveversion
    # One listing per user: token ids, expiry and privilege separation (no secrets).
    if command -v pveum >/dev/null 2>&1; then
        users=$(pveum user list --output-format json 2>/dev/null \
            | tr ',' '\n' | sed -n 's/.*"userid":"\([^"]*\)".*/\1/p') || users=""
        for u in $users; do
            case "$u" in
                *[!A-Za-z0-9@._-]*) continue ;;  # never pass odd ids to a shell path
            esac
            run_cmd "pveum-user-token-list/$u.json" pveum user token list "$u" --output-format json
        done
    fi
}

echo "ProxGuard collector — reading configuration from ${ROOT:-/}"
collect_configs
if [ "${ROOT:-/}" = "/" ] || [ -n "${PROXGUARD_RUN_COMMANDS:-}" ]; then
    collect_commands
fi
tar -C "$WORK" -czf "$OUT" "$NAME"
echo "Collected $COUNT files into $OUT"
echo "It contains no secrets: /etc/pve/priv/ and SSH host keys are never read."
