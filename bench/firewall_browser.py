"""Conflict analysis in the browser (Pyodide in the page's worker): prints medians.

  python build.py && python bench/firewall_browser.py [--sizes 1000 5000] [--runs 5]

Serves dist/site on 127.0.0.1, boots the engine once through the shipped boot.js, then
times `engine.call("firewall", …)` (parse + analysis + the tab's HTML, the worker's JSON
and the message to the page) on the same generated rule sets as bench/firewall.py, then
the same with the HTML inserted into the page and laid out (what the tab adds), wall
clock and the CPU time of all the browser's processes (bench/startup.py `tree_cpu_ms`;
the wall clock on a shared box also measures the neighbours). Goal (issue 14): 5k rules
<= 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))

from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from firewall import generate  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from startup import tree_cpu_ms  # noqa: E402

from sitebuild import serve  # noqa: E402

BOOT = """async () => {
  const boot = await import('./boot.js');
  window.__engine = await boot.startEngine({});
}"""
TIME_CALL = """async (text) => {
  const files = {'etc/pve/firewall/cluster.fw': text};
  const t0 = performance.now();
  const r = await window.__engine.call('firewall', {files});
  const t1 = performance.now();
  // what the tab then does with it: insert the HTML and lay it out (a visible box)
  const box = document.createElement('div');
  document.body.append(box);
  box.innerHTML = r.html;
  box.getBoundingClientRect();
  void document.body.offsetHeight;
  const t2 = performance.now();
  box.remove();
  return {ms: t1 - t0, tab_ms: t2 - t0, bytes: r.html.length,
          conflicts: (r.html.match(/class="fw-conflict /g) || []).length};
}"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    site = ROOT / "dist" / "site"
    if not (site / "boot.js").exists():
        sys.exit("build the site first: python build.py")
    server = serve.make_server(site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(serve.url_of(server) + "index.html")
            page.evaluate(BOOT)
            for n in args.sizes:
                text = generate(n)
                walls, tabs, cpus, res = [], [], [], {}
                for _ in range(args.runs):
                    cpu = tree_cpu_ms()
                    res = page.evaluate(TIME_CALL, text)
                    cpus.append((tree_cpu_ms() - cpu) / 1000)
                    walls.append(res["ms"] / 1000)
                    tabs.append(res["tab_ms"] / 1000)
                print(f"browser firewall {n:>6} rules: median {statistics.median(walls):6.2f} s "
                      f"wall for the engine call, {statistics.median(tabs):6.2f} s with the "
                      f"HTML inserted and laid out, {statistics.median(cpus):6.2f} s CPU (all "
                      f"the browser's processes, whole span) over {args.runs} runs "
                      f"({res['conflicts']} conflicts, {res['bytes'] / 1e6:.1f} MB of HTML); "
                      f"load average {os.getloadavg()[0]:.1f}")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
