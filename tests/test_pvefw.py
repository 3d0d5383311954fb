"""The firewall parser replays pve-firewall's reading: one test per trap of formats.md §1.11
and per rule-line form of §1.4, with exact expected values."""

from __future__ import annotations

import pytest

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model.firewall import FirewallConfig
from proxguard.parsers.pvefw import load
from proxguard.parsers.pvefw_macros import MACROS

CLUSTER = "etc/pve/firewall/cluster.fw"


def parse(files: dict[str, str]) -> tuple[FirewallConfig, Diagnostics]:
    diags = Diagnostics()
    cfg = load(Snapshot.from_texts(files), diags)
    assert cfg is not None
    return cfg, diags


def cluster(text: str) -> tuple[FirewallConfig, Diagnostics]:
    return parse({CLUSTER: text})


def messages(diags: Diagnostics) -> list[tuple[int, str, str]]:
    return [(d.line, d.level, d.message) for d in diags]


def test_no_firewall_file_means_none() -> None:
    assert load(Snapshot.from_texts({"etc/pve/user.cfg": "user:root@pam:1:0::::::\n"}),
                Diagnostics()) is None


def test_file_kinds_and_scopes() -> None:
    cfg, _ = parse({CLUSTER: "[OPTIONS]\nenable: 1\n",
                    "etc/pve/nodes/pve1/host.fw": "[RULES]\nIN ACCEPT -p tcp -dport 22\n",
                    "etc/pve/local/host.fw": "[OPTIONS]\nenable: 0\n",
                    "etc/pve/firewall/100.fw": "[RULES]\nIN ACCEPT -i net0\n"})
    assert cfg.cluster is not None and cfg.cluster.scope == "cluster"
    assert sorted(cfg.hosts) == ["local", "pve1"]
    assert cfg.hosts["pve1"].rules[0].id == "fw/node/pve1/rule/0"
    assert cfg.guests["100"].rules[0].id == "fw/guest/100/rule/0"
    assert cfg.hosts["local"].options["enable"].value == "0"


# -- trap 1: CRLF ----------------------------------------------------------------------
def test_crlf_breaks_plain_headers_but_not_values() -> None:
    cfg, diags = cluster("[OPTIONS]\r\nenable: 1\r\n")
    assert cfg.cluster is not None and cfg.cluster.options == {}
    assert cfg.cluster_enabled()[0] is False
    assert messages(diags)[0][:2] == (1, "warning")
    assert "carriage return" in messages(diags)[0][2]
    assert messages(diags)[1] == (2, "warning", "line before any section header; Proxmox skips it")
    cfg, _ = cluster("[OPTIONS]\nenable: 1\r\n[IPSET mgmt]\r\n10.0.0.0/24\r\n")
    assert cfg.cluster_enabled()[0] is True
    assert [e.address for e in cfg.cluster.ipsets["mgmt"].entries] == ["10.0.0.0/24"]


# -- traps 2, 3: option lines ----------------------------------------------------------
@pytest.mark.parametrize("line, why", [
    ("enable: 1 # on", "a trailing comment is not allowed"),
    ("enable: yes", "accepts only 0 or 1"),
    ("enable: true", "accepts only 0 or 1"),
    ("enable = 1", "`=` is not accepted"),
    ("enable:", "is not a valid value"),
])
def test_option_lines_proxmox_ignores(line: str, why: str) -> None:
    cfg, diags = cluster(f"[OPTIONS]\n{line}\n")
    assert "enable" not in cfg.cluster.options  # type: ignore[union-attr]
    assert cfg.cluster_enabled()[0] is False
    assert diags[0].line == 2 and diags[0].level == "warning" and why in diags[0].message


def test_options_last_wins_keys_case_insensitive_policy_upper() -> None:
    cfg, _ = cluster("[options]\nENABLE: 0\npolicy_in: reject\n[OPTIONS]\nEnable: 1\n")
    assert cfg.cluster is not None
    assert (cfg.cluster.options["enable"].value, cfg.cluster.options["enable"].line) == ("1", 5)
    assert cfg.policy_in().value == "REJECT" and cfg.policy_in().line == 3


