"""Garbage is never graded (issue 10 item 7): a file not recognisable as its kind makes
its rules not assessed, `--min-grade` fails when a required category was not assessed,
and every report headline says when a grade rests on little evidence.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

import proxguard
from proxguard.cli import main
from proxguard.inputs import Snapshot

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
NOW = 1767225600
NOISE = random.Random(7).randbytes(3000)
COMMENTS = b"# user.cfg\n# nothing to see here\n\n   # indented comment\n"


def _tree(tmp_path: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        p = tmp_path / "host" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return tmp_path / "host"


def _report(path: Path) -> dict:
    return proxguard.audit(Snapshot.from_paths([path]), now=NOW).to_json()


@pytest.mark.parametrize("content", [NOISE, COMMENTS], ids=["random-bytes", "comment-only"])
def test_garbage_user_and_storage_cfg_are_not_graded(tmp_path: Path, content: bytes,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    host = _tree(tmp_path, {"etc/pve/user.cfg": content, "etc/pve/storage.cfg": content})
    report = _report(host)
    assert report["grade"] is None and report["score"] is None
    assert not any(c["assessed"] for c in report["categories"])
    access = next(f for f in report["findings"] if f["rule"] == "no-2fa-users")
    assert access["status"] == "not_evaluated"
    assert "not recognisable" in access["error"]
    msgs = {(d["file"], d["message"]) for d in report["diagnostics"]}
    for path, label in (("etc/pve/user.cfg", "user.cfg"), ("etc/pve/storage.cfg", "storage.cfg")):
        assert any(f == path and f"not recognisable as {label}" in m and "not assessed" in m
                   for f, m in msgs), msgs
    # nothing of the garbage is quoted back
    assert all(d["line"] == 0 for d in report["diagnostics"] if d["file"] == "etc/pve/user.cfg")
    ev = report["evidence"]
    assert ev["missing"] == ["auth", "storage", "api"] and ev["little"] is True
    assert [u["path"] for u in ev["unrecognised"]] == ["etc/pve/storage.cfg", "etc/pve/user.cfg"]
    assert main(["audit", str(host), "--min-grade", "A", "--now", str(NOW)]) == 1
    out = capsys.readouterr().out
    assert "little evidence" in out and "etc/pve/user.cfg" in out


def test_loose_garbage_named_user_cfg_is_not_graded(tmp_path: Path) -> None:
    loose = tmp_path / "user.cfg"
    loose.write_bytes(NOISE)
    report = proxguard.audit(Snapshot.from_paths([loose]), now=NOW).to_json()
    assert report["grade"] is None
    assert report["evidence"]["unrecognised"][0]["path"] == "etc/pve/user.cfg"


def test_a_real_file_with_a_few_bad_lines_is_still_graded(tmp_path: Path) -> None:
    text = (EX / "hardened/etc/pve/user.cfg").read_bytes() + b"bogus line\n"
    report = _report(_tree(tmp_path, {"etc/pve/user.cfg": text}))
    assert {c["id"] for c in report["categories"] if c["assessed"]} == {"auth", "api"}
    assert report["evidence"]["unrecognised"] == []


def test_min_grade_fails_when_a_supplied_category_is_garbage(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(EX / "hardened", tmp_path / "host")
    (tmp_path / "host/etc/pve/storage.cfg").write_bytes(NOISE)
    host = str(tmp_path / "host")
    assert main(["audit", host, "--min-grade", "C", "--now", str(NOW)]) == 1
    report_args = ["audit", host, "--format", "json", "--now", str(NOW)]
    capsys.readouterr()
    assert main(report_args) == 0
    ev = json.loads(capsys.readouterr().out)["evidence"]
    assert ev["missing"] == ["storage"] and ev["required"] == [
        "ssh", "firewall", "auth", "container", "storage", "api"]
    # the operator may require less, explicitly
    assert main(["audit", host, "--min-grade", "C", "--now", str(NOW),
                 "--require", "ssh,firewall,auth,container,api"]) == 0
    # --require alone is a threshold too
    assert main(["audit", host, "--now", str(NOW), "--require", "storage"]) == 1


def test_require_names_are_checked() -> None:
    assert main(["audit", str(EX / "hardened"), "--require", "ssh,dns"]) == 2


def test_little_evidence_headline_in_every_format(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    loose = tmp_path / "sshd_config"
    loose.write_bytes((EX / "hardened/etc/ssh/sshd_config").read_bytes())
    for fmt, marker in (("text", "little evidence"), ("markdown", "little evidence"),
                        ("html", "little evidence")):
        assert main(["audit", str(loose), "--format", fmt, "--now", str(NOW)]) == 0
        out = capsys.readouterr().out
        assert marker in out and "SSH" in out, fmt
    report = _report(loose)
    assert report["evidence"]["assessed_weight"] == 25
    assert "only SSH" in report["evidence"]["note"]


@pytest.mark.parametrize("demo", ["agent-lab", "fresh-install", "hardened"])
def test_demos_rest_on_full_evidence(demo: str) -> None:
    ev = _report(EX / demo)["evidence"]
    assert ev["little"] is False and ev["note"] is None and ev["missing"] == []


def test_web_summary_carries_the_note(tmp_path: Path) -> None:
    from proxguard.render.html import render_fragment

    loose = tmp_path / "sshd_config"
    loose.write_bytes((EX / "hardened/etc/ssh/sshd_config").read_bytes())
    frag = render_fragment(_report(loose))
    assert "pg-evidence-note" in frag and "little evidence" in frag


def test_the_note_never_carries_control_characters(tmp_path: Path) -> None:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (("etc/ssh/sshd_config", b"Include /etc/ssh/sshd_config.d/*.conf\n"),
                           ("etc/ssh/sshd_config.d/\x1b[31mred$(id)'\n.conf", NOISE)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    snap = Snapshot()
    snap.add_tarball(buf.getvalue())
    ev = proxguard.audit(snap, now=NOW).to_json()["evidence"]
    assert ev["unrecognised"] and ev["note"] and ev["note"].isprintable()


def test_crlf_prose_named_user_cfg_is_not_graded_but_a_crlf_storage_cfg_is(tmp_path: Path) -> None:
    prose = b"Dear admin,\r\nhere is the file you asked for.\r\nRegards, Sam\r\n"
    crlf_storage = (EX / "hardened/etc/pve/storage.cfg").read_bytes().replace(b"\n", b"\r\n")
    report = _report(_tree(tmp_path, {"etc/pve/user.cfg": prose,
                                      "etc/pve/storage.cfg": crlf_storage}))
    assert [u["path"] for u in report["evidence"]["unrecognised"]] == ["etc/pve/user.cfg"]
    assert {c["id"] for c in report["categories"] if c["assessed"]} == {"storage"}


def test_require_none_leaves_only_the_grade_threshold(tmp_path: Path) -> None:
    shutil.copytree(EX / "hardened", tmp_path / "host")
    (tmp_path / "host/etc/pve/storage.cfg").write_bytes(COMMENTS)
    host = str(tmp_path / "host")
    assert main(["audit", host, "--min-grade", "C", "--now", str(NOW)]) == 1
    assert main(["audit", host, "--min-grade", "C", "--require", "none", "--now", str(NOW)]) == 0
