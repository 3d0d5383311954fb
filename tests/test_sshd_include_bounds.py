"""sshd Include fan-out is bounded: one diagnostic per position, a cap on total lines.

sshd itself bounds only the depth (16) and refuses to start on a cycle; the audit must
say the same without doing 2^16 or 3^16 walks, and a configuration that expands past the
line cap is "not assessed" with a clear error, never a hang.
"""

from __future__ import annotations

import pytest

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot, limits
from proxguard.parsers.sshd import load

MAIN = "etc/ssh/sshd_config"
GLOB = "Include /etc/ssh/sshd_config.d/*.conf\n"


def _fanout(n: int) -> dict[str, str]:
    files = {MAIN: GLOB + "PermitRootLogin no\n"}
    for i in range(n):
        files[f"etc/ssh/sshd_config.d/{i}.conf"] = GLOB + f"MaxAuthTries {i + 2}\n"
    return files


@pytest.mark.parametrize("n", [2, 3, 8])
def test_fanout_gives_one_diagnostic_per_position(n: int) -> None:
    d = Diagnostics()
    cfg = load(Snapshot.from_texts(_fanout(n)), d)
    assert cfg is not None and cfg.refused  # sshd: Too many recursive configuration includes
    errs = [(x.file, x.line) for x in d if x.level == "error"]
    assert len(errs) == len(set(errs))
    assert {x.file for x in d} <= {f"etc/ssh/sshd_config.d/{i}.conf" for i in range(n)}
    assert next(x.message for x in d if x.level == "error").startswith(
        "Too many recursive configuration includes")


def test_the_same_file_included_twice_at_one_position_is_one_diagnostic() -> None:
    d = Diagnostics()
    load(Snapshot.from_texts({MAIN: "Include /etc/ssh/x.conf /etc/ssh/x.conf\n",
                              "etc/ssh/x.conf": "PermitRootLogin no\nBogus yes\n"}), d)
    assert [(x.file, x.line) for x in d] == [("etc/ssh/x.conf", 2)]


def test_total_lines_are_capped_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_SSHD_LINES", 1000)
    files = {MAIN: "Include /etc/ssh/a.conf\n" * 40, "etc/ssh/a.conf": "Port 22\n" * 100}
    d = Diagnostics()
    assert load(Snapshot.from_texts(files), d) is None  # SSH not assessed
    [err] = [x for x in d if x.level == "error"]
    assert "1000" in err.message and "configuration lines" in err.message


def test_include_reads_only_within_etc_ssh() -> None:
    d = Diagnostics()
    cfg = load(Snapshot.from_texts({MAIN: "Include /etc/group\n",
                                    "etc/group": "root:x:0:\nSECRETLINE:x:1:\n"}), d)
    assert cfg is not None and not cfg.complete
    assert all("SECRETLINE" not in x.message and "root:x" not in x.message for x in d)

