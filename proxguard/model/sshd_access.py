"""Who can log in how: accounts × sources, each cell eligibility plus the methods.

Sources (columns) are the connection conditions the configuration singles out: "any other
source" (an address no Match Address or USER@HOST pattern names, and no Match block but
`Match All`), each Match block with connection criteria (Address, LocalAddress,
LocalPort, Host when UseDNS is on) and each USER@HOST host list. Accounts (rows) are root,
every user and group the lists or Match User/Group criteria name, and "any other
account". A cell is computed with the real model (sshd_login) for a representative
connection of that row and column, so the rules and the table cannot disagree.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from proxguard.model.sshd import MatchBlock, Setting, SshdConfig
from proxguard.model.sshd_index import literal_users
from proxguard.model.sshd_login import (
    LISTS,
    Eligibility,
    Entry,
    Methods,
    access_lists,
    eligibility,
    login_methods,
    match_pattern,
    split_user_host,
)
from proxguard.model.sshd_match import Connection, match_address_list, match_pattern_list
from proxguard.model.unixgroups import UnixGroups

# documentation ranges (RFC 5737/3849): an address a real config rarely names
_ANY_CANDIDATES = ("203.0.113.10", "198.51.100.10", "192.0.2.10", "100.64.0.10",
                   "2001:db8::10")
_OTHER_NAMES = ("otheruser", "someone", "u9x", "nobody-else")
MAX_SOURCES = 64  # bounded: one per Match block / USER@HOST entry, capped
MAX_ACCOUNTS = 64
TABLE_ROWS = 40  # the table shown to people; the rules judge every account
TABLE_COLUMNS = 24
RELEVANT = frozenset({"PermitRootLogin", "PasswordAuthentication", "AuthenticationMethods",
                      "KbdInteractiveAuthentication", "PubkeyAuthentication",
                      "HostbasedAuthentication", "PermitEmptyPasswords", *LISTS})


@dataclass(frozen=True)
class Source:
    id: str
    label: str
    addr: str  # the client address the lists' USER@HOST entries are matched against
    conn: Connection  # the Match view of this source (criteria it satisfies)
    origin: MatchBlock | Setting | None = None


@dataclass(frozen=True)
class Account:
    id: str
    label: str
    user: str
    groups: tuple[str, ...]
    groups_known: bool
    kind: str  # root | user | group | other


@dataclass(frozen=True)
class Cell:
    eligibility: Eligibility
    methods: Methods

    @property
    def can_login(self) -> bool:
        return self.eligibility.allowed and self.methods.refused is None and \
            bool(self.methods.chains)

    @property
    def password_alone(self) -> bool:
        return self.eligibility.allowed and self.methods.password_alone


@dataclass
class Access:
    cfg: SshdConfig
    groups: UnixGroups | None = None
    honour_methods: bool = True
    any_addr: str = field(init=False)
    # memo per connection: the lists and the methods do not depend on the account
    # (beyond root), and the table asks for every account on every source
    _lists: dict[Connection, dict[str, list[Entry]]] = field(default_factory=dict, init=False)
    _methods: dict[tuple[bool, Connection], Methods] = field(default_factory=dict, init=False)
    _fields: dict[int, dict[str, Any] | None] = field(default_factory=dict, init=False)
    _by_user: dict[int, tuple[list[Account], dict[str, list[int]]]] = field(
        default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.any_addr = _any_address(self.cfg)

    # -- rows -----------------------------------------------------------------------
    def root(self) -> Account:
        groups = self.groups.groups_of("root") if self.groups else ("root",)
        return Account("root", "root", "root", groups, self.groups is not None, "root")

    def accounts(self) -> list[Account]:
        users, groups = _named(self.cfg)
        other = _other_name(self.cfg, users)
        out = [self.root()]
        for u in users[:MAX_ACCOUNTS]:
            if u == "root":
                continue
            rep = u.replace("*", "x").replace("?", "x")
            known = self.groups is not None
            label = u if rep == u else f"accounts matching {u}"
            out.append(Account(f"user:{u}", label, rep,
                               self.groups.groups_of(rep) if self.groups else (), known, "user"))
        for g in groups[:MAX_ACCOUNTS]:
            rep = g.replace("*", "x").replace("?", "x")
            out.append(Account(f"group:{g}", f"members of group {g}", other, (rep,), True,
                               "group"))
        out.append(Account("other", "any other account", other, (), True, "other"))
        return out

    # -- columns --------------------------------------------------------------------
    def any_source(self) -> Source:
        return Source("any", "any other source", self.any_addr, Connection())

    def sources(self) -> list[Source]:
        out = [self.any_source()]
        seen = {"any"}
        for block in self.cfg.match_blocks:
            src = _block_source(self.cfg, block, self.any_addr)
            if src is not None and src.label not in seen and len(out) < MAX_SOURCES:
                seen.add(src.label)
                out.append(src)
        for entry_setting, host in _user_host_entries(self.cfg):
            src = _host_source(self.cfg, entry_setting, host)
            if src is not None and src.label not in seen and len(out) < MAX_SOURCES:
                seen.add(src.label)
                out.append(src)
        return out

    # -- cells ----------------------------------------------------------------------
    def cell(self, acct: Account, src: Source) -> Cell:
        """The login `acct` gets from `src`: every Match block the connection satisfies
        applies (Match User/Group included), as in sshd's per-connection pass."""
        base = src.conn
        conn = Connection(user=acct.user, groups=acct.groups, host=base.host or src.addr,
                          addr=base.addr or src.addr, laddr=base.laddr, lport=base.lport)
        cell = self.judge(acct, conn, src.addr)
        assert cell is not None
        return cell

    def judge(self, acct: Account, conn: Connection, addr: str, assumption: str = "",
              password_only: bool = False) -> Cell | None:
        """The cell; with `password_only`, None unless a password alone logs in (then the
        access lists are not even read: the rules ask this for every account × block)."""
        key = (acct.user == "root", conn)
        methods = self._methods.get(key)
        if methods is None:
            methods = self._methods[key] = login_methods(self.cfg, acct.user, conn,
                                                         self.honour_methods)
        if password_only and not methods.password_alone:
            return None
        lists = self._lists.get(conn)
        if lists is None:
            lists = self._lists[conn] = access_lists(self.cfg, conn)
        elig = eligibility(self.cfg, acct.user, acct.groups, conn, addr, acct.groups_known,
                           lists)
        if assumption:
            elig = Eligibility(elig.allowed, elig.reason, elig.setting,
                               "; ".join(x for x in (elig.assumption, assumption) if x))
        return Cell(elig, methods)

    def block_cell(self, acct: Account, block: MatchBlock,
                   password_only: bool = False) -> Cell | None:
        """The login `acct` gets on a connection that satisfies `block`'s criteria and
        nothing else known (None when the block cannot apply to `acct`). With unknown
        membership a `Match Group` block is assumed to apply (and the cell says so)."""
        crit = _chain(block)
        if not _may_match_user(crit, acct.user):
            return None
        key = id(block)
        if key not in self._fields:
            self._fields[key] = _source_fields(self.cfg, crit, self.any_addr)
        fields = self._fields[key]
        if fields is None:
            return None
        has_user = any(a == "user" for a, _p in crit)
        group_pats = [p for a, p in crit if a == "group"]
        groups, note = acct.groups, ""
        if group_pats and not acct.groups_known:
            extra = tuple(x.replace("*", "x").replace("?", "x") for p in group_pats
                          for x in p.split(",") if x and not x.startswith("!"))
            groups = groups + extra
            note = "group membership unknown (/etc/group not supplied); assumed the " \
                "Match Group criteria hold"
        conn = Connection(user=acct.user if has_user or group_pats else None,
                          groups=groups if group_pats else None,
                          host=fields.get("host") or fields.get("addr"),
                          addr=fields.get("addr"), laddr=fields.get("laddr"),
                          lport=fields.get("lport"))
        if not block.matches(conn):
            return None
        acct_view = Account(acct.id, acct.label, acct.user, groups, acct.groups_known, acct.kind)
        return self.judge(acct_view, conn, fields.get("addr") or self.any_addr, note,
                          password_only)

    def candidates(self, accounts: list[Account], block: MatchBlock) -> list[Account]:
        """The accounts `block_cell` can answer for, in the given order: a block whose
        own `User` criterion lists plain names only applies to those (sshd_index), so
        judging every block for every account does not cost blocks × accounts."""
        users = literal_users(block)
        if users is None:
            return accounts
        key = id(accounts)
        memo = self._by_user.get(key)
        if memo is None or memo[0] is not accounts:
            by_user: dict[str, list[int]] = {}
            for i, a in enumerate(accounts):
                by_user.setdefault(a.user, []).append(i)
            memo = self._by_user[key] = (accounts, by_user)
        picked = sorted(i for u in users for i in memo[1].get(u, ()))
        return [accounts[i] for i in picked]

    def start_cell(self, acct: Account, addr: str | None = None) -> Cell:
        """The start-up view (no Match block but `Match All`), from `addr` (default: any
        other source): what the rules judge as the global verdict."""
        cell = self.judge(acct, Connection(), addr or self.any_addr)
        assert cell is not None
        return cell

    def table(self) -> dict[str, Any]:
        """The JSON form (DESIGN.md §7 `ssh_logins`)."""
        all_sources, all_accounts = self.sources(), self.accounts()
        sources = all_sources[:TABLE_COLUMNS]
        accounts = all_accounts if len(all_accounts) <= TABLE_ROWS else \
            [*all_accounts[:TABLE_ROWS - 1], all_accounts[-1]]
        rows = []
        for acct in accounts:
            cells = []
            for src in sources:
                c = self.cell(acct, src)
                cells.append(_cell_json(c, src))
            rows.append({"id": acct.id, "label": acct.label, "kind": acct.kind,
                         "groups": list(acct.groups), "groups_known": acct.groups_known,
                         "cells": cells})
        return {"columns": [_source_json(s) for s in sources], "rows": rows,
                "complete": self.cfg.complete, "any_address": self.any_addr,
                "truncated": {"rows": len(all_accounts) - len(accounts),
                              "columns": len(all_sources) - len(sources)},
                "group_file": self.groups.path if self.groups else None}


