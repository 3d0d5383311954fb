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
from proxguard.rules.ssh._sshd import loc, notes


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
        template="ssh/ssh_default_port.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.MEDIUM, {"suggested_port": 2222}),
        "extended": Tuning(Severity.INFO, {"suggested_port": 2222}),
    },
)
