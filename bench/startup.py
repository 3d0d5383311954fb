"""Start-up benchmark of the web app: prints medians and sizes, never asserts.

  python bench/startup.py            # build into a temp dir, 5 cold loads per measure
  python bench/startup.py --runs 9

Four builds of the page, each load in a fresh browser context (empty cache), Debian's
chromium through Playwright:
  hosted         the site on 127.0.0.1 as it ships (with the start-up snapshot);
  hosted-nosnap  the same with the snapshot request refused, so the worker boots the
                 normal way after a console note (what a browser refusing it gets);
  file-snap      the single file from file:// with the start-up snapshot packed in (and
                 the wheels left out: the snapshot carries their files);
  file-nosnap    the single file without the snapshot (normal boot, with the wheels).
Which of the two ships is `sitebuild.site.SINGLE_WITH_SNAPSHOT` (the report says).
Measures:
  - ready: navigation start -> engine `ready` (probe page, the shipped boot.js/worker.js);
  - paste_grade: as soon as the UI page has loaded, an sshd_config is pasted into its box
    (an input event of type insertFromPaste, audited at once, not debounced);
    navigation start -> the grade of that paste, observed in the page itself;
  - reaudit: with the engine warm (the probe page after two audits), one edit's audit,
    `engine.call("audit")` round trip (worker message, Python, JSON back): what typing
    costs after its 300 ms debounce.
`*_cpu`: CPU time (user + system) of all the browser's processes over the same span
(from navigation to ready, to the grade), read from /proc. Then every output file's size,
raw and gzip -9. Wall clock is what a user waits, but on a shared machine it also
measures the neighbours (the load average is printed); the CPU time does not. Goals (issue 14): ready and
paste_grade <= 1.0 s hosted and from file://, reaudit <= 50 ms. Results also go to
bench/out/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from conftest import CHROMIUM, CHROMIUM_ARGS, PROBE, build  # noqa: E402

from sitebuild import serve, site  # noqa: E402

# issue 14: engine ready <= 1.0 s and open/paste/grade <= 1.0 s, hosted and file://;
# a re-audit with a warm engine <= 50 ms
SHIPPED_FILE = "file-snap" if site.SINGLE_WITH_SNAPSHOT else "file-nosnap"
GOALS_MS = {**{f"{mode}.{what}": 1000 for mode in ("hosted", SHIPPED_FILE)
               for what in ("ready", "paste_grade")},
            **{f"{mode}.reaudit": 50 for mode in ("hosted", SHIPPED_FILE)}}
SINGLE_BUDGET = 20_000_000

# Runs before the page's own scripts; CDP-injected, so the page's CSP does not apply.
GRADE_WATCH = """
new MutationObserver((_, obs) => {
  const g = document.getElementById("grade");
  if (g && g.textContent.trim()) { window.__gradeMs = performance.now(); obs.disconnect(); }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def _wait_for(page: Any, expr: str, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = page.evaluate(expr)
        if value is not None:
            return value
        page.wait_for_timeout(20)
    raise TimeoutError(f"{expr} not set after {timeout_s} s")


PASTED = ("Port 22\nPermitRootLogin yes\nPasswordAuthentication yes\n"
          "X11Forwarding yes\nMaxAuthTries 6\n")
PASTE = """text => {
  const box = document.getElementById("p-sshd");
  box.value = text;
  box.dispatchEvent(new InputEvent("input", {bubbles: true, inputType: "insertFromPaste"}));
}"""
# Two audits warm the engine, then each edit (one more line) is timed.
REAUDIT = """async text => {
  const audit = (t) => window.engine.call("audit", {files: {"etc/ssh/sshd_config": t}});
  await audit(text);
  await audit(text + "LoginGraceTime 60\\n");
  const times = [];
  for (const extra of ["MaxSessions 4\\n", "ClientAliveInterval 300\\n", "Banner none\\n"]) {
    const t0 = performance.now();
    await audit(text + extra);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[1];
}"""


def tree_cpu_ms() -> float:
    """CPU time (user + system, ms) of every process below this one: Playwright's driver
    and the browser's processes (with their exited, reaped children). The box is shared,
    so this, not the wall clock, is what a load costs."""
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        ticks[pid] = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    mine, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        kids = [p for p, pp in parent.items() if pp == pid and p not in mine]
        mine.update(kids)
        todo.extend(kids)
    return sum(ticks[p] for p in mine) * 1000 / os.sysconf("SC_CLK_TCK")


def _cold(browser: Any, url: str, what: str, snapshot: bool = True) -> dict[str, float]:
    ctx = browser.new_context()
    try:
        ctx.add_init_script(GRADE_WATCH)
        if not snapshot:
            ctx.route("**/pyodide/snapshot.bin.gz", lambda route: route.abort())
        page = ctx.new_page()
        cpu = tree_cpu_ms()
        page.goto(url)
        if what == "paste_grade":
            page.evaluate(PASTE, PASTED)
            ms = float(_wait_for(page, "() => window.__gradeMs ?? null"))
            return {"paste_grade": ms, "paste_grade_cpu": tree_cpu_ms() - cpu}
        ms = _wait_for(page, "() => window.probe && (window.probe.readyMs ?? "
                             "(window.probe.error ? -1 : null))")
        if ms < 0:
            raise RuntimeError(page.evaluate("() => window.probe.error"))
        ready_cpu = tree_cpu_ms() - cpu
        return {"ready": float(ms), "ready_cpu": ready_cpu,
                "reaudit": float(page.evaluate(REAUDIT, PASTED))}
    finally:
        ctx.close()


def _urls(out: Path, result: Any, base: str) -> dict[tuple[str, str], str]:
    """(mode, page kind) -> URL; page kind "probe" gives ready and reaudit."""
    urls = {("hosted", "probe"): base + "probe.html"}
    for mode, snap in (("file-snap", True), ("file-nosnap", False)):
        probe = site.write_single(result.site, "probe.html", out / f"probe-{mode}.html", snap)
        urls[(mode, "probe")] = probe.as_uri()
    if result.single is not None:
        urls[("hosted", "paste_grade")] = base + "index.html"
        for mode, snap in (("file-snap", True), ("file-nosnap", False)):
            page = site.write_single(result.site, "index.html", out / f"proxguard-{mode}.html", snap)
            urls[(mode, "paste_grade")] = page.as_uri()
    urls |= {("hosted-nosnap", k): u for (m, k), u in list(urls.items()) if m == "hosted"}
    return dict(sorted(urls.items(), key=lambda kv: MODES.index(kv[0][0])))


MODES = ["hosted", "hosted-nosnap", "file-snap", "file-nosnap"]


def run(runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        extra = {n: (PROBE / n).read_text(encoding="utf-8") for n in ("probe.html", "probe.js")}
        result = build.build(out, extra=extra)
        server = serve.make_server(result.site)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        urls = _urls(out, result, serve.url_of(server))
        samples: dict[str, list[float]] = {}
        loads: list[float] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            _cold(browser, urls[("hosted", "probe")], "probe")  # warm the OS file cache once
            for _ in range(runs):  # interleaved, so a noisy moment hits every measure
                loads.append(os.getloadavg()[0])
                for (mode, kind), url in urls.items():
                    got = _cold(browser, url, kind, snapshot=mode != "hosted-nosnap")
                    for what, ms in got.items():
                        samples.setdefault(f"{mode}.{what}", []).append(ms)
            browser.close()
        server.shutdown()
        server.server_close()
        sizes = [{"path": p, "raw": raw, "gzip": gz} for p, raw, gz in build.sizes(result)]
        for mode in ("file-snap", "file-nosnap"):
            variant = out / f"proxguard-{mode}.html"
            if variant.exists():
                shipped = "shipped" if mode == SHIPPED_FILE else "not shipped"
                sizes.append({"path": f"proxguard-{mode}.html ({shipped})",
                              "raw": variant.stat().st_size, "gzip": 0})
    order = [f"{m}.{w}" for m in MODES
             for w in ("ready", "ready_cpu", "paste_grade", "paste_grade_cpu", "reaudit")]
    medians = {k: round(statistics.median(samples[k])) for k in order if k in samples}
    return {"runs": runs, "load_average": [round(x, 1) for x in loads], "median_ms": medians,
            "samples_ms": {k: [round(x) for x in samples[k]] for k in medians},
            "sizes": sizes}


def report(data: dict[str, Any]) -> None:
    print(f"cold loads, fresh context each, median of {data['runs']} (ms; ready and "
          f"paste_grade from navigation start); 1-min load average {data['load_average']}")
    for key, ms in data["median_ms"].items():
        mode, what = key.split(".")
        goal = GOALS_MS.get(f"{mode}.{what}")
        mark = "" if goal is None else f"   goal <= {goal}: {'met' if ms <= goal else 'MISSED'}"
        print(f"  {mode:13} {what:12} {ms:6d}   samples {data['samples_ms'][key]}{mark}")
    print("\nsizes (bytes)        raw       gzip")
    for row in data["sizes"]:
        print(f"  {row['raw']:>12} {row['gzip']:>10}  {row['path']}")
        if "proxguard" in row["path"] and row["path"].split()[0].endswith(".html"):
            ok = "met" if row["raw"] < SINGLE_BUDGET else "MISSED"
            print(f"  {'':>23} single file budget < {SINGLE_BUDGET / 1e6:.0f} MB: {ok}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = run(args.runs)
    report(data)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "startup.json").write_text(json.dumps(data, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
