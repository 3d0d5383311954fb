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
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from proxguard.diagnostics import Diagnostics
from proxguard.inputs.kinds import (
    KIND_LABELS,
    MANIFEST_NAME,
    UNKNOWN,
    canonical_path,
    compatible_kinds,
    detect_kind,
    kind_from_path,
)
from proxguard.inputs.loose import STDIN_LABEL, LooseFile, place_loose

MAX_FILE_BYTES = 8 * 1024 * 1024  # a config larger than this is not a config
MAX_STDIN_BYTES = 64 * 1024 * 1024  # a collector tarball piped in; a config is far smaller

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
        elif by_content not in (UNKNOWN, chosen) and not compatible_kinds(chosen, by_content):
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
                snap._add_directory(p)
            elif p.is_file() and _is_tarball(p):
                snap.add_tarball(p.read_bytes(), str(p))
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

    def add_tarball(self, data: bytes, label: str = "tarball") -> None:
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
                for member in tar:
                    if not member.isfile():
                        continue
                    name = _strip_archive_root(member.name)
                    if name is None:
                        continue
                    if member.size > MAX_FILE_BYTES:
                        self.diagnostics.warning(name, 0, "file too large; not read")
                        continue
                    fh = tar.extractfile(member)
                    if fh is not None:
                        self._add_bytes(name, fh.read())
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise InputError(f"{label}: not a readable tar archive ({exc})") from exc

    def _add_directory(self, root: Path) -> None:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                full = Path(dirpath, name)
                rel = full.relative_to(root).as_posix()
                if rel.startswith(".") or "/." in rel:
                    continue
                if not rel.startswith(("etc/", "commands/")) and rel != MANIFEST_NAME:
                    continue  # only the host tree; fixture metadata (expect.json) sits beside it
                if full.stat().st_size > MAX_FILE_BYTES:
                    self.diagnostics.warning(rel, 0, "file too large; not read")
                    continue
                self._add_bytes(rel, full.read_bytes())

    def _add_bytes(self, name: str, data: bytes) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            self.diagnostics.warning(normalise_path(name), 0,
                                     "not valid UTF-8; undecodable bytes replaced")
        self.add(name, text)


class InputError(Exception):
    """An input that cannot be read at all (CLI exit code 2)."""


def normalise_path(path: str) -> str:
    p = path.replace("\\", "/")
    p = posixpath.normpath("/" + p).lstrip("/")
    return p


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


def _strip_archive_root(name: str) -> str | None:
    """Collector tarballs hold `proxguard-<host>-<date>/etc/...`; accept both that and
    a bare `etc/...` layout."""
    norm = normalise_path(name)
    parts = norm.split("/")
    if parts[-1] == MANIFEST_NAME and len(parts) <= 2:
        return MANIFEST_NAME  # the manifest sits at the archive root (or its top folder)
    for i, part in enumerate(parts):
        if part in ("etc", "commands"):
            return "/".join(parts[i:])
    return norm if kind_from_path(norm) else None
