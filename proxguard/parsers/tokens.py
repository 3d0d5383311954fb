"""`pveum user token list <userid>` and `pveum user list --full` output → tokens/users.

Operators who cannot share user.cfg can still share these listings, so the token rules
work from them too. The listings come as JSON or as the CLI's text table (Unicode box,
ASCII, or `--noborder`), whose layout is fixed by PVE's CLIFormatter (formats.md §3.2):
column positions come from the border lines, so a comment containing spaces or bars
cannot shift a column. user.cfg stays authoritative when both are given; listings that
disagree with it are reported, not merged.
"""

from __future__ import annotations

import functools
import itertools
import json
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import InputFile
from proxguard.model.access import REALM_RE, AccessControl, Token, User, valid_userid

TOKEN_COLUMNS = ("tokenid", "comment", "expire", "privsep")  # formats.md §3.3, text order
_RIGHT_ALIGNED = frozenset({"expire"})  # integer columns are right-aligned [COM print_text_table]
_TOKEN_NAME = re.compile(REALM_RE)


@dataclass(frozen=True, slots=True)
class ListedToken:
    user: str
    name: str
    expire: int
    privsep: bool
    comment: str
    file: str
    line: int


# -- text table grammar ---------------------------------------------------------------
# A border line: corner, then runs of horizontal rules separated by junctions. Both the
# Unicode box set (UTF-8 locale) and the ASCII set are CLIFormatter output.
@functools.lru_cache(maxsize=1)
def _border() -> tuple[Any, type[Exception]]:
    """The border grammar and its parse error, built on first use: pyparsing is imported
    only when a token listing is read (issue 14: the browser's normal boot imports the
    whole engine before its first audit, and pyparsing is a fifth of that)."""
    import pyparsing as pp

    h = pp.Word("─═-=")
    j = pp.Char("┌├└╞┬┼┴╪┐┤┘╡+")
    border = pp.Combine(j + pp.OneOrMore(h + j), adjacent=True)("border")
    border.leave_whitespace()
    return border, pp.ParseException


def _border_columns(line: str) -> list[tuple[int, int]] | None:
    """Cell spans (start, end) of the text between the junctions of a border line."""
    border, error = _border()
    try:
        border.parse_string(line.rstrip(), parse_all=True)
    except error:
        return None
    junctions = [i for i, c in enumerate(line.rstrip()) if c in "┌├└╞┬┼┴╪┐┤┘╡+"]
    return [(a + 2, b - 1) for a, b in itertools.pairwise(junctions)]


def parse_table(text: str, file: str, diags: Diagnostics) -> list[tuple[int, dict[str, str]]]:
    """Rows (line number, column → cell text) of a CLIFormatter table."""
    lines = text.split("\n")
    spans = next((s for s in (_border_columns(ln) for ln in lines) if s), None)
    if spans is None:
        return _parse_noborder(lines, file, diags)
    rows: list[tuple[int, list[str]]] = []
    fresh = True  # a border line starts a new row; lines without one continue the cell
    for n, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if _border_columns(line) is not None:
            fresh = True
            continue
        if not line.lstrip().startswith(("│", "|")):
            diags.warning(file, n, "line is not part of the pveum table; ignored")
            continue
        cells = [line[a:b].strip() for a, b in spans]
        if fresh or not rows:
            rows.append((n, cells))
            fresh = False
        else:  # a multi-line cell: the text wraps onto the next physical line
            rows[-1] = (rows[-1][0], [f"{o}\n{c}".strip("\n") for o, c in zip(rows[-1][1], cells, strict=False)])
    return _with_header(rows, file, diags)


def _with_header(rows: list[tuple[int, list[str]]], file: str,
                 diags: Diagnostics) -> list[tuple[int, dict[str, str]]]:
    if rows and "tokenid" in rows[0][1]:
        header, body = rows[0][1], rows[1:]
    else:
        header, body = list(TOKEN_COLUMNS), rows  # --noheader: the schema order
    out = []
    for n, cells in body:
        if len(cells) != len(header):
            diags.warning(file, n, "row has a different number of cells than the header; ignored")
            continue
        out.append((n, dict(zip(header, cells, strict=True))))
    return out


