"""The report's per-finding script joins its targets' scripts. Each target's script is a
complete script that may end early (`exit 0`, "nothing to do") or refuse (`exit 1`); run
one after the other in one shell, the first such exit skipped every later target. Each
part now runs in its own subshell, and the joined script's status says if any failed."""

from __future__ import annotations

import subprocess

from proxguard.remediation.shellenv import ShellSafe, render

EARLY = ShellSafe("set -eu\necho first\nexit 0\necho not-reached\n")
FAILS = ShellSafe("set -eu\necho second\nfalse\necho after-false\n")
LAST = ShellSafe("set -eu\necho third\n")


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False)


def test_an_early_exit_ends_only_its_own_part() -> None:
    out = _run(render("finding_scripts.sh.j2", scripts=[EARLY, FAILS, LAST]))
    assert out.stdout.split() == ["first", "second", "third"]
    # set -e stays in force inside each part (no `||` context switches it off)
    assert "after-false" not in out.stdout and "not-reached" not in out.stdout
    assert out.returncode == 1 and "1 of 3 parts failed" in out.stderr


def test_all_parts_succeeding_give_status_zero() -> None:
    out = _run(render("finding_scripts.sh.j2", scripts=[EARLY, LAST]))
    assert (out.returncode, out.stdout.split()) == (0, ["first", "third"])


def test_one_part_is_the_target_script_itself() -> None:
    assert render("finding_scripts.sh.j2", scripts=[LAST]).strip() == LAST.strip()
