"""Issue 13 (engine side of the web page): what a box's stray text becomes, what an
archive held, expired acceptances, the overview chart and severity counts, the finding
filter's text, and the per-finding copy script built by the Fix tab's planner."""

from __future__ import annotations

import base64
import html as htmlmod
import io
import json
import re
import tarfile
from pathlib import Path

from proxguard.render.html import render_fragment
from proxguard.web import handle
from proxguard.web.protocol import EMPTY_ARCHIVE

ROOT = Path(__file__).resolve().parent.parent
NOW = 1767225600  # 2026-01-01
STORAGE = "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n"
NFS = ("nfs: backup\n\texport /srv/backup\n\tpath /mnt/pve/backup\n\tserver 10.0.0.5\n"
       "\tcontent backup\n\toptions vers=4.2,no_root_squash\n")
SSHD = "Port 22\nPermitRootLogin yes\nPasswordAuthentication yes\n"
LXC = ("arch: amd64\nfeatures: nesting=1\nhostname: web\nostype: debian\n"
       "rootfs: local:{id}/vm-{id}-disk-0.raw,size=8G\nunprivileged: 1\n")


def call(kind: str, payload: object) -> dict:
    data = json.loads(handle(kind, json.dumps(payload)))
    assert isinstance(data, dict)
    return data


def _tarball(files: dict[str, str]) -> str:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return base64.b64encode(buf.getvalue()).decode()


def demo(name: str) -> dict[str, str]:
    root = ROOT / "examples" / name
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*"))
            if p.is_file()}


# -- item 10: a file in the wrong box -----------------------------------------------------

def test_wrong_box_text_is_refused_when_its_kind_is_already_given() -> None:
    r = call("audit", {"files": {"user.cfg": STORAGE, "storage.cfg": NFS},
                       "kinds": {"user.cfg": "user_cfg", "storage.cfg": "storage_cfg"},
                       "now": NOW})
    by_name = {i["name"]: i for i in r["inputs"]}
    assert by_name["user.cfg"]["path"] is None
    assert by_name["user.cfg"]["refused"] is True
    assert by_name["user.cfg"]["messages"] == [
        "this looks like storage.cfg, not user.cfg; not audited, because "
        "etc/pve/storage.cfg is already given"]
    # the storage box's own text is the storage.cfg audited, and user.cfg is not invented
    assert [i["path"] for i in r["report"]["inputs"]] == ["etc/pve/storage.cfg"]
    nfs = next(f for f in r["report"]["findings"] if f["rule"] == "nfs-no-root-squash")
    assert nfs["status"] == "fail"


def test_sshd_text_in_the_lxc_box_is_audited_as_sshd() -> None:
    r = call("audit", {"files": {"lxc/104.conf": SSHD}, "kinds": {"lxc/104.conf": "lxc_conf"},
                       "now": NOW})
    assert r["inputs"][0]["kind"] == "sshd_config"
    assert r["inputs"][0]["path"] == "etc/ssh/sshd_config"
    root = next(f for f in r["report"]["findings"] if f["rule"] == "root-ssh-password")
    assert root["status"] == "fail"


def test_text_of_the_right_kind_or_of_no_known_kind_stays_in_its_box() -> None:
    r = call("audit", {"files": {"user.cfg": "# only a comment\n", "storage.cfg": NFS},
                       "kinds": {"user.cfg": "user_cfg", "storage.cfg": "storage_cfg"}})
    assert [(i["path"], i["kind"], i["messages"]) for i in r["inputs"]] == [
        ("etc/pve/user.cfg", "user_cfg", []), ("etc/pve/storage.cfg", "storage_cfg", [])]


# -- item 1: a tarball's contents ---------------------------------------------------------

def test_tarball_lists_its_files_and_explains_an_empty_one() -> None:
    good = _tarball({"proxguard-pve1/etc/pve/storage.cfg": NFS,
                     "proxguard-pve1/etc/ssh/sshd_config": SSHD})
    empty = _tarball({"notes/readme.txt": "hello\n", "photos/cat.txt": "meow\n"})
    r = call("audit", {"tarballs": [{"name": "pve1.tgz", "data": good},
                                    {"name": "other.tgz", "data": empty}], "now": NOW})
    first, second = r["inputs"]
    assert first["files"] == ["etc/pve/storage.cfg", "etc/ssh/sshd_config"]
    assert first["label"] == "archive with 2 file(s)" and first["messages"] == []
    assert second["files"] == [] and second["label"] == "archive with 0 file(s)"
    assert second["messages"] == [EMPTY_ARCHIVE]


