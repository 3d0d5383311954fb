"""Reading a directory laid out like a host root — a collector tree, an extracted tarball,
or the live `/` — by the list of sources only.

Nothing is walked: each list entry is expanded component by component (a directory is
listed only where the entry has a wildcard), so /proc, /usr or a million unrelated files
are never visited. A file is read only if it is a regular file reached without a link,
or through a link whose real target is inside the root, in the list and not a secret; it
is opened with O_NOFOLLOW|O_NONBLOCK and checked (fstat) to be the very file examined,
so a FIFO, a device or a link swapped in meanwhile is never read. Everything else is
reported with its path (and a link with its target path only) and treated as absent.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import limits, sources
from proxguard.inputs.sources import Source

PRESENT, ABSENT, UNREADABLE, REFUSED = "present", "absent", "unreadable", "refused"
_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_NON_FILES = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
              (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
              (stat.S_ISDIR, "a directory"))

Add = Callable[[str, bytes], None]


def open_regular(path: str) -> int:
    """The only place a file under the root is opened (tests instrument it)."""
    return os.open(path, _FLAGS)


def shown(text: str) -> str:
    """A path from the tree, safe to print: control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class TreeReader:
    """One pass over the list for one root; `status` maps each path (or an entry that
    matched nothing) to present/absent/unreadable/refused."""

    def __init__(self, root: str, add: Add, diags: Diagnostics, budget: limits.Budget,
                 entries: tuple[Source, ...] | None = None) -> None:
        self.root = os.path.realpath(root)
        self.add, self.diags, self.budget = add, diags, budget
        self.entries = sources.reader_sources() if entries is None else entries
        self.status: dict[str, str] = {}

    def read(self) -> dict[str, str]:
        for src in self.entries:
            found = False
            for rel in self.expand(src):
                found = True
                if rel not in self.status:
                    self.status[rel] = self.read_one(rel, src)
            if not found and src.pattern not in self.status:
                self.status[src.pattern] = ABSENT
        return self.status

    # -- expansion ---------------------------------------------------------------------
    def expand(self, src: Source) -> Iterator[str]:
        """Relative paths that exist (lstat) for one entry, in lexical order."""
        parts = src.pattern.split("/")
        dirs = [""]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt: list[str] = []
            for d in dirs:
                for rel in self.children(d, part):
                    if last:
                        yield rel
                    elif self.is_real_dir(rel, src):
                        nxt.append(rel)
            dirs = nxt

    def children(self, d: str, part: str) -> list[str]:
        prefix = f"{d}/" if d else ""
        if not any(c in part for c in "*?["):
            try:
                os.lstat(self.full(prefix + part))
            except OSError:
                return []
            return [prefix + part]
        try:
            with os.scandir(self.full(d)) as it:
                names = []
                for entry in it:
                    self.budget.add_member(shown(prefix + entry.name))
                    if sources.matches(part, entry.name):
                        names.append(entry.name)
        except OSError:
            return []
        return [prefix + n for n in sorted(names)]

    def is_real_dir(self, rel: str, src: Source) -> bool:
        try:
            st = os.lstat(self.full(rel))
        except OSError:
            return False
        if stat.S_ISLNK(st.st_mode):
            if not src.alias:  # an alias is a pmxcfs link: its target is listed itself
                self.link_refused(rel, "a linked directory is not followed")
            return False
        return stat.S_ISDIR(st.st_mode)

    # -- reading one path ----------------------------------------------------------------
    def read_one(self, rel: str, src: Source) -> str:
        if sources.never_read(rel):
            self.diags.warning(rel, 0, "secret file refused: ProxGuard never reads "
                               "/etc/pve/priv/, /etc/shadow or key files; it was not opened")
            return REFUSED
        path = self.full(rel)
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                if src.alias:
                    return ABSENT  # read under nodes/<node>/ by its own entry
                path = self.link_target(rel)
                if path is None:
                    return REFUSED if os.path.exists(self.full(rel)) else ABSENT
                st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                what = next((name for test, name in _NON_FILES if test(st.st_mode)), "not a file")
                self.diags.warning(rel, 0, f"{what}, not a regular file: skipped, not opened")
                return REFUSED
            self.budget.check_file_size(rel, st.st_size)
            data = self.read_file(path, st, rel)
        except PermissionError:
            self.diags.warning(rel, 0, "unreadable (permission denied); not assessed")
            return UNREADABLE
        except FileNotFoundError:
            return ABSENT
        except OSError as exc:
            self.diags.warning(rel, 0, f"unreadable ({exc.strerror or exc}); not assessed")
            return UNREADABLE
        if data is None:
            self.diags.warning(rel, 0, "changed while being read (replaced by another file); "
                               "not read")
            return REFUSED
        self.add(rel, data)
        return PRESENT

    def read_file(self, path: str, st: os.stat_result, rel: str) -> bytes | None:
        fd = open_regular(path)
        try:
            now = os.fstat(fd)
            if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
                return None
            chunks, size = [], 0
            while size <= limits.MAX_FILE_BYTES:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
        self.budget.check_file_size(rel, size)
        self.budget.add_bytes(rel, size)
        return b"".join(chunks)

    def link_target(self, rel: str) -> str | None:
        """The real path a link leads to, if reading it is allowed: inside the root, in
        the list, not a secret. Otherwise the link is reported (target path only)."""
        full = self.full(rel)
        target = shown(os.readlink(full))
        real = os.path.realpath(full)
        if not os.path.lexists(real) or not os.path.exists(full):
            self.diags.warning(rel, 0, f"dangling symbolic link to {target}; absent")
            return None
        inside = os.path.commonpath([self.root, real]) == self.root and real != self.root
        real_rel = os.path.relpath(real, self.root) if inside else ""
        if not inside or sources.listed(real_rel) is None:
            self.diags.warning(rel, 0, f"symbolic link to {target}: not followed (it leads "
                               "outside the list of sources); not read")
            return None
        return real

    def link_refused(self, rel: str, why: str) -> None:
        if rel in self.status:  # a linked directory on the way of several entries
            return
        target = shown(os.readlink(self.full(rel)))
        self.diags.warning(rel, 0, f"symbolic link to {target}: {why}; not read")
        self.status.setdefault(rel, REFUSED)

    def full(self, rel: str) -> str:
        return os.path.join(self.root, rel) if rel else self.root
