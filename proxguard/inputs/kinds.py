"""File kinds: what each input file is, decided by its host path and checked by content.

The kind names are part of the report contract (`"inputs": [{"path", "kind"}]`). A file's
kind comes from its path first; its content is checked against that, because an operator
pasting storage.cfg into the user.cfg box must be told, not silently misjudged. Loose and
pasted files get the host path of their kind, so reports always cite the real location.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from proxguard.inputs import sources

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
GROUP = "group"  # /etc/group: Unix group membership (sshd AllowGroups/DenyGroups)
# The running firewall (issue 19): command outputs the collector writes under commands/.
PVE_FIREWALL_STATUS = "pve_firewall_status"
IPTABLES_SAVE = "iptables_save"
NFT_RULESET = "nft_ruleset"
IP6TABLES_SAVE = "ip6tables_save"  # commands/ip6tables-save.txt: the IPv6 tables (issue 11/13)
COROSYNC_CONF = "corosync_conf"  # etc/pve/corosync.conf: ring addresses (firewall accepts)
JOBS_CFG = "jobs_cfg"  # etc/pve/jobs.cfg: scheduled jobs (vzdump backup jobs)
FREE_B = "free_b"  # commands/free-b.txt: `free -b`, the host's memory in bytes
PCT_LIST = "pct_list"  # commands/pct-list.txt: `pct list`, the node's containers and state
QM_LIST = "qm_list"  # commands/qm-list.txt: `qm list`, the node's VMs and state
APT_SOURCES = "apt_sources"  # etc/apt/sources.list, sources.list.d/*.list|*.sources
PVEPROXY_DEFAULT = "pveproxy_default"  # etc/default/pveproxy: the API proxy's access list
MANIFEST = "manifest"  # proxguard-manifest.json: what the collector looked for and found
UNKNOWN = "unknown"
MANIFEST_NAME = "proxguard-manifest.json"  # at the snapshot root, written by the collector


def _vmid(base: str) -> str:
    stem = re.match(r"(\d+)", base)
    return stem.group(1) if stem else "0"


def _sshd_home(base: str) -> str:
    """`sshd.conf`, `my.sshd_config`, `paste` name the main file; `10-port.conf` a drop-in."""
    return "etc/ssh/sshd_config" if "sshd" in base.lower() or "." not in base \
        else f"etc/ssh/sshd_config.d/{base}"


def _token_home(base: str) -> str:
    user = base.rsplit(".", 1)[0] if "@" in base else "unknown@pam"
    return f"commands/pveum-user-token-list/{user}.json"


def _apt_home(base: str) -> str:
    """`sources.list` (or an unnamed paste) is the main file; any other `.list` or
    `.sources` name a file of sources.list.d/, keeping the extension apt reads the format
    by. Only a plain file name may become a path component."""
    if base.endswith((".list", ".sources")) and base not in ("sources.list", ".list",
                                                                ".sources") \
            and re.fullmatch(r"[A-Za-z0-9_.-]{1,120}", base):
        return f"etc/apt/sources.list.d/{base}"
    return "etc/apt/sources.list"


@dataclass(frozen=True, slots=True)
class FileKind:
    """One kind of input file. `paths` are the host paths (regular expressions over the
    whole normalised path) that have this kind; `home` gives a loose or pasted file of
    this kind its host path from its base name; `label` names it in messages ("this looks
    like storage.cfg, not user.cfg")."""

    id: str
    label: str
    paths: tuple[str, ...]
    home: Callable[[str], str]
    firewall: bool = False  # one of the pve-firewall files (the Firewall tab's working copy)


# The one table of file kinds, in the order the page lists them.
FILE_KINDS: tuple[FileKind, ...] = (
    FileKind(SSHD_CONFIG, "sshd_config", (r"etc/ssh/sshd_config", r"etc/ssh/sshd_config\.d/[^/]+"),
             _sshd_home),
    FileKind(SSHD_T, "sshd -T output", (r"commands/sshd-T(?:\.[^/]*)?",),
             lambda base: "commands/sshd-T.txt"),
    FileKind(CLUSTER_FW, "cluster.fw", (r"etc/pve/firewall/cluster\.fw",),
             lambda base: "etc/pve/firewall/cluster.fw", firewall=True),
    FileKind(HOST_FW, "host.fw", (r"etc/pve/(?:nodes/[^/]+|local)/host\.fw",),
             lambda base: "etc/pve/local/host.fw", firewall=True),
    FileKind(GUEST_FW, "a guest .fw file", (r"etc/pve/firewall/\d+\.fw",),
             lambda base: f"etc/pve/firewall/{_vmid(base)}.fw", firewall=True),
    FileKind(USER_CFG, "user.cfg", (r"etc/pve/user\.cfg",), lambda base: "etc/pve/user.cfg"),
    FileKind(DOMAINS_CFG, "domains.cfg", (r"etc/pve/domains\.cfg",),
             lambda base: "etc/pve/domains.cfg"),
    FileKind(STORAGE_CFG, "storage.cfg", (r"etc/pve/storage\.cfg",),
             lambda base: "etc/pve/storage.cfg"),
    FileKind(LXC_CONF, "an LXC config", (r"etc/pve/(?:nodes/[^/]+/)?lxc/\d+\.conf",),
             lambda base: f"etc/pve/lxc/{_vmid(base)}.conf"),
    FileKind(QEMU_CONF, "a QEMU VM config", (r"etc/pve/(?:nodes/[^/]+/)?qemu-server/\d+\.conf",),
             lambda base: f"etc/pve/qemu-server/{_vmid(base)}.conf"),
    FileKind(TOKEN_LIST, "a pveum token listing",
             (r"commands/pveum-user-token-list/[^/]+", r"commands/pveum-user-list(?:\.[^/]*)?"),
             _token_home),
    FileKind(PVEVERSION, "pveversion output", (r"commands/pveversion(?:\.[^/]*)?",),
             lambda base: "commands/pveversion.txt"),
    FileKind(PVE_FIREWALL_STATUS, "pve-firewall status output",
             (r"commands/pve-firewall-status(?:\.[^/]*)?",),
             lambda base: "commands/pve-firewall-status.txt"),
    FileKind(IPTABLES_SAVE, "an iptables-save dump", (r"commands/iptables-save(?:\.[^/]*)?",),
             lambda base: "commands/iptables-save.txt"),
    FileKind(IP6TABLES_SAVE, "an ip6tables-save dump", (r"commands/ip6tables-save(?:\.[^/]*)?",),
             lambda base: "commands/ip6tables-save.txt"),
    FileKind(NFT_RULESET, "an nft list ruleset dump", (r"commands/nft-list-ruleset(?:\.[^/]*)?",),
             lambda base: "commands/nft-list-ruleset.txt"),
    FileKind(GROUP, "/etc/group", (r"etc/group",), lambda base: "etc/group"),
    FileKind(COROSYNC_CONF, "corosync.conf", (r"etc/pve/corosync\.conf",),
             lambda base: "etc/pve/corosync.conf"),
    FileKind(JOBS_CFG, "jobs.cfg", (r"etc/pve/jobs\.cfg",), lambda base: "etc/pve/jobs.cfg"),
    FileKind(FREE_B, "free -b output", (r"commands/free-b(?:\.[^/]*)?",),
             lambda base: "commands/free-b.txt"),
    FileKind(PCT_LIST, "pct list output", (r"commands/pct-list(?:\.[^/]*)?",),
             lambda base: "commands/pct-list.txt"),
    FileKind(QM_LIST, "qm list output", (r"commands/qm-list(?:\.[^/]*)?",),
             lambda base: "commands/qm-list.txt"),
    FileKind(APT_SOURCES, "an APT sources list",
             (r"etc/apt/sources\.list", r"etc/apt/sources\.list\.d/[^/]+\.(?:list|sources)"),
             _apt_home),
    FileKind(PVEPROXY_DEFAULT, "/etc/default/pveproxy", (r"etc/default/pveproxy",),
             lambda base: "etc/default/pveproxy"),
    # exact name only, at the root: a file called so anywhere else is not the manifest
    FileKind(MANIFEST, "the collector manifest", (re.escape(MANIFEST_NAME),),
             lambda base: MANIFEST_NAME),
)
RUNTIME_KINDS: tuple[str, ...] = (PVE_FIREWALL_STATUS, IPTABLES_SAVE, NFT_RULESET,
                                  IP6TABLES_SAVE)
KINDS: tuple[str, ...] = tuple(k.id for k in FILE_KINDS)
KIND_LABELS: dict[str, str] = {**{k.id: k.label for k in FILE_KINDS}, UNKNOWN: "an unknown file"}
FIREWALL_KINDS: tuple[str, ...] = tuple(k.id for k in FILE_KINDS if k.firewall)
_BY_ID: dict[str, FileKind] = {k.id: k for k in FILE_KINDS}
_PATH_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), k.id) for k in FILE_KINDS for p in k.paths)


