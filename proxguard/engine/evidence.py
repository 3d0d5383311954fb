"""How much a grade rests on: the report's `evidence` section and --require.

Files not recognisable as their kind were taken out before the model was built
(`proxguard.parsers.gate`). This module names, on each rule left not evaluated, which
supplied file that was; computes the categories the operator supplied (or required with
`--require`) that were not assessed; and writes the one-line note every renderer shows
when a grade rests on little evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from proxguard.engine.profiles import Profile
from proxguard.engine.run import Finding
from proxguard.inputs import (
    CLUSTER_FW,
    DOMAINS_CFG,
    GUEST_FW,
    HOST_FW,
    LXC_CONF,
    QEMU_CONF,
    RUNTIME_KINDS,
    SSHD_CONFIG,
    SSHD_T,
    STORAGE_CFG,
    TOKEN_LIST,
    USER_CFG,
)
from proxguard.model.host import Host
from proxguard.rule import CATEGORIES, Rule, Status, category_title
from proxguard.text import printable

LITTLE_WEIGHT = 50  # a grade over less than half the category weight rests on little
# Host attribute each kind feeds (the first step of a rule's `inputs`).
KIND_INPUT: dict[str, str] = {
    SSHD_CONFIG: "sshd", SSHD_T: "sshd", CLUSTER_FW: "firewall", HOST_FW: "firewall",
    GUEST_FW: "firewall", USER_CFG: "access", TOKEN_LIST: "access", STORAGE_CFG: "storage",
    LXC_CONF: "guests", QEMU_CONF: "guests", DOMAINS_CFG: "realms",
    **{k: "running_firewall" for k in RUNTIME_KINDS},
}

def annotate(findings: Sequence[Finding], host: Host) -> None:
    """Say on each not-evaluated rule which supplied file was unrecognisable."""
    bad = host.unrecognised
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
                     kinds: Mapping[str, str], explicit: bool = False) -> dict[str, Any]:
    """`explicit`: `required` came from --require (else from what was supplied)."""
    assessed = [c["id"] for c in categories if c["assessed"]]
    total = sum(profile.weights.values()) or 1
    weight = round(100 * sum(profile.weights.get(c, 0) for c in assessed) / total)
    missing = [c for c in required if c not in assessed]
    little = bool(missing or bad or weight < LITTLE_WEIGHT)
    return {"required": list(required), "assessed": assessed, "missing": missing,
            "unrecognised": [{"path": p, "kind": kinds.get(p, ""), "reason": bad[p]}
                             for p in sorted(bad)],
            "assessed_weight": weight, "little": little,
            "note": _note(assessed, weight, missing, sorted(bad), explicit) if little else None}


def _titles(ids: Sequence[str]) -> str:
    names = [category_title(i) for i in ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _note(assessed: Sequence[str], weight: int, missing: Sequence[str],
          bad: Sequence[str], explicit: bool) -> str:
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
                     f"{'required' if explicit else 'supplied'} but not assessed")
    if bad:
        parts.append(f"not recognisable, so not assessed: {', '.join(printable(b) for b in bad)}")
    return "; ".join(parts) + "."
