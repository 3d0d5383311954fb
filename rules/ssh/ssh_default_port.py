"""ssh-default-port: sshd listens on port 22."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import SshdConfig
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
)
from proxguard.rules.ssh._sshd import PRELUDE, loc, notes


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg: SshdConfig = host.sshd
    ports = cfg.ports()
    listed = ", ".join(
        f"{p} ({'default, no Port line' if s.default else f'{s.keyword} at {s.file}:{s.line}'})"
        for p, s in ports)
    on22 = [(p, s) for p, s in ports if p == 22]
    others = [p for p, _ in ports if p != 22]
    if on22:
        s = on22[0][1]
        port_lines = [f"{o.setting.file}:{o.setting.line}" for o in cfg.occurrences
                      if o.setting.keyword == "Port" and o.setting.value == "22"]
        return [failed("host", f"sshd listens on port 22: {listed}{notes(cfg)}",
                       *loc(cfg, s), new_port=others[0] if others else params["suggested_port"],
                       port22_lines=port_lines)]
    s = ports[0][1]
    return [passed("host", f"sshd listens on {listed}{notes(cfg)}", *loc(cfg, s))]


DOCS = """\
**What is checked.** The ports sshd listens on: every `Port` line read at start-up (they
accumulate; none means 22), and `ListenAddress host:port`, which pins its own port
(a `ListenAddress` without a port listens on every `Port`). With `sshd -T` output the
printed `listenaddress`/`port` lines are used.

**How the verdict is decided.** `host` fails when 22 is among the ports, including the
default when no `Port` line exists. compat keeps the incumbent's medium severity; extended
reports it as info, because a moved port only cuts log noise and PVE clusters rely on 22.

**Why.** Port 22 receives constant automated scanning; moving it reduces noise, not risk.
On a Proxmox cluster the nodes reach each other as `root@<node>` on port 22 (migration,
replication, `pvecm`), so moving the port needs matching `~/.ssh/config` entries on every
node and a firewall rule first.
"""

TEMPLATE = """\
#!/usr/bin/env bash
# ProxGuard remediation: ssh-default-port (move sshd to port {{ facts.new_port }})
# What it changes: writes `Port {{ facts.new_port }}` first in /etc/ssh/sshd_config.d/00-proxguard.conf
#   and comments out `Port 22` lines ({{ facts.port22_lines | join(', ') or 'none found' }});
#   Port lines add up, so a remaining `Port 22` would keep 22 open. A `ListenAddress host:22`
#   pins port 22 by itself, so it is rewritten to `host:{{ facts.new_port }}`.
# Disruption: HIGH. New SSH connections must use port {{ facts.new_port }}. BEFORE running:
#   1. allow TCP {{ facts.new_port }} in the PVE firewall (Datacenter/Node > Firewall) and any upstream one;
#   2. on a PVE cluster, nodes talk SSH to each other on port 22 (migration, replication,
#      pvecm): add `Host <each node>` + `Port {{ facts.new_port }}` to /root/.ssh/config on EVERY
#      node first, or leave this host on 22;
#   3. keep a console (IPMI / the PVE web shell) open in case you lock yourself out.
# Runs only with PROXGUARD_CONFIRM=1.
# Undo: restore the .bak copies made next to each edited file, then
#   `sshd -t && systemctl reload ssh`. Under PROXGUARD_ROOT the files are validated but
#   sshd is not reloaded unless PROXGUARD_RELOAD=1.
set -eu

""" + PRELUDE + """

NEW_PORT={{ facts.new_port }}
# `Port 22` / `Port=22`, and `ListenAddress host:22` / `[v6]:22` (a bare IPv6 address has
# no port: sshd needs brackets for one)
PORT22='^[[:space:]]*Port([[:space:]]+|[[:space:]]*=[[:space:]]*)22[[:space:]]*$'
LISTEN22='^([[:space:]]*ListenAddress([[:space:]]+|[[:space:]]*=[[:space:]]*)(\\[[^]]*\\]|[^:[:space:]]+)):22([[:space:]].*)?$'
PORTNEW="^[[:space:]]*Port([[:space:]]+|[[:space:]]*=[[:space:]]*)${NEW_PORT}[[:space:]]*$"
on_22() {
    for f in "$MAIN" "$DROPINS"/*.conf; do
        [ -f "$f" ] || continue
        if grep -Eiq -e "$PORT22" -e "$LISTEN22" "$f"; then return 0; fi
    done
    return 1
}
has_new_port() {
    for f in "$MAIN" "$DROPINS"/*.conf; do
        if [ -f "$f" ] && grep -Eiq "$PORTNEW" "$f"; then return 0; fi
    done
    return 1
}
if include_ok && ! on_22 && has_new_port; then
    echo "sshd is already set to port $NEW_PORT with no Port 22 / ListenAddress :22 line; nothing to do."
    exit 0
fi
if [ "${PROXGUARD_CONFIRM:-0}" != "1" ]; then
    echo "Read the header first, then re-run with PROXGUARD_CONFIRM=1."
    exit 0
fi

ensure_include
for f in "$MAIN" "$DROPINS"/*.conf; do
    [ -f "$f" ] || continue
    if grep -Eiq "$PORT22" "$f"; then
        backup "$f"
        sed -i -E "s/($PORT22)/# disabled by proxguard: \\\\1/I" "$f"
    fi
    if grep -Eiq "$LISTEN22" "$f"; then
        backup "$f"
        sed -i -E "s/$LISTEN22/\\\\1:${NEW_PORT}\\\\4/I" "$f"
    fi
done
# a Port line for the new port may already exist (in any file): Port lines add up
if ! has_new_port; then
    prepend_dropin "Port ${NEW_PORT}" "Port"
fi
validate_and_reload "port listenaddress"
"""

RULE = Rule(
    id="ssh-default-port",
    title="SSH on the default port 22",
    category="ssh",
    references=(
        Reference("Lynis", "SSH-7408", "SSH option Port (suggestion)"),
        Reference("PVE", "pvecm", "Cluster nodes use SSH on port 22"),
    ),
    inputs=("sshd",),
    rationale="Port 22 draws constant automated scanning; a different port reduces log "
              "noise but is not an access control.",
    docs=DOCS,
    remediation=Remediation(
        summary="Only if the firewall allows the new port and (on clusters) every node's "
                "/root/.ssh/config knows it: set `Port <n>` and remove `Port 22`.",
        template=TEMPLATE),
    check=_check,
    profiles={
        "compat": Tuning(Severity.MEDIUM, {"suggested_port": 2222}),
        "extended": Tuning(Severity.INFO, {"suggested_port": 2222}),
    },
)
