"""Conflict-analysis time on generated rule sets (median of 5 runs per size).

Sizes 1k/5k/20k rules in cluster.fw with a 1,000-entry `management` ipset (goals in the
brief: 5k < 1 s, 20k < 5 s in CPython). Usage: python bench/firewall.py [N ...]

Wall-clock medians are printed with the process CPU-time median beside them: on a shared
machine the wall clock also measures the neighbours, the CPU time only this process.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from proxguard.diagnostics import Diagnostics
from proxguard.firewall.analysis import compute
from proxguard.inputs import Snapshot
from proxguard.parsers.pvefw import load

PORTS = ["22", "80", "443", "8006", "3128", "53", "123", "25", "110", "143", "993", "3306",
         "5432", "6379", "9100", "10000:10100"]


def generate(n: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    out = ["[OPTIONS]", "enable: 1", "", "[ALIASES]", "local_network 10.0.0.0/24", "",
           "[IPSET management]"]
    out += [f"192.168.{i // 250}.{i % 250}" for i in range(1000)]
    out += ["", "[RULES]"]
    for _ in range(n):
        a = rnd.choice(["ACCEPT", "ACCEPT", "ACCEPT", "DROP"])
        src = "" if rnd.random() < 0.5 else rnd.choice(
            [f" -source 10.{rnd.randrange(64)}.{rnd.randrange(256)}.0/24", " -source +management"])
        dst = f" -dest 10.1.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
        proto = "tcp" if rnd.random() < 0.75 else "udp"
        kind = rnd.random()
        if kind < 0.6:
            dport = rnd.choice(PORTS)
        elif kind < 0.8:
            lo = rnd.randrange(1024, 60000)
            dport = f"{lo}:{lo + rnd.randrange(1, 50)}"
        else:
            dport = ",".join(rnd.sample(PORTS[:-1], 3))
        out.append(f"IN {a}{src}{dst} -p {proto} -dport {dport}")
    out.append("IN DROP")
    return "\n".join(out) + "\n"


def main() -> None:
    sizes = [int(x) for x in sys.argv[1:]] or [1000, 5000, 20000]
    for n in sizes:
        text = generate(n)
        cfg = load(Snapshot.from_texts({"etc/pve/firewall/cluster.fw": text}), Diagnostics())
        assert cfg is not None
        times, cpu = [], []
        result = None
        for _ in range(5):
            t0, c0 = time.perf_counter(), time.process_time()
            result = compute(cfg)  # not analyse(): its per-config memo would time a lookup
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        assert result is not None
        conflicts = result.conflicts
        print(f"firewall analysis: {n} rules + 1k-entry ipset: median "
              f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}; "
              f"CPU median {statistics.median(cpu):.2f} s), {len(conflicts)} conflicts")


if __name__ == "__main__":
    main()
