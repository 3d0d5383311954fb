#!/bin/sh
# proxguard-collect.sh — gather the configuration ProxGuard audits into one tarball.
#
# Run as root on a Proxmox VE node:   sh proxguard-collect.sh [OUTPUT.tar.gz]
# Then drop the tarball into the ProxGuard page (it never leaves your machine) or run
#   proxguard audit OUTPUT.tar.gz
#
# What it reads is exactly SOURCE_PATHS below, generated from ProxGuard's list of sources
# (proxguard/inputs/sources.txt). Every path is resolved (readlink -f) first and refused
# when it resolves into /etc/pve/priv/ (keys, token secrets, TFA secrets, passwords), to
# an SSH host key, to /etc/shadow or /etc/gshadow, outside the root, or to a path that is
# not itself in the list; only regular files are copied. The read-only commands of the
# list run only on the live root (or with PROXGUARD_RUN_COMMANDS=1), each with a timeout.
# proxguard-manifest.json at the top of the tarball records, for every path and glob
# looked for, present/absent/unreadable/refused, and for every command ok/missing/failed.
#
# PROXGUARD_ROOT (default /) lets you collect from a mounted image or a copy of a host.
set -eu

ROOT=${PROXGUARD_ROOT:-/}
ROOT=${ROOT%/}
NL='
'
HOSTNAME_=$(hostname 2>/dev/null || echo pve)
HOSTNAME_=$(printf '%s' "$HOSTNAME_" | tr -c 'A-Za-z0-9._-' '_')
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
NAME="proxguard-${HOSTNAME_}-${STAMP}"
OUT=${1:-"./${NAME}.tar.gz"}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/proxguard.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
DEST="$WORK/$NAME"
mkdir -p "$DEST/commands"
PATHS_JSON="$WORK/paths"
CMDS_JSON="$WORK/commands"
: >"$PATHS_JSON"
: >"$CMDS_JSON"
COUNT=0
PVE_USERS=""

# BEGIN GENERATED SOURCES (python3 -m proxguard.inputs.sources --shell; from proxguard/inputs/sources.txt;
# do not edit here: tests/test_sources.py fails when this block and the list differ)
SOURCE_PATHS='etc/ssh/sshd_config
etc/ssh/sshd_config.d/*.conf
etc/pve/firewall/cluster.fw
etc/pve/firewall/*.fw
etc/pve/nodes/*/host.fw
etc/pve/user.cfg
etc/pve/domains.cfg
etc/pve/storage.cfg
etc/pve/datacenter.cfg
etc/pve/corosync.conf
etc/pve/jobs.cfg
etc/pve/nodes/*/lxc/*.conf
etc/pve/nodes/*/qemu-server/*.conf
etc/default/pveproxy
etc/apt/sources.list
etc/apt/sources.list.d/*.list
etc/apt/sources.list.d/*.sources
etc/group'

collect_listed_commands() {
    run_cmd sshd-T.txt sshd -T
    run_cmd pveversion.txt pveversion
    run_cmd pve-firewall-status.txt pve-firewall status
    run_cmd iptables-save.txt iptables-save
    run_cmd ip6tables-save.txt ip6tables-save
    run_cmd nft-list-ruleset.txt nft list ruleset
    run_cmd free-b.txt free -b
    run_cmd pct-list.txt pct list
    run_cmd qm-list.txt qm list
    run_cmd hostname.txt hostname
    for u in $PVE_USERS; do
        run_cmd pveum-user-token-list/"$u".json pveum user token list "$u" --output-format json
    done
}
# END GENERATED SOURCES

# json_key TEXT: TEXT as a JSON string body; a character outside the safe set becomes ?
# (names on a Proxmox node never need one; a hostile name cannot break the JSON).
json_key() {
    printf '%s' "$1" | tr -c 'A-Za-z0-9._@/+*?[]!-' '?'
}

# record FILE KEY STATUS: one "key": "status" entry of the manifest.
record() {
    printf '"%s": "%s"\n' "$(json_key "$2")" "$3" >>"$1"
}

# Secrets are refused by name whatever a glob or a link leads to.
is_secret() {
    case "$1" in
        etc/pve/priv|etc/pve/priv/*|*/ssh_host_*|ssh_host_*|etc/shadow|etc/shadow-|etc/gshadow|etc/gshadow-) return 0 ;;
        *.pw|*.key|*.keyring|*.enc|*.pem) return 0 ;;
    esac
    return 1
}

# slashes TEXT: how many "/" it holds (a glob's * never crosses one).
slashes() {
    printf '%s' "$1" | tr -cd / | wc -c
}

# is_listed REL: REL matches one of SOURCE_PATHS (same depth, so * stays in one name).
is_listed() {
    depth=$(slashes "$1")
    listed_ifs=$IFS
    IFS=$NL
    for listed_pat in $SOURCE_PATHS; do
        # shellcheck disable=SC2254  # $listed_pat is a glob on purpose
        case "$1" in
            $listed_pat)
                if [ "$(slashes "$listed_pat")" -eq "$depth" ]; then
                    IFS=$listed_ifs
                    return 0
                fi ;;
        esac
    done
    IFS=$listed_ifs
    return 1
}

