"""`iptables-save` and `ip6tables-save` output → LoadedRuleset.

The format is line-based [iptables-save(8), iptables-restore(8)]: `*table` opens a table,
`:CHAIN POLICY [packets:bytes]` declares a chain (policy `-` for user chains), `-A CHAIN
…` appends a rule, `COMMIT` closes the table, `#` starts a comment. Anything else is
reported with its line, never guessed at. Only the facts the rules need are extracted:
the verdict (`-j`/`-g` target) and whether the rule matches every packet. ip6tables-save
writes the same format [ip6tables-save(8)]; which family a dump holds is said by the
caller (the file's kind), never guessed here.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import InputFile
from proxguard.model.running import LoadedChain, LoadedRule, LoadedRuleset
from proxguard.text import printable

BUILTIN_HOOKS = {"INPUT": "input", "FORWARD": "forward", "OUTPUT": "output",
                 "PREROUTING": "prerouting", "POSTROUTING": "postrouting"}
_TABLE = re.compile(r"^\*([a-z]+)$")
_CHAIN = re.compile(r"^:([^\s:]+) (ACCEPT|DROP|-)(?: \[\d+:\d+\])?$")
# a word, or a double-quoted string with backslash escapes (iptables-save quotes comments);
# disjoint alternatives, so linear on hostile input
_WORD = re.compile(r'"(?:[^"\\\n]|\\.)*"|[^\s"]\S*|"')
_VERDICTS = {"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject", "RETURN": "return"}


def parse_iptables_save(f: InputFile, diags: Diagnostics, family: str = "ip") -> LoadedRuleset:
    """`family` is "ip" for an iptables-save dump, "ip6" for an ip6tables-save dump."""
    source = "ip6tables-save" if family == "ip6" else "iptables-save"
    rs = LoadedRuleset(source, f.path)
    table: str | None = None
    chains: dict[tuple[str, str], LoadedChain] = {}
    for n, raw in enumerate(f.lines(), 1):
        line = raw.rstrip("\r").strip()
        if not line or line.startswith("#"):
            continue
        if m := _TABLE.match(line):
            table = m.group(1)
        elif line == "COMMIT":
            if table is None:
                diags.warning(f.path, n, "COMMIT outside a table; ignored")
            table = None
        elif (m := _CHAIN.match(line)) and table is not None:
            name, policy = printable(m.group(1)), m.group(2)
            hook = BUILTIN_HOOKS.get(name) if policy != "-" else None
            chain = LoadedChain(family, table, name, hook if table == "filter" else None,
                                None if policy == "-" else policy.lower(), f.path, n)
            chains[(table, name)] = chain
            rs.chains.append(chain)
        elif line.startswith("-A ") and table is not None:
            _rule(f, n, line, table, chains, diags)
        else:
            diags.warning(f.path, n, f"not an {source} line (expected *table, :CHAIN, "
                          "-A CHAIN …, COMMIT or a comment); ignored")
    if table is not None:
        diags.warning(f.path, 0, f"table {table} has no COMMIT: the dump is truncated")
    return rs


def _rule(f: InputFile, n: int, line: str, table: str,
          chains: dict[tuple[str, str], LoadedChain], diags: Diagnostics) -> None:
    words = _WORD.findall(line)
    if any(w.startswith('"') and (len(w) < 2 or not w.endswith('"')) for w in words):
        diags.warning(f.path, n, "rule not readable (no closing quotation); ignored")
        return
    name = printable(words[1]) if len(words) > 1 else ""
    if (table, name) not in chains:
        diags.warning(f.path, n, f"rule for an undeclared chain {name!r}; ignored")
        return
    verdict, matches = _verdict(words[2:])
    chains[(table, name)].rules.append(LoadedRule(verdict, not matches, f.path, n))


def _verdict(words: list[str]) -> tuple[str | None, list[str]]:
    """The rule's verdict and its remaining match words (comments are not matches)."""
    matches: list[str] = []
    verdict: str | None = None
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-j", "--jump", "-g", "--goto") and i + 1 < len(words):
            target = printable(words[i + 1])
            jump = "goto" if w in ("-g", "--goto") else "jump"
            verdict = _VERDICTS.get(target, f"{jump}:{target}")
            break  # what follows are target options
        if w == "-m" and i + 2 < len(words) and words[i + 1] == "comment":
            i += 4 if words[i + 2] == "--comment" else 2
            continue
        matches.append(w)
        i += 1
    return verdict, matches
