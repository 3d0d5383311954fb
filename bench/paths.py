"""Path evaluation on a generated 200-guest cluster, 50 rules per guest (issue 17 goal:
≤ 50 ms per packet in CPython, medians).

Prints the time to build the network once (parse + every chain) and the median per
packet of guest→outside, outside→guest, guest→guest and guest→host paths, each over
many packets with varying ports. Usage: python bench/paths.py [GUESTS [RULES]]
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from proxguard.firewall.views import load_network
from proxguard.firewall.zones import hops, parse
from proxguard.inputs import Snapshot


def generate(guests: int, rules: int, seed: int = 17) -> dict[str, str]:
    rnd = random.Random(seed)
    files = {"etc/pve/firewall/cluster.fw":
             "[OPTIONS]\nenable: 1\n\n[ALIASES]\nlocal_network 10.0.0.0/24\n\n"
             "[IPSET management]\n10.0.0.10\n\n[IPSET blacklist]\n198.51.100.66\n\n"
             "[RULES]\nIN ACCEPT -source +management -p tcp -dport 8006\n\n"
             "[group web]\nIN ACCEPT -p tcp -dport 443\nIN ACCEPT -p tcp -dport 80\n",
             "etc/pve/nodes/pve1/host.fw": "[OPTIONS]\nenable: 1\n"}
    for i in range(guests):
        vmid = 1000 + i
        ip = f"10.{1 + i // 250}.{i % 250}.{10}"
        files[f"etc/pve/nodes/pve1/lxc/{vmid}.conf"] = (
            f"hostname: g{vmid}\nnet0: name=eth0,bridge=vmbr0,firewall=1,"
            f"hwaddr=BC:24:11:{i // 256:02X}:{i % 256:02X}:01,ip={ip}/16,type=veth\n")
        body = ["[OPTIONS]", "enable: 1", "ipfilter: 1", "policy_out: DROP", "", "[RULES]",
                "GROUP web"]
        for _ in range(rules - 1):
            d = rnd.choice(["IN", "OUT"])
            a = rnd.choice(["ACCEPT", "ACCEPT", "DROP"])
            peer = f"10.{rnd.randrange(1, 3)}.{rnd.randrange(250)}.0/24"
            side = "-source" if d == "IN" else "-dest"
            body.append(f"{d} {a} {side} {peer} -p tcp -dport {rnd.randrange(1, 10000)}")
        files[f"etc/pve/firewall/{vmid}.fw"] = "\n".join(body) + "\n"
    return files


def main() -> None:
    guests = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rules = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    files = generate(guests, rules)
    builds = []
    for _ in range(3):
        t = time.perf_counter()
        net, _ = load_network(Snapshot.from_texts(files))
        builds.append(time.perf_counter() - t)
    assert net is not None
    print(f"{guests} guests x {rules} rules: build {statistics.median(builds):.2f} s "
          "(median of 3: parse, chains, guest ports, ipfilter sets)")
    rnd = random.Random(3)
    kinds = {
        "guest -> outside": lambda a, b, p: f"tcp ct{a} -> 198.51.100.7:{p}",
        "outside -> guest": lambda a, b, p: f"tcp outside -> ct{a}:{p}",
        "guest -> guest": lambda a, b, p: f"tcp ct{a} -> ct{b}:{p}",
        "guest -> host": lambda a, b, p: f"tcp ct{a} -> host:{p}",
    }
    for name, make in kinds.items():
        times = []
        for _ in range(400):
            a, b = rnd.sample(range(1000, 1000 + guests), 2)
            spec = make(a, b, rnd.choice([22, 80, 443, 8006, rnd.randrange(1, 10000)]))
            t = time.perf_counter()
            probe, src, dst, _ = parse(net, spec)
            hops(net, probe, src, dst)
            times.append(time.perf_counter() - t)
        print(f"  {name:<17} median {statistics.median(times) * 1000:.3f} ms, "
              f"max {max(times) * 1000:.2f} ms per packet (400 packets)")


if __name__ == "__main__":
    main()
