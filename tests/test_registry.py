"""The catalogue's own invariants: explicit registry, unique ids, docs, fixtures, profiles."""

from __future__ import annotations

import importlib
import json
import pkgutil
import tomllib
from pathlib import Path

import proxguard.rules as catalogue
from proxguard.rule import Rule
from proxguard.rules import ALL_RULES, BY_ID

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

COMPAT_16 = {
    "root-ssh-password", "ssh-default-port", "password-auth-enabled", "high-max-auth-tries",
    "firewall-disabled", "default-accept-input", "no-firewall-rules", "no-2fa-users",
    "root-api-tokens", "overpermissive-roles", "privileged-containers", "container-nesting",
    "nfs-no-root-squash", "cifs-world-readable", "admin-api-tokens", "no-token-expiry",
}


def _rule_modules() -> list[Rule]:
    found = []
    for pkg in pkgutil.iter_modules(catalogue.__path__, "proxguard.rules."):
        if not pkg.ispkg:
            continue
        sub = importlib.import_module(pkg.name)
        for mod in pkgutil.iter_modules(sub.__path__, pkg.name + "."):
            rule = getattr(importlib.import_module(mod.name), "RULE", None)
            if isinstance(rule, Rule):
                found.append(rule)
    return found


def test_every_rule_module_is_registered_once() -> None:
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids)), "duplicate rule id"
    assert {r.id for r in _rule_modules()} == set(ids)


def test_compat_profile_is_exactly_the_incumbents_16() -> None:
    assert {r.id for r in ALL_RULES if "compat" in r.profiles} == COMPAT_16


def test_every_rule_has_docs_references_and_remediation() -> None:
    for r in ALL_RULES:
        assert len(r.docs.strip()) > 80, r.id
        assert r.rationale.strip(), r.id
        assert r.references, r.id
        assert r.remediation.summary.strip(), r.id
        assert r.inputs, r.id


# Rules whose best verdict is "not assessed": the configuration they read can show the
# fault but never its absence (storage.cfg holds NFS client options, not the server's
# exports). They need a not-assessed (ne-) fixture where others need a pass fixture.
NEVER_PASS = {"nfs-no-root-squash"}


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    for rule_id in BY_ID:
        cases = [p.parent.name for p in (FIXTURES / rule_id).glob("*/expect.json")]
        best = "ne-" if rule_id in NEVER_PASS else "pass-"
        assert any(c.startswith(best) for c in cases), f"{rule_id}: no {best} fixture"
        assert any(c.startswith("fail-") for c in cases), f"{rule_id}: no fail fixture"


def test_never_pass_rules_really_never_pass() -> None:
    for rule_id in NEVER_PASS:
        for case in (FIXTURES / rule_id).glob("*/expect.json"):
            expect = json.loads(case.read_text())
            for profile in ("compat", "extended"):
                assert expect.get(profile, {}).get("status") != "pass", (case, profile)


def test_fixture_dirs_name_real_rules() -> None:
    for d in FIXTURES.iterdir():
        if d.is_dir():
            assert d.name in BY_ID, f"fixtures for unknown rule {d.name}"


def test_every_package_directory_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {"proxguard." + ".".join(p.parent.relative_to(ROOT / "proxguard").parts)
               if p.parent != ROOT / "proxguard" else "proxguard"
               for p in (ROOT / "proxguard").rglob("__init__.py")}
    on_disk |= {"proxguard.rules" + "".join("." + x for x in p.parent.relative_to(ROOT / "rules").parts)
                for p in (ROOT / "rules").rglob("__init__.py")}
    assert on_disk <= listed, f"missing from pyproject packages: {sorted(on_disk - listed)}"
