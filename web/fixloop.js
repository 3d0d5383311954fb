// The fix loop in the page: fix-all script, risk acceptances, audit history and comparison.
// Every decision (which targets can be fixed and in what order, what an acceptance file
// means, what changed between two audits) comes from proxguard.web.fix through the engine;
// this module keeps the answers, shows them and handles clicks.
//
// Storage: acceptances live in this tab's memory only (export them to keep them); the
// history keeps compact summaries (grades, scores, statuses, input sha256 hashes) in
// localStorage, and configuration text only if the user ticks the opt-in box.

const HISTORY_KEY = "proxguard.history";
const KEEP_KEY = "proxguard.history.keepConfigs";
const HISTORY_MAX = 30;

const $ = (sel) => document.querySelector(sel);
const $$ = (sel) => Array.from(document.querySelectorAll(sel));

let hooks = null; // { call, payload, rerun, announce, copyText }
const fx = {
  acceptances: [],   // [{rule, target, reason, expires?}]
  toml: "",          // their TOML text, sent with every audit
  stale: [],         // from the last report: acceptances matching no failing target
  report: null,
  excluded: new Map(), // "rule target" → {rule, target} the user unticked
  script: "",
  filename: "proxguard-fix.sh",
  fixDirty: true,
  fixSeq: 0,
  markdown: "",
  label: "",         // the demo's title when the report is of a demo
  ownToml: "",       // the TOML of the list without the demo's entries (see dropDemoAcceptances)
  demo: { title: "", entries: [] }, // the loaded demo's own acceptances (its acceptances.toml)
  demoSeq: 0,        // bumped whenever the demo's acceptances are dropped
};

const key = (rule, target) => `${rule} ${target}`;

// -- entry points used by app.js -------------------------------------------------------------

export function init(h) {
  hooks = h;
  wireFix();
  wireAcceptances();
  wireHistory();
  renderAcceptances();
  renderHistory();
}

export function acceptancesToml() { return fx.toml; }

// `record`: the audit was asked for on purpose (app.js decides); only those go to History.
export async function onAudit(result, { record = false, label = "" } = {}) {
  fx.report = result.report;
  fx.label = label; // the demo's title in demo mode; otherwise the engine names the inputs
  fx.stale = (result.report.acceptances && result.report.acceptances.stale) || [];
  decorateReport();
  renderAcceptances();
  fx.fixDirty = true;
  if (!$("#panel-fix").hidden) refreshFix();
  if (record) await recordHistory(result.report, label);
}

export async function record(report, label = "") { await recordHistory(report, label); }

export function onCleared() {
  fx.report = null;
  fx.fixDirty = true;
  if (!$("#panel-fix").hidden) refreshFix();
}

async function call(type, body) { return hooks.call(type, body); }

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "for") node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children);
  return node;
}

