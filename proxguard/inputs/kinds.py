"""File kinds: what each input file is, decided by its host path and checked by content.

The kind names are part of the report contract (`"inputs": [{"path", "kind"}]`). A file's
kind comes from its path first; its content is checked against that, because an operator
pasting storage.cfg into the user.cfg box must be told, not silently misjudged. Loose and
pasted files get the host path of their kind, so reports always cite the real location.
"""

from __future__ import annotations

import posixpath
import re

# File kinds. The names are part of the report contract ("inputs": [{"path", "kind"}]).
SSHD_CONFIG = "sshd_config"
SSHD_T = "sshd_T"
CLUSTER_FW = "cluster_fw"
HOST_FW = "host_fw"
GUEST_FW = "guest_fw"
USER_CFG = "user_cfg"
DOMAINS_CFG = "domains_cfg"
STORAGE_CFG = "storage_cfg"
LXC_CONF = "lxc_conf"
QEMU_CONF = "qemu_conf"
TOKEN_LIST = "token_list"
PVEVERSION = "pveversion"
UNKNOWN = "unknown"

KINDS: tuple[str, ...] = (
    SSHD_CONFIG, SSHD_T, CLUSTER_FW, HOST_FW, GUEST_FW, USER_CFG, DOMAINS_CFG,
    STORAGE_CFG, LXC_CONF, QEMU_CONF, TOKEN_LIST, PVEVERSION,
)

# Human names used in messages ("this looks like storage.cfg, not user.cfg").
KIND_LABELS: dict[str, str] = {
    SSHD_CONFIG: "sshd_config", SSHD_T: "sshd -T output", CLUSTER_FW: "cluster.fw",
    HOST_FW: "host.fw", GUEST_FW: "a guest .fw file", USER_CFG: "user.cfg",
    DOMAINS_CFG: "domains.cfg", STORAGE_CFG: "storage.cfg", LXC_CONF: "an LXC config",
    QEMU_CONF: "a QEMU VM config", TOKEN_LIST: "a pveum token listing",
    PVEVERSION: "pveversion output", UNKNOWN: "an unknown file",
}

_PATH_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), k)
    for p, k in (
        (r"etc/ssh/sshd_config", SSHD_CONFIG),
        (r"etc/ssh/sshd_config\.d/[^/]+", SSHD_CONFIG),
        (r"commands/sshd-T(?:\.[^/]*)?", SSHD_T),
        (r"etc/pve/firewall/cluster\.fw", CLUSTER_FW),
        (r"etc/pve/firewall/\d+\.fw", GUEST_FW),
        (r"etc/pve/(?:nodes/[^/]+|local)/host\.fw", HOST_FW),
        (r"etc/pve/user\.cfg", USER_CFG),
        (r"etc/pve/domains\.cfg", DOMAINS_CFG),
        (r"etc/pve/storage\.cfg", STORAGE_CFG),
        (r"etc/pve/(?:nodes/[^/]+/)?lxc/\d+\.conf", LXC_CONF),
        (r"etc/pve/(?:nodes/[^/]+/)?qemu-server/\d+\.conf", QEMU_CONF),
        (r"commands/pveum-user-token-list/[^/]+", TOKEN_LIST),
        (r"commands/pveum-user-list(?:\.[^/]*)?", TOKEN_LIST),
        (r"commands/pveversion(?:\.[^/]*)?", PVEVERSION),
    )
)


def kind_from_path(path: str) -> str | None:
    for rx, kind in _PATH_KINDS:
        if rx.fullmatch(path):
            return kind
    return None


_LOOSE_NAMES: dict[str, str] = {
    "sshd_config": "etc/ssh/sshd_config",
    "cluster.fw": "etc/pve/firewall/cluster.fw",
    "host.fw": "etc/pve/local/host.fw",
    "user.cfg": "etc/pve/user.cfg",
    "domains.cfg": "etc/pve/domains.cfg",
    "storage.cfg": "etc/pve/storage.cfg",
    "sshd-T.txt": "commands/sshd-T.txt",
    "pveversion.txt": "commands/pveversion.txt",
}


def canonical_path(name: str, kind: str) -> str:
    """Where a loose file of `kind` lives on the host (pasted texts get a host path too,
    so reports always cite the real location)."""
    base = posixpath.basename(name)
    if base in _LOOSE_NAMES and kind_from_path(_LOOSE_NAMES[base]) == kind:
        return _LOOSE_NAMES[base]
    stem = re.match(r"(\d+)", base)
    vmid = stem.group(1) if stem else "0"
    match kind:
        case "sshd_config":
            return "etc/ssh/sshd_config" if base in ("", "sshd_config") or "." not in base \
                else f"etc/ssh/sshd_config.d/{base}"
        case "sshd_T":
            return "commands/sshd-T.txt"
        case "cluster_fw":
            return "etc/pve/firewall/cluster.fw"
        case "host_fw":
            return "etc/pve/local/host.fw"
        case "guest_fw":
            return f"etc/pve/firewall/{vmid}.fw"
        case "user_cfg":
            return "etc/pve/user.cfg"
        case "domains_cfg":
            return "etc/pve/domains.cfg"
        case "storage_cfg":
            return "etc/pve/storage.cfg"
        case "lxc_conf":
            return f"etc/pve/lxc/{vmid}.conf"
        case "qemu_conf":
            return f"etc/pve/qemu-server/{vmid}.conf"
        case "token_list":
            user = base.rsplit(".", 1)[0] if "@" in base else "unknown@pam"
            return f"commands/pveum-user-token-list/{user}.json"
        case "pveversion":
            return "commands/pveversion.txt"
    return f"pasted/{base or 'text'}"


