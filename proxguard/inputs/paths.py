"""Host paths in one spelling: relative to the host root, no leading slash, no `..`.

Its own module because every reader (directory, tarball, pasted text) names files this
way, and the readers must not import the snapshot that imports them.
"""

from __future__ import annotations

import posixpath


def normalise_path(path: str) -> str:
    p = path.replace("\\", "/")
    p = posixpath.normpath("/" + p).lstrip("/")
    return p


def glob_match(pattern: str, path: str, hidden: bool = True) -> bool:
    """glob(7) with pathname semantics: `*`, `?` and `[...]` never match `/`; with
    `hidden=False` they never match a leading dot either.

    Patterns may come from untrusted text (an sshd Include line), so this is not a regular
    expression: greedy matching that backtracks only to the last `*` is O(len(pattern) ×
    len(name)) per component, where `*a*a*…b` compiled to a regex is exponential."""
    pp, sp = pattern.split("/"), path.split("/")
    return len(pp) == len(sp) and all(
        _match_name(_tokens(p), n, hidden) for p, n in zip(pp, sp, strict=True))


_Token = tuple[str, str, bool]  # (kind: lit|any|star|set, chars or ranges, negated)


def _tokens(pattern: str) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if not out or out[-1][0] != "star":
                out.append(("star", "", False))
        elif c == "?":
            out.append(("any", "", False))
        elif c == "[" and (end := _class_end(pattern, i)) > 0:
            body = pattern[i + 1:end]
            negated = body[:1] in ("!", "^")
            out.append(("set", body[1:] if negated else body, negated))
            i = end
        else:
            out.append(("lit", c, False))
        i += 1
    return out


def _class_end(pattern: str, start: int) -> int:
    """Index of the `]` closing the class opened at `start`, or -1 (then `[` is literal).
    A `]` right after `[` or `[!` is a member, as in fnmatch."""
    j = start + 1
    if j < len(pattern) and pattern[j] in "!^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    end = pattern.find("]", j)
    return end


def _in_set(body: str, c: str) -> bool:
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            if body[i] <= c <= body[i + 2]:
                return True
            i += 3
        else:
            if body[i] == c:
                return True
            i += 1
    return False


def _one(tok: _Token, c: str) -> bool:
    kind, body, negated = tok
    if kind == "lit":
        return c == body
    if kind == "any":
        return True
    return _in_set(body, c) != negated


def _match_name(toks: list[_Token], name: str, hidden: bool) -> bool:
    if not hidden and name.startswith(".") and toks and toks[0] != ("lit", ".", False):
        return False
    i = j = 0
    star, mark = -1, 0
    while j < len(name):
        if i < len(toks) and toks[i][0] == "star":
            star, mark = i, j
            i += 1
        elif i < len(toks) and _one(toks[i], name[j]):
            i += 1
            j += 1
        elif star >= 0:
            i, mark = star + 1, mark + 1
            j = mark
        else:
            return False
    while i < len(toks) and toks[i][0] == "star":
        i += 1
    return i == len(toks)
