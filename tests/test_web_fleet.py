"""The page's fleet façade: several archives, each audited exactly as alone; never merged."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path

from proxguard.web import handle

ROOT = Path(__file__).resolve().parent.parent
NOW = 1793491200


def call(type_: str, payload: dict) -> dict:
    return json.loads(handle(type_, json.dumps(payload)))


def _archive(example: str, top: str) -> str:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in sorted((ROOT / "examples" / example).rglob("*")):
            if f.is_file():
                tar.add(f, arcname=f"{top}/{f.relative_to(ROOT / 'examples' / example).as_posix()}")
    return base64.b64encode(buf.getvalue()).decode()


FRESH = {"name": "a.tar.gz", "data": _archive("fresh-install", "proxguard-pve-a-20261130T080000Z")}
HARD = {"name": "b.tar.gz", "data": _archive("hardened", "proxguard-pve-b-20261130T080000Z")}


def test_each_archive_is_its_own_host_with_the_report_it_gets_alone() -> None:
    r = call("fleet", {"tarballs": [FRESH, HARD], "now": NOW})
    assert "error" not in r, r
    doc = r["fleet"]
    assert doc["schema"] == "proxguard-fleet/1"
    assert [(h["host"], h["grade"]) for h in doc["hosts"]] == [("pve-a", "F"), ("pve-b", "A")]
    for h, archive in zip(doc["hosts"], (FRESH, HARD), strict=True):
        alone = call("audit", {"tarballs": [archive], "now": NOW})
        assert h["report"] == alone["report"]
    assert [h["host"] for h in r["hosts"]] == ["pve-a", "pve-b"]
    assert all('class="pg-report"' in h["html"] for h in r["hosts"])
    assert r["table"].count('data-host-index="') == 4  # row + link per host
    assert "pve-a" in r["table"] and 'class="g-F' in r["table"]


def test_a_broken_archive_is_an_error_row_not_a_failure_of_the_fleet() -> None:
    broken = {"name": "junk.tgz", "data": base64.b64encode(b"not a tarball").decode()}
    r = call("fleet", {"tarballs": [FRESH, broken], "now": NOW})
    row = r["fleet"]["hosts"][1]
    assert (row["host"], row["report"]) == ("junk", None)
    assert "not a readable tar archive" in row["error"]
    assert r["hosts"][1]["html"] == "" and "could not be read" in r["table"]


def test_two_archives_are_never_merged_into_one_snapshot() -> None:
    for kind in ("audit", "firewall", "fix_script"):
        r = call(kind, {"tarballs": [FRESH, HARD], "now": NOW})
        assert "several archives are several hosts" in r.get("error", ""), (kind, r)


def test_loose_files_beside_several_archives_and_an_empty_fleet_are_refused() -> None:
    r = call("fleet", {"tarballs": [FRESH, HARD], "files": {"sshd_config": "Port 22\n"}})
    assert "loose files beside several archives" in r["error"]
    assert "non-empty list" in call("fleet", {"tarballs": []})["error"]
