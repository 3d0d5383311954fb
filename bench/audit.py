"""Benchmarks for the audit pipeline: prints medians, never asserts.

  python bench/audit.py            # parse+audit of each demo (median of 15) and a fleet run
  python bench/audit.py --fleet N  # fleet size (default 1000 generated snapshots)
  python bench/audit.py --fleet-runs 3   # `proxguard audit hosts/` end to end, serial and
                                         # parallel (median of 3 each; 0 skips it)

The fleet is generated from the demos with varied container counts, users and tokens so
that every parser and rule runs on each snapshot.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import proxguard  # noqa: E402
from proxguard.inputs import Snapshot  # noqa: E402

DEMOS = ("fresh-install", "hardened", "agent-lab")


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _texts(demo: str) -> dict[str, str]:
    snap = Snapshot.from_paths([ROOT / "examples" / demo])
    return {p: f.text for p, f in snap.files.items()}


def _variant(base: dict[str, str], rng: random.Random, i: int) -> dict[str, str]:
    files = dict(base)
    extra_cts = rng.randint(0, 20)
    template = next((t for p, t in base.items() if p.startswith("etc/pve/lxc/")), "arch: amd64\n")
    for n in range(extra_cts):
        vmid = 1000 + n
        priv = "" if rng.random() < 0.3 else "unprivileged: 1\n"
        files[f"etc/pve/lxc/{vmid}.conf"] = template + priv + f"hostname: gen{i}-{n}\n"
    users = "".join(f"user:u{n}@pve:1:0:::::{'x' if rng.random() < 0.5 else ''}:\n"
                    f"token:u{n}@pve!t:{rng.choice([0, 1900000000])}:{rng.randint(0, 1)}::\n"
                    for n in range(rng.randint(0, 15)))
    files["etc/pve/user.cfg"] = base.get("etc/pve/user.cfg", "") + users
    return files


def _write_hosts(fleet: list[dict[str, str]], root: Path) -> None:
    for i, files in enumerate(fleet):
        for path, text in files.items():
            dest = root / f"host{i:05d}" / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")


def _fleet_cli(fleet: list[dict[str, str]], runs: int) -> None:
    """The fleet command end to end (host split, audits, fleet JSON written), serial and
    in one process per core: what `proxguard audit hosts/ --format json` costs."""
    from proxguard.cli import main as cli_main

    with tempfile.TemporaryDirectory() as tmp:
        hosts = Path(tmp) / "hosts"
        _write_hosts(fleet, hosts)
        out = Path(tmp) / "fleet.json"
        cores = os.cpu_count() or 1
        for jobs in sorted({1, cores}):
            argv = ["audit", str(hosts), "--format", "json", "-o", str(out), "--jobs", str(jobs)]
            before = os.times()
            t = _median(lambda argv=argv: cli_main(argv), runs)
            after = os.times()
            parent = sum(after[:2]) - sum(before[:2])
            workers = sum(after[2:4]) - sum(before[2:4])  # the pool's processes, once joined
            print(f"fleet CLI, {len(fleet)} host directories, --jobs {jobs}: median {t:.2f} s "
                  f"wall ({t / len(fleet) * 1000:.1f} ms/host); CPU per run: this process "
                  f"{parent / runs:.2f} s, workers {workers / runs:.2f} s; fleet JSON "
                  f"{out.stat().st_size / 1e6:.0f} MB; load average {os.getloadavg()[0]:.1f} "
                  f"on {cores} cores")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fleet", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--fleet-runs", type=int, default=3)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}")
    for demo in DEMOS:
        texts = _texts(demo)
        t = _median(lambda texts=texts: proxguard.audit(Snapshot.from_texts(texts)), args.runs)
        print(f"parse+audit {demo:<14} median {t * 1000:7.1f} ms  ({len(texts)} files)")
    rng = random.Random(7)
    bases = [_texts(d) for d in DEMOS]
    fleet = [_variant(bases[i % 3], rng, i) for i in range(args.fleet)]
    t0 = time.perf_counter()
    grades: dict[str, int] = {}
    for files in fleet:
        g = proxguard.audit(Snapshot.from_texts(files)).grade or "-"
        grades[g] = grades.get(g, 0) + 1
    dt = time.perf_counter() - t0
    print(f"fleet of {args.fleet} snapshots: {dt:.2f} s total, {dt / args.fleet * 1000:.1f} ms each; "
          f"grades {dict(sorted(grades.items()))}")
    if args.fleet_runs:
        _fleet_cli(fleet, args.fleet_runs)


if __name__ == "__main__":
    main()