function saveFile(filename, text, mime) {
  const url = URL.createObjectURL(new Blob([text], { type: `${mime};charset=utf-8` }));
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function flash(button, text) {
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = text;
  setTimeout(() => { button.textContent = label; }, 2000);
}

// -- "Accept risk…" on each failing target of the report ------------------------------------

function decorateReport() {
  for (const row of $$("#report details.pg-finding tr.st-fail")) {
    const details = row.closest("details.pg-finding");
    const code = row.querySelector("th code");
    const cell = row.querySelector("td");
    if (!details || !code || !cell || cell.querySelector(".fl-accept-btn")) continue;
    const rule = details.dataset.rule;
    const target = code.textContent;
    cell.append(" ", el("button", {
      type: "button", class: "btn small fl-accept-btn", text: "Accept risk…",
      "data-rule": rule, "data-target": target,
      "aria-label": `Accept risk… ${rule} for ${target}`, // visible text first (axe)
    }));
  }
}

function openAcceptDialog(rule, target, opener) {
  const dialog = $("#fl-accept");
  $("#fl-accept-what").textContent = `${rule} · ${target}`;
  dialog.dataset.rule = rule;
  dialog.dataset.target = target;
  const existing = fx.acceptances.find((a) => a.rule === rule && a.target === target);
  $("#fl-reason").value = existing ? existing.reason : "";
  $("#fl-expires").value = (existing && existing.expires) || "";
  $("#fl-reason-msg").textContent = "";
  $("#fl-reason").removeAttribute("aria-invalid");
  dialog.opener = opener;
  dialog.showModal();
  $("#fl-reason").focus();
}

async function submitAccept(event) {
  event.preventDefault();
  const dialog = $("#fl-accept");
  const reason = $("#fl-reason").value.trim();
  if (!reason) {
    $("#fl-reason").setAttribute("aria-invalid", "true");
    $("#fl-reason-msg").textContent = "A reason is required: say why this risk is acceptable.";
    $("#fl-reason").focus();
    return;
  }
  const entry = { rule: dialog.dataset.rule, target: dialog.dataset.target, reason };
  if ($("#fl-expires").value) entry.expires = $("#fl-expires").value;
  dialog.close();
  await setAcceptances([...fx.acceptances, entry]);
  hooks.announce(`Accepted ${entry.rule} for ${entry.target}; auditing again.`);
}

// -- acceptances list, import, export -------------------------------------------------------

async function setAcceptances(list) {
  await storeAcceptances(list);
  await hooks.rerun();
}

// The list through the engine (validated, one per target) and its TOML; with the demo's
// entries in it, also the TOML of the rest, so leaving the demo needs no engine call.
async function storeAcceptances(list) {
  try {
    const out = await call("acceptances_export", { acceptances: list });
    fx.acceptances = out.acceptances;
    fx.toml = fx.acceptances.length ? out.toml : "";
    const own = fx.acceptances.filter((a) => !fromDemo(a));
    fx.ownToml = own.length === fx.acceptances.length ? fx.toml
      : own.length ? (await call("acceptances_export", { acceptances: own })).toml : "";
    showAccMessages(out.diagnostics);
  } catch (err) {
    showAccMessages([{ message: `The acceptances could not be updated: ${err.message || err}` }]);
  }
  renderAcceptances();
}

// -- a demo's documented exceptions ----------------------------------------------------------
// A demo brings its acceptances.toml (parsed by the engine) into the list, marked as the
// demo's; they leave with the demo, so they never apply to your own inputs or another demo.
// An entry you changed (another reason or expiry) or imported over it is yours and stays.

const same = (a, b) => a.rule === b.rule && a.target === b.target && a.reason === b.reason
  && (a.expires || "") === (b.expires || "");
const fromDemo = (a) => fx.demo.entries.some((d) => same(a, d));

// Called by app.js when a demo is chosen (before its audit) or cleared (demo = null).
// Committed in one step, and only if the demo was not left while the engine answered.
export async function useDemoAcceptances(demo) {
  dropDemoAcceptances();
  const seq = fx.demoSeq;
  if (!demo || !demo.acceptances) return;
  const name = `${demo.id}/acceptances.toml`;
  let entries, out;
  const ownToml = fx.toml;
  try {
    const parsed = await call("acceptances_import", { toml: demo.acceptances, name });
    const yours = new Set(fx.acceptances.map((a) => key(a.rule, a.target)));
    entries = parsed.acceptances.filter((a) => !yours.has(key(a.rule, a.target))); // yours win
    out = await call("acceptances_export", { acceptances: [...fx.acceptances, ...entries] });
  } catch (err) { // the demo is still shown, without its exceptions, and says so
    showAccMessages([{ message: `${name} could not be loaded: ${err.message || err}` }]);
    return;
  }
  if (seq !== fx.demoSeq) return;
  fx.demo = { title: demo.title, entries };
  fx.acceptances = out.acceptances;
  fx.toml = fx.acceptances.length ? out.toml : "";
  fx.ownToml = ownToml;
  renderAcceptances();
}

// Synchronous, so the next audit (own files, another demo) is built without them.
export function dropDemoAcceptances() {
  fx.demoSeq += 1;
  if (!fx.demo.entries.length) return;
  fx.acceptances = fx.acceptances.filter((a) => !fromDemo(a));
  fx.toml = fx.ownToml;
  fx.demo = { title: "", entries: [] };
  renderAcceptances();
}

// One sentence for the demo banner, e.g. "3 documented exceptions are accepted (Fix tab)".
export function demoAcceptanceNote() {
  const n = fx.acceptances.filter(fromDemo).length;
  return n ? `Its ${n} documented exception(s) from the demo's acceptances.toml are accepted (see Fix & accept).` : "";
}

function renderDemoNote() {
  const n = fx.acceptances.filter(fromDemo).length;
  const note = $("#fl-acc-demo");
  note.hidden = !n;
  note.textContent = n ? `${n} of these came with the ${fx.demo.title} demo (its acceptances.toml): `
    + "its documented exceptions. They are dropped when you leave the demo and never apply "
    + "to your own files." : "";
}

function showAccMessages(diagnostics) {
  const box = $("#fl-acc-msgs");
  box.replaceChildren(...diagnostics.map((d) => el("li", { text: d.message })));
  box.hidden = !diagnostics.length;
}

function renderAcceptances() {
  const list = $("#fl-acc-list");
  const stale = new Map(fx.stale.map((a) => [key(a.rule, a.target), a]));
  list.replaceChildren();
  for (const a of fx.acceptances) {
    const li = el("li", { class: "fl-acc-item" });
    li.append(el("code", { text: a.rule }), " ", el("strong", { text: a.target }));
    if (fromDemo(a)) li.append(" ", el("span", { class: "fl-demo-tag", text: `from the ${fx.demo.title} demo` }));
    if (a.expires) li.append(el("span", { class: "fl-muted", text: ` until ${a.expires}` }));
    const lapsed = stale.get(key(a.rule, a.target));
    if (lapsed) {
      li.append(" ", el("span", {
        class: "fl-stale",
        text: lapsed.expired_on ? `expired on ${lapsed.expired_on}; the target still fails`
          : "stale: matches no failing target",
      }));
    }
    li.append(el("p", { class: "fl-acc-reason", text: a.reason }));
    li.append(el("button", {
      type: "button", class: "btn small", text: "Remove",
      "aria-label": `Remove the acceptance of ${a.rule} for ${a.target}`,
      onclick: () => setAcceptances(fx.acceptances.filter((b) => b !== a)),
    }));
    list.append(li);
  }
  $("#fl-acc-empty").hidden = fx.acceptances.length > 0;
  $("#fl-acc-count").textContent = `(${fx.acceptances.length})`;
  $("#fl-export").disabled = !fx.acceptances.length;
  renderDemoNote();
}

async function importAcceptances(file) {
  if (!file) return;
  try {
    const out = await call("acceptances_import", { toml: await file.text(), name: file.name });
    // what you import is yours, even where it repeats one of the demo's entries
    fx.demo.entries = fx.demo.entries.filter((d) => !out.acceptances.some((a) => same(a, d)));
    const merged = new Map(fx.acceptances.map((a) => [key(a.rule, a.target), a]));
    for (const a of out.acceptances) merged.set(key(a.rule, a.target), a);
    await setAcceptances([...merged.values()]);
    if (out.diagnostics.length) showAccMessages(out.diagnostics);
    hooks.announce(`Imported ${out.acceptances.length} acceptance(s) from ${file.name}.`);
  } catch (err) {
    showAccMessages([{ message: `${file.name} could not be imported: ${err.message || err}` }]);
  }
}

function wireAcceptances() {
  $("#report").addEventListener("click", (e) => {
    const button = e.target.closest(".fl-accept-btn");
    if (button) openAcceptDialog(button.dataset.rule, button.dataset.target, button);
  });
  $("#fl-accept-form").addEventListener("submit", submitAccept);
  $("#fl-accept-cancel").addEventListener("click", () => $("#fl-accept").close());
  $("#fl-export").addEventListener("click", () => {
    if (fx.toml) saveFile("acceptances.toml", fx.toml, "application/toml");
  });
  $("#fl-import").addEventListener("change", async (e) => {
    await importAcceptances(e.target.files[0]);
    e.target.value = "";
  });
}

// -- fix script panel ----------------------------------------------------------------------

async function refreshFix() {
  if (!fx.fixDirty) return;
  const seq = ++fx.fixSeq;
  const state = $("#fl-fix-state");
  if (!fx.report) {
    state.textContent = "Audit a configuration first; the fix script covers its failing targets.";
    renderChoices([]);
    setScript("", false);
    return;
  }
  state.textContent = "Writing the script…";
  try {
    const out = await call("fix_script", {
      ...hooks.payload(), exclude: [...fx.excluded.values()],
      dry_run: $("#fl-dry-run").checked, source: fx.label || undefined,
    });
    if (seq !== fx.fixSeq) return;
    fx.fixDirty = false;
    fx.filename = out.filename;
    renderChoices(out.choices);
    const n = out.selected.length;
    const accepted = out.accepted.length ? `; ${out.accepted.length} accepted target(s) are not fixed` : "";
    state.textContent = out.choices.length
      ? `${n} fix(es) chosen${out.dry_run ? ", dry run" : ""}${accepted}. Read the script before running it as root on the node.`
      : `Nothing to fix: no unaccepted failing target${accepted}.`;
    setScript(out.script, out.choices.length > 0);
  } catch (err) {
    if (seq !== fx.fixSeq) return;
    state.textContent = `The script could not be written: ${err.message || err}`;
  }
}

function setScript(text, enabled) {
  fx.script = text;
  $("#fl-script code").textContent = text;
  $("#fl-copy").disabled = !text || !enabled;
  $("#fl-download").disabled = !text || !enabled;
}

function renderChoices(groups) {
  const box = $("#fl-choices");
  box.replaceChildren();
  groups.forEach((g, gi) => {
    const fs = el("fieldset", { class: "fl-group" });
    fs.append(el("legend", {},
      el("span", { class: `pg-sev sev-${g.severity}`, text: g.severity }), " ",
      el("span", { text: g.title }), " ", el("code", { text: g.rule })));
    fs.append(el("p", { class: "fl-phase", text: `Step: ${g.phase}` }));
    g.targets.forEach((t, ti) => {
      const id = `fl-c-${gi}-${ti}`;
      const box2 = el("input", { type: "checkbox", id, checked: t.chosen, class: "fl-choice",
        "data-rule": g.rule, "data-target": t.id });
      const label = el("label", { for: id }, el("strong", { text: t.id }));
      if (t.evidence) label.append(el("span", { class: "fl-evidence", text: t.evidence }));
      if (t.error) label.append(el("span", { class: "fl-stale", text: t.error }));
      fs.append(el("div", { class: "fl-choice-row" }, box2, label));
    });
    box.append(fs);
  });
  $("#fl-choice-tools").hidden = !groups.length;
}

function onChoice(e) {
  const box = e.target.closest(".fl-choice");
  if (!box) return;
  const k = key(box.dataset.rule, box.dataset.target);
  if (box.checked) fx.excluded.delete(k);
  else fx.excluded.set(k, { rule: box.dataset.rule, target: box.dataset.target });
  fx.fixDirty = true;
  refreshFix();
}

function setAll(on) {
  for (const box of $$(".fl-choice")) {
    const k = key(box.dataset.rule, box.dataset.target);
    if (on) fx.excluded.delete(k);
    else fx.excluded.set(k, { rule: box.dataset.rule, target: box.dataset.target });
  }
  fx.fixDirty = true;
  refreshFix();
}

function wireFix() {
  $("#tab-fix").addEventListener("pg-tab-shown", refreshFix);
  $("#fl-choices").addEventListener("change", onChoice);
  $("#fl-all").addEventListener("click", () => setAll(true));
  $("#fl-none").addEventListener("click", () => setAll(false));
  $("#fl-dry-run").addEventListener("change", () => { fx.fixDirty = true; refreshFix(); });
  $("#fl-copy").addEventListener("click", async (e) => {
    const button = e.currentTarget; // null once the handler awaits
    const ok = await hooks.copyText(fx.script);
    flash(button, ok ? "Copied" : "Copy failed");
    hooks.announce(ok ? "Fix script copied to the clipboard." : "Copy failed; select the script and copy it by hand.");
  });
  $("#fl-download").addEventListener("click", () => saveFile(fx.filename, fx.script, "text/x-shellscript"));
}

// -- history ---------------------------------------------------------------------------------

function loadHistory() {
  try {
    const list = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
    return Array.isArray(list) ? list.filter((e) => e && e.schema === "proxguard-history/1") : [];
  } catch { return []; }
}

function saveHistory(list) {
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(-HISTORY_MAX)));
    return true;
  } catch {
    hooks.announce("The history could not be saved (browser storage is full or disabled).");
    return false;
  }
}

