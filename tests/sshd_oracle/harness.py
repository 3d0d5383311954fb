"""Runs Debian's real sshd on a generated tree and compares it with the ProxGuard model.

sshd is run in extended test mode (`sshd -T -f <main> -h <hostkey> [-C spec]`) from a
temporary copy of the tree; `-h` supplies a throw-away host key so that no line of the
tree changes. `sshd -T` needs the privilege separation directory /run/sshd and the
`sshd` user (Debian's openssh-server creates the user; the directory is created here when
missing and we may). Comparison covers the keywords the SSH rules read, the listening
ports, and "sshd refuses the file" versus "ProxGuard reports an error at that line".
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model.sshd import SshdConfig
from proxguard.model.sshd_algos import ALGORITHM_KEYWORDS, algorithms
from proxguard.model.sshd_login import LISTS, effective_list
from proxguard.model.sshd_match import Connection
from proxguard.parsers.sshd import load

SSHD = "/usr/sbin/sshd"
_CANON = {k.lower(): k for k in (
    "PermitRootLogin", "PasswordAuthentication", "KbdInteractiveAuthentication",
    "PubkeyAuthentication", "MaxAuthTries", "AuthenticationMethods", "UsePAM",
    "X11Forwarding", "PermitEmptyPasswords", "ClientAliveInterval", "MaxSessions",
    # the extended catalogue's keywords (issue 12)
    "HostbasedAuthentication", "IgnoreRhosts", "PermitUserEnvironment", "DisableForwarding",
    "AllowTcpForwarding", "AllowAgentForwarding", "PermitTunnel", "LoginGraceTime",
    "MaxStartups", "ClientAliveCountMax", "LogLevel", "Banner")}
COMPARED = tuple(_CANON)
_ERR_LINE = re.compile(r"^(\S+?):? line (\d+):")


def unavailable() -> str | None:
    """Why the oracle cannot run here, or None."""
    if not os.path.exists(SSHD):
        return f"{SSHD} not installed (apt-get install openssh-server)"
    if shutil.which("ssh-keygen") is None:
        return "ssh-keygen not installed"
    if not os.path.isdir("/run/sshd"):
        try:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        except OSError as exc:
            return f"/run/sshd missing and cannot be created ({exc}); sshd -T needs it"
    return None


@dataclass
class SshdRun:
    ok: bool
    values: dict[str, list[str]] = field(default_factory=dict)
    error_lines: list[tuple[str, int]] = field(default_factory=list)  # (host path, line)
    stderr: str = ""


class Oracle:
    """A scratch directory with a host key; one instance per process."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pg-sshd-oracle-"))
        self.key = self.dir / "hostkey"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.key)],
                       check=True)
        self.root = self.dir / "root"

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, files: dict[str, str]) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        for path, text in files.items():
            p = self.root / path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(text.encode())

    def run(self, conn: Connection | None) -> SshdRun:
        cmd = [SSHD, "-T", "-f", str(self.root / "etc/ssh/sshd_config"), "-h", str(self.key)]
        if conn is not None:
            cmd += ["-C", f"user={conn.user},host={conn.host},addr={conn.addr},"
                          f"laddr={conn.laddr},lport={conn.lport}"]
        env = {"PATH": "/usr/sbin:/usr/bin:/bin", "LC_ALL": "C"}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=20)
        prefix = str(self.root) + "/"
        errors = []
        for line in proc.stderr.splitlines():
            m = _ERR_LINE.match(line)
            if m and m.group(1).startswith(prefix):
                errors.append((m.group(1)[len(prefix):], int(m.group(2))))
        values: dict[str, list[str]] = {}
        for line in proc.stdout.splitlines():
            key, _, value = line.partition(" ")
            values.setdefault(key, []).append(value)
        return SshdRun(proc.returncode == 0, values, errors, proc.stderr)


