// Take the start-up memory snapshot: Pyodide under Node with the engine imported and one
// demo audited, so the browser restores a warm interpreter instead of booting one.
//
// Usage: node snapshot.mjs RUNTIME_DIR OUT.bin
// RUNTIME_DIR holds the built runtime (pyodide.*, python_stdlib.zip, the wheels, our lock).
//
// Pyodide 314 traps (issue 14): makeMemorySnapshot() refuses after any loadPackage ("Unexpected
// hiwire entry"), so the wheels are unpacked with unpackArchive, never loadPackage; the
// snapshot holds the wasm heap only, not MEMFS, so the page unpacks the wheels again after
// restoring (the worker does); and it only restores into the exact pyodide.asm.* it was
// made with (the worker falls back to a normal boot when restoring fails).
//
// Reproducible bytes (docs/ci.md): the heap must not depend on when, where or by which
// process it was taken, so this build-only process runs Python with
//  - randomness from a fixed generator (SHA-256 of a counter) in place of Node's
//    crypto: Python's hash secret, the `random` module's state and anything else read
//    from /dev/urandom or getentropy. The secret of a published snapshot is public
//    whether it came from a real or a fixed generator; the page reseeds `random` from the
//    browser's own generator after restoring (web/worker.js), and os.urandom and secrets
//    read the browser's crypto.getRandomValues at run time, never the heap;
//  - a stopped clock (Date.now at 2026-01-01T00:00:00Z, performance.now at 1 s): file
//    times, time.time() of the warm-up audits, and CPython's allocator (mimalloc), whose
//    ChaCha state is seeded from the clock at start-up;
//  - TZ=UTC, a fixed program name (`_sysExecutable`, otherwise this script's path) and
//    LANG (Emscripten takes it from navigator.language, which Node has from version 21).
// Nothing here runs in the browser: the restored page has its own clocks and randomness.
import nodeCrypto from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";

const SEED = "proxguard start-up snapshot";
let drawn = 0;
function fixedRandom(view, offset = 0, size) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const end = size === undefined ? bytes.length : offset + size;
  for (let at = offset; at < end; at += 32) {
    const block = nodeCrypto.createHash("sha256").update(`${SEED} ${drawn++}`).digest();
    bytes.set(block.subarray(0, Math.min(32, end - at)), at);
  }
  return view;
}
nodeCrypto.randomFillSync = fixedRandom; // what Emscripten's randomFill calls under Node
globalThis.crypto.getRandomValues = fixedRandom; // in case anything takes the web path
const EPOCH_MS = Date.UTC(2026, 0, 1);
Date.now = () => EPOCH_MS;
performance.now = () => 1000;
process.env.TZ = "UTC";

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  console.error("usage: node snapshot.mjs RUNTIME_DIR OUT.bin");
  process.exit(2);
}
const site = "/lib/python3.14/site-packages";
const { loadPyodide } = await import(`${dir}/pyodide.mjs`);
const py = await loadPyodide({
  indexURL: `${dir}/`,
  packageBaseUrl: `${dir}/`,
  lockFileContents: readFileSync(`${dir}/pyodide-lock.json`, "utf8"),
  _makeSnapshot: true,
  _sysExecutable: "./this.program", // Emscripten's default in a browser
  env: { LANG: "C.UTF-8" },
  stdout: () => {},
});
for (const name of readdirSync(dir).filter((f) => f.endsWith(".whl")).sort()) {
  py.unpackArchive(new Uint8Array(readFileSync(`${dir}/${name}`)), "wheel", { extractDir: site });
}
// Import the engine, compile every template (HTML and scripts) and run the first audits the
// page runs (the agent-lab demo, a pasted sshd_config) once, so modules, templates and
// regular expressions are all in the heap and the restored engine imports and compiles
// nothing for them; then drop the garbage. The path finders are dropped first: the stopped
// clock leaves site-packages' mtime where it was before the wheels were unpacked, so a
// cached listing of it would not be refreshed (not importlib.invalidate_caches(), which
// would import importlib.metadata into the heap).
const summary = py.runPython(`
import gc, json, sys
sys.path_importer_cache.clear()
import proxguard.web
from proxguard.remediation.shellenv import compile_all as _shell_templates
from proxguard.render.environment import compile_all as _html_templates
_compiled = _html_templates() + _shell_templates()
_demos = json.loads(proxguard.web.handle("demos", "{}"))["demos"]
_first = next(d for d in _demos if d["id"] == "agent-lab")
_report = json.loads(proxguard.web.handle("audit", json.dumps({"files": _first["files"]})))
_grade = _report.get("report", {}).get("grade") if "error" not in _report else _report["error"]
_sshd = {"etc/ssh/sshd_config": "PermitRootLogin yes\\nPasswordAuthentication yes\\n"}
_pasted = json.loads(proxguard.web.handle("audit", json.dumps({"files": _sshd})))
del _demos, _first, _report, _sshd, _pasted
gc.collect()
json.dumps({"grade": _grade, "templates": _compiled})
`);
const snap = py.makeMemorySnapshot();
writeFileSync(out, snap);
console.log(JSON.stringify({ bytes: snap.length, warmup: JSON.parse(summary) }));
