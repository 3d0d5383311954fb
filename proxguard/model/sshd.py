"""The OpenSSH server model: what sshd will actually do, with the line that decides it.

sshd reads its configuration twice (servconf.c, comment above match_cfg_line): once at
start-up, where only global lines and `Match All` blocks act and the first value obtained
wins; then per connection, where only Match blocks whose criteria hold act, the first
value among them wins, and whatever they set replaces the start-up value. The model keeps
every setting with the Match block that guards it (a chain, because an Include inside a
Match makes the included file's own Match blocks conditional on the outer one too), so
both passes can be replayed for any connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proxguard.model import sshd_index
from proxguard.model.sshd_index import BlockIndex
from proxguard.model.sshd_match import Connection, criterion_matches

V9_2 = (9, 2)  # Debian 12 / PVE 8
V10_0 = (10, 0)  # Debian 13 / PVE 9

# Compiled-in defaults, identical in 9.2p1 and 10.0p1 for these keywords (formats.md §6.4;
# servconf.c fill_default_server_options). Values are in the model's normalised form.
DEFAULTS: dict[str, str] = {
    "Port": "22", "AddressFamily": "any", "PermitRootLogin": "prohibit-password",
    "PasswordAuthentication": "yes", "KbdInteractiveAuthentication": "yes",
    "PubkeyAuthentication": "yes", "PermitEmptyPasswords": "no", "UsePAM": "no",
    "MaxAuthTries": "6", "MaxSessions": "10", "MaxStartups": "10:30:100",
    "LoginGraceTime": "120", "ClientAliveInterval": "0", "ClientAliveCountMax": "3",
    "X11Forwarding": "no", "AllowTcpForwarding": "yes", "AllowAgentForwarding": "yes",
    "AllowStreamLocalForwarding": "yes", "GatewayPorts": "no", "PermitTunnel": "no",
    "PermitUserEnvironment": "no", "HostbasedAuthentication": "no", "IgnoreRhosts": "yes",
    "StrictModes": "yes", "LogLevel": "info", "DisableForwarding": "no", "PermitTTY": "yes",
    "AuthenticationMethods": "any", "Banner": "none", "UseDNS": "no", "TCPKeepAlive": "yes",
    "AuthorizedKeysFile": ".ssh/authorized_keys .ssh/authorized_keys2",
    "ExposeAuthInfo": "no", "RequiredRSASize": "1024", "X11UseLocalhost": "yes",
    "X11DisplayOffset": "10", "PrintMotd": "yes", "PrintLastLog": "yes",
}

# sshd reads MaxStartups with sscanf straight into its options: the LAST line wins, each
# line's value already combined with the earlier ones by the parser (parsers/sshd_checks.py).
LAST_WINS: frozenset[str] = frozenset({"MaxStartups"})


@dataclass(frozen=True, slots=True)
class Setting:
    """One keyword's value. `file`/`line` locate the line; a default has file None,
    line 0 and default=True."""

    keyword: str  # canonical spelling, e.g. KbdInteractiveAuthentication
    value: str  # normalised: yes/no lower-case, prohibit-password, integers in decimal
    file: str | None
    line: int
    default: bool = False
    args: tuple[str, ...] = ()
    source: str = "config"  # "config" or "sshd-T"

    @property
    def where(self) -> str:
        if self.default:
            return "default"
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Criterion:
    attribute: str  # lower-case: all, user, group, host, address, localaddress, localport, ...
    patterns: str  # the pattern list as written ("" for all)

    def matches(self, conn: Connection) -> bool:
        return self.attribute == "all" or criterion_matches(self.attribute, self.patterns, conn)


@dataclass(eq=False)
class MatchBlock:
    criteria: tuple[Criterion, ...]
    text: str  # "Match User root Address 10.0.0.0/8" as written
    file: str
    line: int
    outer: MatchBlock | None = None  # the block an Include of this block's file stood in
    settings: dict[str, Setting] = field(default_factory=dict)  # first per keyword

    @property
    def is_all(self) -> bool:
        """Does this block (and every enclosing one) apply to every connection?"""
        own = bool(self.criteria) and all(c.attribute == "all" for c in self.criteria)
        return own and (self.outer is None or self.outer.is_all)

    def matches(self, conn: Connection) -> bool:
        own = bool(self.criteria) and all(c.matches(conn) for c in self.criteria)
        return own and (self.outer is None or self.outer.matches(conn))

    @property
    def label(self) -> str:
        chain = [self.text]
        outer = self.outer
        while outer is not None:
            chain.append(outer.text)
            outer = outer.outer
        return " within ".join(chain)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A valid setting line in reading order, with the Match block guarding it."""

    setting: Setting
    block: MatchBlock | None