def _source_json(s: Source) -> dict[str, Any]:
    out: dict[str, Any] = {"id": s.id, "label": s.label, "example_address": s.addr}
    if s.origin is not None:
        out.update(file=s.origin.file, line=s.origin.line)
    return out


def _cell_json(c: Cell, src: Source) -> dict[str, Any]:
    e, m = c.eligibility, c.methods
    out: dict[str, Any] = {"column": src.id}
    if not e.allowed:
        out.update(allowed=False, methods=[], reason=e.reason, where=e.where)
    elif m.refused is not None:
        out.update(allowed=False, methods=[], reason="PermitRootLogin no",
                   where=m.refused.where)
    else:
        labels = m.labels()
        if m.forced_only:
            labels = [f"{x} (forced command only)" for x in labels]
        out.update(allowed=bool(m.chains), methods=labels, password=m.password_alone,
                   reason=e.reason if m.chains else "no enabled method completes a login",
                   where=e.where)
    if e.assumption:
        out["assumption"] = e.assumption
    return out


# -- representative connections ----------------------------------------------------------

def _address_lists(cfg: SshdConfig) -> list[str]:
    lists = [c.patterns for b in cfg.match_blocks for c in b.criteria if c.attribute == "address"]
    lists += [h for _s, h in _user_host_entries(cfg)]
    return lists


