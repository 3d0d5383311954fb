"""Protocol mismatch is judged by port overlap with the macro table, not by spelling."""

from __future__ import annotations

import pytest

from proxguard.firewall.analysis import protocol_mismatch
from proxguard.model.firewall import FwRule


def _rule(proto: str, dport: str) -> FwRule:
    return FwRule("etc/pve/firewall/cluster.fw", 5, "cluster", 0, True, "in", "ACCEPT",
                  proto=proto, dport=dport)


@pytest.mark.parametrize(("proto", "dport"), [
    ("udp", "161"),  # SNMP: udp 161:162 and tcp 161
    ("udp", "162"),
    ("tcp", "161"),
    ("udp", "53"),  # DNS: both
    ("tcp", "2222"),  # no macro uses it
])
def test_ports_some_macro_uses_with_this_protocol_are_not_a_mismatch(proto: str, dport: str) -> None:
    assert protocol_mismatch(_rule(proto, dport)) is None


@pytest.mark.parametrize(("proto", "dport", "other"), [
    ("udp", "22", "tcp"),  # SSH
    ("udp", "8006", "tcp"),  # PMG / the PVE API port
    ("tcp", "123", "udp"),  # NTP
])
def test_ports_only_the_other_protocol_uses_are_a_mismatch(proto: str, dport: str, other: str) -> None:
    msg = protocol_mismatch(_rule(proto, dport))
    assert msg is not None and f"meant -p {other}" in msg
