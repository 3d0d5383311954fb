"""`nft list ruleset` output → LoadedRuleset.

nft prints a fixed layout [nft(8), "RULESET" and "CHAINS"]: `table <family> <name> {`,
inside it `chain <name> {` whose first statement of a base chain is `type <t> hook <h>
priority <p>; policy <accept|drop>;`, one rule per line, and `set`/`map`/`flowtable`/…
blocks whose element lists may span lines. Braces are counted outside quotes, so a
comment holding `}` cannot close a block; a line that fits nowhere is reported.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import InputFile
from proxguard.model.running import LoadedChain, LoadedRule, LoadedRuleset
from proxguard.text import printable

_TABLE = re.compile(r"^table (ip|ip6|inet|arp|bridge|netdev) (\S+) \{$")
_CHAIN = re.compile(r"^chain (\S+) \{$")
_BLOCK = re.compile(r"^(?:set|map|flowtable|counter|quota|ct helper|ct timeout|ct expectation|"
                    r"limit|secmark|synproxy) \S+ \{$")
_BASE = re.compile(r"^type (\w+) hook (\w+)(?: device \S+)? priority [^;]+;(?: policy (\w+);)?")
_QUOTED = re.compile(r'"[^"]*"')
_WITH_ARG = {"comment", "prefix", "level", "flags", "group", "snaplen"}  # log/comment options
MAX_DEPTH = 16  # nft nests table → chain/set → element braces; deeper is not nft output


def parse_nft_ruleset(f: InputFile, diags: Diagnostics) -> LoadedRuleset:
    rs = LoadedRuleset("nft list ruleset", f.path)
    family = table = ""
    chain: LoadedChain | None = None
    depth = 0  # 0 top, 1 in a table, 2 in a chain or block, >2 inside a block's braces
    for n, raw in enumerate(f.lines(), 1):
        line = raw.rstrip("\r").strip()
        if not line or line.startswith("#"):
            continue
        bare = _QUOTED.sub('""', line)
        if depth == 0:
            if m := _TABLE.match(line):
                family, table, depth = m.group(1), printable(m.group(2)), 1
            else:
                diags.warning(f.path, n, "not nft ruleset output (expected `table <family> "
                              "<name> {`); ignored")
        elif depth == 1:
            if m := _CHAIN.match(line):
                chain = LoadedChain(family, table, printable(m.group(1)), None, None, f.path, n)
                rs.chains.append(chain)
                depth = 2
            elif _BLOCK.match(line):
                chain, depth = None, 2
            elif line == "}":
                depth = 0
            else:
                diags.warning(f.path, n, "not a chain or set in a table; ignored")
        elif chain is not None and depth == 2:
            depth = _chain_line(chain, f, n, line, bare, diags)
            if depth == 1:
                chain = None
        else:
            depth = min(MAX_DEPTH, max(1, depth + bare.count("{") - bare.count("}")))
    if depth:
        diags.warning(f.path, 0, "unclosed table or chain: the dump is truncated")
    return rs


def _chain_line(chain: LoadedChain, f: InputFile, n: int, line: str, bare: str,
                diags: Diagnostics) -> int:
    """One statement inside a chain; returns the new depth (1 when the chain closes)."""
    if line == "}":
        return 1
    if m := _BASE.match(line):
        chain.hook = m.group(2) if m.group(1) == "filter" else None
        chain.policy = (m.group(3) or "accept").lower()
        return 2
    if bare.count("{") != bare.count("}"):
        diags.warning(f.path, n, "unbalanced braces in a rule; ignored")
        return 2
    chain.rules.append(_rule(bare, f, n))
    return 2


def _rule(bare: str, f: InputFile, n: int) -> LoadedRule:
    words = re.sub(r"\{[^{}]*\}", "{}", bare).split()
    verdict: str | None = None
    matches: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("accept", "drop", "reject", "return"):
            verdict = w
            break
        if w in ("jump", "goto") and i + 1 < len(words):
            verdict = f"{w}:{printable(words[i + 1])}"
            break
        if w == "counter":
            i += 5 if words[i + 1:i + 2] == ["packets"] else 1  # counter packets N bytes M
            continue
        if w in _WITH_ARG:
            i += 2
            continue
        if w != "log":
            matches.append(w)
        i += 1
    return LoadedRule(verdict, not matches, f.path, n)
