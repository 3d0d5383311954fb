// ProxGuard page: moves text into the engine and its HTML/JSON out. Verdicts, grouping and
// wording all come from Python (proxguard.web); nothing here judges a configuration.
// Pasted and dropped configs live only in this tab's memory; localStorage keeps the profile.
import { STAGES, createEngine } from "./boot.js";
import { initFirewallTab } from "./firewall.js";
import { initAccessTab } from "./access.js";
import * as fixloop from "./fixloop.js";
import { showFleet } from "./fleet.js";
import { initFindings } from "./findings.js";
import { initCollect } from "./collect.js";
import { droppedFiles, toBase64 } from "./dropped.js";

const $ = (sel) => document.querySelector(sel);
const $$ = (sel) => Array.from(document.querySelectorAll(sel));
const DEBOUNCE_MS = 300;
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const TARBALL = /\.(tar\.gz|tgz|tar)$/i;
const SETTINGS_KEY = "proxguard.settings";

const state = {
  dropped: {},      // name → text (files, folders, demo files)
  tarballs: [],     // {name, data: base64}
  report: null,     // the last report JSON
  seq: 0,           // audit request counter: stale answers are dropped
  touched: false,   // the user gave inputs before the engine was ready
  timer: 0,
  // Demo and own inputs are exclusive: "demo" holds only a demo's files (state.demo is
  // its title), "own" only what the user pasted, dropped or picked.
  mode: "own",
  demo: "",
  record: false,    // the pending audit was asked for on purpose: keep it in History
  pending: false,   // an audit is scheduled or running
  last: null,       // the last audit result shown
};

let engine = null;
// Calls are posted at once, even before the engine is ready: the worker queues them and
// answers in order once Python is up, so a paste made while it starts is answered first,
// ahead of the demo list the page asks for when it sees `ready` (issue 14).
const starting = createEngine({ onProgress: showProgress });
const enginePromise = starting.ready.then(() => starting);

// -- settings (profile only) ------------------------------------------------------------

function loadSettings() {
  try { return JSON.parse(localStorage.getItem(SETTINGS_KEY) || "{}") || {}; } catch { return {}; }
}
function saveSettings(patch) {
  try { localStorage.setItem(SETTINGS_KEY, JSON.stringify({ ...loadSettings(), ...patch })); } catch { /* storage disabled */ }
}
function profile() {
  const checked = $('input[name="profile"]:checked');
  return checked ? checked.value : "extended";
}

// -- engine progress ----------------------------------------------------------------------

function showProgress({ stage, detail }) {
  const at = STAGES.indexOf(stage);
  $$(".stages li").forEach((li, i) => {
    li.classList.toggle("done", i < at || stage === "ready");
    li.classList.toggle("active", i === at && stage !== "ready");
    if (i === at && stage !== "ready") li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
  });
  $("#engine-detail").textContent = stage === "ready" ? "Engine ready." : (detail || `Loading ${stage}…`);
}

// -- inputs -------------------------------------------------------------------------------

function boxName(area) {
  if (area.dataset.name) return area.dataset.name;
  const param = document.getElementById(area.dataset.param);
  const value = (param && param.value.trim()) || "0";
  return area.dataset.nameTemplate.replace("{id}", value).replace("{user}", value);
}

function payload() {
  const files = { ...state.dropped };
  const kinds = {};
  for (const area of $$(".box textarea")) {
    if (!area.value.trim()) continue;
    const name = boxName(area);
    files[name] = area.value;
    kinds[name] = area.dataset.kind;
  }
  return { files, kinds, tarballs: state.tarballs, profile: profile(), acceptances: fixloop.acceptancesToml() };
}

function hasInputs() {
  return Object.keys(state.dropped).length > 0 || state.tarballs.length > 0
    || $$(".box textarea").some((a) => a.value.trim());
}

// `record`: this change was made on purpose (a drop, a pick, a demo chosen, a paste box
// left after editing), so its audit goes into History; keystrokes only re-grade.
// `typing`: only typing is debounced; a paste, a drop, picked files, a demo or a
// profile change audit at once.
function schedule(record = false, typing = false) {
  if (!engine) state.touched = true;
  state.record = state.record || record;
  state.pending = true;
  clearTimeout(state.timer);
  state.timer = setTimeout(runAudit, typing ? DEBOUNCE_MS : 0);
}

function isTyping(event) {
  return !/^insertFrom(Paste|Drop)/.test(event.inputType || "");
}

// A paste box was left after an edit: keep its audit, now or when the running one ends.
function recordSettled() {
  if (state.pending) state.record = true;
  else if (state.last && hasInputs()) fixloop.record(state.last.report, modeLabel());
}

function modeLabel() { return state.mode === "demo" ? state.demo : ""; }

