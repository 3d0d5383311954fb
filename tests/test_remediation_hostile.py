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
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from harness import OPERATOR_ENV, Sandbox, bash_n, case_id, fail_cases, fixture_now

import proxguard
from proxguard.engine.run import Finding, TargetOutcome
from proxguard.remediation.guard import GUARD_RULE
from proxguard.remediation.plan import Context, combine, plan
from proxguard.remediation.scripts import render_target

settings.register_profile("hostile-ci", max_examples=300, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("hostile-dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
HOSTILE_SETTINGS = settings.get_profile(
    os.environ.get("PROXGUARD_HOSTILE_PROFILE", "hostile-ci"))

CANARY = "pg-canary"
MARK = "PG_X"  # not alphanumeric: mktemp's random names (tmp.XXXXXXXXXX) can hold "PGX"
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
    """Every non-empty string in `value` (recursively) with the hostile text appended:
    prefixes such as `etc/ssh/sshd_config.d/` stay, so each value keeps its place."""
    if isinstance(value, str):  # an empty string stays empty: it chooses a template branch
        return value + bad if value else value
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


def _assert_contained(box: Sandbox, bad: str, where: str) -> int:
    """No canary; every stub argument holding part of `bad` holds all of it. Returns how
    many arguments carried it (so the run as a whole can show the stubs saw values)."""
    canaries = list(box.root.parent.rglob(CANARY))  # `touch pg-canary` ran
    assert not canaries, f"{where}: injected command ran: {canaries}"
    seen = 0
    for call in box.argv():
        for arg in call[1:]:
            if MARK in arg:
                assert bad in arg, f"{where}: {call[0]} got the hostile value split: {call!r}"
                seen += 1
    return seen


def _fix_all(findings: list[Finding], bad: str, source: Path) -> str:
    return combine(plan(findings), Context(f"{source}{bad}", "extended", 1767225600,
                                           (f"accepted-rule ct/1{bad} (reason{bad})",)))


def _run_contained(text: str, source: Path | None, bad: str, base: Path, where: str) -> int:
    """The fix-all as a dry run and for real, each in a fresh scratch copy of `source`;
    returns how many stub arguments carried the hostile value."""
    seen = 0
    # the operator's values are given, so the fixes that need them go past their
    # refusal and hand the poisoned ids to the stubs
    for extra in ({"PROXGUARD_DRY_RUN": "1", **OPERATOR_ENV},
                  {"PROXGUARD_DRY_RUN": "0", "PROXGUARD_CONFIRM": "1", **OPERATOR_ENV}):
        box = Sandbox.create(Path(tempfile.mkdtemp(dir=base)), source, recorder=True)
        box.run(text, **extra)
        seen += _assert_contained(box, bad, where)
    return seen


def check_contained(case: Case, bad: str, base: Path) -> Path:
    """Render one poisoned target's own script and the fix-all with it; `bash -n` both and
    run the fix-all. Returns the rule's script, written to a file for shellcheck."""
    finding = _poisoned(case, bad)
    script = render_target(finding, finding.targets[0])
    fix_all = _fix_all([finding], bad, case.dir)
    where = f"{case.name} with {bad!r}"
    for text in (script, fix_all):
        assert bash_n(text) == "", f"{where}: bash -n: {bash_n(text)}"
    if _run_contained(fix_all, case.dir, bad, base, where):
        _SEEN.add(case.finding.rule.id)
    path = base / "script.sh"
    path.write_text(script, encoding="utf-8", errors="surrogateescape")
    (base / "where.txt").write_text(where, encoding="utf-8", errors="backslashreplace")
    return path


# Each generated rule script, for the batched shellcheck below (one shellcheck process
# per script would cost more than all the rest of an example together).
_PENDING: list[Path] = []
# Rules whose poisoned script handed the hostile value to a stub at least once.
_SEEN: set[str] = set()


# Examples every run tries, whatever the random draw: a value holding a backslash and `n`
# reached `echo` in apt-channel's deb822 steps (shellcheck SC2028; now printf).
_DEB822 = next(c for c in CASES if c.name.startswith("apt-channel/fail-pvetest-deb822/"))


@HOSTILE_SETTINGS
@given(case=st.sampled_from(CASES), bad=HOSTILE)
@example(case=_DEB822, bad=MARK + "\\n" + MARK)
def test_hostile_values_stay_one_argument_in_every_template(case: Case, bad: str,
                                                            tmp_path_factory: pytest.TempPathFactory
                                                            ) -> None:
    base = tmp_path_factory.mktemp("hostile")
    _PENDING.append(check_contained(case, bad, base))


def test_the_generated_rule_scripts_pass_shellcheck() -> None:
    """Runs after the property test (file order): every script it generated, batched; and
    the stubs did see hostile values (from several rules), or the test proved nothing."""
    if not _PENDING:
        pytest.skip("the property test did not run in this session")
    assert len(_SEEN) >= (3 if len(_PENDING) >= 100 else 1), sorted(_SEEN)
    print(f"stubs saw hostile values from {len(_SEEN)} rules: {sorted(_SEEN)}")
    for i in range(0, len(_PENDING), 60):
        batch = _PENDING[i:i + 60]
        lint = _shellcheck(*batch)
        bad = [p.parent.joinpath("where.txt").read_text() for p in batch if str(p) in lint]
        assert lint == "", f"{bad}:\n{lint}"


def test_every_rule_with_a_template_is_covered() -> None:
    """The property test draws from every rule that has a remediation script."""
    from proxguard.rules import ALL_RULES

    scripted = {r.id for r in ALL_RULES if r.remediation.template}
    assert scripted <= {c.finding.rule.id for c in CASES}


def test_every_target_at_once_with_the_worst_payload(tmp_path: Path) -> None:
    """Deterministic sweep: every failing fixture target poisoned with one payload, all in
    one fix-all script (bash -n, shellcheck, dry run and real run on an empty root), and
    every rule script batched through shellcheck."""
    bad = (f"{MARK}$(touch {CANARY})\n`touch {CANARY}`;'\"\x1b[2J\r\ntouch {CANARY} # "
           f"\u202e\\{MARK}")
    findings = [_poisoned(case, bad) for case in CASES]
    scripts = []
    for n, finding in enumerate(findings):
        path = tmp_path / f"{n}.sh"
        path.write_text(render_target(finding, finding.targets[0]), encoding="utf-8")
        scripts.append(path)
    fix_all = _fix_all(findings, bad, tmp_path)
    # every target is in the plan (plus the plan's own accept for a new SSH port)
    assert len([f for f in plan(findings) if f.rule != GUARD_RULE]) == len(CASES)
    assert bash_n(fix_all) == ""
    (tmp_path / "all.sh").write_text(fix_all, encoding="utf-8")
    lint = _shellcheck(tmp_path / "all.sh", *scripts)
    assert lint == "", lint
    _run_contained(fix_all, None, bad, tmp_path, f"all targets with {bad!r}")


# -- end to end: hostile names and values in real config files, through `proxguard fix` ------

E2E_BAD = f"{MARK}$(touch {CANARY})`touch {CANARY}`;x'y\"z{MARK}"
# for places where the parser takes one word without quotes (a Match criterion, options)
E2E_WORD = f"{MARK}$(touch${{IFS}}{CANARY})`touch${{IFS}}{CANARY}`;x|y&z{MARK}"


def _hostile_host(root: Path) -> None:
    """A host whose files carry the payload where a real config can: a drop-in file name
    (sshd reads `*.conf` whatever else it holds), a Match criterion, mount options, a
    firewall rule comment; and a node directory Proxmox would reject (refused at input)."""
    ssh = root / "etc" / "ssh"
    (ssh / "sshd_config.d").mkdir(parents=True)
    (ssh / "sshd_config").write_text("Include /etc/ssh/sshd_config.d/*.conf\n"
                                     "PermitRootLogin yes\n", encoding="utf-8")
    (ssh / "sshd_config.d" / f"{E2E_BAD}.conf").write_text(
        f"PasswordAuthentication no\nMatch User {E2E_WORD}\n"
        "  PasswordAuthentication yes\n", encoding="utf-8")
    pve = root / "etc" / "pve"
    (pve / "firewall").mkdir(parents=True)
    (pve / "firewall" / "cluster.fw").write_text(
        "[OPTIONS]\n\nenable: 1\n\n[IPSET management]\n\n10.10.0.0/24\n\n[RULES]\n\n"
        f"IN ACCEPT -p tcp -dport 8006 # {E2E_BAD}\n", encoding="utf-8")
    (pve / "storage.cfg").write_text(
        "dir: local\n\tpath /var/lib/vz\n\tcontent iso\n\n"
        "nfs: nas\n\texport /export/pve\n\tpath /mnt/pve/nas\n\tserver 192.168.1.20\n"
        f"\tcontent backup\n\toptions vers=4.2,no_root_squash,{E2E_WORD}\n", encoding="utf-8")
    node = pve / "nodes" / f"n{E2E_BAD}"
    node.mkdir(parents=True)
    (node / "host.fw").write_text("[OPTIONS]\n\nenable: 1\n", encoding="utf-8")


def _pgstub_args(box: Sandbox) -> list[list[str]]:
    import shlex

    return [shlex.split(c[2:]) for c in box.calls()]


def test_hostile_config_files_through_the_fix_command(tmp_path: Path) -> None:
    source = tmp_path / "snapshot"
    _hostile_host(source)
    res = subprocess.run([sys.executable, "-m", "proxguard", "fix", str(source)],
                         capture_output=True, text=True, check=False, timeout=120)
    assert res.returncode == 0, res.stderr
    script = res.stdout
    # the payload reached the script (as data), from each place it was planted
    assert script.count(MARK) >= 4
    for rule in ("password-auth-enabled", "fw-management-exposed", "nfs-no-root-squash"):
        assert f"{rule} " in script
    assert bash_n(script) == ""
    (tmp_path / "fix.sh").write_text(script, encoding="utf-8")
    assert _shellcheck(tmp_path / "fix.sh") == ""
    audit = subprocess.run([sys.executable, "-m", "proxguard", "audit", str(source),
                            "--format", "json"], capture_output=True, text=True, check=False)
    diags = [d["message"] for d in __import__("json").loads(audit.stdout)["diagnostics"]]
    assert [m for m in diags if m.startswith("node name")], diags
    seen = 0
    for n, extra in enumerate(({"PROXGUARD_DRY_RUN": "1"},
                               {"PROXGUARD_DRY_RUN": "0", "PROXGUARD_CONFIRM": "1"})):
        box = Sandbox.create(tmp_path / f"run{n}", source)
        box.run(script, **extra)
        assert not list(tmp_path.rglob(CANARY)), "an injected command ran"
        for argv in _pgstub_args(box):
            for arg in argv:
                if MARK in arg:
                    assert E2E_WORD in arg or E2E_BAD in arg, argv
                    seen += 1
    assert seen, "no stub saw the hostile value: the test would prove nothing"
