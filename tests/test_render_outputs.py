"""Every output format, byte for byte, on the demos and on a hostile snapshot.

The JSON goldens (test_demos.py) pin the verdicts; this pins what each renderer makes of
them, so a change to how a renderer escapes, streams or bounds its output cannot change a
small report unnoticed. Pinned as SHA-256 digests (tests/golden/render-digests.json);
on a mismatch the output is written beside the test's temporary directory for a diff.
Regenerate deliberately with PROXGUARD_REGEN=1 and list what changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proxguard
from proxguard.inputs import Snapshot
from proxguard.render import FORMATS, render, write
from proxguard.render.escape import write_lines

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = Path(__file__).parent / "golden" / "render-digests.json"
NOW = 1793491200
ESC = "\x1b]0;owned\x07\x1b[2J\x9b31m"
HOSTILE = {
    "etc/ssh/sshd_config": "PermitRootLogin yes\nPasswordAuthentication yes\n"
    f"Match User x{ESC}<script>alert(1)</script>$(id)'\"\n    PasswordAuthentication yes\n",
    "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n\n[RULES]\n"
    "IN ACCEPT -source 10.0.0.1 -p tcp -dport 22 # <b>\u2028$(id)'\x1b[2J\n",
}
CASES = [(demo, profile) for demo in ("fresh-install", "hardened", "agent-lab")
         for profile in ("extended", "compat")] + [("hostile", "extended")]


def _report(demo: str, profile: str) -> dict:
    snap = (Snapshot.from_texts(HOSTILE) if demo == "hostile"
            else proxguard.load_snapshot([ROOT / "examples" / demo]))
    return proxguard.audit(snap, profile=profile, now=NOW).to_json()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@pytest.mark.parametrize(("demo", "profile"), CASES)
def test_every_format_unchanged(demo: str, profile: str, tmp_path: Path) -> None:
    report = _report(demo, profile)
    want = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {}
    got = {}
    for fmt in FORMATS:
        text = render(report, fmt)
        streamed = io.StringIO()
        write(report, fmt, streamed)
        assert streamed.getvalue() == text, f"{fmt}: the streamed output differs"
        got[f"{demo}.{profile}.{fmt}"] = _digest(text)
        if want.get(f"{demo}.{profile}.{fmt}") != got[f"{demo}.{profile}.{fmt}"]:
            (tmp_path / f"{demo}.{profile}.{fmt}").write_text(text, errors="surrogatepass")
    if os.environ.get("PROXGUARD_REGEN"):
        DIGESTS.write_text(json.dumps({**want, **got}, indent=1, sort_keys=True) + "\n")
        return
    changed = sorted(k for k, v in got.items() if want.get(k) != v)
    assert not changed, f"outputs changed: {changed} (written to {tmp_path})"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=" \ta\n\u00a0\u3000x", max_size=4), max_size=8))
def test_write_lines_equals_join_then_rstrip(lines: list[str]) -> None:
    """The streamed form of the text renderers' `"\\n".join(lines).rstrip() + "\\n"`."""
    out = io.StringIO()
    write_lines(iter(lines), out)
    assert out.getvalue() == "\n".join(lines).rstrip() + "\n"
