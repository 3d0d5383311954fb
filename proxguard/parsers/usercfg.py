"""user.cfg → AccessControl, line by line as pve-access-control reads it.

PVE's reader is order-sensitive and forgiving: it drops a token written before its user,
an ACL role not yet defined, an ACL naming a token that does not exist, and it quietly
replaces a user defined twice. Each of those changes who can do what, so every dropped or
altered line becomes a diagnostic with its line number (formats.md §2.1; AC
AccessControl.pm parse_user_config).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import TOKEN_LIST, USER_CFG, Snapshot
from proxguard.model.access import (
    ALL_PRIVILEGES,
    BUILTIN_ROLES,
    FORMER_PRIVILEGES,
    REALM_RE,
    ROOT,
    AccessControl,
    AclEntry,
    Group,
    Pool,
    Role,
    Token,
    User,
    normalize_path,
    split_tokenid,
    valid_userid,
)
from proxguard.parsers import tokens as listings

PATH = "etc/pve/user.cfg"
_WS = " \t\n\r\f\v"  # Perl \s
_GROUP = re.compile(r"[A-Za-z0-9._-]+")
_ROLE = re.compile(r"[A-Za-z0-9._-]+")
_POOL = re.compile(r"[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+){0,2}")
_STORAGE = re.compile(r"[a-z][a-z0-9._-]*[a-z0-9]", re.I)
_TOKEN_NAME = re.compile(REALM_RE)
_DIGITS = re.compile(r"[0-9]+")
_LIST_SEP = re.compile(r"[,;\s]+")  # ParseUtils::split_list without NULs
_AT_GROUP = re.compile(r"@(\S+)")


def load(snapshot: Snapshot, diags: Diagnostics) -> AccessControl | None:
    """None when neither user.cfg nor any pveum listing was supplied."""
    cfg_files = snapshot.of_kind(USER_CFG)
    lists = snapshot.of_kind(TOKEN_LIST)
    if not cfg_files and not lists:
        return None
    if cfg_files:
        f = snapshot.get(PATH) or cfg_files[0]
        ac = parse(f.text, f.path, diags)
    else:
        ac = AccessControl()
        ac.users[ROOT] = User(ROOT, True, 0)  # AC userconfig_force_defaults
    listings.merge(ac, lists, diags)
    return ac


def _truthy(v: str | None) -> bool:
    """Perl truthiness of a field: only undef, "" and "0" are false."""
    return v not in (None, "", "0")


def _fields(line: str) -> list[str]:
    """Perl split(/:/) drops trailing empty fields; each field is then trimmed."""
    parts = line.split(":")
    while parts and parts[-1] == "":
        parts.pop()
    return [p.strip(_WS) for p in parts]


def _at(data: list[str], i: int) -> str:
    return data[i] if i < len(data) else ""


def _expire(raw: str) -> int | None:
    raw = raw or "0"
    return int(raw) if _DIGITS.fullmatch(raw) else None


def _decode(text: str) -> str:
    """AC decode_text: percent-decoding, then UTF-8."""
    return unquote(text, errors="replace") if text else ""


def _split_list(text: str) -> list[str]:
    """COM ParseUtils::split_list: NUL-separated, else commas/semicolons/whitespace."""
    if "\0" in text:
        return [x for x in text.split("\0") if x]
    return [x for x in _LIST_SEP.split(text) if x]


class _Reader:
    def __init__(self, file: str, diags: Diagnostics) -> None:
        self.file = file
        self.diags = diags
        self.ac = AccessControl(user_source=file, acl_source=file)
        self.ac.users[ROOT] = User(ROOT, True, 0, file=file)  # force_defaults, first call
        self.in_pool: set[int] = set()
        # per group with more than one line (or a member to warn about), its members so
        # far as a set: `member in g.members` was a list scan per member (a group of
        # 100,000 members is 5·10⁹ comparisons)
        self.members: dict[str, set[str]] = {}

    def warn(self, line: int, msg: str) -> None:
        self.diags.warning(self.file, line, msg)

    def line(self, n: int, text: str) -> None:
        data = _fields(text)
        kind = data[0] if data else ""
        rest = data[1:]
        handler = _HANDLERS.get(kind)
        if handler is None:
            what = "a comment; user.cfg has no comment syntax" if text.startswith("#") \
                else f"unknown entry type '{kind}'"
            self.warn(n, f"line ignored by Proxmox ({what})")
            return
        handler(self, n, rest)

    # -- entries ------------------------------------------------------------------------
    def user(self, n: int, d: list[str]) -> None:
        uid = _at(d, 0)
        if not valid_userid(uid):
            self.warn(n, f"user '{uid}' ignored by Proxmox: invalid user name")
            return
        expire = _expire(_at(d, 2))
        if expire is None:
            self.warn(n, f"user '{uid}' ignored by Proxmox: expire '{_at(d, 2)}' is not epoch seconds")
            return
        old = self.ac.users.get(uid)
        if old is not None and old.line:
            lost = [t.name for t in self.ac.tokens_of(uid)]
            self.warn(n, f"user '{uid}' defined again; this line replaces line {old.line}"
                      + (f" and drops its tokens {', '.join(lost)}" if lost else ""))
            for name in lost:
                del self.ac.tokens[f"{uid}!{name}"]
        enable = _truthy(_at(d, 1))
        self.ac.users[uid] = User(uid, enable, expire, _decode(_at(d, 3)), _decode(_at(d, 4)),
                                  _at(d, 5), _decode(_at(d, 6)), _at(d, 7), self.file, n)

    def group(self, n: int, d: list[str]) -> None:
        gid = _at(d, 0)
        if not _GROUP.fullmatch(gid):
            self.warn(n, f"group '{gid}' ignored by Proxmox: invalid group name")
            return
        g = self.ac.groups.setdefault(gid, Group(gid, file=self.file, line=n))
        if _truthy(_at(d, 2)):
            g.comment = _decode(_at(d, 2))
        have = self.members.get(gid)
        if have is None and g.members:  # a second line of the group: a set from now on
            have = self.members[gid] = set(g.members)
        members = _split_list(_at(d, 1))
        if self.ac.users.keys() >= set(members):
            # every member a defined user (so a valid id): nothing to warn about, the
            # common case, without the per-member checks below
            if have is None:  # the group's first line: no set kept for it
                g.members.extend(dict.fromkeys(members))
                return
            for member in members:
                if member not in have:
                    have.add(member)
                    g.members.append(member)
            return
        if have is None:
            have = self.members[gid] = set()
        for member in members:
            if not valid_userid(member):
                self.warn(n, f"group '{gid}': member '{member}' ignored (invalid user name)")
                continue
            if member not in self.ac.users:
                # AC warns "ignore invalid group member" but still records the membership,
                # which grants the group's rights once such a user exists.
                self.warn(n, f"group '{gid}': member '{member}' is not defined (yet); "
                          "Proxmox keeps the membership")
            if member not in have:
                have.add(member)
                g.members.append(member)

    def role(self, n: int, d: list[str]) -> None:
        rid = _at(d, 0)
        if not _ROLE.fullmatch(rid):
            self.warn(n, f"role '{rid}' ignored by Proxmox: invalid role name")
            return
        privs: set[str] = set()
        for p in _split_list(_at(d, 1)):
            if p in ALL_PRIVILEGES:
                privs.add(p)
            elif p in FORMER_PRIVILEGES:
                privs.add(p)
                self.diags.info(self.file, n, f"role '{rid}': privilege '{p}' exists up to "
                                "PVE 8 only; PVE 9 drops it")
            else:
                self.warn(n, f"role '{rid}': unknown privilege '{p}' ignored by Proxmox")
        old = self.ac.roles.get(rid)
        if rid in BUILTIN_ROLES:
            self._builtin_role(n, rid, privs, old)
            return
        if old is not None:  # duplicate role lines merge
            privs |= old.privileges
        self.ac.roles[rid] = Role(rid, frozenset(privs), False, self.file,
                                  old.line if old else n)

    def _builtin_role(self, n: int, rid: str, privs: set[str], old: Role | None) -> None:
        """AC parse_user_config starts from userconfig_force_defaults, which puts the very
        hash of each built-in role into the config, so a `role:` line naming one adds its
        privileges to that shared hash: every holder of the built-in role gets them (and
        the final force_defaults puts the same, now larger, hash back)."""
        have = old.privileges if old is not None else BUILTIN_ROLES[rid]
        added = sorted(privs - have)
        if not added:
            self.warn(n, f"role '{rid}' is built in; this line adds nothing to it")
            return
        self.warn(n, f"role '{rid}' is built in, but Proxmox adds {', '.join(added)} to it: "
                  f"every holder of {rid} gets them (AC parse_user_config writes role lines "
                  "into the shared built-in role)")
        self.ac.roles[rid] = Role(rid, frozenset(have | privs), True, self.file, n)

    def acl(self, n: int, d: list[str]) -> None:
        propagate = _truthy(_at(d, 0))
        path = normalize_path(_at(d, 1))
        if path is None:
            self.warn(n, f"ACL ignored by Proxmox: invalid path '{_at(d, 1)}'")
            return
        subjects = [s for s in (self._subject(n, ug) for ug in _split_list(_at(d, 2))) if s]
        for role in _split_list(_at(d, 3)):
            if not _ROLE.fullmatch(role):
                self.warn(n, f"ACL role '{role}' ignored: invalid role name")
                continue
            if role not in self.ac.roles:
                self.warn(n, f"ACL role '{role}' ignored by Proxmox: role not defined "
                          "(custom roles must come before the ACLs using them)")
                continue
            for kind, subject in subjects:
                key = (path, kind, subject, role)
                self.ac.acl.pop(key, None)  # re-insert: a later line wins and is cited
                self.ac.acl[key] = AclEntry(path, kind, subject, role, propagate, self.file, n)

    def _subject(self, n: int, ug: str) -> tuple[str, str] | None:
        """AC's order of tests: @group, then user id, then token id."""
        m = _AT_GROUP.fullmatch(ug)
        if m and _GROUP.fullmatch(m.group(1)):
            if m.group(1) not in self.ac.groups:
                self.warn(n, f"ACL names group '{m.group(1)}', which is not defined; "
                          "Proxmox keeps the entry")
            return "group", m.group(1)
        if valid_userid(ug):
            if ug not in self.ac.users:
                self.warn(n, f"ACL names user '{ug}', which is not defined; Proxmox keeps "
                          "the entry")
            return "user", ug
        if split_tokenid(ug):
            if ug in self.ac.tokens:
                return "token", ug
            self.warn(n, f"ACL entry for token '{ug}' ignored by Proxmox: no such token "
                      "(tokens must be defined before the ACLs naming them)")
            return None
        self.warn(n, f"ACL entry for '{ug}' ignored: not a user, @group or token id")
        return None

    def pool(self, n: int, d: list[str]) -> None:
        pid = _at(d, 0)
        if len([x for x in pid.split("/")]) > 3 or not _POOL.fullmatch(pid):
            self.warn(n, f"pool '{pid}' ignored by Proxmox: invalid or nested deeper than "
                      "3 levels")
            return
        pool = self.ac.pools.setdefault(pid, Pool(pid, file=self.file, line=n))
        child = pid
        while "/" in child:
            parent = child.rsplit("/", 1)[0]
            self.ac.pools[child].parent = parent
            self.ac.pools.setdefault(parent, Pool(parent, file=self.file, line=n))
            child = parent
        if _truthy(_at(d, 1)):
            pool.comment = _decode(_at(d, 1))
        in_pool = self.in_pool  # every pool's VMIDs so far, kept as they are added
        for raw in _split_list(_at(d, 2)):
            if not _DIGITS.fullmatch(raw):
                self.warn(n, f"pool '{pid}': invalid VMID '{raw}' ignored")
                continue
            vmid = int(raw)
            if vmid in in_pool:
                self.warn(n, f"pool '{pid}': VMID {vmid} is already in a pool; ignored")
                continue
            pool.vms.append(vmid)
            in_pool.add(vmid)
        for sid in _split_list(_at(d, 3)):
            if not _STORAGE.fullmatch(sid):
                self.warn(n, f"pool '{pid}': invalid storage id '{sid}' ignored")
            elif sid not in pool.storage:
                pool.storage.append(sid)

    def token(self, n: int, d: list[str]) -> None:
        tid = _at(d, 0)
        split = split_tokenid(tid)
        if split is None:
            self._incumbent_token(n, d)
            return
        user, name = split
        expire = _expire(_at(d, 1))
        if expire is None:
            self.warn(n, f"token '{tid}' ignored by Proxmox: expire '{_at(d, 1)}' is not "
                      "epoch seconds")
            return
        if user not in self.ac.users:
            self.warn(n, f"token '{tid}' ignored by Proxmox: user '{user}' is not defined "
                      "before it")
            return
        # formats.md §2.1: privsep missing/empty in the file → 0 (full user privileges)
        old = self.ac.tokens.get(tid)
        comment = _decode(_at(d, 3)) if _truthy(_at(d, 3)) else (old.comment if old else "")
        self.ac.tokens[tid] = Token(user, name, expire, _truthy(_at(d, 2)), comment,
                                    self.file, n)

    def _incumbent_token(self, n: int, d: list[str]) -> None:
        """`token:<userid>:<tokenid>:<expire>:<privsep>:<comment>:` is the incumbent's own
        sample format. PVE ignores it ("invalid tokenid"); compat counts it for parity."""
        user, name = _at(d, 0), _at(d, 1)
        expire = _expire(_at(d, 2))
        if valid_userid(user) and _TOKEN_NAME.fullmatch(name) and expire is not None:
            self.warn(n, f"token line in the non-Proxmox form token:<user>:<tokenid>:…; "
                      f"Proxmox ignores it (the token id must be '{user}!{name}'); only the "
                      "compat profile counts it")
            self.ac.incumbent_tokens[f"{user}!{name}"] = Token(
                user, name, expire, _truthy(_at(d, 3)), _decode(_at(d, 4)), self.file, n,
                incumbent_format=True)
            return
        self.warn(n, f"token '{_at(d, 0)}' ignored by Proxmox: invalid token id")


# One table for every reader, of plain functions: a table of the reader's bound methods
# made each reader a reference cycle, which kept its whole model alive until the cyclic
# collector ran (engine/collector.py freezes the heap after an audit: it never would).
_HANDLERS: dict[str, Callable[[_Reader, int, list[str]], None]] = {
    "user": _Reader.user, "group": _Reader.group, "role": _Reader.role, "acl": _Reader.acl,
    "pool": _Reader.pool, "token": _Reader.token}


def parse(text: str, file: str, diags: Diagnostics) -> AccessControl:
    reader = _Reader(file, diags)
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(_WS)
        if line:
            reader.line(n, line)
    return reader.ac
