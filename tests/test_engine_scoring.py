"""Engine states and scoring arithmetic, on synthetic rules so the numbers are exact."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.engine.acceptances import Acceptance
from proxguard.engine.profiles import COMPAT, EXTENDED
from proxguard.engine.run import run
from proxguard.engine.scoring import score
from proxguard.inputs import Snapshot
from proxguard.model.host import Host
from proxguard.rule import (
    Reference,
    Remediation,
    Rule,
    Severity,
    Status,
    Tuning,
    failed,
    passed,
    unassessed,
)

NOW = 1767225600


def _rule(rid: str, category: str, sev: Severity, results, inputs=("sshd",)) -> Rule:
    def check(host, params):
        if isinstance(results, Exception):
            raise results
        return results

    return Rule(id=rid, title=rid, category=category, references=(Reference("PVE", "X"),),
                inputs=inputs, rationale="r", docs="d", remediation=Remediation("fix it"),
                check=check, profiles={"compat": Tuning(sev), "extended": Tuning(sev)})


def _host(**parts) -> Host:
    h = Host(snapshot=Snapshot(), now=NOW, diagnostics=Diagnostics())
    for k, v in parts.items():
        setattr(h, k, v)
    return h


def test_missing_input_is_not_evaluated_never_failed() -> None:
    r = _rule("a", "ssh", Severity.CRITICAL, [failed("host", "bad")])
    (f,) = run(_host(), [r], COMPAT)
    assert f.status is Status.NOT_EVALUATED and f.missing_inputs == ("sshd",)
    s = score([f], COMPAT)
    assert s.score is None and not s.categories[0].assessed


def test_dotted_input_resolves_step_by_step() -> None:
    class Fw:
        cluster = None

    r = _rule("a", "firewall", Severity.HIGH, [failed("host", "x")], inputs=("firewall.cluster",))
    (f,) = run(_host(firewall=Fw()), [r], COMPAT)
    assert f.status is Status.NOT_EVALUATED


def test_no_targets_is_not_applicable_and_category_still_assessed() -> None:
    r = _rule("a", "storage", Severity.HIGH, [])
    (f,) = run(_host(sshd=object()), [r], COMPAT)
    assert f.status is Status.NOT_APPLICABLE
    s = score([f], COMPAT)
    assert s.score == 100 and s.categories[4].assessed


def test_crashing_check_is_reported_not_passed() -> None:
    r = _rule("a", "ssh", Severity.HIGH, RuntimeError("boom"))
    h = _host(sshd=object())
    (f,) = run(h, [r], COMPAT)
    assert f.status is Status.NOT_EVALUATED and "boom" in (f.error or "")
    assert any("boom" in d.message for d in h.diagnostics)


def test_acceptance_covers_exactly_its_target_and_expires() -> None:
    r = _rule("priv", "container", Severity.HIGH,
              [failed("ct/110", "privileged"), failed("ct/111", "privileged")])
    h = _host(sshd=object())
    acc = [Acceptance("priv", "ct/110", "PBS needs it")]
    (f,) = run(h, [r], COMPAT, acc)
    assert [(t.result.id, t.status) for t in f.targets] == [
        ("ct/110", Status.ACCEPTED), ("ct/111", Status.FAIL)]
    assert f.status is Status.FAIL
    (only,) = run(h, [_rule("priv", "container", Severity.HIGH, [failed("ct/110", "p")])],
                  COMPAT, acc)
    assert only.status is Status.ACCEPTED
    expired = [Acceptance("priv", "ct/110", "old", dt.date(2025, 1, 1))]
    (f2,) = run(h, [r], COMPAT, expired)
    assert f2.targets[0].status is Status.FAIL


def test_compat_subtracts_once_per_rule_and_weights_assessed_categories() -> None:
    h = _host(sshd=object())
    rules = [
        _rule("crit", "ssh", Severity.CRITICAL, [failed("host", "x")]),
        _rule("med", "ssh", Severity.MEDIUM, [failed("a", "x"), failed("b", "y")]),
        _rule("ok", "container", Severity.HIGH, [passed("ct/1", "fine")]),
    ]
    s = score(run(h, rules, COMPAT), COMPAT)
    ssh, container = s.categories[0], s.categories[3]
    assert (ssh.score, container.score) == (50, 100)
    assert s.score == round((25 * 50 + 15 * 100) / 40) == 69 and s.grade == "D"


def test_extended_normalises_then_caps() -> None:
    h = _host(sshd=object())
    rules = [
        _rule("h", "ssh", Severity.HIGH, [failed("host", "x")]),
        *[_rule(f"p{i}", "ssh", Severity.CRITICAL, [passed("host", "ok")]) for i in range(5)],
    ]
    s = score(run(h, rules, EXTENDED), EXTENDED)
    # 100 × (1 − 25 / (25 + 5×40)) = 88.9 → 89, capped at 79 by the high failure
    assert s.categories[0].score == 79


def test_conditional_failure_scores_one_step_lower() -> None:
    h = _host(sshd=object())
    r = _rule("m", "ssh", Severity.HIGH, [failed("host", "x", conditional="Match User bob")])
    (f,) = run(h, [r], COMPAT)
    assert f.targets[0].severity is Severity.MEDIUM
    assert score([f], COMPAT).categories[0].score == 90


def test_score_without_acceptances_counts_them_as_failures() -> None:
    h = _host(sshd=object())
    r = _rule("priv", "container", Severity.HIGH, [failed("ct/110", "p")])
    (f,) = run(h, [r], COMPAT, [Acceptance("priv", "ct/110", "why")])
    assert score([f], COMPAT).score == 100
    assert score([f], COMPAT, honour_acceptances=False).score == 75


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Severity)), st.booleans()), min_size=1, max_size=8),
       st.sampled_from(list(Severity)))
def test_extended_adding_a_passing_rule_never_lowers_a_score(rules, new_sev) -> None:
    h = _host(sshd=object())
    base = [_rule(f"r{i}", "ssh", sev, [failed("host", "x") if bad else passed("host", "ok")])
            for i, (sev, bad) in enumerate(rules)]
    before = score(run(h, base, EXTENDED), EXTENDED).score
    after = score(run(h, [*base, _rule("new", "ssh", new_sev, [passed("host", "ok")])], EXTENDED),
                  EXTENDED).score
    assert after is not None and before is not None and after >= before


def test_extended_denominator_uses_the_profile_severity_numerator_the_failing_one() -> None:
    h = _host(sshd=object())
    rules = [
        _rule("priv", "container", Severity.HIGH, [failed("ct/110", "privileged")]),
        _rule("nest", "container", Severity.HIGH,
              [failed("ct/104", "nesting", severity=Severity.INFO)]),
    ]
    s = score(run(h, rules, EXTENDED), EXTENDED)
    # lost 25 (high) + 0 (info) of a possible 25 + 25
    assert s.categories[3].score == 50


def test_objects_that_cannot_be_judged_are_not_assessed_and_carry_no_points() -> None:
    """NFS without no_root_squash: the export is on the server, not in any file."""
    unknown = _rule("nfs", "storage", Severity.LOW, [unassessed("storage/a", "export unseen"),
                                                     unassessed("storage/b", "export unseen")])
    good = _rule("cifs", "storage", Severity.MEDIUM, [passed("storage/c", "ok")])
    bad = _rule("cifs", "storage", Severity.MEDIUM, [failed("storage/c", "0777")])
    mixed = _rule("nfs", "storage", Severity.LOW, [unassessed("storage/a", "unseen"),
                                                   failed("storage/b", "no_root_squash")])
    host = _host(sshd=object())
    (f,) = run(host, [unknown], EXTENDED)
    assert f.status is Status.NOT_EVALUATED and f.missing_inputs == ()
    assert [t.status for t in f.targets] == [Status.NOT_EVALUATED] * 2
    for profile in (COMPAT, EXTENDED):
        alone = score(run(host, [unknown], profile), profile)
        assert alone.score is None and not alone.categories[4].assessed
        with_bad = score(run(host, [unknown, bad], profile), profile)
        without = score(run(host, [bad], profile), profile)
        assert with_bad.categories[4].score == without.categories[4].score
        assert score(run(host, [unknown, good], profile), profile).categories[4].score == 100
    (m,) = run(host, [mixed], EXTENDED)
    assert m.status is Status.FAIL