def test_defaults_policy_in_drop_out_accept() -> None:
    cfg, _ = cluster("[OPTIONS]\n")
    assert (cfg.policy_in().value, cfg.policy_in().line) == ("DROP", 0)
    assert cfg.policy_out().value == "ACCEPT"


def test_enable_timestamp_is_off_with_warning() -> None:
    cfg, diags = cluster("[OPTIONS]\nenable: 1767225000\n")
    on, s = cfg.cluster_enabled()
    assert on is False and s.value == "1767225000" and s.line == 2
    assert "rollback timestamp" in s.note
    assert [(d.line, d.level) for d in diags] == [(2, "warning")]


def test_enable_integer_values() -> None:
    assert cluster("[OPTIONS]\nenable: 0\n")[0].cluster_enabled()[0] is False
    assert cluster("[OPTIONS]\nenable: 01\n")[0].cluster_enabled()[0] is True


def test_option_unknown_per_file_type() -> None:
    cfg, diags = parse({"etc/pve/nodes/a/host.fw": "[OPTIONS]\npolicy_in: DROP\nnosmurfs: 0\n",
                        "etc/pve/firewall/101.fw": "[OPTIONS]\nnftables: 1\nmacfilter: 0\n"})
    assert list(cfg.hosts["a"].options) == ["nosmurfs"]
    assert list(cfg.guests["101"].options) == ["macfilter"]
    assert sorted((d.file, d.line) for d in diags) == [
        ("etc/pve/firewall/101.fw", 2), ("etc/pve/nodes/a/host.fw", 2)]


def test_log_ratelimit_key_is_case_sensitive() -> None:
    cfg, diags = cluster("[OPTIONS]\nLOG_RATELIMIT: enable=1\nlog_ratelimit: enable=0\n")
    assert cfg.cluster.options["log_ratelimit"].value == "enable=0"  # type: ignore[union-attr]
    assert [d.line for d in diags] == [2]


# -- trap 4, 5: rule lines ---------------------------------------------------------------
def rule_errors(line: str, extra: str = "") -> list[str]:
    cfg, _ = cluster(f"{extra}[RULES]\n{line}\n")
    return cfg.cluster.rules[0].errors  # type: ignore[union-attr]


@pytest.mark.parametrize("line", [
    "IN ACCEPT", "in ACCEPT", "In DROP -p tcp -dport 22", "OUT REJECT -p udp --dport 53",
    "IN ACCEPT -proto tcp -dport 22", "IN ACCEPT --proto tcp --sport 1024:65535",
    "IN ACCEPT -source 10.0.0.0/8 -dest 192.168.1.1", "IN ACCEPT --source 10.0.0.1-10.0.0.9",
    "IN ACCEPT -i vmbr0", "IN ACCEPT -p icmp -icmp-type echo-request",
    "IN ACCEPT -p icmp --icmp-type 8", "IN ACCEPT -log info -p tcp -dport ssh,https",
    "IN ACCEPT -p tcp -dport 22    -source 10.0.0.1", "IN ssh(ACCEPT)", "IN SSH(DROP) -log nolog",
    "FORWARD ACCEPT -p tcp -dport 80", "IN ACCEPT -p 6 -dport 22", "IN ACCEPT -p tcp -dport 22\r",
])
def test_valid_rule_lines(line: str) -> None:
    assert rule_errors(line) == []


