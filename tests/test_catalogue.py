"""The extended catalogue (issue 12 items 2, 3, 9-12): a clean host on which none of the
new checks fires, the algorithm-list and MaxStartups model, hostile values that must stay
data in every new remediation script, and `proxguard explain` for each new rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from harness import Sandbox, bash_n, scripts_for

import proxguard
from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model.sshd import SshdConfig
from proxguard.model.sshd_algos import algorithms, resolve, spec_problem, table
from proxguard.parsers.sshd import load

NEW = ("ssh-auth-bypass", "ssh-forwarding", "ssh-tcp-forwarding", "ssh-weak-crypto",
       "ssh-session-limits", "ssh-banner", "lxc-raw-overrides", "guest-host-hooks")
CLEAN = Path(__file__).parent / "samples" / "clean-host"
HOSTILE = "x$(touch PWNED)'\"`id`;"


def shellcheck(script: str) -> str:
    """All severities, except SC2016 ("expressions don't expand in single quotes"): the
    hostile values below are MEANT to sit in single quotes, unexpanded."""
    res = subprocess.run(["shellcheck", "-s", "bash", "-e", "SC2016", "-"], input=script,
                         capture_output=True, text=True, check=False)
    return res.stdout if res.returncode else ""


def _sshd(files: dict[str, str],
          version: tuple[int, int] | None = None) -> tuple[SshdConfig, Diagnostics]:
    d = Diagnostics()
    cfg = load(Snapshot.from_texts(files), d, version=version)
    assert cfg is not None
    return cfg, d


def test_none_of_the_new_checks_fires_on_a_clean_host() -> None:
    report = proxguard.audit(proxguard.load_snapshot([CLEAN]), profile="extended", now=0)
    got = {f.rule.id: f.status.value for f in report.findings if f.rule.id in NEW}
    assert got == dict.fromkeys(NEW, "pass")
    assert not [d for d in report.to_json()["diagnostics"] if d["level"] == "error"]


def test_the_new_checks_are_extended_only() -> None:
    report = proxguard.audit(proxguard.load_snapshot([CLEAN]), profile="compat", now=0)
    assert not {f.rule.id for f in report.findings} & set(NEW)


@pytest.mark.parametrize(("spec", "want"), [
    ("", "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
         "aes128-gcm@openssh.com,aes256-gcm@openssh.com"),
    ("+aes128-cbc", "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
                    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-cbc"),
    ("-aes*-ctr", "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com"),
    ("^aes128-cbc,aes256-ctr", "aes128-cbc,aes256-ctr,chacha20-poly1305@openssh.com,aes128-ctr,"
                               "aes192-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"),
    ("aes128-ctr,", "aes128-ctr"),
])
def test_cipher_lists_resolve_as_debian_12_sshd_prints_them(spec: str, want: str) -> None:
    """Each expectation is `sshd -T` output of Debian 12's 9.2p1 for that line."""
    assert ",".join(resolve(spec, table("Ciphers", (9, 2))) or []) == want


def test_wildcards_expand_in_supported_order_for_key_algorithms() -> None:
    got = resolve("ssh-ed25519*,rsa-sha2-*", table("HostKeyAlgorithms", (9, 2)))
    assert got == ["ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-256",
                   "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512",
                   "rsa-sha2-512-cert-v01@openssh.com"]


def test_openssh_10_defaults_differ_where_the_release_notes_say() -> None:
    kex10 = table("KexAlgorithms", (10, 0)).default
    assert kex10[0] == "mlkem768x25519-sha256"
    assert not [k for k in kex10 if k.startswith("diffie-hellman")]
    assert table("Ciphers", (10, 0)).default[1] == "aes128-gcm@openssh.com"
    assert "ssh-dss" not in table("HostKeyAlgorithms", (10, 0)).supported
    assert spec_problem("HostKeyAlgorithms", "+ssh-dss", (10, 0))
    assert not spec_problem("HostKeyAlgorithms", "+ssh-dss", (9, 2))


def test_pveversion_9_resolves_against_openssh_10() -> None:
    cfg, _ = _sshd({"etc/ssh/sshd_config": "KexAlgorithms +diffie-hellman-group14-sha1\n",
                    "commands/pveversion.txt": "pve-manager/9.0.3/0123abcd (running kernel: "
                                               "6.14.8-2-pve)\n"})
    names = algorithms(cfg, "KexAlgorithms").names
    assert names[0] == "mlkem768x25519-sha256" and names[-1] == "diffie-hellman-group14-sha1"


@pytest.mark.parametrize("line", ["Ciphers aes*", "Ciphers +foo", "MACs hmac-sha3",
                                  "HostKeyAlgorithms !ssh-rsa", "MaxStartups 20:30",
                                  "MaxStartups 10:30:5", "MaxStartups 0"])
def test_lines_sshd_refuses_are_errors(line: str) -> None:
    cfg, d = _sshd({"etc/ssh/sshd_config": line + "\n"})
    assert cfg.refused
    assert [(x.file, x.line) for x in d if x.level == "error"] == [("etc/ssh/sshd_config", 1)]


