"""Renderers work from the report dict alone: a saved JSON report renders exactly like the
fresh one, even in a process that cannot import the rule catalogue or the engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import proxguard
from proxguard.render import FORMATS, render
from tests.test_layers import import_graph

ROOT = Path(__file__).resolve().parent.parent
NOW = 1793491200


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    snap = proxguard.load_snapshot([ROOT / "examples" / "agent-lab"])
    report = proxguard.audit(snap, now=NOW).to_json()
    path = tmp_path_factory.mktemp("saved") / "report.json"
    path.write_text(render(report, "json"), encoding="utf-8")
    return path


def test_a_saved_report_renders_like_the_fresh_one(saved: Path) -> None:
    snap = proxguard.load_snapshot([ROOT / "examples" / "agent-lab"])
    fresh = proxguard.audit(snap, now=NOW).to_json()
    loaded = json.loads(saved.read_text(encoding="utf-8"))
    for fmt in FORMATS:
        assert render(loaded, fmt) == render(fresh, fmt), fmt


def test_rendering_needs_neither_the_rules_nor_the_engine(saved: Path) -> None:
    """In a process where importing the catalogue or the engine fails, every format still
    renders, and byte for byte as here."""
    code = (
        "import json, sys\n"
        "for name in ('proxguard.rules', 'proxguard.engine', 'proxguard.remediation'):\n"
        "    sys.modules[name] = None  # any import of them now raises ImportError\n"
        "import importlib\n"
        "render = importlib.import_module('proxguard.render')\n"
        "report = json.load(open(sys.argv[1], encoding='utf-8'))\n"
        "print(json.dumps({f: render.render(report, f) for f in render.FORMATS}))\n")
    # the package __init__ imports the engine, so load only proxguard.render's modules:
    # a namespace stub for `proxguard` keeps proxguard/__init__.py from running
    stub = ("import sys, types\n"
            f"pkg = types.ModuleType('proxguard'); pkg.__path__ = [{str(ROOT / 'proxguard')!r}]\n"
            "sys.modules['proxguard'] = pkg\n")
    out = subprocess.run([sys.executable, "-c", stub + code, str(saved)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    isolated = json.loads(out.stdout)
    loaded = json.loads(saved.read_text(encoding="utf-8"))
    assert isolated == {f: render(loaded, f) for f in FORMATS}


def test_no_renderer_imports_the_catalogue_or_the_engine() -> None:
    graph = import_graph(ROOT)
    banned = ("proxguard.rules", "proxguard.engine", "proxguard.remediation", "proxguard.web",
              "proxguard.cli")
    for mod, deps in graph.items():
        if mod.startswith("proxguard.render"):
            assert not [d for d in deps if d.startswith(banned)], mod
