// Firewall tab: moves the firewall files into the engine and its HTML out. Which rule is
// shadowed, what a move fixed or broke and the exported .fw text all come from Python
// (proxguard/web/firewall.py); this module only handles clicks, drags and downloads.
// A long scope comes with its first rows only; further rows, and the proof of a conflict
// beyond the first ones, are asked of the engine (`firewall_more`) and put in place.

// `shown` counts the tab contents put in place: an answer for older contents is dropped.
const fw = { call: null, payload: null, files: null, kinds: {}, loaded: false, busy: false, dragId: null, shown: 0 };
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// Elements are found by comparing dataset values, never by a selector built from data: a
// rule id or scope may hold `"` or `]` (it comes from the configs).
function byData(selector, key, value, root = document) {
  return $$(selector, root).filter((el) => el.dataset[key] === String(value));
}

function panelVisible() { return !$("#panel-firewall").hidden; }
function setStatus(text) { $("#fw-status").textContent = text; }
function setError(text) { const box = $("#fw-error"); box.textContent = text; box.hidden = !text; }

// The working copy (after the first analysis) holds only the firewall files, by host path.
function body(extra = {}) {
  return fw.files ? { files: fw.files, kinds: fw.kinds, ...extra } : { ...fw.payload(), ...extra };
}

async function load() {
  fw.files = null;
  setStatus("Analysing the firewall…");
  try {
    const result = await fw.call("firewall", body());
    fw.files = result.files;
    fw.kinds = result.kinds;
    show(result.html);
    setError("");
    $("#fw-delta").replaceChildren();
    fw.loaded = true;
    setStatus("Analysed: rules in evaluation order, arcs link each proven conflict.");
  } catch (err) {
    $("#fw-content").replaceChildren();
    fw.loaded = false;
    setStatus("");
    setError(err.message || String(err));
  }
}

function show(html) {
  $("#fw-content").innerHTML = html; // autoescaped by the engine's Jinja2 template
  fw.shown += 1;
  filterAll();
}

// -- conflicts: select, highlight ------------------------------------------------------------

function selectConflict(n) {
  const root = $("#fw-content");
  $$(".fw-conflict.selected", root).forEach((li) => {
    li.classList.remove("selected");
    $(".fw-detail", li).hidden = true;
    $(".fw-pick", li).setAttribute("aria-expanded", "false");
  });
  $$(".fw-row.hl", root).forEach((r) => r.classList.remove("hl"));
  $$(".arc.on", root).forEach((a) => a.classList.remove("on"));
  const li = byData(".fw-conflict", "conflict", n, root)[0];
  if (!li) return;
  li.classList.add("selected");
  $(".fw-detail", li).hidden = false;
  $(".fw-pick", li).setAttribute("aria-expanded", "true");
  highlight(li);
  const detail = $(".fw-detail", li);
  // its proof, or some of its rules, not in the page yet: the engine renders them
  if ("lazy" in detail.dataset || partial()) fetchConflict(li, detail, n);
}

function highlight(li) {
  const root = $("#fw-content");
  const ids = li.dataset.rules.split(" ");
  $$(".fw-row", root).filter((r) => ids.includes(r.dataset.id)).forEach((r) => r.classList.add("hl"));
  byData(".arc", "conflict", li.dataset.conflict, root).forEach((a) => a.classList.add("on"));
}

async function fetchConflict(li, detail, n) {
  const lazy = "lazy" in detail.dataset;
  if (lazy) detail.textContent = "Loading the proof…";
  try {
    const result = await more({ conflict: Number(n) });
    if (lazy) { detail.innerHTML = result.proof; delete detail.dataset.lazy; } // autoescaped by the engine
    if (li.classList.contains("selected")) highlight(li);
  } catch (err) {
    setError(err.message || String(err));
  }
}

// Scroll to the conflict's first rule, rendering the rows up to it if they are not shown.
async function gotoRules(li) {
  const ids = li.dataset.rules.split(" ");
  try {
    if (partial()) await more({ reveal: ids });
  } catch (err) {
    setError(err.message || String(err));
  }
  const row = $$("#fw-content .fw-row").find((r) => ids.includes(r.dataset.id));
  if (row) row.scrollIntoView({ block: "center" });
}

// -- rows shown on demand ---------------------------------------------------------------------

// Is some scope shown in part (it then has a "show more" control)?
function partial() { return $$("#fw-content .fw-more").length > 0; }

