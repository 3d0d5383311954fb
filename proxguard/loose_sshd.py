"""Several loose sshd files: which one is the main config, which are its drop-ins.

sshd reads one main file and, through its `Include` lines, the drop-ins whose names match
the Include patterns. Loose files carry no directory, so the arrangement is inferred —
the file named `sshd_config` is the main one (failing that, the one whose name contains
it, then the one holding an Include) — and every assumption is reported, because a wrong
guess changes which value sshd uses first.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from proxguard import inputs as pin

if TYPE_CHECKING:
    from proxguard.inputs import Snapshot
    from proxguard.loose import LooseFile

MAIN = "etc/ssh/sshd_config"
_INCLUDE = re.compile(r"^[ \t]*include(?:[ \t]*=[ \t]*|[ \t]+)(.*)$", re.I)
_DECORATION = re.compile(r"\.(?:txt|bak|orig|save|old|out|log|dist|copy)$", re.I)
MAX_INCLUDE_ARGS = 64  # bounds the placement work on a hostile main file


def place_sshd(snap: Snapshot, files: Sequence[tuple[LooseFile, str]]) -> None:
    main, why = _choose_main(files)
    mf, mtext = files[main]
    snap.add(MAIN, mtext, pin.SSHD_CONFIG)
    if len(files) == 1:
        return
    snap.diagnostics.info(MAIN, 0, f"several loose sshd files: {mf.shown} assumed to be the "
                          f"main config {MAIN} ({why})")
    patterns = _include_patterns(mtext)
    for i, (f, text) in enumerate(files):
        if i != main:
            _place_dropin(snap, f, text, patterns)


def _choose_main(files: Sequence[tuple[LooseFile, str]]) -> tuple[int, str]:
    names = [f.name for f, _ in files]
    if "sshd_config" in names:
        return names.index("sshd_config"), "it is named sshd_config"
    decorated = [i for i, n in enumerate(names) if "sshd_config" in n.lower()]
    if len(decorated) == 1:
        return decorated[0], "its name contains sshd_config"
    with_include = [i for i, (_, t) in enumerate(files) if _include_patterns(t)]
    if len(with_include) == 1:
        return with_include[0], "it is the only one with an Include line"
    return 0, "it was given first"


def _include_patterns(text: str) -> list[str]:
    """Absolute glob patterns of the Include lines, relative ones under /etc/ssh."""
    out: list[str] = []
    for line in text.split("\n"):
        m = _INCLUDE.match(line)
        if not m:
            continue
        for arg in m.group(1).split("#", 1)[0].split():
            arg = arg.strip("\"'")
            if arg and not arg.startswith("~"):
                out.append(arg if arg.startswith("/") else "/etc/ssh/" + arg)
            if len(out) >= MAX_INCLUDE_ARGS:
                return out
    return out


def _place_dropin(snap: Snapshot, f: LooseFile, text: str, patterns: Sequence[str]) -> None:
    if f.from_stdin or not f.name.isprintable() or f.name.startswith("."):
        snap.diagnostics.warning(f.shown, 0, "sshd drop-in name refused (control characters "
                                 "or a hidden name; sshd's Include glob would not read it); "
                                 "not assessed")
        return
    candidates = [f.name]
    stripped = _DECORATION.sub("", f.name)
    if stripped != f.name:
        candidates.append(stripped)
    for pattern in patterns:
        rx = pin._glob_regex(pin.normalise_path(pattern))
        folder = posixpath.dirname(pin.normalise_path(pattern))
        for cand in candidates:
            path = f"{folder}/{cand}"
            if rx.fullmatch(path) and pin.kind_from_path(path) == pin.SSHD_CONFIG:
                snap.add(path, text, pin.SSHD_CONFIG)
                snap.diagnostics.info(path, 0, f"{f.shown} read as the drop-in {path} "
                                      f"(its name matches the main config's Include {pattern})")
                return
    shown = ", ".join(patterns) if patterns else "none"
    snap.diagnostics.warning(f.shown, 0, f"loose sshd file {f.shown} is not matched by any "
                             f"Include of the main config (Include patterns: {shown}); "
                             "sshd would not read it, so it is not assessed")
