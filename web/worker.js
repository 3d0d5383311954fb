// ProxGuard engine worker: Pyodide in a module Web Worker, one message protocol.
//
// page -> worker  {type: "init", mode: "hosted" | "inline", assets?: [{name, encoding, data}]}
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
//  - inline (the single-file page): the page hands over every file as base64 (gzip'd or
//    not); fetch() is answered from memory and the two Pyodide modules are imported from
//    blob: URLs, so nothing is requested from anywhere, and file:// works.

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
  const bytes = Uint8Array.fromBase64
    ? Uint8Array.fromBase64(data)
    : Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  if (encoding === "base64") return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
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
    return new Response(body, { headers: { "Content-Type": MIME[ext] || "application/octet-stream" } });
  };
}

// Hosted: watch the .wasm response, because a wrong MIME type makes Pyodide's
// instantiateStreaming fail and then hang; the page turns this hint into its message.
function installMimeWatch() {
  const realFetch = self.fetch.bind(self);
  self.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    const type = response.headers.get("Content-Type") || "";
    if (url.endsWith(".wasm") && !type.startsWith("application/wasm")) {
      meter.halted = true;
      progress("runtime", `${url.split("/").pop()} was served as "${type || "no type"}"`, "wasm-mime");
      return response;
    }
    return countBody(response);
  };
}

function moduleURL(files, name) {
  return URL.createObjectURL(new Blob([files.get(name)], { type: "text/javascript" }));
}

async function loadRuntime(msg) {
  meterStage("runtime", "starting Python (Pyodide)");
  if (msg.mode !== "inline") {
    installMimeWatch();
    const indexURL = new URL("./pyodide/", import.meta.url).href;
    const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
    return loadPyodide({ indexURL, packageBaseUrl: indexURL, stdout: () => {}, stderr: console.warn });
  }
  const files = new Map();
  await Promise.all(msg.assets.map(async (a) => files.set(a.name, await decodeAsset(a))));
  installMemoryFetch(files);
  const { loadPyodide } = await import(moduleURL(files, "pyodide.mjs"));
  const createPyodideModule = (await import(moduleURL(files, "pyodide.asm.mjs"))).default;
  return loadPyodide({
    indexURL: INLINE_BASE,
    packageBaseUrl: INLINE_BASE,
    lockFileContents: new TextDecoder().decode(files.get("pyodide-lock.json")),
    createPyodideModule,
    stdout: () => {},
    stderr: console.warn,
  });
}

async function boot(msg) {
  const pyodide = await loadRuntime(msg);
  meterStage("packages", "loading proxguard, jinja2, markupsafe, pyparsing");
  await pyodide.loadPackage(["proxguard"], { messageCallback: () => {}, checkIntegrity: true });
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
