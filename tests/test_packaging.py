"""The package imports without an install, and the wheel ships the same rules as the checkout.

`rules/` lives at the top of the repository but ships as `proxguard.rules`. A fresh copy of
the checkout (no install) must import it from its own rules/, and the wheel built from the
checkout must carry exactly the same catalogue, so neither can silently audit with a
different rule set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = ("import json, sys, proxguard, proxguard.rules as r; "
         "print(json.dumps({'ids': [x.id for x in r.ALL_RULES], 'package': proxguard.__file__, "
         "'rules': r.__file__, 'cycle_free': 'proxguard.web' not in sys.modules}))")


def _copy_checkout(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("proxguard", "rules"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


def _probe(cwd: Path, pythonpath: str | None) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_fresh_copy_imports_its_own_rules_without_install(tmp_path: Path) -> None:
    copy = _copy_checkout(tmp_path / "clone")
    got = _probe(copy, None)  # `python -c` puts the working directory first
    assert Path(str(got["package"])).resolve() == (copy / "proxguard" / "__init__.py").resolve()
    assert Path(str(got["rules"])).resolve() == (copy / "rules" / "__init__.py").resolve()
    checkout = _probe(ROOT, None)
    assert got["ids"] == checkout["ids"] and len(checkout["ids"]) >= 16  # type: ignore[arg-type]
    assert got["cycle_free"] is True


def test_wheel_and_checkout_load_the_same_rules(tmp_path: Path) -> None:
    src = _copy_checkout(tmp_path / "src")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(tmp_path / "wheel"), str(src)],
        capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "wheel").glob("proxguard-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        assert "proxguard/rules/__init__.py" in zf.namelist()
        zf.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    from_wheel = _probe(elsewhere, str(site))
    assert Path(str(from_wheel["rules"])).resolve() == (site / "proxguard/rules/__init__.py").resolve()
    from_checkout = _probe(ROOT, None)
    assert Path(str(from_checkout["rules"])).resolve() == (ROOT / "rules/__init__.py").resolve()
    assert from_wheel["ids"] == from_checkout["ids"]
