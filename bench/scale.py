"""Scaling series for the three large legal inputs: prints figures, never asserts.

  python bench/scale.py fw      [--sizes 1000 2000 ...] [--runs 3]
  python bench/scale.py users   [--sizes ...]
  python bench/scale.py sshd    [--sizes ...]
  python bench/scale.py --profile KIND N     # cProfile one audit, top 25 by cumulative time

Each size runs in its own subprocess so its peak memory (ru_maxrss, which also counts the
interpreter and the imported engine, ~40–60 MB) is its own. Times are CPU-time medians
(time.process_time) of a whole `proxguard.audit` (parse + model + rules + score), the
wall-clock median beside them: on a shared 2-core box the wall clock also measures the
neighbours. The
fitted exponent is the least-squares slope of log(time) over log(N); 1.0 is linear,
2.0 quadratic ("×2 per doubling" ≈ 1.0).

Inputs: cluster.fw with N distinct rules (distinct sources and ports); user.cfg with N
users, N groups, N ACL lines and N tokens; sshd_config with N `Match User` blocks.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROLES = ("PVEAuditor", "PVEVMAdmin", "PVEVMUser", "PVEDatastoreUser", "PVEAdmin",
         "Administrator", "NoAccess")
DEFAULT_SIZES = {"fw": [1000, 2000, 4000, 8000, 16000, 32000, 64000, 100000],
                 "users": [1000, 2000, 4000, 8000, 16000, 20000],
                 "sshd": [1000, 2000, 4000, 8000, 10000]}


def gen_fw(n: int, seed: int = 3) -> dict[str, str]:
    """N distinct rules: every rule a distinct (source /32, port) pair."""
    rnd = random.Random(seed)
    out = ["[OPTIONS]", "enable: 1", "", "[RULES]"]
    for i in range(n):
        action = "ACCEPT" if rnd.random() < 0.8 else "DROP"
        src = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        proto = "tcp" if rnd.random() < 0.75 else "udp"
        out.append(f"IN {action} -source {src} -p {proto} -dport {1 + i % 65000}")
    out.append("IN DROP")
    return {"etc/pve/firewall/cluster.fw": "\n".join(out) + "\n"}


def gen_users(n: int, seed: int = 1, members: int = 10) -> dict[str, str]:
    """N users, N groups (`members` each, default 10), N ACL lines over users/groups/tokens,
    N tokens. At 20k: 4.2 MB with 10 members; issue 14 states its 20k input as ~2 MB,
    which 2 members a group gives (`--members 2`)."""
    rnd = random.Random(seed)
    ids = [f"u{i}@pve" for i in range(n)]
    out = ["user:root@pam:1:0::::::"]
    out += [f"user:{u}:1:0:::::x:" for u in ids]
    out += [f"token:{u}!ci:0:{rnd.choice('01')}:" for u in ids]
    out += [f"group:g{g}:{','.join(rnd.sample(ids, min(members, n)))}::" for g in range(n)]
    paths = ["/", "/vms", "/storage", "/nodes", "/access"]
    paths += [f"/vms/{100 + i}" for i in range(max(200, n // 10))]
    paths += [f"/storage/s{i}" for i in range(50)]
    for _ in range(n):
        kind = rnd.random()
        subject = (rnd.choice(ids) if kind < 0.4 else f"@g{rnd.randrange(n)}" if kind < 0.8
                   else f"{rnd.choice(ids)}!ci")
        out.append(f"acl:{rnd.choice('01')}:{rnd.choice(paths)}:{subject}:{rnd.choice(ROLES)}:")
    return {"etc/pve/user.cfg": "\n".join(out) + "\n"}


def gen_sshd(n: int, seed: int = 2) -> dict[str, str]:
    """A hardened global section, then N `Match User` blocks with a few overrides each."""
    rnd = random.Random(seed)
    out = ["Port 22", "PermitRootLogin no", "PasswordAuthentication no",
           "KbdInteractiveAuthentication no", "X11Forwarding no", "AllowTcpForwarding no",
           "MaxAuthTries 3", "LoginGraceTime 30", "ClientAliveInterval 300", ""]
    for i in range(n):
        out.append(f"Match User deploy{i}")
        out.append(f"    PasswordAuthentication {rnd.choice(['yes', 'no'])}")
        out.append(f"    AllowTcpForwarding {rnd.choice(['yes', 'no', 'local'])}")
        if rnd.random() < 0.3:
            out.append("    X11Forwarding yes")
    return {"etc/ssh/sshd_config": "\n".join(out) + "\n"}


GENERATORS = {"fw": gen_fw, "users": gen_users, "sshd": gen_sshd}


def _audit(kind: str, n: int, members: int = 10):
    import proxguard
    from proxguard.inputs import Snapshot
    texts = gen_users(n, members=members) if kind == "users" else GENERATORS[kind](n)
    return lambda: proxguard.audit(Snapshot.from_texts(texts), profile="extended",
                                   now=1767225600)


def child(kind: str, n: int, runs: int, members: int) -> None:
    """Runs in the subprocess: prints one JSON line of figures."""
    fn = _audit(kind, n, members)
    cpu: list[float] = []
    wall: list[float] = []
    report = None
    for _ in range(runs):
        # drop the previous report first: the peak figure is that of one audit, not of
        # two reports alive at once
        report = None
        c0, w0 = time.process_time(), time.perf_counter()
        report = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "cpu": cpu, "wall": wall, "peak_mb": peak_kb / 1024,
                      "grade": getattr(report, "grade", None)}))


def fit_exponent(points: list[tuple[int, float]]) -> float:
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(t, 1e-6)) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else float("nan")


def series(kind: str, sizes: list[int], runs: int, budget: float, members: int) -> None:
    points: list[tuple[int, float]] = []
    print(f"{kind}: CPU-time medians of {runs} audits (profile extended), subprocess per size")
    for n in sizes:
        proc = subprocess.run([sys.executable, __file__, "--child", kind, str(n), str(runs),
                               str(members)],
                              capture_output=True, text=True, check=False)
        if proc.returncode:
            print(f"  N={n}: failed\n{proc.stderr[-2000:]}")
            break
        fig = json.loads(proc.stdout.strip().splitlines()[-1])
        med = statistics.median(fig["cpu"])
        points.append((n, med))
        prev = f"  ×{med / points[-2][1]:.2f} vs previous" if len(points) > 1 else ""
        print(f"  N={n:>7}: median {med:8.3f} s CPU  (min {min(fig['cpu']):.3f}, wall median "
              f"{statistics.median(fig['wall']):.3f})  "
              f"peak RSS {fig['peak_mb']:7.1f} MB  grade {fig['grade']}{prev}", flush=True)
        if med * runs > budget:
            print(f"  stopped after N={n}: next size would exceed the {budget:.0f} s budget")
            break
    if len(points) >= 2:
        print(f"  fitted exponent (log-log slope over {len(points)} sizes): "
              f"{fit_exponent(points):.2f}")


def profile(kind: str, n: int, members: int) -> None:
    fn = _audit(kind, n, members)
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
    print(buf.getvalue())


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=sorted(GENERATORS))
    ap.add_argument("--sizes", type=int, nargs="*")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--budget", type=float, default=120.0,
                    help="stop the series once one size takes more CPU seconds than this")
    ap.add_argument("--profile", type=int, metavar="N", help="cProfile one audit of size N")
    ap.add_argument("--members", type=int, default=10,
                    help="users: members of each group (10: 4.2 MB at 20k; 2: ~2 MB)")
    args = ap.parse_args()
    if args.profile:
        profile(args.kind, args.profile, args.members)
    else:
        series(args.kind, args.sizes or DEFAULT_SIZES[args.kind], args.runs, args.budget,
               args.members)


if __name__ == "__main__":
    main()
