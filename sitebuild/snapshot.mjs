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
import { readFileSync, readdirSync, writeFileSync } from "node:fs";

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
  stdout: () => {},
});
for (const name of readdirSync(dir).filter((f) => f.endsWith(".whl")).sort()) {
  py.unpackArchive(new Uint8Array(readFileSync(`${dir}/${name}`)), "wheel", { extractDir: site });
}
// Import the engine, compile every template (HTML and scripts) and run the first audits the
// page runs (the agent-lab demo, a pasted sshd_config) once, so modules, templates and
// regular expressions are all in the heap and the restored engine imports and compiles
// nothing for them; then drop the garbage.
const summary = py.runPython(`
import gc, json
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
