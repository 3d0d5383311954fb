// Test-only page script: boots the engine through the shipped boot.js and records
// what happens in window.probe for Playwright (times: ms since navigation start). A call is queued before ready on purpose.
import { createEngine } from "./boot.js";

const params = new URLSearchParams(location.search);
const probe = { stages: [], error: null, version: null, versionError: null, readyMs: null };
window.probe = probe;
const engine = createEngine({
  timeoutMs: Number(params.get("timeout") || 60000),
  onProgress: ({ stage, detail }) => probe.stages.push({ stage, detail, ms: performance.now() }),
});
window.engine = engine;
const early = engine.call("version");
engine.ready.then(
  () => { probe.readyMs = performance.now(); },
  (err) => { probe.error = err.message; document.getElementById("status").textContent = "failed"; },
);
early.then(
  (result) => { probe.version = result; document.getElementById("status").textContent = "ready"; },
  (err) => { probe.versionError = err.message; },
);
