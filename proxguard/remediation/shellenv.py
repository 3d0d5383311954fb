"""The one Jinja environment that writes bash: every value is shell-quoted unless marked safe.

Remediation scripts are run as root and their values come from configs that may have been
written by an attacker (a node directory named `$(…)`, a drop-in file name with a newline, a
Match line with a terminal escape). So quoting is not left to each template: like HTML
autoescaping, the environment's `finalize` hook quotes every `{{ … }}` by default, and only
a `ShellSafe` string (text this environment produced itself, e.g. a rendered fix embedded in
the fix-all script) passes through — and only through the explicit `verbatim` filter, which
refuses anything else.

The quoting keeps every value on one line of printable characters: plain words stay bare,
other printable ASCII is single-quoted (as shlex.quote does), and text holding a backslash,
a non-ASCII or a non-printable character (newline, ESC, bidi override, …) is written in
ANSI-C form `$'…'` with the non-printable characters as `\\xHH` bytes (a backslash before
a closing quote would read as an escape attempt to shellcheck; non-ASCII quotes look
like ASCII ones). Single-quoted `$(…)` is data; the scripts say so to shellcheck once, at
the top (`disable=SC2016`). Hence a value is safe in a
comment too (it cannot end the comment line), and a terminal showing the script shows no
escape sequence. `comment` renders a value for a comment line without quotes (same
single-line, printable guarantee); the template tests allow it on comment lines only.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

import proxguard.rules
from proxguard.render.escape import escape_bytes, is_printable, printable


class ShellSafe(str):
    """Text that may go into a script as it is (like markupsafe.Markup for HTML). Made only
    here: by quoting, by `comment`, or as the output of a template of this environment.
    String operations on it return plain `str`, which is quoted again: the safe direction."""

    __slots__ = ()


class ShellQuoteError(ValueError):
    """A value no shell argument can carry (a NUL byte)."""


_BARE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def quote(value: object) -> ShellSafe:
    """One shell word that bash reads back as exactly `value` (see the module docstring)."""
    if isinstance(value, ShellSafe):
        return value
    text = str(value)
    if "\x00" in text:
        raise ShellQuoteError(f"value {text[:40]!r}… holds a NUL byte; no shell argument can")
    if _BARE.fullmatch(text):
        return ShellSafe(text)
    if text.isascii() and "\\" not in text and text.isprintable():
        return ShellSafe(shlex.quote(text))  # '…', a ' inside as '"'"'
    out = []
    for ch in text:
        if ch in "\\'":
            out.append("\\" + ch)
        elif is_printable(ch) and ch != "\x7f":
            out.append(ch)
        else:
            out.append(escape_bytes(ch))
    return ShellSafe("$'" + "".join(out) + "'")


def comment(value: object) -> ShellSafe:
    """A value for a `#` comment line: unquoted, whitespace runs (newlines included) made
    one space, every other non-printable character escaped: one printable line."""
    return ShellSafe(printable(" ".join(str(value).split())))


def verbatim(value: object) -> ShellSafe:
    """The reviewed raw insertion: only text this environment produced may go in as is."""
    if not isinstance(value, ShellSafe):
        raise TypeError(f"verbatim refuses a plain {type(value).__name__}: quote it, or "
                        "render it with proxguard.remediation.shellenv first")
    return value


def words(values: Iterable[object]) -> ShellSafe:
    """Several values as separate shell words (`printf '%s\\n' {{ lines | words }}`)."""
    return ShellSafe(" ".join(quote(v) for v in values))


def _finalize(value: Any) -> ShellSafe:
    return quote(value)


def _rules_dir() -> Path:
    """Where the rule templates are: next to each rule module (the proxguard.rules package,
    which is the repo's rules/ in a checkout and proxguard/rules in the wheel)."""
    return Path(proxguard.rules.__file__).resolve().parent


class _Environment(jinja2.Environment):
    """Jinja's environment with per-render costs cut (issue 14: a large user.cfg renders
    ~36,000 target scripts for one report). Each template's globals are a plain dict,
    not a ChainMap over the environment's (every context Jinja makes, one per template
    and per include, iterates them: ~15% of a render); nothing here changes the
    environment's globals after a template is loaded, which is what the ChainMap is for."""

    def make_globals(self, d: Any = None) -> Any:
        return {**self.globals, **(d or {})}


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.FileSystemLoader([str(_rules_dir()), str(Path(__file__).parent)]),
        autoescape=False,  # shell, not HTML: `finalize` does the quoting
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        # every template kept in a plain dict: the templates are package data (~80), and
        # the LRU cache's lookup, taken by every render and every include, rotates a
        # deque under a lock
        cache_size=-1,
    )
    env.filters.update(shquote=quote, comment=comment, verbatim=verbatim, words=words)
    return env


def render(name: str, /, **context: Any) -> ShellSafe:
    """A script from the template file `name` (templates are compiled once per process)."""
    return ShellSafe(environment().get_template(name).render(**context))


def compile_all() -> int:
    """Compile every script template (the rules' and the fix plan's) into the cache; the
    number compiled. The web build calls this before taking the start-up memory snapshot
    (issue 14), so the first audit after a restore compiles nothing."""
    env = environment()
    names = [n for n in env.list_templates() if n.endswith(".sh.j2")]
    for name in names:
        env.get_template(name)
    return len(names)


@functools.lru_cache(maxsize=64)
def _from_source(source: str) -> jinja2.Template:
    return environment().from_string(source)


def render_source(source: str, /, **context: Any) -> ShellSafe:
    """A script from template text (tests build throwaway rules this way; the registered
    rules' templates are files, which a test enforces). Same environment, same quoting."""
    return ShellSafe(_from_source(source).render(**context))
