"""Round trip: the rendered fix, applied to a copy of the failing fixture with stub
commands, makes the re-audit pass; a second run changes nothing; a failed sshd
validation puts the old configuration back and reloads nothing.

Fixes that cannot be scripted are listed in MANUAL with the reason; for those the test
proves the opposite: the script changes nothing and says what to do.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from harness import (
    MARKER_FILE_TEXT,
    OPERATOR_ENV,
    Sandbox,
    case_id,
    fail_cases,
    fixture_now,
    scripts_for,
)

CASES = fail_cases()

# (rule, fixture) → why no script can make the finding pass
MANUAL: dict[tuple[str, str], str] = {
    ("privileged-containers", "fail-idmap-root-to-host-root"):
        "raw lxc.idmap keys cannot be changed with pct; the script stops with the steps",
    ("cifs-world-readable", "fail-no-username-guest-mount"):
        "a guest mount needs an SMB account and its password (pvesm prompts for it); the "
        "options are already right, so the script changes nothing and says what to do",
    ("firewall-disabled", "fail-crlf-header"):
        "Proxmox ignores the CRLF file's sections and pvesh would rewrite it without them; "
        "converting it makes its ignored lines live at once, so the script stops with steps",
    ("fw-management-exposed", "fail-public-local-network"):
        "the built-in accept has no rule to edit: which network local_network and the "
        "management ipset should hold is the operator's design; the script prints the steps",
    ("lxc-raw-overrides", "fail-apparmor-unconfined-privileged"):
        "raw lxc.* keys have no pct/API setter; the script prints the lines to delete",
    ("lxc-raw-overrides", "fail-empty-cap-drop-and-all-devices"):
        "raw lxc.* keys have no pct/API setter; the script prints the lines to delete",
    ("lxc-raw-overrides", "fail-host-bind-mount-readonly"):
        "raw lxc.* keys have no pct/API setter; the script prints the lines to delete",
    ("guest-host-hooks", "fail-ct-lxc-pre-start-hook"):
        "lxc.hook.* keys have no pct/API setter; the script prints the lines to delete",
    ("fw-management-exposed", "fail-public-management-entry"):
        "the built-in accept has no rule to edit: which network local_network and the "
        "management ipset should hold is the operator's design; the script prints the steps",
}
MANUAL[("apt-channel", "fail-pvetest-deb822")] = (
    "a deb822 stanza lists several suites in one field; which to keep is the operator's "
    "edit, so the script prints the exact steps")
MANUAL[("fw-forward-policy", "fail-iptables-drop-ignored")] = (
    "pve-firewall (iptables) never applies policy_forward: switching the backend or "
    "dropping the line is the operator's choice; the script prints both")
MANUAL[("guest-management-access", "fail-guest-inside-local-network")] = (
    "local_network is the nodes' own network: moving guests off it (or narrowing the "
    "alias) is a network design step; the script prints the steps")
MANUAL_RULES: dict[str, str] = {
    "ram-budget": "which guests leave the always-on tier (or get less memory) is the "
                  "operator's choice; the script prints concrete pct/qm lines",
    "stale-pristine-snapshot": "refreshing a baseline means starting, updating and "
                               "re-snapshotting the guest; the script prints the steps",
    "sandbox-egress": "which mirrors or proxies a sandbox may reach is the operator's "
                      "choice; the script prints the steps and the check",
    "no-2fa-users": "TFA enrolment is interactive (a second factor must be registered by "
                    "its owner); the script prints the steps",
    "fw-shadowed-rule": "which of two conflicting rules is the intent is the operator's "
                        "decision (a move changes other packets too); the script prints "
                        "the rule and the steps",
    "ssh-tcp-forwarding": "a cluster needs TCP forwarding between its nodes for secure "
                          "migration; only the operator can scope the exception, so the "
                          "script prints the steps",
    "corosync-crypto": "crypto settings are read only when corosync starts, on every node "
                       "at once (HA services stopped first); the script prints the steps",
    "fw-unenforced-rule": "the intended form of a refused or disabled rule cannot be "
                          "guessed; the script prints the steps and `pve-firewall compile`",
}


# Rules whose fixed state is still not a pass: storage.cfg can show no_root_squash but
# never prove the server's export squashes root, so a fixed NFS storage is not assessed.
BEST_AFTER_FIX: dict[str, str] = {"nfs-no-root-squash": "not_evaluated"}

# Fixtures judged from captured command output (commands/…): a fix changes the host, not
# the capture, so their re-audit needs a new capture; round trips use the file fixtures.
CAPTURED: dict[tuple[str, str], str] = {
    (rule, case): "judged from captured command output"
    for rule in ("root-ssh-password", "password-auth-enabled", "high-max-auth-tries",
                 "ssh-auth-bypass")
    for case in ("fail-sshd-T",)
} | {
    ("ssh-weak-crypto", "fail-sshd-T-sha1-kex"): "judged from captured command output",
} | {
    ("root-api-tokens", "fail-listing-only"): "judged from a pveum listing",
    ("no-token-expiry", "fail-table-listing"): "judged from a pveum listing",
    ("root-api-tokens", "fail-incumbent-format"): "the incumbent's token format, which PVE "
                                                  "never writes; pveum cannot act on it",
} | {
    (rule, case.name): "judged from the running firewall's captured status and dumps"
    for rule in ("fw-not-running", "fw-ruleset-drift", "fw-loaded-input-accept")
    for case in (Path(__file__).parent / "fixtures" / rule).glob("fail-*")
}

# Template defects found by this harness, owned by the rule authors (reported to the lead).
# Strict: when a template is fixed the case XPASSes and fails, so the entry is removed.
# (rule, fixture) → the defect.
KNOWN: dict[tuple[str, str], str] = {}


def _manual(case: tuple[str, Path, str]) -> str | None:
    return MANUAL_RULES.get(case[0]) or MANUAL.get((case[0], case[1].name))


def _param(case: tuple[str, Path, str]) -> object:
    known = KNOWN.get((case[0], case[1].name))
    marks = [pytest.mark.xfail(strict=True, reason=known)] if known else []
    return pytest.param(case, id=case_id(case), marks=marks)


ROUND = [c for c in CASES if not _manual(c) and (c[0], c[1].name) not in CAPTURED]
HAND = [c for c in CASES if _manual(c)]
# everything that could need it: restores, token removal; and the operator's values
CONFIRM = {"PROXGUARD_CONFIRM": "1", **OPERATOR_ENV}


@pytest.mark.parametrize("case", [_param(c) for c in ROUND])
def test_fix_makes_the_finding_pass_and_is_idempotent(case: tuple[str, Path, str],
                                                      tmp_path: Path) -> None:
    rule, case_dir, profile = case
    now = fixture_now(case_dir)
    box = Sandbox.create(tmp_path, case_dir)
    scripts = scripts_for(box.audit(profile, now), rule)
    original = box.files()
    for target, script in scripts:
        res = box.run(script, **CONFIRM)
        assert res.returncode == 0, f"{target}: exit {res.returncode}\n{res.stdout}\n{res.stderr}"
    assert box.mutations() or box.files() != original, "the fix changed nothing"
    after = box.audit(profile, now).finding(rule)
    assert after.status.value == BEST_AFTER_FIX.get(rule, "pass"), "; ".join(
        f"{t.result.id}: {t.status.value}: {t.result.evidence}" for t in after.targets)

    files, calls = box.files(), len(box.mutations())
    for target, script in scripts:
        res = box.run(script, **CONFIRM)
        assert res.returncode == 0, f"second run {target}: {res.stderr}"
        assert "nothing to do" in res.stdout.lower() or "already" in res.stdout.lower(), (
            f"second run of {target} does not say that nothing was done:\n{res.stdout}")
    assert box.mutations()[calls:] == [], "the second run made changing calls"
    assert box.files() == files, "the second run changed files (backups included)"


@pytest.mark.parametrize("case", HAND, ids=[case_id(c) for c in HAND])
def test_manual_fix_changes_nothing_and_says_what_to_do(case: tuple[str, Path, str],
                                                        tmp_path: Path) -> None:
    rule, case_dir, profile = case
    box = Sandbox.create(tmp_path, case_dir)
    before = box.files()
    for _target, script in scripts_for(box.audit(profile, fixture_now(case_dir)), rule):
        res = box.run(script)
        assert (res.stdout + res.stderr).strip(), "a manual fix must say what to do"
    assert box.mutations() == []
    assert box.files(skip_backups=True) == {k: v for k, v in before.items()
                                            if not k.startswith("root/proxguard-backup")}


SSH = [c for c in ROUND if c[0] in ("root-ssh-password", "password-auth-enabled",
                                    "high-max-auth-tries", "ssh-default-port",
                                    "ssh-auth-bypass", "ssh-forwarding", "ssh-weak-crypto",
                                    "ssh-session-limits", "ssh-banner")]


@pytest.mark.parametrize("case", SSH, ids=[case_id(c) for c in SSH])
def test_failed_sshd_validation_restores_and_never_reloads(case: tuple[str, Path, str],
                                                           tmp_path: Path) -> None:
    """Validation runs under PROXGUARD_ROOT too (it only reads); a rejected change is
    undone completely, backups included, and sshd is never reloaded."""
    rule, case_dir, profile = case
    box = Sandbox.create(tmp_path, case_dir)
    scripts = scripts_for(box.audit(profile, fixture_now(case_dir)), rule)
    broken = box.root / "etc/ssh/sshd_config.d/99-stub-invalid.conf"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text(MARKER_FILE_TEXT)
    before = box.files()
    for target, script in scripts:
        res = box.run(script, **CONFIRM)
        assert res.returncode != 0, f"{target}: a failed sshd -t must fail the fix"
        assert "restoring" in res.stderr, res.stderr
    assert [c for c in box.calls() if c.startswith("R sshd -t -f ")], box.calls()
    assert not [c for c in box.mutations() if c.startswith("systemctl")], box.mutations()
    assert box.files() == before


def test_the_stub_validation_marker_really_fails_sshd_t(tmp_path: Path) -> None:
    box = Sandbox.create(tmp_path)
    (box.root / "etc/ssh/sshd_config.d").mkdir(parents=True)
    (box.root / "etc/ssh/sshd_config").write_text("Include /etc/ssh/sshd_config.d/*.conf\n")
    ok = box.run("sshd -t\n")
    (box.root / "etc/ssh/sshd_config.d/50-x.conf").write_text(MARKER_FILE_TEXT)
    bad = box.run("sshd -t\n")
    assert (ok.returncode, bad.returncode) == (0, 255)
    assert "50-x.conf line 1: Bad configuration option" in bad.stderr


def test_the_stub_edits_firewall_rules_by_position_as_pve_does(tmp_path: Path) -> None:
    """`pvesh get|set|delete …/rules/<pos>` count only lines PVE parses as rules; `set`
    rewrites the line in PVE's option order and `--moveto N` puts the rule before the rule
    that held position N, as API2/Firewall/Rules.pm does."""
    box = Sandbox.create(tmp_path)
    fw = box.root / "etc/pve/firewall/cluster.fw"
    fw.parent.mkdir(parents=True)
    fw.write_text("[OPTIONS]\n\nenable: 1\n\n[RULES]\n\nIN ACCEPT -p tcp -dport 8006 # web\n"
                  "not a rule\n|IN SSH(ACCEPT)\nIN DROP -p udp\n\n[group web]\n\nIN HTTP(ACCEPT)\n")
    got = box.run("pvesh get /cluster/firewall/rules/1 --output-format json\n"
                  "pvesh set /cluster/firewall/rules/0 --source +management --delete comment\n"
                  "pvesh set /cluster/firewall/rules/0 --moveto 2\n"
                  "pvesh delete /cluster/firewall/groups/web/0\n")
    assert got.returncode == 0, got.stderr
    assert got.stdout == ('{"pos":1,"type":"in","enable":0,"macro":"SSH","action":"ACCEPT"}\n')
    assert fw.read_text() == ("[OPTIONS]\n\nenable: 1\n\n[RULES]\n\nnot a rule\n|IN SSH(ACCEPT)\n"
                              "IN ACCEPT -source +management -p tcp -dport 8006\nIN DROP -p udp\n"
                              "\n[group web]\n")
    missing = box.run("pvesh get /cluster/firewall/rules/3\n")
    assert (missing.returncode, missing.stderr) == (2, "no rule at position 3\n")
