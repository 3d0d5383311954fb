"""The package's shape: the layering contract holds, a reversed import breaks it, and the
import graph of proxguard (rules included) has no cycle.

The contract is import-linter's (`[tool.importlinter]` in pyproject.toml); the cycle check
is our own reading of every import statement, function-level ones included, because a
cycle hidden inside a function is still a cycle.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())", "--no-cache", "--no-logo"]


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run(LINT, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _copy_tree(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "proxguard", dest / "proxguard", ignore=ignore)
    shutil.copytree(ROOT / "rules", dest / "rules", ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def test_layering_contract_holds() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_reversed_import_breaks_the_contract(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    clean = _lint(tree)
    assert clean.returncode == 0, clean.stdout + clean.stderr  # the copy itself is fine
    parser = tree / "proxguard" / "parsers" / "storage.py"
    parser.write_text(parser.read_text() + "\nfrom proxguard.engine.report import build_report  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout
    assert "proxguard.parsers.storage -> proxguard.engine.report" in broken.stdout


def test_rule_importing_a_renderer_breaks_the_contract(tmp_path: Path) -> None:
    """rules and render are independent siblings: a rule never renders HTML."""
    tree = _copy_tree(tmp_path)
    rule = tree / "rules" / "storage" / "nfs_no_root_squash.py"
    rule.write_text(rule.read_text() + "\nimport proxguard.render.html  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode != 0
    assert "rules.storage.nfs_no_root_squash -> proxguard.render.html" in broken.stdout


# -- cycles -----------------------------------------------------------------------------------

def module_files(root: Path) -> dict[str, Path]:
    """Module name → file, with the checkout's rules/ named as it ships: proxguard.rules."""
    out: dict[str, Path] = {}
    for base, prefix in ((root / "proxguard", "proxguard"), (root / "rules", "proxguard.rules")):
        for p in sorted(base.rglob("*.py")):
            parts = p.relative_to(base).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join((prefix, *parts))] = p
    return out


def _type_only(tree: ast.Module) -> set[ast.AST]:
    """Imports under `if TYPE_CHECKING:` never run: they name types for annotations only,
    so they cannot make an import-time cycle (every other import, function-level ones
    included, counts)."""
    skip: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skip.update(ast.walk(child))
    return skip


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module `name` imports anywhere in its body, resolved to known modules (an
    imported attribute counts as its module). Parents are not implied: importing a.b.c
    runs a/__init__, but that is not an import *by* the importer."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_only(tree)
    for node in ast.walk(tree):
        if node in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for a in node.names:
                full = f"{base}.{a.name}"
                found.add(full if full in known else base)
    out = set()
    for mod in found:
        while mod and mod not in known:
            mod = mod.rpartition(".")[0]
        if mod and mod != name:
            out.add(mod)
    return out


def import_graph(root: Path) -> dict[str, set[str]]:
    files = module_files(root)
    known = set(files)
    return {m: imported_modules(m, p, known) for m, p in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_import_graph_has_no_cycle() -> None:
    graph = import_graph(ROOT)
    # the rules are part of the graph, under the name they ship as
    assert "proxguard.model.host" in graph["proxguard.rules.ssh.root_ssh_password"]
    assert "proxguard.rules" in graph["proxguard.engine.audit"]
    assert cycles(graph) == []


def test_cycle_finder_finds_a_planted_cycle(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    scoring = tree / "proxguard" / "engine" / "scoring.py"
    # a function-level import still counts
    scoring.write_text(scoring.read_text() + "\n\ndef _late() -> None:\n"
                       "    from proxguard.engine import audit  # noqa\n")
    found = cycles(import_graph(tree))
    assert any({"proxguard.engine.audit", "proxguard.engine.scoring"} <= set(c) for c in found)


def test_top_of_the_package_stays_small() -> None:
    """At most six modules beside __init__/__main__; everything else lives in a stage."""
    top = sorted(p.name for p in (ROOT / "proxguard").glob("*.py")
                 if p.name not in ("__init__.py", "__main__.py"))
    assert len(top) <= 6, top


def test_public_api_is_small_and_the_host_is_typed() -> None:
    import typing

    import proxguard
    from proxguard.model.host import Host

    assert sorted(proxguard.__all__) == sorted([
        "Finding", "Report", "Rule", "Severity", "Snapshot", "Status", "TargetResult",
        "__version__", "audit", "load_snapshot"])
    hints = typing.get_type_hints(Host)
    assert hints and all(typing.Any not in (h, *typing.get_args(h)) for h in hints.values())
