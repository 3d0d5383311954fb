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
from collections.abc import Sequence
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model import access_index
from proxguard.model.access import (
    ALL_PRIVILEGES,
    ROOT,
    AccessControl,
    AclEntry,
    Explanation,
    _levels,
    normalize_path,
    split_tokenid,
)
from proxguard.model.permission_matrix import cell, default_subjects
from proxguard.model.permission_scan import MAX_JUDGED_PATHS, PathGrant, scan, scanned
from proxguard.model.privileges import ESCALATION_PATHS, ESCALATIONS, escalations_on
from proxguard.model.sshd import SshdConfig
from proxguard.model.sshd_match import Connection
from proxguard.parsers import usercfg
from proxguard.parsers.sshd import load
from proxguard.rule import Severity
from proxguard.rules.access._escalation import Hit, Judgement, judge

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
        for roles in (("Administrator",), ("Administrator", "PVEAdmin"), ()):
            assert ac.entries_for(subject, roles) == [
                e for e in ac.entries_for(subject) if e.role in roles]
        for path in PATHS:
            assert ac._roles(subject, path) == _old_roles(ac, subject, path), (subject, path)
            # memoised: asking twice gives the very same answer object
            assert ac.explain(subject, path) is ac.explain(subject, path)
    for path in PATHS:
        assert ac.entries_at(path) == [e for e in ac.acl.values() if e.path == path]
    users = sorted(ac.users, key=lambda u: (u != "root@pam", u))
    assert default_subjects(ac) == [x for u in users for x in (
        u, *sorted(t.id for t in ac.tokens.values() if t.user == u))]
    for token in [*ac.tokens, "u0@pve!undefined"]:
        assert ac.token_entries(token) == [e for e in ac.acl.values()
                                           if e.kind == "token" and e.subject == token]


def test_index_is_rebuilt_when_the_model_grows() -> None:
    ac = usercfg.parse("user:a@pve:1:0::::::\ngroup:g:a@pve::\n", "user.cfg", Diagnostics())
    assert ac.groups_of("a@pve") == ["g"]
    assert ac.explain("a@pve", "/").privileges == frozenset()
    ac.acl[("/", "group", "g", "Administrator")] = AclEntry("/", "group", "g", "Administrator",
                                                            True)
    assert "Sys.Modify" in ac.explain("a@pve", "/").privileges


def test_pool_members_are_checked_against_every_earlier_pool() -> None:
    """The reader keeps the set of pooled VMIDs as it goes (not rebuilt per pool line):
    a VMID stays in the first pool listing it, later ones are warned about."""
    rnd = random.Random(5)
    lines = [f"pool:p{i}::{','.join(str(rnd.randrange(60)) for _ in range(8))}:"
             for i in range(40)]
    diags = Diagnostics()
    ac = usercfg.parse("\n".join(lines) + "\n", "etc/pve/user.cfg", diags)
    first: dict[int, str] = {}
    dups = 0
    for i, line in enumerate(lines):
        for raw in line.split(":")[3].split(","):
            if int(raw) in first:
                dups += 1
            else:
                first[int(raw)] = f"p{i}"
    assert {v: p.id for p in ac.pools.values() for v in p.vms} == first
    assert sum("already in a pool" in d.message for d in diags) == dups


# -- shared answers and memoised scans (model/access_walk.py, permission_scan.scan) ----

_RICH_PATHS = ("/", "/vms", "/vms/100", "/vms/0100", "/vms/102", "/storage", "/storage/nfs1",
               "/access", "/access/groups", "/access/realm", "/nodes", "/nodes/pve1",
               "/pool/p1", "/pool/p2", "/pool/p2/sub")
_RICH_ROLES = ("PVEAuditor", "PVEVMAdmin", "Administrator", "NoAccess", "PVEAdmin",
               "PVEUserAdmin", "PermMod", "Mixed")


