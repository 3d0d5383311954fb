"""ssh-weak-crypto: sshd offers ciphers, MACs, key exchanges or signatures the policy bans."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import Setting, SshdConfig
from proxguard.model.sshd_algos import resolve, table
from proxguard.model.sshd_match import match_pattern_list
from proxguard.rule import Params, Reference, Remediation, Rule, Severity, TargetResult, Tuning
from proxguard.rules.ssh._keywords import Get, KeywordCheck, Verdict, judge
from proxguard.rules.ssh._sshd import cite

# The policy (docs/catalogue.md): patterns over algorithm names, per keyword, with why.
POLICY: dict[str, tuple[tuple[str, str], ...]] = {
    "Ciphers": (("*-cbc,*-cbc@*,arcfour*,none", "CBC mode / obsolete cipher"),),
    "MACs": (("hmac-sha1*", "SHA-1 MAC"), ("hmac-md5*,hmac-ripemd160*", "MD5/RIPEMD MAC"),
             ("umac-64*", "64-bit tag")),
    "KexAlgorithms": (("diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,"
                       "diffie-hellman-group-exchange-sha1,*-sha1,*-sha1-*", "SHA-1 key exchange"),),
    "HostKeyAlgorithms": (("ssh-rsa,ssh-rsa-cert-v01@openssh.com", "ssh-rsa SHA-1 signature"),
                          ("ssh-dss*", "DSA")),
    "PubkeyAcceptedAlgorithms": (("ssh-rsa,ssh-rsa-cert-v01@openssh.com",
                                  "ssh-rsa SHA-1 signature"), ("ssh-dss*", "DSA")),
}


def weak_names(keyword: str, names: Sequence[str]) -> list[tuple[str, str]]:
    """(name, reason) for each offered name the policy bans, in offered order."""
    out = []
    for name in names:
        for patterns, why in POLICY[keyword]:
            if match_pattern_list(name, patterns) == 1:
                out.append((name, why))
                break
    return out


def offered(s: Setting, cfg: SshdConfig) -> list[str]:
    """The list sshd offers for this setting: `sshd -T` output as printed, a config
    value resolved against the version's default and supported algorithms."""
    tab = table(s.keyword, cfg.version)
    if s.source == "sshd-T":
        return [n for n in s.value.split(",") if n]
    return resolve(s.value, tab) or list(tab.default)


def _judge(keyword: str) -> Callable[[Get, SshdConfig], Verdict | None]:
    def check(get: Get, cfg: SshdConfig) -> Verdict | None:
        s = get(keyword)
        bad = weak_names(keyword, offered(s, cfg))
        if not bad:
            return None
        default = table(keyword, cfg.version).default
        added = [n for n, _w in bad if n not in default]
        shown = ", ".join(f"{n} ({w})" for n, w in bad)
        basis = "the compiled-in default" if s.default else cite(s)
        why = f"{keyword} offers {shown}, from {basis}"
        if not added:
            why += " — only names OpenSSH itself still offers by default"
        return Verdict(why, s, Severity.MEDIUM if added else Severity.LOW)
    return check


def _fix(keyword: str) -> Callable[[Get, SshdConfig], tuple[str, ...]]:
    def fix(get: Get, cfg: SshdConfig) -> tuple[str, ...]:
        """The offered list without the banned names, restricted to names this OpenSSH
        version knows (so no text of the configuration reaches the script)."""
        tab = table(keyword, cfg.version)
        keep = [n for n in offered(get(keyword), cfg)
                if n in tab.supported and not weak_names(keyword, [n])]
        if not keep:
            keep = [n for n in tab.default if not weak_names(keyword, [n])]
        return (f"{keyword} {','.join(keep)}",)
    return fix


CHECKS = tuple(KeywordCheck(k, (k,), _judge(k), _fix(k)) for k in POLICY)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    return judge(host.sshd, CHECKS, Severity.MEDIUM)


DOCS = """\
**What is checked.** The lists sshd actually offers for `Ciphers`, `MACs`,
`KexAlgorithms`, `HostKeyAlgorithms` and `PubkeyAcceptedAlgorithms` (also per Match
block): a configured `+x` appends to the compiled-in default, `-x` removes (patterns
allowed), `^x` puts in front, a plain list replaces; names and wildcards expand against
the algorithms the binary supports, duplicates dropped — exactly as `sshd -T` prints,
proven against Debian 12's sshd. Defaults follow the OpenSSH version (9.2p1 on PVE 8 /
Debian 12, 10.0p1 on PVE 9 / Debian 13, from `pveversion`); supplied `sshd -T` output is
taken as printed.

**The policy.** No CBC-mode or obsolete cipher (`*-cbc`, `arcfour*`, `none`); no SHA-1,
MD5 or RIPEMD-160 MAC and no 64-bit-tag `umac-64*`; no SHA-1 key exchange
(`diffie-hellman-group1-sha1`, `diffie-hellman-group14-sha1`,
`diffie-hellman-group-exchange-sha1`); no `ssh-rsa` (RSA with SHA-1) or DSA host-key or
user-key signatures. `rsa-sha2-256/512` stay: Proxmox cluster nodes know each other by
their RSA host keys.

**How the verdict is decided.** `host` fails when an offered list holds a banned name:
medium when the configuration (or `sshd -T`) adds it, low when the only banned names
are ones OpenSSH still offers by default (the `hmac-sha1*` and `umac-64*` MACs of 9.2p1
and 10.0p1 — so a stock host fails low, as CIS expects the MAC list to be configured).
Match blocks that weaken `PubkeyAcceptedAlgorithms` are conditional failures.

**Why.** CBC modes and SHA-1/MD5 MACs have known plaintext-recovery and forgery
weaknesses; SHA-1 key exchange and signatures fall to chosen-prefix collisions; none is
needed by a current OpenSSH client.
"""


RULE = Rule(
    id="ssh-weak-crypto",
    title="SSH offers weak ciphers, MACs, key exchange or signatures",
    category="ssh",
    references=(
        Reference("CIS Debian 12 v1.1.0", "5.1.6", "Ensure sshd Ciphers are configured"),
        Reference("CIS Debian 12 v1.1.0", "5.1.15", "Ensure sshd MACs are configured"),
        Reference("CIS Debian 12 v1.1.0", "5.1.12", "Ensure sshd KexAlgorithms is configured"),
        Reference("CIS Debian 11 v1.0.0", "5.2.13", "Ensure only strong Ciphers are used"),
        Reference("CIS Debian 11 v1.0.0", "5.2.14", "Ensure only strong MAC algorithms are used"),
        Reference("CIS Debian 11 v1.0.0", "5.2.15",
                  "Ensure only strong Key Exchange algorithms are used"),
        Reference("OpenSSH", "sshd_config(5)", "Ciphers, MACs, KexAlgorithms, "
                  "HostKeyAlgorithms, PubkeyAcceptedAlgorithms (+ - ^ modifiers)"),
        Reference("PHG", "1.1.4", "Restrict SSH algorithms (keep rsa-sha2-* for clusters)"),
    ),
    inputs=("sshd",),
    rationale="Weak algorithms let a network attacker recover plaintext, forge integrity "
              "tags or attack key exchange and signatures; no current client needs them.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set each failing list explicitly (today's offered list minus the banned "
                "names) in a drop-in sshd reads first.",
        template="ssh/ssh_weak_crypto.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM)},
)
