"""Loose files and standard input: a single file's kind decides where it sits.

A newcomer runs `proxguard audit sshd_config`, or pipes a file from the host. The engine
only reads host paths (`etc/ssh/sshd_config`, `etc/pve/user.cfg`, …), so a loose file is
placed at the path its kind lives at on the host, whatever decoration its name carries
(`pve1-sshd_config`, `user.cfg.txt`). Several loose sshd files are ambiguous: one is the
main config, the others are the drop-ins its Include would read, and every assumption is
said in a diagnostic. Nothing here reads a directory or a tarball's members; those keep
their own host paths.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from proxguard import inputs as pin
from proxguard.inputs import InputError, Snapshot
from proxguard.runtime_kinds import (
    IPTABLES_SAVE,
    NFT_RULESET,
    PVE_FIREWALL_STATUS,
    RUNTIME_PATHS,
)

MAX_STDIN_BYTES = 64 * 1024 * 1024  # a collector tarball piped in; a config is far smaller
STDIN_LABEL = "(standard input)"

_DECORATION = re.compile(r"\.(?:txt|bak|orig|save|old|out|log|dist|copy)$", re.I)
_NAME_HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), k) for p, k in (
        (r"sshd[-_]t(?![a-z])", pin.SSHD_T),
        (r"sshd", pin.SSHD_CONFIG),
        (r"cluster\.fw$", pin.CLUSTER_FW),
        (r"host\.fw$", pin.HOST_FW),
        (r"(?<![0-9])[0-9]+\.fw$", pin.GUEST_FW),
        (r"user\.cfg$", pin.USER_CFG),
        (r"domains\.cfg$", pin.DOMAINS_CFG),
        (r"storage\.cfg$", pin.STORAGE_CFG),
        (r"firewall[-_]status", PVE_FIREWALL_STATUS),
        (r"iptables", IPTABLES_SAVE),
        (r"(?:^|[-_.])nft", NFT_RULESET),
        (r"pveversion", pin.PVEVERSION),
        (r"@[a-z0-9._-]+\.json$|token", pin.TOKEN_LIST),
    ))
_VMID = re.compile(r"(?<![0-9])([1-9][0-9]{2,8})(?![0-9])")
_NODE = re.compile(r"^([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)[-_.]host\.fw$")
_USERID = re.compile(r"^(?:tokens?[-_]|token-list[-_])?([A-Za-z0-9._-]{1,60}@[A-Za-z0-9_-]{1,32})"
                     r"(?:\.json)?$")
_FIXED: dict[str, str] = {
    pin.SSHD_T: "commands/sshd-T.txt", pin.CLUSTER_FW: "etc/pve/firewall/cluster.fw",
    pin.USER_CFG: "etc/pve/user.cfg", pin.DOMAINS_CFG: "etc/pve/domains.cfg",
    pin.STORAGE_CFG: "etc/pve/storage.cfg", pin.PVEVERSION: "commands/pveversion.txt",
    **RUNTIME_PATHS,
}
_GUEST_DIRS = {pin.GUEST_FW: ("etc/pve/firewall/", ".fw"), pin.LXC_CONF: ("etc/pve/lxc/", ".conf"),
               pin.QEMU_CONF: ("etc/pve/qemu-server/", ".conf")}


@dataclass(frozen=True, slots=True)
class LooseFile:
    """A file given on its own: its name as given (for messages) and its bytes."""

    name: str
    data: bytes
    from_stdin: bool = False

    @property
    def shown(self) -> str:
        return STDIN_LABEL if self.from_stdin else printable(self.name)


def printable(name: str) -> str:
    """A name fit for a one-line message: control characters escaped."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name)


def read_loose(p: Path) -> LooseFile:
    if p.stat().st_size > pin.MAX_FILE_BYTES:
        raise InputError(f"{p}: larger than {pin.MAX_FILE_BYTES} bytes; not a config file")
    return LooseFile(p.name, p.read_bytes())


