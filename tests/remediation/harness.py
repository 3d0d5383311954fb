"""Runs remediation scripts against a copy of a host tree with stub commands on PATH.

The stubs (stubs/pgstub.py, linked under each command's name) log every call as `W …`
(mutating) or `R …` (reading) and apply Proxmox object changes to the copy, so a test can
re-audit the copy, and check that a second run changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import proxguard
from proxguard.engine.run import Finding
from proxguard.remediation.scripts import render_target

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXAMPLES = REPO / "examples"
STUB = HERE / "stubs" / "pgstub.py"
STUB_NAMES = ("pvesh", "sshd", "systemctl", "pct", "qm", "vzdump", "pvesm", "pveum",
              "pve-firewall")
# The recording stub (stubs/recorder.sh) stands in for these in the hostile-input tests.
RECORDER = HERE / "stubs" / "recorder.sh"
# With the recorder, the commands that take file paths are recorded too (the paths carry
# names from the configs); `touch` stays real, it is how an injected canary would appear.
RECORDED_NAMES = (*STUB_NAMES, "exportfs", "cp", "mv", "install", "rm", "mkdir", "tee",
                  "chmod", "chown", "ln")
DEFAULT_NOW = 1767225600
# The values only an operator can give (docs/remediation.md, "Values only the operator
# knows"), as the round trips and the hostile-input runs supply them: a bare value for
# every target and `ID=value` items for one target each, so both forms are exercised.
PBS_FP = ":".join(["64", "d3", "ff", "3a"] * 8)
OPERATOR_ENV = {
    "PROXGUARD_TOKEN_PATH": "/vms/100 ops@pve!tf=/pool/ops",
    "PROXGUARD_PVEPROXY_ALLOW": "192.168.1.0/24,10.10.10.0/24",
    "PROXGUARD_PBS_ENCRYPTION_KEY": "autogen",
    "PROXGUARD_PBS_FINGERPRINT": f"{PBS_FP} pbs-plain={PBS_FP.replace('64', 'a1')}",
    "PROXGUARD_BACKUP_STORAGE": "local",
    "PROXGUARD_BACKUP_KEEP": "vmid",
}
BACKUP_DIR = "root/proxguard-backup"


@dataclass
class Sandbox:
    """A copied host tree, a bin dir of stubs and the call log, side by side."""

    root: Path
    bin: Path
    log: Path

    @classmethod
    def create(cls, base: Path, source: Path | None = None, *, recorder: bool = False
               ) -> Sandbox:
        """`recorder`: the bash stub that only records argv (fast, no PVE semantics)
        instead of pgstub.py."""
        root = base / "host"
        if source is not None:
            shutil.copytree(source, root, ignore=shutil.ignore_patterns("expect.json"))
        else:
            root.mkdir(parents=True)
        bin_dir = base / "bin"
        bin_dir.mkdir()
        stub = RECORDER if recorder else STUB
        stub.chmod(0o755)
        for name in RECORDED_NAMES if recorder else STUB_NAMES:
            (bin_dir / name).symlink_to(stub)
        return cls(root, bin_dir, base / "calls.log")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROXGUARD_")}
        env.pop("SSH_CLIENT", None)
        env.update({"PATH": f"{self.bin}:{os.environ['PATH']}", "PROXGUARD_ROOT": str(self.root),
                    "PROXGUARD_STUB_LOG": str(self.log), "ADMIN_IP": "192.0.2.50",
                    "PROXGUARD_STUB_ARGV": str(self.argv_log)})
        env.update(extra)
        return env

    @property
    def argv_log(self) -> Path:
        return self.root.parent / "argv.log"

    def run(self, script: str, **extra: str) -> subprocess.CompletedProcess[str]:
        path = self.root.parent / "script.sh"
        path.write_text(script, encoding="utf-8")
        return subprocess.run(["bash", str(path)], capture_output=True, text=True, check=False,
                              env=self.env(**extra), timeout=60, cwd=self.root.parent,
                              errors="surrogateescape")

    def argv(self) -> list[list[str]]:
        """Every recorded stub call as [command, arg, ...] (recorder stub only), each
        argument exactly as the command received it."""
        if not self.argv_log.exists():
            return []
        fields = self.argv_log.read_bytes().split(b"\0")[:-1]
        calls, i = [], 0
        while i < len(fields):
            n = int(fields[i])
            calls.append([f.decode("utf-8", "surrogateescape") for f in fields[i + 1:i + n + 2]])
            i += n + 2
        return calls

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def mutations(self) -> list[str]:
        return [c[2:] for c in self.calls() if c.startswith("W ")]

    def files(self, *, skip_backups: bool = False) -> dict[str, bytes]:
        out = {}
        for p in sorted(self.root.rglob("*")):
            rel = p.relative_to(self.root).as_posix()
            if p.is_file() and not (skip_backups and rel.startswith(BACKUP_DIR)):
                out[rel] = p.read_bytes()
        return out

    def audit(self, profile: str, now: int = DEFAULT_NOW) -> proxguard.Report:
        return proxguard.audit(proxguard.load_snapshot([self.root]), profile=profile, now=now)


def fail_cases() -> list[tuple[str, Path, str]]:
    """(rule id, fixture dir, profile) for every fixture where that profile fails."""
    out = []
    for expect in sorted(FIXTURES.glob("*/fail-*/expect.json")):
        data = json.loads(expect.read_text())
        for profile in ("compat", "extended"):
            if data.get(profile, {}).get("status") == "fail":
                out.append((expect.parent.parent.name, expect.parent, profile))
    return out


def case_id(case: tuple[str, Path, str]) -> str:
    return f"{case[0]}/{case[1].name}/{case[2]}"


def fixture_now(case_dir: Path) -> int:
    return int(json.loads((case_dir / "expect.json").read_text()).get("now", DEFAULT_NOW))


def finding_of(report: proxguard.Report, rule_id: str) -> Finding:
    return report.finding(rule_id)


def scripts_for(report: proxguard.Report, rule_id: str) -> list[tuple[str, str]]:
    """(target id, rendered script) for each failing target of the rule."""
    f = report.finding(rule_id)
    return [(t.result.id, render_target(f, t)) for t in f.failing]


def shellcheck(script: str) -> str:
    """shellcheck's complaints (all severities), empty when clean."""
    res = subprocess.run(["shellcheck", "-s", "bash", "-"], input=script, capture_output=True,
                         text=True, check=False)
    return res.stdout if res.returncode else ""


def bash_n(script: str) -> str:
    res = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True,
                         check=False)
    return res.stderr if res.returncode else ""


# A line that makes the stub `sshd -t` fail, as a real unknown keyword would.
MARKER_FILE_TEXT = "ProxguardStubInvalid yes\n"
