"""Rendering cost per output format on large legal inputs: prints figures, never asserts.

  python bench/render.py [--sizes 10000 50000 100000] [--formats text json ...] [--runs 1]
  python bench/render.py --kind users --sizes 20000

For each size and format a fresh process audits the generated input of bench/scale.py
(cluster.fw with N distinct rules by default), then renders the report the way
`proxguard audit --format F -o FILE` does (collector paused, written to a file). It prints
the render's CPU time (time.process_time) with the wall clock beside it, the output size,
the peak RSS after the audit and after the render (ru_maxrss: the render's own cost is
the difference), and how many targets the report holds. The report's remediation scripts
are rendered on first use (engine/report.py PendingScripts): the first render of a
format that prints them (JSON, HTML) includes rendering them, as `proxguard audit` does;
the others are handed the report without them, as the CLI hands them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, n: int, fmt: str, runs: int) -> None:
    """Runs in the subprocess: prints one JSON line of figures."""
    from scale import GENERATORS

    import proxguard
    from proxguard.engine.collector import collector_paused
    from proxguard.inputs import Snapshot
    from proxguard.render import SHOWS_SCRIPTS, write

    report = proxguard.audit(Snapshot.from_texts(GENERATORS[kind](n)), profile="extended",
                             now=1767225600)
    targets = sum(len(f["targets"]) for f in report.to_json(scripts=False)["findings"])
    after_audit = _peak_mb()
    cpu: list[float] = []
    wall: list[float] = []
    size = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"report.{fmt}"
        for _ in range(runs):
            c0, w0 = time.process_time(), time.perf_counter()
            with collector_paused(), out.open("w", encoding="utf-8") as fh:
                write(report.to_json(scripts=fmt in SHOWS_SCRIPTS), fmt, fh)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        size = os.path.getsize(out)
    print(json.dumps({"cpu": cpu, "wall": wall, "bytes": size, "targets": targets,
                      "peak_audit": after_audit, "peak_render": _peak_mb()}))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", choices=("fw", "users", "sshd"), default="fw")
    ap.add_argument("--sizes", type=int, nargs="*", default=[10000, 50000, 100000])
    ap.add_argument("--formats", nargs="*", choices=FORMATS, default=list(FORMATS))
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    print(f"{args.kind}: render of one audit per process, CPU-time median of {args.runs}")
    for n in args.sizes:
        for fmt in args.formats:
            proc = subprocess.run([sys.executable, __file__, "--child", args.kind, str(n),
                                   fmt, str(args.runs)],
                                  capture_output=True, text=True, check=False)
            if proc.returncode:
                print(f"  N={n} {fmt}: failed\n{proc.stderr[-2000:]}")
                continue
            fig = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"  N={n:>7} {fmt:<8} render {statistics.median(fig['cpu']):7.2f} s CPU "
                  f"(wall {statistics.median(fig['wall']):7.2f})  "
                  f"{fig['bytes'] / 1e6:8.1f} MB out  peak RSS audit {fig['peak_audit']:6.0f} "
                  f"→ render {fig['peak_render']:6.0f} MB  ({fig['targets']} targets)",
                  flush=True)


if __name__ == "__main__":
    main()