def _rich_usercfg(seed: int) -> str:
    """Users (some disabled), tokens of every privsep (root@pam's too), groups, custom
    roles with escalation privileges, pools and ACL lines on every kind of path."""
    rnd = random.Random(seed)
    users = [f"u{i}@pve" for i in range(rnd.randint(1, 7))]
    lines = ["role:PermMod:Permissions.Modify,VM.Audit:",
             "role:Mixed:VM.PowerMgmt,User.Modify,Realm.Allocate:"]
    lines += [f"user:{u}:{rnd.choice('011')}:0:::::x:" for u in users]
    tokens = [f"{rnd.choice([*users, 'root@pam'])}!t{i}" for i in range(rnd.randint(0, 6))]
    lines += [f"token:{t}:0:{rnd.choice(['0', '1', ''])}:" for t in tokens]
    for g in range(rnd.randint(0, 5)):
        lines.append(f"group:g{g}:{','.join(rnd.sample(users, rnd.randint(0, len(users))))}::")
    if rnd.random() < 0.5:
        lines.append("pool:p1::100,101:local:")
    if rnd.random() < 0.4:
        lines += ["pool:p2::102:nfs1:", "pool:p2/sub::103::"]
    subjects = [*users, "root@pam", "ghost@pve", *(f"@g{g}" for g in range(6)), *tokens]
    for _ in range(rnd.randint(0, 30)):
        lines.append(f"acl:{rnd.choice('011')}:{rnd.choice(_RICH_PATHS)}:"
                     f"{','.join(rnd.sample(subjects, rnd.randint(1, 2)))}:"
                     f"{rnd.choice(_RICH_ROLES)}:")
    return "\n".join(lines) + "\n"


def _old_describe(roles: dict[str, bool], decided: list[AclEntry], path: str) -> str:
    if not roles:
        return f"no ACL entry applies on {path}"
    return (f"{', '.join(sorted(roles))} on {path} from "
            + "; ".join(e.describe() for e in decided))


def _old_explain(ac: AccessControl, subject: str, path: str) -> tuple[object, ...]:
    """RPCEnvironment permissions() per (subject, path), nothing shared or memoised: the
    walk the model did before answers were shared between subjects."""
    norm = normalize_path(path) or "/"
    if subject == ROOT:
        return (norm, ALL_PRIVILEGES, ("Administrator",), (), "root@pam always holds every privilege")
    split = split_tokenid(subject)
    if split:
        token = ac.tokens.get(subject)
        if token is None:
            return (norm, frozenset(), (), (), f"token {subject} is not defined")
        owner = _old_explain(ac, split[0], norm)
        if not token.privsep:
            return (*owner[:4], f"privsep=0: the privileges of {split[0]} ({owner[4]})")
    roles, decided = _old_roles(ac, subject, norm)
    reason = _old_describe(roles, decided, norm)
    pool_roles: dict[str, bool] = {}
    pool_entries: list[AclEntry] = []
    for pool in ac.pools_containing(norm):
        proles, pdecided = _old_roles(ac, subject, f"/pool/{pool}")
        pool_roles.update(dict.fromkeys(proles, False))
        pool_entries += pdecided
    if pool_roles and "NoAccess" not in roles:
        added = [r for r in pool_roles if r not in roles]
        if "NoAccess" in pool_roles:
            roles, decided = {"NoAccess": False}, [e for e in pool_entries if e.role == "NoAccess"]
            reason = "NoAccess through pool membership"
        elif added:
            roles.update(dict.fromkeys(added, False))
            decided = decided + pool_entries
            reason += f"; {', '.join(sorted(added))} through pool membership"
    privs: set[str] = set()
    for role in roles:
        privs |= ac.roles[role].privileges if role in ac.roles else frozenset()
    if split and split[0] != ROOT:
        owner_privs = _old_explain(ac, split[0], norm)[1]
        if privs - owner_privs:
            reason += f"; limited to what {split[0]} holds"
        privs &= owner_privs
    return (norm, frozenset(privs), tuple(sorted(roles)), tuple(decided), reason)


def _old_judged_paths(ac: AccessControl, subject: str) -> list[tuple[str, str]]:
    """judged_paths over a full scan of the ACL lines (no index, no owner shortcut)."""
    paths = {p: p for p in ESCALATION_PATHS}
    if subject == ROOT:
        return list(paths.items())
    split = split_tokenid(subject)
    owner = split[0] if split else subject
    groups = set(_old_groups_of(ac, owner))
    relevant = [e for e in ac.acl.values() if (e.kind == "token" and e.subject == subject)
                or (e.kind == "user" and e.subject == owner)
                or (e.kind == "group" and e.subject in groups)]

    def weighty(e: AclEntry) -> bool:
        role = ac.roles.get(e.role)
        return role is not None and any(x.privilege in role.privileges for x in ESCALATIONS)

    taken = {e.path for e in ac.acl.values()}
    for e in sorted(relevant, key=lambda x: (not weighty(x), x.path)):
        paths.setdefault(e.path, e.path)
        if not e.propagate:
            name = "_below_"
            while f"{e.path.rstrip('/')}/{name}" in taken:
                name += "_"
            paths.setdefault(f"{e.path.rstrip('/')}/{name}", f"{e.path.rstrip('/')}/*")
    for pool in ac.pools.values():
        paths.setdefault(f"/pool/{pool.id}", f"/pool/{pool.id}")
        for vmid in pool.vms:
            paths.setdefault(f"/vms/{vmid}", f"/vms/{vmid}")
        for sid in pool.storage:
            paths.setdefault(f"/storage/{sid}", f"/storage/{sid}")
    return list(paths.items())


