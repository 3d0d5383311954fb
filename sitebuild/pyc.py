"""Precompile zips (the stdlib, our wheels) with Pyodide's Python under Node, cached.

Why a cache: booting Pyodide under Node and compiling the whole stdlib takes ~10 s;
the result depends only on the input bytes and on the compiler script, so it is keyed
by their sha256 and reused, which keeps rebuilds fast and offline.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STDLIB_PREFIX = "/lib/python3.14/"
SITE_PREFIX = "/lib/python3.14/site-packages/"


class PrecompileError(RuntimeError):
    """Node or Pyodide failed while compiling."""


def _key(data: bytes, prefix: str) -> str:
    h = hashlib.sha256()
    for part in (HERE / "precompile.py", HERE / "precompile.mjs"):
        h.update(part.read_bytes())
    h.update(prefix.encode())
    h.update(data)
    return h.hexdigest()


def precompile(jobs: dict[str, tuple[bytes, str]], pyodide_dir: Path, cache: Path) -> dict[str, bytes]:
    """Compile each named zip (bytes, path prefix for co_filename); return the new zips."""
    store = cache / "pyc"
    store.mkdir(parents=True, exist_ok=True)
    out: dict[str, bytes] = {}
    todo: dict[str, tuple[bytes, str, Path]] = {}
    for name, (data, prefix) in jobs.items():
        hit = store / f"{_key(data, prefix)}.zip"
        if hit.is_file():
            out[name] = hit.read_bytes()
        else:
            todo[name] = (data, prefix, hit)
    if not todo:
        return out
    node = shutil.which("node")
    if node is None:
        raise PrecompileError("node is required to precompile (Debian package nodejs)")
    with tempfile.TemporaryDirectory() as tmp:
        spec = []
        for i, (data, prefix, _hit) in enumerate(todo.values()):
            src, dst = Path(tmp) / f"in{i}.zip", Path(tmp) / f"out{i}.zip"
            src.write_bytes(data)
            spec.append({"src": str(src), "dst": str(dst), "prefix": prefix})
        (Path(tmp) / "job.json").write_text(json.dumps({"jobs": spec}))
        print(f"build: precompiling {', '.join(todo)} with Pyodide under Node", file=sys.stderr)
        proc = subprocess.run(
            [node, str(HERE / "precompile.mjs"), str(pyodide_dir), str(Path(tmp) / "job.json")],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise PrecompileError(f"precompile failed:\n{proc.stdout}\n{proc.stderr}")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        for i, (name, (_data, _prefix, hit)) in enumerate(todo.items()):
            kept = report["jobs"][i]["kept_source"]
            if kept:
                print(f"build: {name}: kept as source (no compile): {kept}", file=sys.stderr)
            result = (Path(tmp) / f"out{i}.zip").read_bytes()
            hit.write_bytes(result)
            out[name] = result
    return out
