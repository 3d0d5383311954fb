"""Loads the running firewall (status and loaded rulesets) from `commands/`.

None when none of the four outputs was supplied, so rules that need them are
not_evaluated. One file of each kind is read (the collector writes one); a second one is
reported, not merged, because two dumps of one host cannot both be what is loaded.
"""

from __future__ import annotations

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import (
    IP6TABLES_SAVE,
    IPTABLES_SAVE,
    NFT_RULESET,
    PVE_FIREWALL_STATUS,
    InputFile,
    Snapshot,
)
from proxguard.model.running import RunningFirewall
from proxguard.parsers.fwstatus import parse_fw_status
from proxguard.parsers.iptables_save import parse_iptables_save
from proxguard.parsers.nft_ruleset import parse_nft_ruleset


def load(snapshot: Snapshot, diags: Diagnostics) -> RunningFirewall | None:
    status = _one(snapshot, PVE_FIREWALL_STATUS, diags)
    ipt = _one(snapshot, IPTABLES_SAVE, diags)
    nft = _one(snapshot, NFT_RULESET, diags)
    ip6t = _one(snapshot, IP6TABLES_SAVE, diags)
    if status is None and ipt is None and nft is None and ip6t is None:
        return None
    rf = RunningFirewall(
        status=parse_fw_status(status, diags) if status is not None else None,
        iptables=parse_iptables_save(ipt, diags) if ipt is not None else None,
        nft=parse_nft_ruleset(nft, diags) if nft is not None else None,
        ip6tables=parse_iptables_save(ip6t, diags, "ip6") if ip6t is not None else None,
    )
    if rf.status is None and not rf.rulesets:
        return None
    return rf


def _one(snapshot: Snapshot, kind: str, diags: Diagnostics) -> InputFile | None:
    files = snapshot.of_kind(kind)
    for extra in files[1:]:
        diags.warning(extra.path, 0, f"a second {kind} file; only {files[0].path} is read")
    return files[0] if files else None
