"""The release build: scripts/release.sh proves two clean builds identical and writes
SHA256SUMS that `sha256sum -c` accepts; the comparison names what differs when they are not.

The end-to-end test costs two clean builds (~14 s on 2 cores: Pyodide's stdlib is
recompiled under Node each time; the pinned downloads in .cache/npm and .cache/pypi are
reused, never fetched again).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sitebuild import release  # noqa: E402


def _have_build_inputs() -> bool:
    cache = ROOT / ".cache"
    return (cache / "npm").is_dir() and (cache / "pypi").is_dir()


@pytest.mark.skipif(not _have_build_inputs(), reason="pinned downloads not cached (.cache/)")
def test_release_script_builds_twice_identically_and_writes_verifiable_sums(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    proc = subprocess.run(["bash", str(ROOT / "scripts/release.sh"), "--out", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "two clean builds gave identical bytes" in proc.stdout
    # Both clean builds recompiled and took the start-up snapshot again (no cache hit could
    # hide nondeterminism); the snapshot and the single file carrying it are compared whole.
    assert proc.stderr.count("precompiling python_stdlib.zip") == 2
    assert proc.stderr.count("taking the start-up snapshot") == 2
    listed = {}
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split("  ", 1)
        listed[path] = digest
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(listed) == files
    assert {"proxguard.html", "proxguard-site.tar.gz", "site/index.html",
            "site/pyodide/pyodide-lock.json", "site/pyodide/snapshot.bin.gz"} <= files
    for path, digest in listed.items():
        assert hashlib.sha256((out / path).read_bytes()).hexdigest() == digest, path
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with tarfile.open(out / "proxguard-site.tar.gz") as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        assert set(members) == {p for p in files if p.startswith("site/")}
        for name, member in members.items():
            data = tar.extractfile(member)
            assert data is not None and data.read() == (out / name).read_bytes()


def _write_zip(path: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)


def test_differences_name_the_file_and_the_zip_entry_that_differ(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for d, body in ((a, b"x = 1\n"), (b, b"x = 2\n")):
        (d / "site/pyodide").mkdir(parents=True)
        (d / "site/index.html").write_text("<html></html>")
        _write_zip(d / "site/pyodide/pkg.whl", {"pkg/__init__.py": b"", "pkg/mod.py": body})
    (b / "site/extra.js").write_text("1")
    diff = release.differences(a, b)
    assert diff[0] == "site/extra.js: only in the second build"
    assert diff[1].startswith("site/pyodide/pkg.whl: sha256 ")
    assert diff[2:] == ["  pkg/mod.py"]
    assert release.differences(a, a) == []


def test_a_nondeterministic_build_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"

    def builder(out: Path, cache: Path) -> None:
        assert (cache / "npm").resolve() == (shared / "npm").resolve()
        assert not (cache / "pyc").exists()  # a fresh bytecode store for each build
        (out / "site").mkdir(parents=True)
        (out / "site/index.html").write_text(f"built at {time.perf_counter_ns()}")
        (out / "proxguard.html").write_text("same")

    with pytest.raises(release.NotReproducible, match=r"site/index\.html: sha256"):
        release.reproducible_build(builder, shared, tmp_path / "work")


def test_publish_writes_sums_and_an_archive_independent_of_file_times(tmp_path: Path) -> None:
    built = tmp_path / "built"
    (built / "site/pyodide").mkdir(parents=True)
    (built / "site/index.html").write_text("<html>")
    (built / "site/pyodide/a.whl").write_bytes(b"\x00\x01")
    (built / "proxguard.html").write_text("<html>single")
    first = release.publish(built, tmp_path / "one")
    os.utime(built / "site/index.html", (1_700_000_000, 1_700_000_000))
    second = release.publish(built, tmp_path / "two")
    assert first == second
    assert sorted(first) == ["proxguard-site.tar.gz", "proxguard.html", "site/index.html",
                             "site/pyodide/a.whl"]
    archive = (tmp_path / "one/proxguard-site.tar.gz").read_bytes()
    assert archive[4:8] == b"\x00\x00\x00\x00"  # gzip MTIME field is zero
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive))) as tar:
        assert [m.name for m in tar.getmembers()] == ["site/index.html", "site/pyodide",
                                                      "site/pyodide/a.whl"]
        assert {(m.mtime, m.uid, m.uname) for m in tar.getmembers()} == {(0, 0, "")}
    sums = (tmp_path / "one/SHA256SUMS").read_text().splitlines()
    assert sums[0] == f"{hashlib.sha256(archive).hexdigest()}  proxguard-site.tar.gz"
