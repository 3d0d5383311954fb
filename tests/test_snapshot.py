"""The start-up snapshot under Node: two takes of the same runtime give the same bytes
(whatever the directory, time zone or time of day), and a restored heap does not repeat
the build's `random` state once web/worker.js's after-restore code has run.

Costs the runtime build (cached in .cache) and five Pyodide runs under Node (~2 s CPU each).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sitebuild import runtime, snapshot  # noqa: E402

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None or not (ROOT / ".cache/npm").is_dir() or not (ROOT / ".cache/pypi").is_dir(),
    reason="node or the pinned downloads (.cache/) missing")

# Restores a heap the way web/worker.js does (memory grown to the heap's size first), runs
# the given Python, then prints 64 bits drawn from `random`.
RESTORE = """
import { readFileSync } from "node:fs";
const [dir, heapPath, codePath] = process.argv.slice(2);
const { loadPyodide } = await import(`${dir}/pyodide.mjs`);
const { default: create } = await import(`${dir}/pyodide.asm.mjs`);
const heap = new Uint8Array(readFileSync(heapPath));
const py = await loadPyodide({
  indexURL: `${dir}/`, lockFileContents: readFileSync(`${dir}/pyodide-lock.json`, "utf8"),
  _loadSnapshot: heap, stdout: () => {},
  createPyodideModule: async (settings) => {
    const module = await create(settings);
    if (module.HEAP8.length < heap.length) module.growMemory(heap.length);
    return module;
  },
});
py.runPython(readFileSync(codePath, "utf8"));
console.log(py.runPython("import random; str(random.getrandbits(64))"));
"""


@pytest.fixture(scope="module")
def runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built runtime (pyodide.*, stdlib, wheels, lock) without the snapshot."""
    out = tmp_path_factory.mktemp("runtime")
    files = runtime.build_runtime(ROOT, ROOT / ".cache", tmp_path_factory.mktemp("work"))
    for name, data in files.items():
        if name != snapshot.NAME:
            (out / name).write_bytes(data)
    return out


def _take(runtime_files: Path, where: Path, env: dict[str, str]) -> bytes:
    here = where / "a runtime dir"  # another path, with a space, for each take
    shutil.copytree(runtime_files, here)
    raw = where / "heap.bin"
    proc = subprocess.run([str(NODE), str(ROOT / "sitebuild/snapshot.mjs"), str(here), str(raw)],
                          capture_output=True, text=True, env=env, cwd=where, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return raw.read_bytes()


def test_two_takes_of_the_same_runtime_give_the_same_bytes(
        runtime_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = _take(runtime_dir, tmp_path / "one", {"PATH": "/usr/bin:/bin", "TZ": "UTC"})
    second = _take(runtime_dir, tmp_path / "two",
                   {"PATH": "/usr/bin:/bin", "TZ": "Pacific/Chatham", "LANG": "de_DE.UTF-8",
                    "HOME": str(tmp_path)})
    assert len(first) > 30_000_000 and len(first) == len(second)
    assert first == second, "first difference at heap offset " + hex(
        next(i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b))


def _after_restore_code() -> str:
    worker = (ROOT / "web/worker.js").read_text(encoding="utf-8")
    found = re.search(r"const AFTER_RESTORE = `(.*?)`;", worker, re.S)
    assert found, "web/worker.js has no AFTER_RESTORE block"
    return found.group(1)


def test_a_restored_heap_draws_fresh_randomness_after_the_workers_code(
        runtime_dir: Path, tmp_path: Path) -> None:
    """The heap carries the build's (fixed) `random` state: restored as is, every load
    would draw the same numbers; after the worker's after-restore code, each draws anew."""
    heap, _ = snapshot.unpack(snapshot.take(
        {p.name: p.read_bytes() for p in runtime_dir.iterdir()}, ROOT / ".cache"))
    (tmp_path / "heap.bin").write_bytes(heap)
    (tmp_path / "restore.mjs").write_text(RESTORE, encoding="utf-8")
    (tmp_path / "none.py").write_text("pass\n", encoding="utf-8")
    (tmp_path / "after.py").write_text(_after_restore_code(), encoding="utf-8")

    def draw(code: str) -> int:
        proc = subprocess.run([str(NODE), str(tmp_path / "restore.mjs"), str(runtime_dir),
                               str(tmp_path / "heap.bin"), str(tmp_path / code)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return int(proc.stdout.strip().splitlines()[-1])

    fixed = {draw("none.py"), draw("none.py")}
    assert len(fixed) == 1  # the premise: the heap alone repeats its numbers
    fresh = {draw("after.py"), draw("after.py")}
    assert len(fresh) == 2 and not fresh & fixed