def _answer(ex: Explanation) -> tuple[object, ...]:
    return (ex.path, ex.privileges, ex.roles, ex.decided_by, ex.reason)


def _assert_scan_is_the_old_walk(ac: AccessControl, subject: str,
                                 grants: Sequence[PathGrant], total: int) -> None:
    """A scan lists the judged paths the unshared walk lists, each with its answer and
    escalations."""
    paths = _old_judged_paths(ac, subject)
    assert total == len(paths)
    assert [(g.path, g.shown) for g in grants] == paths[:MAX_JUDGED_PATHS]
    for g in grants:
        assert _answer(g.explanation) == _old_explain(ac, subject, g.path), (subject, g)
        assert g.escalations == tuple(escalations_on(g.explanation.privileges, g.path))


@settings(max_examples=120, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_shared_answers_and_memoised_scans_equal_the_unshared_walk(seed: int) -> None:
    ac = usercfg.parse(_rich_usercfg(seed), "etc/pve/user.cfg", Diagnostics())
    subjects = [*ac.users, *ac.tokens, "ghost@pve", "u0@pve!undefined"]
    # tokens first: their scans must not depend on their owners' being memoised already
    for subject in [*ac.tokens, *subjects]:
        for path in (*_RICH_PATHS, "/vms/100/_below_", "vms//100/"):
            assert _answer(ac.explain(subject, path)) == _old_explain(ac, subject, path), (
                subject, path)
        grants, total = scan(ac, subject)
        _assert_scan_is_the_old_walk(ac, subject, grants, total)
        assert scan(ac, subject) == (grants, total)  # memoised: the same answer again
        # token-tiers hands the scan's answer on `/` to the permission cell
        on_root = next(g.explanation for g in grants if g.path == "/")
        assert cell(ac, subject, "/", 1767225600, answer=on_root) == cell(
            ac, subject, "/", 1767225600), subject


def _sharing_usercfg(seed: int) -> str:
    """Many subjects deciding alike (users in the same groups and no line of their own,
    each owner's tokens of every privsep), a few set apart by one line, one privsep or
    one pool member: the shapes whose scans are derived from another's."""
    rnd = random.Random(seed)
    users = [f"u{i}@pve" for i in range(rnd.randint(8, 24))]
    lines = ["role:PermMod:Permissions.Modify,VM.Audit:"]
    lines += [f"user:{u}:1:0:::::x:" for u in users]
    for u in users:
        for k in range(rnd.choice([0, 1, 1, 2])):
            lines.append(f"token:{u}!t{k}:0:{rnd.choice(['0', '1', ''])}:")
    half = len(users) // 2
    lines += [f"group:ga:{','.join(users[:half])}::", f"group:gb:{','.join(users[half:])}::"]
    if rnd.random() < 0.5:
        lines.append("pool:p1::100,101:local:")
    lines += [f"acl:1:{rnd.choice(_RICH_PATHS)}:@ga:{rnd.choice(_RICH_ROLES)}:",
              f"acl:{rnd.choice('01')}:{rnd.choice(_RICH_PATHS)}:@gb:{rnd.choice(_RICH_ROLES)}:"]
    odd = rnd.sample(users, 2)  # each set apart by one line of its own or of its token
    lines.append(f"acl:1:{rnd.choice(_RICH_PATHS)}:{odd[0]}:{rnd.choice(_RICH_ROLES)}:")
    if any(line.startswith(f"token:{odd[1]}!t0:") for line in lines):
        lines.append(f"acl:1:{rnd.choice(_RICH_PATHS)}:{odd[1]}!t0:{rnd.choice(_RICH_ROLES)}:")
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_scans_derived_from_an_owner_or_shared_equal_the_unshared_walk(seed: int) -> None:
    """The rules read the memoised scans without copies (permission_scan.scanned); a
    token no line names takes its owner's (privsep=0: wrapped in one loop, privsep=1:
    nothing). Tokens first, then owners, then tokens again: the answer never depends on
    which was scanned first."""
    ac = usercfg.parse(_sharing_usercfg(seed), "etc/pve/user.cfg", Diagnostics())
    for subject in [*ac.tokens, *ac.users, *ac.tokens]:
        grants, total = scanned(ac, subject)
        _assert_scan_is_the_old_walk(ac, subject, grants, total)
        assert scanned(ac, subject)[0] is grants  # memoised, not rebuilt
        assert scan(ac, subject) == (list(grants), total)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.booleans())
