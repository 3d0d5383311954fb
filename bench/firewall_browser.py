"""The Firewall tab in the browser, as the user waits for it: prints medians.

  python build.py && python bench/firewall_browser.py [--sizes 1000 5000] [--runs 5]
      [--calls] [--more] [--site DIR]

Serves dist/site on 127.0.0.1 and opens the page in Debian's chromium. For each size and
run it pastes a generated cluster.fw (the same rule sets as bench/firewall.py, plus a
comment naming the run, so the engine has not seen it), waits for the audit, then
measures **the tab**: from the click on the Firewall tab until the tab is usable: the
engine's answer is in the page (status "Analysed"), laid out, and two animation frames
have passed (painted). That span holds the request to the worker, parsing the files, the
conflict analysis, the tab's HTML, the message back and inserting it. It prints the wall
clock median and the CPU time of all the browser's processes over the same spans
(bench/startup.py `tree_cpu_ms`; on a shared box the wall clock also measures the
neighbours), the HTML the tab received, the rule rows it shows and the conflicts it
lists. `--calls` also times the bare `engine.call("firewall", …)` round trip (no page
work, new text each call) as the breakdown; `--more` what is shown on demand, after the
tab is shown again (Re-analyse, which reuses the analysis of unchanged files):
"Show all N rules" (until every row is in and painted), then the last conflict whose
proof is not in the page (until its proof is in). Goal (issue 14): 5k rules <= 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))

from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from firewall import generate  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from startup import tree_cpu_ms  # noqa: E402

from sitebuild import serve  # noqa: E402

# Click `sel` and resolve once the tab says "Analysed" and two frames were painted.
TIME_TAB = """async (sel) => {
  const status = document.querySelector('#fw-status');
  const done = new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      if (status.textContent.startsWith('Analysed')) { obs.disconnect(); resolve(); }
    });
    obs.observe(status, {childList: true, characterData: true, subtree: true});
  });
  const t0 = performance.now();
  document.querySelector(sel).click();
  await done;
  void document.querySelector('#fw-content').getBoundingClientRect();
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const t1 = performance.now();
  const root = document.querySelector('#fw-content');
  return {ms: t1 - t0, bytes: root.innerHTML.length,
          rows: root.querySelectorAll('.fw-row').length,
          conflicts: root.querySelectorAll('.fw-conflict').length};
}"""
PASTE = """(text) => {
  const box = document.querySelector('#p-cluster');
  box.value = text;
  box.dispatchEvent(new Event('input', {bubbles: true}));
}"""
# What is shown on demand costs: "Show all N rules", then a conflict past the first 200
# opened (its proof from the engine).
TIME_MORE = """async () => {
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const until = (test) => new Promise((resolve) => {
    const root = document.querySelector('#fw-content');
    if (test()) { resolve(); return; }
    const obs = new MutationObserver(() => { if (test()) { obs.disconnect(); resolve(); } });
    obs.observe(root, {childList: true, subtree: true, attributes: true});
  });
  const out = {};
  const all = [...document.querySelectorAll('.fw-more .fw-show')].pop();
  if (all) {
    const t0 = performance.now();
    all.click();
    await until(() => !document.querySelector('.fw-more'));
    await frames();
    out.all_ms = performance.now() - t0;
    out.rows = document.querySelectorAll('#fw-content .fw-row').length;
  }
  const lazy = [...document.querySelectorAll('.fw-conflict')].filter(
    (li) => 'lazy' in li.querySelector('.fw-detail').dataset).pop();
  if (lazy) {
    const t0 = performance.now();
    lazy.querySelector('.fw-pick').click();
    await until(() => !('lazy' in lazy.querySelector('.fw-detail').dataset));
    await frames();
    out.proof_ms = performance.now() - t0;
  }
  return out;
}"""
TIME_CALL = """async (text) => {
  const files = {'etc/pve/firewall/cluster.fw': text + '# call ' + performance.now() + '\\n'};
  window.__engine = window.__engine || await (await import('./boot.js')).startEngine({});
  const t0 = performance.now();
  const r = await window.__engine.call('firewall', {files});
  return {ms: performance.now() - t0, bytes: r.html.length};
}"""


def _median_line(what: str, walls: list[float], cpus: list[float], extra: str) -> str:
    return (f"{what}: median {statistics.median(walls):5.2f} s wall, "
            f"{statistics.median(cpus):5.2f} s CPU over {len(walls)} runs "
            f"(wall {min(walls):.2f}-{max(walls):.2f}); {extra}; "
            f"load average {os.getloadavg()[0]:.1f}")


def _fresh(page: Any, n: int, run: int) -> None:
    """Audit a rule set the engine has not seen (a comment names the run): the tab keeps
    its last analysis for unchanged files, and each run must measure a new one."""
    if page.is_visible("#tab-audit"):
        page.click("#tab-audit")
    page.click("#clear")
    page.wait_for_selector("#report .pg-report", state="detached")
    # as a paste would (the box may sit in a closed section at this width)
    page.evaluate(PASTE, generate(n) + f"# run {run}\n")
    page.wait_for_selector("#report .pg-report", timeout=300_000)


def tab(page: Any, url: str, n: int, runs: int, more: bool = False) -> None:
    page.goto(url)
    page.wait_for_selector("#grade", timeout=120_000)
    walls, cpus, res = [], [], {}
    for i in range(runs):
        _fresh(page, n, i)
        cpu = tree_cpu_ms()
        res = page.evaluate(TIME_TAB, "#tab-firewall")
        cpus.append((tree_cpu_ms() - cpu) / 1000)
        walls.append(res["ms"] / 1000)
    print(_median_line(f"firewall tab {n:>6} rules, click to usable", walls, cpus,
                       f"{res['bytes'] / 1e6:.2f} MB of HTML, {res['rows']} rule rows shown, "
                       f"{res['conflicts']} conflicts listed"), flush=True)
    if more:  # on demand, after Re-analyse (unchanged files: the last analysis is reused)
        proofs, alls, agains = [], [], []
        for _ in range(runs):
            agains.append(page.evaluate(TIME_TAB, "#fw-refresh")["ms"] / 1000)
            got = page.evaluate(TIME_MORE)
            if "proof_ms" in got:
                proofs.append(got["proof_ms"] / 1000)
            if "all_ms" in got:
                alls.append(got["all_ms"] / 1000)
        print(f"  the tab again, files unchanged (Re-analyse, or an audit after an edit to "
              f"another file): median {statistics.median(agains):.2f} s wall", flush=True)
        if proofs:
            print(f"  on demand: a conflict's proof (past the first 200): median "
                  f"{statistics.median(proofs):.2f} s wall", flush=True)
        if alls:
            print(f"  on demand: 'Show all {n} rules': median {statistics.median(alls):.2f} s "
                  f"wall", flush=True)


def calls(page: Any, url: str, n: int, runs: int) -> None:
    page.goto(url)
    text = generate(n)
    walls, cpus, res = [], [], {}
    for _ in range(runs):
        cpu = tree_cpu_ms()
        res = page.evaluate(TIME_CALL, text)
        cpus.append((tree_cpu_ms() - cpu) / 1000)
        walls.append(res["ms"] / 1000)
    print(_median_line(f"engine.call('firewall') {n:>6} rules (no page work)", walls, cpus,
                       f"{res['bytes'] / 1e6:.2f} MB of HTML"), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--calls", action="store_true", help="also time the bare engine call")
    ap.add_argument("--more", action="store_true",
                    help="also time what is shown on demand (a conflict's proof, all rows)")
    ap.add_argument("--site", type=Path, default=ROOT / "dist" / "site",
                    help="the built site to serve (e.g. a copy built from another commit)")
    args = ap.parse_args()
    site = args.site
    if not (site / "boot.js").exists():
        sys.exit("build the site first: python build.py")
    server = serve.make_server(site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = serve.url_of(server) + "index.html"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for n in args.sizes:
                tab(page, url, n, args.runs, args.more)
                if args.calls:
                    calls(page, url, n, args.runs)
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