def model(files: dict[str, str]) -> tuple[SshdConfig, Diagnostics]:
    d = Diagnostics()
    cfg = load(Snapshot.from_texts(files), d)
    assert cfg is not None
    return cfg, d


def normalise_sshd(key: str, value: str) -> str:
    if key == "permitrootlogin" and value == "without-password":
        return "prohibit-password"
    if key == "loglevel":
        return {"silent": "quiet", "debug1": "debug"}.get(value.lower(), value.lower())
    return value


def compare(cfg: SshdConfig, run: SshdRun, conn: Connection | None) -> list[str]:
    """Disagreements between the model and sshd's effective values (empty = agree)."""
    out = []
    for key in COMPARED:
        if key not in run.values:
            continue
        theirs = normalise_sshd(key, run.values[key][0])
        s = cfg.effective(_CANON[key]) if conn is None else cfg.effective_for(_CANON[key], conn)
        if s.value != theirs:
            out.append(f"{key}: model {s.value!r} ({s.where}) vs sshd {theirs!r}")
    for kw in ALGORITHM_KEYWORDS:  # resolved (+ - ^, wildcards) against the version tables
        theirs_algos = run.values.get(kw.lower(), [""])[0]
        ours_algos = ",".join(algorithms(cfg, kw, conn).names)
        if ours_algos != theirs_algos:
            out.append(f"{kw}: model {ours_algos} vs sshd {theirs_algos}")
    for kw in LISTS:  # accumulated per connection, replacing the start-up list
        theirs_list = run.values.get(kw.lower(), [])
        ours_list = [e.pattern for e in effective_list(cfg, kw, conn or Connection())]
        if ours_list != theirs_list:
            out.append(f"{kw}: model {ours_list} vs sshd {theirs_list}")
    if conn is None:
        theirs_ports = sorted({int(p) for p in run.values.get("port", [])})
        listen = run.values.get("listenaddress", [])
        pinned = sorted({int(a.rsplit(":", 1)[1]) for a in listen})
        ours = sorted({p for p, _ in cfg.ports()})
        if ours != pinned:
            out.append(f"ports: model {ours} vs sshd listenaddress {pinned} (port {theirs_ports})")
    return out


def check_tree(oracle: Oracle, files_sshd: dict[str, str], files_pg: dict[str, str],
               conn: Connection) -> list[str]:
    """All disagreements for one tree (global view when sshd can give one, and `conn`)."""
    cfg, diags = model(files_pg)
    oracle.write(files_sshd)
    ours_err = {(d.file, d.line) for d in diags if d.level == "error"}
    problems: list[str] = []
    global_run = None if any("localport" in t.lower() for t in files_pg.values()) \
        else oracle.run(None)
    conn_run = oracle.run(conn)
    runs = [r for r in (global_run, conn_run) if r is not None]
    if (global_run is None or global_run.ok) and not conn_run.ok and not ours_err:
        # refused only while re-reading for this connection
        if cfg.connection_errors(conn):
            return problems
        problems.append(f"sshd drops {conn} ({conn_run.stderr.strip()[:300]}) but the model "
                        "finds no connection error")
        return problems
    if not all(r.ok for r in runs):
        their_err = set().union(*(set(r.error_lines) for r in runs))
        if not ours_err:
            problems.append(f"sshd refuses ({conn_run.stderr.strip()[:300]}) but the model "
                            "reports no error")
        elif their_err and not (their_err & ours_err):
            problems.append(f"sshd errors at {sorted(their_err)}, model at {sorted(ours_err)}")
        return problems
    if ours_err:
        problems.append(f"sshd accepts but the model reports errors at {sorted(ours_err)}: "
                        + "; ".join(d.message for d in diags if d.level == "error"))
        return problems
    if global_run is not None:
        problems += [f"[global] {p}" for p in compare(cfg, global_run, None)]
    problems += [f"[{conn}] {p}" for p in compare(cfg, conn_run, conn)]
    return problems
