"""Loose files and standard input: where a single file lands in the snapshot decides
whether its category is assessed at all (issue 19). Every input kind is tried under three
naming variants and through stdin, and must assess its category and sit at its host path.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proxguard
from proxguard.inputs import Snapshot

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
SAMPLES = Path(__file__).parent / "samples"
NOW = 1767225600

# kind → (sample file, bare name, host-prefixed name, suffixed name, host path, category)
MATRIX: dict[str, tuple[Path, str, str, str, str | tuple[str, ...], str | None]] = {
    "sshd_config": (EX / "hardened/etc/ssh/sshd_config", "sshd_config", "pve1-sshd_config",
                    "sshd_config.txt", "etc/ssh/sshd_config", "ssh"),
    "sshd_T": (ROOT / "tests/fixtures/ssh-default-port/pass-sshd-T/commands/sshd-T.txt",
               "sshd-T.txt", "pve1-sshd-T.txt", "sshd-T.out.txt", "commands/sshd-T.txt", "ssh"),
    "cluster_fw": (EX / "hardened/etc/pve/firewall/cluster.fw", "cluster.fw", "pve1-cluster.fw",
                   "cluster.fw.txt", "etc/pve/firewall/cluster.fw", "firewall"),
    "host_fw": (EX / "hardened/etc/pve/nodes/pve1/host.fw", "host.fw", "pve1-host.fw",
                "host.fw.txt", ("etc/pve/local/host.fw", "etc/pve/nodes/pve1/host.fw",
                                "etc/pve/local/host.fw"), "firewall"),
    "guest_fw": (SAMPLES / "120.fw", "120.fw", "pve1-120.fw", "120.fw.txt",
                 "etc/pve/firewall/120.fw", "firewall"),
    "user_cfg": (EX / "hardened/etc/pve/user.cfg", "user.cfg", "pve1-user.cfg", "user.cfg.txt",
                 "etc/pve/user.cfg", "auth"),
    "domains_cfg": (EX / "hardened/etc/pve/domains.cfg", "domains.cfg", "pve1-domains.cfg",
                    "domains.cfg.txt", "etc/pve/domains.cfg", None),
    "storage_cfg": (EX / "hardened/etc/pve/storage.cfg", "storage.cfg", "pve1-storage.cfg",
                    "storage.cfg.txt", "etc/pve/storage.cfg", "storage"),
    "lxc_conf": (EX / "agent-lab/etc/pve/lxc/110.conf", "110.conf", "pve1-110.conf",
                 "110.conf.txt", "etc/pve/lxc/110.conf", "container"),
    "qemu_conf": (SAMPLES / "200.conf",
                  "200.conf", "pve1-200.conf", "200.conf.txt", "etc/pve/qemu-server/200.conf",
                  "container"),
    "token_list": (EX / "agent-lab/commands/pveum-user-token-list/agent@pve.json", "agent@pve.json",
                   "tokens-agent@pve.json", "agent@pve.json.txt",
                   "commands/pveum-user-token-list/agent@pve.json", "api"),
    "pveversion": (EX / "agent-lab/commands/pveversion.txt", "pveversion.txt", "pve1-pveversion.txt",
                   "pveversion", "commands/pveversion.txt", None),
    "iptables_save": (SAMPLES / "iptables-save-open.txt", "iptables-save.txt",
                      "pve1-iptables-save.txt", "iptables.rules", "commands/iptables-save.txt",
                      "firewall"),
    "ip6tables_save": (SAMPLES / "ip6tables-save-open.txt", "ip6tables-save.txt",
                       "pve1-ip6tables-save.txt", "ip6tables.rules", "commands/ip6tables-save.txt",
                       "firewall"),
    "nft_ruleset": (SAMPLES / "nft-open.txt", "nft-list-ruleset.txt", "pve1-nft-list-ruleset.txt",
                    "nft-ruleset.txt", "commands/nft-list-ruleset.txt", "firewall"),
    "pveproxy_default": (ROOT / "tests/fixtures/pveproxy-access/pass-allow-list/etc/default/pveproxy",
                         "pveproxy", "pve1-pveproxy", "pveproxy.txt", "etc/default/pveproxy",
                         "firewall"),
    "pve_firewall_status": (SAMPLES / "pve-firewall-status-stopped.txt", "pve-firewall-status.txt",
                            "pve1-pve-firewall-status.txt", "firewall-status",
                            "commands/pve-firewall-status.txt", "firewall"),
}
# paths not derivable from a name without a vmid/node/user get an assumed one
_NAMELESS = {"host_fw": "etc/pve/local/host.fw", "guest_fw": "etc/pve/firewall/100.fw",
             "lxc_conf": "etc/pve/lxc/100.conf", "qemu_conf": "etc/pve/qemu-server/100.conf",
             "token_list": "commands/pveum-user-token-list/unknown@pam.json"}


def _audit(snap: Snapshot) -> dict:
    return proxguard.audit(snap, now=NOW).to_json()


def _check(report: dict, kind: str, path: str, category: str | None) -> None:
    inputs = {i["path"]: i["kind"] for i in report["inputs"]}
    assert inputs.get(path) == kind, (path, inputs, report["diagnostics"])
    if category is not None:
        assessed = {c["id"] for c in report["categories"] if c["assessed"]}
        assert category in assessed, (category, assessed, report["diagnostics"])


_CASES = [(kind, variant) for kind in MATRIX for variant in (1, 2, 3)]


@pytest.mark.parametrize(("kind", "variant"), _CASES, ids=[f"{k}-{v}" for k, v in _CASES])
def test_a_loose_file_of_every_kind_assesses_its_category(tmp_path: Path, kind: str,
                                                          variant: int) -> None:
    sample, *names, path, category = MATRIX[kind]
    loose = tmp_path / names[variant - 1]
    loose.write_bytes(sample.read_bytes())
    report = _audit(Snapshot.from_paths([loose]))
    _check(report, kind, path if isinstance(path, str) else path[variant - 1], category)


@pytest.mark.parametrize("kind", list(MATRIX))
def test_every_kind_through_stdin_is_detected_by_content(kind: str) -> None:
    sample, *_names, path, category = MATRIX[kind]
    snap = Snapshot.from_paths(["-"], stdin=io.BytesIO(sample.read_bytes()))
    _check(_audit(snap), kind, _NAMELESS.get(kind, path), category)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["sshd_config", "pve1-sshd_config", "sshd_config.txt",
                                  "my.sshd_config", "sshd.conf", "hardening-notes"])
def test_a_single_sshd_file_under_any_name_is_the_main_config(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    f.write_text("PermitRootLogin yes\nPasswordAuthentication yes\n")
    report = _audit(Snapshot.from_paths([f]))
    root = next(x for x in report["findings"] if x["rule"] == "root-ssh-password")
    assert root["status"] == "fail"
    assert root["targets"][0]["file"] == "etc/ssh/sshd_config"


def test_a_lone_main_config_says_its_dropins_were_not_seen(tmp_path: Path) -> None:
    f = tmp_path / "sshd_config"
    f.write_bytes((EX / "hardened/etc/ssh/sshd_config").read_bytes())
    report = _audit(Snapshot.from_paths([f]))
    assert any("/etc/ssh/sshd_config.d/*.conf" in d["message"] and "not seen" in d["message"]
               for d in report["diagnostics"])


def test_several_sshd_files_main_and_dropins_by_include(tmp_path: Path) -> None:
    (tmp_path / "sshd_config").write_text(
        "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n")
    (tmp_path / "10-hardening.conf").write_text("PermitRootLogin no\nPasswordAuthentication no\n")
    (tmp_path / "notes.txt").write_text("PasswordAuthentication yes\n")
    paths = [tmp_path / "10-hardening.conf", tmp_path / "sshd_config", tmp_path / "notes.txt"]
    report = _audit(Snapshot.from_paths(paths))
    inputs = {i["path"] for i in report["inputs"]}
    assert {"etc/ssh/sshd_config", "etc/ssh/sshd_config.d/10-hardening.conf"} <= inputs
    root = next(x for x in report["findings"] if x["rule"] == "root-ssh-password")
    assert root["status"] == "pass"  # the drop-in is read first, as sshd does
    msgs = [d["message"] for d in report["diagnostics"]]
    assert any("sshd_config" in m and "main" in m and "assumed" in m for m in msgs), msgs
    assert any("10-hardening.conf" in m and "Include" in m for m in msgs), msgs
    assert any("notes.txt" in m and "not matched by" in m for m in msgs), msgs


def test_several_sshd_files_without_one_named_sshd_config_pick_the_one_with_include(
        tmp_path: Path) -> None:
    (tmp_path / "pve1-sshd_config").write_text(
        "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\n")
    (tmp_path / "port.conf").write_text("Port 2222\n")
    report = _audit(Snapshot.from_paths([tmp_path / "port.conf", tmp_path / "pve1-sshd_config"]))
    port = next(x for x in report["findings"] if x["rule"] == "ssh-default-port")
    assert port["status"] == "pass"
    assert any("pve1-sshd_config" in d["message"] and "assumed" in d["message"]
               for d in report["diagnostics"])


def test_a_hostile_dropin_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sshd_config").write_text("Include /etc/ssh/sshd_config.d/*.conf\n")
    bad = tmp_path / "x\n$(touch pwned).conf"
    bad.write_text("PermitRootLogin yes\n")
    report = _audit(Snapshot.from_paths([tmp_path / "sshd_config", bad]))
    assert not any("pwned" in i["path"] for i in report["inputs"])
    assert any("refused" in d["message"] for d in report["diagnostics"])


def test_stdin_tarball_is_read_by_magic_bytes() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(EX / "hardened", arcname="proxguard-pve1-20261128")
    snap = Snapshot.from_paths(["-"], stdin=io.BytesIO(buf.getvalue()))
    direct = Snapshot.from_paths([EX / "hardened"])
    assert {p: f.kind for p, f in snap.files.items()} == {p: f.kind for p, f in direct.files.items()}


def test_stdin_given_twice_is_a_usage_error() -> None:
    from proxguard.inputs import InputError

    with pytest.raises(InputError, match="standard input"):
        Snapshot.from_paths(["-", "-"], stdin=io.BytesIO(b"PermitRootLogin yes\n"))


def _readme_lines(marker: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    return [ln.strip() for ln in text.splitlines() if marker in ln and ln.startswith("    ")]


def test_readme_loose_file_and_pipe_examples_work_as_printed(tmp_path: Path) -> None:
    """The README's CLI lines, run exactly as printed (ssh replaced by a local cat)."""
    (tmp_path / "sshd_config").write_bytes((EX / "fresh-install/etc/ssh/sshd_config").read_bytes())
    loose = [ln for ln in _readme_lines("proxguard audit sshd_config") if "|" not in ln]
    pipe = _readme_lines("| proxguard audit -")
    assert loose and len(pipe) >= 2, "README must show a loose-file and pipe examples"
    env_cmd = [sys.executable, "-m", "proxguard"]
    for line in loose:
        args = line.split("#")[0].split()[1:]
        r = subprocess.run(env_cmd + args, cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "Grade: F" in r.stdout and "SSH" in r.stdout
    for line in pipe:
        cmd = line.split("#")[0]
        producer, consumer = (s.strip() for s in cmd.split("|", 1))
        assert producer == "ssh root@pve cat /etc/ssh/sshd_config"
        r = subprocess.run(env_cmd + consumer.split()[1:], cwd=tmp_path, capture_output=True,
                           text=True, input=(tmp_path / "sshd_config").read_text())
        assert r.returncode == 0, r.stderr
        assert "root-ssh-password" in r.stdout


_CONTENTS = [b"PermitRootLogin no\n", b"Include /etc/ssh/sshd_config.d/*.conf\nPort 2222\n",
             b"[OPTIONS]\nenable: 1\n", b"user:root@pam:1:0::::::\n", b"\xff\xfe\x00garbage",
             b"arch: amd64\nunprivileged: 1\n", b"Status: enabled/running\n", b""]
_NAMES = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
                 min_size=1, max_size=24).filter(lambda n: n not in (".", ".."))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_NAMES, st.sampled_from(_CONTENTS)), min_size=1, max_size=4))