def _any_address(cfg: SshdConfig) -> str:
    lists = _address_lists(cfg)
    return min(_ANY_CANDIDATES, key=lambda a: sum(match_address_list(a, p) == 1 for p in lists))


def representative_address(patterns: str) -> str | None:
    """An address the pattern list matches (addrmatch.c semantics), or None."""
    for entry in patterns.split(","):
        if entry.startswith("!") or not entry:
            continue
        for cand in _candidates(entry):
            if match_address_list(cand, patterns) == 1:
                return cand
    return None


def _candidates(entry: str) -> list[str]:
    try:
        net = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        out = [entry.replace("*", n).replace("?", n[0]) for n in ("1", "10", "200")]
        return [c for c in out if _is_ip(c)]
    if net.num_addresses <= 2:
        return [str(net.network_address), str(net.broadcast_address)]
    return [str(net.network_address + 1), str(net.broadcast_address - 1),
            str(net.network_address + net.num_addresses // 2)]


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _chain(block: MatchBlock) -> list[tuple[str, str]]:
    out = []
    b: MatchBlock | None = block
    while b is not None:
        out += [(c.attribute, c.patterns) for c in b.criteria]
        b = b.outer
    return out


_SOURCE_ATTRS = ("address", "localaddress", "localport", "host")


def _may_match_user(crit: list[tuple[str, str]], user: str) -> bool:
    return all(match_pattern_list(user, p) == 1 for a, p in crit if a == "user")


def _source_fields(cfg: SshdConfig, crit: list[tuple[str, str]],
                   any_addr: str) -> dict[str, Any] | None:
    """Connection fields satisfying the source criteria (None when none can)."""
    dns = cfg.effective("UseDNS").value == "yes"
    fields: dict[str, Any] = {}
    for attr, pats in crit:
        if attr in ("address", "localaddress"):
            rep = representative_address(pats)
            if rep is None:
                return None
            fields["laddr" if attr == "localaddress" else "addr"] = rep
        elif attr == "localport":
            fields["lport"] = int(pats) if pats.isdigit() else None
        elif attr == "host":
            if not dns:
                return None  # UseDNS no: the "host name" is the address; a name never matches
            fields["host"] = next((p.replace("*", "x").replace("?", "x")
                                   for p in pats.split(",") if not p.startswith("!")), "")
    return fields


_LABELS = {"address": "Address", "localaddress": "LocalAddress", "localport": "LocalPort",
           "host": "Host"}


def _block_source(cfg: SshdConfig, block: MatchBlock, any_addr: str) -> Source | None:
    if block.is_all:
        return None
    crit = [(a, p) for a, p in _chain(block) if a in _LABELS]
    if not crit:
        return None
    fields = _source_fields(cfg, crit, any_addr)
    if fields is None:
        return None
    label = " ".join(f"{_LABELS[a]} {p}" for a, p in crit)
    conn = Connection(host=fields.get("host") or fields.get("addr"), addr=fields.get("addr"),
                      laddr=fields.get("laddr"), lport=fields.get("lport"))
    return Source(f"match:{block.file}:{block.line}", label, fields.get("addr") or any_addr,
                  conn, block)


def _list_settings(cfg: SshdConfig) -> list[Setting]:
    """Every access-list line: the config's (any block) and `sshd -T`'s."""
    out = [o.setting for o in cfg.occurrences if o.setting.keyword in LISTS]
    for kw in LISTS if cfg.sshd_t else ():
        out += (cfg.sshd_t or {}).get(kw.lower(), [])
    return out


def _user_host_entries(cfg: SshdConfig) -> list[tuple[Setting, str]]:
    out = []
    for setting in _list_settings(cfg):
        if setting.keyword in ("AllowUsers", "DenyUsers"):
            for arg in setting.args:
                _u, host = split_user_host(arg, cfg.version)
                if host:
                    out.append((setting, host))
    return out[:MAX_SOURCES]


def _host_source(cfg: SshdConfig, s: Setting, host: str) -> Source | None:
    rep = representative_address(host)
    if rep is None:
        return None
    return Source(f"from:{s.file}:{s.line}:{host}", f"from {host}", rep, Connection(), s)


# -- named accounts ----------------------------------------------------------------------

def _named(cfg: SshdConfig) -> tuple[list[str], list[str]]:
    users: dict[str, None] = {}  # ordered sets: a list's `in` made 10,000 names quadratic
    groups: dict[str, None] = {}
    for setting in _list_settings(cfg):
        kw = setting.keyword
        for arg in setting.args:
            name = split_user_host(arg, cfg.version)[0] if kw.endswith("Users") else arg
            target = users if kw.endswith("Users") else groups
            if name and name.strip("*?"):
                target.setdefault(name)
    for block in cfg.match_blocks:
        for attr, pats in _chain(block):
            target = users if attr == "user" else groups if attr == "group" else None
            if target is None:
                continue
            for p in pats.split(","):
                if p and not p.startswith("!") and p.strip("*?"):
                    target.setdefault(p)
    return list(users), list(groups)


def _other_name(cfg: SshdConfig, users: list[str]) -> str:
    """A name that only patterns made of wildcards (`*`) match: 'any other account'."""
    for cand in _OTHER_NAMES:
        if not any(match_pattern(cand, u) or match_pattern_list(cand, u) == 1 for u in users):
            return cand
    return _OTHER_NAMES[-1]
