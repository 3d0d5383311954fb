"""Hostile names and values cannot break out of a remediation script (issue 10, item 1).

Configs may come from a compromised host, so every string a check hands to a template
(ids, file names, Match criteria, mount options, rule comments, ...) is treated as an
attacker's. The property test takes every failing fixture target of every rule, appends a
generated hostile string (`$(…)`, backticks, `;`, quotes, newlines, control characters,
unicode) to every string the template receives, and renders the rule's own script and the
combined `proxguard fix` script from it. Each must pass `bash -n` and `shellcheck`, and
then run (the fix-all both as a dry run and for real) under the recording stubs in a
scratch copy of the fixture with PROXGUARD_ROOT: no canary file may appear, and every
argument a stub received that holds part of the hostile string holds all of it.

The end-to-end test does the same from real config files through the CLI.

Examples: the `hostile-ci` settings profile (≥ 300, the default, what CI runs); set
PROXGUARD_HOSTILE_PROFILE=hostile-dev for a quick local run.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from harness import Sandbox, bash_n, case_id, fail_cases, fixture_now

import proxguard
from proxguard.engine import Finding, TargetOutcome
from proxguard.fix import Context, combine, plan
from proxguard.remediation import render_target

settings.register_profile("hostile-ci", max_examples=300, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("hostile-dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
HOSTILE_SETTINGS = settings.get_profile(
    os.environ.get("PROXGUARD_HOSTILE_PROFILE", "hostile-ci"))

CANARY = "pg-canary"
MARK = "PGX"
# What an attacker would put in a name or value. `/` is left out: no name Proxmox or sshd
# accepts holds one, and a traversal would let the real cp/mv of a test leave the scratch
# directory (refusing such names is tested at input, test_names.py).
PAYLOADS = (
    f"$(touch {CANARY})", f"`touch {CANARY}`", f";touch {CANARY};", f"|touch {CANARY}",
    f"&&touch {CANARY}", f"\ntouch {CANARY}\n", f"\r\ntouch {CANARY} #", f"'$(touch {CANARY})'",
    f'"$(touch {CANARY})"', f"\\\"; touch {CANARY}; #", "'", '"', "\\", "$IFS", "${PATH}",
    "*", "?", "[a]", "--delete", "-rf", " # ", "\t", "\x1b[31m", "\x1b]0;owned\x07", "\x7f",
    "\x01", "\u202e", "\u2028", "é", "“x”", "‘y’", "＄（touch）", "{{ x }}", "%s%n", "!!", "~",
    "<script>", "&amp;", "\\n", "$'\\x41'", "' \"'\"' ",
)
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters="\x00/"), max_size=4)
HOSTILE = st.lists(st.one_of(st.sampled_from(PAYLOADS), _TEXT), min_size=1, max_size=5).map(
    lambda parts: MARK + "".join(parts) + MARK)


# -- the fixture targets, audited once -----------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    dir: Path
    profile: str
    finding: Finding
    outcome: TargetOutcome


def _cases() -> list[Case]:
    out = []
    for rule, case_dir, profile in fail_cases():
        report = proxguard.audit(proxguard.load_snapshot([case_dir]), profile=profile,
                                 now=fixture_now(case_dir))
        finding = report.finding(rule)
        for t in finding.failing:
            out.append(Case(f"{case_id((rule, case_dir, profile))} {t.result.id}",
                            case_dir, profile, finding, t))
    return out


CASES = _cases()


def _poison(value: Any, bad: str) -> Any:
    """Every string in `value` (recursively) with the hostile text appended: prefixes such
    as `etc/ssh/sshd_config.d/` stay, so each value keeps its place in the script."""
    if isinstance(value, str):
        return value + bad
    if isinstance(value, Mapping):
        return {k: _poison(v, bad) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_poison(v, bad) for v in value)
    return value


def _poisoned(case: Case, bad: str) -> Finding:
    r = case.outcome.result
    result = dataclasses.replace(
        r, id=r.id + bad, evidence=r.evidence + bad,
        conditional=None if r.conditional is None else r.conditional + bad,
        file=None if r.file is None else r.file + bad, facts=_poison(dict(r.facts), bad))
    outcome = dataclasses.replace(case.outcome, result=result)
    return dataclasses.replace(case.finding, targets=[outcome])


def _shellcheck(*scripts: Path) -> str:
    res = subprocess.run(["shellcheck", "-s", "bash", *map(str, scripts)], capture_output=True,
                         text=True, check=False)
    return res.stdout if res.returncode else ""


def _assert_contained(box: Sandbox, bad: str, where: str) -> None:
    canaries = [p for p in box.root.parent.rglob(f"*{CANARY}*")]
    assert not canaries, f"{where}: injected command ran: {canaries}"
    for call in box.argv():
        for arg in call[1:]:
            if MARK in arg:
                assert bad in arg, f"{where}: {call[0]} got the hostile value split: {call!r}"


def check_contained(case: Case, bad: str, base: Path) -> None:
    """Render, lint and run one poisoned target: its own script and the fix-all."""
    finding = _poisoned(case, bad)
    outcome = finding.targets[0]
    script = render_target(finding, outcome)
    frags = plan([finding])
    fix_all = combine(frags, Context(f"{case.dir}{bad}", case.profile, 1767225600,
                                     (f"accepted-rule ct/1{bad} (reason{bad})",)))
    where = f"{case.name} with {bad!r}"
    for text in (script, fix_all):
        assert bash_n(text) == "", f"{where}: bash -n: {bash_n(text)}"
    (base / "one.sh").write_text(script, encoding="utf-8", errors="surrogateescape")
    (base / "all.sh").write_text(fix_all, encoding="utf-8", errors="surrogateescape")
    lint = _shellcheck(base / "one.sh", base / "all.sh")
    assert lint == "", f"{where}:\n{lint}"
    for text, extra in ((script, {"PROXGUARD_CONFIRM": "1"}),
                        (fix_all, {"PROXGUARD_DRY_RUN": "1"}),
                        (fix_all, {"PROXGUARD_DRY_RUN": "0", "PROXGUARD_CONFIRM": "1"})):
        box_dir = Path(tempfile.mkdtemp(dir=base))
        box = Sandbox.create(box_dir, case.dir, recorder=True)
        box.run(text, **extra)
        _assert_contained(box, bad, where)


@HOSTILE_SETTINGS
@given(case=st.sampled_from(CASES), bad=HOSTILE)
def test_hostile_values_stay_one_argument_in_every_template(case: Case, bad: str,
                                                            tmp_path: Path) -> None:
    base = Path(tempfile.mkdtemp(dir=tmp_path))
    check_contained(case, bad, base)


def test_every_rule_with_a_template_is_covered() -> None:
    """The property test draws from every rule that has a remediation script."""
    from proxguard.rules import ALL_RULES

    scripted = {r.id for r in ALL_RULES if r.remediation.template}
    assert scripted <= {c.finding.rule.id for c in CASES}


@pytest.mark.parametrize("bad", [f"{MARK}$(touch {CANARY})\n`touch {CANARY}`;'\"\x1b[2J{MARK}",
                                 f"{MARK}\r\ntouch {CANARY} # \u202e{MARK}"])
def test_each_fixture_target_once_with_the_worst_payloads(bad: str, tmp_path: Path) -> None:
    """Deterministic sweep: every failing fixture target, two fixed payloads."""
    for n, case in enumerate(CASES):
        base = tmp_path / str(n)
        base.mkdir()
        check_contained(case, bad, base)
