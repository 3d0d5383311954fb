// Access tab: asks the engine for the effective-permission matrix of the current inputs
// and shows its HTML. Roles, privileges, tiers and the deciding user.cfg lines all come
// from Python (proxguard/web/access.py); this module only reveals a cell's details.

const ax = { call: null, payload: null, loaded: false, last: null };
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

export function initAccessTab({ call, payload }) {
  ax.call = call;
  ax.payload = payload;
  $("#tab-access").addEventListener("click", () => { if (!ax.loaded) load(); });
  $("#ax-refresh").addEventListener("click", load);
  // A new audit (inputs changed) makes the matrix stale.
  new MutationObserver(() => { ax.loaded = false; if (!$("#panel-access").hidden) load(); })
    .observe($("#report"), { childList: true });
  $("#ax-content").addEventListener("click", (e) => {
    const cell = e.target.closest(".ax-cell");
    if (cell) { showCell(cell); return; }
    if (e.target.closest(".ax-back") && ax.last) ax.last.focus();
  });
}
