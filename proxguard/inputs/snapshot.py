"""Snapshots: the host's configuration files keyed by their path under the host root.

Everything the engine judges comes in through here, from a directory laid out like the
host's root, a collector tarball, or loose/pasted texts. Paths are normalised to the
host layout (no leading slash) so that every later stage can rely on one naming; each
file's kind is decided by `proxguard.inputs.kinds` (path first, checked against content).
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import limits
from proxguard.inputs.kinds import (
    KIND_LABELS,
    LXC_CONF,
    QEMU_CONF,
    UNKNOWN,
    canonical_path,
    compatible_kinds,
    detect_kind_as,
    kind_from_path,
)
from proxguard.inputs.limits import MAX_FILE_BYTES, InputError
from proxguard.inputs.loose import STDIN_LABEL, LooseFile, place_loose
from proxguard.inputs.paths import glob_match, normalise_path
from proxguard.inputs.sources import Source
from proxguard.inputs.tarball import read_tarball
from proxguard.inputs.tree import TreeReader

MAX_STDIN_BYTES = 64 * 1024 * 1024  # a collector tarball piped in; a config is far smaller

__all__ = ["MAX_FILE_BYTES", "InputError", "InputFile", "Snapshot", "normalise_path"]

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
        # keys are normalised, so a path equal to a key is normalised too: the report asks
        # for one file per target (evidence lines), and normpath costs ~5 µs a call
        found = self.files.get(path)
        return found if found is not None else self.files.get(normalise_path(path))

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
        return sorted((f for p, f in self.files.items() if glob_match(pat, p)),
                      key=lambda f: f.path)

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
        by_content = detect_kind_as(text, kind or by_path)
        chosen = kind or by_path or by_content
        if chosen == UNKNOWN and not kind:
            self.diagnostics.warning(norm, 0, "file kind not recognised; it is not assessed")
        elif chosen in KIND_LABELS and by_content not in (UNKNOWN, chosen) \
                and not compatible_kinds(chosen, by_content):  # listed kinds: no parser yet
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
    def from_paths(cls, paths: Iterable[str | os.PathLike[str]],
                   stdin: BinaryIO | None = None) -> Snapshot:
        """CLI inputs: directories laid out like the host root, tarballs, single files,
        `-` for standard input. Loose files are placed together at the end, each at the
        host path of its kind (proxguard.inputs.loose).
        Raises InputError for a path that cannot be read at all."""
        snap = cls()
        budget = limits.Budget()
        loose: list[LooseFile] = []
        stdin_used = False
        for raw in paths:
            p = Path(raw)
            if str(raw) == "-":
                if stdin_used:
                    raise InputError("-: standard input can be given only once")
                stdin_used = True
                loose.extend(snap._add_stdin(stdin if stdin is not None else sys.stdin.buffer))
            elif p.is_dir():
                snap.add_directory(p, budget)
            elif p.is_file() and _is_tarball(p):
                with p.open("rb") as fh:
                    snap.add_tarball(fh, str(p), budget)
            elif p.is_file():
                if p.stat().st_size > MAX_FILE_BYTES:
                    raise InputError(f"{p}: larger than {MAX_FILE_BYTES} bytes; not a config file")
                loose.append(LooseFile(p.name, p.read_bytes()))
            else:
                raise InputError(f"{raw}: no such file or directory")
        place_loose(snap, loose)
        return snap

    def _add_stdin(self, stream: BinaryIO) -> list[LooseFile]:
        """`-`: a collector tarball (by its magic bytes) goes in whole; anything else is
        one loose file whose kind only its content can tell."""
        data = stream.read(MAX_STDIN_BYTES + 1)
        if len(data) > MAX_STDIN_BYTES:
            raise InputError(f"{STDIN_LABEL}: larger than {MAX_STDIN_BYTES} bytes; not read")
        if data[:2] == b"\x1f\x8b" or data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00" \
                or data[257:262] == b"ustar":
            self.add_tarball(data, STDIN_LABEL)
            return []
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"{STDIN_LABEL}: larger than {MAX_FILE_BYTES} bytes; not a config file")
        return [LooseFile("-", data, from_stdin=True)]

    def add_tarball(self, data: bytes | Any, label: str = "tarball",
                    budget: limits.Budget | None = None) -> None:
        """A collector tarball (bytes or a binary file), read as a bounded stream by the
        list of sources (inputs.tarball); raises InputError (a cap, or not an archive)."""
        raw = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        budget = budget or limits.Budget()
        before = set(self.files)
        try:
            read_tarball(raw, label, lambda name, b: self._add_listed(name, b, budget),
                         self.diagnostics, budget)
        except InputError:  # a cap or a broken archive: none of it is graded (web page)
            for name in set(self.files) - before:
                del self.files[name]
            raise

    def add_directory(self, root: Path | str, budget: limits.Budget | None = None,
                      entries: tuple[Source, ...] | None = None) -> None:
        """A directory laid out like a host root (collector tree, extracted tarball, or
        the live `/`): only the list of sources is read (inputs.tree); `entries` narrows
        it (a live host has no commands/ tree: its commands are run instead)."""
        budget = budget or limits.Budget()
        reader = TreeReader(str(root), lambda name, b: self._add_listed(name, b, budget),
                            self.diagnostics, budget, entries)
        self.collected.update(reader.read())

    def _add_listed(self, name: str, data: bytes, budget: limits.Budget) -> None:
        budget.check_file_size(name, len(data))
        self._add_bytes(name, data)
        f = self.files.get(normalise_path(name))
        if f is not None and f.kind in (LXC_CONF, QEMU_CONF):
            budget.add_guest(f.path, posixpath.basename(f.path).split(".", 1)[0])

    def _add_bytes(self, name: str, data: bytes) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            self.diagnostics.warning(normalise_path(name), 0,
                                     "not valid UTF-8; undecodable bytes replaced")
        self.add(name, text)


def _is_tarball(p: Path) -> bool:
    if p.name.endswith((".tar.gz", ".tgz", ".tar")):
        return True
    with p.open("rb") as fh:
        magic = fh.read(2)
    return magic == b"\x1f\x8b"
