"""Argument checking and normalisation per keyword kind (see sshd_keywords for the kinds).

sshd validates a line's arguments even inside Match blocks it will not apply, and refuses
to start on a bad one, so the checks here run for every line. Normalising (yes/no
lower-cased, `without-password` → `prohibit-password`, times in seconds) lets rules and
`sshd -T` output be compared value for value.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxguard.model.sshd import Setting
from proxguard.parsers.sshd_keywords import SERVICES, Keyword
from proxguard.parsers.sshd_lex import INT_MAX, convtime, strtonum

__all__ = ["Invalid", "Setting", "Value", "from_dump", "parse"]


@dataclass(frozen=True, slots=True)
class Value:
    value: str
    args: tuple[str, ...]

    def setting(self, keyword: str, file: str, line: int) -> Setting:
        return Setting(keyword, self.value, file, line, args=self.args)


@dataclass(frozen=True, slots=True)
class Invalid:
    message: str


_ARITY = {"flag": (1, 1), "multi": (1, 1), "exact": (1, 1), "int": (1, 1), "time": (1, 1),
          "port_accum": (1, 1), "one": (1, 1), "accum": (1, 1), "pair": (1, 2),
          "list": (1, None), "firstline": (1, None), "rest": (1, None), "any": (0, None),
          "listen": (1, 3), "subsystem": (2, None)}


def parse(kw: Keyword, args: list[str], version: tuple[int, int]) -> Value | Invalid:
    kind, _, choices = kw.kind.partition(":")
    lo, hi = _ARITY.get(kind, (0, None))
    if len(args) < lo:
        return Invalid("missing argument")
    if hi is not None and len(args) > hi:
        return Invalid("extra arguments at end of line")
    first = args[0] if args else ""
    if kind in ("flag", "multi"):
        options = choices.split("|") if choices else ["yes", "no"]
        if first.lower() not in options:
            return Invalid(f'unsupported option "{first}"')
        return Value(_normal(kw.name, first.lower()), tuple(args))
    if kind == "exact":
        if first not in choices.split("|"):
            return Invalid(f"bad argument {first}")
        return Value(first, tuple(args))
    if kind == "int":
        number = strtonum(first, 0, INT_MAX)
        return Invalid(f"integer value {first} invalid") if number is None \
            else Value(str(number), tuple(args))
    if kind == "time":
        secs = convtime(first)
        return Invalid("invalid time value") if secs is None else Value(str(secs), tuple(args))
    if kind == "port_accum":
        port = _port(first)
        return Invalid("Badly formatted port number") if port is None or port <= 0 \
            else Value(str(port), tuple(args))
    if kind == "listen":
        return _listen(args)
    if any(a == "" for a in args) and kind in ("list", "firstline", "accum", "one"):
        return Invalid("empty argument")
    if kind in ("list", "firstline", "rest", "subsystem", "pair", "any"):
        return Value(" ".join(args), tuple(args))
    if kw.name == "Banner" and first.lower() == "none":
        return Value("none", tuple(args))  # servconf.c: "none" in any case means no banner
    return Value(first, tuple(args))


def _normal(keyword: str, value: str) -> str:
    if keyword == "PermitRootLogin" and value == "without-password":
        return "prohibit-password"  # same setting (servconf.c multistate_permitrootlogin)
    if keyword in ("AllowTcpForwarding", "AllowStreamLocalForwarding") and value == "all":
        return "yes"
    if keyword == "Compression" and value == "delayed":
        return "yes"
    if keyword == "LogLevel":
        # log.c: SILENT is QUIET, DEBUG1 is DEBUG (`sshd -T` prints SILENT and DEBUG)
        return {"silent": "quiet", "debug1": "debug"}.get(value, value)
    return value


def _port(text: str) -> int | None:
    port = strtonum(text, 0, 65535)
    return SERVICES.get(text) if port is None else port


def _listen(args: list[str]) -> Value | Invalid:
    """ListenAddress host[:port] | [v6]:port | bare-v6 [rdomain name] (servconf.c)."""
    if len(args) == 2 or (len(args) == 3 and args[1] != "rdomain"):
        return Invalid("bad ListenAddress syntax")
    addr = args[0]
    if "[" not in addr and addr.count(":") >= 2:
        return Value(addr, tuple(args))
    host, port_text = addr, ""
    if addr.startswith("["):
        end = addr.find("]")
        if end == -1:
            return Invalid("bad address:port usage")
        host, tail = addr[1:end], addr[end + 1:]
        if tail and not tail.startswith(":"):
            return Invalid("bad address:port usage")
        port_text = tail[1:]
    elif ":" in addr:
        host, port_text = addr.split(":", 1)
    if port_text:
        port = _port(port_text)
        if port is None or port <= 0:
            return Invalid("bad port number")
        return Value(f"{host} {port}", tuple(args))
    return Value(host, tuple(args))


def from_dump(keyword: str, value: str, file: str, line: int) -> Setting:
    """One `sshd -T` line as a Setting (dump_config prints canonical lower-case values)."""
    first = value.split(" ", 1)[0]
    if keyword == "PermitRootLogin":
        value = _normal(keyword, first.lower())
    elif keyword in ("PasswordAuthentication", "KbdInteractiveAuthentication",
                     "PubkeyAuthentication", "UsePAM", "PermitEmptyPasswords"):
        value = first.lower()
    elif keyword == "LogLevel":
        value = _normal(keyword, first.lower())
    return Setting(keyword, value, file, line, args=tuple(value.split(" ")), source="sshd-T")
