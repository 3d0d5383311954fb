// Fleet view: several collector archives dropped at once are audited one by one by the
// engine (proxguard.web_fleet); this shows its summary table and, on a click, that host's
// report below it. Every piece of HTML comes from the engine's autoescaped templates;
// host names and messages written here go through textContent.

const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
};

// Render `result` (the engine's `fleet` answer) into `slot`. `onHost(index)` is told
// which host is shown (the page offers that host's report for download).
export function showFleet(slot, result, { onHost }) {
  const hosts = result.hosts || [];
  slot.innerHTML = result.table; // engine HTML (Jinja2, autoescaped)
  const detail = el("section", { class: "fleet-host", id: "fleet-host", "aria-live": "polite", tabindex: "-1" });
  detail.hidden = true;
  slot.append(detail);
  const links = Array.from(slot.querySelectorAll(".pg-fleet-table a[data-host-index]"));

  function open(index) {
    const host = hosts[index];
    if (!host) return;
    links.forEach((a, i) => {
      if (i === index) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
    });
    const title = el("h2", { class: "fleet-host-title" }, `Host ${host.host}`);
    const path = el("p", { class: "pg-meta", text: host.path });
    const body = el("div", { class: "fleet-host-report" });
    if (host.error) body.append(el("p", { class: "alert", text: `Could not be read: ${host.error}` }));
    else body.innerHTML = host.html; // engine HTML (Jinja2, autoescaped)
    const back = el("button", { type: "button", class: "btn small", text: "Back to the fleet table" });
    back.addEventListener("click", () => {
      const link = links[index];
      if (link) link.focus();
      slot.querySelector(".pg-fleet").scrollIntoView({ block: "start" });
    });
    detail.replaceChildren(title, path, back, body);
    detail.hidden = false;
    detail.focus({ preventScroll: true });
    detail.scrollIntoView({ block: "start" });
    onHost(index);
  }

  slot.querySelector(".pg-fleet-table").addEventListener("click", (event) => {
    const link = event.target.closest("a[data-host-index]");
    if (!link) return;
    event.preventDefault();
    open(Number(link.dataset.hostIndex));
  });
}
