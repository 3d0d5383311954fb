"""Hostile inputs: time and peak memory of reading and auditing each one.

    python3 bench/hostile_inputs.py

Each case is built once into a temporary directory, then read and audited in a fresh
process (`--case NAME PATH`), which prints its wall time, its peak resident memory and
how it ended (a grade, or the one-line cap error the CLI would exit 2 with). The cases
are the ones of issue 10: a tarball of 100,000 members, a tarball that expands to 1 GB,
an sshd Include fan-out over three drop-ins, and 20 files of 64 KB built to make a
backtracking sniffer quadratic. Every case must end in seconds with bounded memory.
"""

from __future__ import annotations

import gzip
import io
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _tar(path: Path, members: list[tuple[str, bytes]]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _members_100k(d: Path) -> Path:
    p = d / "members-100k.tar.gz"
    _tar(p, [(f"snap/etc/pve/firewall/{100 + i}.fw", b"") for i in range(100_000)])
    return p


def _expands_1gb(d: Path) -> Path:
    """One 1 GiB member of zeros, written as a stream (about 1 MB compressed)."""
    p = d / "expands-1gb.tar.gz"
    size = 1 << 30
    with gzip.open(p, "wb", compresslevel=9) as gz:
        info = tarfile.TarInfo("snap/var/lib/blob")
        info.size = size
        gz.write(info.tobuf(format=tarfile.GNU_FORMAT))
        chunk = bytes(1 << 20)
        for _ in range(size // len(chunk)):
            gz.write(chunk)
        gz.write(bytes(1024))  # end-of-archive
    return p


def _include_fanout(d: Path) -> Path:
    root = d / "fanout"
    (root / "etc/ssh/sshd_config.d").mkdir(parents=True)
    glob = "Include /etc/ssh/sshd_config.d/*.conf\n"
    (root / "etc/ssh/sshd_config").write_text(glob + "PermitRootLogin no\n")
    for name in ("a", "b", "c"):
        (root / f"etc/ssh/sshd_config.d/{name}.conf").write_text(glob + "MaxAuthTries 3\n")
    return root


def _sniff_20x64k(d: Path) -> Path:
    p = d / "sniff-20x64k.tar.gz"
    body = ("tokenid " * 8192).encode()
    _tar(p, [(f"snap/etc/pve/firewall/{100 + i}.fw", body) for i in range(20)])
    return p


def _busy_root(d: Path) -> Path:
    """A host root as a live node looks: 10,000 unrelated files, a deep /proc-like tree,
    FIFOs, links out and into priv/, beside a small listed configuration."""
    import os

    root = d / "busy-root"
    for i in range(10_000):
        f = root / f"usr/share/doc/p{i % 100}/f{i}"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("x")
    deep = root.joinpath("proc", *[f"d{i}" for i in range(100)])
    deep.mkdir(parents=True)
    (root / "etc/ssh").mkdir(parents=True)
    (root / "etc/ssh/sshd_config").write_text("PermitRootLogin yes\n")
    (root / "etc/pve/priv").mkdir(parents=True)
    (root / "etc/pve/priv/token.cfg").write_text("secret")
    (root / "etc/pve/user.cfg").symlink_to("priv/token.cfg")
    (root / "etc/pve/storage.cfg").symlink_to("/dev/zero")
    os.mkfifo(root / "etc/pve/domains.cfg")
    return root


CASES = {
    "busy host root (10,000 unrelated files, FIFO, links)": _busy_root,
    "100k-member tarball": _members_100k,
    "1 GB-expanding tarball": _expands_1gb,
    "3-file Include fan-out": _include_fanout,
    "20 x 64 KB adversarial sniff files": _sniff_20x64k,
}


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM (per address space, so not inherited
    from the parent that built the input, unlike ru_maxrss), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(path: str) -> None:
    """In a fresh process: read and audit, print time, peak RSS and the outcome."""
    import proxguard.rules  # noqa: F401  (the catalogue: part of the baseline)
    from proxguard import audit
    from proxguard.inputs import InputError, Snapshot

    base_mb = _peak_mb()
    start = time.perf_counter()
    try:
        report = audit(Snapshot.from_paths([path]), now=0)
        outcome = f"grade {report.grade}, {len(report.host.diagnostics)} diagnostic(s)"
    except InputError as exc:
        outcome = f"exit 2: {exc}"
    took = time.perf_counter() - start
    peak_mb = _peak_mb()
    print(f"{took:8.2f} s  {peak_mb:7.1f} MB peak RSS ({base_mb:.1f} MB after imports)  {outcome}")


def main() -> int:
    from proxguard.inputs import limits

    print(f"caps: {limits.MAX_FILE_BYTES} bytes per file, {limits.MAX_TOTAL_BYTES} total "
          f"uncompressed bytes, {limits.MAX_MEMBERS} archive members, {limits.MAX_GUESTS} "
          f"guests, {limits.MAX_SSHD_LINES} sshd configuration lines")
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in CASES.items():
            t = time.perf_counter()
            path = build(Path(tmp))
            size = sum(p.stat().st_size for p in ([path] if path.is_file() else path.rglob("*")))
            print(f"{name} ({size / 1e6:.2f} MB on disk, built in {time.perf_counter() - t:.1f} s):")
            sys.stdout.flush()
            subprocess.run([sys.executable, __file__, "--case", str(path)], check=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--case"]:
        run_case(sys.argv[2])
        raise SystemExit(0)
    raise SystemExit(main())