// rows shown per scope: the engine renders what comes after them
function shownRows() {
  const out = {};
  for (const list of $$("#fw-content .fw-rules")) out[list.dataset.scope] = $$(":scope > .fw-row", list).length;
  return out;
}

// Ask the engine for more of the tab and put each scope's new rows, arcs and control in.
// One request at a time, each counting the rows shown when it starts (a trace's rows and
// a search's "show all" must not both start from the same count).
let moreQueue = Promise.resolve();
function more(extra) {
  const run = moreQueue.then(() => moreNow(extra));
  moreQueue = run.catch(() => {});
  return run;
}

async function moreNow(extra) {
  const asked = fw.shown;
  const result = await fw.call("firewall_more", body({ shown: shownRows(), ...extra }));
  if (asked !== fw.shown) return { ...result, parts: [] }; // the tab was replaced meanwhile
  for (const part of result.parts) {
    const list = byData("#fw-content .fw-rules", "scope", part.scope)[0];
    if (!list || $$(":scope > .fw-row", list).length !== part.start) continue; // stale
    list.insertAdjacentHTML("beforeend", part.rows); // autoescaped by the engine
    $(".fw-arcs", list.parentElement).outerHTML = part.svg;
    const section = list.closest(".fw-scope");
    const control = $(":scope > .fw-more", section);
    if (control) control.remove();
    if (part.more) section.insertAdjacentHTML("beforeend", part.more);
  }
  const selected = $("#fw-content .fw-conflict.selected");
  if (selected) highlight(selected);
  applyFilter();
  return result;
}

async function showRows(button) {
  if (fw.busy) return;
  fw.busy = true;
  const scope = button.closest(".fw-more").dataset.scope;
  setStatus("Rendering more rules…");
  try {
    await more({ scope, upto: Number(button.dataset.upto) });
    setStatus("Analysed: rules in evaluation order, arcs link each proven conflict.");
  } catch (err) {
    setError(err.message || String(err));
  } finally {
    fw.busy = false;
  }
}

// A search must see every rule: scopes shown in part are shown whole first.
async function showAllRows() {
  for (const control of $$("#fw-content .fw-more")) {
    const all = $$(".fw-show", control).pop();
    await more({ scope: control.dataset.scope, upto: Number(all.dataset.upto) });
  }
}

// -- search and filter (dims rows, so the arcs stay aligned) ------------------------------------

async function filterAll() {
  const active = $("#fw-search").value.trim() || $("#fw-proto").value || $("#fw-action").value;
  if (active && partial() && !fw.busy) {
    fw.busy = true;
    try { await showAllRows(); } catch (err) { setError(err.message || String(err)); } finally { fw.busy = false; }
  }
  applyFilter();
}

function applyFilter() {
  const text = $("#fw-search").value.trim().toLowerCase();
  const proto = $("#fw-proto").value;
  const action = $("#fw-action").value;
  for (const row of $$("#fw-content .fw-row")) {
    const ok = (!text || row.dataset.search.includes(text))
      && (!proto || row.dataset.proto === proto || row.dataset.search.includes(`-p ${proto}`))
      && (!action || row.dataset.action === action);
    row.classList.toggle("dim", !ok);
  }
}

// -- reordering -----------------------------------------------------------------------------------

// The scope's whole order comes from the engine (data-order): rows may be shown in part.
function orderOf(list) { return JSON.parse(list.dataset.order); }

async function reorder(list, order, movedId) {
  if (fw.busy) return;
  const scope = list.dataset.scope;
  const from = orderOf(list).indexOf(movedId);
  if (order.join(" ") === orderOf(list).join(" ")) return;
  fw.busy = true;
  setStatus("Re-running the analysis…");
  try {
    const result = await fw.call("firewall_reorder", body({ scope, order, shown: shownRows() }));
    fw.files = result.files;
    fw.kinds = result.kinds;
    show(result.html);
    $("#fw-delta").innerHTML = result.delta_html; // autoescaped by the engine
    setError("");
    setStatus(`Moved fw/${scope}/rule/${from} to position ${order.indexOf(movedId)} (the API's 0-based pos); ${result.fixed.length} conflict(s) fixed, ${result.broke.length} broken.`);
    const rows = byData(".fw-rules", "scope", scope)[0];
    const moved = rows && byData(".fw-row", "id", `fw/${scope}/rule/${order.indexOf(movedId)}`, rows)[0];
    if (moved && fw.focus) { const b = $(fw.focus, moved); if (b && !b.disabled) b.focus(); }
  } catch (err) {
    setError(err.message || String(err));
    setStatus("");
  } finally {
    fw.busy = false;
    fw.focus = null;
  }
}

