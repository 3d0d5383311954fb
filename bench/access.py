"""Access rules on a generated user.cfg: median of 5 audits per profile.

Extended judges every user and token on every path where its privileges can differ
(issue 11 item 9), so its cost grows with users × their ACL paths; this prints it.
Usage: python bench/access.py [USERS] [ACL_LINES]   (default 500 users, 2,000 ACL lines)
"""

from __future__ import annotations

import random
import statistics
import sys
import time

import proxguard
from proxguard.inputs import Snapshot

ROLES = ("PVEAuditor", "PVEVMAdmin", "PVEVMUser", "PVEDatastoreUser", "PVEAdmin",
         "Administrator", "NoAccess")


def generate(users: int, acls: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    ids = [f"u{i}@pve" for i in range(users)]
    out = ["user:root@pam:1:0::::::"]
    for u in ids:
        out += [f"user:{u}:1:0:::::x:", f"token:{u}!ci:0:{rnd.choice('01')}:"]
    out += [f"group:g{g}:{','.join(rnd.sample(ids, min(10, users)))}::" for g in range(30)]
    paths = ["/", "/vms", "/storage", "/nodes", "/access"]
    paths += [f"/vms/{100 + i}" for i in range(200)] + [f"/storage/s{i}" for i in range(50)]
    subjects = ids + [f"@g{g}" for g in range(30)]
    for _ in range(acls):
        out.append(f"acl:{rnd.choice('01')}:{rnd.choice(paths)}:{rnd.choice(subjects)}:"
                   f"{rnd.choice(ROLES)}:")
    return "\n".join(out) + "\n"


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    acls = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    snap = Snapshot.from_texts({"etc/pve/user.cfg": generate(users, acls)})
    for profile in ("compat", "extended"):
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            proxguard.audit(snap, profile=profile, now=1767225600)
            runs.append(time.perf_counter() - t)
        print(f"{profile:9} {users} users, {users} tokens, {acls} ACL lines: "
              f"median {statistics.median(runs):.3f} s")


if __name__ == "__main__":
    main()
