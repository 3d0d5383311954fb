"""fw-management-exposed: an ACCEPT rule opens PVE management ports to any source."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.rule import Params, Remediation, Rule, Severity, TargetResult, Tuning, failed, passed
from proxguard.rules.firewall._analysis import conflicts, facts, firewall_on, host_rules
from proxguard.rules.firewall._common import PHG_ENABLE, PVE_FW_DOC


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg = host.firewall
    if not firewall_on(host):
        return []
    found = conflicts(cfg, "management-exposed")
    out = []
    for r in host_rules(cfg, "in"):
        if r.action != "ACCEPT":
            continue
        c = found.get(r.id)
        if c is None:
            out.append(passed(r.id, f"{r.raw.strip()} ({r.where}) admits no public source to "
                              "tcp 22, 3128, 5900-5999 or 8006", r.file, r.line, **facts(r)))
        else:
            out.append(failed(r.id, c["message"], r.file, r.line, **facts(r)))
    return out


DOCS = """\
**What is checked.** Enforced inbound ACCEPT rules of cluster.fw, host.fw and the security
groups they use, in the node's chain order.

**How the verdict is decided.** A rule fails when it is the first rule to accept some
packet from a public address (outside RFC 1918, loopback, link-local, CGNAT and IPv6
ULA/link-local) to tcp 8006 (web UI/API), 22 (SSH), 3128 (SPICE proxy) or 5900-5999
(VNC consoles). Macros (SSH, PMG, SPICEproxy, VNC…), aliases and ipsets are expanded; an
accept-all rule without protocol or port counts. The example packet is confirmed with a
first-match evaluator. Not applicable while the cluster firewall is off.

**Why.** These services authenticate users with passwords; exposing them to the
internet invites brute force and exploitation of any pre-authentication bug. Proxmox
already admits the `management` ipset and `local_network` on these ports.
"""

TEMPLATE = r"""#!/usr/bin/env bash
# ProxGuard remediation: fw-management-exposed, {{ facts.rule_id }} ({{ facts.where }})
#   {{ facts.raw }}
# What it changes: restricts the rule to sources in the cluster `management` ipset
#   (`--source +management`) with pvesh. Make sure your own address is in that ipset
#   (Datacenter > Firewall > IPSet) before running it.
# Disruption: sources outside the management ipset lose access through this rule at
#   once (existing connections stay up).
# Undo: pvesh set {{ facts.api_path or 'the rule (GUI: its Firewall tab)' }} --delete source,
#   or restore the saved copy of the file.
set -eu
{% if facts.api_path %}
RULE_PATH={{ facts.api_path | shquote }}
RULE_FILE="${PROXGUARD_ROOT:-}/"{{ facts.rule_file | shquote }}
BACKUP_DIR="${PROXGUARD_ROOT:-}/root/proxguard-backup"
CURRENT="$(pvesh get "$RULE_PATH" --output-format json)"
# Positions shift when rules are added above; act only on the rule that was audited.
if ! printf '%s' "$CURRENT" | grep -Eq '"action" *: *"{{ facts.action }}"'{% if facts.macro %} \
    || ! printf '%s' "$CURRENT" | grep -Eq '"macro" *: *"{{ facts.macro }}"'{% elif facts.dport %} \
    || ! printf '%s' "$CURRENT" | grep -Fq {{ ('"' ~ facts.dport ~ '"') | shquote }}{% endif %}; then
    echo "The rule at $RULE_PATH is no longer the audited one; re-run the audit." >&2
    echo "Audited: "{{ facts.raw | shquote }} >&2
    exit 1
fi
if printf '%s' "$CURRENT" | grep -Eq '"source" *: *"\+management"'; then
    echo "Rule already restricted to +management; nothing to do."
    exit 0
fi
if ! pvesh get /cluster/firewall/ipset/management --output-format json | grep -q cidr; then
    echo "The management ipset is empty or missing; add your admin networks first." >&2
    exit 1
fi
mkdir -p "$BACKUP_DIR"
cp -p "$RULE_FILE" "$BACKUP_DIR/$(basename "$RULE_FILE").$(date +%Y%m%d%H%M%S)"
pvesh set "$RULE_PATH" --source +management
echo "Restricted $RULE_PATH to +management (previous file saved in $BACKUP_DIR)."
{% else %}
# This rule lives in a file whose API path needs the node name; in the GUI open the
# node's Firewall tab, edit the rule and set Source to +management.
echo "Edit {{ facts.rule_id }} in the GUI: set Source to +management."
{% endif %}
"""

RULE = Rule(
    id="fw-management-exposed",
    title="Management ports reachable from any source",
    category="firewall",
    references=(PHG_ENABLE, PVE_FW_DOC),
    inputs=("firewall",),
    rationale="The web UI/API, SSH, SPICE and VNC consoles should only be reachable from "
              "trusted management networks.",
    docs=DOCS,
    remediation=Remediation(summary="Restrict the rule with `-source +management` or a "
                            "trusted CIDR.", template=TEMPLATE),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
