"""`proxguard permissions SNAPSHOT [--subject ID]... [--acl-path PATH]... [--format
text|json]`: who can do what, where, and the user.cfg lines that decided it.

For scripts the JSON is a contract (`proxguard-permissions/1`, DESIGN.md §7): schema and
entries only. Lines of user.cfg that Proxmox ignores go to stderr as warnings, so a
script's JSON stays clean and an operator still learns why an ACL line has no effect.
Exit codes follow the audit: 0 answered, 2 usage or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from proxguard.cli.common import load_inputs
from proxguard.engine.permissions import permission_view
from proxguard.render.permissions import render_permissions_text
from proxguard.text import printable


def add_permissions_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "permissions", help="effective permissions: who (user, token) can do what, where")
    p.add_argument("paths", nargs="+", metavar="SNAPSHOT",
                   help="directory laid out like the host root, collector tarball, or user.cfg")
    p.add_argument("--subject", action="append", default=[], metavar="ID",
                   help="user id (alice@pve) or token id (alice@pve!ci); repeatable; "
                        "default: every user and token in user.cfg")
    p.add_argument("--acl-path", action="append", default=[], metavar="PATH",
                   help="ACL path (/, /vms/100, /storage/nfs1, /pool/lab); repeatable; "
                        "default: / and every path of an ACL line or a pool")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--now", type=int, help=argparse.SUPPRESS)  # fixed time for tests
    p.set_defaults(func=cmd_permissions)
    return p


def cmd_permissions(args: argparse.Namespace) -> int:
    snap = load_inputs(list(args.paths))
    view = permission_view(snap, args.subject, args.acl_path, args.now)
    for d in view.diagnostics:
        if d.level != "info":
            print(printable(f"proxguard: {d.level}: {d.file}:{d.line}: {d.message}"),
                  file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(json.dumps(view.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(render_permissions_text(view.to_json(),
                                                 [s.to_json() for s in view.subjects]))
    return 0