function keepConfigs() {
  try { return localStorage.getItem(KEEP_KEY) === "1"; } catch { return false; }
}

async function recordHistory(report, label) {
  const keep = keepConfigs();
  let entry;
  try {
    const body = { report, label: label || undefined, keep_configs: keep };
    if (keep) body.files = hooks.payload().files;
    ({ entry } = await call("history_entry", body));
  } catch (err) {
    hooks.announce(`This audit was not added to the history: ${err.message || err}`);
    return;
  }
  entry.saved_at = Date.now();
  const list = loadHistory();
  const last = list[list.length - 1];
  if (last && last.fingerprint === entry.fingerprint) return; // the same audit again
  list.push(entry);
  if (saveHistory(list)) renderHistory(true);
}

function when(entry) {
  const t = entry.saved_at ? new Date(entry.saved_at) : new Date((entry.audit_time || 0) * 1000);
  return t.toLocaleString();
}

// `fresh`: a new audit was recorded, so the comparison defaults to the last two again
function renderHistory(fresh = false) {
  const list = loadHistory();
  const rows = $("#fl-history-rows");
  rows.replaceChildren();
  list.map((e, i) => [e, i]).reverse().forEach(([e, index]) => {
    const failing = (e.summary && e.summary.failing_targets) || 0;
    const tr = el("tr", {},
      el("td", { text: when(e) }),
      el("td", { text: e.label }),
      el("td", { text: e.profile }),
      el("td", {}, el("span", { class: `fl-grade small g-${e.grade || "none"}`, text: e.grade || "–" })),
      el("td", { class: "num", text: e.score === null ? "–" : String(e.score) }),
      el("td", { class: "num", text: String(failing) }),
      el("td", { class: "num", text: String(e.acceptances || 0) }),
      el("td", { class: "num", text: `${e.inputs.length}${e.configs ? " (text kept)" : ""}` }),
      el("td", {}, el("button", {
        type: "button", class: "btn small fl-del", text: "Delete",
        "aria-label": `Delete the audit of ${when(e)} (${e.label})`,
        onclick: () => deleteEntry(index, e),
      })));
    rows.append(tr);
  });
  $("#fl-history-empty").hidden = list.length > 0;
  $("#fl-history-table").hidden = list.length === 0;
  for (const [id, offset] of [["#fl-before", 2], ["#fl-after", 1]]) {
    const select = $(id);
    const previous = select.value;
    select.replaceChildren(...list.map((e, i) => el("option", {
      value: String(i), text: `#${i + 1} · ${when(e)} · ${e.label} · ${e.grade || "–"} (${e.score === null ? "–" : e.score})`,
    })).reverse());
    const fallback = String(Math.max(0, list.length - offset));
    select.value = !fresh && previous && Number(previous) < list.length ? previous : fallback;
  }
  $("#fl-compare").disabled = list.length < 2;
  $("#fl-clear-history").disabled = list.length === 0;
  $("#fl-history-count").textContent = `(${list.length})`;
  renderTrend(list);
}