def test_any_loose_names_land_at_printable_host_paths(items: list[tuple[str, bytes]]) -> None:
    from proxguard.inputs import kind_from_path
    from proxguard.inputs.loose import LooseFile, place_loose

    snap = Snapshot()
    place_loose(snap, [LooseFile(n, d) for n, d in items])
    for path, f in snap.files.items():
        assert path.isprintable() and ".." not in path.split("/")
        if f.kind != "unknown":
            assert kind_from_path(path) == f.kind, (path, f.kind)
    assert all(d.message.isprintable() and d.file.isprintable() for d in snap.diagnostics)


def test_a_sniffed_firewall_file_never_replaces_the_one_its_name_claims(tmp_path: Path) -> None:
    """`extra.fw` holding only [RULES] sniffs as cluster.fw; it must not silently replace
    the file named cluster.fw (which would turn the firewall off in the audit), whatever
    the order the files are given in."""
    real = tmp_path / "cluster.fw"
    real.write_text("[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[RULES]\nIN SSH(ACCEPT) -source 10.0.0.0/8\n")
    extra = tmp_path / "extra.fw"
    extra.write_text("[RULES]\nIN ACCEPT -p tcp -dport 8006\n")
    for order in ([extra, real], [real, extra]):
        snap = Snapshot.from_paths(order)
        assert "enable: 1" in snap.files["etc/pve/firewall/cluster.fw"].text
        msgs = [d for d in snap.diagnostics if d.file.endswith("extra.fw")]
        assert any(d.level == "error" and "not used" in d.message for d in msgs), msgs
        report = _audit(snap)
        fw_off = next(f for f in report["findings"] if f["rule"] == "firewall-disabled")
        assert fw_off["status"] == "pass"