@pytest.mark.parametrize("line, fragment", [
    ("IN accept", "must be upper-case"),
    ("IN Accept -p tcp", "must be upper-case"),
    ("IN ssh(accept)", "must be upper-case"),
    ("IN ALLOW", "unknown action 'ALLOW'"),
    ("IN ACCEPT --iface vmbr0", "accepts only `-i`"),
    ("IN ACCEPT -iface vmbr0", "accepts only `-i`"),
    ("IN ACCEPT -p  tcp", "exactly one space"),
    ("IN ACCEPT -p\ttcp", "exactly one space"),
    ("IN ACCEPT -x 1", "unknown option"),
    ("IN ACCEPT -dport 22", "given without -p"),
    ("IN ACCEPT -p icmp -dport 22 -icmp-type 8", "cannot be combined with -dport"),
    ("IN ACCEPT -p tcp -icmp-type 8", "needs -p icmp"),
    ("IN ACCEPT -p gre -dport 22", "has no ports"),
    ("IN ACCEPT -p nosuchproto", "unknown protocol"),
    ("IN ACCEPT -p tcp -dport 90:80", "backwards range"),
    ("IN ACCEPT -p tcp -dport 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", "too many ports"),
    ("IN ACCEPT -p tcp -dport 70000", "0-65535"),
    ("IN NoSuchMacro(ACCEPT)", "unknown macro"),
    ("IN SSH(ACCEPT) -p udp", "conflicts with macro SSH"),
    ("IN SSH(ACCEPT) -dport 2222", "conflicts with macro SSH"),
    ("IN ACCEPT -source !10.0.0.1", "negation"),
    ("IN ACCEPT -source 10.0.0.1,2001:db8::1", "mixed"),
    ("IN ACCEPT -source 10.0.0.1 -dest 2001:db8::1", "IPv4 and IPv6 mixed in one rule"),
    ("IN ACCEPT -source 10.0.0.1-10.0.0.5,10.0.0.9", "range cannot be part of a list"),
    ("IN ACCEPT -source +nosuch", "no such ipset 'nosuch'"),
    ("IN ACCEPT -source nosuchalias", "no such alias 'nosuchalias'"),
    ("IN ACCEPT -log loud", "invalid log level"),
    ("GROUP nosuch", "no such security group"),
    ("GROUP web -p tcp", "takes only `-i`"),
    ("FORWARD REJECT", "REJECT is not allowed for FORWARD"),
    ("SIDEWAYS ACCEPT", "direction 'SIDEWAYS' is not allowed"),
])
def test_rule_lines_proxmox_refuses(line: str, fragment: str) -> None:
    errors = rule_errors(line)
    assert any(fragment in e for e in errors), errors


def test_refused_rule_is_kept_and_reported() -> None:
    cfg, diags = cluster("[RULES]\nIN ACCEPT -p tcp -dport 22\nIN accept -p tcp # old\n")
    assert cfg.cluster is not None
    bad = cfg.cluster.rules[1]
    assert (bad.index, bad.line, bad.raw, bad.comment, bad.enforced) == (
        1, 3, "IN accept -p tcp # old", "old", False)
    assert [(d.line, d.level) for d in diags] == [(3, "error")]
    assert "dropped" in diags[0].message


def test_rule_fields_disabled_comment_and_repeated_option() -> None:
    cfg, _ = cluster("[RULES]\n|IN SSH(ACCEPT) -i vmbr0 -source 10.0.0.0/8 -log info "
                     "-source 10.1.0.0/16 # admins # really\n")
    r = cfg.cluster.rules[0]  # type: ignore[union-attr]
    assert (r.enabled, r.direction, r.action, r.macro, r.iface, r.source, r.log, r.comment) == (
        False, "in", "ACCEPT", "SSH", "vmbr0", "10.1.0.0/16", "info", "admins # really")
    assert r.enforced is False and r.errors == []


def test_macro_name_canonicalised() -> None:
    cfg, _ = cluster("[RULES]\nIN spiceproxy(ACCEPT)\n")
    assert cfg.cluster.rules[0].macro == "SPICEproxy"  # type: ignore[union-attr]


