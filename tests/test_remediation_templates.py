"""Every remediation template, rendered for every failing fixture target, is a script an
operator can run: valid bash, shellcheck-clean, concrete, with the required header.

Also the conventions the fix-all dry run relies on: files are changed by commands (cp,
tee, install, pvesh, ...), never by a shell redirection into a file, so a dry run can
intercept every change.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from harness import (
    bash_n,
    case_id,
    fail_cases,
    fixture_now,
    scripts_for,
    shellcheck,
)

import proxguard
from proxguard.remediation.plan import Context, combine, plan

CASES = fail_cases()
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*>|<(?:ctid|vmid|CTID|VMID|tokenid|userid|storage)>")
# a redirection into a file, except /dev/null, stderr and a mktemp scratch file ($TMP…)
_REDIRECT_TO_FILE = re.compile(
    r"(?<![0-9&<])>>?\s*(?!&|/dev/null|\"?\$\{?(?:TMP|tmp))(?:\"?\$|\"?/)")
# Template defects this test found, owned by the rule authors (reported to the lead).
# Strict: a fixed template XPASSes and fails, so its entry must be removed.
KNOWN: dict[str, str] = {}


def _code_lines(script: str) -> list[str]:
    return [ln for ln in script.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _scripts(case: tuple[str, Path, str]) -> list[tuple[str, str]]:
    rule, case_dir, profile = case
    report = proxguard.audit(proxguard.load_snapshot([case_dir]), profile=profile,
                             now=fixture_now(case_dir))
    scripts = scripts_for(report, rule)
    assert scripts, f"{case_id(case)}: no failing target rendered"
    return scripts


def test_there_are_fail_fixtures_for_the_finished_categories() -> None:
    rules = {c[0] for c in CASES}
    assert {"privileged-containers", "container-nesting", "nfs-no-root-squash",
            "cifs-world-readable"} <= rules


@pytest.mark.parametrize("case", [pytest.param(c, id=case_id(c), marks=[pytest.mark.xfail(
    strict=True, reason=KNOWN[c[0]])] if c[0] in KNOWN and "-match-" not in c[1].name else [])
    for c in CASES])
def test_rendered_script_is_valid_clean_and_concrete(case: tuple[str, Path, str]) -> None:
    for target, script in _scripts(case):
        where = f"{case_id(case)} {target}"
        assert script.startswith("#!/usr/bin/env bash\n"), where
        header = script.split("\nset -eu\n", 1)[0]
        assert "\nset -eu\n" in script, f"{where}: no set -eu"
        for part in ("# What it changes:", "# Disruption:", "# Undo"):
            assert f"\n{part}" in header, f"{where}: header lacks {part!r}"
        assert bash_n(script) == "", f"{where}: bash -n: {bash_n(script)}"
        assert shellcheck(script) == "", f"{where}:\n{shellcheck(script)}"
        code = _code_lines(script)
        assert not [ln for ln in code if _PLACEHOLDER.search(ln)], f"{where}: placeholder"
        assert not [ln for ln in code if re.search(r"\bsed\b[^|]*\s-i", ln)
                    and "/etc/pve" in ln], f"{where}: sed on /etc/pve"
        writes = [ln for ln in code if _REDIRECT_TO_FILE.search(ln)]
        assert not writes, f"{where}: writes a file by redirection (dry run cannot see it): {writes}"
        # `LINES=` holds sshd drop-in content (e.g. `Banner /etc/issue.net`): a path sshd
        # reads on the live host, data the script writes, not a file it touches
        unrooted = [ln for ln in code if re.search(r"(?<![\w}])/etc/", ln)
                    and "PROXGUARD_ROOT" not in ln
                    and not ln.lstrip().startswith(("echo ", "printf '%s\\n' ", "LINES="))]
        assert not unrooted, f"{where}: file path without ${{PROXGUARD_ROOT:-}}: {unrooted}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_fix_all_script_for_the_fixture_is_valid_and_clean(case: tuple[str, Path, str]) -> None:
    rule, case_dir, profile = case
    report = proxguard.audit(proxguard.load_snapshot([case_dir]), profile=profile,
                             now=fixture_now(case_dir))
    frags = plan(report.findings, [rule])
    assert [f.rule for f in frags if f.parent is None] == [rule] * len(report.finding(rule).failing)
    # the plan's own steps (the new SSH port's accept, issue 11 item 14) run with a parent
    assert all(f.parent is not None and f.parent[0] == rule for f in frags if f.rule != rule)
    script = combine(frags, Context(str(case_dir), profile, report.host.now))
    assert bash_n(script) == ""
    assert shellcheck(script) == "", shellcheck(script)


def test_redirect_lint_catches_what_it_must() -> None:
    """The lint above is only worth something if it fires on the real offenders."""
    bad = ['pct config "$VMID" > "$BACKUP"', 'echo x >> /etc/ssh/x.conf',
           'printf "%s" "$v" >"$F"', 'cat "$TMP" > "$MAIN"']
    good = ['echo hi >&2', 'grep -q x f >/dev/null', 'cmd 2>/dev/null', 'a | tee "$F" >/dev/null',
            '{ echo x; cat "$MAIN"; } > "$TMP"',
            '[ "$a" -gt 1 ]']
    assert [b for b in bad if _REDIRECT_TO_FILE.search(b)] == bad
    assert [g for g in good if _REDIRECT_TO_FILE.search(g)] == []