def kind_from_path(path: str) -> str | None:
    for rx, kind in _PATH_KINDS:
        if rx.fullmatch(path):
            return kind
    return sources.kind_of(path)


def canonical_path(name: str, kind: str) -> str:
    """Where a loose file of `kind` lives on the host (pasted texts get a host path too,
    so reports always cite the real location)."""
    base = posixpath.basename(name)
    known = _BY_ID.get(kind)
    return known.home(base) if known is not None else f"pasted/{base or 'text'}"


# -- content detection ---------------------------------------------------------------

# Every pattern here runs on untrusted text, so each is linear: anchored at a line start,
# horizontal whitespace only ([^\S\n], never \s, which would let `^\s*` run across
# thousands of blank lines from every line start), possessive where a word follows, and
# no `.*` between two words.
_SSHD_WORDS = re.compile(
    r"^[^\S\n]*+(permitrootlogin|passwordauthentication|port|listenaddress|match|include|usepam|"
    r"subsystem|pubkeyauthentication|maxauthtries|kbdinteractiveauthentication|"
    r"challengeresponseauthentication|x11forwarding|acceptenv|printmotd|hostkey|"
    r"authorizedkeysfile|logingracetime|ciphers|macs|kexalgorithms|allowusers|"
    r"allowgroups|clientaliveinterval|permitemptypasswords|loglevel)(\s|=)",
    re.IGNORECASE | re.MULTILINE)