// -- demo mode and own inputs ----------------------------------------------------------------

function showMode(note = "") {
  const banner = $("#mode-banner");
  const demo = state.mode === "demo";
  banner.hidden = !demo && !note;
  banner.classList.toggle("demo", demo);
  $("#mode-text").textContent = demo
    ? [`Demo: ${state.demo}. These are sample files, not your host.`, fixloop.demoAcceptanceNote(),
      "Your first paste, drop or file pick replaces the demo."].filter(Boolean).join(" ")
    : note;
  $("#mode-leave").hidden = !demo;
  $("#loaded-h-text").textContent = demo ? `Demo files (${state.demo})` : "Loaded files";
}

// The first own input leaves demo mode: the demo's files go, only the user's are audited.
function leaveDemo() {
  if (state.mode !== "demo") return;
  fixloop.dropDemoAcceptances(); // the demo's exceptions never apply to your own files
  state.dropped = {};
  state.tarballs = [];
  state.mode = "own";
  state.demo = "";
  $("#demo").value = "";
  renderLoaded();
  const note = "Left the demo: only your own inputs are audited now.";
  showMode(note);
  announce(note);
}

function renderLoaded(inputs = []) {
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const list = $("#loaded-list");
  list.replaceChildren();
  const names = [...Object.keys(state.dropped), ...state.tarballs.map((t) => t.name)];
  for (const name of names) {
    const li = document.createElement("li");
    const info = byName.get(name);
    const code = document.createElement("code");
    code.textContent = info && info.path && info.path !== name ? `${name} → ${info.path}` : name;
    li.append(code);
    if (info && info.label) li.append(` — ${info.label}`);
    if (info && Array.isArray(info.files) && info.files.length) { // an archive's contents
      const inner = document.createElement("ul");
      inner.className = "tar-files";
      for (const path of info.files) {
        const item = document.createElement("li");
        const c = document.createElement("code");
        c.textContent = path;
        item.append(c);
        inner.append(item);
      }
      li.append(inner);
    }
    for (const msg of (info && info.messages) || []) {
      const p = document.createElement("p");
      p.className = "box-msg warn";
      p.textContent = msg;
      li.append(p);
    }
    const rm = document.createElement("button");
    rm.type = "button";
    rm.className = "btn small";
    rm.textContent = "Remove";
    rm.setAttribute("aria-label", `Remove ${name}`);
    rm.addEventListener("click", () => {
      delete state.dropped[name];
      state.tarballs = state.tarballs.filter((t) => t.name !== name);
      renderLoaded(inputs);
      schedule(true);
    });
    li.append(" ", rm);
    list.append(li);
  }
  $("#loaded-count").textContent = `(${names.length})`;
}

function showBoxMessages(inputs) {
  const byName = new Map(inputs.map((i) => [i.name, i]));
  for (const area of $$(".box textarea")) {
    const msg = document.getElementById(area.getAttribute("aria-describedby"));
    const info = area.value.trim() ? byName.get(boxName(area)) : null;
    const parts = [];
    if (info && area.dataset.kind === "auto" && info.label) parts.push(`Read as ${info.label} (${info.path}).`);
    if (info) parts.push(...info.messages);
    msg.textContent = parts.join(" ");
    // moved to the kind it really is: a note; refused or misread: a warning
    const warn = Boolean(info && info.messages.length && !info.moved_from);
    msg.classList.toggle("warn", warn);
    msg.classList.toggle("note", Boolean(info && info.moved_from));
    area.setAttribute("aria-invalid", warn ? "true" : "false");
  }
}

// -- reading dropped files ----------------------------------------------------------------

async function addFile(file, path) {
  const name = (path || file.webkitRelativePath || file.name).replace(/^\/+/, "");
  if (file.size > MAX_FILE_BYTES) {
    announce(`${name} is larger than 8 MB and was not read.`);
    return;
  }
  if (TARBALL.test(name)) {
    state.tarballs = state.tarballs.filter((t) => t.name !== name);
    state.tarballs.push({ name, data: toBase64(await file.arrayBuffer()) });
  } else {
    state.dropped[name] = await file.text();
  }
}

async function addFiles(pairs) {
  if (!pairs.length) return;
  leaveDemo();
  for (const [file, path] of pairs) await addFile(file, path);
  renderLoaded();
  schedule(true);
}

async function onDrop(event) {
  event.preventDefault();
  $("#dropzone").classList.remove("over");
  await addFiles(await droppedFiles(event.dataTransfer));
}

// -- demos --------------------------------------------------------------------------------

let demos = [];
async function loadDemos() {
  const result = await call("demos", {});
  demos = (result && result.demos) || [];
  const select = $("#demo");
  for (const d of demos) {
    const opt = document.createElement("option");
    opt.value = d.id;
    opt.textContent = d.title;
    select.append(opt);
  }
}