# -- content detection ---------------------------------------------------------------

_SSHD_WORDS = re.compile(
    r"^\s*(permitrootlogin|passwordauthentication|port|listenaddress|match|include|usepam|"
    r"subsystem|pubkeyauthentication|maxauthtries|kbdinteractiveauthentication|"
    r"challengeresponseauthentication|x11forwarding|acceptenv|printmotd|hostkey|"
    r"authorizedkeysfile|logingracetime|ciphers|macs|kexalgorithms|allowusers|"
    r"allowgroups|clientaliveinterval|permitemptypasswords|loglevel)(\s|=)",
    re.IGNORECASE | re.MULTILINE)
_SSHD_T_LINE = re.compile(r"^(permitrootlogin|passwordauthentication|maxauthtries|usepam) \S",
                          re.MULTILINE)
_FW_HEADER = re.compile(r"^\s*\[(options|rules|aliases|ipset\s+\S+|group\s+\S+)\]", re.I | re.M)
_FW_CLUSTER = re.compile(r"^\s*(\[(ipset|group|aliases)\b|policy_in\s*:|policy_out\s*:|ebtables\s*:|"
                         r"log_ratelimit\s*:)", re.I | re.M)
_FW_HOST = re.compile(r"^\s*(nosmurfs|tcpflags|nf_conntrack_\w+|log_level_in|smurf_log_level|"
                      r"tcp_flags_log_level|ndp|nftables|protection_synflood)\s*:", re.I | re.M)
_FW_GUEST = re.compile(r"^\s*(macfilter|ipfilter|dhcp|radv|ips)\s*:", re.I | re.M)
_FW_GUEST_IFACE = re.compile(r"-i net\d+\b")
_USERCFG = re.compile(r"^(user|group|acl|role|token|pool):", re.M)
_DOMAINS = re.compile(r"^(pam|pve|ldap|ad|openid):\s*\S", re.M)
_STORAGE = re.compile(r"^(dir|nfs|cifs|pbs|lvm|lvmthin|zfspool|zfs|rbd|cephfs|iscsi|iscsidirect|"
                      r"btrfs|esxi|glusterfs):\s*\S", re.M)
_LXC = re.compile(r"^(arch|ostype|rootfs|unprivileged|hostname|lxc\.[\w.]+|mp\d+|features):", re.M)
_QEMU = re.compile(r"^(scsi\d+|virtio\d+|sata\d+|ide\d+|boot|bios|machine|sockets|vmgenid|smbios1|"
                   r"scsihw|efidisk0|tpmstate0|cpu):", re.M)
_TOKENS_JSON = re.compile(r'^\s*\[\s*(\{.*"tokenid"|\])', re.S)
_TOKENS_TABLE = re.compile(r"\btokenid\b.*\bprivsep\b|\bprivsep\b.*\btokenid\b")
_USERLIST_JSON = re.compile(r'^\s*\[\s*\{.*"userid"', re.S)
_PVEVERSION = re.compile(r"^(pve-manager/|proxmox-ve: )", re.M)


def detect_kind(text: str) -> str:
    """Best guess of a file's kind from its content alone."""
    head = text[:65536]
    if _PVEVERSION.search(head):
        return PVEVERSION
    if _TOKENS_JSON.match(head) or _TOKENS_TABLE.search(head) or _USERLIST_JSON.match(head):
        return TOKEN_LIST
    if _FW_HEADER.search(head):
        if _FW_CLUSTER.search(head):
            return CLUSTER_FW
        if _FW_GUEST.search(head) or _FW_GUEST_IFACE.search(head):
            return GUEST_FW
        if _FW_HOST.search(head):
            return HOST_FW
        return CLUSTER_FW
    if len(_USERCFG.findall(head)) >= 1 and not _SSHD_WORDS.search(head):
        return USER_CFG
    if _STORAGE.search(head):
        return STORAGE_CFG
    if _DOMAINS.search(head):
        return DOMAINS_CFG
    if _SSHD_T_LINE.search(head) and not re.search(r"^[A-Z]", head, re.M):
        return SSHD_T
    if _SSHD_WORDS.search(head):
        return SSHD_CONFIG
    lxc, qemu = len(_LXC.findall(head)), len(_QEMU.findall(head))
    if lxc or qemu:
        return LXC_CONF if lxc >= qemu else QEMU_CONF
    return UNKNOWN


def compatible_kinds(claimed: str, detected: str) -> bool:
    """Kinds whose contents overlap enough that a mismatch is not worth a warning."""
    fw = {CLUSTER_FW, HOST_FW, GUEST_FW}
    return (claimed in fw and detected in fw) or {claimed, detected} == {SSHD_CONFIG, SSHD_T}
