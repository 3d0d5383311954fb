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
// <script type="application/x-proxguard-asset"> blocks, which never execute).

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
  const assets = embedded.map((el) => ({
    name: el.dataset.name, encoding: el.dataset.encoding, data: el.textContent.trim(),
  }));
  const source = assets.find((a) => a.name === "worker.js");
  if (!source || source.encoding !== "base64") {
    throw new Error("ProxGuard single-file page is damaged: the embedded worker.js is missing");
  }
  const worker = new Worker(`data:text/javascript;base64,${source.data}`, { type: "module", name: "proxguard" });
  return { worker, init: { mode: "inline", assets: assets.filter((a) => a !== source) } };
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
  try {
    ({ worker, init } = startWorker());
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
