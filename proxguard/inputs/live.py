"""Live mode: audit the running host (`proxguard audit /` or `--live`).

The files come from the list of sources exactly as for any directory (inputs.tree), so a
live audit opens nothing the collector would not. As root it also runs the list's
read-only commands — each found on a fixed system PATH, with no input, a timeout and a
cap on its output — and saves their output under commands/ as the collector does. The
snapshot carries the facts the report states about a live audit (host, pveversion,
time, what could not be read), because a grade of a live node must say where it came
from and what it could not see.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

from proxguard.inputs import limits, sources, tree
from proxguard.inputs.snapshot import Snapshot

COMMAND_TIMEOUT = 30.0  # seconds per command
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
MAX_USERS = 1000  # token listings run per user of `pveum user list`
_UNSAFE = re.compile(r"[^A-Za-z0-9._:/()+ -]")
_USER_ID = re.compile(r"[A-Za-z0-9._-]{1,64}@[A-Za-z0-9._-]{1,64}")


def read_live(root: str | Path = "/", now: int = 0, search_path: str = SYSTEM_PATH) -> Snapshot:
    """The snapshot of a live host rooted at `root` (/ in production; tests use a fake
    root and stub commands)."""
    snap = Snapshot()
    budget = limits.Budget()
    snap.add_directory(root, budget, sources.sources())
    is_root = os.geteuid() == 0
    commands: dict[str, str] = {}
    if is_root:
        _run_commands(snap, budget, commands, search_path)
    else:
        listed = ", ".join(" ".join(c.argv).replace("{user}", "<user>")
                           for c in sources.commands())
        snap.diagnostics.info("", 0, f"not running as root: the read-only commands ({listed}) "
                              "were not run and root-only files may be unreadable")
    not_read = sorted(p for p, s in snap.collected.items() if s == tree.UNREADABLE)
    if not_read:
        snap.diagnostics.warning("", 0, "could not read (permission denied): "
                                 + ", ".join(not_read) + "; graded without them")
    absent = sorted(p for p, s in snap.collected.items()
                    if s == tree.ABSENT and p.startswith("etc/pve/"))
    if absent:
        snap.diagnostics.info("", 0, "Proxmox VE inputs not present on this host: "
                              + ", ".join(absent))
    snap.live = _facts(snap, now, is_root, commands, not_read)
    return snap


def _facts(snap: Snapshot, now: int, is_root: bool, commands: dict[str, str],
           not_read: list[str]) -> dict[str, Any]:
    host = snap.files.get("commands/hostname.txt")
    version = snap.files.get("commands/pveversion.txt")
    hostname = host.text.strip().splitlines()[0] if host and host.text.strip() else ""
    return {
        "hostname": _plain(hostname or socket.gethostname()),
        "pveversion": (_plain(version.text.strip().splitlines()[0])
                       if version and version.text.strip() else None),
        "time": now,
        "root": is_root,
        "paths": dict(sorted(snap.collected.items())),
        "commands": commands,
        "not_read": not_read,
    }


def _plain(text: str) -> str:
    """A host name or version line as every report format may print it unescaped: the
    characters such lines hold (`pve-manager/8.4.1/… (running kernel: 6.8.12-4-pve)`),
    anything else as `?`, at most 255 characters."""
    return _UNSAFE.sub("?", text)[:255]


def _run_commands(snap: Snapshot, budget: limits.Budget, status: dict[str, str],
                  search_path: str) -> None:
    per_user = any(c.per_user for c in sources.commands())
    users = _users(search_path) if per_user else []
    for cmd in sources.commands():
        if cmd.per_user:
            for user in users:
                _run(snap, budget, status, search_path, cmd.output.replace("{user}", user),
                     [a.replace("{user}", user) for a in cmd.argv])
        else:
            _run(snap, budget, status, search_path, cmd.output, list(cmd.argv))


def _users(search_path: str) -> list[str]:
    """User ids of `pveum user list`, only ones of plain characters (never passed on
    otherwise), at most MAX_USERS."""
    out = _output(["pveum", "user", "list", "--output-format", "json"], search_path)
    try:
        rows = json.loads(out or b"[]")
    except ValueError:
        return []
    ids = [r.get("userid") for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    return [u for u in ids if isinstance(u, str) and _USER_ID.fullmatch(u)][:MAX_USERS]


def _run(snap: Snapshot, budget: limits.Budget, status: dict[str, str], search_path: str,
         output: str, argv: list[str]) -> None:
    rel = f"commands/{output}"
    if shutil.which(argv[0], path=search_path) is None:
        status[output] = "missing"
        return
    try:
        data = _output(argv, search_path, check=True)
    except subprocess.TimeoutExpired:
        snap.diagnostics.warning(rel, 0, f"`{' '.join(argv)}` timed out after "
                                 f"{COMMAND_TIMEOUT:g} s; not assessed")
        status[output] = "failed"
        return
    except (OSError, subprocess.CalledProcessError):
        status[output] = "failed"
        return
    if data is None or len(data) > limits.MAX_FILE_BYTES:
        snap.diagnostics.warning(rel, 0, "output larger than the cap on bytes per file; "
                                 "not assessed")
        status[output] = "failed"
        return
    snap._add_listed(rel, data, budget)
    status[output] = "ok"


def _output(argv: list[str], search_path: str, check: bool = False) -> bytes | None:
    """stdout of a read-only command: no stdin, C locale, the system PATH, a timeout."""
    exe = shutil.which(argv[0], path=search_path)
    if exe is None:
        return None
    child_path = search_path if search_path == SYSTEM_PATH else f"{search_path}:{SYSTEM_PATH}"
    env = {"PATH": child_path, "LC_ALL": "C", "LANG": "C"}
    with subprocess.Popen([exe, *argv[1:]], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=env, start_new_session=True) as proc:
        try:
            out, _ = proc.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the command and anything it started
            proc.communicate()
            if check:
                raise
            return None
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return out
