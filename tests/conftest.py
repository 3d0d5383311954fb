"""Every test, and every subprocess a test starts, uses *this* checkout's engine and rules.

An editable install of another checkout (or a wheel in site-packages) must never be picked
up silently: the repository root goes first on PYTHONPATH for child processes, and
proxguard's own finder maps proxguard.rules to this checkout's rules/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]])
