"""Which PATH arguments are which host.

A collector tarball is one host; so is a directory laid out like a host root (it has
`etc/` or `commands/`). A directory that is neither is a fleet directory: each tarball and
each host-root directory directly inside it is one host. Loose single files combine into
one host, as they always did, and join the host root when exactly one was given; beside
several roots they could belong to any of them, which is an error rather than a guess.
Two roots that overlap (the same tree twice, or one inside the other) are an error too:
silently auditing a host twice, or one host's files as part of another, is the merge
this module exists to prevent.
"""

from __future__ import annotations

import itertools
import os
import re
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from proxguard.inputs import InputError

MAX_HOSTS = 10_000  # a fleet directory listing is bounded; more is not a fleet we judge
TARBALL_SUFFIXES = (".tar.gz", ".tgz", ".tar")
# The collector names its tarball and the tarball's top folder proxguard-<host>-<UTC stamp>.
_COLLECTOR_NAME = re.compile(r"proxguard-(?P<host>[A-Za-z0-9][A-Za-z0-9._-]{0,62})-\d{8}T\d{6}Z")
_NODE_DIR = re.compile(r"etc/pve/nodes/([^/]+)/")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class HostInput:
    """One host to audit: the PATH arguments that form it, and where it came from."""

    paths: tuple[str, ...]
    label: str  # the host's PATH as the user gave it (the "path" of the fleet report)
    kind: str  # "tarball", "directory" or "loose"


@dataclass(frozen=True)
class Split:
    hosts: list[HostInput]
    fleet_dir: bool  # a fleet directory was expanded (fleet output even for one host)
    skipped: list[str]  # what a fleet directory held that is not a host (told, not lost)


def is_host_root(path: Path) -> bool:
    return (path / "etc").is_dir() or (path / "commands").is_dir()


def is_tarball(path: Path) -> bool:
    """By name, or by the gzip magic for a renamed collector tarball."""
    if path.name.endswith(TARBALL_SUFFIXES):
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def split_hosts(paths: Sequence[str]) -> Split:
    """Group PATH arguments into hosts; raise InputError for a missing path, overlapping
    roots, or loose files beside several roots."""
    roots: list[HostInput] = []
    loose: list[str] = []
    skipped: list[str] = []
    fleet_dir = False
    for raw in paths:
        p = Path(raw)
        if raw == "-":
            loose.append(raw)
        elif p.is_dir() and not is_host_root(p) and _holds_hosts(p):
            fleet_dir = True
            roots.extend(_expand(p, skipped))
        elif p.is_dir():
            roots.append(HostInput((raw,), raw, "directory"))
        elif p.is_file():
            if is_tarball(p):
                roots.append(HostInput((raw,), raw, "tarball"))
            else:
                loose.append(raw)
        else:
            raise InputError(f"{raw}: no such file or directory")
    _check_overlaps(roots)
    return Split(_with_loose(roots, loose), fleet_dir, skipped)


def _with_loose(roots: list[HostInput], loose: list[str]) -> list[HostInput]:
    if not loose:
        return roots
    if not roots:
        return [HostInput(tuple(loose), " ".join(loose), "loose")]
    if "-" in loose:  # stdin may be a collector tarball: a host of its own, unseen until read
        raise InputError("standard input (-) beside a host root could be another host (a "
                         "collector tarball) or a file of that host; audit it on its own, or "
                         "put the file in the host's directory")
    if len(roots) == 1:
        only = roots[0]
        return [HostInput((*only.paths, *loose), only.label, only.kind)]
    raise InputError(
        f"{', '.join(loose)}: loose files given beside {len(roots)} hosts; they could belong to "
        "any of them — put them in their host's directory, or audit them on their own")


def _holds_hosts(directory: Path) -> bool:
    try:
        with os.scandir(directory) as it:
            for n, entry in enumerate(it):
                if n >= MAX_HOSTS:
                    return False
                p = Path(entry.path)
                if entry.is_symlink():
                    continue
                if (entry.is_file() and entry.name.endswith(TARBALL_SUFFIXES)) or \
                        (entry.is_dir() and is_host_root(p)):
                    return True
    except OSError:
        return False
    return False


