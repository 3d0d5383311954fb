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

import fnmatch
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import kinds as pin
from proxguard.inputs.kinds import IP6TABLES_SAVE, IPTABLES_SAVE, NFT_RULESET, PVE_FIREWALL_STATUS
from proxguard.text import printable

STDIN_LABEL = "(standard input)"


class LooseSink(Protocol):
    """What placement needs of a Snapshot (this module sits below inputs.snapshot, which
    calls it, so it names the interface instead of importing the class)."""

    diagnostics: Diagnostics

    @property
    def files(self) -> Mapping[str, object]: ...

    def add(self, path: str, text: str, kind: str | None = None) -> object: ...


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
        (r"ip6tables", IP6TABLES_SAVE),  # the same format as iptables-save: the name decides
        (r"iptables", IPTABLES_SAVE),
        (r"(?:^|[-_.])nft", NFT_RULESET),
        (r"pveversion", pin.PVEVERSION),
        (r"pveproxy", pin.PVEPROXY_DEFAULT),
        (r"(?:^|[^a-z])pct[-_. ]?list", pin.PCT_LIST),
        (r"(?:^|[^a-z])qm[-_. ]?list", pin.QM_LIST),
        (r"sources\.list$|\.sources$|\.list$", pin.APT_SOURCES),
        (r"@[a-z0-9._-]+\.json$|token", pin.TOKEN_LIST),
    ))
_VMID = re.compile(r"(?<![0-9])([1-9][0-9]{2,8})(?![0-9])")
_NODE = re.compile(r"^([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)[-_.]host\.fw$")
_USERID = re.compile(r"^(?:tokens?[-_]|token-list[-_])?([A-Za-z0-9._-]{1,60}@[A-Za-z0-9_-]{1,32})"
                     r"(?:\.json)?$")
_GUEST_KINDS = (pin.GUEST_FW, pin.LXC_CONF, pin.QEMU_CONF)


@dataclass(frozen=True, slots=True)
class LooseFile:
    """A file given on its own: its name as given (for messages) and its bytes."""

    name: str
    data: bytes
    from_stdin: bool = False

    @property
    def shown(self) -> str:
        return STDIN_LABEL if self.from_stdin else printable(self.name)


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


def _decode(snap: LooseSink, f: LooseFile) -> str:
    try:
        return f.data.decode("utf-8")
    except UnicodeDecodeError:
        snap.diagnostics.warning(f.shown, 0, "not valid UTF-8; undecodable bytes replaced")
        return f.data.decode("utf-8", errors="replace")


def _kind(f: LooseFile, text: str) -> tuple[str, bool]:
    """The kind, and whether the name claimed it (rather than the content suggesting it)."""
    by_name = None if f.from_stdin else kind_from_name(f.name)
    # the name wins, as a paste box's claim does; Snapshot.add warns when content disagrees
    if by_name is not None:
        return by_name, True
    return pin.detect_kind(text), False


def place_loose(snap: LooseSink, files: Sequence[LooseFile]) -> None:
    """Add loose files at the host paths their kinds live at (see the module doc).

    Files whose names say what they are go first: a file placed only because its content
    looks like a kind (a rules-only `extra.fw` reads as cluster.fw) must never replace
    the file that is named so, or the audit would judge the wrong file; such a collision
    is an error and the sniffed file is not used."""
    decoded = [(f, _decode(snap, f)) for f in files]
    kinded = [(f, text, *_kind(f, text)) for f, text in decoded]
    kinded.sort(key=lambda item: not item[3])  # stable: named first, then sniffed
    sshd = [(f, text) for f, text, kind, _ in kinded if kind == pin.SSHD_CONFIG]
    if sshd:
        place_sshd(snap, sshd)
    for f, text, kind, named in kinded:
        if kind == pin.SSHD_CONFIG:
            continue
        if kind == pin.UNKNOWN:
            snap.add(printable(f.name), text)
            continue
        path, assumed = _path_for(snap, f, kind)
        if not named and path in snap.files:
            snap.diagnostics.error(f.shown, 0, f"its content looks like {pin.KIND_LABELS[kind]}, "
                                   f"but {path} was already given; not used (name the file "
                                   "for what it is, e.g. <node>-host.fw or <vmid>.fw)")
            continue
        snap.add(path, text, kind)
        if kind == IPTABLES_SAVE and not named and pin.xtables_family(text) is None:
            snap.diagnostics.info(path, 0, f"{f.shown}: neither its addresses nor its header "
                                  "say which address family it holds; read as the IPv4 dump "
                                  "(iptables-save). Name it ip6tables-save.txt if it is the "
                                  "IPv6 one")
        if assumed or f.from_stdin:
            note = f"; {assumed}" if assumed else ""
            snap.diagnostics.info(path, 0, f"{f.shown} read as {pin.KIND_LABELS[kind]} "
                                  f"and placed at {path}{note}")


