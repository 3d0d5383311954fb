"""Façade handlers of the Firewall tab: analysis + HTML, trace, reorder (what it fixed and
broke, byte-exact export), and the errors the page gets for bad requests."""

from __future__ import annotations

import json
from typing import Any

from proxguard.web import handle

# LF file (a CRLF header is not a header for Proxmox); one rule line keeps a stray CR,
# which must travel with the rule, and comments/blank lines must stay where they are.
SHADOW = ("[OPTIONS]\nenable: 1\n[RULES]\n# office first\n"
          "IN ACCEPT -p tcp -dport 443 -source 10.20.0.0/16 # office\r\n"
          "\n# lab\n  IN DROP -p tcp -dport 443 -source 10.20.5.0/24\n"
          "[GROUP web]\nIN ACCEPT -p tcp -dport 80\nIN DROP -p tcp -dport 80\n")


def call(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(handle(kind, json.dumps(payload)))  # type: ignore[no-any-return]


def files(text: str = SHADOW) -> dict[str, Any]:
    return {"files": {"etc/pve/firewall/cluster.fw": text}}


def test_analysis_html_and_working_copy() -> None:
    out = call("firewall", {**files(), "analysis": True})
    assert out["files"] == {"etc/pve/firewall/cluster.fw": SHADOW}
    assert out["kinds"] == {"etc/pve/firewall/cluster.fw": "cluster_fw"}
    types = sorted((c["type"], c["rule"]) for c in out["analysis"]["conflicts"])
    assert ("shadowing", "fw/cluster/rule/1") in types
    assert 'data-from="fw/cluster/rule/0" data-to="fw/cluster/rule/1"' in out["html"]
    assert 'class="fw-row depth-0 st-shadowed movable" data-id="fw/cluster/rule/1"' in out["html"]


def test_reorder_fixes_the_shadowing_and_keeps_every_other_byte() -> None:
    out = call("firewall_reorder", {**files(), "scope": "cluster",
                                    "order": ["fw/cluster/rule/1", "fw/cluster/rule/0"]})
    assert out["text"] == (
        "[OPTIONS]\nenable: 1\n[RULES]\n# office first\n"
        "  IN DROP -p tcp -dport 443 -source 10.20.5.0/24\n"
        "\n# lab\nIN ACCEPT -p tcp -dport 443 -source 10.20.0.0/16 # office\r\n"
        "[GROUP web]\nIN ACCEPT -p tcp -dport 80\nIN DROP -p tcp -dport 80\n")
    assert [c["type"] for c in out["fixed"]] == ["shadowing"]
    assert out["broke"] == []
    assert [c["type"] for c in out["notes"]] == ["generalisation"]
    assert out["files"]["etc/pve/firewall/cluster.fw"] == out["text"]
    assert "Fixed (1)" in out["delta_html"]


def test_reorder_inside_a_security_group_section() -> None:
    out = call("firewall_reorder", {**files(), "scope": "group/web",
                                    "order": ["fw/group/web/rule/1", "fw/group/web/rule/0"]})
    lines = out["text"].split("\n")
    assert lines[9:11] == ["IN DROP -p tcp -dport 80", "IN ACCEPT -p tcp -dport 80"]
    assert [c["rule"] for c in out["fixed"]] == []  # the group is used by no chain here


def test_bad_requests_get_a_sentence() -> None:
    assert call("firewall_reorder", {**files(), "scope": "cluster",
                                     "order": ["fw/cluster/rule/0"]})["error"].startswith(
        "`order` must list each rule id of the scope exactly once (expected 2 ids")
    assert call("firewall_reorder", {**files(), "scope": "guest/9", "order": []})["error"] == \
        "unknown firewall scope 'guest/9'"
    assert call("firewall", {"files": {"etc/ssh/sshd_config": "Port 22\n"}})["error"].startswith(
        "no firewall file in these inputs")
    assert call("firewall_trace", files())["error"].startswith("`packet` must be a packet spec")


def test_trace_and_hostile_text_is_escaped() -> None:
    out = call("firewall_trace", {**files(), "packet": "tcp 10.20.5.7:4000 -> 10.0.0.5:443 in"})
    assert out["trace"]["results"][0]["rule"] == "fw/cluster/rule/0"
    assert "ACCEPT by fw/cluster/rule/0 (etc/pve/firewall/cluster.fw:5)" in out["html"]
    bad = call("firewall_trace", {**files(), "packet": "nonsense"})
    assert "packet spec not understood" in bad["html"]
    evil = "[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -p tcp -dport 22 # <img src=x onerror=alert(1)>\n"
    html = call("firewall", files(evil))["html"]
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_path_tester_and_guest_ports_through_the_facade() -> None:
    """Issue 17: the tab's tester takes zones; guest ports are listed, escaped."""
    from proxguard.web import firewall as web_fw

    files = {
        "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n",
        "etc/pve/lxc/120.conf": "hostname: x\nnet0: name=eth0,bridge=<b>vmbr0</b>,firewall=1,"
                                "hwaddr=BC:24:11:40:00:78,ip=192.168.40.50/24,type=veth\n",
    }
    first = web_fw.firewall({"files": files})
    assert "etc/pve/lxc/120.conf" in first["files"]  # the working copy keeps the guests
    assert "&lt;b&gt;vmbr0&lt;/b&gt;" in first["html"] and "<b>vmbr0" not in first["html"]
    out = web_fw.firewall_trace({"files": first["files"], "kinds": first["kinds"],
                                 "packet": "tcp ct120 -> 198.51.100.7:443"})
    assert [(h["hop"], h["rule"]) for h in out["path"]["hops"]] == [
        ("ct120 net0 OUT", "no-guest-chain"), ("bridge <b>vmbr0</b> FORWARD", "builtin/forward")]
    assert "bridge &lt;b&gt;vmbr0&lt;/b&gt; FORWARD" in out["html"]
    bad = web_fw.firewall_trace({"files": first["files"], "kinds": first["kinds"],
                                 "packet": "tcp ct999 -> outside:443"})
    assert "no guest config for ct999" in bad["path"]["error"]


def test_the_analysis_json_is_sent_only_when_asked() -> None:
    """The page renders the engine's HTML and never reads the analysis JSON (2.9 MB at
    5,000 rules), so the tab's calls leave it out unless a caller asks for it."""
    assert "analysis" not in call("firewall", files())
    assert set(call("firewall", {**files(), "analysis": True})["analysis"]) >= {"conflicts"}
