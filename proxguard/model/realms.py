"""Authentication realms from domains.cfg.

Rules need to know whether a realm enforces TFA for all its users (a user without own TFA
keys in an `oath`/`yubico` realm still must present a second factor) and which realms
exist at all, so users of a realm that is gone or misconfigured can be explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Realm:
    id: str  # the realm name as in `user@<id>`
    type: str  # pam, pve, ldap, ad, openid
    tfa: str | None  # "oath" / "yubico" from `tfa type=...`, None when the realm enforces none
    default: bool  # the realm preselected on the login form
    options: dict[str, str]  # every kept property as written (tfa: the full property string)
    file: str
    line: int  # header line; 0 for pam/pve when PVE adds them implicitly
    lines: dict[str, int] = field(default_factory=dict)  # key → line, for evidence

    def line_of(self, key: str) -> int:
        """Line of `key`, or 0 when it is absent (its default applies)."""
        return self.lines.get(key, 0)