def _path_for(snap: LooseSink, f: LooseFile, kind: str) -> tuple[str, str | None]:
    """The host path of a loose file of `kind`, and what had to be assumed for it. The
    homes themselves come from the one file-kind table (inputs.kinds); only what a name
    adds — node, vmid, user id — is read here."""
    name = "" if f.from_stdin else f.name
    home = pin.canonical_path
    if kind == pin.HOST_FW:
        m = _NODE.match(_DECORATION.sub("", name))
        path = home("", kind)
        if m:
            return path.replace("/local/", f"/nodes/{m.group(1)}/"), None
        return path, "node assumed to be the local one"
    if kind in _GUEST_KINDS:
        m = _VMID.search(name)
        if m:
            return home(m.group(1), kind), None
        vmid = next(v for v in range(100, 100 + len(snap.files) + 2)
                    if home(str(v), kind) not in snap.files)
        return home(str(vmid), kind), f"no vmid in its name, vmid {vmid} assumed"
    if kind == pin.TOKEN_LIST:
        m = _USERID.search(_DECORATION.sub("", name))
        if m:
            return home(f"{m.group(1)}.json", kind), None
        return home("", kind), "no user id in its name, its tokens are attributed to unknown@pam"
    return home(name if kind in (pin.SSHD_CONFIG, pin.APT_SOURCES) else "", kind), None


# -- several loose sshd files ----------------------------------------------------------
# sshd reads one main file and, through its `Include` lines, the drop-ins whose names
# match the Include patterns. Loose files carry no directory, so the arrangement is
# inferred — the file named `sshd_config` is the main one (failing that, the one whose
# name contains it, then the only one holding an Include) — and every assumption is
# reported, because a wrong guess changes which value sshd uses first.

MAIN = "etc/ssh/sshd_config"
_INCLUDE = re.compile(r"^[ \t]*include(?:[ \t]*=[ \t]*|[ \t]+)(.*)$", re.I)
MAX_INCLUDE_ARGS = 64  # bounds the placement work on a hostile main file


def place_sshd(snap: LooseSink, files: Sequence[tuple[LooseFile, str]]) -> None:
    main, why = _choose_main(files)
    mf, mtext = files[main]
    snap.add(MAIN, mtext, pin.SSHD_CONFIG)
    if len(files) == 1:
        patterns = _include_patterns(mtext)
        if patterns:  # the drop-ins on the host override it; say they were not seen
            snap.diagnostics.info(MAIN, 0, f"{mf.shown} includes {', '.join(patterns)}, but no "
                                  "drop-in was given with it: settings made there are not seen "
                                  "(give them as loose files too, or the whole /etc/ssh)")
        return
    snap.diagnostics.info(MAIN, 0, f"several loose sshd files: {mf.shown} assumed to be the "
                          f"main config {MAIN} ({why})")
    patterns = _include_patterns(mtext)
    for i, (f, text) in enumerate(files):
        if i != main:
            _place_dropin(snap, f, text, patterns)


def _choose_main(files: Sequence[tuple[LooseFile, str]]) -> tuple[int, str]:
    names = [f.name for f, _ in files]
    if "sshd_config" in names:
        return names.index("sshd_config"), "it is named sshd_config"
    decorated = [i for i, n in enumerate(names) if "sshd_config" in n.lower()]
    if len(decorated) == 1:
        return decorated[0], "its name contains sshd_config"
    with_include = [i for i, (_, t) in enumerate(files) if _include_patterns(t)]
    if len(with_include) == 1:
        return with_include[0], "it is the only one with an Include line"
    return 0, "it was given first"


def _include_patterns(text: str) -> list[str]:
    """Absolute glob patterns of the Include lines, relative ones under /etc/ssh."""
    out: list[str] = []
    for line in text.split("\n"):
        m = _INCLUDE.match(line)
        if not m:
            continue
        for arg in m.group(1).split("#", 1)[0].split():
            arg = arg.strip("\"'")
            if arg and not arg.startswith("~"):
                out.append(arg if arg.startswith("/") else "/etc/ssh/" + arg)
            if len(out) >= MAX_INCLUDE_ARGS:
                return out
    return out


def _place_dropin(snap: LooseSink, f: LooseFile, text: str, patterns: Sequence[str]) -> None:
    if f.from_stdin or not f.name.isprintable() or f.name.startswith("."):
        snap.diagnostics.warning(f.shown, 0, "sshd drop-in name refused (control characters "
                                 "or a hidden name; sshd's Include glob would not read it); "
                                 "not assessed")
        return
    candidates = [f.name]
    stripped = _DECORATION.sub("", f.name)
    if stripped != f.name:
        candidates.append(stripped)
    for pattern in patterns:
        folder, glob = posixpath.split(posixpath.normpath("/" + pattern).lstrip("/"))
        for cand in candidates:
            path = f"{folder}/{cand}"
            # glob(7) on the last component only; fnmatch's classes are glob's
            if fnmatch.fnmatchcase(cand, glob) and pin.kind_from_path(path) == pin.SSHD_CONFIG:
                snap.add(path, text, pin.SSHD_CONFIG)
                snap.diagnostics.info(path, 0, f"{f.shown} read as the drop-in {path} "
                                      f"(its name matches the main config's Include {pattern})")
                return
    shown = ", ".join(patterns) if patterns else "none"
    snap.diagnostics.warning(f.shown, 0, f"loose sshd file {f.shown} is not matched by any "
                             f"Include of the main config (Include patterns: {shown}); "
                             "sshd would not read it, so it is not assessed")