def test_tarball_that_replaces_a_given_file_still_lists_it() -> None:
    tb = _tarball({"x/etc/pve/storage.cfg": NFS})
    r = call("audit", {"files": {"etc/pve/storage.cfg": STORAGE},
                       "tarballs": [{"name": "a.tgz", "data": tb}]})
    archive = r["inputs"][1]
    assert archive["files"] == ["etc/pve/storage.cfg"]
    assert archive["messages"] == ["file given twice; the later copy is used"]


# -- item 3: an expired acceptance whose target still fails --------------------------------

def test_expired_acceptance_says_expired_on_its_date() -> None:
    toml = ('[[accept]]\nrule = "nfs-no-root-squash"\ntarget = "storage/backup"\n'
            'reason = "read-only export"\nexpires = 2025-06-30\n'
            '[[accept]]\nrule = "nfs-no-root-squash"\ntarget = "storage/gone"\n'
            'reason = "old export"\n')
    r = call("audit", {"files": {"etc/pve/storage.cfg": NFS}, "acceptances": toml, "now": NOW})
    stale = r["report"]["acceptances"]["stale"]
    assert stale == [
        {"rule": "nfs-no-root-squash", "target": "storage/backup", "reason": "read-only export",
         "expires": "2025-06-30", "expired_on": "2025-06-30"},
        {"rule": "nfs-no-root-squash", "target": "storage/gone", "reason": "old export"}]
    text = htmlmod.unescape(re.sub(r"<[^>]+>", "", r["html"]))
    assert ("nfs-no-root-squash on storage/backup expired on 2025-06-30; the target still "
            "fails: read-only export") in " ".join(text.split())
    assert "storage/gone matches no failing target: old export" in " ".join(text.split())


# -- item 7: chart, severity counts, filter text -------------------------------------------

def test_chart_is_an_svg_image_labelled_with_every_category_and_score() -> None:
    r = call("audit", {"files": {"etc/ssh/sshd_config": SSHD}, "now": NOW})
    ssh = next(c for c in r["report"]["categories"] if c["id"] == "ssh")
    m = re.search(r'<figure class="pg-chart">\s*<svg [^>]*role="img" aria-label="([^"]*)"',
                  r["html"])
    assert m is not None
    label = htmlmod.unescape(m.group(1))
    assert label.startswith("Category scores: ")
    assert f"SSH {ssh['score']} of 100, grade {ssh['grade']}" in label
    for title in ("Firewall", "Authentication", "Container", "Storage", "API"):
        assert re.search(rf"\b{title}[^;]* not assessed", label), title
    assert r["html"].count('class="pg-chart-row') == len(r["report"]["categories"])


def test_severity_counts_count_failing_findings_by_shown_severity() -> None:
    r = call("audit", {"files": demo("agent-lab"), "now": NOW})
    want: dict[str, int] = {}
    for f in r["report"]["findings"]:
        if f["status"] == "fail":
            sev = f.get("effective_severity") or f["severity"]
            want[sev] = want.get(sev, 0) + 1
    got = {m.group(1): int(m.group(2)) for m in re.finditer(
        r'data-severity="(\w+)">(\d+) \1<', r["html"])}
    assert got == want and sum(got.values()) == r["report"]["summary"]["fail"]


def test_findings_carry_the_filter_text_title_rule_targets_files() -> None:
    r = call("audit", {"files": {"lxc/104.conf": LXC.format(id=104)},
                       "kinds": {"lxc/104.conf": "lxc_conf"}, "now": NOW})
    m = re.search(r'id="finding-container-nesting"[^>]*data-search="([^"]*)"', r["html"])
    assert m is not None
    text = htmlmod.unescape(m.group(1))
    assert "container-nesting" in text and "ct/104" in text and "etc/pve/lxc/104.conf" in text
    assert text == text.lower()


