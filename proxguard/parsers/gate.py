"""Garbage is never graded: which supplied files are not recognisable as their kind.

Random bytes saved as user.cfg used to score A: the parser skipped every line, found no
user without TFA and passed. A file whose content is not recognisable as its kind —
more than half its non-comment lines undecodable or flagged by its parser, or nothing but
comments — is taken out before the model is built (`parsers.host.build_host`), so its
rules are `not_evaluated` (never pass), with a diagnostic that does not quote it.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import (
    APT_SOURCES,
    GUEST_FW,
    HOST_FW,
    IP6TABLES_SAVE,
    IPTABLES_SAVE,
    JOBS_CFG,
    KIND_LABELS,
    PCT_LIST,
    PVEVERSION,
    QM_LIST,
    UNKNOWN,
    InputFile,
    Snapshot,
)
from proxguard.inputs.kinds import compatible_kinds, detect_kind_as
from proxguard.parsers.pveproxy import KIND as PVEPROXY_KIND

BAD_SHARE = 0.5  # more than half the content lines unusable: not this kind of file


def _may_be_empty(f: InputFile) -> bool:
    """Files that legitimately hold only comments: they complement a main file (jobs.cfg:
    Proxmox leaves it empty once the last job is deleted; /etc/default/pveproxy: a file of
    comments is pveproxy's defaults; `pct list`/`qm list` print nothing on a node without
    guests of their kind; an empty `iptables-save` or `ip6tables-save` is the command's
    answer when no table of that family is loaded at all, which is exactly what the rules
    must judge)."""
    return f.kind in (HOST_FW, GUEST_FW, PVEVERSION, JOBS_CFG, PVEPROXY_KIND, APT_SOURCES,
                      PCT_LIST, QM_LIST, IPTABLES_SAVE, IP6TABLES_SAVE) \
        or f.path.startswith("etc/ssh/sshd_config.d/")


_UNDECODABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")  # \t \r \n are text


def _undecodable(line: str) -> bool:
    return _UNDECODABLE.search(line) is not None


def _content(line: str) -> bool:
    body = line.strip()
    return bool(body) and not body.startswith("#")


def unrecognised(snapshot: Snapshot, diags: Diagnostics) -> dict[str, str]:
    """path → why its content is not recognisable as its kind (the first pass's
    diagnostics mark the lines a parser could not use)."""
    flagged: dict[str, set[int]] = {}
    for d in diags:
        if d.line > 0 and d.level != "info":
            flagged.setdefault(d.file, set()).add(d.line)
    out: dict[str, str] = {}
    for f in sorted(snapshot.files.values(), key=lambda f: f.path):
        if f.kind == UNKNOWN:
            continue
        marks = flagged.get(f.path, set())
        if not marks and not _undecodable(f.text):  # the common case: one pass, early exit
            if not _may_be_empty(f) and not any(_content(ln) for ln in f.lines()):
                out[f.path] = "it is empty or holds only comments"
            continue
        why = _judge(f, marks)
        if why:
            out[f.path] = why
    return out


def _judge(f: InputFile, marks: set[int]) -> str | None:
    content = undecodable = unparsed = 0
    for n, line in enumerate(f.lines(), 1):
        body = line.strip()
        if not body or (body.startswith("#") and not _undecodable(body)):
            continue
        content += 1
        if _undecodable(body):
            undecodable += 1
        elif n in marks:
            unparsed += 1
    if content == 0:
        return None if _may_be_empty(f) else "it is empty or holds only comments"
    if undecodable > content * BAD_SHARE or (
            undecodable + unparsed > content * BAD_SHARE and not _looks_like(f)):
        return f"{undecodable + unparsed} of its {content} lines are undecodable or unparseable"
    return None


def _looks_like(f: InputFile) -> bool:
    """Content detection confirms the kind: a file whose lines Proxmox skips for a reason
    of their own (a CRLF file, a swallowed section) is still recognisably this kind, and
    those verdicts are exactly what the rules judge."""
    detected = detect_kind_as(f.text, f.kind)
    return detected == f.kind or compatible_kinds(f.kind, detected)


def gate_note(kind: str, why: str) -> str:
    return (f"content not recognisable as {KIND_LABELS.get(kind, kind)} ({why}); "
            "its rules are not assessed")