// One saved audit removed; the entry is matched by index and time, so a list changed in
// another tab meanwhile is never cut at the wrong place.
function deleteEntry(index, entry) {
  const list = loadHistory();
  if (!list[index] || list[index].saved_at !== entry.saved_at) { renderHistory(); return; }
  list.splice(index, 1);
  try {
    if (list.length) saveHistory(list); else localStorage.removeItem(HISTORY_KEY);
  } catch { /* storage disabled */ }
  $("#fl-compare-out").replaceChildren();
  $("#fl-copy-md").hidden = true;
  renderHistory(true);
  hooks.announce(`Deleted the audit of ${when(entry)} from the history.`);
  const next = $("#fl-history-rows .fl-del") || $("#fl-history-empty");
  if (next && next.focus) next.focus();
}

// The grade trend per host: grouping and drawing are the engine's (proxguard.web.history).
let trendSeq = 0;
async function renderTrend(list) {
  const seq = ++trendSeq;
  const box = $("#fl-trend");
  if (!list.length) { box.replaceChildren(); return; }
  try {
    const res = await call("history_trend", { entries: list });
    if (seq === trendSeq) box.innerHTML = res.html; // autoescaped by the engine's template
  } catch (err) {
    if (seq === trendSeq) box.replaceChildren(el("p", { class: "alert", text: `The trend could not be drawn: ${err.message || err}` }));
  }
}