def test_hostile_names_stay_text_in_chart_and_filter() -> None:
    evil = "$(touch /tmp/x)'\"<b>\n"
    report = call("audit", {"files": {"etc/ssh/sshd_config": SSHD}, "now": NOW})["report"]
    report["findings"][0]["title"] = evil
    report["findings"][0]["targets"] = [{"id": evil, "status": "fail", "file": evil}]
    out = render_fragment(report)
    assert "<b>" not in out and "&lt;b&gt;" in out


# -- item 2: one finding's copy script is the Fix tab's combined form ------------------------

def test_one_findings_script_with_several_targets_is_one_runnable_script() -> None:
    files = {"lxc/104.conf": LXC.format(id=104), "lxc/105.conf": LXC.format(id=105)}
    kinds = {"lxc/104.conf": "lxc_conf", "lxc/105.conf": "lxc_conf"}
    targets = [{"rule": "container-nesting", "target": t} for t in ("ct/104", "ct/105")]
    r = call("fix_script", {"files": files, "kinds": kinds, "targets": targets, "now": NOW})
    script = r["script"]
    assert r["selected"] == targets
    assert script.startswith("#!/usr/bin/env bash")
    # one script: each fix is a subshell block, so its `set -eu` and early `exit 0` end
    # only that fix; outside the blocks there is one shebang and no `set -e`
    blocks = re.findall(r"^\($.*?^\) </dev/null$", script, re.M | re.S)
    assert len(blocks) == 2
    assert all("set -eu" in b for b in blocks)
    assert "CT 104" in blocks[0] and "CT 105" in blocks[1]
    outside = re.sub(r"^\($.*?^\) </dev/null$", "", script, flags=re.M | re.S)
    assert outside.count("#!/usr/bin/env bash") == 1
    assert not re.search(r"^\s*set -e", outside, re.M)
    assert outside.rstrip().endswith("exit 0")


# -- item 8: titles in the comparison, grade trend per host -----------------------------------

def _entry(files: dict[str, str], label: str, saved_at: int) -> dict:
    report = call("audit", {"files": files, "now": NOW})["report"]
    entry = call("history_entry", {"report": report, "label": label})["entry"]
    return {**entry, "saved_at": saved_at}


def test_comparison_names_rules_by_title() -> None:
    fresh = _entry(demo("fresh-install"), "Fresh install", 1)
    hardened = _entry(demo("hardened"), "Hardened host", 2)
    out = call("compare", {"old": fresh, "new": hardened})
    from proxguard.web.history import TITLES
    assert out["comparison"]["fixed"]
    for item in out["comparison"]["fixed"]:
        assert item["title"] == TITLES[item["rule"]] and item["title"]
        assert f'<span class="fl-cmp-title">{htmlmod.escape(item["title"])}</span>' in out["html"]


def test_trend_groups_audits_by_host_newest_host_first() -> None:
    lab = {"etc/pve/nodes/pve1/host.fw": "[OPTIONS]\nenable: 1\n", "storage.cfg": NFS}
    a = _entry(demo("fresh-install"), "Fresh install", 1_767_225_600_000)
    b = _entry(lab, "x", 1_767_225_700_000)
    c = _entry(demo("fresh-install"), "Fresh install", 1_767_225_800_000)
    out = call("history_trend", {"entries": [a, b, c]})
    assert [t["host"] for t in out["trends"]] == ["Fresh install", "node pve1"]
    assert [p["grade"] for p in out["trends"][0]["points"]] == [a["grade"], c["grade"]]
    label = f"Grade trend for Fresh install, oldest first: {a['grade']} ({a['score']}), " \
            f"{c['grade']} ({c['score']})."
    assert f'aria-label="{label}"' in out["html"]
    assert out["html"].count('role="img"') == 2
    assert call("history_trend", {"entries": [{"schema": "other"}]})["error"]


def test_trend_escapes_a_hostile_host_label() -> None:
    e = _entry({"etc/pve/storage.cfg": NFS}, "<img src=x onerror=alert(1)>$(id)'\"", 1)
    html = call("history_trend", {"entries": [e]})["html"]
    assert "<img" not in html and "&lt;img" in html
