"""Shared pieces of the firewall rules: the references (the anti-lockout preamble of their
scripts is the template firewall/_mgmt_preamble.sh.j2).

Enabling the firewall or tightening the input policy can cut the operator off the web UI
and SSH. Proxmox keeps 8006/22 open only for the `management` ipset and `local_network`
[formats.md §1.10], so every script first makes sure the address the operator is using
right now is accepted explicitly ("accepts before policies, policies before enabling").
"""

from __future__ import annotations

from proxguard.rule import Reference

PHG_ENABLE = Reference("PHG", "1.2.4", "Enable the PVE Firewall")
CISC8_FIREWALL = Reference("CIS Controls v8", "4.4",
                           "Implement and Manage a Firewall on Servers")
# The CIS default-deny controls want INPUT, FORWARD and OUTPUT to drop by default; the
# input-policy rules judge INPUT alone, so their CIS references are partial.
CIS_INPUT_POLICY_ONLY = ("the INPUT policy only; CIS also wants FORWARD and OUTPUT to default "
                         "to DROP (FORWARD: fw-forward-policy)")
PVE_FW_DOC = Reference("Proxmox VE Admin Guide", "pve-firewall",
                       "Proxmox VE Firewall")