def _parse_noborder(lines: list[str], file: str,
                    diags: Diagnostics) -> list[tuple[int, dict[str, str]]]:
    """`--noborder`: cells padded to the column width and joined by one space; the
    header's titles give the column starts (or, right-aligned, the column ends)."""
    head_at = next((i for i, ln in enumerate(lines) if re.search(r"\btokenid\b", ln)), None)
    if head_at is None:
        diags.warning(file, 0, "no 'tokenid' header found; a --noheader --noborder listing "
                      "cannot be split into columns reliably; not read")
        return []
    header = lines[head_at].rstrip("\r")
    titles = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", header)]
    out = []
    for n, raw in enumerate(lines[head_at + 1:], start=head_at + 2):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        out.append((n, _split_noborder(line, titles)))
    return out


def _split_noborder(line: str, titles: list[tuple[str, int, int]]) -> dict[str, str]:
    """Left-aligned columns start at their title, right-aligned ones end at it; a left
    column followed by a right-aligned integer column is split at the integer."""
    cells: dict[str, str] = {}
    pos, i = 0, 0
    while i < len(titles):
        name = titles[i][0]
        if i == len(titles) - 1:
            cells[name] = line[pos:].strip()  # the last column is not padded
            break
        nxt, nstart, nend = titles[i + 1]
        if nxt in _RIGHT_ALIGNED:
            chunk = line[pos:nend].rstrip()
            words = chunk.split()
            right = words[-1] if words else ""
            cells[name], cells[nxt] = chunk[: len(chunk) - len(right)].strip(), right
            pos, i = nend + 1, i + 2
            continue
        cells[name] = line[pos:nstart].strip()
        pos, i = nstart, i + 1
    return cells


# -- per file ---------------------------------------------------------------------------
def userid_from_path(path: str) -> str | None:
    base = posixpath.basename(path)
    stem = re.sub(r"\.(json|txt|text)$", "", base)
    return stem if valid_userid(stem) else None


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"[0-9]+", v.strip()):
        return int(v.strip())
    return None


def _token(obj: dict[str, Any], user: str, file: str, line: int,
           diags: Diagnostics) -> ListedToken | None:
    name = str(obj.get("tokenid", ""))
    if not _TOKEN_NAME.fullmatch(name):
        diags.warning(file, line, f"token entry without a valid tokenid ({name!r}); ignored")
        return None
    expire = _int(obj.get("expire", 0) if obj.get("expire") not in ("", None) else 0)
    # rules-catalogue §2.6 API-101: privsep absent in a listing means the API default, 1
    raw_privsep = obj.get("privsep")
    privsep = _int(raw_privsep) if raw_privsep not in ("", None) else 1
    if expire is None or privsep is None:
        diags.warning(file, line, f"token '{name}': expire/privsep are not integers; ignored")
        return None
    return ListedToken(user, name, expire, bool(privsep), str(obj.get("comment") or ""),
                       file, line)


def _json(text: str, file: str, diags: Diagnostics) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        diags.warning(file, 0, f"not valid JSON ({exc}); not read")
        return None


def read_token_list(f: InputFile, diags: Diagnostics) -> list[ListedToken]:
    user = userid_from_path(f.path)
    if user is None:
        diags.warning(f.path, 0, "token listing: the file name must be the user id "
                      "(commands/pveum-user-token-list/<user@realm>.json); not read")
        return []
    stripped = f.text.lstrip()
    if stripped.startswith("---"):
        diags.warning(f.path, 0, "YAML output is not read; use --output-format json")
        return []
    if stripped.startswith(("[", "{")):
        data = _json(f.text, f.path, diags)
        if data is None:
            return []
        if not isinstance(data, list):
            diags.warning(f.path, 0, "expected a JSON array of tokens; not read")
            return []
        out = []
        for obj in data:
            if not isinstance(obj, dict):
                diags.warning(f.path, 0, "JSON array element is not an object; ignored")
                continue
            t = _token(obj, user, f.path, 0, diags)
            if t:
                out.append(t)
        return out
    rows = parse_table(f.text, f.path, diags)
    return [t for n, row in rows if (t := _token(row, user, f.path, n, diags))]


