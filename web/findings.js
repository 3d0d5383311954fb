// Findings in the report: the copy script asked from the engine, and the filter.
//
// "Copy script" copies the Fix tab's combined script for the finding's failing objects
// (proxguard.web.fix: each fix in its own subshell), never a concatenation of per-object
// scripts; the script is fetched when a finding is opened, so what is shown is what is
// copied. The filter only shows or hides findings by the text the engine put in each
// finding's data-search attribute (title, rule id, objects, files) and by its status.

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

let hooks = null; // { call, payload, copyText, announce }
const scripts = new Map(); // finding element → Promise of its combined script

function failingTargets(details) {
  return $$("tr.st-fail th code", details).map((c) => ({ rule: details.dataset.rule, target: c.textContent }));
}

// The engine's combined script for one finding's failing objects (same as the Fix tab).
function scriptFor(details) {
  if (!scripts.has(details)) {
    const targets = failingTargets(details);
    const ask = hooks.call("fix_script", { ...hooks.payload(), targets })
      .then((res) => {
        const pre = $(".pg-script code", details) || $(".pg-script", details);
        if (pre) pre.textContent = res.script; // text, never HTML
        return res.script;
      });
    ask.catch(() => scripts.delete(details));
    scripts.set(details, ask);
  }
  return scripts.get(details);
}

async function onCopy(button) {
  const details = button.closest("details.pg-finding");
  if (!details) return;
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  let ok = false;
  try {
    ok = await hooks.copyText(await scriptFor(details));
  } catch (err) {
    hooks.announce(`The script could not be built: ${err.message || err}`);
  }
  button.textContent = ok ? "Copied" : "Copy failed";
  hooks.announce(ok ? "Script copied to the clipboard." : "Copy failed; select the script and copy it by hand.");
  setTimeout(() => { button.textContent = label; }, 2000);
}

// -- filter ---------------------------------------------------------------------------------

function applyFilter() {
  const text = $("#find-text").value.trim().toLowerCase();
  const failsOnly = $("#find-fails").checked;
  const all = $$("#report details.pg-finding");
  let shown = 0;
  for (const d of all) {
    const ok = (!failsOnly || d.dataset.status === "fail")
      && (!text || (d.dataset.search || "").includes(text));
    d.hidden = !ok;
    if (ok) shown += 1;
  }
  // a status heading with nothing left under it goes too
  for (const h of $$("#report h4.pg-group")) {
    let next = h.nextElementSibling;
    let any = false;
    while (next && next.matches("details.pg-finding")) {
      if (!next.hidden) any = true;
      next = next.nextElementSibling;
    }
    h.hidden = !any;
  }
  const filtered = Boolean(text) || failsOnly;
  $("#find-count").textContent = filtered ? `${shown} of ${all.length} findings shown.` : "";
}

export function initFindings(h) {
  hooks = h;
  const report = $("#report");
  report.addEventListener("click", (e) => {
    const button = e.target.closest(".pg-copy");
    if (button) onCopy(button);
  });
  report.addEventListener("toggle", (e) => {
    const d = e.target;
    if (d.matches && d.matches("details.pg-finding") && d.open && $(".pg-script", d)) {
      scriptFor(d).catch(() => {});
    }
  }, true);
  // a new report: new scripts, the filter applies to it at once
  new MutationObserver(() => {
    scripts.clear();
    $("#find-tools").hidden = !$("#report .pg-report");
    applyFilter();
  }).observe(report, { childList: true });
  $("#find-text").addEventListener("input", applyFilter);
  $("#find-fails").addEventListener("change", applyFilter);
}
