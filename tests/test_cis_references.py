"""The CIS references of the catalogue against their verification record.

docs/cis-references.md holds one row per (rule, CIS reference) with the public source the
number and title were checked against. These tests parse that table, so a reference
renamed, renumbered or added in a rule module without its row (or a row left behind
after a reference is dropped) fails here instead of shipping an unchecked number.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from proxguard.rules import ALL_RULES

DOC = Path(__file__).resolve().parent.parent / "docs" / "cis-references.md"
HEADER = ["rule", "benchmark", "section", "title", "source", "status"]
BENCHMARKS = {"CIS Debian 12 v1.1.0", "CIS Debian 11 v1.0.0", "CIS Controls v8"}
STATUS = re.compile(r"verified|unverified \(.+\)")


class Row(NamedTuple):
    rule: str
    benchmark: str
    section: str
    title: str
    source: str
    status: str


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _section(text: str, heading: str) -> list[str]:
    """The table lines under `## heading` (up to the next heading)."""
    lines = text.splitlines()
    start = lines.index(f"## {heading}") + 1
    out: list[str] = []
    for line in lines[start:]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            out.append(line)
    return out


def doc_rows(text: str) -> list[Row]:
    table = _section(text, "Verification table")
    assert _cells(table[0]) == HEADER, table[0]
    assert set(table[1].replace("|", "").strip()) <= {"-", " "}, table[1]
    rows = [Row(*_cells(line)) for line in table[2:]]
    assert all(len(_cells(line)) == len(HEADER) for line in table[2:])
    return rows


def source_keys(text: str) -> set[str]:
    return {_cells(line)[0] for line in _section(text, "Sources")[2:]}


def catalogue_refs() -> set[tuple[str, str, str, str]]:
    return {(r.id, ref.source, ref.id, ref.title) for r in ALL_RULES
            for ref in r.references if ref.source.startswith("CIS")}


def test_every_cis_reference_has_its_verification_row() -> None:
    documented = {(r.rule, r.benchmark, r.section, r.title) for r in doc_rows(DOC.read_text())}
    missing = catalogue_refs() - documented
    assert not missing, f"CIS references without a row in {DOC.name}: {sorted(missing)}"


def test_every_verification_row_is_a_reference_some_rule_carries() -> None:
    documented = {(r.rule, r.benchmark, r.section, r.title) for r in doc_rows(DOC.read_text())}
    stale = documented - catalogue_refs()
    assert not stale, f"rows in {DOC.name} no rule carries: {sorted(stale)}"


def test_rows_name_a_known_benchmark_a_defined_source_and_a_status() -> None:
    text = DOC.read_text()
    keys = source_keys(text)
    assert keys >= {"AL12", "CAC12", "AL11", "MC11", "CAS8"}
    rows = doc_rows(text)
    assert len(rows) == len(set(rows)), "duplicate rows"
    for row in rows:
        assert row.benchmark in BENCHMARKS, row
        assert re.fullmatch(r"\d+(\.\d+)*", row.section), row
        assert STATUS.fullmatch(row.status), row
        named = set(re.findall(r"\b[A-Z]+\d+\b", row.source)) & keys
        assert named, f"{row.rule} {row.section}: no source key from the Sources table"


def test_one_section_number_has_one_title_per_benchmark() -> None:
    titles: dict[tuple[str, str], set[str]] = {}
    for row in doc_rows(DOC.read_text()):
        titles.setdefault((row.benchmark, row.section), set()).add(row.title)
    clashes = {k: v for k, v in titles.items() if len(v) > 1}
    assert not clashes, clashes


def test_a_renamed_reference_is_caught() -> None:
    """The comparison is exact: the table of a catalogue whose title differs by one word
    (or one capital) is missing a row."""
    text = DOC.read_text().replace("| Ensure sshd MaxStartups is configured |",
                                   "| Ensure sshd MaxStartups is set |")
    documented = {(r.rule, r.benchmark, r.section, r.title) for r in doc_rows(text)}
    assert ("ssh-session-limits", "CIS Debian 12 v1.1.0", "5.1.18",
            "Ensure sshd MaxStartups is configured") in catalogue_refs() - documented
