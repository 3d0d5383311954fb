"""`proxguard permissions` on a generated user.cfg (bench/access.py's generator): cells per
second for the full default matrix of a subset of subjects, median of 3 runs.

The matrix is subjects × paths, capped at MAX_CELLS (model/permission_matrix.py); this
prints what one cell costs so the cap can be judged against a wall-clock budget.
Usage: PYTHONPATH=. python bench/permissions.py [USERS] [ACL_LINES] [SUBJECTS]
       (default 500 users, 2,000 ACL lines, the first 100 subjects)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from access import generate

from proxguard.engine.permissions import load_access, permission_view
from proxguard.inputs import Snapshot
from proxguard.model.permission_matrix import default_subjects


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    acls = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    snap = Snapshot.from_texts({"etc/pve/user.cfg": generate(users, acls)})
    view = permission_view(snap, ["root@pam"])
    subjects = default_subjects(load_access(snap)[0])[:count]
    runs, cells = [], 0
    for _ in range(3):
        t = time.perf_counter()
        cells = len(permission_view(snap, subjects).cells)
        runs.append(time.perf_counter() - t)
    med = statistics.median(runs)
    print(f"{users} users, {acls} ACL lines: {len(subjects)} subjects × {len(view.paths)} "
          f"paths = {cells} cells, median {med:.3f} s ({cells / med:,.0f} cells/s)")


if __name__ == "__main__":
    main()
