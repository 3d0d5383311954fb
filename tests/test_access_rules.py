"""The five access rules: exact evidence/severity, and their scripts (bash -n, shellcheck,
run against stub pveum/pvesh for confirmation gates and idempotence)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from proxguard.inputs import Snapshot
from proxguard.parsers.host import build_host
from proxguard.remediation.scripts import render_rule
from proxguard.rule import Rule, Severity, Status, TargetResult
from proxguard.rules.access import RULES
from proxguard.rules.access.admin_api_tokens import RULE as ADMIN
from proxguard.rules.access.no_2fa_users import RULE as NO2FA
from proxguard.rules.access.no_token_expiry import RULE as EXPIRY
from proxguard.rules.access.overpermissive_roles import RULE as OVERPERM
from proxguard.rules.access.root_api_tokens import RULE as ROOTTOK

U = "etc/pve/user.cfg"
CFG = ("user:root@pam:1:0::::::\nuser:alice@pve:1:0:::::x:\nuser:bob@pve:1:0::::::\n"
       "token:bob@pve!ci:0::\ntoken:root@pam!tf:0:1:\n\ngroup:admins:bob@pve,alice@pve::\n\n"
       "acl:1:/:@admins:Administrator:\nacl:1:/:alice@pve:PVEAuditor:\n"
       "acl:1:/vms:root@pam!tf:PVEVMUser:\n")


def run(rule: Rule, profile: str, files: dict[str, str], now: int = 1767225600) -> list[TargetResult]:
    host = build_host(Snapshot.from_texts(files), now=now)
    return list(rule.check(host, rule.profiles[profile].params))


def test_registry() -> None:
    assert [r.id for r in RULES] == ["no-2fa-users", "root-api-tokens", "overpermissive-roles",
                                     "admin-api-tokens", "no-token-expiry", "token-tiers",
                                     "corosync-crypto"]
    assert [r.category for r in RULES] == ["auth", "auth", "auth", "api", "api", "api", "auth"]
    compat = [r for r in RULES if "compat" in r.profiles]
    assert [r.profiles["compat"].severity for r in compat] == [
        Severity.HIGH, Severity.HIGH, Severity.MEDIUM, Severity.HIGH, Severity.MEDIUM]
    # issue 12: extended-only additions
    assert [(r.id, r.profiles["extended"].severity) for r in RULES if r not in compat] == [
        ("token-tiers", Severity.HIGH), ("corosync-crypto", Severity.HIGH)]


def test_no_2fa_evidence_and_root_info() -> None:
    ext = run(NO2FA, "extended", {U: CFG})
    assert [(r.id, r.status, r.severity, r.line) for r in ext] == [
        ("user/root@pam", Status.FAIL, Severity.INFO, 1), ("user/alice@pve", Status.PASS, None, 2),
        ("user/bob@pve", Status.FAIL, None, 3)]
    assert ext[2].evidence == ("bob@pve can log in and its keys field is empty: no TFA "
                               "(etc/pve/user.cfg:3); realm-enforced TFA unknown (domains.cfg "
                               "not supplied)")
    compat = run(NO2FA, "compat", {U: CFG})
    assert compat[0].severity is None and compat[2].evidence == (
        "bob@pve can log in and its keys field is empty: no TFA (etc/pve/user.cfg:3)")


def test_overpermissive_extended_names_deciding_line() -> None:
    res = {r.id: r for r in run(OVERPERM, "extended", {U: CFG})}
    alice = res["user/alice@pve"]  # her own entry beats the group's: latent, info only
    assert (alice.status, alice.severity, alice.line) == (Status.FAIL, Severity.INFO, 9)
    assert alice.evidence.startswith(
        "latent: acl:1:/:@admins:Administrator (etc/pve/user.cfg:9) is not effective for "
        "alice@pve today (PVEAuditor on / from acl:1:/:alice@pve:PVEAuditor "
        "(etc/pve/user.cfg:10))")
    bob = res["user/bob@pve"]
    assert (bob.status, bob.severity, bob.line) == (Status.FAIL, None, 9)
    assert bob.evidence.startswith(
        "bob@pve holds escalation privileges: Administrator-equivalent on / "
        "(Permissions.Modify there; can grant any role")
    assert bob.evidence.endswith(
        "— Administrator on / from acl:1:/:@admins:Administrator (etc/pve/user.cfg:9)")
    assert bob.facts == {"userid": "bob@pve", "direct": [], "via_groups": ["admins"],
                         "remaining_groups": ""}


def test_admin_tokens_extended_privsep_default_and_root() -> None:
    res = {r.id: r for r in run(ADMIN, "extended", {U: CFG})}
    assert res["token/bob@pve!ci"].status is Status.FAIL
    assert res["token/bob@pve!ci"].evidence.startswith(
        "token bob@pve!ci (privsep=0, etc/pve/user.cfg:4) holds escalation privileges: "
        "Administrator-equivalent on /")
    assert res["token/root@pam!tf"].status is Status.PASS  # privsep=1, only PVEVMUser on /vms


def test_near_admin_is_medium_only_without_escalation() -> None:
    # PVEAdmin on / propagating reaches User.Modify on /access/groups: an escalation, high
    cfg = "user:dev@pve:1:0::::::\ntoken:dev@pve!tf:0:0:\nacl:1:/:dev@pve:PVEAdmin:\n"
    (r,) = run(ADMIN, "extended", {U: cfg})
    assert (r.status, r.severity) == (Status.FAIL, None)
    assert "User.Modify on /access/groups (cluster reach;" in r.evidence
    # on / alone (not propagating) it is every PVEAdmin privilege there, but no escalation
    cfg = "user:dev@pve:1:0::::::\ntoken:dev@pve!tf:0:0:\nacl:0:/:dev@pve:PVEAdmin:\n"
    (r,) = run(ADMIN, "extended", {U: cfg})
    assert (r.status, r.severity) == (Status.FAIL, Severity.MEDIUM)
    assert "holds every PVEAdmin privilege on / (near-admin)" in r.evidence
    # PVEAdmin on one VM: what compat flags, extended keeps as a low finding
    cfg = "user:dev@pve:1:0::::::\ntoken:dev@pve!tf:0:0:\nacl:1:/vms/100:dev@pve:PVEAdmin:\n"
    (r,) = run(ADMIN, "extended", {U: cfg})
    assert (r.status, r.severity) == (Status.FAIL, Severity.LOW)
    assert "on /vms/100 (near-admin)" in r.evidence


def test_token_rules_and_expiry_evidence() -> None:
    (r,) = run(ROOTTOK, "extended", {U: "token:root@pam!tf:0:1:\n"})
    assert r.evidence == ("token root@pam!tf belongs to root@pam, privsep=1: limited to its own "
                          "token ACLs, which no Permissions check of root@pam narrows, never "
                          "expires (etc/pve/user.cfg:1)")
    cfg = "user:svc@pve:1:1800000000::::::\ntoken:svc@pve!mon:0:1:\n"
    (e,) = run(EXPIRY, "extended", {U: cfg})
    assert e.evidence == ("token svc@pve!mon has expire=0: it never expires (etc/pve/user.cfg:2); "
                          "only the expiry of its user svc@pve (1800000000) would end it")


def test_missing_user_cfg_is_not_evaluated_for_acl_rules() -> None:
    import proxguard
    snap = Snapshot.from_texts({"commands/pveum-user-token-list/joe@pve.json":
                                '[{"expire":0,"privsep":0,"tokenid":"ci"}]'})
    report = proxguard.audit(snap, profile="extended", now=0).to_json()
    status = {f["rule"]: f["status"] for f in report["findings"] if f["category"] in ("auth", "api")}
    assert status == {"no-2fa-users": "not_evaluated", "root-api-tokens": "pass",
                      "overpermissive-roles": "not_evaluated", "admin-api-tokens": "not_evaluated",
                      "no-token-expiry": "fail", "token-tiers": "not_evaluated",
                      "corosync-crypto": "not_evaluated", "apt-channel": "not_evaluated"}


# -- scripts ------------------------------------------------------------------------------

PVEUM = r"""#!/bin/sh
echo "pveum $*" >> "$PROXGUARD_ROOT/log"
case "$1 $2 $3" in
  "user token list") cat "$PROXGUARD_ROOT/tokens.json" 2>/dev/null || echo '[]' ;;
  "user token remove") echo '[]' > "$PROXGUARD_ROOT/tokens.json" ;;
  "user token modify") echo '{"expire":99,"privsep":1}' > "$PROXGUARD_ROOT/token.json" ;;
  "user tfa list") cat "$PROXGUARD_ROOT/tfa.txt" 2>/dev/null || true ;;
