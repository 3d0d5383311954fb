"""The lookup tables of issue 14 answer exactly what the full scans they replaced did.

Access control (model/access_index.py) and sshd Match evaluation (model/sshd_index.py)
stopped scanning every group, ACL line and Match block per question. Each test below
keeps the old scan as a reference, written the way the model used to compute it, and
compares every answer on generated inputs: same groups in the same order, same deciding
ACL lines in the same order, same set of matching blocks, same first line per keyword.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model.access import AccessControl, AclEntry, _levels
from proxguard.model.sshd import SshdConfig
from proxguard.model.sshd_match import Connection
from proxguard.parsers import usercfg
from proxguard.parsers.sshd import load

sys.path.insert(0, str(Path(__file__).parent))
from sshd_oracle import generate

ROLES = ("PVEAuditor", "PVEVMAdmin", "Administrator", "NoAccess", "PVEUserAdmin")
PATHS = ("/", "/vms", "/vms/100", "/vms/101", "/storage", "/storage/local", "/access",
         "/access/groups", "/nodes", "/nodes/pve1", "/pool/p1")


# -- access control ------------------------------------------------------------------------

def _usercfg(seed: int) -> str:
    rnd = random.Random(seed)
    users = [f"u{i}@pve" for i in range(rnd.randint(1, 8))]
    lines = [f"user:{u}:1:0:::::x:" for u in users]
    lines += [f"token:{rnd.choice(users)}!t{i}:0:{rnd.choice('01')}:" for i in range(rnd.randint(0, 5))]
    for g in range(rnd.randint(0, 6)):
        members = ",".join(rnd.choice(users) for _ in range(rnd.randint(0, 4)))
        lines.append(f"group:g{g}:{members}::")
    if rnd.random() < 0.5:
        lines.append("pool:p1::100,101:local:")
    tokens = [ln.split(":")[1] for ln in lines if ln.startswith("token:")]
    subjects = users + [f"@g{g}" for g in range(6)] + tokens
    for _ in range(rnd.randint(0, 25)):
        lines.append(f"acl:{rnd.choice('01')}:{rnd.choice(PATHS)}:"
                     f"{','.join(rnd.sample(subjects, rnd.randint(1, 2)))}:{rnd.choice(ROLES)}:")
    rnd.shuffle(lines)  # ACLs before their users and groups are legal (PVE keeps them)
    return "\n".join(lines) + "\n"


def _old_groups_of(ac: AccessControl, userid: str) -> list[str]:
    return [g.id for g in ac.groups.values() if userid in g.members]


def _old_roles(ac: AccessControl, subject: str, path: str
               ) -> tuple[dict[str, bool], list[AclEntry]]:
    groups = set(_old_groups_of(ac, subject))
    levels = _levels(path)
    roles: dict[str, bool] = {}
    decided: list[AclEntry] = []
    for i, level in enumerate(levels):
        final = i == len(levels) - 1
        here = [e for e in ac.acl.values() if e.path == level and (final or e.propagate)]
        for pick in ([e for e in here if e.kind == "token" and e.subject == subject],
                     [e for e in here if e.kind == "user" and e.subject == subject],
                     [e for e in here if e.kind == "group" and e.subject in groups]):
            if pick:
                roles = {e.role: e.propagate for e in pick}
                decided = pick
                break
    if "NoAccess" in roles:
        return {"NoAccess": roles["NoAccess"]}, [e for e in decided if e.role == "NoAccess"]
    return roles, decided


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_indexed_access_answers_equal_the_full_scans(seed: int) -> None:
    ac = usercfg.parse(_usercfg(seed), "etc/pve/user.cfg", Diagnostics())
    subjects = [*ac.users, *ac.tokens, "nobody@pve"]
    for subject in subjects:
        assert ac.groups_of(subject) == _old_groups_of(ac, subject)
        groups = set(_old_groups_of(ac, subject))
        assert ac.entries_for(subject) == [
            e for e in ac.acl.values() if (e.kind == "user" and e.subject == subject)
            or (e.kind == "group" and e.subject in groups)]
        for path in PATHS:
            assert ac._roles(subject, path) == _old_roles(ac, subject, path), (subject, path)
            # memoised: asking twice gives the very same answer object
            assert ac.explain(subject, path) is ac.explain(subject, path)
    for path in PATHS:
        assert ac.entries_at(path) == [e for e in ac.acl.values() if e.path == path]


def test_index_is_rebuilt_when_the_model_grows() -> None:
    ac = usercfg.parse("user:a@pve:1:0::::::\ngroup:g:a@pve::\n", "user.cfg", Diagnostics())
    assert ac.groups_of("a@pve") == ["g"]
    assert ac.explain("a@pve", "/").privileges == frozenset()
    ac.acl[("/", "group", "g", "Administrator")] = AclEntry("/", "group", "g", "Administrator",
                                                            True)
    assert "Sys.Modify" in ac.explain("a@pve", "/").privileges


# -- sshd Match blocks ------------------------------------------------------------------

def _cfg(seed: int) -> SshdConfig | None:
    return load(Snapshot.from_texts(generate.tree(seed, bad=0.0).for_proxguard()), Diagnostics())


def _connections(cfg: SshdConfig, seed: int) -> list[Connection]:
    names = {"root", "nobody"} | {p.lstrip("!") for b in cfg.match_blocks for c in b.criteria
                                  if c.attribute == "user" for p in c.patterns.split(",")}
    base = generate.connection(seed)
    out = [Connection(), base]
    for name in sorted(names):
        out.append(Connection(user=name, host=base.host, addr=base.addr, laddr=base.laddr,
                              lport=base.lport, groups=("adm", name)))
    return out


def test_match_blocks_found_by_index_equal_the_full_scan() -> None:
    checked = 0
    for seed in range(40_000, 40_150):
        cfg = _cfg(seed)
        if cfg is None:
            continue
        keywords = sorted({o.setting.keyword for o in cfg.occurrences})
        for conn in _connections(cfg, seed):
            hits = cfg.matching(conn)
            assert hits == frozenset(id(b) for b in cfg.match_blocks if b.matches(conn)), seed
            for kw in keywords:
                in_hits = [o.setting for o in cfg.occurrences_of(kw)
                           if o.block is not None and id(o.block) in hits]
                assert cfg.in_blocks(kw, hits) == in_hits
                first = in_hits[0] if in_hits else cfg.settings.get(kw)
                assert cfg._config_effective_for(kw, conn) is first
            checked += 1
    assert checked > 300


def test_many_literal_match_user_blocks_each_match_only_their_user() -> None:
    text = "PasswordAuthentication no\n" + "".join(
        f"Match User u{i},shared\n  PasswordAuthentication yes\n" for i in range(300))
    text += "Match User u1*\n  X11Forwarding yes\nMatch Address 10.0.0.0/8\n  MaxAuthTries 2\n"
    cfg = load(Snapshot.from_texts({"etc/ssh/sshd_config": text}), Diagnostics())
    assert cfg is not None
    blocks = cfg.match_blocks
    assert cfg.matching(Connection(user="u7")) == {id(blocks[7])}
    assert cfg.matching(Connection(user="u12", addr="10.1.1.1")) == {
        id(blocks[12]), id(blocks[300]), id(blocks[301])}
    assert cfg.matching(Connection(user="shared")) == {id(b) for b in blocks[:300]}
    assert cfg.effective_for("PasswordAuthentication", Connection(user="u299")).line == 601