def test_guest_rules_interfaces_and_directions() -> None:
    cfg, _ = parse({CLUSTER: "[group web]\nIN HTTP(ACCEPT)\n",
                    "etc/pve/firewall/100.fw": "[RULES]\nIN ACCEPT -i net0\nIN ACCEPT -i vmbr0\n"
                                               "FORWARD ACCEPT\nGROUP web -i net1\n"})
    rules = cfg.guests["100"].rules
    assert rules[0].errors == []
    assert "invalid interface 'vmbr0'" in rules[1].errors[0]
    assert "direction 'FORWARD' is not allowed in a guest file" in rules[2].errors[0]
    assert rules[3].errors == [] and rules[3].iface == "net1"


# -- trap 8, 9: names, resets ------------------------------------------------------------
def test_ipset_and_group_names_lowercased_references_case_sensitive() -> None:
    cfg, _ = cluster("[IPSET Admins] # team\n10.0.0.0/24\n[RULES]\nIN ACCEPT -source +Admins\n"
                     "IN ACCEPT -source +admins\nGROUP Web\nGROUP web\n[GROUP Web]\nIN HTTP(ACCEPT)\n")
    assert cfg.cluster is not None
    assert list(cfg.cluster.ipsets) == ["admins"] and cfg.cluster.ipsets["admins"].comment == "team"
    assert list(cfg.cluster.groups) == ["web"]
    errs = [r.errors for r in cfg.cluster.rules]
    assert "stored lower-case" in errs[0][0] and errs[1] == []
    assert "stored lower-case" in errs[2][0] and errs[3] == []


def test_repeated_ipset_resets_and_options_rules_accumulate() -> None:
    cfg, diags = cluster("[IPSET mm]\n10.0.0.1\n[RULES]\nIN ACCEPT\n[IPSET mm]\n10.0.0.2\n"
                         "[RULES]\nOUT ACCEPT\n")
    assert cfg.cluster is not None
    assert [e.address for e in cfg.cluster.ipsets["mm"].entries] == ["10.0.0.2"]
    assert [(r.direction, r.index) for r in cfg.cluster.rules] == [("in", 0), ("out", 1)]
    assert [d.line for d in diags] == [5]


def test_invalid_group_name_skips_section() -> None:
    cfg, diags = cluster("[GROUP a-very-long-group-name-x]\nIN ACCEPT\n[group 9x]\nIN ACCEPT\n")
    assert cfg.cluster is not None and cfg.cluster.groups == {}
    assert [d.line for d in diags] == [1, 3]


def test_sections_not_valid_in_file_type() -> None:
    cfg, diags = parse({"etc/pve/nodes/n1/host.fw": "[RULES]\nIN ACCEPT\n[IPSET x]\n10.0.0.1\n"})
    host = cfg.hosts["n1"]
    assert host.ipsets == {} and len(host.rules) == 3
    assert host.rules[1].raw == "[IPSET x]" and host.rules[1].errors
    assert diags[0].line == 3 and "not valid in a host" in diags[0].message


# -- aliases and ipset entries (§1.8) ---------------------------------------------------
def test_aliases() -> None:
    cfg, diags = cluster("[ALIASES]\nWeb 10.0.0.5/32 # server\nbad  10.0.0.6\nv6 2001:db8::1/128\n"
                         "x 10.0.0.0/8\nnotip foo\n[RULES]\nIN ACCEPT -source web\n"
                         "IN ACCEPT -source dc/v6\nIN ACCEPT -source local_network\n")
    assert cfg.cluster is not None
    a = cfg.cluster.aliases
    assert (a["web"].cidr, a["web"].comment, a["v6"].cidr) == ("10.0.0.5", "server", "2001:db8::1")
    assert "bad" not in a and "notip" not in a and "x" not in a  # names need 2+ chars
    assert [d.line for d in diags] == [3, 5, 6]
    assert [(r.errors, r.ipversion) for r in cfg.cluster.rules] == [([], 4), ([], 6), ([], 4)]


