// ProxGuard engine worker: Pyodide in a module Web Worker, one message protocol.
//
// page -> worker  {type: "init", mode: "hosted" | "inline", names?: [file name, ...]}
//                 {type: "asset", name, encoding, data}   (inline: one per name, any time
//                                                 after init; data a Uint8Array, gzip'd
//                                                 when encoding is "gzip+bytes")
//                 {id, type, payload}            (any request; queued until Python is up)
// worker -> page  {type: "progress", stage, detail, hint?}   stages: runtime, packages, engine, ready
//                 {type: "boot-error", error}
//                 {id, ok: true, result} | {id, ok: false, error}   (the one error path: a
//                 façade answer {"error": ...} is sent as ok: false, never as a result)
//
// Python is asked through proxguard.web.handle(type, payload_json) -> result_json: only
// JSON strings cross the boundary, so no Python object ever leaks into the page.
//
// Two ways to get the runtime files:
//  - hosted: fetched from ./pyodide/ next to this file (same origin, nothing else);
//  - inline (the single-file page): the page hands over every file as bytes (gzip'd or
//    not), each as soon as it has decoded it; fetch() is answered from memory and the two
//    Pyodide modules are imported from blob: URLs, so nothing is requested from anywhere,
//    and file:// works.

const INLINE_BASE = "https://proxguard.invalid/pyodide/"; // RFC 6761: never resolves

let handle = null; // proxguard.web.handle once the engine is imported
let bootError = null;
let booted = null; // Promise settled when boot() ends either way

function progress(stage, detail, hint) {
  self.postMessage({ type: "progress", stage, detail, hint });
}

// Hosted: bytes loaded / total per stage, so a slow link shows movement instead of one
// sentence for many seconds. Each response body is counted as Pyodide reads it; the
// total is the sum of the Content-Length of the files this stage has asked for so far.
const meter = { stage: "runtime", label: "", loaded: 0, total: 0, last: 0, halted: false };

function megabytes(n) { return (n / 1048576).toFixed(1); }

function meterStage(stage, label) {
  Object.assign(meter, { stage, label, loaded: 0, total: 0, last: 0 });
  progress(stage, label);
}

function meterReport(force = false) {
  if (meter.halted) return; // a wrong-MIME hint stays the last word (boot.js's stall message)
  const now = Date.now();
  if (!force && now - meter.last < 200) return;
  meter.last = now;
  // a compressed transfer can deliver more bytes than its Content-Length says
  const amount = meter.total >= meter.loaded
    ? `${megabytes(meter.loaded)} of ${megabytes(meter.total)} MB` : `${megabytes(meter.loaded)} MB`;
  progress(meter.stage, `${meter.label}: ${amount} loaded`);
}

function countBody(response) {
  if (!response.body || !response.ok) return response;
  meter.total += Number(response.headers.get("Content-Length")) || 0;
  const counter = new TransformStream({
    transform(chunk, controller) {
      meter.loaded += chunk.byteLength;
      meterReport();
      controller.enqueue(chunk);
    },
    flush() { meterReport(true); },
  });
  return new Response(response.body.pipeThrough(counter), {
    status: response.status, statusText: response.statusText, headers: response.headers,
  });
}

async function decodeAsset({ encoding, data }) {
  if (encoding === "bytes") return data;
  if (encoding !== "gzip+bytes") throw new Error(`unknown encoding ${encoding}`);
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// The single file's embedded files: name -> Promise of its bytes, settled when the page's
// "asset" message for it arrives (the page decodes them one after the other).
const inlineFiles = new Map();

function inlineFile(name) {
  if (!inlineFiles.has(name)) {
    let settle;
    const promise = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    promise.catch(() => {});
    inlineFiles.set(name, { promise, settle });
  }
  return inlineFiles.get(name);
}

function receiveAsset(msg) {
  const { settle } = inlineFile(msg.name);
  decodeAsset(msg).then(settle.resolve, settle.reject);
}

const MIME = {
  wasm: "application/wasm",
  mjs: "text/javascript",
  json: "application/json",
  zip: "application/zip",
  whl: "application/zip",
};

// Answer Pyodide's fetches from the in-memory files; anything else is refused, so a
// stray request shows up as an error instead of silently leaving the machine.
function installMemoryFetch(files) {
  self.fetch = async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    const name = url.startsWith(INLINE_BASE) ? url.slice(INLINE_BASE.length) : null;
    const body = name === null ? undefined : files.get(name);
    if (body === undefined) {
      throw new TypeError(`ProxGuard single-file page: no embedded file for ${url}`);
    }
    const ext = name.split(".").pop();
    return new Response(await body, { headers: { "Content-Type": MIME[ext] || "application/octet-stream" } });
  };
}