def test_a_minus_list_is_not_checked_and_may_name_anything() -> None:
    cfg, d = _sshd({"etc/ssh/sshd_config": "Ciphers -foo,aes128-ctr\n"})
    assert not cfg.refused and not [x for x in d if x.level == "error"]
    assert "aes128-ctr" not in algorithms(cfg, "Ciphers").names


@pytest.mark.parametrize(("lines", "want", "line"), [
    ("MaxStartups 5\nMaxStartups 20:40:80\n", "20:40:80", 2),
    ("MaxStartups 5:50:20\nMaxStartups 7\n", "7:50:7", 2),
    ("MaxStartups 7\nMaxStartups 5:50:20\n", "5:50:20", 2),
    ("MaxStartups 5x\n", "5:30:5", 1),
])
def test_maxstartups_is_the_last_line_combined_with_earlier_ones(lines: str, want: str,
                                                                 line: int) -> None:
    cfg, _ = _sshd({"etc/ssh/sshd_config": lines})
    s = cfg.effective("MaxStartups")
    assert (s.value, s.line) == (want, line)


def _hostile_tree(base: Path) -> Path:
    """A drop-in named with `$(…)`, quotes and a newline whose Match block weakens every
    family; the main file sets weak global values too."""
    root = base / "tree"
    dropins = root / "etc/ssh/sshd_config.d"
    dropins.mkdir(parents=True)
    (root / "etc/ssh/sshd_config").write_text(
        "Include /etc/ssh/sshd_config.d/*.conf\nX11Forwarding yes\nUsePAM yes\n")
    (dropins / f"50-{HOSTILE}\nnext.conf").write_text(
        "PermitTunnel yes\nMatch User backup\n    PermitEmptyPasswords yes\n"
        "    X11Forwarding yes\n    PubkeyAcceptedAlgorithms +ssh-rsa\n"
        "    LogLevel DEBUG3\n    Banner none\n")
    return root


def test_hostile_file_names_stay_data_in_every_new_ssh_script(tmp_path: Path) -> None:
    root = _hostile_tree(tmp_path)
    report = proxguard.audit(proxguard.load_snapshot([root]), profile="extended", now=0)
    ran = 0
    for rule in ("ssh-auth-bypass", "ssh-forwarding", "ssh-weak-crypto", "ssh-session-limits",
                 "ssh-banner"):
        scripts = scripts_for(report, rule)
        assert scripts, rule
        for target, script in scripts:
            assert bash_n(script) == "", f"{rule} {target}"
            assert shellcheck(script) == "", f"{rule} {target}: {shellcheck(script)}"
            box = Sandbox.create(tmp_path / f"{rule}-{ran}", root)
            res = box.run(script)
            ran += 1
            assert res.returncode == 0, f"{rule} {target}: {res.stdout}\n{res.stderr}"
            assert not list(box.root.rglob("PWNED")) and not Path("PWNED").exists()
            if target.startswith("host/match/"):
                text = next(p for p in box.root.glob("etc/ssh/sshd_config.d/50-*")
                            if p.name.endswith(".conf")).read_text()
                assert "# disabled by proxguard:" in text, f"{rule}: Match line not disabled"
    assert ran >= 8


def test_hostile_container_values_stay_data(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "etc/pve/lxc").mkdir(parents=True)
    (root / "etc/pve/qemu-server").mkdir(parents=True)
    (root / "etc/pve/lxc/120.conf").write_text(
        "arch: amd64\nhostname: h\nostype: debian\nrootfs: local:120/vm-120-disk-0.raw\n"
        f"lxc.mount.entry: /srv/{HOSTILE} srv none bind 0 0\n"
        f"lxc.hook.pre-start: /usr/local/bin/{HOSTILE}\ndev0: /dev/{HOSTILE}\n")
    (root / "etc/pve/qemu-server/220.conf").write_text(
        f"name: v\nhookscript: local:snippets/{HOSTILE}.pl\nargs: -name {HOSTILE}\n")
    report = proxguard.audit(proxguard.load_snapshot([root]), profile="extended", now=0)
    for rule in ("lxc-raw-overrides", "guest-host-hooks"):
        for target, script in scripts_for(report, rule):
            assert "PWNED" not in script, f"{rule} {target}: a config value reached the script"
            assert bash_n(script) == "" and shellcheck(script) == "", f"{rule} {target}"
            box = Sandbox.create(tmp_path / f"{rule}-{target.replace('/', '-')}", root)
            res = box.run(script, PROXGUARD_CONFIRM="1")
            assert res.returncode == 0, res.stderr
            assert not list(box.root.rglob("PWNED"))


@pytest.mark.parametrize("rule", NEW)
def test_explain_documents_each_new_rule(rule: str) -> None:
    out = subprocess.run([sys.executable, "-m", "proxguard", "explain", rule],
                         capture_output=True, text=True, check=True).stdout
    assert "What is checked" in out
    assert "CIS Debian" in out or "pve-" in out
