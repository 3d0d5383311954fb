"""no-2fa-users: a user who can log in has no second factor."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.access import ROOT, User
from proxguard.model.host import Host
from proxguard.model.realms import Realm
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
)
from proxguard.rules.access._common import user_ref


def _realm_note(host: Host, u: User) -> tuple[str, Realm | None]:
    """(evidence clause about the user's realm, the Realm or None)."""
    if host.realms is None:
        return "realm-enforced TFA unknown (domains.cfg not supplied)", None
    realm = host.realms.get(u.realm)
    if realm is None:
        return f"realm {u.realm} is not defined in domains.cfg", None
    where = f"{realm.file}:{realm.line}" if realm.line else f"{realm.file}, implicit"
    return f"realm {u.realm} ({where}) does not enforce TFA", realm


def _judge(host: Host, u: User, params: Params) -> TargetResult | None:
    use_realms = bool(params.get("realm_tfa"))
    note, realm = _realm_note(host, u) if use_realms else ("", None)
    if realm is not None and realm.type == "openid":
        return None  # AC Auth/OpenId.pm has no tfa option: MFA belongs to the provider
    target = f"user/{u.id}"
    facts = {"userid": u.id, "realm": u.realm, "is_root": u.id == ROOT,
             "realm_type": realm.type if realm else ""}
    ref = user_ref(u)
    if u.tfa_marker == "marker":
        return passed(target, f"keys field '{u.keys}': TFA entries exist in "
                      f"/etc/pve/priv/tfa.cfg ({ref})", u.file, u.line, **facts)
    if realm is not None and realm.tfa:
        line = realm.line_of("tfa")
        what = ("keys field holds legacy inline key ids, used as the second factor because"
                if u.tfa_marker == "legacy" else "keys field empty, but")
        return passed(target, f"{what} realm {u.realm} enforces TFA "
                      f"(tfa type={realm.tfa}, {realm.file}:{line}): login without a "
                      "second factor is refused", realm.file, line, **facts)
    sev = Severity.INFO if u.id == ROOT and params.get("root_info") else None
    evidence = f"{u.id} can log in and its keys field is empty: no TFA ({ref})"
    if u.tfa_marker == "legacy":
        evidence = (f"{u.id} can log in with a password only: its keys field holds legacy "
                    f"inline key ids ({ref}), which PVE uses only when the user's realm "
                    "enforces TFA (AC AccessControl.pm add_old_keys_to_realm_tfa ignores "
                    "them otherwise)")
        if not use_realms:
            evidence += "; compat does not read domains.cfg, so it cannot credit them"
    if note:
        evidence += f"; {note}"
    if sev is Severity.INFO:
        evidence += "; root@pam is reported as info (break-glass account, PHG 2.1.4)"
    return failed(target, evidence, u.file, u.line, severity=sev, **facts)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    out = []
    for u in host.access.users.values():
        if not u.can_authenticate(host.now):
            continue  # disabled or expired: cannot log in (AC check_user_enabled)
        r = _judge(host, u, params)
        if r is not None:
            out.append(r)
    return out


DOCS = """\
**What is checked.** Every user in `/etc/pve/user.cfg` (or `pveum user list --full`)
that can log in: enabled (`enable` 1; an empty or `0` field disables) and not expired
(`expire` 0 or in the future, judged at audit time).

**How the verdict is decided.** A user passes when the `keys` field of its `user:` line
is `x` (or the older `x!…`): PVE writes that marker when the user has entries in
`/etc/pve/priv/tfa.cfg`. ProxGuard never reads `priv/tfa.cfg`, and the marker can be
stale after TFA removal on older releases. Any other value is a list of **legacy inline
key ids** (pre-7 OTP/YubiKey): PVE uses them only when the user's realm enforces TFA in
`domains.cfg` (AccessControl.pm `user_get_tfa` → `add_old_keys_to_realm_tfa`, which
ignores them otherwise), so on a realm without `tfa` such a user logs in with a password
only and fails. In the **extended** profile a user also passes when its realm enforces
TFA (`tfa type=oath|yubico`): PVE refuses such logins without a second factor ("missing
required 2nd keys"); without `domains.cfg` neither realm TFA nor legacy keys can be
credited. Users of OpenID realms are not judged (MFA is the identity provider's job; the
realm has no `tfa` option). root@pam fails like any user; extended reports it as
**info** because the hardening guide allows a documented break-glass root without TFA.
**compat** ignores `domains.cfg`, as the incumbent did: it credits neither realm TFA nor
the legacy keys that only realm TFA makes work, so a legacy-keys user fails there.

**Why.** Without a second factor a phished or reused password is full access to the
web UI and API of the cluster.
"""

RULE = Rule(
    id="no-2fa-users",
    title="Users without two-factor authentication",
    category="auth",
    references=(
        Reference("PHG", "2.1.3", "Enable two-factor authentication"),
        Reference("CIS Controls v8", "6.5", "Require MFA for Administrative Access"),
        Reference("Proxmox VE Admin Guide", "pveum", "Two-Factor Authentication"),
    ),
    inputs=("access.user_source",),
    rationale="A password alone protects the account; one leaked or guessed password "
              "gives an attacker the web UI and API.",
    docs=DOCS,
    remediation=Remediation(
        summary="Enrol TOTP/WebAuthn (and recovery keys) for the user in Datacenter > "
                "Permissions > Two Factor; optionally enforce TFA on the realm.",
        template="access/no_2fa_users.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"realm_tfa": False, "root_info": False}),
        "extended": Tuning(Severity.HIGH, {"realm_tfa": True, "root_info": True}),
    },
)
