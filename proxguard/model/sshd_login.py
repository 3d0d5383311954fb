"""Who may log in at all, and with which methods: sshd's access lists and auth methods.

Eligibility follows OpenSSH auth.c `allowed_user()` (9.2p1 and 10.0p1 alike): DenyUsers,
then AllowUsers, then DenyGroups, then AllowGroups; the first list that decides wins.
Each list entry is ONE pattern (match.c `match_user`): the user part is matched with
`match_pattern` (`*`/`?`, case-sensitive, no `!` — `!root` names a user called "!root");
a `USER@HOST` entry also needs HOST, a comma list with `!` negation, to match the client's
address (CIDR or wildcard) or name (`match_host_and_ip`). 9.2 splits the entry at the
first `@`, 10.0 at the last. Group entries are single patterns too (groupaccess.c
`ga_match`). The lists are read per connection like any Match-able keyword, but they
accumulate: every matching Match block's lines (Match All included) append to a fresh list
that, when non-empty, *replaces* the start-up list (servconf.c M_CP_STRARRAYOPT).

The methods that complete a login follow auth2.c: a method is offered when its option is
on; with `AuthenticationMethods` only the listed chains complete a login; for root,
`PermitRootLogin` vets each method (auth.c `auth_root_allowed`: prohibit-password keeps
publickey/hostbased/gssapi-with-mic, forced-commands-only keeps keys with a forced
command, no refuses root). Keyboard-interactive asks PAM, which on Debian asks for the
Unix password, so it counts only with `UsePAM yes` (sshd_config(5) UsePAM) and is a
password login.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from proxguard.model.sshd import V10_0, Setting, SshdConfig
from proxguard.model.sshd_match import (
    Connection,
    address_list_valid,
    match_address_list,
    match_pattern_list,
    wild_match,
)

LISTS = ("DenyUsers", "AllowUsers", "DenyGroups", "AllowGroups")  # allowed_user() order
PASSWORD_METHODS = frozenset({"password", "keyboard-interactive"})
KEY_METHODS = frozenset({"publickey", "hostbased", "gssapi-with-mic"})
METHOD_OPTION = {"publickey": "PubkeyAuthentication", "password": "PasswordAuthentication",
                 "keyboard-interactive": "KbdInteractiveAuthentication",
                 "hostbased": "HostbasedAuthentication",
                 "gssapi-with-mic": "GSSAPIAuthentication"}
ORDER = ("publickey", "hostbased", "gssapi-with-mic", "password", "keyboard-interactive",
         "none")


@dataclass(frozen=True, slots=True)
class Entry:
    """One pattern of an access list with the line it came from."""

    pattern: str
    setting: Setting


@dataclass(frozen=True, slots=True)
class Eligibility:
    allowed: bool
    reason: str  # "listed in DenyUsers", "no AllowUsers/DenyUsers/... list", ...
    setting: Setting | None = None  # the deciding line (None: no list decides)
    assumption: str = ""  # what was assumed about unknown group membership

    @property
    def where(self) -> str:
        return self.setting.where if self.setting is not None else ""


# -- access lists ----------------------------------------------------------------------

def effective_list(cfg: SshdConfig, keyword: str, conn: Connection) -> list[Entry]:
    """The list sshd consults for `conn`: matching Match blocks' lines if any, else the
    start-up lines (`sshd -T` authoritative for those when supplied)."""
    hits = cfg.matching(conn)
    matched = cfg.in_blocks(keyword, hits)
    if matched:
        return _entries(matched)
    start = _entries(cfg.accumulated(keyword))
    if cfg.sshd_t is None:
        return start
    dump = cfg.sshd_t.get(keyword.lower(), [])
    if [e.pattern for e in start] == [s.value for s in dump]:
        return start
    return [Entry(s.value, s) for s in dump]


def access_lists(cfg: SshdConfig, conn: Connection) -> dict[str, list[Entry]]:
    """The four lists for `conn`, in allowed_user() order."""
    return {k: effective_list(cfg, k, conn) for k in LISTS}


def _entries(settings: list[Setting]) -> list[Entry]:
    return [Entry(arg, s) for s in settings for arg in (s.args or (s.value,))]


def split_user_host(pattern: str, version: tuple[int, int]) -> tuple[str, str | None]:
    """match.c match_user: 9.2 splits at the first `@`, 10.0 at the last."""
    if "@" not in pattern:
        return pattern, None
    user, _, host = (pattern.rpartition("@") if version >= V10_0 else pattern.partition("@"))
    return user, host


def pattern_problem(pattern: str, version: tuple[int, int]) -> str:
    """Why sshd refuses an AllowUsers/DenyUsers entry at start-up ("" when valid):
    an empty entry, or a HOST list with an empty or malformed address (addr_match_list -2)."""
    if pattern == "":
        return "empty pattern"
    _user, host = split_user_host(pattern, version)
    if host is not None and not address_list_valid(host):
        return f'invalid pattern: "{pattern}"'
    return ""


def match_pattern(value: str, pattern: str) -> bool:
    """match.c match_pattern: one pattern, `*`/`?` wildcards, no negation."""
    return wild_match(pattern, value)


def match_user(user: str, host: str, addr: str, pattern: str,
               version: tuple[int, int]) -> bool:
    upat, hpat = split_user_host(pattern, version)
    if not match_pattern(user, upat):
        return False
    if hpat is None:
        return True
    mip = match_address_list(addr, hpat)
    if mip == -1 or mip == -2:
        return False
    mhost = match_pattern_list(host.lower(), hpat, lower=True)
    return mhost != -1 and (mhost == 1 or mip == 1)


def eligibility(cfg: SshdConfig, user: str, groups: tuple[str, ...], conn: Connection,
                addr: str, groups_known: bool = True,
                lists: dict[str, list[Entry]] | None = None) -> Eligibility:
    """auth.c allowed_user() for `user` (in `groups`) connecting from `addr`, with the
    lists that apply to the connection `conn` (Match blocks). With `groups_known` False,
    membership beyond `groups` is unknown and the answer assumes the account is in no
    denied group but in an allowed one (the assumption that lets it log in, so a pass
    never rests on a guess)."""
    host = conn.host if conn.host and cfg.effective_for("UseDNS", conn).value == "yes" else addr
    if lists is None:
        lists = access_lists(cfg, conn)
    for e in lists["DenyUsers"]:
        if match_user(user, host, addr, e.pattern, cfg.version):
            return Eligibility(False, f"listed in DenyUsers ({e.pattern})", e.setting)
    if lists["AllowUsers"]:
        hit = next((e for e in lists["AllowUsers"]
                    if match_user(user, host, addr, e.pattern, cfg.version)), None)
        if hit is None:
            last = lists["AllowUsers"][-1]
            return Eligibility(False, "not listed in AllowUsers", last.setting)
    for e in lists["DenyGroups"]:
        if any(match_pattern(g, e.pattern) for g in groups):
            return Eligibility(False, f"a group is listed in DenyGroups ({e.pattern})", e.setting)
    unknown = "" if groups_known else "group membership unknown (/etc/group not supplied)"
    if lists["AllowGroups"]:
        hit = next((e for e in lists["AllowGroups"]
                    if any(match_pattern(g, e.pattern) for g in groups)), None)
        if hit is None and groups_known:
            return Eligibility(False, "none of its groups is listed in AllowGroups",
                               lists["AllowGroups"][-1].setting)
        if hit is None:
            return Eligibility(True, "assumed to be in a group AllowGroups lists",
                               lists["AllowGroups"][0].setting,
                               unknown + "; assumed a member of an AllowGroups group")
        return Eligibility(True, f"a group is listed in AllowGroups ({hit.pattern})",
                           hit.setting)
    if lists["AllowUsers"]:
        hit = next(e for e in lists["AllowUsers"]
                   if match_user(user, host, addr, e.pattern, cfg.version))
        return Eligibility(True, f"listed in AllowUsers ({hit.pattern})", hit.setting,
                           unknown + "; assumed in no DenyGroups group"
                           if unknown and lists["DenyGroups"] else "")
    assumption = unknown + "; assumed in no DenyGroups group" \
        if unknown and lists["DenyGroups"] else ""
    return Eligibility(True, "no access list excludes it", None, assumption)


# -- methods ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Methods:
    """The method chains that complete a login, and the lines that decided them."""

    chains: tuple[tuple[str, ...], ...]  # e.g. (("publickey",), ("publickey", "password"))
    settings: tuple[Setting, ...]  # lines read (for evidence)
    refused: Setting | None = None  # PermitRootLogin no (root only)
    forced_only: bool = False  # root with forced-commands-only: keys with a forced command

    @property
    def password_alone(self) -> bool:
        """Does a password (or PAM keyboard-interactive, which asks for it) alone log in?"""
        return any(len(c) == 1 and c[0] in PASSWORD_METHODS for c in self.chains)

    def labels(self) -> list[str]:
        out = []
        for chain in self.chains:
            names = [_LABEL.get(m, m) for m in chain]
            out.append(" + ".join(names))
        return out


_LABEL = {"keyboard-interactive": "keyboard-interactive (PAM password)",
          "none": "none (empty password)"}


def login_methods(cfg: SshdConfig, user: str, conn: Connection,
                  honour_methods: bool = True) -> Methods:
    """What completes a login for `user` on connection `conn` (auth2.c, auth.c
    auth_root_allowed)."""
    get: Callable[[str], Setting] = lambda k: cfg.effective_for(k, conn)  # noqa: E731
    read: list[Setting] = []

    def on(key: str) -> bool:
        s = get(key)
        read.append(s)
        return s.value == "yes"

    enabled = {m for m, opt in METHOD_OPTION.items() if on(opt)}
    if "keyboard-interactive" in enabled and not on("UsePAM"):
        enabled.discard("keyboard-interactive")  # no PAM: Debian's sshd has no other device
    if "password" in enabled and on("PermitEmptyPasswords"):
        enabled.add("none")
    am = get("AuthenticationMethods")
    if honour_methods and am.value != "any":
        read.append(am)
        chains = [tuple(_method(m) for m in lst.split(",")) for lst in am.args]
        chains = [c for c in chains if all(m in enabled for m in c)]
    else:
        chains = [(m,) for m in ORDER if m in enabled]
    if user == "root":
        prl = get("PermitRootLogin")
        read.append(prl)
        if prl.value == "no":
            return Methods((), tuple(read), refused=prl)
        if prl.value == "prohibit-password":
            chains = [c for c in chains if all(m in KEY_METHODS for m in c)]
        elif prl.value == "forced-commands-only":
            chains = [c for c in chains if all(m == "publickey" for m in c)]
            return Methods(tuple(chains), tuple(read), forced_only=True)
    return Methods(tuple(_dedup(chains)), tuple(read))


def _method(spec: str) -> str:
    """`keyboard-interactive:pam` is PAM's device; another device (bsdauth) does not exist
    on Debian's sshd, so that chain can never complete."""
    name, _, sub = spec.partition(":")
    return name if name != "keyboard-interactive" or sub in ("", "pam") else spec


def _dedup(chains: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    seen: set[tuple[str, ...]] = set()
    return [c for c in chains if not (c in seen or seen.add(c))]  # type: ignore[func-returns-value]
