"""The firewall parser never raises: random text and mutations of real files only ever
produce diagnostics, each pointing at a real line of the file it names."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.parsers.pvefw import load

VALID = """\
[OPTIONS]

enable: 1
policy_in: DROP
log_ratelimit: enable=1,burst=5,rate=1/second

[ALIASES]

web 10.0.0.5 # web server
v6net 2001:db8::/64

[IPSET management] # admins
10.10.0.0/24
!10.10.0.9
web

[RULES]

GROUP webgrp -i vmbr0
IN SSH(ACCEPT) -source +management -log nolog # ssh
IN ACCEPT -source +dc/management -p tcp -dport 8006,3128
|IN DROP -p udp -dport 111
OUT ACCEPT -dest v6net -p icmpv6 -icmp-type echo-request
IN ACCEPT -source 10.0.0.1-10.0.0.9 -p tcp -sport 1024:65535 -dport https

[group webgrp] # web tier
IN HTTP(ACCEPT)
IN HTTPS(ACCEPT) -source web
"""
GUEST = "[OPTIONS]\nenable: 1\n[IPSET ipfilter-net0]\n10.0.0.7\n[RULES]\nIN ACCEPT -i net0 -p tcp -dport 22\n"
PATHS = ("etc/pve/firewall/cluster.fw", "etc/pve/nodes/pve1/host.fw", "etc/pve/firewall/100.fw")
TOKENS = ["[", "]", "[OPTIONS]", "[RULES]", "[IPSET x]", "[group G]", "[ALIASES]", "\r", "\n",
          "#", "|", "!", "IN", "OUT", "GROUP", "ACCEPT", "SSH(", ")", "-p", "tcp", "-dport",
          "--", " ", "  ", "\t", ":", ",", "+", "/", "dc/", "guest/", "10.0.0.1", "::1",
          "enable:", "99999999999999999999", "-", "0", "1", "é", "\x00"]


def check(texts: dict[str, str]) -> None:
    diags = Diagnostics()
    cfg = load(Snapshot.from_texts(texts, {p: _kind(p) for p in texts}), diags)
    assert cfg is not None
    counts = {p: t.count("\n") + 1 for p, t in texts.items()}
    for d in diags:
        if d.file in counts:
            assert 0 <= d.line <= counts[d.file], d
        assert d.message
    for r in cfg.all_rules():
        assert 1 <= r.line <= counts[r.file]
        assert r.enforced == (r.enabled and not r.errors)


def _kind(path: str) -> str:
    return {"cluster.fw": "cluster_fw", "host.fw": "host_fw"}.get(path.rsplit("/", 1)[1], "guest_fw")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from(PATHS))
def test_random_text_never_raises(text: str, path: str) -> None:
    check({path: text})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=80), st.sampled_from(PATHS))
def test_token_soup_never_raises(tokens: list[str], path: str) -> None:
    check({path: "".join(tokens)})


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_valid_files_never_raise(data: st.DataObject) -> None:
    lines = VALID.split("\n")
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["delete", "dup", "insert", "cut", "crlf", "case"]))
        if op == "delete":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, data.draw(st.sampled_from(TOKENS)) + lines[i])
        elif op == "cut" and lines[i]:
            j = data.draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j]
        elif op == "crlf":
            lines[i] += "\r"
        elif op == "case":
            lines[i] = lines[i].swapcase()
        if not lines:
            lines = [""]
    check({PATHS[0]: "\n".join(lines), PATHS[2]: GUEST})


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_analysis_never_raises_on_mutated_files(data: st.DataObject) -> None:
    from proxguard.firewall import analyse, trace
    lines = VALID.split("\n")
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        lines.insert(i, data.draw(st.sampled_from(TOKENS)) + lines[i])
    diags = Diagnostics()
    cfg = load(Snapshot.from_texts({PATHS[0]: "\n".join(lines), PATHS[2]: GUEST}), diags)
    assert cfg is not None
    result = analyse(cfg)
    for c in result.conflicts:
        assert c["type"] and c["rule"] and c["message"]
    trace(cfg, "tcp 10.10.0.5:40000 -> 10.0.0.1:22 in")
