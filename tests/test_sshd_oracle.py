"""The sshd model against OpenSSH itself: generated trees, `sshd -T`, no disagreement.

Needs Debian's openssh-server (/usr/sbin/sshd) and /run/sshd (created when missing and
permitted). 2,000 seeded trees run in the normal suite, split over two processes; every
disagreement ever found is pinned below as a regression case.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sshd_oracle import generate, harness

from proxguard import audit
from proxguard.inputs import Snapshot

REASON = harness.unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"sshd oracle: {REASON}")

TREES = 2000
WORKERS = 2
# seeds whose trees once disagreed with sshd (fixed since): kept as regressions
REGRESSIONS = (2, 3, 27, 69, 195, 376, 396, 640, 686, 792, 923, 1171, 1384)


def _chunk(seeds: list[int]) -> list[tuple[int, list[str]]]:
    oracle = harness.Oracle()
    try:
        out = []
        for seed in seeds:
            t = generate.tree(seed)
            problems = harness.check_tree(oracle, t.for_sshd(str(oracle.root)),
                                          t.for_proxguard(), generate.connection(seed))
            if problems:
                out.append((seed, problems))
        return out
    finally:
        oracle.close()


def test_regression_seeds_agree_with_sshd() -> None:
    assert _chunk(list(REGRESSIONS)) == []


def test_generated_trees_agree_with_sshd() -> None:
    seeds = list(range(10_000, 10_000 + TREES))
    parts = [seeds[i::WORKERS] for i in range(WORKERS)]
    with ProcessPoolExecutor(WORKERS) as pool:
        bad = [x for part in pool.map(_chunk, parts) for x in part]
    assert bad == [], f"{len(bad)} of {TREES} trees disagree; first: {bad[:3]}"


@pytest.mark.parametrize("seed", range(20_000, 20_040))
def test_sshd_T_output_gives_the_same_ssh_verdicts_as_the_tree(seed: int) -> None:
    t = generate.tree(seed, bad=0.0)
    oracle = harness.Oracle()
    try:
        oracle.write(t.for_sshd(str(oracle.root)))
        if any("localport" in x.lower() for x in t.files.values()):
            pytest.skip("sshd -T without -C cannot evaluate Match LocalPort")
        run = oracle.run(None)
        if not run.ok:
            pytest.skip("tree rejected by sshd")
        dump = "\n".join(f"{k} {v}" for k, vs in run.values.items() for v in vs) + "\n"
    finally:
        oracle.close()
    tree_report = audit(Snapshot.from_texts(t.for_proxguard()), profile="compat", now=0)
    t_report = audit(Snapshot.from_texts({"commands/sshd-T.txt": dump}), profile="compat", now=0)

    def verdicts(report: object) -> dict[str, str]:
        return {f.rule.id: f.status.value for f in report.findings  # type: ignore[attr-defined]
                if f.rule.category == "ssh"}

    assert verdicts(t_report) == verdicts(tree_report)
