"""Login eligibility against a live sshd: AllowUsers/DenyUsers/AllowGroups/DenyGroups.

`sshd -T` prints the lists but never runs auth.c allowed_user(), so eligibility is proven
by logging in for real: a throw-away sshd (`sshd -D -e -f <tree> -h <throw-away key>`,
`ListenAddress 127.0.0.1`, a free high port, `PidFile none`, `LogLevel VERBOSE`) serves
one generated tree; for each local system account the harness connects with
`ssh -o BatchMode=yes -o PreferredAuthentications=none` and reads sshd's log line for that
connection: "Connection closed by authenticating user U" (allowed_user() said yes) or
"... by invalid user U" (it said no; "User U from … not allowed because …" gives the
reason). Only the accounts that exist on the machine can be probed (getpwnam), and every
connection comes from 127.0.0.1, so the generated lists use those users, their real
groups (os.getgrouplist, as sshd's ga_init) and host patterns around 127.0.0.1.
The machine's own sshd is never touched: its config, port, keys and pid file are not used.
"""

from __future__ import annotations

import grp
import os
import pwd
import random
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model.sshd_login import eligibility
from proxguard.model.sshd_match import Connection
from proxguard.parsers.sshd import load

SSHD = "/usr/sbin/sshd"
SSH = "/usr/bin/ssh"
CANDIDATES = ("root", "daemon", "bin", "sys", "nobody", "sshd")
USER_PATTERNS = ("root", "daemon", "bin", "sys", "nobody", "d*", "?in", "s*", "!root", "*",
                 "r??t", "ro*t")
HOSTS = ("127.0.0.1", "127.0.0.0/8", "10.0.0.0/8", "127.0.0.*", "!127.0.0.1,*",
         "127.0.0.0/8,!127.0.0.1", "localhost", "*", "::1", "192.168.1.0/24")
GROUP_PATTERNS = ("root", "daemon", "bin", "sys", "adm", "nogroup", "r*", "!root", "*", "s?s")
CRITERIA = ("User root", "User d*,!daemon", "User !root,*", "Address 127.0.0.0/8",
            "Address 10.0.0.0/8", "Address !127.0.0.1,*", "Group root", "Group sys,bin",
            "Group nogroup", "All")
LISTS = ("AllowUsers", "DenyUsers", "AllowGroups", "DenyGroups")
_CLOSED = re.compile(r"Connection closed by (authenticating|invalid) user (\S+) 127\.0\.0\.1")


def unavailable() -> str | None:
    """Why live probes cannot run here, or None."""
    if not os.path.exists(SSH):
        return f"{SSH} not installed (apt-get install openssh-client)"
    if os.geteuid() != 0:
        return "a listening sshd needs root (privilege separation)"
    if len(users()) < 3:
        return "fewer than three probe accounts exist"
    return None


def users() -> list[str]:
    out = []
    for name in CANDIDATES:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        out.append(name)
    return out


def groups_of(user: str) -> tuple[str, ...]:
    """The user's primary and supplementary groups, as sshd's ga_init() gets them."""
    pw = pwd.getpwnam(user)
    names = []
    for gid in os.getgrouplist(user, pw.pw_gid):
        try:
            names.append(grp.getgrgid(gid).gr_name)
        except KeyError:
            continue
    return tuple(dict.fromkeys(names))


def _list_line(rng: random.Random) -> str:
    kw = rng.choice(LISTS)
    n = rng.randint(1, 3)
    if kw.endswith("Users"):
        pats = []
        for _ in range(n):
            p = rng.choice(USER_PATTERNS)
            if rng.random() < 0.35:
                p = f"{p}@{rng.choice(HOSTS)}"
            pats.append(p)
    else:
        pats = [rng.choice(GROUP_PATTERNS) for _ in range(n)]
    return f"{rng.choice([kw, kw.lower()])} {' '.join(pats)}"


def tree(seed: int) -> str:
    """A main file: fixed start-up lines, 0-3 global list lines, 0-2 Match blocks."""
    rng = random.Random(seed)
    lines = ["UseDNS no", "UsePAM yes", "PidFile none", "LogLevel VERBOSE",
             "ListenAddress 127.0.0.1", "PORT_LINE"]
    lines += [_list_line(rng) for _ in range(rng.randint(0, 3))]
    for _ in range(rng.randint(0, 2)):
        lines.append(f"Match {rng.choice(CRITERIA)}")
        lines += [f"\t{_list_line(rng)}" for _ in range(rng.randint(1, 2))]
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Outcome:
    user: str
    sshd_allows: bool | None  # None: no verdict found in the log
    model_allows: bool
    model_reason: str


def run(scratch: Path, key: Path, text: str, accounts: list[str]) -> list[Outcome] | str:
    """Serve `text` with a throw-away sshd and probe each account; a string explains why
    the tree could not be served (sshd refused it: the -T suite judges refusals)."""
    port = _free_port()
    cfg_path = scratch / "sshd_config"
    cfg_path.write_text(text.replace("PORT_LINE", f"Port {port}"))
    env = {"PATH": "/usr/sbin:/usr/bin:/bin", "LC_ALL": "C"}
    check = subprocess.run([SSHD, "-t", "-f", str(cfg_path), "-h", str(key)],
                           capture_output=True, text=True, env=env, timeout=20)
    if check.returncode != 0:
        return f"sshd -t refused: {check.stderr.strip()[:200]}"
    log = scratch / "sshd.log"
    with log.open("w") as out:
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(cfg_path), "-h", str(key)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        if not _wait_listening(log, proc):
            return f"sshd did not start: {log.read_text()[:300]}"
        clients = [subprocess.Popen(
            [SSH, "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "PreferredAuthentications=none",
             "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
             "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", "-p", str(port),
             f"{user}@127.0.0.1", "true"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env) for user in accounts]
        for c in clients:  # concurrent: sshd forks one child per connection
            c.wait(timeout=20)
        verdicts = _wait_verdicts(log, len(accounts))
    finally:
        proc.send_signal(signal.SIGTERM)  # only the process this harness started
        proc.wait(timeout=10)
    cfg = load(Snapshot.from_texts({"etc/ssh/sshd_config": cfg_path.read_text()}), Diagnostics())
    assert cfg is not None
    out = []
    for user in accounts:
        groups = groups_of(user)
        conn = Connection(user=user, host="127.0.0.1", addr="127.0.0.1", laddr="127.0.0.1",
                          lport=port, groups=groups)
        e = eligibility(cfg, user, groups, conn, "127.0.0.1")
        out.append(Outcome(user, verdicts.get(user), e.allowed, e.reason))
    return out


def _wait_listening(log: Path, proc: subprocess.Popen[bytes]) -> bool:
    for _ in range(200):
        if "Server listening" in log.read_text():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def _wait_verdicts(log: Path, n: int) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for _ in range(250):
        found = {m.group(2): m.group(1) == "authenticating"
                 for m in _CLOSED.finditer(log.read_text())}
        if len(found) >= n:
            break
        time.sleep(0.02)
    return found
