"""Conflict analysis in the browser (Pyodide in the page's worker): prints medians.

  python build.py && python bench/firewall_browser.py [--sizes 1000 5000] [--runs 5]

Serves dist/site on 127.0.0.1, boots the engine once through the shipped boot.js, then
times `engine.call("firewall", …)` (parse + analysis + the tab's HTML) on the same
generated rule sets as bench/firewall.py. Goal from the issue: 5k rules under 3 s.
"""

from __future__ import annotations

import argparse
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

from sitebuild import serve  # noqa: E402

TIME_CALL = """async ([text, runs]) => {
  const boot = await import('./boot.js');
  const engine = await boot.startEngine({});
  const files = {'etc/pve/firewall/cluster.fw': text};
  const times = [];
  let conflicts = -1;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await engine.call('firewall', {files});
    times.push(performance.now() - t0);
    conflicts = (r.analysis || r).conflicts ? (r.analysis || r).conflicts.length : -1;
  }
  return {times, conflicts};
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
            for n in args.sizes:
                res = page.evaluate(TIME_CALL, [generate(n), args.runs])
                med = statistics.median(res["times"]) / 1000
                print(f"browser firewall {n:>6} rules: median {med:6.2f} s over {args.runs} runs "
                      f"({res['conflicts']} conflicts)")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
