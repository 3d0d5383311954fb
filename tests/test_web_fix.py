"""The fix-loop façade (proxguard/web_fix.py) through `web.handle`, as the page calls it:
fix script for chosen targets, acceptances TOML in and out, history entries without raw
configs, and before/after comparison of two audits."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard import web

ROOT = Path(__file__).resolve().parents[1]
NOW = 1767225600  # 2026-01-01


def call(type_: str, payload: Any) -> dict[str, Any]:
    return json.loads(web.handle(type_, json.dumps(payload)))


def demo(name: str) -> dict[str, str]:
    root = ROOT / "examples" / name
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file()}


FRESH_FAILING = [
    ("root-ssh-password", "host"), ("password-auth-enabled", "host"),
    ("high-max-auth-tries", "host"),
    # the extended catalogue's SSH families (issue 12), same phase, registry order
    ("ssh-forwarding", "host"), ("ssh-tcp-forwarding", "host"), ("ssh-weak-crypto", "host"),
    ("ssh-session-limits", "host"), ("ssh-banner", "host"),
    ("ssh-default-port", "host"),
    ("firewall-disabled", "host"), ("no-2fa-users", "user/root@pam"),
    ("root-api-tokens", "token/root@pam!automation"),
    ("admin-api-tokens", "token/root@pam!automation"),
    ("no-token-expiry", "token/root@pam!automation"),
    # token-tiers (issue 12 item 6): root@pam's privsep=0 token is admin tier on /
    ("token-tiers", "token/root@pam!automation"),
    ("privileged-containers", "ct/100"), ("container-nesting", "ct/100"),
]


# -- fix_script ----------------------------------------------------------------------------

def test_fix_script_all_failing_in_safe_order() -> None:
    out = call("fix_script", {"files": demo("fresh-install"), "now": NOW})
    assert [(s["rule"], s["target"]) for s in out["selected"]] == FRESH_FAILING
    assert out["filename"] == "proxguard-fix.sh"
    assert out["dry_run"] is False
    assert out["unmatched"] == [] and out["accepted"] == []
    # choices grouped per rule in the script's order, everything preselected
    assert [c["rule"] for c in out["choices"]] == [r for r, _ in FRESH_FAILING]
    assert all(t["chosen"] for c in out["choices"] for t in c["targets"])
    assert out["choices"][0]["phase"] == "sshd settings"
    assert "PermitRootLogin yes" in out["choices"][0]["targets"][0]["evidence"]
    script = out["script"]
    # 17 chosen fixes plus the plan's own accept of the new SSH port (issue 11 item 14),
    # which runs with ssh-default-port and before it
    assert script.startswith("#!/usr/bin/env bash\n# ProxGuard fix-all: 18 fix(es) for 7 input")
    assert 'PROXGUARD_DRY_RUN="${PROXGUARD_DRY_RUN:-0}"' in script
    assert "# ---- fix 1/18: ssh-port-accept tcp/2222 [firewall accept rules]" in script
    assert script.index("ssh-port-accept tcp/2222 [") < script.index("ssh-default-port host [")
    assert "# ---- fix 17/18: privileged-containers ct/100 [containers]" in script
    assert "pct " in script and "100" in script  # the concrete CT, never a placeholder
    assert "<CTID>" not in script


def test_fix_script_chosen_targets_and_dry_run() -> None:
    chosen = [{"rule": "container-nesting", "target": "ct/100"},
              {"rule": "no-token-expiry", "target": "token/root@pam!automation"},
              {"rule": "container-nesting", "target": "ct/999"}]
    out = call("fix_script", {"files": demo("fresh-install"), "now": NOW,
                              "targets": chosen, "dry_run": True, "source": "Fresh install"})
    # the planner's order, not the order the page sent
    assert out["selected"] == [{"rule": "no-token-expiry", "target": "token/root@pam!automation"},
                               {"rule": "container-nesting", "target": "ct/100"}]
    assert out["unmatched"] == [{"rule": "container-nesting", "target": "ct/999"}]
    chosen_flags = {(c["rule"], t["id"]): t["chosen"] for c in out["choices"] for t in c["targets"]}
    assert chosen_flags[("container-nesting", "ct/100")] is True
    assert chosen_flags[("root-ssh-password", "host")] is False
    assert len(chosen_flags) == 17
    script = out["script"]
    assert "# ProxGuard fix-all: 2 fix(es) for Fresh install\n" in script
    assert 'PROXGUARD_DRY_RUN="${PROXGUARD_DRY_RUN:-1}"' in script
    assert "root-ssh-password" not in script


def test_fix_script_exclude_keeps_new_targets_preselected() -> None:
    out = call("fix_script", {"files": demo("fresh-install"), "now": NOW,
                              "exclude": [{"rule": "ssh-default-port", "target": "host"}]})
    pairs = [(s["rule"], s["target"]) for s in out["selected"]]
    assert pairs == [p for p in FRESH_FAILING if p != ("ssh-default-port", "host")]
    flags = {(c["rule"], t["id"]): t["chosen"] for c in out["choices"] for t in c["targets"]}
    assert flags[("ssh-default-port", "host")] is False
    assert flags[("firewall-disabled", "host")] is True


def test_fix_script_nothing_chosen_is_a_valid_noop() -> None:
    out = call("fix_script", {"files": demo("fresh-install"), "now": NOW, "targets": []})
    assert out["selected"] == []
    assert "nothing to fix" in out["script"]
    assert len(out["choices"]) == 17


def test_fix_script_skips_accepted_and_says_so() -> None:
    toml = '[[accept]]\nrule = "container-nesting"\ntarget = "ct/100"\nreason = "docker inside"\n'
    out = call("fix_script", {"files": demo("fresh-install"), "now": NOW, "acceptances": toml})
    assert ("container-nesting", "ct/100") not in {(s["rule"], s["target"]) for s in out["selected"]}
    assert out["accepted"] == [{"rule": "container-nesting", "target": "ct/100",
                                "reason": "docker inside"}]
    assert "#   not fixed (accepted risk): container-nesting ct/100 (docker inside)" in out["script"]
    assert "container-nesting" not in {c["rule"] for c in out["choices"]}


def test_fix_script_passes_bash_syntax_check(tmp_path: Path) -> None:
    out = call("fix_script", {"files": demo("fresh-install"), "now": NOW, "dry_run": True})
    path = tmp_path / out["filename"]
    path.write_text(out["script"], encoding="utf-8")
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0


def test_fix_script_source_label_cannot_break_out_of_the_comment() -> None:
    out = call("fix_script", {"files": demo("fresh-install"), "now": NOW, "targets": [],
                              "source": "x\nrm -rf /"})
    assert "\nrm -rf /" not in out["script"]
    assert "# ProxGuard fix-all: 0 fix(es) for x rm -rf /\n" in out["script"]


def test_fix_script_bad_payloads_are_messages() -> None:
    assert call("fix_script", {"files": {}, "targets": "all"}) == {
        "error": "`targets` must be a list of {rule, target} objects"}
    assert call("fix_script", {"files": {}, "targets": [["a", "b"]]}) == {
        "error": "each of `targets` must be an object {rule, target}"}
    assert call("fix_script", {"files": {}, "dry_run": "yes"}) == {
        "error": "`dry_run` must be true or false"}
    assert call("fix_script", {"profile": "strict"})["error"].startswith("unknown profile 'strict'")


# -- acceptances ---------------------------------------------------------------------------

def test_acceptances_export_then_import_round_trips() -> None:
    items = [{"rule": "privileged-containers", "target": "ct/110",
              "reason": 'needs "raw" device\naccess', "expires": "2027-06-30"},
             {"rule": "container-nesting", "target": "ct/104", "reason": "docker"}]
    out = call("acceptances_export", {"acceptances": items})
    assert out["diagnostics"] == []
    assert out["filename"] == "acceptances.toml"
    assert out["toml"] == (
        '[[accept]]\nrule = "privileged-containers"\ntarget = "ct/110"\n'
        'reason = "needs \\"raw\\" device access"\nexpires = 2027-06-30\n\n'
        '[[accept]]\nrule = "container-nesting"\ntarget = "ct/104"\nreason = "docker"\n')
    back = call("acceptances_import", {"toml": out["toml"]})
    assert back == {"acceptances": [
        {"rule": "privileged-containers", "target": "ct/110",
         "reason": 'needs "raw" device access', "expires": "2027-06-30"},
        {"rule": "container-nesting", "target": "ct/104", "reason": "docker"}],
        "diagnostics": []}


def test_acceptances_export_leaves_out_bad_entries_with_a_reason() -> None:
    items = [{"rule": "a", "target": "ct/1", "reason": "  "},
             {"rule": "b", "target": "ct/2", "reason": "ok", "expires": "next year"},
             {"rule": "", "target": "ct/3", "reason": "x"},
             "nope",
             {"rule": "c", "target": "ct/4", "reason": "first"},
             {"rule": "c", "target": "ct/4", "reason": "second", "expires": ""}]
    out = call("acceptances_export", {"acceptances": items})
    assert [d["message"] for d in out["diagnostics"]] == [
        "acceptance #1 (a ct/1): a reason is required; left out",
        "acceptance #2 (b ct/2): expiry 'next year' is not a date like 2027-06-30; left out",
        "acceptance #3: needs a rule and a target; left out",
        "acceptance #4: not an object; left out",
    ]
    assert out["acceptances"] == [{"rule": "c", "target": "ct/4", "reason": "second"}]
    assert out["toml"] == '[[accept]]\nrule = "c"\ntarget = "ct/4"\nreason = "second"\n'


def test_acceptances_import_keeps_good_entries_and_reports_bad_ones() -> None:
    toml = ('[[accept]]\nrule = "x"\ntarget = "ct/1"\n\n'
            '[[accept]]\nrule = "y"\ntarget = "ct/2"\nreason = "lab"\nexpires = 2026-02-01\n')
    out = call("acceptances_import", {"toml": toml, "name": "mine.toml"})
    assert out["acceptances"] == [{"rule": "y", "target": "ct/2", "reason": "lab",
                                   "expires": "2026-02-01"}]
    assert out["diagnostics"] == [{"level": "error", "file": "mine.toml", "line": 0,
                                   "message": "[[accept]] #1 (x ct/1): a reason is required; "
                                              "ignored"}]


def test_acceptances_import_not_toml_is_a_diagnostic() -> None:
    out = call("acceptances_import", {"toml": "[[accept]\nrule ="})
    assert out["acceptances"] == []
    assert len(out["diagnostics"]) == 1
    assert out["diagnostics"][0]["message"].startswith("acceptances.toml: not valid TOML")
    assert call("acceptances_import", {}) == {
        "error": "`toml` must be the text of an acceptances file"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_acceptances_import_never_raises(text: str) -> None:
    out = call("acceptances_import", {"toml": text})
    assert set(out) == {"acceptances", "diagnostics"}


# -- history and compare -------------------------------------------------------------------

def audit(files: dict[str, str], **extra: Any) -> dict[str, Any]:
    return call("audit", {"files": files, "now": NOW, **extra})["report"]


def test_history_entry_is_compact_and_holds_no_config_text() -> None:
    files = demo("fresh-install")
    report = audit(files)
    entry = call("history_entry", {"report": report, "label": "Fresh install"})["entry"]
    assert entry["schema"] == "proxguard-history/1"
    assert (entry["grade"], entry["score"], entry["profile"]) == ("F", 33, "extended")
    assert entry["label"] == "Fresh install"
    assert entry["audit_time"] == NOW
    assert {"path": "etc/ssh/sshd_config", "kind": "sshd_config",
            "sha256": next(i["sha256"] for i in report["inputs"]
                           if i["path"] == "etc/ssh/sshd_config")} in entry["inputs"]
    nesting = next(f for f in entry["findings"] if f["rule"] == "container-nesting")
    assert nesting == {"rule": "container-nesting", "status": "fail",
                       "targets": [{"id": "ct/100", "status": "fail"}]}
    assert "configs" not in entry
    text = json.dumps(entry)
    assert "PermitRootLogin" not in text and "evidence" not in text
    for body in files.values():  # no line of any input survives
        for line in body.splitlines():
            if len(line.strip()) > 12:
                assert line.strip() not in text
    assert len(text) < len(json.dumps(report)) / 4


def test_history_entry_keeps_configs_only_on_opt_in() -> None:
    files = {"etc/ssh/sshd_config": "PermitRootLogin yes\n"}
    report = audit(files)
    assert "configs" not in call("history_entry", {"report": report, "files": files})["entry"]
    kept = call("history_entry", {"report": report, "files": files, "keep_configs": True})
    assert kept["entry"]["configs"] == files
    assert kept["entry"]["label"] == "sshd_config"
    assert call("history_entry", {"report": report, "keep_configs": True}) == {
        "error": "`files` must be an object of name → text to keep configs"}


def test_history_fingerprint_same_audit_same_print() -> None:
    a = call("history_entry", {"report": audit(demo("agent-lab"))})["entry"]
    b = call("history_entry", {"report": audit(demo("agent-lab"))})["entry"]
    c = call("history_entry", {"report": audit(demo("agent-lab"), profile="compat")})["entry"]
    assert a["fingerprint"] == b["fingerprint"] != c["fingerprint"]


def test_compare_fresh_install_to_hardened() -> None:
    old = call("history_entry", {"report": audit(demo("fresh-install")), "label": "Fresh"})
    new = call("history_entry", {"report": audit(demo("hardened")), "label": "Hardened"})
    out = call("compare", {"old": old["entry"], "new": new["entry"]})
    cmp = out["comparison"]
    assert cmp["grade"] == {"before": "F", "after": "A"}
    # 20 before the extended catalogue (issue 12): its passing SSH and container checks
    # widen the denominator; the critical caps keep the grade at F
    assert cmp["score"] == {"before": 33, "after": 100, "delta": 67}
    assert [(i["rule"], i["target"]) for i in cmp["fixed"]] == sorted(FRESH_FAILING)
    assert cmp["new"] == [] and cmp["unchanged"] == []
    assert cmp["labels"] == {"before": "Fresh", "after": "Hardened"}
    assert {"id": "auth", "before": 50, "after": 100, "delta": 50} in cmp["categories"]
    assert "etc/pve/user.cfg" in cmp["inputs"]["changed"]
    assert "etc/pve/lxc/100.conf" in cmp["inputs"]["removed"]
    assert out["markdown"].startswith("## Compared with the previous report\n\n"
                                      "Grade F → A; score 33 → 100 (+67).")
    assert "### Fixed (17)" in out["markdown"]
    html = out["html"]
    assert '<span class="fl-grade g-F">F</span>' in html
    assert '<span class="fl-grade g-A">A</span>' in html
    assert "Before: Fresh 2026-01-01 00:00 UTC · After: Hardened 2026-01-01 00:00 UTC" in html
    assert '<section class="fl-cmp-list fl-fixed" data-list="fixed">' in html


def test_compare_accepts_full_reports_and_escapes_labels() -> None:
    old = audit(demo("agent-lab"))
    new = audit(demo("agent-lab"), acceptances='[[accept]]\nrule = "privileged-containers"\n'
                'target = "ct/110"\nreason = "r"\n')
    entry = call("history_entry", {"report": new, "label": "<img src=x onerror=alert(1)>"})
    out = call("compare", {"old": old, "new": entry["entry"]})
    assert out["comparison"]["fixed"] == [{"rule": "privileged-containers", "target": "ct/110",
                                          "title": "Privileged LXC containers"}]
    assert "<img" not in out["html"] and "&lt;img src=x" in out["html"]
    assert call("compare", {"old": {}, "new": new}) == {
        "error": "`old` must be a proxguard report or history entry"}


def test_fix_script_new_ssh_port_accept_comes_with_the_port_change() -> None:
    """The plan's own accept of the new SSH port is no checkbox: it runs exactly when
    ssh-default-port is chosen (issue 11 item 14)."""
    chosen = [{"rule": "ssh-default-port", "target": "host"}]
    out = call("fix_script", {"files": demo("fresh-install"), "now": NOW, "targets": chosen})
    assert out["selected"] == chosen
    assert "# ---- fix 1/2: ssh-port-accept tcp/2222 [firewall accept rules]" in out["script"]
    assert all(c["rule"] != "ssh-port-accept" for c in out["choices"])
    other = call("fix_script", {"files": demo("fresh-install"), "now": NOW,
                                "targets": [{"rule": "root-ssh-password", "target": "host"}]})
    assert "ssh-port-accept" not in other["script"]
