"""proxguard.web: the browser's JSON façade answers every request with JSON, never raises,
and audits exactly what the CLI would audit from the same files."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proxguard
from proxguard.web import handle
from proxguard.web.protocol import host_path

ROOT = Path(__file__).resolve().parent.parent
NOW = 1767225600
STORAGE = "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n"
NFS = ("nfs: backup\n\texport /srv/backup\n\tpath /mnt/pve/backup\n\tserver 10.0.0.5\n"
       "\tcontent backup\n\toptions vers=4.2,no_root_squash\n")
LXC = "arch: amd64\nfeatures: nesting=1\nhostname: web\nostype: debian\nrootfs: local:100/vm-100-disk-0.raw,size=8G\n"


def call(kind: str, payload: object) -> dict:
    out = handle(kind, json.dumps(payload))
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def _failing(report: dict) -> set[tuple[str, str]]:
    return {(f["rule"], t["id"]) for f in report["findings"] for t in f["targets"]
            if t["status"] == "fail"}


def test_version_lists_profiles_and_kinds() -> None:
    v = call("version", {})
    assert v["version"] == proxguard.__version__
    assert v["profiles"] == ["compat", "extended"]
    assert v["kinds"]["user_cfg"] == "user.cfg"


def test_demos_agent_lab_first_with_host_paths() -> None:
    demos = call("demos", {})["demos"]
    assert [d["id"] for d in demos] == ["agent-lab", "fresh-install", "hardened"]
    assert demos[0]["title"] == "Agent lab"
    lab = demos[0]["files"]
    expected = (ROOT / "examples/agent-lab/etc/pve/lxc/110.conf").read_text()
    assert lab["etc/pve/lxc/110.conf"] == expected
    assert "etc/ssh/sshd_config.d/10-homelab.conf" in lab


def test_audit_of_a_demo_equals_the_cli_audit_of_its_directory() -> None:
    for demo in call("demos", {})["demos"]:
        for profile in ("compat", "extended"):
            got = call("audit", {"files": demo["files"], "profile": profile, "now": NOW})
            want = proxguard.audit(proxguard.load_snapshot([ROOT / "examples" / demo["id"]]),
                                   profile=profile, now=NOW).to_json()
            assert got["report"] == want, (demo["id"], profile)
            assert got["diagnostics"] == want["diagnostics"]
            assert 'id="grade"' in got["html"]


def test_the_agent_lab_carries_its_documented_exceptions_apart_from_its_files() -> None:
    """acceptances.toml is not a host file: it travels beside the files, and audited with
    them it accepts exactly the privileged PBS container, the two Docker hosts and the
    three sandboxes' missing backups, as
    `proxguard audit examples/agent-lab --accept examples/agent-lab/acceptances.toml`."""
    demos = {d["id"]: d for d in call("demos", {})["demos"]}
    lab = demos["agent-lab"]
    assert "acceptances.toml" not in lab["files"]
    assert (ROOT / "examples/agent-lab/README.md").is_file() and "README.md" not in lab["files"]
    assert lab["acceptances"] == (ROOT / "examples/agent-lab/acceptances.toml").read_text()
    assert demos["hardened"]["acceptances"] == ""
    got = call("audit", {"files": lab["files"], "acceptances": lab["acceptances"],
                         "profile": "extended", "now": NOW})["report"]
    accepted = {(f["rule"], t["id"]) for f in got["findings"] for t in f["targets"]
                if t["status"] == "accepted"}
    assert accepted == {("privileged-containers", "ct/110"), ("container-nesting", "ct/104"),
                        ("container-nesting", "ct/105"),
                        *{("backup-coverage", f"ct/{v}") for v in (120, 121, 122)}}
    assert got["acceptances"]["stale"] == []
    # the PBS container's missing backup is not accepted: it still fails, so still a B
    assert ("backup-coverage", "ct/110") in _failing(got)
    assert (got["grade_without_acceptances"], got["score_without_acceptances"]) == ("B", 81)
    assert (got["grade"], got["score"]) == ("B", 86)


def test_box_kind_mismatch_moves_the_text_to_its_kind_with_a_note() -> None:
    # issue 13 item 10: storage.cfg text in the user.cfg box is audited as storage.cfg
    r = call("audit", {"files": {"user.cfg": STORAGE}, "kinds": {"user.cfg": "user_cfg"}})
    note = ("this looks like storage.cfg, not user.cfg: audited as storage.cfg "
            "(etc/pve/storage.cfg)")
    assert r["inputs"] == [{"name": "user.cfg", "path": "etc/pve/storage.cfg",
                            "kind": "storage_cfg", "label": "storage.cfg",
                            "messages": [note], "moved_from": "user_cfg"}]
    assert {"file": "user.cfg", "line": 0, "level": "info", "message": note} in r["diagnostics"]
    assert [(i["path"], i["kind"]) for i in r["report"]["inputs"]] == [
        ("etc/pve/storage.cfg", "storage_cfg")]


def test_boxes_with_ids_land_at_host_paths_and_are_judged() -> None:
    r = call("audit", {"files": {"lxc/104.conf": LXC, "storage.cfg": NFS},
                       "kinds": {"lxc/104.conf": "lxc_conf", "storage.cfg": "storage_cfg"},
                       "profile": "extended", "now": NOW})
    assert [(i["path"], i["kind"]) for i in r["inputs"]] == [
        ("etc/pve/lxc/104.conf", "lxc_conf"), ("etc/pve/storage.cfg", "storage_cfg")]
    assert ("container-nesting", "ct/104") in _failing(r["report"])
    assert ("nfs-no-root-squash", "storage/backup") in _failing(r["report"])


def test_auto_box_and_loose_files_get_the_path_of_their_detected_kind() -> None:
    r = call("audit", {"files": {"pasted-file": STORAGE, "notes.txt": "hello"},
                       "kinds": {"pasted-file": "auto"}})
    by_name = {i["name"]: i for i in r["inputs"]}
    assert by_name["pasted-file"]["path"] == "etc/pve/storage.cfg"
    assert by_name["pasted-file"]["messages"] == []
    assert by_name["notes.txt"]["kind"] == "unknown"
    assert by_name["notes.txt"]["messages"] == ["file kind not recognised; it is not assessed"]


def test_dropped_folder_prefix_is_cut_to_the_host_path() -> None:
    assert host_path("lab-backup/etc/pve/storage.cfg") == "etc/pve/storage.cfg"
    assert host_path("/x/y/etc/ssh/sshd_config.d/10-a.conf") == "etc/ssh/sshd_config.d/10-a.conf"
    assert host_path("x/commands/pveversion.txt") == "commands/pveversion.txt"
    assert host_path("etc/notes/etc/pve/user.cfg") == "etc/pve/user.cfg"
    assert host_path("storage.cfg") == "storage.cfg"
    r = call("audit", {"files": {"lab/etc/pve/storage.cfg": NFS}, "now": NOW})
    assert r["inputs"][0]["path"] == "etc/pve/storage.cfg"
    assert r["report"]["inputs"][0]["path"] == "etc/pve/storage.cfg"


def _tarball(files: dict[str, str]) -> str:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return base64.b64encode(buf.getvalue()).decode()


def test_collector_tarball_is_decoded_and_audited() -> None:
    tb = _tarball({"proxguard-pve1-20260101/etc/pve/storage.cfg": NFS,
                   "proxguard-pve1-20260101/etc/pve/lxc/104.conf": LXC})
    r = call("audit", {"tarballs": [{"name": "pve1.tar.gz", "data": tb}], "now": NOW})
    assert r["inputs"] == [{"name": "pve1.tar.gz", "path": None, "kind": "tarball",
                            "label": "archive with 2 file(s)",
                            "files": ["etc/pve/lxc/104.conf", "etc/pve/storage.cfg"],
                            "messages": []}]
    assert r["report"]["grade"] is not None
    assert ("nfs-no-root-squash", "storage/backup") in _failing(r["report"])
    plain = call("audit", {"tarballs": [tb], "now": NOW})  # the contract's bare string form
    assert plain["report"] == r["report"]


def test_broken_tarballs_become_diagnostics_not_errors() -> None:
    r = call("audit", {"tarballs": ["@@not base64@@",
                                    base64.b64encode(b"plain text, not a tar").decode()]})
    assert "error" not in r
    assert [i["messages"] for i in r["inputs"]] == [
        ["not base64 data; the archive was not read"],
        [r["inputs"][1]["messages"][0]]]
    assert r["inputs"][1]["messages"][0].startswith("archive 2: not a readable tar archive")
    assert r["report"]["grade"] is None


def test_secret_files_are_refused_unread() -> None:
    r = call("audit", {"files": {"etc/pve/priv/shadow.cfg": "root:x"}})
    assert r["inputs"][0]["path"] is None
    assert r["inputs"][0]["messages"][0].startswith("secret file refused")
    assert r["report"]["inputs"] == []


def test_acceptances_text_is_applied() -> None:
    toml = ('[[accept]]\nrule = "nfs-no-root-squash"\ntarget = "storage/backup"\n'
            'reason = "export is read-only"\n')
    r = call("audit", {"files": {"etc/pve/storage.cfg": NFS}, "acceptances": toml, "now": NOW})
    f = next(f for f in r["report"]["findings"] if f["rule"] == "nfs-no-root-squash")
    assert f["status"] == "accepted"
    assert call("audit", {"acceptances": "not [toml"})["error"].startswith("acceptances.toml")


def test_xss_in_names_and_text_stays_inert_in_the_fragment() -> None:
    evil = "<script>alert(1)</script>"
    r = call("audit", {"files": {f"{evil}.txt": f"{evil}\n", "etc/pve/storage.cfg":
                                 NFS.replace("10.0.0.5", f"10.0.0.5{evil}")}})
    assert "<script>" not in r["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r["html"]


def test_render_formats() -> None:
    report = call("audit", {"files": {"etc/pve/storage.cfg": NFS}, "now": NOW})["report"]
    assert json.loads(call("render", {"report": report, "format": "json"})["text"]) == report
    sarif = json.loads(call("render", {"report": report, "format": "sarif"})["text"])
    assert sarif["version"] == "2.1.0"
    html = call("render", {"report": report, "format": "html"})["text"]
    assert html.startswith("<!doctype html>") and 'id="finding-nfs-no-root-squash"' in html


def test_errors_are_json_messages() -> None:
    assert json.loads(handle("audit", "{nope"))["error"].startswith(
        "the request payload is not valid JSON")
    assert json.loads(handle("audit", "[1]")) == {"error": "the request payload must be a JSON object"}
    from proxguard.web.facade import _HANDLERS

    assert json.loads(handle("scan", "{}"))["error"] == (
        f"unknown request type 'scan'; expected one of {', '.join(sorted(_HANDLERS))}")
    assert {"audit", "demos", "render", "version", "firewall", "fix_script"} <= set(_HANDLERS)
    assert call("audit", {"profile": "strict"}) == {
        "error": "unknown profile 'strict'; choose one of compat, extended"}
    assert call("audit", {"files": ["a"]}) == {"error": "`files` must be an object of name → text"}
    assert call("audit", {"files": {"a": "b"}, "kinds": {"a": "passwd"}}) == {
        "error": "a: unknown file kind 'passwd'"}
    assert call("audit", {"now": "today"}) == {"error": "`now` must be epoch seconds (an integer)"}
    assert call("render", {"report": {}, "format": "json"}) == {
        "error": "`report` must be a proxguard-report/1 object"}
    assert call("render", {"report": {"schema": "proxguard-report/1"}, "format": "pdf"})[
        "error"].startswith("unknown format 'pdf'")


def test_empty_audit_is_not_assessed() -> None:
    r = call("audit", {})
    assert r["report"]["grade"] is None and r["inputs"] == []
    assert all(f["status"] == "not_evaluated" for f in r["report"]["findings"])


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(["audit", "render", "demos", "version", "x"]), payload=_json)
def test_handle_never_raises_on_any_json(kind: str, payload: object) -> None:
    out = json.loads(handle(kind, json.dumps(payload)))
    assert isinstance(out, dict)
    # a payload of the wrong shape is the page's mistake, answered as such, not a crash
    assert not str(out.get("error", "")).startswith("internal error"), out


@settings(max_examples=200, deadline=None)
@given(files=st.dictionaries(st.text(min_size=1, max_size=30), st.text(max_size=200), max_size=4),
       kind=st.sampled_from(["auto", "sshd_config", "user_cfg", "storage_cfg", "lxc_conf",
                             "cluster_fw", "token_list"]))
def test_audit_never_raises_on_random_files(files: dict[str, str], kind: str) -> None:
    out = call("audit", {"files": files, "kinds": dict.fromkeys(files, kind)})
    assert "error" not in out, out.get("error")
    assert out["report"]["schema"] == "proxguard-report/1"


@pytest.mark.parametrize("name", ["sshd_config", "pve1-sshd_config", "sshd_config.txt",
                                  "my.sshd_config", "sshd.conf"])
def test_a_dropped_sshd_file_under_a_decorated_name_is_the_main_config(name: str) -> None:
    r = call("audit", {"files": {name: "PermitRootLogin yes\nPasswordAuthentication yes\n"}})
    assert {i["name"]: i["path"] for i in r["inputs"]}[name] == "etc/ssh/sshd_config"
    root = next(f for f in r["report"]["findings"] if f["rule"] == "root-ssh-password")
    assert root["status"] == "fail"


def test_lazy_handler_table_matches_each_module() -> None:
    """The façade names the other tabs' handlers without importing them (issue 14); the
    names must be exactly those each module registers, or a request type would be lost."""
    import importlib

    from proxguard.web.facade import _HANDLERS, LAZY_HANDLERS

    for module, (table, names) in LAZY_HANDLERS.items():
        assert set(getattr(importlib.import_module(module), table)) == set(names), module
        assert set(names) <= set(_HANDLERS)


def test_starting_the_engine_imports_no_other_tab() -> None:
    """`import proxguard.web` (what the page's worker does before its first audit) leaves
    the Firewall, Access, fix-loop, fleet and history modules and pyparsing unimported;
    the first request that needs one imports it and answers."""
    import subprocess
    import sys

    code = ("import sys, json, proxguard.web\n"
            "from proxguard.web.facade import LAZY_HANDLERS\n"
            "print(json.dumps([m for m in LAZY_HANDLERS if m in sys.modules]))\n"
            "out = json.loads(proxguard.web.handle('history_trend', json.dumps({'entries': []})))\n"
            "print(json.dumps(['error' in out, 'proxguard.web.history' in sys.modules]))\n"
            "sshd = {'etc/ssh/sshd_config': 'PermitRootLogin yes\\n'}\n"
            "out = json.loads(proxguard.web.handle('audit', json.dumps({'files': sshd})))\n"
            "print(json.dumps([out['report']['grade'], 'pyparsing' in sys.modules]))\n"
            "table = '+---------+\\n| tokenid |\\n+=========+\\n| ci      |\\n+---------+\\n'\n"
            "listing = {'commands/pveum-user-token-list/joe@pve': table}\n"
            "out = json.loads(proxguard.web.handle('audit', json.dumps({'files': listing})))\n"
            "print(json.dumps('pyparsing' in sys.modules))\n")
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert json.loads(lines[0]) == []
    assert json.loads(lines[1]) == [False, True]
    # pyparsing (firewall port lists, the token table's borders) is imported by the first
    # input that needs it (here a bordered token listing), not by an sshd_config audit
    assert json.loads(lines[2]) == ["F", False]
    assert json.loads(lines[3]) is True


def test_an_sshd_audit_imports_no_firewall_analysis() -> None:
    """The rule registry names the firewall rules without importing the conflict analysis
    or the path model (issue 14: ~90 ms of a normal boot under Pyodide); an audit with
    no firewall file never needs them, and the first one with a firewall file imports
    the analysis and judges it (the path model waits for a guest)."""
    import subprocess
    import sys

    heavy = ["proxguard.firewall.analysis", "proxguard.firewall.path",
             "proxguard.firewall.zones", "proxguard.firewall.guestnet"]
    code = ("import sys, json, proxguard.web\n"
            f"heavy = {heavy!r}\n"
            "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
            "sshd = {'etc/ssh/sshd_config': 'PermitRootLogin yes\\n'}\n"
            "out = json.loads(proxguard.web.handle('audit', json.dumps({'files': sshd})))\n"
            "print(json.dumps([out['report']['grade'], [m for m in heavy if m in sys.modules]]))\n"
            "fw = {'etc/pve/firewall/cluster.fw': '[OPTIONS]\\nenable: 1\\n[RULES]\\n"
            "IN ACCEPT -p tcp -dport 22\\nIN DROP -p tcp -dport 22 -source 10.0.0.1\\n'}\n"
            "out = json.loads(proxguard.web.handle('audit', json.dumps({'files': fw})))\n"
            "st = {f['rule']: f['status'] for f in out['report']['findings']}\n"
            "print(json.dumps([st.get('fw-shadowed-rule'), [m for m in heavy if m in sys.modules]]))\n")
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert json.loads(lines[0]) == []
    assert json.loads(lines[1]) == ["F", []]
    status, loaded = json.loads(lines[2])
    assert status == "fail"
    assert "proxguard.firewall.analysis" in loaded