def read_user_list(f: InputFile, diags: Diagnostics) -> tuple[list[User], list[ListedToken]]:
    """`pveum user list --full --output-format json`: users with keys/enable/expire and
    their tokens embedded."""
    if not f.text.lstrip().startswith("["):
        diags.warning(f.path, 0, "only the JSON form of 'pveum user list --full' is read "
                      "(--output-format json)")
        return [], []
    data = _json(f.text, f.path, diags)
    if not isinstance(data, list):
        if data is not None:
            diags.warning(f.path, 0, "expected a JSON array of users; not read")
        return [], []
    users, toks = [], []
    for obj in data:
        uid = obj.get("userid") if isinstance(obj, dict) else None
        if not isinstance(uid, str) or not valid_userid(uid):
            diags.warning(f.path, 0, f"user entry without a valid userid ({uid!r}); ignored")
            continue
        enable, expire = _int(obj.get("enable", 1)), _int(obj.get("expire", 0) or 0)
        users.append(User(uid, bool(enable) if enable is not None else True, expire or 0,
                          email=str(obj.get("email") or ""), comment=str(obj.get("comment") or ""),
                          keys=str(obj.get("keys") or ""), file=f.path, line=0))
        embedded = obj.get("tokens")
        for t in embedded if isinstance(embedded, list) else []:
            if isinstance(t, dict) and (lt := _token(t, uid, f.path, 0, diags)):
                toks.append(lt)
    return users, toks


# -- merging ----------------------------------------------------------------------------
def merge(ac: AccessControl, files: Iterable[InputFile], diags: Diagnostics) -> None:
    """Fold listings into `ac`. With user.cfg present (ac.user_source set by it), the
    file is authoritative: disagreements become info diagnostics."""
    authoritative = ac.acl_source is not None
    listed: list[ListedToken] = []
    listed_users: set[str] = set()
    for f in files:
        if "pveum-user-list" in f.path:
            users, toks = read_user_list(f, diags)
            listed += toks
            listed_users.update(u.id for u in users)
            if not authoritative:
                for u in users:
                    ac.users[u.id] = u
                ac.user_source = ac.user_source or f.path
        else:
            toks = read_token_list(f, diags)
            listed += toks
            if (u := userid_from_path(f.path)) is not None:
                listed_users.add(u)
    if authoritative:
        _compare(ac, listed, listed_users, diags)
        return
    for t in listed:
        ac.tokens[f"{t.user}!{t.name}"] = Token(t.user, t.name, t.expire, t.privsep,
                                                t.comment, t.file, t.line)


def _compare(ac: AccessControl, listed: list[ListedToken], users: set[str],
             diags: Diagnostics) -> None:
    seen = set()
    for t in listed:
        tid = f"{t.user}!{t.name}"
        seen.add(tid)
        have = ac.tokens.get(tid)
        if have is None:
            diags.info(t.file, t.line, f"token {tid} is listed but not in user.cfg; "
                       "user.cfg is used")
        elif (have.expire, have.privsep) != (t.expire, t.privsep):
            diags.info(t.file, t.line, f"token {tid}: listing says expire={t.expire} "
                       f"privsep={int(t.privsep)}, user.cfg line {have.line} says "
                       f"expire={have.expire} privsep={int(have.privsep)}; user.cfg is used")
    for tid, have in ac.tokens.items():
        if have.user in users and tid not in seen:
            diags.info(have.file, have.line, f"token {tid} is in user.cfg but missing from "
                       "the supplied listing of its user")
