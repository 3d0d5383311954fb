// Starts the ProxGuard engine (Pyodide in a module Web Worker) and exposes it to the page.
//
//   import { startEngine } from "./boot.js";
//   const engine = await startEngine({ onProgress: ({ stage, detail }) => ... });
//   const result = await engine.call("audit", { files, profile: "extended" });
//
// startEngine resolves once the engine is ready (stages: runtime, packages, engine,
// ready) and rejects with a plain message if the boot fails or stalls. createEngine
// returns the engine at once (with `.ready`), for pages that want to queue calls early:
// calls made before ready wait in the worker and run in order.
//
// The same code serves both builds: the hosted site (worker.js and ./pyodide/ fetched
// from this origin) and the single-file page (every file embedded in the HTML as
// <script type="application/x-proxguard-asset"> blocks, which never execute; the page
// turns each block back into bytes and transfers them to the worker).

export const STAGES = ["runtime", "packages", "engine", "ready"];
const ASSET_SELECTOR = 'script[type="application/x-proxguard-asset"]';
const DEFAULT_TIMEOUT_MS = 60000;

function stallMessage(stage, detail, hint, seconds) {
  const head = `ProxGuard's engine did not start: no progress for ${seconds} s at stage "${stage}"` +
    (detail ? ` (${detail})` : "") + ". ";
  if (hint === "wasm-mime") {
    return head + "The server sends pyodide.asm.wasm with the wrong MIME type; WebAssembly " +
      "needs Content-Type application/wasm. Configure the web server to serve .wasm files as " +
      "application/wasm (python build.py --serve does), or open dist/proxguard.html instead.";
  }
  if (stage === "runtime") {
    return head + "Likely causes: the server sends .wasm files with a MIME type other than " +
      "application/wasm, pyodide.asm.wasm (about 10 MB) is blocked or downloading very slowly, " +
      "or the browser disables WebAssembly.";
  }
  return head + "The Python packages or the engine did not load; reload the page, and if it " +
    "persists, check the browser console for the failing file.";
}

// The single file is a UTF-16LE page and its blocks are raw bytes (sitebuild/bytetext.py):
// each character of a block's text is two bytes, little-endian. ESC and the next
// character stand for one of the units the page's decoder or parser would change (lone
// surrogates, NUL, CR, '<', ESC itself), XOR 0x3800.
const ESC = 0x1b;
const FLIP = 0x3800;
const escaped = (unit) => (unit >= 0xd800 && unit < 0xe000) || unit === 0 || unit === 0x0d ||
  unit === 0x3c || unit === ESC;

// The bytes of one block's text; throws unless it decodes to exactly `size` bytes (plus
// the one byte of padding an odd size gets).
export function decodeBytes(text, size) {
  const out = new Uint8Array(size + 1);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === ESC) {
      c = text.charCodeAt(++i) ^ FLIP;
      if (!escaped(c)) throw new Error(`invalid escape at character ${i - 1}`);
    }
    out[o] = c; // a typed array keeps the low byte; writes past the end are dropped
    out[o + 1] = c >> 8;
    o += 2;
  }
  if (o !== size + (size & 1)) throw new Error(`${o} bytes where ${size} were packed`);
  return out.subarray(0, size);
}

// The worker needs these first (its modules, the lock, the runtime's WebAssembly, whose
// compile runs beside the rest, then the snapshot); the page decodes and posts them in
// this order.
const FIRST = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide-lock.json", "pyodide.asm.wasm",
  "snapshot.bin.gz", "python_stdlib.zip"];
const rank = (el) => (FIRST.includes(el.dataset.name) ? FIRST.indexOf(el.dataset.name) : FIRST.length);

function startWorker() {
  const embedded = [...document.querySelectorAll(ASSET_SELECTOR)];
  if (embedded.length === 0) {
    // Hosted: a blob: bootstrap imports worker.js, so the worker inherits this page's
    // Content-Security-Policy (a worker started from its own URL would not).
    const url = new URL("./worker.js", import.meta.url).href;
    const bootstrap = URL.createObjectURL(
      new Blob([`import ${JSON.stringify(url)};\n`], { type: "text/javascript" }));
    return { worker: new Worker(bootstrap, { type: "module", name: "proxguard" }), init: { mode: "hosted" } };
  }
  const source = embedded.find((el) => el.dataset.name === "worker.js");
  if (!source || source.dataset.encoding !== "base64") {
    throw new Error("ProxGuard single-file page is damaged: the embedded worker.js is missing");
  }
  const worker = new Worker(`data:text/javascript;base64,${source.textContent.trim()}`,
    { type: "module", name: "proxguard" });
  const rest = embedded.filter((el) => el !== source).sort((a, b) => rank(a) - rank(b));
  // One file per task: between them, the page's loop also loads the worker's script.
  const send = async () => {
    for (const el of rest) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const { name, encoding, size } = el.dataset;
      let data;
      try {
        data = decodeBytes(el.textContent, Number(size));
      } catch (err) {
        throw new Error(`ProxGuard single-file page is damaged: ${name}: ${err.message}`);
      }
      worker.postMessage({ type: "asset", name, encoding, data }, [data.buffer]);
    }
  };
  return { worker, init: { mode: "inline", names: rest.map((el) => el.dataset.name) }, send };
}

export function createEngine({ onProgress = () => {}, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const pending = new Map();
  let nextId = 1;
  let failure = null;
  let stage = "runtime";
  let detail = "";
  let hint = null;
  let timer = null;
  let settle;
  const ready = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  ready.catch(() => {}); // a page that only uses call() must not see an unhandled rejection

  let worker;
  const fail = (message) => {
    if (failure !== null) return;
    failure = new Error(message);
    clearTimeout(timer);
    if (worker) worker.terminate();
    settle.reject(failure);
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(stallMessage(stage, detail, hint, Math.round(timeoutMs / 1000))), timeoutMs);
  };

  let init;
  let send;
  try {
    ({ worker, init, send } = startWorker());
  } catch (err) {
    fail(String(err.message || err));
    return { ready, call: () => Promise.reject(failure), terminate() {} };
  }
  worker.onmessage = ({ data }) => {
    if (data.type === "progress") {
      if (data.hint) hint = data.hint;
      stage = data.stage;
      detail = data.detail || "";
      if (stage === "ready") {
        clearTimeout(timer);
        settle.resolve();
      } else {
        arm();
      }
      onProgress({ stage: data.stage, detail: data.detail || "" });
      return;
    }
    if (data.type === "boot-error") {
      fail(`ProxGuard's engine failed to start at stage "${stage}": ${data.error}`);
      return;
    }
    const entry = pending.get(data.id);
    if (!entry) return;
    pending.delete(data.id);
    if (data.ok) entry.resolve(data.result);
    else entry.reject(new Error(data.error));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    fail(`ProxGuard's engine worker could not run: ${event.message || "script error"} ` +
      "(a Content-Security-Policy or an old browser without module workers can cause this)");
  };
  arm();
  worker.postMessage({ type: "init", ...init });
  // the single file: each embedded file, decoded, in the order the worker needs them
  if (send) send().catch((err) => fail(String(err.message || err)));

  const engine = {
    ready,
    call(type, payload = {}) {
      if (failure !== null) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, type, payload });
      });
    },
    terminate() {
      fail("ProxGuard's engine was stopped");
    },
  };
  return engine;
}

export async function startEngine(options = {}) {
  const engine = createEngine(options);
  await engine.ready;
  return engine;
}
