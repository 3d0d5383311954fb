"""Differential run of the sshd model against /usr/sbin/sshd on generated config trees.

Usage: python bench/sshd_differential.py [--count N] [--start SEED] [--workers W]
                                         [--probe N]
Prints the number of trees, the disagreements (with seeds, reproducible through
tests/sshd_oracle/generate.tree(seed)) and the throughput. `--probe N` also serves N
access-list trees (tests/sshd_oracle/probe.tree(seed)) with a throw-away sshd on
127.0.0.1 and logs in as each local probe account (login eligibility; needs root).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from sshd_oracle import generate, harness, probe


def _run(seeds: range) -> list[tuple[int, list[str]]]:
    oracle = harness.Oracle()
    try:
        bad = []
        for seed in seeds:
            t = generate.tree(seed)
            problems = harness.check_tree(oracle, t.for_sshd(str(oracle.root)),
                                          t.for_proxguard(), generate.connection(seed))
            if problems:
                bad.append((seed, problems))
        return bad
    finally:
        oracle.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--start", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--probe", type=int, default=0)
    args = ap.parse_args()
    if args.probe:
        return _probe(args.probe, args.start)
    why = harness.unavailable()
    if why:
        print(f"cannot run: {why}")
        return 2
    batches = [range(s, min(s + args.batch, args.start + args.count))
               for s in range(args.start, args.start + args.count, args.batch)]
    t0 = time.perf_counter()
    bad: list[tuple[int, list[str]]] = []
    with ProcessPoolExecutor(args.workers) as pool:
        for part in pool.map(_run, batches):
            bad.extend(part)
    secs = time.perf_counter() - t0
    print(f"trees: {args.count}  disagreements: {len(bad)}  "
          f"time: {secs:.1f} s ({args.count / secs:.0f} trees/s, {args.workers} workers)")
    for seed, problems in bad[:20]:
        print(f"  seed {seed}: {problems[0]}")
    return 1 if bad else 0


def _probe(count: int, start: int) -> int:
    why = harness.unavailable() or probe.unavailable()
    if why:
        print(f"cannot run: {why}")
        return 2
    import subprocess
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="pg-sshd-probe-"))
    key = scratch / "hostkey"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    accounts = probe.users()
    t0 = time.perf_counter()
    served, logins, bad = 0, 0, []
    for seed in range(start, start + count):
        outcome = probe.run(scratch, key, probe.tree(seed), accounts)
        if isinstance(outcome, str):
            continue
        served += 1
        logins += len(outcome)
        bad += [(seed, o) for o in outcome if o.sshd_allows != o.model_allows]
    secs = time.perf_counter() - t0
    print(f"probe trees: {served} of {count} served  logins: {logins}  disagreements: "
          f"{len(bad)}  time: {secs:.1f} s ({secs / max(served, 1):.2f} s/tree)")
    for seed, o in bad[:20]:
        print(f"  seed {seed}: {o}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
