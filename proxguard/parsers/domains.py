"""domains.cfg → authentication realms.

The realm list tells the auth rules whether a realm itself enforces a second factor
(`tfa type=oath|yubico`) and which realms can log users in at all. PVE always has the
`pam` and `pve` realms, whether or not the file mentions them, so they are added here too:
a user of `@pam` must never look like a user of an unknown realm.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import DOMAINS_CFG, Snapshot
from proxguard.model.realms import Realm
from proxguard.parsers import sectioncfg
from proxguard.parsers.propstring import parse_property_string

PATH = "etc/pve/domains.cfg"

_COMMON = frozenset({"comment", "default", "tfa"})
_DIRECTORY = frozenset({
    "server1", "server2", "base_dn", "user_attr", "bind_dn", "password", "port", "mode",
    "secure", "sslversion", "verify", "capath", "cert", "certkey", "filter",
    "sync_attributes", "user_classes", "group_dn", "group_name_attr", "group_filter",
    "group_classes", "sync-defaults-options", "case-sensitive",
})
# formats.md §2.5 [AC Auth/*.pm options()]; openid has no `tfa` (AC Auth/OpenId.pm).
KEYS: dict[str, frozenset[str]] = {
    "pam": _COMMON,
    "pve": _COMMON,
    "ldap": _COMMON | _DIRECTORY,
    "ad": _COMMON | _DIRECTORY | {"domain"},
    "openid": frozenset({
        "comment", "default", "issuer-url", "client-id", "client-key", "autocreate",
        "username-claim", "groups-claim", "groups-autocreate", "groups-overwrite", "prompt",
        "scopes", "acr-values", "audiences", "query-userinfo"}),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "ldap": ("server1", "base_dn", "user_attr"),
    "ad": ("server1", "domain"),
    "openid": ("issuer-url", "client-id"),
}
_BOOLEAN = frozenset({"default", "secure", "verify", "case-sensitive", "autocreate",
                      "groups-autocreate", "groups-overwrite", "query-userinfo"})
_INTEGER = frozenset({"port"})
_TFA_TYPES = ("oath", "yubico")
# AC/COM pve-realm format: a letter, then letters/digits/.-_ ; at most 32 characters.
_REALM_ID = re.compile(r"[A-Za-z][A-Za-z0-9._-]+")
# AC Auth/Plugin.pm: the two realms PVE adds when the file lacks them.
_IMPLICIT = {"pam": "Linux PAM standard authentication",
             "pve": "Proxmox VE authentication server"}


def load(snapshot: Snapshot, diags: Diagnostics) -> dict[str, Realm] | None:
    """Realms by id; None when domains.cfg was not supplied (rules → not_evaluated)."""
    files = snapshot.of_kind(DOMAINS_CFG)
    if not files:
        return None
    f = snapshot.get(PATH) or files[0]
    return parse(f.text, f.path, diags)


def parse(text: str, file: str, diags: Diagnostics) -> dict[str, Realm]:
    sections = sectioncfg.parse(text, file, _SCHEMA, diags)
    realms: dict[str, Realm] = {}
    for sec in sections.values():
        missing = [k for k in REQUIRED.get(sec.type, ()) if k not in sec.props]
        if missing:
            diags.warning(file, sec.line, f"realm '{sec.id}' skipped by Proxmox: missing "
                          f"required option {', '.join(repr(k) for k in missing)}")
            continue
        realms[sec.id] = _realm(sec, file, diags)
    for rid, comment in _IMPLICIT.items():
        if rid not in realms:
            realms[rid] = Realm(rid, rid, None, False, {"comment": comment}, file, 0)
    _single_default(realms, file, diags)
    return realms


def _realm(sec: sectioncfg.Section, file: str, diags: Diagnostics) -> Realm:
    options = {k: p.value for k, p in sec.props.items()}
    if "comment" in options:
        options["comment"] = unquote(options["comment"])  # AC: comments are URI-encoded
    if "password" in options:
        diags.warning(file, sec.line_of("password"), f"realm '{sec.id}': a bind password is "
                      "written in domains.cfg; PVE keeps it in /etc/pve/priv/realm/"
                      f"{sec.id}.pw, so this copy is readable by anyone who can read the file")
    tfa = None
    if "tfa" in options:
        tfa = parse_property_string(options["tfa"]).get("type")
    return Realm(sec.id, sec.type, tfa, options.get("default") == "1", options, file,
                 sec.line, {k: p.line for k, p in sec.props.items()})


def _single_default(realms: dict[str, Realm], file: str, diags: Diagnostics) -> None:
    """AC Auth/Plugin.pm keeps `default` on one realm only, picked in hash order; we keep
    the first in the file and say that PVE's choice is not predictable."""
    defaults = [r for r in realms.values() if r.default]
    for extra in defaults[1:]:
        extra.default = False
        diags.warning(file, extra.line_of("default"), f"realm '{extra.id}': several realms "
                      f"set 'default'; Proxmox keeps only one of them, chosen arbitrarily "
                      f"(ProxGuard assumes '{defaults[0].id}')")


def _check_id(_typ: str, rid: str) -> str | None:
    if len(rid) > 32 or not _REALM_ID.fullmatch(rid):
        return f"'{rid}' is not a valid realm name"
    return None


def _check_value(typ: str, key: str, raw: str | None) -> tuple[str | None, str | None]:
    if key not in KEYS.get(typ, frozenset()):
        return None, f"unexpected property '{key}' for a {typ} realm"
    if key in _BOOLEAN:
        return sectioncfg.check_boolean(raw)
    if key in _INTEGER:
        return sectioncfg.check_integer(raw)
    if key == "tfa" and raw is not None:
        tfa = parse_property_string(raw)
        if tfa.problems or tfa.get("type") not in _TFA_TYPES:
            return None, f"'{raw}' is not a valid tfa setting (needs type=oath or type=yubico)"
    return sectioncfg.check_string(raw)


_SCHEMA = sectioncfg.Schema(types=frozenset(KEYS), check_value=_check_value,
                            check_id=_check_id)
