"""Snapshots: the host's configuration files keyed by their path under the host root.

Everything the engine judges comes in through here, from a directory laid out like the
host's root, a collector tarball, or loose/pasted texts. Paths are normalised to the
host layout (no leading slash) so that every later stage can rely on one naming, and a
file's kind is decided from its path first and checked against its content, because an
operator pasting storage.cfg into the user.cfg box must be told, not silently misjudged.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proxguard import limits, sources
from proxguard.diagnostics import Diagnostics
from proxguard.limits import MAX_FILE_BYTES, InputError

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
    # kinds the list of sources gives to files no parser claims yet (sources.txt)
    "manifest": "the collector's manifest", "etc_group": "/etc/group",
    "apt_sources": "an APT sources file", "pveproxy_default": "/etc/default/pveproxy",
    "corosync_conf": "corosync.conf", "datacenter_cfg": "datacenter.cfg",
    "command_output": "a command's output",
}
__all__ = ["MAX_FILE_BYTES", "InputError"]

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

# Paths a snapshot must never hold: secrets. The collector never reads them; if a user
# drops them anyway, they are discarded unread and the user is told.
_SECRET = re.compile(r"(?:^|/)etc/pve/priv/|(?:^|/)ssh_host_[^/]*_key$|\.pw$|\.key$|\.keyring$")


@dataclass(frozen=True, slots=True)
class InputFile:
    path: str  # host path without leading slash, e.g. "etc/pve/user.cfg"
    text: str
    kind: str

    def lines(self) -> list[str]:
        """Lines split on \\n only: several Proxmox parsers keep a trailing \\r as data."""
        return self.text.split("\n")


@dataclass
class Snapshot:
    files: dict[str, InputFile] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    # what the list-driven readers found per listed path (present/absent/unreadable/
    # refused), and the live-host facts when `/` itself was audited (cli --live)
    collected: dict[str, str] = field(default_factory=dict)
    live: dict[str, Any] | None = None
    _split: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False,
                                         compare=False)

    # -- queries used by the parsers -------------------------------------------------
    def get(self, path: str) -> InputFile | None:
        return self.files.get(normalise_path(path))

    def line(self, path: str, number: int) -> str | None:
        """Line `number` (1-based) of a file, without its trailing \\r, for evidence. Each
        file is split once: a report quotes thousands of lines of one large cluster.fw."""
        f = self.get(path)
        if f is None or number < 1:
            return None
        lines = self._split.get(f.path)
        if lines is None:
            lines = self._split[f.path] = f.lines()
        return lines[number - 1].rstrip("\r") if number <= len(lines) else None

    def of_kind(self, kind: str) -> list[InputFile]:
        return sorted((f for f in self.files.values() if f.kind == kind), key=lambda f: f.path)

    def glob(self, pattern: str) -> list[InputFile]:
        """Files whose path matches a glob(7) pattern, in lexical order as sshd's Include
        expands them. `*` does not cross `/`."""
        pat = normalise_path(pattern)
        rx = _glob_regex(pat)
        return sorted((f for p, f in self.files.items() if rx.fullmatch(p)), key=lambda f: f.path)

    def has_kind(self, kind: str) -> bool:
        return any(f.kind == kind for f in self.files.values())

    # -- building ---------------------------------------------------------------------
    def add(self, path: str, text: str, kind: str | None = None) -> InputFile | None:
        """Add one file. `kind` is what the user claimed (a paste box); otherwise the
        path decides, then the content. Secrets are refused unread."""
        norm = normalise_path(path)
        if _SECRET.search(norm):
            self.diagnostics.warning(norm, 0, "secret file refused: ProxGuard never reads "
                                     "/etc/pve/priv/ or key files; it was discarded unread")
            return None
        by_path = kind_from_path(norm)
        by_content = detect_kind(text)
        chosen = kind or by_path or by_content
        if chosen == UNKNOWN and not kind:
            self.diagnostics.warning(norm, 0, "file kind not recognised; it is not assessed")
        elif by_content not in (UNKNOWN, chosen) and not _compatible(chosen, by_content):
            self.diagnostics.warning(
                norm, 0, f"this looks like {KIND_LABELS[by_content]}, not {KIND_LABELS[chosen]}")
        if kind and by_path is None:
            norm = canonical_path(norm, chosen)
        if norm in self.files:
            self.diagnostics.warning(norm, 0, "file given twice; the later copy is used")
        f = InputFile(norm, text, chosen)
        self.files[norm] = f
        self._split.pop(norm, None)
        return f

    @classmethod
    def from_texts(cls, texts: Mapping[str, str], kinds: Mapping[str, str] | None = None) -> Snapshot:
        """Pasted or loose texts: name → text, optional name → claimed kind."""
        snap = cls()
        for name, text in texts.items():
            snap.add(name, text, (kinds or {}).get(name))
        return snap

    @classmethod
    def from_paths(cls, paths: Iterable[str | os.PathLike[str]]) -> Snapshot:
        """CLI inputs: directories laid out like the host root, tarballs, single files.
        Raises InputError for a path that cannot be read at all."""
        snap = cls()
        budget = limits.Budget()
        for raw in paths:
            p = Path(raw)
            if p.is_dir():
                snap.add_directory(p, budget)
            elif p.is_file() and _is_tarball(p):
                with p.open("rb") as fh:
                    snap.add_tarball(fh, str(p), budget)
            elif p.is_file():
                snap._add_loose(p)
            else:
                raise InputError(f"{raw}: no such file or directory")
        return snap

    def add_tarball(self, data: bytes | io.BufferedIOBase | io.RawIOBase | Any,
                    label: str = "tarball", budget: limits.Budget | None = None) -> None:
        """A collector tarball, read as a bounded stream by the list of sources
        (tarread); raises InputError (a cap, or not an archive)."""
        from proxguard.tarread import read_tarball

        raw = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        budget = budget or limits.Budget()
        read_tarball(raw, label, lambda name, b: self._add_listed(name, b, budget),
                     self.diagnostics, budget)

    def add_directory(self, root: Path | str, budget: limits.Budget | None = None) -> None:
        """A directory laid out like a host root (collector tree, extracted tarball, or
        the live `/`): only the list of sources is read (treeread)."""
        from proxguard.treeread import TreeReader

        budget = budget or limits.Budget()
        reader = TreeReader(str(root), lambda name, b: self._add_listed(name, b, budget),
                            self.diagnostics, budget)
        self.collected.update(reader.read())

    def _add_listed(self, name: str, data: bytes, budget: limits.Budget) -> None:
        budget.check_file_size(name, len(data))
        self._add_bytes(name, data)
        f = self.files.get(normalise_path(name))
        if f is not None and f.kind in (LXC_CONF, QEMU_CONF):
            budget.add_guest(f.path, posixpath.basename(f.path).split(".", 1)[0])

    def _add_loose(self, p: Path) -> None:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{p}: larger than {MAX_FILE_BYTES} bytes; not a config file")
        self._add_bytes(p.name, p.read_bytes())

    def _add_bytes(self, name: str, data: bytes) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            self.diagnostics.warning(normalise_path(name), 0,
                                     "not valid UTF-8; undecodable bytes replaced")
        self.add(name, text)


def normalise_path(path: str) -> str:
    p = path.replace("\\", "/")
    p = posixpath.normpath("/" + p).lstrip("/")
    return p


def kind_from_path(path: str) -> str | None:
    for rx, kind in _PATH_KINDS:
        if rx.fullmatch(path):
            return kind
    return sources.kind_of(path)


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

# Every pattern here runs on untrusted text, so each is linear: anchored at a line start,
# horizontal whitespace only ([^\S\n], never \s, which would let `^\s*` run across
# thousands of blank lines from every line start), and no `.*` between two words.
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


def detect_kind(text: str) -> str:
    """Best guess of a file's kind from its content alone."""
    head = text[:65536]
    if _PVEVERSION.search(head):
        return PVEVERSION
    if _TOKENS_JSON.match(head) or _token_table(head) or _USERLIST_JSON.match(head):
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


def _token_table(head: str) -> bool:
    """A `pveum user token list` table: one line naming both the tokenid and privsep
    columns. Checked line by line with two literal searches, because the single pattern
    `tokenid.*privsep` backtracks quadratically over a line of repeated `tokenid`."""
    for line in head.split("\n"):
        if "tokenid" in line and "privsep" in line \
                and _TOKENID_WORD.search(line) and _PRIVSEP_WORD.search(line):
            return True
    return False


def _compatible(claimed: str, detected: str) -> bool:
    """Kinds whose contents overlap enough that a mismatch is not worth a warning."""
    fw = {CLUSTER_FW, HOST_FW, GUEST_FW}
    return (claimed in fw and detected in fw) or {claimed, detected} == {SSHD_CONFIG, SSHD_T}


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def _is_tarball(p: Path) -> bool:
    if p.name.endswith((".tar.gz", ".tgz", ".tar")):
        return True
    with p.open("rb") as fh:
        magic = fh.read(2)
    return magic == b"\x1f\x8b"