def test_ipset_entries_nomatch_zero_prefix_duplicates() -> None:
    cfg, diags = cluster("[IPSET mm]\n10.0.0.0/8\n! 10.1.0.0/16 # not them\n!10.1.2.0/24\n"
                         "0.0.0.0/0\n10.0.0.0/8\nwebalias\n")
    entries = cfg.cluster.ipsets["mm"].entries  # type: ignore[union-attr]
    assert [(e.address, e.nomatch, bool(e.errors)) for e in entries] == [
        ("10.0.0.0/8", False, False), ("10.1.0.0/16", True, False), ("10.1.2.0/24", True, False),
        ("0.0.0.0/0", False, True), ("10.0.0.0/8", False, True), ("webalias", False, False)]
    assert entries[1].comment == "not them"
    assert [d.line for d in diags] == [5, 6]


def test_guest_resolves_own_then_cluster_sets_and_aliases() -> None:
    cfg, _ = parse({CLUSTER: "[IPSET dcset]\n10.0.0.1\n[ALIASES]\ndcalias 10.0.0.2\n",
                    "etc/pve/firewall/100.fw": "[IPSET own]\n10.0.0.3\n[ALIASES]\nmine 10.0.0.4\n"
                    "[RULES]\nIN ACCEPT -source +own\nIN ACCEPT -source +dcset\n"
                    "IN ACCEPT -source +dc/own\nIN ACCEPT -source +guest/dcset\n"
                    "IN ACCEPT -source mine\nIN ACCEPT -source dcalias\n"
                    "IN ACCEPT -source guest/dcalias\nIN ACCEPT -source +ipfilter-net0\n"})
    assert [bool(r.errors) for r in cfg.guests["100"].rules] == [
        False, False, True, True, False, False, True, False]


# -- trap 10: empty files, no trailing newline -----------------------------------------
def test_empty_and_no_trailing_newline() -> None:
    cfg, diags = cluster("")
    assert cfg.cluster is not None and cfg.cluster.rules == [] and list(diags) == []
    cfg, _ = cluster("[OPTIONS]\nenable: 1")
    assert cfg.cluster_enabled()[0] is True


def test_lines_before_section_and_comments() -> None:
    cfg, diags = cluster("# header comment\nenable: 1\n   # indented comment\n[OPTIONS]\n")
    assert cfg.cluster.options == {}  # type: ignore[union-attr]
    assert [(d.line, d.level) for d in diags] == [(2, "warning")]


def test_enabled_in_rules_helper() -> None:
    cfg, _ = parse({CLUSTER: "[RULES]\nIN ACCEPT\nOUT ACCEPT\n|IN DROP\nIN accept\n",
                    "etc/pve/nodes/b/host.fw": "[RULES]\nIN DROP -p tcp -dport 111\n"})
    assert [r.id for r in cfg.enabled_in_rules()] == ["fw/cluster/rule/0", "fw/node/b/rule/0"]


def test_raw_text_kept_for_byte_exact_export() -> None:
    text = "[OPTIONS]\r\nenable: 1 # x\n\n[RULES]\n\tIN ACCEPT  \n"
    cfg, _ = cluster(text)
    assert cfg.cluster is not None and cfg.cluster.text == text
    assert cfg.cluster.rules[0].raw == "\tIN ACCEPT  "


def test_macro_table_is_consistent() -> None:
    assert len(MACROS) == 86
    v6_only = sorted(m.name for m in MACROS.values() if m.ipv6_only)
    assert v6_only == ["DHCPv6", "NeighborDiscovery"]
    assert sorted(m.name for m in MACROS.values() if m.v6 and m.v4) == ["Ping", "Trcrt"]
    from proxguard.parsers.pvefw_names import PORT_PROTOCOLS, protocol_number
    from proxguard.parsers.pvefw_values import parse_ports
    for m in MACROS.values():
        assert m.v4 or m.v6
        for t in (*m.v4, *(m.v6 or ())):
            n = protocol_number(t.proto)
            assert n is not None, (m.name, t)
            for spec in (t.dport, t.sport):
                if spec is not None and n in PORT_PROTOCOLS:
                    assert parse_ports(spec).error is None and parse_ports(spec).ranges
    assert MACROS["SSH"].v4[0].dport == "22" and MACROS["VNC"].v4[0].dport == "5900:5999"