_SSHD_T_LINE = re.compile(r"^(permitrootlogin|passwordauthentication|maxauthtries|usepam) \S",
                          re.MULTILINE)
_FW_HEADER = re.compile(r"^[^\S\n]*+\[(options|rules|aliases|ipset[^\S\n]+[^\s\]]+|"
                        r"group[^\S\n]+[^\s\]]+)\]", re.I | re.M)
_FW_CLUSTER = re.compile(r"^[^\S\n]*+(\[(ipset|group|aliases)\b|policy_in[^\S\n]*:|"
                         r"policy_out[^\S\n]*:|ebtables[^\S\n]*:|log_ratelimit[^\S\n]*:)",
                         re.I | re.M)
_FW_HOST = re.compile(r"^[^\S\n]*+(nosmurfs|tcpflags|nf_conntrack_\w+|log_level_in|smurf_log_level|"
                      r"tcp_flags_log_level|ndp|nftables|protection_synflood)[^\S\n]*:", re.I | re.M)
_FW_GUEST = re.compile(r"^[^\S\n]*+(macfilter|ipfilter|dhcp|radv|ips)[^\S\n]*:", re.I | re.M)
_FW_GUEST_IFACE = re.compile(r"-i net\d+\b")
_USERCFG = re.compile(r"^(user|group|acl|role|token|pool):", re.M)
_DOMAINS = re.compile(r"^(pam|pve|ldap|ad|openid):\s*\S", re.M)
_STORAGE = re.compile(r"^(dir|nfs|cifs|pbs|lvm|lvmthin|zfspool|zfs|rbd|cephfs|iscsi|iscsidirect|"
                      r"btrfs|esxi|glusterfs):\s*\S", re.M)