async function runCompare() {
  const list = loadHistory();
  const old = list[Number($("#fl-before").value)];
  const neu = list[Number($("#fl-after").value)];
  const out = $("#fl-compare-out");
  if (!old || !neu) return;
  try {
    const res = await call("compare", { old, new: neu });
    out.innerHTML = res.html; // autoescaped by the engine (proxguard/web_compare_html.py)
    fx.markdown = res.markdown;
    $("#fl-copy-md").hidden = false;
    const g = res.comparison.grade;
    hooks.announce(`Compared: grade ${g.before || "none"} before, ${g.after || "none"} after.`);
  } catch (err) {
    out.replaceChildren(el("p", { class: "alert", text: `The comparison failed: ${err.message || err}` }));
  }
}

function wireHistory() {
  const keep = $("#fl-keep-configs");
  keep.checked = keepConfigs();
  keep.addEventListener("change", () => {
    try { localStorage.setItem(KEEP_KEY, keep.checked ? "1" : "0"); } catch { /* storage disabled */ }
  });
  $("#fl-compare").addEventListener("click", runCompare);
  $("#fl-clear-history").addEventListener("click", () => {
    try { localStorage.removeItem(HISTORY_KEY); } catch { /* storage disabled */ }
    $("#fl-compare-out").replaceChildren();
    $("#fl-copy-md").hidden = true;
    renderHistory();
    hooks.announce("History cleared.");
  });
  $("#fl-copy-md").addEventListener("click", async (e) => {
    const button = e.currentTarget;
    const ok = await hooks.copyText(fx.markdown);
    flash(button, ok ? "Copied" : "Copy failed");
  });
  window.addEventListener("storage", (e) => { if (e.key === HISTORY_KEY) renderHistory(); });
}
