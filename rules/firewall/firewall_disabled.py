"""firewall-disabled: the cluster-wide firewall master switch is off."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.firewall import FirewallConfig
from proxguard.model.host import Host
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
from proxguard.rules.firewall._common import (
    CISC8_FIREWALL,
    PHG_ENABLE,
    PVE_FW_DOC,
)
from proxguard.rules.firewall._node_switch import node_targets


def _ignored_enable_line(host: Host, file: str) -> tuple[int, str] | None:
    """An `enable` line (or CRLF-broken [OPTIONS] header) Proxmox skipped: the operator
    believes the firewall is on, so the evidence must point at that line."""
    for d in host.diagnostics:
        if d.file == file and (d.message.startswith("'enable:") or "carriage return" in d.message):
            return d.line, d.message.split(";")[0]
    return None


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg: FirewallConfig = host.firewall
    return [_cluster_target(host, cfg), *node_targets(cfg)]


def _cluster_target(host: Host, cfg: FirewallConfig) -> TargetResult:
    on, s = cfg.cluster_enabled()
    file = s.file
    if s.line:
        shown = f"enable: {s.value} ({s.where()})"
    elif cfg.cluster_absent:
        shown = (f"{file} does not exist on the host (collector manifest); pve-firewall "
                 "reads a missing file as empty, so enable is 0")
    else:
        shown = f"enable not set in {file} (default 0)"
    note = f"; {s.note}" if s.note else ""
    if on:
        return passed("host", f"{shown}: the cluster firewall is on{note}", file, s.line,
                      enable=s.value, node="")
    ignored = _ignored_enable_line(host, file) if not s.line else None
    if ignored is not None:
        note += f"; line {ignored[0]} is ignored by Proxmox ({ignored[1]})"
    evidence = f"{shown}: the cluster firewall is off, so no host or guest rule is " \
               f"enforced{note}"
    line = s.line or (ignored[0] if ignored else 0)
    return failed("host", evidence, file, line, enable=s.value, node="")


DOCS = """\
**What is checked.** The `enable` option in `[OPTIONS]` of `/etc/pve/firewall/cluster.fw`,
read as the iptables `pve-firewall` daemon reads it.

**How the verdict is decided.** Passes when `enable` is `1`. Fails when it is absent
(default 0), `0`, or a line Proxmox ignores: `enable: 1 # comment` (no trailing comment
on option lines), `enable: yes`/`true` (iptables parser takes integers only), or an
`[OPTIONS]` header broken by a CRLF line ending. A value above 1 is the API's
enable-with-rollback timestamp: `pve-firewall` honours it only for 60 s after it was
written and then treats it as 0; an offline audit cannot know whether it is still fresh,
so it is reported as off, with a warning. Not evaluated when cluster.fw is not supplied.

**Per node.** Every supplied host.fw also gets a target `node/<name>`. A node whose
host.fw says `enable: 0` has no host firewall at all: pve-firewall builds the host
chains only when host `enable` is not 0 (Firewall.pm `compile_iptables_filter`:
`$hostfw_enable`), proxmox-firewall only when `Config::is_enabled` of host.rs is true
(default true). That target fails — **critical** when the cluster firewall is on (the
node silently opts out), high while it is off — and the fw-* rules treat that node's
chains as inactive. A node running the nftables backend (`nftables: 1`) reads the cluster
switch with proxmox-serde's boolean words (`yes`/`true`/`on` are on, see
docs/firewall.md); when that reading differs from the `host` target's, the node target
says so.

**Missing cluster.fw.** With a collector manifest (`proxguard-manifest.json`) saying
`etc/pve/firewall/cluster.fw` is absent, the file is read as empty, as pve-firewall does,
and the rule fails ("the firewall is completely disabled by default"). Pasted files
without a manifest prove nothing about a missing file: not assessed.

**Why.** The cluster switch is the master switch: while it is off, nothing is compiled,
neither host rules nor guest rules, whatever `host.fw` and `<vmid>.fw` say. Proxmox
ships with it off.
"""


RULE = Rule(
    id="firewall-disabled",
    title="Cluster firewall not enabled",
    category="firewall",
    references=(
        PHG_ENABLE,
        Reference("CIS Debian 12 v1.1.0", "4.1.1",
                  "Ensure a single firewall configuration utility is in use",
                  partial="analog: the Proxmox firewall is the host's firewall utility; "
                          "this rule checks that it is switched on, not which utilities "
                          "are installed"),
        Reference("CIS Debian 11 v1.0.0", "3.5.2.9", "Ensure nftables service is enabled",
                  partial="analog: Debian 11 has no single-utility control; the Proxmox "
                          "firewall service stands in for the nftables service"),
        CISC8_FIREWALL,
        PVE_FW_DOC,
    ),
    inputs=("firewall.cluster",),
    rationale="With the cluster firewall off, Proxmox compiles no firewall rule at all: every "
              "service on every node and guest is reachable from any network.",
    docs=DOCS,
    remediation=Remediation(
        summary="Add ACCEPT rules for your management addresses, keep policy_in DROP, then "
                "`pvesh set /cluster/firewall/options --enable 1`.",
        template="firewall/firewall_disabled.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.CRITICAL),
        "extended": Tuning(Severity.CRITICAL),
    },
)