@dataclass
class SshdConfig:
    files: list[str] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    match_blocks: list[MatchBlock] = field(default_factory=list)
    complete: bool = True  # False when an Include target was not supplied
    missing_includes: list[str] = field(default_factory=list)
    refused: bool = False  # sshd would refuse to start with these files
    source: str = "config"  # "config", "sshd-T" or "both"
    version: tuple[int, int] = V9_2
    version_basis: str = "default (Debian 12, OpenSSH 9.2p1)"
    sshd_t: dict[str, list[Setting]] | None = None  # `sshd -T` values, lower-case keys
    # indexes over `occurrences`, rebuilt when it grows (the login table asks thousands
    # of per-connection questions; each must not rescan the whole configuration)
    _index_size: int = field(default=-1, repr=False, compare=False)
    _by_keyword: dict[str, list[Occurrence]] = field(default_factory=dict, repr=False,
                                                     compare=False)
    _startup: dict[str, Setting] = field(default_factory=dict, repr=False, compare=False)
    _matching: dict[Connection, frozenset[int]] = field(default_factory=dict, repr=False,
                                                        compare=False)
    _blocks: BlockIndex | None = field(default=None, repr=False, compare=False)
    _in_match: set[int] = field(default_factory=set, repr=False, compare=False)

    def _reindex(self) -> None:
        size = len(self.occurrences) + (len(self.match_blocks) << 32)
        if self._index_size == size:
            return
        self._by_keyword, self._startup, self._matching = {}, {}, {}
        self._in_match = set()
        for occ in self.occurrences:
            self._by_keyword.setdefault(occ.setting.keyword, []).append(occ)
            if occ.block is None or occ.block.is_all:
                if occ.setting.keyword in LAST_WINS:
                    self._startup[occ.setting.keyword] = occ.setting
                else:
                    self._startup.setdefault(occ.setting.keyword, occ.setting)
            else:
                self._in_match.add(id(occ.setting))
        self._blocks = sshd_index.build(self.match_blocks, self._by_keyword)
        self._index_size = size

    def _index(self) -> BlockIndex:
        self._reindex()
        assert self._blocks is not None
        return self._blocks

    def matching(self, conn: Connection) -> frozenset[int]:
        """ids of the Match blocks `conn` satisfies (memoised, bounded)."""
        self._reindex()
        found = self._matching.get(conn)
        if found is None:
            if len(self._matching) > 4096:
                self._matching.clear()
            found = self._matching[conn] = self._index().matching(conn)
        return found

    def in_blocks(self, keyword: str, hits: frozenset[int]) -> list[Setting]:
        """Every line setting `keyword` inside one of the blocks `hits`, reading order."""
        occs = self.occurrences_of(keyword)
        return [occs[p].setting for p in self._index().all_in(keyword, hits)]

    def occurrences_of(self, keyword: str) -> list[Occurrence]:
        """Every line setting `keyword`, in reading order."""
        self._reindex()
        return self._by_keyword.get(keyword, [])

    # -- the start-up pass ------------------------------------------------------------
    @property
    def settings(self) -> dict[str, Setting]:
        """Start-up values: the first value of each keyword read outside any Match block
        or inside `Match All` chains (which match with no connection data)."""
        self._reindex()
        return dict(self._startup)

    def accumulated(self, keyword: str) -> list[Setting]:
        """Every start-up line of an accumulating keyword (Port, ListenAddress, ...)."""
        return [o.setting for o in self.occurrences_of(keyword)
                if o.block is None or o.block.is_all]

    # -- per connection ----------------------------------------------------------------
    def _config_effective_for(self, keyword: str, conn: Connection) -> Setting | None:
        hits = self.matching(conn)
        pos = self._index().first_in(keyword, hits)
        if pos is not None:
            return self.occurrences_of(keyword)[pos].setting
        return self._startup.get(keyword)

    def effective_for(self, keyword: str, conn: Connection) -> Setting:
        """The value sshd applies to `conn`: the first value among Match blocks that
        match it, else the start-up value, else the version default."""
        found = self._config_effective_for(keyword, conn)
        if found is not None and (found.file is None or self._from_match(found)):
            return found
        if self.sshd_t is not None:
            t = self._from_sshd_t(keyword, found)
            if t is not None:
                return t
        return found or default_setting(keyword)

    def effective(self, keyword: str) -> Setting:
        """The value for a connection nothing is known about: what `sshd -T` prints."""
        return self.effective_for(keyword, Connection())

    def _from_match(self, s: Setting) -> bool:
        self._reindex()
        return id(s) in self._in_match

    def _from_sshd_t(self, keyword: str, config: Setting | None) -> Setting | None:
        """sshd -T is authoritative for start-up values; the config line is kept as the
        evidence when it says the same thing."""
        assert self.sshd_t is not None
        values = self.sshd_t.get(keyword.lower())
        if not values:
            return None
        t = values[0]
        if config is not None and config.value == t.value:
            return config
        return t

    def connection_errors(self, conn: Connection) -> list[Setting]:
        """Lines that make sshd drop `conn` while re-reading the configuration for it:
        `AuthenticationMethods any` after a matching block already set a list
        (servconf.c sAuthenticationMethods runs in the per-connection pass too; found by
        the sshd differential test)."""
        out = []
        set_by_match = False
        for occ in self.occurrences:
            if occ.setting.keyword != "AuthenticationMethods":
                continue
            if "any" in occ.setting.args and set_by_match:
                out.append(occ.setting)
            if occ.block is not None and occ.block.matches(conn):
                set_by_match = True
        return out

    def conditional_overrides(self, keyword: str) -> list[tuple[MatchBlock, Setting]]:
        """Match blocks (not `Match All`) that set `keyword`: the value some connections get."""
        out = []
        for block in self.match_blocks:
            s = block.settings.get(keyword)
            if s is not None and not block.is_all:
                out.append((block, s))
        return out

    def ports(self) -> list[tuple[int, Setting]]:
        """The ports sshd listens on, each with the line that causes it: ListenAddress
        host:port pins a port; ListenAddress without a port takes every Port."""
        if self.sshd_t is not None and self.source == "sshd-T":
            return self._ports_from_t()
        port_lines = self.accumulated("Port")
        ports = [(int(s.value), s) for s in port_lines] or [(22, default_setting("Port"))]
        listens = self.accumulated("ListenAddress")
        if not listens:
            return _dedup(ports)
        out: list[tuple[int, Setting]] = []
        for la in listens:
            pinned = la.value.rsplit(" ", 1)[-1] if " " in la.value else ""
            if pinned.isdigit() and int(pinned) > 0:
                out.append((int(pinned), la))
            else:
                out.extend(ports)
        return _dedup(out)

    def _ports_from_t(self) -> list[tuple[int, Setting]]:
        assert self.sshd_t is not None
        out: list[tuple[int, Setting]] = []
        for la in self.sshd_t.get("listenaddress", []):
            tail = la.value.rsplit(":", 1)[-1]
            if tail.isdigit():
                out.append((int(tail), la))
        if not out:
            out = [(int(s.value), s) for s in self.sshd_t.get("port", []) if s.value.isdigit()]
        return _dedup(out) or [(22, default_setting("Port"))]


def _dedup(items: list[tuple[int, Setting]]) -> list[tuple[int, Setting]]:
    seen: set[int] = set()
    out = []
    for port, s in items:
        if port not in seen:
            seen.add(port)
            out.append((port, s))
    return out


def default_setting(keyword: str) -> Setting:
    return Setting(keyword, DEFAULTS.get(keyword, ""), None, 0, default=True)