# copy_one REL: resolve $ROOT/REL, refuse secrets, links out of the list, non-files.
copy_one() {
    rel=$1
    src="$ROOT/$rel"
    shown=$(json_key "$rel")  # printable: a hostile name cannot write to the terminal
    if is_secret "$rel"; then
        record "$PATHS_JSON" "$rel" refused
        echo "  refused (secret): $shown" >&2
        return 0
    fi
    real=$(readlink -f -- "$src" 2>/dev/null) || real=""
    case "$real" in
        "$ROOT_REAL"/*) real_rel=${real#"$ROOT_REAL"/} ;;
        *) real_rel="" ;;
    esac
    if [ -z "$real" ] || { [ -L "$src" ] && [ ! -e "$src" ]; }; then
        record "$PATHS_JSON" "$rel" absent
        echo "  absent (dangling link): $shown" >&2
        return 0
    fi
    if [ -z "$real_rel" ] || is_secret "$real_rel" || ! is_listed "$real_rel"; then
        record "$PATHS_JSON" "$rel" refused
        echo "  refused (leads outside the list of sources): $shown" >&2
        return 0
    fi
    if [ ! -f "$real" ]; then
        record "$PATHS_JSON" "$rel" refused
        echo "  refused (not a regular file): $shown" >&2
        return 0
    fi
    if [ ! -r "$real" ]; then
        record "$PATHS_JSON" "$rel" unreadable
        return 0
    fi
    [ -e "$DEST/$rel" ] && return 0  # already collected (cluster.fw matches two entries)
    mkdir -p "$DEST/$(dirname -- "$rel")"
    if cp -- "$real" "$DEST/$rel" 2>/dev/null; then
        record "$PATHS_JSON" "$rel" present
        COUNT=$((COUNT + 1))
        echo "  $shown"
    else
        record "$PATHS_JSON" "$rel" unreadable
    fi
}

collect_paths() {
    paths_ifs=$IFS
    IFS=$NL
    for pat in $SOURCE_PATHS; do
        found=""
        for f in "$ROOT"/$pat; do
            if [ -e "$f" ] || [ -L "$f" ]; then
                found=1
                copy_one "${f#"$ROOT"/}"
            fi
        done
        [ -n "$found" ] || record "$PATHS_JSON" "$pat" absent
    done
    IFS=$paths_ifs
}

# run_cmd OUTFILE CMD...: save a read-only command's output, with a timeout.
run_cmd() {
    name=$1
    out="$DEST/commands/$name"
    shift
    if ! command -v "$1" >/dev/null 2>&1; then
        record "$CMDS_JSON" "$name" missing
        echo "  (not available: $1)" >&2
        return 0
    fi
    mkdir -p "$(dirname -- "$out")"
    if command -v timeout >/dev/null 2>&1; then
        set -- timeout 60 "$@"
    fi
    if "$@" </dev/null >"$out" 2>/dev/null; then
        record "$CMDS_JSON" "$name" ok
        COUNT=$((COUNT + 1))
        echo "  commands/$name"
    else
        record "$CMDS_JSON" "$name" failed
        echo "  (failed: $*)" >&2
        rm -f -- "$out"
    fi
}

# The users whose API tokens are listed (ids only; odd ids are never passed on).
pve_users() {
    command -v pveum >/dev/null 2>&1 || return 0
    pveum user list --output-format json 2>/dev/null </dev/null \
        | tr ',' '\n' | sed -n 's/.*"userid":"\([^"]*\)".*/\1/p' \
        | grep -E '^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+$' || true
}

# manifest_object FILE: the entries of FILE as one JSON object.
manifest_object() {
    printf '{'
    sep=""
    while IFS= read -r line; do
        printf '%s%s' "$sep" "$line"
        sep=", "
    done <"$1"
    printf '}'
}

write_manifest() {
    {
        printf '{"schema": "proxguard-manifest/1", "collected_at": %s, ' "$(date +%s)"
        printf '"hostname": "%s", "paths": ' "$(json_key "$HOSTNAME_")"
        manifest_object "$PATHS_JSON"
        printf ', "commands": '
        manifest_object "$CMDS_JSON"
        printf '}\n'
    } >"$DEST/proxguard-manifest.json"
    COUNT=$((COUNT + 1))
}

echo "ProxGuard collector — reading configuration from ${ROOT:-/}"
ROOT_REAL=$(readlink -f -- "${ROOT:-/}")
ROOT_REAL=${ROOT_REAL%/}
collect_paths
if [ "${ROOT:-/}" = "/" ] || [ -n "${PROXGUARD_RUN_COMMANDS:-}" ]; then
    PVE_USERS=$(pve_users)
    collect_listed_commands
fi
write_manifest
tar -C "$WORK" -czf "$OUT" "$NAME"
echo "Collected $COUNT files into $OUT"
echo "It contains no secrets: /etc/pve/priv/, SSH host keys and /etc/shadow are never read."
