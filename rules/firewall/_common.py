"""Shared pieces of the firewall rules: the references and the anti-lockout preamble.

Enabling the firewall or tightening the input policy can cut the operator off the web UI
and SSH. Proxmox keeps 8006/22 open only for the `management` ipset and `local_network`
[formats.md §1.10], so every script first makes sure the address the operator is using
right now is accepted explicitly ("accepts before policies, policies before enabling").
"""

from __future__ import annotations

from proxguard.rule import Reference

PHG_ENABLE = Reference("PHG", "1.2.4", "Enable the PVE Firewall")
CISC8_FIREWALL = Reference("CIS Controls v8", "4.4",
                           "Implement and manage a firewall on servers")
PVE_FW_DOC = Reference("Proxmox VE Admin Guide", "pve-firewall",
                       "Proxmox VE Firewall")

# A bash fragment: backs cluster.fw up and adds explicit ACCEPT rules for the operator's
# current source address (from $SSH_CLIENT, or ADMIN_IP=... given by the operator) on
# tcp/8006 and tcp/22, at the top of the cluster rules, unless already present.
MGMT_PREAMBLE = """\
CLUSTER_FW="${PROXGUARD_ROOT:-}/etc/pve/firewall/cluster.fw"
BACKUP_DIR="${PROXGUARD_ROOT:-}/root/proxguard-backup"
BACKED_UP=""
backup_cluster_fw() {
    # one copy per run, taken just before the first change
    if [ -z "$BACKED_UP" ] && [ -f "$CLUSTER_FW" ]; then
        mkdir -p "$BACKUP_DIR"
        BACKED_UP="$BACKUP_DIR/cluster.fw.$(date +%Y%m%d%H%M%S)"
        cp -p "$CLUSTER_FW" "$BACKED_UP"
        echo "Saved $CLUSTER_FW to $BACKED_UP"
    fi
}

# 1. Accepts first: keep the address you are working from able to reach 8006 and 22.
if pvesh get /cluster/firewall/rules --output-format json | grep -q 'proxguard-mgmt'; then
    echo "Management accept rules from ProxGuard already present."
else
    SSH_FROM="${SSH_CLIENT:-}"
    ADMIN_IP="${ADMIN_IP:-${SSH_FROM%% *}}"
    if [ -z "$ADMIN_IP" ]; then
        echo "Cannot tell which address you manage this host from." >&2
        echo "Re-run with ADMIN_IP=<your workstation address> set." >&2
        exit 1
    fi
    backup_cluster_fw
    pvesh create /cluster/firewall/rules --type in --action ACCEPT --macro SSH \\
        --source "$ADMIN_IP" --enable 1 --comment "proxguard-mgmt: SSH from admin"
    pvesh create /cluster/firewall/rules --type in --action ACCEPT --proto tcp \\
        --dport 8006 --source "$ADMIN_IP" --enable 1 \\
        --comment "proxguard-mgmt: web UI from admin"
    echo "Added ACCEPT rules for $ADMIN_IP on tcp/22 and tcp/8006."
    echo "local_network and [IPSET management] also keep 8006/22/3128/5900-5999 open:"
    pve-firewall localnet || true
fi
"""

UNDO_NOTE = """\
# Undo: pvesh set /cluster/firewall/options --enable 0 (or restore the saved copy with
#   pvesh; never edit /etc/pve by hand while the firewall is running), and delete the
#   rules commented "proxguard-mgmt" in Datacenter > Firewall if you do not want them.
"""
