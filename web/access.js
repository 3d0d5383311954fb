// Access tab: asks the engine for the effective-permission matrix of the current inputs
// and shows its HTML. Roles, privileges, tiers and the deciding user.cfg lines all come
// from Python (proxguard/web/access.py); this module only reveals a cell's details.

const ax = { call: null, payload: null, loaded: false, last: null, loading: null };
const $ = (sel, root = document) => root.querySelector(sel);

function setStatus(text) { $("#ax-status").textContent = text; }
function setError(text) { const box = $("#ax-error"); box.textContent = text; box.hidden = !text; }

async function load() {
  setStatus("Computing effective permissions…");
  try {
    const result = await ax.call("access", ax.payload());
    $("#ax-content").innerHTML = result.html; // autoescaped by the engine's Jinja2 template
    ax.loaded = true;
    ax.last = null;
    setError("");
    setStatus(`${result.subjects.length} subject(s) × ${result.paths.length} path(s).`);
  } catch (err) {
    $("#ax-content").replaceChildren();
    ax.loaded = false;
    setStatus("");
    setError(err.message || String(err));
  }
}

function showCell(button) {
  const tpl = document.getElementById(`ax-t-${button.dataset.cell}`);
  const detail = $("#ax-detail");
  if (!tpl || !detail) return;
  if (ax.last) ax.last.setAttribute("aria-expanded", "false");
  detail.replaceChildren(tpl.content.cloneNode(true));
  button.setAttribute("aria-expanded", "true");
  ax.last = button;
  detail.scrollIntoView({ block: "nearest" });
  detail.focus();
}

function reload() {
  ax.loading = load();
  return ax.loading;
}

// A report target naming a user or token ("Permissions" button): open its matrix row.
async function openSubject(id) {
  $("#tab-access").click(); // app.js selects the tab; the listener below loads if needed
  if (ax.loading) await ax.loading;
  const rows = Array.from(document.querySelectorAll("#ax-content .ax-row"));
  rows.forEach((r) => r.classList.remove("ax-hl"));
  const row = rows.find((r) => r.dataset.subject === id);
  if (!row) return;
  row.classList.add("ax-hl");
  row.scrollIntoView({ block: "center" });
  const first = row.querySelector(".ax-cell");
  if (first) first.focus();
}

export function initAccessTab({ call, payload }) {
  ax.call = call;
  ax.payload = payload;
  // shown by a click or the arrow keys (app.js dispatches pg-tab-shown either way)
  $("#tab-access").addEventListener("pg-tab-shown", () => { if (!ax.loaded) reload(); });
  $("#ax-refresh").addEventListener("click", reload);
  // A new audit (inputs changed) makes the matrix stale.
  new MutationObserver(() => { ax.loaded = false; if (!$("#panel-access").hidden) reload(); })
    .observe($("#report"), { childList: true });
  $("#report").addEventListener("click", (e) => {
    const link = e.target.closest(".pg-access-link");
    if (link) openSubject(link.dataset.accessSubject);
  });
  $("#ax-content").addEventListener("click", (e) => {
    const cell = e.target.closest(".ax-cell");
    if (cell) { showCell(cell); return; }
    if (e.target.closest(".ax-back") && ax.last) ax.last.focus();
  });
}