// Hosted: watch the .wasm response, because a wrong MIME type makes Pyodide's
// instantiateStreaming fail and then hang; the page turns this hint into its message.
// Also answers Pyodide's own requests for files the worker asked for first (`early`).
function installMimeWatch(early = []) {
  const realFetch = self.fetch.bind(self);
  const started = new Map(early.map((url) => [url, realFetch(url)]));
  for (const response of started.values()) response.catch(() => {});
  self.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const first = started.get(url);
    started.delete(url);
    const response = await (first ?? realFetch(input, init));
    const type = response.headers.get("Content-Type") || "";
    if (url.endsWith(".wasm") && !type.startsWith("application/wasm")) {
      meter.halted = true;
      progress("runtime", `${url.split("/").pop()} was served as "${type || "no type"}"`, "wasm-mime");
      return response;
    }
    return countBody(response);
  };
}

async function moduleURL(files, name) {
  return URL.createObjectURL(new Blob([await files.get(name)], { type: "text/javascript" }));
}

// -- hosted: the start-up snapshot, everything fetched in parallel ------------------------
//
// The site ships a memory snapshot of Pyodide with the engine already imported, every
// template compiled and two audits run (sitebuild/snapshot.py, which also describes the
// packed format read here). Restoring it skips Python's start, every import and every
// template compile. The snapshot and the runtime are requested at once and the snapshot
// is read as it streams in: as soon as its header has arrived, Pyodide gets a zeroed
// heap of the right size and compiles the runtime while the rest of the stream fills that
// heap. The heap holds no file system, so the files of our wheels (carried in the same
// stream) are written into site-packages afterwards, for later imports and templates.
// If the snapshot cannot be restored (missing, damaged, another Pyodide build, a browser
// refusing it), the worker says so on the console and boots the normal way, which
// fetches the wheels.

const SNAPSHOT = "snapshot.bin.gz";
const SNAPSHOT_MAGIC = "PGSNAP1\n";
const SITE_PACKAGES = "/lib/python3.14/site-packages";

