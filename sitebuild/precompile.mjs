// Compile Python sources to .pyc with Pyodide's own CPython (3.14), run under Node.
//
// Why: the browser would otherwise compile every imported module from source on each
// cold start (~2 s of the ~3.3 s boot). The bytecode must come from the exact
// interpreter that runs it (magic number and marshal format are per-version), so the
// host's CPython 3.11 cannot do it.
//
// Usage: node precompile.mjs PYODIDE_DIR JOB.json
// JOB.json: {"jobs": [{"src": "/abs/in.zip", "dst": "/abs/out.zip", "prefix": "/lib/python3.14/"}]}
// Each zip is rewritten entry by entry: foo.py -> foo.pyc (unchecked hash-based pyc,
// so no timestamp is embedded and the output is byte-for-byte reproducible); every
// other entry is copied unchanged. The Python side lives in precompile.py next to
// this file.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [pyodideDir, jobPath] = process.argv.slice(2);
if (!pyodideDir || !jobPath) {
  console.error("usage: node precompile.mjs PYODIDE_DIR JOB.json");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const { loadPyodide } = await import(join(pyodideDir, "pyodide.mjs"));
const py = await loadPyodide({ indexURL: pyodideDir + "/" });
const job = JSON.parse(readFileSync(jobPath, "utf8"));
py.FS.mkdirTree("/work");
for (const [i, j] of job.jobs.entries()) {
  py.FS.writeFile(`/work/in${i}.zip`, readFileSync(j.src));
}
py.globals.set("JOBS", py.toPy(job.jobs.map((j, i) => ({
  src: `/work/in${i}.zip`, dst: `/work/out${i}.zip`, prefix: j.prefix,
}))));
py.runPython(readFileSync(join(here, "precompile.py"), "utf8"));
const report = py.runPython("import json; json.dumps(RESULTS)");
for (const [i, j] of job.jobs.entries()) {
  writeFileSync(j.dst, py.FS.readFile(`/work/out${i}.zip`));
}
console.log(report);
