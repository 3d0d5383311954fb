"""The start-up memory snapshot of the hosted site (issue 14), taken under Node, cached.

Why: restoring a heap in which the engine is already imported (and one demo audited)
skips Python's initialisation and every module import; the browser is ready sooner.
The snapshot only fits the exact runtime it was taken with (pyodide.asm.* build id, our
wheels), so it is keyed by the sha256 of every runtime file and of the scripts that make
and pack it, and rebuilt when any of them changes. Its bytes depend on nothing else:
snapshot.mjs runs Python with fixed randomness, a stopped clock and a fixed environment,
so two clean builds give the same file (docs/ci.md, the release check).

What ships (`pack`, read by web/worker.js as it streams in): one gzip member holding
MAGIC, a little-endian u32 header length, a JSON header, then the bytes it lists:
  - `heap`: the heap's size; `runs`: [offset, length] of each run of 4 KiB pages that are
    not all zero, whose bytes follow in order (a third of the ~38 MB heap is zero pages,
    which are not shipped and need no inflating: the worker starts from a zeroed buffer);
  - `files`: [path, size] of every file of our four wheels, whose bytes follow. The
    heap holds no file system, so site-packages is written again after the restore;
    carrying the files here costs one inflate and no Python, where unpacking the wheels
    (Python's zipfile, or one DecompressionStream per entry) cost ~0.3 s.

The hosted site carries it (~9.1 MB, against the 8.5 MB snapshot plus 1.6 MB of wheels it
fetched before), and so does the single file, which then leaves the wheels out
(sitebuild/single.py; ~17 MB in all, its blocks being raw bytes, sitebuild/bytetext.py).
bench/startup.py measures the single file with it (`file-snap`, shipped) and without
(`file-nosnap`); docs/performance.md has the figures.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

from sitebuild import wheels
from sitebuild.pyc import PrecompileError

HERE = Path(__file__).resolve().parent
NAME = "snapshot.bin.gz"
MAGIC = b"PGSNAP1\n"
PAGE = 4096


def pack(heap: bytes, files: dict[str, bytes]) -> bytes:
    """The shipped snapshot (module docstring): heap without its zero pages, plus files."""
    runs: list[list[int]] = []
    for start in range(0, len(heap), PAGE):
        if not any(heap[start:start + PAGE]):
            continue
        end = min(start + PAGE, len(heap))
        if runs and runs[-1][0] + runs[-1][1] == start:
            runs[-1][1] = end - runs[-1][0]
        else:
            runs.append([start, end - start])
    names = sorted(files)
    header = json.dumps({"heap": len(heap), "runs": runs,
                         "files": [[n, len(files[n])] for n in names]},
                        separators=(",", ":")).encode()
    body = b"".join([MAGIC, struct.pack("<I", len(header)), header,
                     *(heap[o:o + n] for o, n in runs), *(files[n] for n in names)])
    return gzip.compress(body, compresslevel=9, mtime=0)


def unpack(data: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The heap and the files of a packed snapshot (what the worker does, for tests)."""
    body = gzip.decompress(data)
    if body[:len(MAGIC)] != MAGIC:
        raise ValueError("invalid magic number: not a ProxGuard start-up snapshot")
    (size,) = struct.unpack_from("<I", body, len(MAGIC))
    at = len(MAGIC) + 4
    header = json.loads(body[at:at + size])
    at += size
    heap = bytearray(header["heap"])
    for offset, length in header["runs"]:
        heap[offset:offset + length] = body[at:at + length]
        at += length
    files = {}
    for name, length in header["files"]:
        files[name] = body[at:at + length]
        at += length
    if at != len(body):
        raise ValueError("snapshot length does not match its header")
    return bytes(heap), files


def wheel_files(runtime: dict[str, bytes]) -> dict[str, bytes]:
    """site-packages as the wheels would unpack it: every file of every wheel."""
    out: dict[str, bytes] = {}
    for name in sorted(n for n in runtime if n.endswith(".whl")):
        out.update(wheels.read_zip(runtime[name]))
    return out


def _key(runtime: dict[str, bytes]) -> str:
    h = hashlib.sha256((HERE / "snapshot.mjs").read_bytes() + (HERE / "snapshot.py").read_bytes())
    for name in sorted(runtime):
        h.update(name.encode() + b"\0" + hashlib.sha256(runtime[name]).digest())
    return h.hexdigest()


def take(runtime: dict[str, bytes], cache: Path) -> bytes:
    """The packed snapshot for these runtime files (from the cache when it has it)."""
    store = cache / "snapshot"
    store.mkdir(parents=True, exist_ok=True)
    hit = store / f"{_key(runtime)}.bin.gz"
    if hit.is_file():
        return hit.read_bytes()
    node = shutil.which("node")
    if node is None:
        raise PrecompileError("node is required to take the start-up snapshot (Debian nodejs)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in runtime.items():
            (Path(tmp) / name).write_bytes(data)
        raw = Path(tmp) / "snapshot.bin"
        print("build: taking the start-up snapshot with Pyodide under Node", file=sys.stderr)
        proc = subprocess.run([node, str(HERE / "snapshot.mjs"), tmp, str(raw)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise PrecompileError(f"snapshot failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        if not isinstance(report.get("warmup", {}).get("grade"), str) or \
                len(report["warmup"]["grade"]) != 1:
            raise PrecompileError(f"snapshot warm-up audit did not grade the demo: {report}")
        data = pack(raw.read_bytes(), wheel_files(runtime))
    hit.write_bytes(data)
    return data