_LXC = re.compile(r"^(arch|ostype|rootfs|unprivileged|hostname|lxc\.[\w.]+|mp\d+|features):", re.M)
_QEMU = re.compile(r"^(scsi\d+|virtio\d+|sata\d+|ide\d+|boot|bios|machine|sockets|vmgenid|smbios1|"
                   r"scsihw|efidisk0|tpmstate0|cpu):", re.M)
_TOKENS_JSON = re.compile(r'^\s*\[\s*(\{.*"tokenid"|\])', re.S)
_TOKENID_WORD = re.compile(r"\btokenid\b")
_PRIVSEP_WORD = re.compile(r"\bprivsep\b")
_USERLIST_JSON = re.compile(r'^\s*\[\s*\{.*"userid"', re.S)
_PVEVERSION = re.compile(r"^(pve-manager/|proxmox-ve: )", re.M)
# running firewall outputs: anchored per line and linear (they run on untrusted text)
_FW_STATUS = re.compile(r"^Status: (?:enabled|disabled)/(?:running|stopped|unknown)\b", re.M)
_IPT_TABLE = re.compile(r"^\*(?:filter|nat|mangle|raw|security)[ \t]*\r?$", re.M)
_IPT_CHAIN = re.compile(r"^:[A-Za-z][\w-]* (?:ACCEPT|DROP|-) \[\d+:\d+\]", re.M)
_COROSYNC = re.compile(r"^[^\S\n]*+(?:totem|nodelist)[^\S\n]*+\{", re.M)
# jobs.cfg: a `vzdump:`/`realm-sync:` section header followed by an indented property
_JOBS = re.compile(r"^(?:vzdump|realm-sync):[^\S\n]*+[^\s:]++[^\S\n]*+\n[^\S\n]++"
                   r"(?:schedule|enabled|all|vmid|pool|storage|comment|exclude|node)\b", re.M)
_NFT_TABLE = re.compile(r"^table (?:ip|ip6|inet|arp|bridge|netdev) \S+ \{", re.M)
# free -b: the header and a `Mem:` row of numbers
_FREE_HEADER = re.compile(r"^[^\S\n]*+total[^\S\n]++used[^\S\n]++free\b", re.M)
_FREE_MEM = re.compile(r"^Mem:[^\S\n]++\d", re.M)
# `pct list` / `qm list`: their fixed header lines (pve-container and qemu-server
# src/PVE/CLI/pct.pm, qm.pm `list`), the first line either prints
_PCT_HEADER = re.compile(r"^VMID[^\S\n]++Status[^\S\n]++Lock[^\S\n]++Name[^\S\n]*+\r?$", re.M)
_QM_HEADER = re.compile(r"^[^\S\n]*+VMID[^\S\n]++NAME[^\S\n]++STATUS[^\S\n]++MEM\(MB\)"
                        r"[^\S\n]++BOOTDISK\(GB\)[^\S\n]++PID[^\S\n]*+\r?$", re.M)
# APT sources: a one-line `deb [opts] scheme:…` entry, or a deb822 `Types: deb` stanza
_APT_LINE = re.compile(r"^[^\S\n]*+deb(?:-src)?+[^\S\n]++(?:\[[^\]\n]*+\][^\S\n]*+)?+"
                       r"[a-z][a-z0-9+]*+:", re.M)
_APT_DEB822 = re.compile(r"^Types:[^\S\n]*+deb(?:-src)?+(?:[^\S\n]|$)", re.M | re.I)


