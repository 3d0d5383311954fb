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
# tcp/8006 and every port sshd listens on (issue 11 item 14: after the plan's SSH port
# change the accept must follow the new port), at the top of the cluster rules, one
# commented rule per port unless already present.
MGMT_PREAMBLE_HEAD = """\
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

"""

MGMT_PREAMBLE = MGMT_PREAMBLE_HEAD + """\
# 1. Accepts first: keep the address you are working from able to reach 8006 and SSH
#    wherever sshd listens at this moment (sshd -T: after a Port change in this run, the
#    new port), plus any port in EXTRA_SSH_PORTS (a port change still to come).
SSH_PORTS="$(sshd -T 2>/dev/null | awk '$1 == "port" { print $2 }' | sort -un | tr '\n' ' ')" || true
SSH_PORTS="${SSH_PORTS:-22}"
SSH_FROM="${SSH_CLIENT:-}"
ADMIN_IP="${ADMIN_IP:-${SSH_FROM%% *}}"
mgmt_accept() {
    # $1: a tcp port; one commented rule per port, so re-runs and later fixes see it
    if pvesh get /cluster/firewall/rules --output-format json | grep -q "proxguard-mgmt: tcp/$1 from admin"; then
        echo "ProxGuard's accept for tcp/$1 is already present."
        return 0
    fi
    if [ -z "$ADMIN_IP" ]; then
        echo "Cannot tell which address you manage this host from." >&2
        echo "Re-run with ADMIN_IP=<your workstation address> set." >&2
        exit 1
    fi
    backup_cluster_fw
    pvesh create /cluster/firewall/rules --type in --action ACCEPT --proto tcp \\
        --dport "$1" --source "$ADMIN_IP" --enable 1 \\
        --comment "proxguard-mgmt: tcp/$1 from admin"
    echo "Added an ACCEPT rule for $ADMIN_IP on tcp/$1."
}
for port in 8006 $SSH_PORTS ${EXTRA_SSH_PORTS:-}; do
    case "$port" in
        *[!0-9]*|'') echo "Ignoring SSH port '$port' (not a number)." >&2 ;;
        *) mgmt_accept "$port" ;;
    esac
done
echo "local_network and [IPSET management] also keep 8006/22/3128/5900-5999 open:"
pve-firewall localnet || true
"""

# The plan's own step before an SSH port change (proxguard/fix.py): accept the port sshd
# is about to move to, while the current one still works.
PORT_ACCEPT_TEMPLATE = """\
#!/usr/bin/env bash
# ProxGuard remediation: accept the new SSH port before sshd moves to it
# What it changes: adds explicit ACCEPT rules for your current address on tcp/8006, the
#   SSH port(s) sshd listens on now and tcp/{{ facts.new_port }} (the port the SSH port fix
#   moves sshd to), at the top of the cluster rules.
# Disruption: none (only ACCEPT rules are added).
# Undo: delete the rules commented "proxguard-mgmt" (Datacenter > Firewall).
set -eu

EXTRA_SSH_PORTS={{ facts.new_port | string | shquote }}
""" + MGMT_PREAMBLE

UNDO_NOTE = """\
# Undo: pvesh set /cluster/firewall/options --enable 0 (or restore the saved copy with
#   pvesh; never edit /etc/pve by hand while the firewall is running), and delete the
#   rules commented "proxguard-mgmt" in Datacenter > Firewall if you do not want them.
"""
