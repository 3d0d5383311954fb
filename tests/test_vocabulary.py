"""One table per vocabulary: categories, conflict types and file kinds are each defined in
one place, and everything that shows or uses them reads that place."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proxguard
import proxguard.web
from proxguard.engine.compare import compare_reports
from proxguard.engine.profiles import PROFILES
from proxguard.remediation.plan import CATEGORY_PHASE, PHASES
from proxguard.render import render
from proxguard.render.compare_html import render_comparison_html
from proxguard.rule import CATEGORIES, CATEGORY_TABLE, category_title

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "proxguard"
NOW = 1793491200


def _string_literals(path: Path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _modules_holding(literal: str) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                  if literal in _string_literals(p))


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    snap = proxguard.load_snapshot([ROOT / "examples" / "agent-lab"])
    return proxguard.audit(snap, now=NOW).to_json()


# -- categories ---------------------------------------------------------------------------

def test_categories_are_one_table_with_the_documented_weights() -> None:
    assert [(c.id, c.title, c.weight) for c in CATEGORY_TABLE] == [
        ("ssh", "SSH", 25), ("firewall", "Firewall", 25), ("auth", "Authentication", 20),
        ("container", "Container", 15), ("storage", "Storage", 10), ("api", "API", 5)]
    assert tuple(c.id for c in CATEGORY_TABLE) == CATEGORIES
    for profile in PROFILES.values():
        assert profile.weights == {c.id: c.weight for c in CATEGORY_TABLE}
    assert category_title("unknown-from-a-future-report") == "unknown-from-a-future-report"


def test_every_category_has_its_place_in_the_fix_plan() -> None:
    assert set(CATEGORY_PHASE) == set(CATEGORIES)
    assert set(CATEGORY_PHASE.values()) <= {p.id for p in PHASES}


def test_category_titles_are_written_once() -> None:
    # "Authentication" is the one title no other vocabulary uses as a literal
    assert _modules_holding("Authentication") == ["proxguard/rule.py"]
    assert _modules_holding("Containers") == []
    assert _modules_holding("API tokens") == []


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_renderer_shows_the_table_titles(report: dict[str, object], fmt: str) -> None:
    out = render(report, fmt)
    for c in CATEGORY_TABLE:
        assert c.title in out, (fmt, c.title)


def test_comparison_shows_the_table_titles(report: dict[str, object]) -> None:
    cmp = compare_reports(report, report)
    html = render_comparison_html(cmp)
    md = render(dict(report, comparison=cmp), "markdown")
    for c in CATEGORY_TABLE:
        assert f"<th scope=\"row\">{c.title}</th>" in html
        assert f"| {c.title} |" in md


def test_the_web_page_gets_the_categories_from_python() -> None:
    version = json.loads(proxguard.web.handle("version", "{}"))
    assert version["categories"] == [{"id": c.id, "title": c.title, "weight": c.weight}
                                     for c in CATEGORY_TABLE]


# -- conflict types -----------------------------------------------------------------------

def test_conflict_types_are_one_table() -> None:
    from proxguard.firewall.conflicts import CONFLICT_TYPES

    ids = [t.id for t in CONFLICT_TYPES]
    assert len(ids) == len(set(ids)) == 10
    assert sorted(t.id for t in CONFLICT_TYPES if t.masking is not None) == [
        "correlation", "generalisation", "redundancy", "shadowing"]
    for word in ("exposes-management", "correlated"):
        assert _modules_holding(word) == ["proxguard/firewall/conflicts.py"]


def test_analysis_and_views_read_the_conflict_table() -> None:
    from proxguard.diagnostics import Diagnostics
    from proxguard.firewall import analyse
    from proxguard.firewall.conflicts import BY_ID
    from proxguard.firewall.views import rule_state
    from proxguard.inputs import Snapshot
    from proxguard.parsers.pvefw import load

    text = ("[RULES]\nIN ACCEPT -p tcp -dport 443 -source 10.20.0.0/16\n"
            "IN DROP -p tcp -dport 443 -source 10.20.5.0/24\n|IN DROP -p tcp -dport 25\n")
    cfg = load(Snapshot.from_texts({"etc/pve/firewall/cluster.fw": text}), Diagnostics())
    assert cfg is not None
    result = analyse(cfg)
    assert result is analyse(cfg)  # one analysis per config
    assert result.conflicts and all(c["severity"] == BY_ID[c["type"]].severity
                                    for c in result.conflicts)
    rules = {r.id: r for r in cfg.all_rules()}
    shadowed = rules["fw/cluster/rule/1"]
    assert rule_state(shadowed, ["port-overlap", "shadowing"]) == BY_ID["shadowing"].state
    assert result.to_json()["conflicts"] is result.conflicts


# -- file kinds ---------------------------------------------------------------------------

def test_file_kinds_are_one_table() -> None:
    from proxguard.inputs import FILE_KINDS, FIREWALL_KINDS, KIND_LABELS, KINDS, UNKNOWN

    assert KINDS == ("sshd_config", "sshd_T", "cluster_fw", "host_fw", "guest_fw", "user_cfg",
                     "domains_cfg", "storage_cfg", "lxc_conf", "qemu_conf", "token_list",
                     "pveversion", "pve_firewall_status", "iptables_save", "ip6tables_save",
                     "nft_ruleset", "group", "corosync_conf", "jobs_cfg", "free_b", "pct_list",
                     "qm_list", "apt_sources", "pveproxy_default",
                     "manifest")  # the report contract's names, in the page's order
    assert tuple(k.id for k in FILE_KINDS) == KINDS
    assert set(KIND_LABELS) == {*KINDS, UNKNOWN}
    assert FIREWALL_KINDS == ("cluster_fw", "host_fw", "guest_fw")
    assert _modules_holding("a guest .fw file") == ["proxguard/inputs/kinds.py"]
    assert _modules_holding("etc/pve/local/host.fw") == ["proxguard/inputs/kinds.py"]


@settings(max_examples=200, deadline=None)
@given(base=st.text(st.characters(blacklist_characters="/\x00"), max_size=24))
def test_a_loose_file_gets_a_home_of_its_own_kind(base: str) -> None:
    from proxguard.inputs import FILE_KINDS, canonical_path, kind_from_path

    for kind in FILE_KINDS:
        assert kind_from_path(canonical_path(base, kind.id)) == kind.id, (kind.id, base)


# -- templates ----------------------------------------------------------------------------

def test_one_html_environment() -> None:
    """Every HTML template renders through render.environment; the only other Jinja2
    environment is the remediation scripts' (shell text, not HTML)."""
    from proxguard.render.environment import html_environment

    makers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node.func, "attr", getattr(node.func, "id", "")) \
                if isinstance(node, ast.Call) else ""
            # a subclass (shellenv's `_Environment`) counts as a maker too
            if name == "Template" or name.endswith("Environment"):
                makers.append(str(path.relative_to(ROOT)))
    assert makers == ["proxguard/remediation/shellenv.py", "proxguard/render/environment.py"]
    env = html_environment()
    assert env is html_environment() and env.autoescape is True
    for name in ("fragment.html.j2", "page.html.j2", "firewall.html.j2", "compare.html.j2"):
        env.get_template(name)