function move(row, step) {
  const list = row.parentElement;
  const order = orderOf(list);
  const i = order.indexOf(row.dataset.id);
  if (i < 0) return;
  const j = i + step;
  if (j < 0 || j >= order.length) return;
  [order[i], order[j]] = [order[j], order[i]];
  fw.focus = step < 0 ? ".fw-up" : ".fw-down";
  reorder(list, order, row.dataset.id);
}

function onDrop(e) {
  const target = e.target.closest(".fw-row.movable");
  if (!target || !fw.dragId) return;
  e.preventDefault();
  const list = target.parentElement;
  const order = orderOf(list);
  if (!order.includes(fw.dragId) || target.dataset.id === fw.dragId) return;
  order.splice(order.indexOf(fw.dragId), 1);
  const box = target.getBoundingClientRect();
  const at = order.indexOf(target.dataset.id) + (e.clientY > box.top + box.height / 2 ? 1 : 0);
  order.splice(at, 0, fw.dragId);
  reorder(list, order, fw.dragId);
}

// -- export, trace ------------------------------------------------------------------------------

function exportFile(path) {
  if (!fw.files || !(path in fw.files)) return;
  const url = URL.createObjectURL(new Blob([fw.files[path]], { type: "text/plain;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = path.split("/").pop();
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function runTrace(e) {
  e.preventDefault();
  const packet = $("#fw-packet").value;
  try {
    const result = await fw.call("firewall_trace", body({ packet }));
    $("#fw-trace").innerHTML = result.html; // autoescaped by the engine
    $$("#fw-content .fw-row.traced").forEach((r) => r.classList.remove("traced"));
    // a path between zones names the deciding entry of each hop; a chain trace its result
    const ids = result.path ? (result.path.hops || []).map((h) => h.rule)
      : (result.trace.results || []).map((res) => res.would_decide);
    if (partial()) await more({ reveal: ids }); // the deciding rules' rows, if not shown
    for (const id of ids) {
      byData("#fw-content .fw-row", "id", id).forEach((r) => r.classList.add("traced"));
    }
    setError("");
  } catch (err) {
    setError(err.message || String(err));
  }
}

// -- wiring -------------------------------------------------------------------------------------

export function initFirewallTab({ call, payload }) {
  fw.call = call;
  fw.payload = payload;
  // shown by a click or by the arrow keys on the tab strip (app.js's pg-tab-shown)
  $("#tab-firewall").addEventListener("pg-tab-shown", () => { if (!fw.loaded) load(); });
  $("#fw-refresh").addEventListener("click", load);
  // A new audit (inputs changed) makes the working copy stale.
  new MutationObserver(() => { fw.loaded = false; if (panelVisible()) load(); })
    .observe($("#report"), { childList: true });
  ["#fw-search", "#fw-proto", "#fw-action"].forEach((s) => $(s).addEventListener("input", filterAll));
  $("#fw-trace-form").addEventListener("submit", runTrace);
  const content = $("#fw-content");
  content.addEventListener("click", (e) => {
    const pick = e.target.closest(".fw-pick");
    if (pick) { selectConflict(pick.closest(".fw-conflict").dataset.conflict); return; }
    const arc = e.target.closest(".arc[data-conflict]");
    if (arc) { selectConflict(arc.dataset.conflict); return; }
    const up = e.target.closest(".fw-up, .fw-down");
    if (up) { move(up.closest(".fw-row"), up.classList.contains("fw-up") ? -1 : 1); return; }
    const go = e.target.closest(".fw-goto");
    if (go) { gotoRules(go.closest(".fw-conflict")); return; }
    const show = e.target.closest(".fw-show");
    if (show) { showRows(show); return; }
    const exp = e.target.closest(".fw-export");
    if (exp) exportFile(exp.dataset.export);
  });
  content.addEventListener("dragstart", (e) => {
    const row = e.target.closest(".fw-row.movable");
    if (!row) return;
    fw.dragId = row.dataset.id;
    e.dataTransfer.setData("text/plain", row.dataset.id);
    e.dataTransfer.effectAllowed = "move";
    row.classList.add("dragging");
  });
  content.addEventListener("dragend", () => {
    $$(".fw-row.dragging").forEach((r) => r.classList.remove("dragging"));
    fw.dragId = null;
  });
  content.addEventListener("dragover", (e) => { if (fw.dragId && e.target.closest(".fw-row.movable")) e.preventDefault(); });
  content.addEventListener("drop", onDrop);
}