def read_stdin(snap: Snapshot, stream: BinaryIO) -> LooseFile | None:
    """`-` as a PATH: a collector tarball (by its magic bytes) goes in whole; anything else
    is one loose file whose kind only its content can tell."""
    data = stream.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise InputError(f"{STDIN_LABEL}: larger than {MAX_STDIN_BYTES} bytes; not read")
    if _is_archive(data):
        snap.add_tarball(data, STDIN_LABEL)
        return None
    if len(data) > pin.MAX_FILE_BYTES:
        raise InputError(f"{STDIN_LABEL}: larger than {pin.MAX_FILE_BYTES} bytes; not a config file")
    return LooseFile("-", data, from_stdin=True)


def _is_archive(data: bytes) -> bool:
    return (data[:2] == b"\x1f\x8b" or data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00"
            or data[257:262] == b"ustar")


def kind_from_name(name: str) -> str | None:
    """The kind a (possibly decorated) file name announces, or None."""
    base = name.lower()
    for _ in range(3):
        stripped = _DECORATION.sub("", base)
        if stripped == base:
            break
        base = stripped
    for rx, kind in _NAME_HINTS:
        if rx.search(base):
            return kind
    return None


def _decode(snap: Snapshot, f: LooseFile) -> str:
    try:
        return f.data.decode("utf-8")
    except UnicodeDecodeError:
        snap.diagnostics.warning(f.shown, 0, "not valid UTF-8; undecodable bytes replaced")
        return f.data.decode("utf-8", errors="replace")


def _kind(f: LooseFile, text: str) -> str:
    by_content = pin.detect_kind(text)
    by_name = None if f.from_stdin else kind_from_name(f.name)
    # the name wins, as a paste box's claim does; Snapshot.add warns when content disagrees
    return by_content if by_name is None else by_name


def place_loose(snap: Snapshot, files: Sequence[LooseFile]) -> None:
    """Add loose files at the host paths their kinds live at (see the module doc)."""
    decoded = [(f, _decode(snap, f)) for f in files]
    kinded = [(f, text, _kind(f, text)) for f, text in decoded]
    sshd = [(f, text) for f, text, kind in kinded if kind == pin.SSHD_CONFIG]
    if sshd:
        from proxguard.loose_sshd import place_sshd

        place_sshd(snap, sshd)
    for f, text, kind in kinded:
        if kind == pin.SSHD_CONFIG:
            continue
        if kind == pin.UNKNOWN:
            snap.add(printable(f.name), text)
            continue
        path, assumed = _path_for(snap, f, kind)
        snap.add(path, text, kind)
        if assumed or f.from_stdin:
            note = f"; {assumed}" if assumed else ""
            snap.diagnostics.info(path, 0, f"{f.shown} read as {pin.KIND_LABELS[kind]} "
                                  f"and placed at {path}{note}")


def _path_for(snap: Snapshot, f: LooseFile, kind: str) -> tuple[str, str | None]:
    """The host path of a loose file of `kind`, and what had to be assumed for it."""
    name = "" if f.from_stdin else f.name
    if kind in _FIXED:
        return _FIXED[kind], None
    if kind == pin.HOST_FW:
        m = _NODE.match(_DECORATION.sub("", name))
        if m:
            return f"etc/pve/nodes/{m.group(1)}/host.fw", None
        return "etc/pve/local/host.fw", "node assumed to be the local one"
    if kind in _GUEST_DIRS:
        folder, ext = _GUEST_DIRS[kind]
        m = _VMID.search(name)
        if m:
            return f"{folder}{m.group(1)}{ext}", None
        vmid = next(v for v in range(100, 100 + len(snap.files) + 2)
                    if f"{folder}{v}{ext}" not in snap.files)
        return f"{folder}{vmid}{ext}", f"no vmid in its name, vmid {vmid} assumed"
    if kind == pin.TOKEN_LIST:
        m = _USERID.search(_DECORATION.sub("", name))
        if m:
            return f"commands/pveum-user-token-list/{m.group(1)}.json", None
        return ("commands/pveum-user-token-list/unknown@pam.json",
                "no user id in its name, its tokens are attributed to unknown@pam")
    return pin.canonical_path(name, kind), None
