"""sshd_config line lexing, reproducing OpenSSH's own tokenisers exactly.

sshd splits a line twice: the keyword with `strdelim` (whitespace, one `=`, and quotes),
the arguments with `argv_split` (whitespace, quotes, backslash escapes, `#` at the start
of a token ends the line). Re-implementing both faithfully, quirks included, is what makes
"Key=Value", `"Port" 22` or `PermitRootLogin no # yes` mean to us what they mean to sshd
(misc.c strdelim_internal / argv_split at V_9_2_P1; the behaviour is re-derived here,
not copied).
"""

from __future__ import annotations

import re

_WS = " \t\r\n"  # misc.c WHITESPACE


def strdelim(s: str | None, split_equals: bool = True) -> tuple[str | None, str | None]:
    """Next token and the rest, as misc.c strdelim does: splits on whitespace, on ONE `=`
    (when split_equals) and on a double quote. Returns (None, None) for an unmatched quote,
    which sshd treats as "no token" (the line is then silently ignored)."""
    if s is None:
        return None, None
    delims = _WS + '"' + ("=" if split_equals else "")
    i = next((k for k, c in enumerate(s) if c in delims), -1)
    if i == -1:
        return s, None
    if s[i] == '"':
        s2 = s[:i] + s[i + 1:]
        j = s2.find('"', i)
        if j == -1:
            return None, None
        return s2[:j], s2[j + 1:].lstrip(_WS)
    equals_seen = split_equals and s[i] == "="
    tok, rest = s[:i], s[i + 1:].lstrip(_WS)
    if split_equals and rest.startswith("=") and not equals_seen:
        rest = rest[1:].lstrip(_WS)
    return tok, rest


def argv_split(s: str) -> list[str] | None:
    """Arguments of a line (misc.c argv_split with terminate_on_comment): None when a
    quote is left open, which sshd reports as "invalid quotes"."""
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        if s[i] in " \t":
            i += 1
            continue
        if s[i] == "#":
            break
        quote = ""
        buf: list[str] = []
        while i < n:
            c = s[i]
            if c == "\\" and i + 1 < n and (s[i + 1] in "'\"\\" or (not quote and s[i + 1] == " ")):
                i += 1
                buf.append(s[i])
            elif not quote and c in " \t":
                break
            elif not quote and c in "\"'":
                quote = c
            elif quote and c == quote:
                quote = ""
            else:
                buf.append(c)
            i += 1
        if i >= n and quote:
            return None
        out.append("".join(buf))
    return out


def clean_line(raw: str) -> str:
    """Leading " \\t\\r" go (servconf.c load_server_config), trailing whitespace and form
    feeds go (process_server_config_line_depth): CRLF files are therefore harmless."""
    return raw.lstrip(" \t\r").rstrip(_WS + "\f")


# -- value grammar ----------------------------------------------------------------------

_INT = re.compile(r"[+-]?\d+")
_TIME_PART = re.compile(r"(\d+)([sSmMhHdDwW]?)")
_TIME_MULT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
INT_MAX = 2**31 - 1


def strtonum(text: str, lo: int, hi: int) -> int | None:
    """OpenSSH strtonum: a whole decimal number (sign allowed) within [lo, hi]."""
    if not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def convtime(text: str) -> int | None:
    """sshd time format (misc.c convtime): concatenated <number>[smhdw] groups."""
    if not text:
        return None
    total, pos = 0, 0
    while pos < len(text):
        m = _TIME_PART.match(text, pos)
        if m is None:
            return None
        secs = int(m.group(1)) * _TIME_MULT[m.group(2).lower()]
        total += secs
        if secs > INT_MAX or total > INT_MAX:
            return None
        pos = m.end()
    return total