# /etc/default/pveproxy: one of the settings pveproxy reads, assigned shell-style (checked
# before sshd: `CIPHERS=` would otherwise read as sshd's Ciphers keyword)
_PVEPROXY = re.compile(r"^[^\S\n]*+(?:export[^\S\n]++)?+(?:ALLOW_FROM|DENY_FROM|POLICY|LISTEN_IP|"
                       r"CIPHERS|CIPHERSUITES|DISABLE_TLS_1_2|DISABLE_TLS_1_3|"
                       r"HONOR_CIPHER_ORDER|COMPRESSION|DHPARAMS|PROXY_REAL_IP_HEADER|"
                       r"PROXY_REAL_IP_ALLOW_FROM)=", re.M)


def _runtime_kind(head: str) -> str | None:
    """Checked before the configuration kinds: a dump's `-A INPUT …` lines must never be
    mistaken for anything else."""
    if _FW_STATUS.search(head):
        return PVE_FIREWALL_STATUS
    if _IPT_TABLE.search(head) and _IPT_CHAIN.search(head):
        return IP6TABLES_SAVE if xtables_family(head) == "ipv6" else IPTABLES_SAVE
    if _NFT_TABLE.search(head):
        return NFT_RULESET
    return None


# iptables-save and ip6tables-save print the same format; only what a dump matches says
# which family it holds. Addresses of `-s`/`-d` (and the iprange ranges) and the ICMP
# protocol of each family are the evidence; the tool's own header line is the fallback.
_XT_ADDR = re.compile(r"[ \t]--?(?:s|d|source|destination|src-range|dst-range)[ \t]++(\S++)")
_XT_V6_PROTO = re.compile(r"[ \t]-p[ \t]++(?:ipv6-icmp|icmpv6|58)(?![\w-])|--icmpv6-type\b")
_XT_V4_PROTO = re.compile(r"[ \t]-p[ \t]++(?:icmp|1)(?![\w-])|--icmp-type\b")
_XT_DOTTED = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:[/-]|$)")
_XT_HEADER = re.compile(r"^# Generated by (ip6?)tables(?:-legacy|-nft)?-save\b", re.M)
MAX_XT_ADDRESSES = 4096  # bounds the scan of a hostile dump's head


def xtables_family(text: str) -> str | None:
    """"ipv6" or "ipv4" for an iptables-save-format dump, None when its content cannot
    tell (no address, no ICMP match and no header, or evidence of both families).

    Addresses decide first: an IPv6 address holds a `:`, an IPv4 one is dotted; then
    the ICMP protocol (`-p ipv6-icmp` only exists in ip6tables); then the header the
    tool writes (`# Generated by ip6tables-save …`). A file's name, when it has one,
    outranks all of this (see inputs.loose)."""
    head = text[:65536]
    v4 = v6 = False
    for n, m in enumerate(_XT_ADDR.finditer(head)):
        if n >= MAX_XT_ADDRESSES:
            break
        addr = m.group(1).lstrip("!")
        if ":" in addr:
            v6 = True
        elif _XT_DOTTED.match(addr):
            v4 = True
    v6 = v6 or bool(_XT_V6_PROTO.search(head))
    v4 = v4 or bool(_XT_V4_PROTO.search(head))
    if v4 != v6:
        return "ipv6" if v6 else "ipv4"
    m = _XT_HEADER.search(head)
    if m is not None and not (v4 and v6):
        return "ipv6" if m.group(1) == "ip6" else "ipv4"
    return None


# /etc/group: `name:password:gid:members`, every line; root's group comes first on Linux
_GROUP_LINE = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*\$?:[^:\n]*:\d+:[^:\n]*")


def _fw_kind(head: str) -> str:
    """Which pve-firewall file a text with a firewall section header is."""
    if _FW_GUEST.search(head):  # options only a guest file has (a guest may set policy_in)
        return GUEST_FW
    if _FW_CLUSTER.search(head):
        return CLUSTER_FW
    if _FW_GUEST_IFACE.search(head):
        return GUEST_FW
    return HOST_FW if _FW_HOST.search(head) else CLUSTER_FW