// A demo replaces every input (boxes too): a demo is never mixed with your own files.
// It brings its own acceptances (documented exceptions) and takes them away again.
async function useDemo(id, record = true) {
  const demo = demos.find((d) => d.id === id);
  const hadOwn = state.mode === "own" && hasInputs();
  fixloop.dropDemoAcceptances();
  state.dropped = demo ? { ...demo.files } : {};
  state.tarballs = [];
  $$(".box textarea").forEach((a) => { a.value = ""; });
  state.mode = demo ? "demo" : "own";
  state.demo = demo ? demo.title : "";
  $("#demo").value = demo ? demo.id : "";
  showMode(demo ? "" : "Demo cleared: add your own configuration.");
  if (demo && hadOwn) announce(`Loaded the ${demo.title} demo; your own inputs were cleared.`);
  renderLoaded();
  await fixloop.useDemoAcceptances(demo);
  if (state.demo !== (demo ? demo.title : "")) return; // another choice came meanwhile
  if (demo) showMode();
  schedule(record);
}

// -- talking to the engine -----------------------------------------------------------------

async function call(type, body) {
  return starting.call(type, body); // a façade error arrives as a rejection (worker.js)
}

async function runAudit(options = {}) {
  const seq = ++state.seq;
  const record = state.record || options.record === true;
  state.record = false;
  clearTimeout(state.timer);
  if (!hasInputs()) {
    state.pending = false;
    state.last = null;
    $("#report").replaceChildren();
    state.report = null;
    setDownloads(false);
    fixloop.onCleared();
    setAuditState("Add a configuration file, paste text or pick a demo to see a grade.");
    renderLoaded();
    showBoxMessages([]);
    return;
  }
  setAuditState(engine ? "Auditing…" : "Waiting for the engine; the audit runs as soon as it is ready…");
  try {
    if (state.tarballs.length > 1) { await runFleet(seq); return; } // several hosts, never merged
    const result = await call("audit", payload());
    if (seq !== state.seq) { if (record) state.record = true; return; }
    state.pending = false;
    state.last = result;
    showError("");
    state.report = result.report;
    $("#report").innerHTML = result.html; // autoescaped by the engine's Jinja2 templates
    renderLoaded(result.inputs);
    showBoxMessages(result.inputs);
    setDownloads(true);
    fixloop.onAudit(result, { record, label: modeLabel() });
    const r = result.report;
    const note = r.evidence && r.evidence.note ? ` ${r.evidence.note}` : "";
    setAuditState((r.score === null ? "Audited: nothing could be graded from these inputs."
      : `Audited with the ${r.profile} profile: grade ${r.grade}, ${r.score} / 100.`) + note);
  } catch (err) {
    if (seq !== state.seq) return;
    state.pending = false;
    showError(`The audit failed: ${err.message || err}`);
    setAuditState("");
  }
}

// Several archives: one report per host (web/fleet.js shows the table and the chosen host).
async function runFleet(seq) {
  const result = await call("fleet", payload());
  if (seq !== state.seq) return;
  state.pending = false;
  state.last = null;
  showError("");
  state.report = null;
  setDownloads(false);
  fixloop.onCleared();
  renderLoaded();
  showBoxMessages([]);
  showFleet($("#report"), result, {
    onHost: (i) => {
      state.report = result.fleet.hosts[i].report;
      setDownloads(Boolean(state.report));
    },
  });
  const s = result.fleet.summary;
  setAuditState(`Audited ${s.hosts} hosts separately with the ${result.fleet.profile} profile; `
    + `worst grade ${s.worst_grade || "–"}. Pick a host to see its report.`);
}

function setAuditState(text) { $("#audit-state").textContent = text; }
function showError(text) {
  const box = $("#error");
  box.textContent = text;
  box.hidden = !text;
}
function setDownloads(on) {
  $$("[data-download], #print").forEach((b) => { b.disabled = !on; });
}
function announce(text) {
  $("#announce").textContent = "";
  setTimeout(() => { $("#announce").textContent = text; }, 30);
}

// -- results: copy, download, print --------------------------------------------------------

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "vh";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}


const DOWNLOADS = {
  json: ["proxguard-report.json", "application/json"],
  sarif: ["proxguard-report.sarif", "application/sarif+json"],
  html: ["proxguard-report.html", "text/html"],
};

