"""The line reader shared by LXC and QEMU configs: sections, description, keys.

Kept apart from guest.py because the two dialects differ only in a few line patterns
[CT src/PVE/LXC/Config.pm parse_pct_config; QS src/PVE/QemuServer.pm parse_vm_config]
and the section bookkeeping (main / pending / snapshots / special) is the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from proxguard.diagnostics import Diagnostics
from proxguard.model.guests import GuestSection, LxcEntry
from proxguard.model.values import Prop
from proxguard.parsers.propstring import parse_boolean


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    pending: re.Pattern[str]
    key: re.Pattern[str]
    special: re.Pattern[str] | None  # QEMU [special:cloudinit|fleecing]
    raw_lxc: bool  # LXC: `lxc.*` keys with `:` or `=`
    unknown_sections_skipped: bool  # QEMU skips `[other]` with its content
    booleans: frozenset[str]
    integers: frozenset[str]
    known: re.Pattern[str]  # keys PVE knows (others: warned; LXC keeps, QEMU drops)
    keeps_invalid: bool  # LXC stores a bad value anyway (non-strict); QEMU drops it


# `\s*(.+?)\s*$` as Proxmox's Perl writes it, made linear for Python's engine (a lazy
# group before `\s*$` retries the whole run of blanks at every step): the value is the
# text between the blanks, or — when there is nothing but blanks — the last blank.
_VALUE = r"\s*(\S(?:.*\S)?|\s)\s*$"

LXC = Dialect(
    name="LXC", pending=re.compile(r"^\[pve:pending\]\s*$", re.I),
    key=re.compile(r"^([a-z][a-z_]*\d*):" + _VALUE), special=None, raw_lxc=True,
    unknown_sections_skipped=False,
    # CT Config.pm $confdesc types
    booleans=frozenset({"onboot", "template", "console", "protection", "unprivileged",
                        "debug"}),
    integers=frozenset({"tty", "cores", "cpuunits", "memory", "swap"}),
    known=re.compile(r"lock|onboot|startup|template|arch|ostype|console|tty|cores|cpulimit|"
                     r"cpuunits|memory|swap|hostname|description|searchdomain|nameserver|"
                     r"timezone|rootfs|parent|snaptime|snapstate|cmode|entrypoint|protection|"
                     r"unprivileged|features|env|hookscript|tags|debug|digest|"
                     r"(?:net|mp|unused|dev)\d+"),
    keeps_invalid=True)

QEMU = Dialect(
    name="QEMU", pending=re.compile(r"^\[PENDING\]\s*$", re.I),
    key=re.compile(r"^([a-z][a-z_-]*\d*):" + _VALUE),
    special=re.compile(r"^\[special:(cloudinit|fleecing)\]\s*$", re.I), raw_lxc=False,
    unknown_sections_skipped=True,
    booleans=frozenset({"onboot", "protection", "template", "numa", "tablet", "acpi", "kvm",
                        "localtime", "reboot", "freeze"}),
    integers=frozenset({"cores", "sockets", "balloon", "shares", "cpuunits"}),
    # QS $confdesc is large and version-dependent; unknown QEMU keys are not reported.
    known=re.compile(r".*"),
    keeps_invalid=False)

_SNAPSHOT = re.compile(r"^\[([a-z][a-z0-9_-]+)\]\s*$", re.I)
_ANY_SECTION = re.compile(r"^\[([^\]]*)\]\s*$")
_RAW_LXC = re.compile(r"^(lxc\.[a-z0-9_.-]+)(:|\s*=)\s*((?:\S(?:.*\S)?)?)\s*$")
_DESCRIPTION = re.compile(r"^description:\s*(.*\S)\s*$")
_DELETE = re.compile(r"^delete:\s*(.*\S)\s*$")
_ARGS = re.compile(r"^args:\s*(.*\S)\s*$")


@dataclass(slots=True)
class Parsed:
    main: GuestSection
    pending: GuestSection | None = None
    snapshots: dict[str, GuestSection] = field(default_factory=dict)
    special: dict[str, GuestSection] = field(default_factory=dict)


def read(text: str, file: str, dialect: Dialect, diags: Diagnostics) -> Parsed:
    """Never raises; every line PVE would refuse becomes a diagnostic."""
    out = Parsed(GuestSection("", 0))
    sec: GuestSection | None = out.main
    descr: list[str] = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.strip() == "":
            continue
        opened = _open_section(line, lineno, out, dialect, file, diags)
        if opened is not False:
            _finish_description(sec, descr)
            sec, descr = opened, []
            continue
        if sec is None:
            continue  # QEMU: content of an unknown section is skipped with it
        if line.startswith("#"):
            # `#` at column 0 is description text, URI-decoded; a CRLF `\r` stays in it.
            descr.append(unquote(line[1:]) + "\n")
            continue
        _read_line(line, lineno, sec, descr, dialect, file, diags)
    _finish_description(sec, descr)
    return out


def _open_section(line: str, lineno: int, out: Parsed, dialect: Dialect, file: str,
                  diags: Diagnostics) -> GuestSection | bool | None:
    """The section a header line opens (None: a skipped one), or False if not a header."""
    if dialect.pending.match(line):
        if out.pending is not None:
            diags.warning(file, lineno, "pending section given twice; the later one is used")
        out.pending = GuestSection("pending", lineno)
        return out.pending
    special = dialect.special.match(line) if dialect.special else None
    if special:
        name = special.group(1).lower()
        if name in out.special:
            diags.warning(file, lineno, f"special section '{name}' given twice; later used")
        out.special[name] = GuestSection(name, lineno)
        return out.special[name]
    snap = _SNAPSHOT.match(line)
    if snap:
        name = snap.group(1)
        if name in out.snapshots:
            diags.warning(file, lineno, f"snapshot section '{name}' given twice; Proxmox keeps "
                          "the later one")
        out.snapshots[name] = GuestSection(name, lineno)
        return out.snapshots[name]
    if dialect.unknown_sections_skipped and _ANY_SECTION.match(line):
        diags.warning(file, lineno, f"unknown section {line.strip()!r} skipped with its content")
        return None
    return False


def _finish_description(sec: GuestSection | None, descr: list[str]) -> None:
    if sec is not None and descr:
        sec.description += "".join(descr)


def _read_line(line: str, lineno: int, sec: GuestSection, descr: list[str], dialect: Dialect,
               file: str, diags: Diagnostics) -> None:
    if dialect.raw_lxc and (raw := _RAW_LXC.match(line)):
        _raw_lxc(raw.group(1), raw.group(3), lineno, sec, file, diags)
        return
    if m := _DESCRIPTION.match(line):
        descr.append(unquote(m.group(1)))
        return
    if not dialect.raw_lxc and (m := _ARGS.match(line)):
        sec.conf["args"] = Prop(m.group(1), lineno)  # QS: taken verbatim
        return
    if m := _DELETE.match(line):
        if sec.name != "pending":
            diags.warning(file, lineno, "'delete' is only allowed in the pending section; "
                          "ignored")
        else:
            sec.conf["delete"] = Prop(m.group(1), lineno)
        return
    m = dialect.key.match(line)
    if m is None:
        diags.warning(file, lineno, f"line ignored by Proxmox: {line.strip()[:80]!r}")
        return
    _store(m.group(1), m.group(2), lineno, sec, dialect, file, diags)


def _store(key: str, value: str, lineno: int, sec: GuestSection, dialect: Dialect, file: str,
           diags: Diagnostics) -> None:
    problem = None
    if not dialect.known.fullmatch(key):
        problem = f"unknown setting '{key}'"
    elif key in dialect.booleans:
        b = parse_boolean(value)  # CT check_type: 1/on/yes/true, 0/off/no/false
        if b is None:
            problem = f"'{value}' is not a boolean"
        else:
            value = "1" if b else "0"
    elif key in dialect.integers and not value.isdigit():
        problem = f"'{value}' is not an integer"
    if problem is not None:
        kept = dialect.keeps_invalid
        diags.warning(file, lineno, f"{key}: {problem}; Proxmox "
                      f"{'keeps the raw value' if kept else 'ignores this line'}")
        if not kept:
            return
    if key == "cdrom" and not dialect.raw_lxc:
        key = "ide2"  # QS parse_vm_config: cdrom is an alias of ide2
    old = sec.conf.get(key)
    if old is not None:
        diags.info(file, lineno, f"{key} set again (first at line {old.line}); the later "
                   "value wins")
    sec.conf[key] = Prop(value, lineno)


def _raw_lxc(key: str, value: str, lineno: int, sec: GuestSection, file: str,
             diags: Diagnostics) -> None:
    """CT Config.pm is_valid_lxc_conf_key: whitelisted keys and lxc.cgroup2.*,
    lxc.prlimit.*, lxc.net.* are kept; old LXC 2 names and lxc.cgroup.* are kept with a
    warning; lxc.rootfs.path/options are refused; others are refused."""
    if key == "lxc.environment.runtime":
        old = sec.conf.get("env")
        sec.conf["env"] = Prop(value if old is None else f"{old.value}\0{value}", lineno)
        return
    verdict = _lxc_key_verdict(key)
    if verdict is not None and verdict.startswith("refused"):
        diags.warning(file, lineno, f"{key}: {verdict}")
        return
    if verdict is not None:
        diags.warning(file, lineno, f"{key}: {verdict}")
    sec.raw_lxc.append(LxcEntry(key, value, lineno))


_LXC_WHITELIST = frozenset({
    "lxc.apparmor.profile", "lxc.apparmor.allow_incomplete", "lxc.apparmor.allow_nesting",
    "lxc.apparmor.raw", "lxc.selinux.context", "lxc.include", "lxc.arch", "lxc.uts.name",
    "lxc.signal.halt", "lxc.signal.reboot", "lxc.signal.stop", "lxc.init.cmd",
    "lxc.init.cwd", "lxc.init.uid", "lxc.init.gid", "lxc.init.groups", "lxc.pty.max",
    "lxc.console.logfile", "lxc.console.path", "lxc.tty.max", "lxc.devtty.dir",
    "lxc.hook.autodev", "lxc.autodev", "lxc.kmsg", "lxc.mount.fstab", "lxc.mount.entry",
    "lxc.mount.auto", "lxc.rootfs.mount", "lxc.cap.drop", "lxc.cap.keep",
    "lxc.seccomp.profile", "lxc.seccomp.notify.proxy", "lxc.seccomp.notify.cookie",
    "lxc.idmap", "lxc.hook.pre-start", "lxc.hook.pre-mount", "lxc.hook.mount",
    "lxc.hook.start", "lxc.hook.stop", "lxc.hook.post-stop", "lxc.hook.clone",
    "lxc.hook.destroy", "lxc.hook.version", "lxc.log.level", "lxc.log.file",
    "lxc.start.auto", "lxc.start.delay", "lxc.start.order", "lxc.group", "lxc.environment",
    "lxc.environment.hooks", "lxc.sysctl.fs.mqueue", "lxc.sysctl.kernel.msgmax",
    "lxc.sysctl.kernel.msgmnb", "lxc.sysctl.kernel.msgmni", "lxc.sysctl.kernel.sem",
    "lxc.sysctl.kernel.shmall", "lxc.sysctl.kernel.shmmax", "lxc.sysctl.kernel.shmmni",
    "lxc.sysctl.kernel.shm_rmid_forced"})
_LXC_DEPRECATED = {
    "lxc.aa_profile": "lxc.apparmor.profile", "lxc.aa_allow_incomplete":
    "lxc.apparmor.allow_incomplete", "lxc.console": "lxc.console.path", "lxc.devttydir":
    "lxc.tty.dir", "lxc.haltsignal": "lxc.signal.halt", "lxc.rebootsignal":
    "lxc.signal.reboot", "lxc.stopsignal": "lxc.signal.stop", "lxc.id_map": "lxc.idmap",
    "lxc.init_cmd": "lxc.init.cmd", "lxc.loglevel": "lxc.log.level", "lxc.logfile":
    "lxc.log.file", "lxc.mount": "lxc.mount.fstab", "lxc.pts": "lxc.pty.max",
    "lxc.se_context": "lxc.selinux.context", "lxc.seccomp": "lxc.seccomp.profile",
    "lxc.tty": "lxc.tty.max", "lxc.utsname": "lxc.uts.name"}


def _lxc_key_verdict(key: str) -> str | None:
    """None: accepted silently; 'refused…': dropped; other text: kept with a warning."""
    if key in ("lxc.rootfs.path", "lxc.rootfs.options"):
        return "refused by Proxmox (generated from the rootfs property)"
    if key.startswith("lxc.limit."):
        return "lxc.limit.* was renamed to lxc.prlimit.* (kept)"
    if key in _LXC_DEPRECATED or key.startswith("lxc.network."):
        new = _LXC_DEPRECATED.get(key, "lxc.net.INDEX.*")
        return f"deprecated LXC 2 name, renamed to {new} (kept)"
    if key in _LXC_WHITELIST or key.startswith(("lxc.cgroup2.", "lxc.prlimit.", "lxc.net.")):
        return None
    if key.startswith("lxc.cgroup."):
        return "lxc.cgroup.* is deprecated (cgroup v1) (kept)"
    return "refused by Proxmox (not an allowed raw LXC key)"