_UPPER_LINE = re.compile(r"^[A-Z]", re.M)  # sshd -T prints every keyword in lower case


# Content tests in the order they are tried; the first that holds names the kind. The
# order is the disambiguation: a dump's `-A INPUT` lines, a corosync or jobs section, a
# listing's header and pveproxy's `CIPHERS=` must be claimed before the looser user.cfg,
# sshd and guest-config patterns below them could be.
_SNIFFS: tuple[tuple[Callable[[str], object], str], ...] = (
    (_PVEVERSION.search, PVEVERSION),
    (lambda h: _is_group_file(h), GROUP),
    (_COROSYNC.search, COROSYNC_CONF),
    (_JOBS.search, JOBS_CFG),
    (lambda h: _FREE_HEADER.search(h) and _FREE_MEM.search(h), FREE_B),
    (_PCT_HEADER.search, PCT_LIST),
    (_QM_HEADER.search, QM_LIST),
    (lambda h: _APT_LINE.search(h) or _APT_DEB822.search(h), APT_SOURCES),
    (_PVEPROXY.search, PVEPROXY_DEFAULT),
    (lambda h: _TOKENS_JSON.match(h) or _token_table(h) or _USERLIST_JSON.match(h),
     TOKEN_LIST),
)
_SNIFFS_AFTER_FW: tuple[tuple[Callable[[str], object], str], ...] = (
    (lambda h: _USERCFG.search(h) and not _SSHD_WORDS.search(h), USER_CFG),
    (_STORAGE.search, STORAGE_CFG),
    (_DOMAINS.search, DOMAINS_CFG),
    (lambda h: _SSHD_T_LINE.search(h) and not _UPPER_LINE.search(h), SSHD_T),
    (_SSHD_WORDS.search, SSHD_CONFIG),
)


def detect_kind(text: str) -> str:
    """Best guess of a file's kind from its content alone."""
    head = text[:65536]
    runtime = _runtime_kind(head)
    if runtime is not None:
        return runtime
    for test, kind in _SNIFFS:
        if test(head):
            return kind
    if _FW_HEADER.search(head):
        return _fw_kind(head)
    for test, kind in _SNIFFS_AFTER_FW:
        if test(head):
            return kind
    lxc, qemu = len(_LXC.findall(head)), len(_QEMU.findall(head))
    if lxc or qemu:
        return LXC_CONF if lxc >= qemu else QEMU_CONF
    return UNKNOWN


def _token_table(head: str) -> bool:
    """A `pveum user token list` table: one line naming both the tokenid and privsep
    columns. Checked line by line with two literal searches, because the single pattern
    `tokenid.*privsep` backtracks quadratically over a line of repeated `tokenid`."""
    for line in head.split("\n"):
        if "tokenid" in line and "privsep" in line \
                and _TOKENID_WORD.search(line) and _PRIVSEP_WORD.search(line):
            return True
    return False


def _is_group_file(head: str) -> bool:
    lines = [ln for ln in head.split("\n") if ln.strip()]
    return bool(lines) and lines[0].startswith("root:") and all(
        _GROUP_LINE.fullmatch(ln.rstrip("\r")) for ln in lines[:200])


def compatible_kinds(claimed: str, detected: str) -> bool:
    """Kinds whose contents overlap enough that a mismatch is not worth a warning."""
    fw = {CLUSTER_FW, HOST_FW, GUEST_FW}
    return (claimed in fw and detected in fw) or {claimed, detected} == {SSHD_CONFIG, SSHD_T}


def detect_kind_as(text: str, claimed: str | None) -> str:
    """detect_kind, except that a dump whose content cannot tell IPv4 from IPv6 (no
    address, no ICMP match, no header) agrees with a name or path that says which it
    is: content reads such a dump as IPv4 only when nothing else says (xtables_family)."""
    detected = detect_kind(text)
    if detected == IPTABLES_SAVE and claimed == IP6TABLES_SAVE and xtables_family(text) is None:
        return IP6TABLES_SAVE
    return detected
