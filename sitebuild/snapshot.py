"""The start-up memory snapshot of the hosted site (issue 14), taken under Node, cached.

Why: restoring a heap in which the engine is already imported (and one demo audited)
skips Python's initialisation and every module import; the browser is ready sooner.
The snapshot only fits the exact runtime it was taken with (pyodide.asm.* build id, our
wheels), so it is keyed by the sha256 of every runtime file and of the Node script, and
rebuilt when any of them changes. It ships gzip'd (~38 MB raw, ~7.5 MB gzip); the worker
inflates it with DecompressionStream.

Only the hosted site carries it: in the single file it would add ~10 MB of base64 to the
~11.5 MB page, over the 20 MB the single file may take, so the single file keeps the
normal boot (measured; bench/startup.py prints the sizes).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sitebuild.pyc import PrecompileError

HERE = Path(__file__).resolve().parent
NAME = "snapshot.bin.gz"


def _key(runtime: dict[str, bytes]) -> str:
    h = hashlib.sha256((HERE / "snapshot.mjs").read_bytes())
    for name in sorted(runtime):
        h.update(name.encode() + b"\0" + hashlib.sha256(runtime[name]).digest())
    return h.hexdigest()


def take(runtime: dict[str, bytes], cache: Path) -> bytes:
    """The gzip'd snapshot for these runtime files (from the cache when it has it)."""
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
        data = gzip.compress(raw.read_bytes(), compresslevel=9, mtime=0)
    hit.write_bytes(data)
    return data
