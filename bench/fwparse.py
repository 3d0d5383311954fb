"""Parse time of a generated cluster.fw (default 20,000 rules): median of 5 runs.

Goal (brief): under 0.5 s in CPython for 20k rules. Usage: python bench/fwparse.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.parsers.pvefw import load
from proxguard.parsers.pvefw_values import parse_ports

PORTS = ["22", "80", "443", "8006", "3128", "53", "123", "5900:5999", "10000:20000", "25,465,587"]
MACROS = ["SSH", "HTTP", "HTTPS", "DNS", "Ping", "Ceph", "Web", "NTP"]


def generate(n: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    out = ["[OPTIONS]", "", "enable: 1", "policy_in: DROP", "", "[ALIASES]", ""]
    out += [f"host{i} 10.{i // 250}.{i % 250}.1" for i in range(200)]
    out += ["", "[IPSET management] # admins", ""]
    out += [f"192.168.{i // 250}.{i % 250}" for i in range(1000)]
    out += ["", "[RULES]", ""]
    for _ in range(n):
        d = rnd.choice(["IN", "IN", "IN", "OUT"])
        a = rnd.choice(["ACCEPT", "ACCEPT", "DROP", "REJECT"])
        src = rnd.choice(["", f" -source 10.{rnd.randrange(250)}.{rnd.randrange(250)}.0/24",
                          " -source +management", f" -source host{rnd.randrange(200)}"])
        if rnd.random() < 0.3:
            out.append(f"{d} {rnd.choice(MACROS)}({a}){src} # macro rule")
        else:
            proto = rnd.choice(["tcp", "udp"])
            out.append(f"{d} {a}{src} -p {proto} -dport {rnd.choice(PORTS)} -log nolog")
    return "\n".join(out) + "\n"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    text = generate(n)
    times = []
    for _ in range(5):
        parse_ports.cache_clear()  # every run starts cold: no credit for memoisation
        snap = Snapshot.from_texts({"etc/pve/firewall/cluster.fw": text})
        t0 = time.perf_counter()
        cfg = load(snap, Diagnostics())
        times.append(time.perf_counter() - t0)
        assert cfg is not None and cfg.cluster is not None and len(cfg.cluster.rules) == n
    print(f"fwparse: {n} rules, {len(text) // 1024} KiB: median {statistics.median(times):.3f} s "
          f"(min {min(times):.3f}, max {max(times):.3f})")


if __name__ == "__main__":
    main()
