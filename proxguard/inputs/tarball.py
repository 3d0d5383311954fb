"""Reading a collector tarball as a bounded stream, by the list of sources.

The archive is decompressed by us, through a counter that stops at the total-bytes cap,
and handed to tarfile in stream mode: a small tarball that expands to gigabytes, a giant
pax or long-name header, or a hundred thousand members all end with a one-line error
naming the cap, having held at most one member in memory. A member is read only if its
path (after the collector's top directory) is in the list of sources; anything else is
skipped unread, a secret's name is refused with a diagnostic, and a link member is
reported with its target path only.
"""

from __future__ import annotations

import io
import tarfile
import zlib
from collections.abc import Callable
from typing import IO

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import limits, sources
from proxguard.inputs.paths import normalise_path
from proxguard.inputs.tree import shown

Add = Callable[[str, bytes], None]


class _Capped(io.RawIOBase):
    """A read-only stream that counts what passes and stops at MAX_TOTAL_BYTES."""

    def __init__(self, inner: IO[bytes], budget: limits.Budget, label: str) -> None:
        self.inner, self.budget, self.label = inner, budget, label

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = limits.MAX_TOTAL_BYTES + 1
        data = self.inner.read(n)
        self.budget.add_bytes(self.label, len(data))
        return data

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


def _decompressed(raw: IO[bytes], label: str) -> IO[bytes]:
    magic = raw.read(6)
    raw.seek(0)
    try:
        if magic.startswith(b"\x1f\x8b"):
            import gzip

            return gzip.GzipFile(fileobj=raw, mode="rb")
        if magic.startswith(b"BZh"):
            import bz2

            return bz2.BZ2File(raw)
        if magic.startswith(b"\xfd7zXZ"):
            import lzma

            return lzma.LZMAFile(raw)
    except ImportError as exc:  # a browser build without the module
        raise limits.InputError(f"{label}: compression not supported here ({exc})") from exc
    return raw


def archive_name(name: str) -> str | None:
    """Collector tarballs hold `proxguard-<host>-<date>/etc/...`; a bare `etc/...`
    layout is accepted too. None for paths outside the host tree."""
    parts = normalise_path(name).split("/")
    for i, part in enumerate(parts):
        if part in ("etc", "commands"):
            return "/".join(parts[i:])
    if parts[-1] == sources.MANIFEST and len(parts) <= 2:
        return sources.MANIFEST
    return None


def read_tarball(raw: IO[bytes], label: str, add: Add, diags: Diagnostics,
                 budget: limits.Budget) -> None:
    stream = _Capped(_decompressed(raw, label), budget, label)
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                budget.add_member(label)
                _member(tar, member, add, diags, budget)
    except limits.InputError:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
        raise limits.InputError(f"{label}: not a readable tar archive ({exc})") from exc


def _member(tar: tarfile.TarFile, member: tarfile.TarInfo, add: Add, diags: Diagnostics,
            budget: limits.Budget) -> None:
    name = archive_name(member.name)
    if name is None:
        return
    if sources.never_read(name):
        diags.warning(name, 0, "secret file refused: ProxGuard never reads /etc/pve/priv/, "
                      "/etc/shadow or key files; it was discarded unread")
        return
    if sources.listed(name) is None:
        return  # not in the list of sources: skipped unread
    if member.issym() or member.islnk():
        diags.warning(name, 0, f"link to {shown(member.linkname)} in the archive: "
                      "not followed; not read")
        return
    if not member.isfile():
        return
    budget.check_file_size(name, member.size)
    fh = tar.extractfile(member)
    if fh is not None:
        add(name, fh.read(limits.MAX_FILE_BYTES + 1))