async function download(format) {
  if (!state.report) return;
  try {
    const { text } = await call("render", { report: state.report, format });
    const [filename, mime] = DOWNLOADS[format];
    const url = URL.createObjectURL(new Blob([text], { type: `${mime};charset=utf-8` }));
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (err) {
    showError(`The download failed: ${err.message || err}`);
  }
}

let openedForPrint = [];
window.addEventListener("beforeprint", () => {
  openedForPrint = $$("#report details:not([open])");
  openedForPrint.forEach((d) => { d.open = true; });
});
window.addEventListener("afterprint", () => {
  openedForPrint.forEach((d) => { d.open = false; });
  openedForPrint = [];
});

// -- tabs ---------------------------------------------------------------------------------

function selectTab(tab) {
  for (const t of $$('[role="tab"]')) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
  }
  tab.focus();
  // panels that fill themselves on demand (Firewall, Fix) listen for this
  tab.dispatchEvent(new CustomEvent("pg-tab-shown", { bubbles: true }));
}

function wireTabs() {
  const tabs = $$('[role="tab"]');
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) selectTab(tabs[(i + step + tabs.length) % tabs.length]);
      if (e.key === "Home") selectTab(tabs[0]);
      if (e.key === "End") selectTab(tabs[tabs.length - 1]);
    });
  });
}

// -- wiring -------------------------------------------------------------------------------

function wire() {
  wireTabs();
  // skip links move the focus too, so the next Tab continues from there
  $$(".skip").forEach((a) => a.addEventListener("click", (e) => {
    const target = document.querySelector(a.getAttribute("href"));
    if (!target) return;
    e.preventDefault();
    selectTab($("#tab-audit"));
    target.focus();
  }));
  initFirewallTab({ call, payload }); // web/firewall.js: the Firewall tab
  initAccessTab({ call, payload }); // web/access.js: the Access tab
  fixloop.init({ call, payload, rerun: () => runAudit({ record: true }), announce, copyText });
  const saved = loadSettings();
  if (saved.profile) {
    const radio = saved.profile === "compat" ? $('input[name="profile"][value="compat"]') : $('input[name="profile"][value="extended"]');
    if (radio) radio.checked = true;
  }
  $$('input[name="profile"]').forEach((r) => r.addEventListener("change", () => {
    saveSettings({ profile: profile() });
    schedule(true);
  }));
  $$(".box textarea").forEach((el) => el.addEventListener("input", (e) => {
    if (el.value.trim()) leaveDemo();
    schedule(false, isTyping(e));
  }));
  $$(".box input").forEach((el) => el.addEventListener("input", (e) => schedule(false, isTyping(e))));
  $$(".box textarea, .box input").forEach((el) => el.addEventListener("change", recordSettled));
  $("#demo").addEventListener("change", (e) => useDemo(e.target.value));
  $("#mode-leave").addEventListener("click", () => useDemo(""));
  $("#clear").addEventListener("click", () => {
    fixloop.dropDemoAcceptances();
    state.dropped = {};
    state.tarballs = [];
    $$(".box textarea").forEach((a) => { a.value = ""; });
    $("#demo").value = "";
    state.mode = "own";
    state.demo = "";
    showMode();
    renderLoaded();
    schedule();
  });
  for (const id of ["#pick-files", "#pick-folder"]) {
    $(id).addEventListener("change", async (e) => {
      await addFiles(Array.from(e.target.files).map((f) => [f, f.webkitRelativePath || f.name]));
      e.target.value = "";
    });
  }
  const zone = $("#dropzone");
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", onDrop);
  document.addEventListener("dragover", (e) => e.preventDefault());
  document.addEventListener("drop", (e) => { if (!zone.contains(e.target)) onDrop(e); });
  initFindings({ call, payload, copyText, announce }); // web/findings.js: copy, filter
  initCollect(); // web/collect.js: the collector script download
  $$("[data-download]").forEach((b) => b.addEventListener("click", () => download(b.dataset.download)));
  $("#print").addEventListener("click", () => window.print());
}

async function main() {
  wire();
  setAuditState("Starting the engine (Python in this tab)…");
  try {
    engine = await enginePromise;
  } catch (err) {
    showProgress({ stage: "runtime", detail: "" });
    $("#engine-detail").textContent = `The engine did not start: ${err.message || err}`;
    showError(`The engine did not start: ${err.message || err}`);
    setAuditState("");
    return;
  }
  try {
    await loadDemos();
  } catch (err) {
    showError(`The demo list could not be loaded: ${err.message || err}`);
  }
  if (!state.touched && !hasInputs() && demos.some((d) => d.id === "agent-lab")) {
    // shown clearly labelled as a demo, and not kept in History: nobody asked for it
    await useDemo("agent-lab", false);
  }
  // An audit asked for before ready (a paste, a drop) or by the demo is already on its
  // way, or answered (it was posted ahead of the demo list); a second one would make the
  // first answer stale or repeat it (issue 14).
  if (!state.pending && state.seq === 0) await runAudit();
}

main();

// The page's hooks for tests and the benchmark: nothing here bypasses the engine.
window.proxguard = { state, runAudit, addFiles, useDemo };
