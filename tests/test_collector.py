"""The collector reads exactly its list of config paths and never a secret."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

import proxguard

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "proxguard-collect.sh"
AGENT_LAB = ROOT / "examples" / "agent-lab"

SECRETS = [
    "etc/pve/priv/token.cfg", "etc/pve/priv/tfa.cfg", "etc/pve/priv/shadow.cfg",
    "etc/pve/priv/storage/pbs-local.pw", "etc/pve/priv/storage/pbs-local.enc",
    "etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_rsa_key", "etc/pve/priv/authorized_keys",
]


def _stub(bindir: Path, name: str, body: str) -> None:
    path = bindir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def fake_host(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for src in AGENT_LAB.rglob("*"):
        rel = src.relative_to(AGENT_LAB)
        if src.is_file() and rel.parts[0] == "etc":
            # the host keeps guest configs under nodes/<node>/; /etc/pve/lxc is a symlink
            parts = list(rel.parts)
            if parts[:3] in (["etc", "pve", "lxc"], ["etc", "pve", "qemu-server"]):
                parts = ["etc", "pve", "nodes", "pve1", *parts[2:]]
            dest = root.joinpath(*parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read_bytes())
    for s in SECRETS:
        p = root / s
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("SECRET-DO-NOT-READ\n")
    return root


def test_collects_configs_and_commands_but_no_secret(fake_host: Path, tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    _stub(bindir, "sshd", 'echo "permitrootlogin without-password"\necho "port 2222"\n')
    _stub(bindir, "pveversion", 'echo "pve-manager/8.4.1/2a5fa54a8503f96d"\n')
    _stub(bindir, "pveum", 'case "$*" in\n'
          '  "user list --output-format json") echo \'[{"userid":"root@pam"},{"userid":"agent@pve"}]\';;\n'
          '  "user token list agent@pve --output-format json") echo \'[{"tokenid":"mcp","expire":0,"privsep":1}]\';;\n'
          '  *) echo "[]";;\nesac\n')
    # pct.pm / qm.pm `list` formats; a hostile hostname is saved as it is (data)
    _stub(bindir, "pct", "printf '%-10s %-10s %-12s %-20s\\n' VMID Status Lock Name "
          "110 running '' '$(touch${IFS}CANARY)'\n")
    _stub(bindir, "qm", "printf '%10s %-20s %-10s %-10s %12s %-10s\\n' VMID NAME STATUS "
          "'MEM(MB)' 'BOOTDISK(GB)' PID\n"
          "printf '%10s %-20s %-10s %-10s %12.2f %-10s\\n' 200 'VM 200' stopped 2048 32 0\n")
    out = tmp_path / "snap.tar.gz"
    env = dict(os.environ, PROXGUARD_ROOT=str(fake_host), PROXGUARD_RUN_COMMANDS="1",
               PATH=f"{bindir}:{os.environ['PATH']}")
    res = subprocess.run(["sh", str(SCRIPT), str(out)], env=env, capture_output=True, text=True,
                         check=True)
    with tarfile.open(out) as tar:
        names = sorted(m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile())
        assert all(b"SECRET" not in tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert not [n for n in names if "priv/" in n or "host_" in n]
    assert "etc/ssh/sshd_config" in names and "etc/pve/user.cfg" in names
    assert "etc/pve/nodes/pve1/lxc/110.conf" in names and "etc/pve/nodes/pve1/host.fw" in names
    assert {"commands/sshd-T.txt", "commands/pveversion.txt",
            "commands/pveum-user-token-list/agent@pve.json",
            "commands/pveum-user-token-list/root@pam.json"} <= set(names)
    assert f"Collected {len(names)} files" in res.stdout
    assert not list(tmp_path.rglob("CANARY")) and not list(Path.cwd().glob("CANARY"))
    report = proxguard.audit(proxguard.load_snapshot([out])).to_json()
    assert {i["kind"] for i in report["inputs"]} >= {"sshd_config", "user_cfg", "lxc_conf",
                                                    "pct_list", "qm_list", "jobs_cfg",
                                                    "pveproxy_default", "manifest"}
    assert not [d for d in report["diagnostics"] if d["file"].endswith("-list.txt")]
    # the lab's backup job, pveproxy list and missing corosync.conf (a single node, which
    # the collector's own manifest records) are judged as from the demo directory
    findings = {f["rule"]: f for f in report["findings"]}
    assert findings["pveproxy-access"]["status"] == "pass"
    assert findings["corosync-crypto"]["status"] == "not_applicable"
    assert sorted(t["id"] for t in findings["backup-coverage"]["targets"]
                  if t["status"] == "fail") == ["ct/110", "ct/120", "ct/121", "ct/122"]


def test_every_path_the_script_reads_is_a_config_path() -> None:
    text = SCRIPT.read_text()
    body = text.split("SOURCE_PATHS='", 1)[1].split("'", 1)[0]
    reads = body.splitlines()
    assert len(reads) >= 10 and "etc/pve/user.cfg" in reads and "etc/group" in reads
    for path in reads:
        assert not re.search(r"priv|_key|shadow|\.pw$|\.key$", path), path
        assert path.startswith(("etc/ssh/sshd_config", "etc/pve/", "etc/apt/", "etc/default/",
                                "etc/group")), path
    # the only copy is the one of copy_one, after readlink -f and the refusals
    assert text.count("cp -- ") == 1 and "readlink -f" in text


# -- one list of sources, links resolved, manifest (issues 10 and 20) -------------------

def _links_host(tmp_path: Path) -> Path:
    """A host copy under a root whose path holds a space, with links a careless
    collector would follow into secrets."""
    root = tmp_path / "host copy" / "root"
    for rel, text in {"etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\n",
                      "etc/ssh/sshd_config.d/10-a.conf": "PermitRootLogin no\n",
                      "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n",
                      "etc/pve/nodes/pve1/lxc/110.conf": "arch: amd64\n",
                      "etc/group": "root:x:0:\n",
                      "etc/shadow": "root:SECRET-DO-NOT-READ:1::::::\n",
                      "etc/gshadow": "root:SECRET-DO-NOT-READ::\n",
                      "etc/pve/priv/shadow.cfg": "SECRET-DO-NOT-READ\n",
                      "etc/ssh/ssh_host_rsa_key": "SECRET-DO-NOT-READ\n",
                      "etc/pve/notes": "SECRET-DO-NOT-READ\n"}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (root / "etc/pve/user.cfg").symlink_to("priv/shadow.cfg")
    (root / "etc/pve/domains.cfg").symlink_to("notes")  # inside, but not listed
    (root / "etc/pve/storage.cfg").symlink_to("/etc/passwd")  # outside the root
    (root / "etc/ssh/sshd_config.d/20-key.conf").symlink_to("../ssh_host_rsa_key")
    (root / "etc/ssh/sshd_config.d/30-shadow.conf").symlink_to("../../shadow")
    (root / "etc/pve/firewall/100.fw").symlink_to("cluster.fw")  # listed: followed
    (root / "etc/pve/firewall/101.fw").symlink_to("missing.fw")  # dangling
    os.mkfifo(root / "etc/pve/firewall/102.fw")
    return root


def _collect(root: Path, tmp_path: Path, *prefix: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path / "out dir" / "snap.tar.gz"
    out.parent.mkdir(exist_ok=True)
    env = dict(os.environ, PROXGUARD_ROOT=str(root))
    env.pop("PROXGUARD_RUN_COMMANDS", None)
    res = subprocess.run([*prefix, "dash", str(SCRIPT), str(out)], env=env, capture_output=True,
                         text=True, check=True, timeout=60)
    return out, res


def test_collector_resolves_links_and_writes_the_manifest(tmp_path: Path) -> None:
    root = _links_host(tmp_path)
    out, res = _collect(root, tmp_path)
    with tarfile.open(out) as tar:
        files = {m.name.split("/", 1)[1]: tar.extractfile(m).read()  # type: ignore[union-attr]
                 for m in tar.getmembers() if m.isfile()}
    assert all(b"SECRET" not in data for data in files.values())
    assert set(files) == {"etc/ssh/sshd_config", "etc/ssh/sshd_config.d/10-a.conf",
                          "etc/pve/firewall/cluster.fw", "etc/pve/firewall/100.fw",
                          "etc/pve/nodes/pve1/lxc/110.conf", "etc/group",
                          "proxguard-manifest.json"}
    assert files["etc/pve/firewall/100.fw"] == files["etc/pve/firewall/cluster.fw"]
    manifest = json.loads(files["proxguard-manifest.json"])
    assert manifest["schema"] == "proxguard-manifest/1"
    assert isinstance(manifest["collected_at"], int) and manifest["hostname"]
    paths = manifest["paths"]
    assert {k: paths[k] for k in (
        "etc/ssh/sshd_config", "etc/pve/user.cfg", "etc/pve/domains.cfg", "etc/pve/storage.cfg",
        "etc/ssh/sshd_config.d/20-key.conf", "etc/ssh/sshd_config.d/30-shadow.conf",
        "etc/pve/firewall/100.fw", "etc/pve/firewall/101.fw", "etc/pve/firewall/102.fw",
        "etc/pve/nodes/*/qemu-server/*.conf", "etc/apt/sources.list")} == {
        "etc/ssh/sshd_config": "present", "etc/pve/user.cfg": "refused",
        "etc/pve/domains.cfg": "refused", "etc/pve/storage.cfg": "refused",
        "etc/ssh/sshd_config.d/20-key.conf": "refused",
        "etc/ssh/sshd_config.d/30-shadow.conf": "refused",
        "etc/pve/firewall/100.fw": "present", "etc/pve/firewall/101.fw": "absent",
        "etc/pve/firewall/102.fw": "refused",
        "etc/pve/nodes/*/qemu-server/*.conf": "absent", "etc/apt/sources.list": "absent"}
    assert set(paths.values()) <= {"present", "absent", "unreadable", "refused"}
    assert manifest["commands"] == {}  # not the live root: no command was run
    assert "It contains no secrets" in res.stdout
    # and the audit reads the tarball, manifest included
    snap = proxguard.load_snapshot([out])
    assert "proxguard-manifest.json" in snap.files


def _can_trace() -> bool:
    if shutil.which("strace") is None:
        return False
    return subprocess.run(["strace", "-qq", "-o", "/dev/null", "true"],
                          capture_output=True).returncode == 0  # ptrace may be forbidden


@pytest.mark.skipif(not _can_trace(), reason="strace not installed or not permitted")
def test_collector_never_opens_a_secret_or_unlisted_file(tmp_path: Path) -> None:
    root = _links_host(tmp_path)
    log = tmp_path / "trace"
    _collect(root, tmp_path, "strace", "-f", "-qq", "-e", "trace=open,openat,openat2",
             "-o", str(log))
    opened = set(re.findall(r'open(?:at2?)?\((?:AT_FDCWD, )?"([^"]+)"', log.read_text()))
    under = {p[len(str(root)) + 1:].rstrip("/") for p in opened
             if p.startswith(str(root) + "/")}
    assert not [p for p in under if re.search(r"priv|shadow|ssh_host|notes", p)], under
    assert under <= {"etc/ssh/sshd_config", "etc/ssh/sshd_config.d/10-a.conf",
                     "etc/pve/firewall/cluster.fw", "etc/pve/nodes/pve1/lxc/110.conf",
                     "etc/group", "etc/pve/firewall", "etc/ssh/sshd_config.d",
                     "etc/pve/nodes", "etc/pve/nodes/pve1/lxc", "etc/apt/sources.list.d",
                     "etc/pve/nodes/pve1", "etc/pve/nodes/pve1/qemu-server"}, under


def test_collector_is_shellcheck_clean_and_dash_parses_it() -> None:
    if shutil.which("shellcheck"):
        res = subprocess.run(["shellcheck", "-s", "sh", str(SCRIPT)], capture_output=True,
                             text=True)
        assert res.returncode == 0, res.stdout
    assert subprocess.run(["dash", "-n", str(SCRIPT)]).returncode == 0


@pytest.mark.parametrize("guest_tools", [True, False], ids=["pve-node", "no-pct-qm"])
def test_collector_runs_the_listed_read_only_commands(fake_host: Path, tmp_path: Path,
                                                      guest_tools: bool) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    names = ["sshd", "pveversion", "pve-firewall", "iptables-save", "ip6tables-save", "nft",
             "free", "hostname"]
    for name in names + (["pct", "qm"] if guest_tools else []):
        _stub(bindir, name, f'echo "{name} $*"\n')
    _stub(bindir, "pveum", 'case "$*" in\n'
          '  "user list --output-format json") echo \'[{"userid":"root@pam"},{"userid":"a;b@pve"}]\';;\n'
          '  *) echo "[]";;\nesac\n')
    out = tmp_path / "snap.tar.gz"
    env = dict(os.environ, PROXGUARD_ROOT=str(fake_host), PROXGUARD_RUN_COMMANDS="1",
               PATH=f"{bindir}:/usr/bin:/bin")
    assert guest_tools or not (shutil.which("pct", path="/usr/bin:/bin")
                               or shutil.which("qm", path="/usr/bin:/bin"))
    subprocess.run(["dash", str(SCRIPT), str(out)], env=env, capture_output=True, text=True,
                   check=True, timeout=60)
    with tarfile.open(out) as tar:
        files = {m.name.split("/", 1)[1]: tar.extractfile(m).read().decode()  # type: ignore[union-attr]
                 for m in tar.getmembers() if m.isfile()}
    assert files["commands/pve-firewall-status.txt"] == "pve-firewall status\n"
    assert files["commands/iptables-save.txt"] == "iptables-save \n"
    assert files["commands/ip6tables-save.txt"] == "ip6tables-save \n"
    assert files["commands/nft-list-ruleset.txt"] == "nft list ruleset\n"
    assert files["commands/free-b.txt"] == "free -b\n"
    assert files["commands/hostname.txt"] == "hostname \n"
    assert files["commands/sshd-T.txt"] == "sshd -T\n"
    if guest_tools:  # which guests run (ram-budget's always-on tier)
        assert files["commands/pct-list.txt"] == "pct list\n"
        assert files["commands/qm-list.txt"] == "qm list\n"
    else:  # not a PVE node's PATH: recorded as missing, no empty file left behind
        assert "commands/pct-list.txt" not in files and "commands/qm-list.txt" not in files
    manifest = json.loads(files["proxguard-manifest.json"])
    guest_status = "ok" if guest_tools else "missing"
    assert manifest["commands"] == {
        "sshd-T.txt": "ok", "pveversion.txt": "ok", "pve-firewall-status.txt": "ok",
        "iptables-save.txt": "ok", "ip6tables-save.txt": "ok", "nft-list-ruleset.txt": "ok",
        "free-b.txt": "ok", "pct-list.txt": guest_status, "qm-list.txt": guest_status,
        "hostname.txt": "ok", "pveum-user-token-list/root@pam.json": "ok"}


def test_hostile_file_names_stay_data(tmp_path: Path) -> None:
    root = tmp_path / "root"
    fw = root / "etc/pve/firewall"
    fw.mkdir(parents=True)
    evil = "$(touch CANARY)'\n`touch CANARY2`.fw"
    (fw / evil).write_text("[OPTIONS]\nenable: 1\n")
    out, res = _collect(root, tmp_path)
    assert not list(tmp_path.rglob("CANARY*")) and not list(Path.cwd().glob("CANARY*"))
    assert all(c.isprintable() for line in res.stdout.splitlines() for c in line)
    with tarfile.open(out) as tar:
        names = [m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()]
        manifest = json.loads(tar.extractfile(  # type: ignore[union-attr]
            next(m for m in tar.getmembers() if m.name.endswith("proxguard-manifest.json"))).read())
    assert f"etc/pve/firewall/{evil}" in names  # copied as data, under its own name
    shown = re.sub(r"[^A-Za-z0-9._@/+*?\[\]!-]", "?", f"etc/pve/firewall/{evil}")
    assert manifest["paths"][shown] == "present"  # the manifest key is made printable


def test_a_host_without_ip6tables_save_records_it_missing(fake_host: Path, tmp_path: Path) -> None:
    """The IPv6 dump is optional like every command: its absence is said in the
    manifest (the audit then reports IPv6 as not assessed), never a failed collection."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("iptables-save", "nft"):
        _stub(bindir, name, f'echo "{name} $*"\n')
    out = tmp_path / "snap.tar.gz"
    env = dict(os.environ, PROXGUARD_ROOT=str(fake_host), PROXGUARD_RUN_COMMANDS="1",
               PATH=f"{bindir}:/usr/bin:/bin")
    subprocess.run(["dash", str(SCRIPT), str(out)], env=env, capture_output=True, text=True,
                   check=True, timeout=60)
    with tarfile.open(out) as tar:
        names = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}
        manifest = json.loads(tar.extractfile(  # type: ignore[union-attr]
            next(m for m in tar.getmembers() if m.name.endswith("proxguard-manifest.json"))).read())
    if shutil.which("ip6tables-save", path="/usr/bin:/bin") is None:
        assert manifest["commands"]["ip6tables-save.txt"] == "missing"
        assert "commands/ip6tables-save.txt" not in names
    assert manifest["commands"]["iptables-save.txt"] == "ok"