// The response body, inflated unless the server already decoded it (Content-Encoding).
async function snapshotBody(response) {
  if (!response.ok) throw new Error(`${SNAPSHOT}: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const first = await reader.read();
  if (first.done) throw new Error(`${SNAPSHOT} is empty`);
  const stream = new ReadableStream({
    start(controller) { controller.enqueue(first.value); },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close(); else controller.enqueue(value);
    },
  });
  const gzipped = first.value[0] === 0x1f && first.value[1] === 0x8b;
  return gzipped ? stream.pipeThrough(new DecompressionStream("gzip")) : stream;
}

// The header, once `head` holds all of it: where each following byte goes.
function snapshotLayout(head) {
  const start = SNAPSHOT_MAGIC.length + 4;
  if (head.length < start) return null;
  if (new TextDecoder().decode(head.subarray(0, SNAPSHOT_MAGIC.length)) !== SNAPSHOT_MAGIC) {
    throw new Error(`${SNAPSHOT}: invalid magic number (not a ProxGuard start-up snapshot)`);
  }
  const size = new DataView(head.buffer, head.byteOffset).getUint32(SNAPSHOT_MAGIC.length, true);
  if (head.length < start + size) return null;
  const header = JSON.parse(new TextDecoder().decode(head.subarray(start, start + size)));
  const heap = new Uint8Array(header.heap);
  const targets = header.runs.map(([offset, length]) => [heap, offset, length]);
  const blob = new Uint8Array(header.files.reduce((sum, [, length]) => sum + length, 0));
  let at = 0;
  const files = header.files.map(([name, length]) => {
    targets.push([blob, at, length]);
    at += length;
    return [name, blob.subarray(at - length, at)];
  });
  return { heap, files, targets: targets.filter(([, , length]) => length > 0), used: start + size };
}

// {heap, done}: `heap` settles with the (still filling) heap once the header is read,
// `done` with the files once every byte is in place. Either rejects if the stream fails.
function readSnapshot(response) {
  let sized;
  const heap = new Promise((resolve, reject) => { sized = { resolve, reject }; });
  const done = (async () => {
    const reader = (await snapshotBody(await response)).getReader();
    let head = new Uint8Array(0);
    let layout = null;
    let target = 0;
    let filled = 0;
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      let chunk = value;
      if (layout === null) {
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        head = joined;
        layout = snapshotLayout(head);
        if (layout === null) continue;
        chunk = head.subarray(layout.used);
        sized.resolve(layout.heap);
      }
      while (chunk.length > 0) {
        if (target >= layout.targets.length) throw new Error(`${SNAPSHOT} is longer than its header says`);
        const [into, offset, length] = layout.targets[target];
        const n = Math.min(length - filled, chunk.length);
        into.set(chunk.subarray(0, n), offset + filled);
        filled += n;
        chunk = chunk.subarray(n);
        if (filled === length) { target += 1; filled = 0; }
      }
    }
    if (layout === null || target < layout.targets.length) throw new Error(`${SNAPSHOT} ends early`);
    return layout.files;
  })();
  done.catch((err) => sized.reject(err));
  heap.catch(() => {});
  return { heap, done };
}

function writeFiles(pyodide, files) {
  for (const [name, data] of files) {
    if (name.startsWith("/") || name.split("/").includes("..")) {
      throw new Error(`${SNAPSHOT}: unexpected file name ${JSON.stringify(name)}`);
    }
    const path = `${SITE_PACKAGES}/${name}`;
    pyodide.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    pyodide.FS.writeFile(path, data);
  }
}

// Pyodide's module factory with a heap as large as the snapshot's: Pyodide 314 ignores
// INITIAL_MEMORY, and without this the restore fails with "offset is out of bounds".
// It waits for the last snapshot byte only after the runtime is compiled and instantiated.
function growingFactory(create, snapshot) {
  return async (settings) => {
    const module = await create(settings);
    await snapshot.done;
    const size = (await snapshot.heap).length;
    if (module.HEAP8.length < size) module.growMemory(size);
    return module;
  };
}

// Run once the heap is restored. The snapshot is taken with a fixed random generator so
// that two builds give the same bytes (sitebuild/snapshot.mjs): the `random` module
// (imported by tempfile, which jinja2 imports; the engine draws nothing from it) would
// otherwise repeat the same sequence on every load, so it is reseeded from this browser's
// crypto.getRandomValues (os.urandom). The import caches need nothing: they list the same
// files as the site-packages just written, whose new times make them refresh anyway.
const AFTER_RESTORE = `
import sys
if "random" in sys.modules:
    sys.modules["random"].seed()
`;

// The restored engine, or null (after one console note) when the snapshot cannot be
// restored; the caller then boots the normal way.
async function restoreBoot(loadPyodide, create, options, snapshot) {
  try {
    const pyodide = await loadPyodide({
      ...options, _loadSnapshot: snapshot.heap, createPyodideModule: growingFactory(create, snapshot),
    });
    meterStage("packages", "writing proxguard, jinja2, markupsafe, pyparsing");
    writeFiles(pyodide, await snapshot.done);
    pyodide.runPython(AFTER_RESTORE);
    return pyodide;
  } catch (err) {
    console.warn("ProxGuard: the start-up snapshot could not be restored " +
      `(${err && err.message ? err.message : err}); starting Python the normal way.`);
    return null;
  }
}

async function normalBoot(loadPyodide, create, options) {
  const pyodide = await loadPyodide({ ...options, createPyodideModule: create });
  meterStage("packages", "loading proxguard, jinja2, markupsafe, pyparsing");
  await pyodide.loadPackage(["proxguard"], { messageCallback: () => {}, checkIntegrity: true });
  return pyodide;
}

async function hostedBoot() {
  const indexURL = new URL("./pyodide/", import.meta.url).href;
  // The runtime's two large files are requested now, with the snapshot and the runtime's
  // modules, not once the modules have loaded and Pyodide asks for them.
  installMimeWatch([`${indexURL}pyodide.asm.wasm`, `${indexURL}python_stdlib.zip`]);
  const lockText = fetch(`${indexURL}pyodide-lock.json`).then((r) => {
    if (!r.ok) throw new Error(`pyodide-lock.json: HTTP ${r.status}`);
    return r.text();
  });
  const snapshot = readSnapshot(fetch(indexURL + SNAPSHOT)); // inflating while the rest loads
  const [{ loadPyodide }, { default: create }] = await Promise.all([
    import(`${indexURL}pyodide.mjs`), import(`${indexURL}pyodide.asm.mjs`)]);
  const options = {
    indexURL, packageBaseUrl: indexURL, lockFileContents: await lockText,
    stdout: () => {}, stderr: console.warn,
  };
  return (await restoreBoot(loadPyodide, create, options, snapshot))
    ?? normalBoot(loadPyodide, create, options);
}

// -- the single file: every file handed over by the page --------------------------------

// The shipped single file carries the snapshot and not the wheels (sitebuild/single.py);
// it restores the snapshot like the site. If the heap cannot be restored, Python starts
// the normal way and site-packages is written from the snapshot's copy of the wheels'
// files. A build without the snapshot (bench/startup.py's file-nosnap) loads the wheels.
// The runtime's WebAssembly is compiled as soon as its bytes are in (V8 compiles on
// background threads) while the worker imports Pyodide's modules and inflates the
// snapshot; Pyodide's instantiateStreaming (this worker's only one: the runtime's) then
// instantiates that compiled module, once for a restore and again for a fallback boot.
function precompileWasm(bytes) {
  const compiled = bytes.then((data) => WebAssembly.compile(data));
  compiled.catch(() => {});
  WebAssembly.instantiateStreaming = async (source, imports) => {
    const module = await compiled;
    return { module, instance: await WebAssembly.instantiate(module, imports) };
  };
}

async function inlineBoot(msg) {
  const files = new Map(msg.names.map((name) => [name, inlineFile(name).promise]));
  installMemoryFetch(files);
  precompileWasm(files.get("pyodide.asm.wasm"));
  // Inflated once the runtime's WebAssembly is (so its compile starts first, on other
  // threads), while the runtime's modules load.
  const snapshot = files.has(SNAPSHOT) ? readSnapshot(Promise.all(
    [files.get("pyodide.asm.wasm"), files.get(SNAPSHOT)]).then(([, bytes]) => new Response(bytes))) : null;
  const [{ loadPyodide }, { default: create }] = await Promise.all([
    import(await moduleURL(files, "pyodide.mjs")), import(await moduleURL(files, "pyodide.asm.mjs"))]);
  const options = {
    indexURL: INLINE_BASE, packageBaseUrl: INLINE_BASE,
    lockFileContents: new TextDecoder().decode(await files.get("pyodide-lock.json")),
    stdout: () => {}, stderr: console.warn,
  };
  if (snapshot === null) return normalBoot(loadPyodide, create, options);
  const restored = await restoreBoot(loadPyodide, create, options, snapshot);
  if (restored) return restored;
  const pyodide = await loadPyodide({ ...options, createPyodideModule: create });
  meterStage("packages", "loading proxguard, jinja2, markupsafe, pyparsing (the snapshot's copy)");
  writeFiles(pyodide, await snapshot.done);
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
  return pyodide;
}

async function boot(msg) {
  meterStage("runtime", "starting Python (Pyodide)");
  const pyodide = msg.mode === "inline" ? await inlineBoot(msg) : await hostedBoot();
  progress("engine", "importing proxguard.web");
  handle = pyodide.pyimport("proxguard.web").handle;
  progress("ready", `Python ${pyodide.version}`);
}

function answer({ id, type, payload }) {
  if (bootError !== null) {
    self.postMessage({ id, ok: false, error: `engine failed to start: ${bootError}` });
    return;
  }
  try {
    const result = JSON.parse(handle(String(type), JSON.stringify(payload ?? {})));
    if (result && typeof result.error === "string") {
      self.postMessage({ id, ok: false, error: result.error });
    } else {
      self.postMessage({ id, ok: true, result });
    }
  } catch (err) {
    self.postMessage({ id, ok: false, error: String(err && err.message ? err.message : err) });
  }
}

self.onmessage = (event) => {
  const msg = event.data || {};
  if (msg.type === "asset" && msg.id === undefined) {
    receiveAsset(msg);
    return;
  }
  if (msg.type === "init" && msg.id === undefined) {
    booted = boot(msg).catch((err) => {
      bootError = String(err && err.message ? err.message : err);
      self.postMessage({ type: "boot-error", error: bootError });
    });
    return;
  }
  // Requests arrive in order after init; each waits for the boot to settle.
  (booted || Promise.resolve()).then(() => answer(msg));
};
