"""The list of sources (sources.txt): what ProxGuard may read on a host, and nothing else.

The directory reader, the tarball reader, live mode and the collector script all take
their paths and commands from this one list, so "what the collector gathers" and "what an
audit of / opens" cannot drift apart (the collector's copy is generated from it and a test
compares the two). Run `python3 -m proxguard.inputs.sources --shell` to print the collector's
generated block.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

from proxguard.inputs.paths import glob_match

MANIFEST = "proxguard-manifest.json"
MANIFEST_KIND = "manifest"
COMMAND_KIND = "command_output"  # a command output no parser claims by path yet
TOKEN_DIR = "commands/pveum-user-token-list"

# Paths never read, whatever a list entry, a link or an archive says (docs/security.md).
_NEVER = re.compile(r"(?:^|/)etc/pve/priv(?:/|$)|(?:^|/)ssh_host_[^/]*$|(?:^|/)etc/g?shadow-?$"
                    r"|\.pw$|\.key$|\.keyring$|\.pem$|\.enc$")


@dataclass(frozen=True, slots=True)
class Source:
    pattern: str  # relative host path, glob(7) wildcards allowed
    kind: str | None  # input kind when no parser knows the path
    alias: bool  # a pmxcfs link on a node: read only where it is a real directory

    @property
    def is_glob(self) -> bool:
        return any(c in self.pattern for c in "*?[")


@dataclass(frozen=True, slots=True)
class Command:
    output: str  # file name under commands/, may hold {user}
    argv: tuple[str, ...]  # may hold {user}
    per_user: bool


@cache
def _parsed() -> tuple[tuple[Source, ...], tuple[Command, ...]]:
    text = resources.files("proxguard.inputs").joinpath("sources.txt").read_text(encoding="utf-8")
    return parse(text)


def parse(text: str) -> tuple[tuple[Source, ...], tuple[Command, ...]]:
    """The list's lines (see the header of sources.txt); a malformed line is a bug in
    the shipped file, so it raises."""
    sources: list[Source] = []
    commands: list[Command] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        what, rest = words[0], words[1:]
        if what in ("path", "alias") and 1 <= len(rest) <= 2:
            sources.append(Source(rest[0], rest[1] if len(rest) == 2 else None, what == "alias"))
        elif what in ("command", "per-user") and len(rest) >= 2:
            commands.append(Command(rest[0], tuple(rest[1:]), what == "per-user"))
        else:
            raise ValueError(f"sources.txt line {n}: cannot read {raw!r}")
    return tuple(sources), tuple(commands)


def sources() -> tuple[Source, ...]:
    return _parsed()[0]


def commands() -> tuple[Command, ...]:
    return _parsed()[1]


def reader_sources() -> tuple[Source, ...]:
    """What a reader of a tree or archive looks for: the paths, each command's output
    file, and the collector's manifest."""
    extra = [Source(f"commands/{c.output.replace('{user}', '*')}", COMMAND_KIND, False)
             for c in commands()]
    extra.append(Source(f"{TOKEN_DIR}/*", COMMAND_KIND, False))
    extra.append(Source(MANIFEST, MANIFEST_KIND, False))
    return (*sources(), *extra)


def never_read(rel: str) -> bool:
    """Secrets and key material: refused by name, before anything is opened."""
    return bool(_NEVER.search(rel))


def matches(pattern: str, rel: str) -> bool:
    """glob(7) for one list entry: `*`/`?` never cross `/` nor match a leading dot."""
    return glob_match(pattern, rel, hidden=False)


def listed(rel: str) -> Source | None:
    """The list entry a relative path belongs to, or None: unlisted paths are not read."""
    if never_read(rel):
        return None
    for s in reader_sources():
        if matches(s.pattern, rel):
            return s
    return None


def kind_of(rel: str) -> str | None:
    """The kind the list gives a path no parser claims (etc/group, apt sources …)."""
    s = listed(rel)
    return s.kind if s is not None else None


# -- the collector's generated block -------------------------------------------------

BEGIN = "# BEGIN GENERATED SOURCES"
END = "# END GENERATED SOURCES"


def _shell_words(words: tuple[str, ...]) -> str:
    out = []
    for w in words:
        pieces = [shlex.quote(p) if p else "" for p in w.split("{user}")]
        out.append('"$u"'.join(pieces))
    return " ".join(out)


def shell_block() -> str:
    """The part of scripts/proxguard-collect.sh that comes from this list."""
    lines = [f"{BEGIN} (python3 -m proxguard.inputs.sources --shell; from proxguard/inputs/sources.txt;",
             "# do not edit here: tests/test_sources.py fails when this block and the list differ)",
             "SOURCE_PATHS='"
             + "\n".join(s.pattern for s in sources() if not s.alias) + "'",
             "",
             "collect_listed_commands() {"]
    for c in commands():
        call = f"run_cmd {_shell_words((c.output,))} {_shell_words(c.argv)}"
        if c.per_user:
            lines += ["    for u in $PVE_USERS; do", f"        {call}", "    done"]
        else:
            lines.append(f"    {call}")
    lines += ["}", END]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv == ["--shell"]:
        sys.stdout.write(shell_block())
        return 0
    sys.stderr.write("usage: python3 -m proxguard.inputs.sources --shell\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
