"""How much the grade rests on: garbage files are not graded, and the report says so.

Random bytes saved as user.cfg used to score A: the parser skipped every line, found no
user without TFA and passed. A file whose content is not recognisable as its kind —
mostly undecodable or unparseable lines, or nothing but comments — is therefore taken out
before the model is built, so its rules are `not_evaluated` (never pass), with a
diagnostic. The report's `evidence` section then names the categories the operator
supplied (or required with `--require`) that were not assessed, and a one-line note that
every renderer shows when a grade rests on little evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from proxguard import inputs as pin
from proxguard.diagnostics import Diagnostics
from proxguard.rule import CATEGORIES, Status
from proxguard.runtime_kinds import RUNTIME_KINDS

if TYPE_CHECKING:
    from proxguard.engine import Finding
    from proxguard.host import Host
    from proxguard.profiles import Profile
    from proxguard.rule import Rule

BAD_SHARE = 0.5  # more than half the content lines unusable: not this kind of file
LITTLE_WEIGHT = 50  # a grade over less than half the category weight rests on little
CATEGORY_TITLES = {"ssh": "SSH", "firewall": "Firewall", "auth": "Authentication",
                   "container": "Container", "storage": "Storage", "api": "API"}
# Host attribute each kind feeds (the first step of a rule's `inputs`).
KIND_INPUT: dict[str, str] = {
    pin.SSHD_CONFIG: "sshd", pin.SSHD_T: "sshd", pin.CLUSTER_FW: "firewall",
    pin.HOST_FW: "firewall", pin.GUEST_FW: "firewall", pin.USER_CFG: "access",
    pin.TOKEN_LIST: "access", pin.STORAGE_CFG: "storage", pin.LXC_CONF: "guests",
    pin.QEMU_CONF: "guests", pin.DOMAINS_CFG: "realms",
    **{k: "running_firewall" for k in RUNTIME_KINDS},
}


def _may_be_empty(f: pin.InputFile) -> bool:
    """Files that legitimately hold only comments: they complement a main file."""
    return f.kind in (pin.HOST_FW, pin.GUEST_FW, pin.PVEVERSION) or \
        f.path.startswith("etc/ssh/sshd_config.d/")


def _undecodable(line: str) -> bool:
    return "\ufffd" in line or any((ord(c) < 32 and c not in "\t\r") or ord(c) == 127 for c in line)


def unrecognised(snapshot: pin.Snapshot, diags: Diagnostics) -> dict[str, str]:
    """path → why its content is not recognisable as its kind (first-pass diagnostics
    mark the lines a parser could not use)."""
    flagged = {(d.file, d.line) for d in diags if d.line > 0 and d.level != "info"}
    out: dict[str, str] = {}
    for f in sorted(snapshot.files.values(), key=lambda f: f.path):
        if f.kind == pin.UNKNOWN:
            continue
        content = bad = 0
        for n, line in enumerate(f.lines(), 1):
            body = line.strip()
            if not body or (body.startswith("#") and not _undecodable(body)):
                continue
            content += 1
            # a line Proxmox skips only for its CRLF ending is still recognisably this
            # kind (the firewall and storage rules judge exactly that); not garbage
            bad += _undecodable(body) or ((f.path, n) in flagged and not line.endswith("\r"))
        if content == 0 and not _may_be_empty(f):
            out[f.path] = "it is empty or holds only comments"
        elif content and bad > content * BAD_SHARE:
            out[f.path] = f"{bad} of its {content} lines are undecodable or unparseable"
    return out


def gate_note(path: str, kind: str, why: str) -> str:
    return (f"content not recognisable as {pin.KIND_LABELS.get(kind, kind)} ({why}); "
            "its rules are not assessed")


def annotate(findings: Sequence[Finding], host: Host) -> None:
    """Say on each not-evaluated rule which supplied file was unrecognisable."""
    bad = getattr(host, "unrecognised", {}) or {}
    if not bad:
        return
    by_input: dict[str, list[str]] = {}
    for path in bad:
        f = host.snapshot.files.get(path)
        if f is not None and f.kind in KIND_INPUT:
            by_input.setdefault(KIND_INPUT[f.kind], []).append(path)
    for fnd in findings:
        if fnd.status is Status.NOT_EVALUATED and not fnd.error:
            paths = sorted({p for i in fnd.missing_inputs for p in by_input.get(i.split(".")[0], [])})
            if paths:
                fnd.error = f"{', '.join(paths)} supplied, but not recognisable as its kind"


def required_categories(rules: Iterable[Rule], ungated: Host) -> list[str]:
    """Default of --require: every category one of whose rules had its inputs supplied."""
    cats = {r.category for r in rules if all(ungated.has(i) for i in r.inputs)}
    return [c for c in CATEGORIES if c in cats]


def parse_require(text: str) -> list[str]:
    """`--require ssh,firewall` (or `none`): validated category ids."""
    if text.strip().lower() == "none":
        return []
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CATEGORIES]
    if unknown:
        raise ValueError(f"--require: unknown category {', '.join(unknown)} "
                         f"(choose from {', '.join(CATEGORIES)}, or none)")
    return [c for c in CATEGORIES if c in names]


def evidence_section(categories: Sequence[Mapping[str, Any]], profile: Profile,
                     required: Sequence[str], bad: Mapping[str, str],
                     kinds: Mapping[str, str]) -> dict[str, Any]:
    assessed = [c["id"] for c in categories if c["assessed"]]
    total = sum(profile.weights.values()) or 1
    weight = round(100 * sum(profile.weights.get(c, 0) for c in assessed) / total)
    missing = [c for c in required if c not in assessed]
    little = bool(missing or bad or weight < LITTLE_WEIGHT)
    return {"required": list(required), "assessed": assessed, "missing": missing,
            "unrecognised": [{"path": p, "kind": kinds.get(p, ""), "reason": bad[p]}
                             for p in sorted(bad)],
            "assessed_weight": weight, "little": little,
            "note": _note(assessed, weight, missing, sorted(bad)) if little else None}


def _titles(ids: Sequence[str]) -> str:
    names = [CATEGORY_TITLES.get(i, i) for i in ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _note(assessed: Sequence[str], weight: int, missing: Sequence[str],
          bad: Sequence[str]) -> str:
    if not assessed:
        head = "Not graded, too little evidence: nothing was assessed"
    elif weight < LITTLE_WEIGHT:
        head = (f"This grade rests on little evidence: only {_titles(assessed)} "
                f"{'was' if len(assessed) == 1 else 'were'} assessed ({weight} % of the weight)")
    else:
        head = (f"This grade rests on less evidence than supplied: {_titles(assessed)} "
                f"assessed ({weight} % of the weight)")
    parts = [head]
    if missing:
        parts.append(f"{_titles(missing)} {'was' if len(missing) == 1 else 'were'} "
                     "required but not assessed")
    if bad:
        parts.append(f"not recognisable, so not assessed: {', '.join(bad)}")
    return "; ".join(parts) + "."