esac
"""
PVESH = r"""#!/bin/sh
echo "pvesh $*" >> "$PROXGUARD_ROOT/log"
case "$2" in
  /access/domains/*) cat "$PROXGUARD_ROOT/realm.json" 2>/dev/null || echo '{}' ;;
  *) cat "$PROXGUARD_ROOT/token.json" ;;
esac
"""


def _script(rule: Rule, result: TargetResult) -> str:
    return render_rule(rule, result)


def _exec(script: str, root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bin_dir = root / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in (("pveum", PVEUM), ("pvesh", PVESH)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(stat.S_IRWXU)
    (root / "etc/pve").mkdir(parents=True, exist_ok=True)
    (root / "etc/pve/user.cfg").write_text(CFG)
    path = root / "fix.sh"
    path.write_text(script)
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, check=False,
                          env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                               "PROXGUARD_ROOT": str(root), **env})


def _failing_scripts() -> list[tuple[str, str]]:
    hostile = CFG + "user:o'k$(x)@pve:1:0::::::\ntoken:o'k$(x)@pve!ab:0:0:\nacl:1:/:o'k$(x)@pve:Administrator:\n"
    out = []
    for rule in RULES:
        for profile in [p for p in ("compat", "extended") if p in rule.profiles]:
            for r in run(rule, profile, {U: hostile}):
                if r.status is Status.FAIL:
                    out.append((f"{rule.id}/{profile}/{r.id}", _script(rule, r)))
    return out


def test_every_failing_script_passes_bash_n_and_shellcheck() -> None:
    scripts = _failing_scripts()
    assert len(scripts) >= 10
    for name, script in scripts:
        assert script.startswith("#!/usr/bin/env bash\n# ProxGuard remediation: "), name
        assert "set -eu" in script and "<" + "CTID>" not in script
        assert subprocess.run(["bash", "-n"], input=script, text=True, check=False).returncode == 0, name
        if shutil.which("shellcheck"):
            sc = subprocess.run(["shellcheck", "-s", "bash", "-e", "SC2016", "-"], input=script, text=True,
                                capture_output=True, check=False)
            assert sc.returncode == 0, f"{name}: {sc.stdout}"  # SC2016: the hostile id itself


def test_root_token_removal_needs_confirmation_and_is_idempotent(tmp_path: Path) -> None:
    (r,) = [x for x in run(ROOTTOK, "extended", {U: CFG}) if x.status is Status.FAIL]
    script = _script(ROOTTOK, r)
    (tmp_path / "tokens.json").write_text('[{"expire":0,"privsep":1,"tokenid":"tf"}]\n')
    dry = _exec(script, tmp_path)
    assert dry.returncode == 0 and "Review, then run: pveum user token remove root@pam tf" in dry.stdout
    done = _exec(script, tmp_path, PROXGUARD_CONFIRM="1")
    assert done.returncode == 0, done.stderr
    assert "pveum user token remove root@pam tf" in (tmp_path / "log").read_text()
    assert [p.name[:9] for p in (tmp_path / "root/proxguard-backup").iterdir()] == ["user.cfg."]
    again = _exec(script, tmp_path, PROXGUARD_CONFIRM="1")
    assert "does not exist; nothing to do" in again.stdout
    assert (tmp_path / "log").read_text().count("token remove") == 1


def test_expiry_script_sets_expiry_once(tmp_path: Path) -> None:
    r = next(x for x in run(EXPIRY, "extended", {U: CFG}) if x.id == "token/bob@pve!ci")
    script = _script(EXPIRY, r)
    (tmp_path / "token.json").write_text('{"expire":0,"privsep":0}\n')
    first = _exec(script, tmp_path, PROXGUARD_TOKEN_DAYS="30")
    assert first.returncode == 0, first.stderr
    assert "pveum user token modify bob@pve ci --expire" in (tmp_path / "log").read_text()
    second = _exec(script, tmp_path)
    assert "already has an expiry date" in second.stdout
    assert (tmp_path / "log").read_text().count("token modify") == 1


@pytest.mark.parametrize("enforce", ["0", "1"])
def test_2fa_script_only_enforces_realm_on_request(tmp_path: Path, enforce: str) -> None:
    r = next(x for x in run(NO2FA, "extended", {U: CFG}) if x.id == "user/bob@pve")
    out = _exec(_script(NO2FA, r), tmp_path, PROXGUARD_ENFORCE_REALM_TFA=enforce)
    assert out.returncode == 0, out.stderr
    log = (tmp_path / "log").read_text()
    assert ("pveum realm modify pve --tfa type=oath" in log) == (enforce == "1")
    (tmp_path / "tfa.txt").write_text("bob@pve:\n\ttotp: 1234\n")
    assert "already has a second factor" in _exec(_script(NO2FA, r), tmp_path).stdout


def test_legacy_inline_keys_count_only_with_realm_tfa() -> None:
    cfg = "user:alice@pve:1:0:::::ccccccfcvkbl:\nuser:bob@corp:1:0:::::ccccccjtrhnd:\n"
    dom = ("pve: pve\n\tcomment PVE\n\nldap: corp\n\tbase_dn dc=corp\n\tuser_attr uid\n"
           "\tserver1 ldap.corp.example\n\ttfa type=yubico\n")
    ext = {r.id: r for r in run(NO2FA, "extended", {U: cfg, "etc/pve/domains.cfg": dom})}
    assert ext["user/alice@pve"].status is Status.FAIL
    assert ext["user/alice@pve"].evidence == (
        "alice@pve can log in with a password only: its keys field holds legacy inline key "
        "ids (etc/pve/user.cfg:1), which PVE uses only when the user's realm enforces TFA "
        "(AC AccessControl.pm add_old_keys_to_realm_tfa ignores them otherwise); realm pve "
        "(etc/pve/domains.cfg:1) does not enforce TFA")
    assert ext["user/bob@corp"].status is Status.PASS
    assert ext["user/bob@corp"].evidence.startswith(
        "keys field holds legacy inline key ids, used as the second factor because realm "
        "corp enforces TFA (tfa type=yubico, etc/pve/domains.cfg:8)")
    # without domains.cfg nothing can credit the keys: they fail like an empty field
    alone = {r.id: r for r in run(NO2FA, "extended", {U: cfg})}
    a, b = alone["user/alice@pve"], alone["user/bob@corp"]
    assert (a.status, b.status) == (Status.FAIL, Status.FAIL)
    assert a.evidence.endswith("realm-enforced TFA unknown (domains.cfg not supplied)")
    compat = {r.id: r for r in run(NO2FA, "compat", {U: cfg, "etc/pve/domains.cfg": dom})}
    assert [compat[t].status for t in ("user/alice@pve", "user/bob@corp")] == [
        Status.FAIL, Status.FAIL]
    assert compat["user/bob@corp"].evidence.endswith(
        "; compat does not read domains.cfg, so it cannot credit them")