def _expand(directory: Path, skipped: list[str]) -> list[HostInput]:
    """The hosts directly inside a fleet directory, sorted by name. Symlinks are not
    followed (they could lead out of the tree); they and other entries are reported."""
    entries = sorted(os.scandir(directory), key=lambda e: e.name)
    if len(entries) > MAX_HOSTS:
        raise InputError(f"{directory}: more than {MAX_HOSTS} entries; not a fleet directory")
    out: list[HostInput] = []
    for entry in entries:
        label = os.path.join(str(directory), entry.name)
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            skipped.append(f"{label}: symlink not followed")
        elif entry.is_file() and is_tarball(Path(entry.path)):
            out.append(HostInput((label,), label, "tarball"))
        elif entry.is_dir() and is_host_root(Path(entry.path)):
            out.append(HostInput((label,), label, "directory"))
        else:
            skipped.append(f"{label}: neither a collector tarball nor a host root directory")
    return out


def _check_overlaps(roots: list[HostInput]) -> None:
    """Raise if two roots are the same tree or one lies inside another. Sorted as
    "/path/" strings, a root and anything inside it are contiguous, so comparing
    neighbours finds every overlap in O(n log n) (a fleet can hold thousands of hosts)."""
    keyed = sorted((os.path.realpath(h.paths[0]).rstrip("/") + "/", h.label) for h in roots)
    for (a, label_a), (b, label_b) in itertools.pairwise(keyed):
        if b.startswith(a):
            raise InputError(f"{label_a} and {label_b} overlap: one host's files would be "
                             "audited twice or as part of another host; give each host once")


def clean(text: str, limit: int = 200) -> str:
    """A name or path as shown in a report: no control or bidi characters, bounded."""
    out = _UNSAFE.sub("?", text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def host_name(host: HostInput, snapshot_paths: Sequence[str]) -> str:
    """The host's name from the snapshot: the collector's proxguard-<host>-<stamp> folder
    (or file name), else the one node under etc/pve/nodes/, else the PATH's own name."""
    collector = []
    if host.kind == "tarball":
        collector = [_first_member(Path(host.paths[0])), Path(host.paths[0]).name]
    fallback = "loose files" if host.kind == "loose" else Path(host.paths[0].rstrip("/")).name
    return name_from(collector, snapshot_paths, fallback or host.paths[0])


def name_from(collector: Sequence[str | None], snapshot_paths: Sequence[str],
              fallback: str) -> str:
    """The naming rule shared by the CLI and the web page: a collector name among
    `collector` (the archive's top folder, its file name), else the only node, else
    `fallback` without a tarball suffix."""
    for candidate in collector:
        found = _COLLECTOR_NAME.search(candidate or "")
        if found:
            return found.group("host")
    nodes = {m.group(1) for p in snapshot_paths if (m := _NODE_DIR.match(p))}
    if len(nodes) == 1:
        return clean(nodes.pop(), 64)
    for suffix in TARBALL_SUFFIXES:
        fallback = fallback.removesuffix(suffix)
    return clean(fallback, 64) or "host"


def first_member_name(fileobj: BinaryIO) -> str | None:
    """The first member's name of a tar stream, reading one header only."""
    try:
        with tarfile.open(fileobj=fileobj, mode="r|*") as tar:
            member = tar.next()
            return member.name if member is not None else None
    except (tarfile.TarError, OSError, EOFError):
        return None


def _first_member(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return first_member_name(fh)
    except OSError:
        return None


def require_one_host(paths: Sequence[str], command: str) -> None:
    """Commands that judge one host (fix, firewall) refuse several: merging them is the
    wrong answer this module exists to prevent, and picking one would be a silent guess."""
    split = split_hosts(paths)
    if len(split.hosts) > 1 or split.fleet_dir:
        names = ", ".join(h.label for h in split.hosts[:5])
        more = " …" if len(split.hosts) > 5 else ""
        raise InputError(f"{command} takes one host, got {len(split.hosts)} ({names}{more}); "
                         f"run it once per host (only `audit` reports on a fleet)")