def test_judgements_on_borrowed_grants_say_what_the_own_scan_says(seed: int, rich: bool
                                                                  ) -> None:
    """A privsep=0 token no line names is judged on its owner's grants (permission_scan
    `borrowed`, never copied into a scan of its own): every sentence and line its
    verdicts quote is the one the token's own scan gives, and so is every other
    subject's (borrowed returns their own scan)."""
    text = _rich_usercfg(seed) if rich else _sharing_usercfg(seed)
    ac = usercfg.parse(text, "etc/pve/user.cfg", Diagnostics())
    lent = 0
    for subject in [*ac.tokens, *ac.users]:
        j = judge(ac, subject)
        lent += j.via is not None
        grants, total = scanned(ac, subject)  # the subject's own scan
        own = Judgement(grants, tuple(Hit(g, e) for g in grants for e in g.escalations),
                        total)
        assert j.evidence() == own.evidence(), subject
        assert j.paths == own.paths, subject
        assert j.truncated == own.truncated
        assert j.severity(Severity.HIGH) == own.severity(Severity.HIGH)
        assert [(g.path, g.shown, g.explanation.privileges, j.reason(g.explanation),
                 g.explanation.decided_by) for g in j.near_admin()] == [
            (g.path, g.shown, g.explanation.privileges, g.explanation.reason,
             g.explanation.decided_by) for g in own.near_admin()]
        assert j.deciding_entries(ac) == own.deciding_entries(ac)
        assert [g.explanation.privileges for g in j.grants] == [
            g.explanation.privileges for g in grants]
    named = {e.subject for e in ac.acl.values() if e.kind == "token"}
    assert lent == sum(1 for t in ac.tokens.values()
                       if not t.privsep and t.user != ROOT and t.id not in named)


def test_memos_start_over_when_full_and_answer_the_same(monkeypatch) -> None:
    """Bounded memos (hostile input) clear themselves; the answers do not change."""
    text = _rich_usercfg(7) + "".join(f"user:x{i}@pve:1:0::::::\nacl:1:/vms/{i}:x{i}@pve:PVEAdmin:\n"
                                      for i in range(40))
    ac = usercfg.parse(text, "etc/pve/user.cfg", Diagnostics())
    first = {s: scan(ac, s) for s in [*ac.users, *ac.tokens]}
    for name in ("MAX_EXPLAINED", "MAX_EXPLAINED_LINES", "MAX_GRANTED", "MAX_GRANTED_LINES",
                 "MAX_GRANTS", "MAX_GRANTS_LINES", "MAX_SCANNED", "MAX_SCANNED_LINES"):
        monkeypatch.setattr(access_index, name, 3)
    ac.acl[("/zz", "user", "nobody@pve", "NoAccess")] = AclEntry("/zz", "user", "nobody@pve",
                                                                 "NoAccess", True)
    for subject, (grants, total) in first.items():
        again, total2 = scan(ac, subject)
        assert total2 == total
        assert [(g.path, g.shown, _answer(g.explanation), g.escalations) for g in again] == [
            (g.path, g.shown, _answer(g.explanation), g.escalations) for g in grants]
    idx = ac.index()
    assert len(idx.granted) <= 3 and len(idx.grants) <= 3 and len(idx.explained) <= 3
    for name in ("granted", "grants", "explained", "scanned"):  # one answer may outweigh it
        assert idx.lines.get(name, 0) <= 3 or len(getattr(idx, name)) == 1, name
    ac.forget()  # the audit drops the memo after the rules; the next question rebuilds it
    assert ac.index() is not idx
    for subject in first:
        assert _answer(ac.explain(subject, "/vms/100")) == _old_explain(ac, subject, "/vms/100")


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
