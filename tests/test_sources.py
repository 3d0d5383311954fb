"""One list of sources: the collector's copy cannot drift from the reader's, and the list
never names a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxguard.inputs import sources

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "proxguard-collect.sh"


def test_the_collector_block_is_generated_from_the_list() -> None:
    text = SCRIPT.read_text()
    start = text.index(sources.BEGIN)
    end = text.index(sources.END) + len(sources.END) + 1
    assert text[start:end] == sources.shell_block(), \
        "run: python3 -m proxguard.inputs.sources --shell and paste it into the collector"


def test_the_commands_other_stages_rely_on_are_listed() -> None:
    outputs = {c.output: " ".join(c.argv) for c in sources.commands()}
    assert outputs == {
        "sshd-T.txt": "sshd -T", "pveversion.txt": "pveversion",
        "pve-firewall-status.txt": "pve-firewall status", "iptables-save.txt": "iptables-save",
        "ip6tables-save.txt": "ip6tables-save",
        "nft-list-ruleset.txt": "nft list ruleset", "free-b.txt": "free -b",
        "pct-list.txt": "pct list", "qm-list.txt": "qm list", "hostname.txt": "hostname",
        "pveum-user-token-list/{user}.json": "pveum user token list {user} --output-format json"}


@pytest.mark.parametrize("path", [
    "etc/shadow", "etc/gshadow", "etc/shadow-", "etc/pve/priv/token.cfg", "etc/pve/priv",
    "etc/pve/priv/storage/x.pw", "etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_rsa_key.pub",
    "etc/ssl/private/site.key", "etc/pve/nodes/pve1/pve-ssl.key", "etc/passwd", "root/.ssh/id_rsa",
    "proc/1/environ", "etc/pve/firewall/.hidden.fw", "etc/pve/nodes/a/b/host.fw",
])
def test_no_entry_of_the_list_admits_a_secret_or_unlisted_path(path: str) -> None:
    assert sources.listed(path) is None


@pytest.mark.parametrize(("path", "kind"), [
    ("etc/group", None), ("proxguard-manifest.json", "manifest"),
    ("etc/apt/sources.list.d/pve.sources", "apt_sources"),
    ("commands/iptables-save.txt", "command_output"), ("etc/pve/user.cfg", None),
])
def test_listed_paths_and_their_kinds(path: str, kind: str | None) -> None:
    entry = sources.listed(path)
    assert entry is not None and entry.kind == kind


def test_a_malformed_list_line_is_an_error() -> None:
    with pytest.raises(ValueError, match="line 2"):
        sources.parse("path etc/group\nbogus line here\n")


def test_the_manifest_name_is_the_kind_table_s() -> None:
    from proxguard.inputs import kinds

    assert sources.MANIFEST == kinds.MANIFEST_NAME
    assert kinds.kind_from_path(sources.MANIFEST) == kinds.MANIFEST == sources.MANIFEST_KIND
