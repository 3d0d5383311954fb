"""Release build: the site and the single file built twice from clean, compared byte for
byte, then published into one directory with SHA256SUMS and a deterministic site archive.

Why twice: a checksum only means something if anyone rebuilding the same commit gets the
same bytes. "From clean" means separate output directories and a fresh bytecode store and
Pyodide unpack for each build, so a cache hit cannot hide a nondeterministic compile; the
pinned downloads (npm/, pypi/) are shared because their sha256 is checked on every use.
The same function runs locally (`bash scripts/release.sh`) and in CI, so the pipeline is
never the only place the check works.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

SUMS = "SHA256SUMS"
ARCHIVE = "proxguard-site.tar.gz"
SHARED_DOWNLOADS = ("npm", "pypi")

# build(out_dir, cache_dir): writes out_dir/site/ and out_dir/proxguard.html.
Builder = Callable[[Path, Path], object]


class NotReproducible(RuntimeError):
    """Two clean builds of the same tree differ."""


def checksums(root: Path) -> dict[str, str]:
    """{posix path relative to root: sha256} of every file below root, sorted by path."""
    out: dict[str, str] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def format_sums(sums: dict[str, str]) -> str:
    """`sha256sum` format ("<hex>  <path>"), so `sha256sum -c SHA256SUMS` verifies it."""
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(sums.items()))


def fresh_cache(shared: Path, tmp: Path) -> Path:
    """A cache directory with the shared pinned downloads but no compiled bytecode and no
    unpacked runtime, so the build redoes every transformation of the inputs."""
    cache = tmp / "cache"
    cache.mkdir(parents=True)
    for name in SHARED_DOWNLOADS:
        (shared / name).mkdir(parents=True, exist_ok=True)
        (cache / name).symlink_to((shared / name).resolve(), target_is_directory=True)
    return cache


def site_archive(site: Path) -> bytes:
    """The site as a .tar.gz whose bytes depend only on the files' contents: sorted
    entries, fixed owner, mode and time, and a gzip header without time or name."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(site.rglob("*")):
            rel = path.relative_to(site.parent).as_posix()
            info = tarfile.TarInfo(rel)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                data = path.read_bytes()
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def differences(a: Path, b: Path) -> list[str]:
    """Human lines naming every file (and, inside zips and wheels, every entry) that
    differs between two build directories; empty when they are identical."""
    sa, sb = checksums(a), checksums(b)
    lines: list[str] = []
    for path in sorted(set(sa) | set(sb)):
        if sa.get(path) == sb.get(path):
            continue
        if path not in sa or path not in sb:
            lines.append(f"{path}: only in the {'second' if path not in sa else 'first'} build")
            continue
        lines.append(f"{path}: sha256 {sa[path][:12]}… vs {sb[path][:12]}…")
        if path.endswith((".zip", ".whl")):
            lines.extend(f"  {entry}" for entry in _zip_differences(a / path, b / path))
    return lines


def _zip_differences(a: Path, b: Path, limit: int = 20) -> list[str]:
    def entries(p: Path) -> dict[str, tuple[bytes, tuple[int, ...]]]:
        with zipfile.ZipFile(p) as z:
            return {i.filename: (z.read(i), i.date_time) for i in z.infolist()}

    ea, eb = entries(a), entries(b)
    diff = sorted(n for n in set(ea) | set(eb) if ea.get(n) != eb.get(n))
    if not diff and list(ea) != list(eb):
        return ["same entries, different order"]
    more = [f"… and {len(diff) - limit} more"] if len(diff) > limit else []
    return diff[:limit] + more


def reproducible_build(builder: Builder, shared_cache: Path, work: Path) -> Path:
    """Build twice from clean under `work`; return the first build's directory, or raise
    NotReproducible listing what differs."""
    dirs = []
    for name in ("a", "b"):
        tmp = work / name
        cache = fresh_cache(shared_cache, tmp)
        builder(tmp / "dist", cache)
        dirs.append(tmp / "dist")
    diff = differences(dirs[0], dirs[1])
    if diff:
        raise NotReproducible("two clean builds differ:\n" + "\n".join(diff))
    return dirs[0]


def publish(built: Path, out: Path) -> dict[str, str]:
    """Copy a verified build into `out` (its site/ replaced), add the archive and
    SHA256SUMS; return the checksums written."""
    out.mkdir(parents=True, exist_ok=True)
    if (out / "site").exists():
        shutil.rmtree(out / "site")
    shutil.copytree(built / "site", out / "site")
    shutil.copyfile(built / "proxguard.html", out / "proxguard.html")
    (out / ARCHIVE).write_bytes(site_archive(out / "site"))
    sums = {"proxguard.html": "", ARCHIVE: "", **{f"site/{k}": "" for k in checksums(out / "site")}}
    sums = {path: hashlib.sha256((out / path).read_bytes()).hexdigest() for path in sums}
    (out / SUMS).write_text(format_sums(sums), encoding="utf-8")
    return sums


def release(builder: Builder, shared_cache: Path, out: Path) -> dict[str, str]:
    """The whole release step: two clean builds compared, then published into `out`."""
    with tempfile.TemporaryDirectory(prefix="proxguard-release-") as tmp:
        built = reproducible_build(builder, shared_cache, Path(tmp))
        return publish(built, out)
