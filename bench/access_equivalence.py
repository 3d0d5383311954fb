"""Before/after equivalence corpus for access-control performance work: prints digests,
never asserts timing.

  python bench/access_equivalence.py --write before.json      # on the code before
  python bench/access_equivalence.py --check before.json      # on the code after

Each input is audited under both profiles; what is compared per (input, profile) is the
SHA-256 of the report JSON with `audit_time` removed (the JSON the CLI writes, every
remediation script included) and of the text and SARIF renders. Inputs: user.cfg files
of `bench/scale.py users` at 300 to 5,000 of each (several seeds), and ~60 random ones
with pools, custom escalation roles, ACL member and role lists, every privsep (root@pam
tokens too), disabled users and hostile names (`$(…)`, a quote) where the format allows
them. Run the old code by pointing PYTHONPATH at a checkout of it (`git archive`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if "proxguard" not in sys.modules and not any(
        Path(p, "proxguard").is_dir() for p in sys.path[1:] if p):
    sys.path.insert(0, str(ROOT))  # this checkout, unless PYTHONPATH names another
sys.path.insert(0, str(ROOT / "bench"))

ROLES = ("PVEAuditor", "PVEVMAdmin", "PVEVMUser", "PVEAdmin", "Administrator", "NoAccess",
         "PVEUserAdmin", "PermMod", "Mixed")
PATHS = ("/", "/vms", "/vms/100", "/vms/101", "/vms/102", "/storage", "/storage/local",
         "/access", "/access/groups", "/access/realm", "/access/realm/pve", "/nodes",
         "/nodes/pve1", "/pool/p1", "/pool/p2", "/sdn")


def random_usercfg(seed: int) -> str:
    """Many subjects sharing a few groups (so many share their ACL lines), some differing
    by one line, one privsep or one pool."""
    rnd = random.Random(seed)
    n = rnd.choice([5, 20, 60, 200, 600])
    users = [f"u{i}@pve" for i in range(n)]
    if rnd.random() < 0.3:
        users.append("h$(id)'x@pve")
    lines = ["role:PermMod:Permissions.Modify,VM.Audit:",
             "role:Mixed:VM.PowerMgmt,User.Modify,Realm.Allocate:"]
    lines += [f"user:{u}:{rnd.choice('0111')}:{rnd.choice(['0', '0', '1700000000'])}:::::x:"
              for u in users]
    tokens = [f"{rnd.choice([*users, 'root@pam'])}!t{i}" for i in range(rnd.randint(0, n))]
    lines += [f"token:{t}:{rnd.choice(['0', '0', '1800000000'])}:{rnd.choice(['0', '1', ''])}:"
              for t in tokens]
    groups = rnd.randint(0, max(1, n // 10))
    for g in range(groups):
        members = rnd.sample(users, rnd.randint(0, min(len(users), 12)))
        lines.append(f"group:g{g}:{','.join(members)}::")
    if rnd.random() < 0.5:
        lines.append("pool:p1::100,101:local:")
    if rnd.random() < 0.4:
        lines += ["pool:p2::102:nfs1:", "pool:p2/sub::103::"]
    subjects = [*users, "root@pam", "ghost@pve", *(f"@g{g}" for g in range(groups + 1)),
                *tokens]
    for _ in range(rnd.randint(0, 2 * n)):
        roles = ",".join(rnd.sample(ROLES, rnd.choice([1, 1, 1, 2])))
        lines.append(f"acl:{rnd.choice('011')}:{rnd.choice(PATHS)}:"
                     f"{','.join(rnd.sample(subjects, rnd.choice([1, 1, 2])))}:{roles}:")
    return "\n".join(lines) + "\n"


def corpus() -> dict[str, dict[str, str]]:
    from scale import gen_users
    out: dict[str, dict[str, str]] = {}
    for n, seed in ((300, 1), (300, 7), (1000, 1), (1000, 5), (2000, 1), (2000, 9),
                    (5000, 1)):
        out[f"scale-{n}-{seed}"] = gen_users(n, seed)
    for seed in range(60):
        out[f"random-{seed}"] = {"etc/pve/user.cfg": random_usercfg(seed)}
    return out


def digests() -> dict[str, str]:
    import proxguard
    from proxguard.inputs import Snapshot
    from proxguard.render import render
    out: dict[str, str] = {}
    for name, texts in corpus().items():
        for profile in ("extended", "compat"):
            report = proxguard.audit(Snapshot.from_texts(texts), profile=profile,
                                     now=1767225600)
            data = report.to_json()
            stripped = {k: v for k, v in data.items() if k != "audit_time"}
            for kind, text in (("json", json.dumps(stripped)), ("text", render(data, "text")),
                               ("sarif", render(data, "sarif"))):
                out[f"{name}/{profile}/{kind}"] = hashlib.sha256(text.encode()).hexdigest()
        print(name, flush=True, file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="FILE")
    group.add_argument("--check", metavar="FILE")
    args = ap.parse_args()
    got = digests()
    if args.write:
        Path(args.write).write_text(json.dumps(got, indent=1) + "\n")
        print(f"{len(got)} digests written")
        return
    want = json.loads(Path(args.check).read_text())
    differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    for k in differ:
        print(f"DIFFERS: {k}")
    print(f"{len(got)} digests, {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
