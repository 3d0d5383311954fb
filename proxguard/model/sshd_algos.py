"""sshd's algorithm lists (Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms,
PubkeyAcceptedAlgorithms) resolved the way sshd resolves them.

A configured value is not the list sshd offers: `+x` appends to the compiled-in default,
`-x` removes (patterns allowed), `^x` puts in front, a plain list replaces; names and
wildcards are then expanded against every algorithm the binary supports, duplicates
dropped (OpenSSH kex.c `kex_assemble_names`, servconf.c `assemble_algorithms`). The
defaults and the supported lists differ per OpenSSH version, so both are tables here.

Sources, re-derived (no code copied): OpenSSH myproposal.h, cipher.c, mac.c, kex-names.c,
sshkey.c. 9.2p1: checked name for name against Debian 12's `sshd -T` and `ssh -Q`
(9.2p1-2+deb12u10). 10.0p1 (Debian 13): the 9.2 tables changed as the 10.0 release notes
say — `mlkem768x25519-sha256` first in the server's KEX default and the finite-field
(diffie-hellman-*) methods dropped from it, AES-GCM preferred to AES-CTR, DSA removed;
not yet checked against a running 10.0p1 (docs/sshd.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from proxguard.model.sshd import Setting, SshdConfig
from proxguard.model.sshd_match import Connection, match_pattern_list

ALGORITHM_KEYWORDS = ("Ciphers", "MACs", "KexAlgorithms", "HostKeyAlgorithms",
                      "PubkeyAcceptedAlgorithms")


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CIPHERS = _names("""3des-cbc aes128-cbc aes192-cbc aes256-cbc aes128-ctr aes192-ctr aes256-ctr
    aes128-gcm@openssh.com aes256-gcm@openssh.com chacha20-poly1305@openssh.com""")
_MACS = _names("""hmac-sha1 hmac-sha1-96 hmac-sha2-256 hmac-sha2-512 hmac-md5 hmac-md5-96
    umac-64@openssh.com umac-128@openssh.com hmac-sha1-etm@openssh.com
    hmac-sha1-96-etm@openssh.com hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com
    hmac-md5-etm@openssh.com hmac-md5-96-etm@openssh.com umac-64-etm@openssh.com
    umac-128-etm@openssh.com""")
_KEX_92 = _names("""diffie-hellman-group1-sha1 diffie-hellman-group14-sha1
    diffie-hellman-group14-sha256 diffie-hellman-group16-sha512 diffie-hellman-group18-sha512
    diffie-hellman-group-exchange-sha1 diffie-hellman-group-exchange-sha256 ecdh-sha2-nistp256
    ecdh-sha2-nistp384 ecdh-sha2-nistp521 curve25519-sha256 curve25519-sha256@libssh.org
    sntrup761x25519-sha512 sntrup761x25519-sha512@openssh.com""")
_KEYS_92 = _names("""ssh-ed25519 ssh-ed25519-cert-v01@openssh.com sk-ssh-ed25519@openssh.com
    sk-ssh-ed25519-cert-v01@openssh.com ecdsa-sha2-nistp256 ecdsa-sha2-nistp256-cert-v01@openssh.com
    ecdsa-sha2-nistp384 ecdsa-sha2-nistp384-cert-v01@openssh.com ecdsa-sha2-nistp521
    ecdsa-sha2-nistp521-cert-v01@openssh.com sk-ecdsa-sha2-nistp256@openssh.com
    sk-ecdsa-sha2-nistp256-cert-v01@openssh.com webauthn-sk-ecdsa-sha2-nistp256@openssh.com
    ssh-dss ssh-dss-cert-v01@openssh.com ssh-rsa ssh-rsa-cert-v01@openssh.com rsa-sha2-256
    rsa-sha2-256-cert-v01@openssh.com rsa-sha2-512 rsa-sha2-512-cert-v01@openssh.com""")

_DEF_CIPHERS_92 = _names("""chacha20-poly1305@openssh.com aes128-ctr aes192-ctr aes256-ctr
    aes128-gcm@openssh.com aes256-gcm@openssh.com""")
_DEF_MACS = _names("""umac-64-etm@openssh.com umac-128-etm@openssh.com
    hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com hmac-sha1-etm@openssh.com
    umac-64@openssh.com umac-128@openssh.com hmac-sha2-256 hmac-sha2-512 hmac-sha1""")
_DEF_KEX_92 = _names("""sntrup761x25519-sha512 sntrup761x25519-sha512@openssh.com
    curve25519-sha256 curve25519-sha256@libssh.org ecdh-sha2-nistp256 ecdh-sha2-nistp384
    ecdh-sha2-nistp521 diffie-hellman-group-exchange-sha256 diffie-hellman-group16-sha512
    diffie-hellman-group18-sha512 diffie-hellman-group14-sha256""")
_DEF_KEYS = _names("""ssh-ed25519-cert-v01@openssh.com ecdsa-sha2-nistp256-cert-v01@openssh.com
    ecdsa-sha2-nistp384-cert-v01@openssh.com ecdsa-sha2-nistp521-cert-v01@openssh.com
    sk-ssh-ed25519-cert-v01@openssh.com sk-ecdsa-sha2-nistp256-cert-v01@openssh.com
    rsa-sha2-512-cert-v01@openssh.com rsa-sha2-256-cert-v01@openssh.com ssh-ed25519
    ecdsa-sha2-nistp256 ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 sk-ssh-ed25519@openssh.com
    sk-ecdsa-sha2-nistp256@openssh.com rsa-sha2-512 rsa-sha2-256""")

_DEF_CIPHERS_10 = _names("""chacha20-poly1305@openssh.com aes128-gcm@openssh.com
    aes256-gcm@openssh.com aes128-ctr aes192-ctr aes256-ctr""")
_DEF_KEX_10 = _names("""mlkem768x25519-sha256 sntrup761x25519-sha512
    sntrup761x25519-sha512@openssh.com curve25519-sha256 curve25519-sha256@libssh.org
    ecdh-sha2-nistp256 ecdh-sha2-nistp384 ecdh-sha2-nistp521""")
_KEX_10 = (*_KEX_92, "mlkem768x25519-sha256")
_KEYS_10 = tuple(k for k in _KEYS_92 if not k.startswith("ssh-dss"))


@dataclass(frozen=True, slots=True)
class AlgoTable:
    """One keyword's lists for one OpenSSH version: the default and everything supported."""

    default: tuple[str, ...]
    supported: tuple[str, ...]
    wildcards: bool  # are patterns valid in a plain/+/^ list? (key algorithms only)


_V92 = {"Ciphers": AlgoTable(_DEF_CIPHERS_92, _CIPHERS, False),
        "MACs": AlgoTable(_DEF_MACS, _MACS, False),
        "KexAlgorithms": AlgoTable(_DEF_KEX_92, _KEX_92, False),
        "HostKeyAlgorithms": AlgoTable(_DEF_KEYS, _KEYS_92, True),
        "PubkeyAcceptedAlgorithms": AlgoTable(_DEF_KEYS, _KEYS_92, True)}
_V10 = {"Ciphers": AlgoTable(_DEF_CIPHERS_10, _CIPHERS, False),
        "MACs": AlgoTable(_DEF_MACS, _MACS, False),
        "KexAlgorithms": AlgoTable(_DEF_KEX_10, _KEX_10, False),
        "HostKeyAlgorithms": AlgoTable(_DEF_KEYS, _KEYS_10, True),
        "PubkeyAcceptedAlgorithms": AlgoTable(_DEF_KEYS, _KEYS_10, True)}


def table(keyword: str, version: tuple[int, int]) -> AlgoTable:
    return (_V10 if version >= (10, 0) else _V92)[keyword]


def spec_problem(keyword: str, spec: str, version: tuple[int, int]) -> str:
    """Why sshd refuses this line at parse time ("" when it accepts it). servconf.c checks
    every name of a plain, `+` or `^` list (stopping at the first empty one, as its
    strsep loop does); a `-` list is not checked."""
    if spec.startswith("-"):
        return ""
    body = spec[1:] if spec[:1] in ("+", "^") else spec
    tab = table(keyword, version)
    if body == "":
        return f"Bad SSH2 {keyword} spec '{spec}'"
    for name in body.split(","):
        if name == "":
            break
        if name in tab.supported:
            continue
        if tab.wildcards and any(match_pattern_list(a, name) != 0 for a in tab.supported):
            continue
        return f"Bad SSH2 {keyword} spec '{spec}'"
    return ""


def _cat(a: list[str], b: list[str]) -> list[str]:
    return a + [n for n in b if n and n not in a]


def resolve(spec: str, tab: AlgoTable) -> list[str] | None:
    """The list sshd offers for a configured value (None: sshd refuses to start, e.g. a
    list that expands to nothing or holds a `!` pattern). An empty value is the default."""
    default = list(tab.default)
    if spec == "":
        return default
    if spec.startswith("-"):
        kept = [n for n in default if match_pattern_list(n, spec[1:]) != 1]
        # everything removed: Debian's 9.2p1 `sshd -T` then shows the default list
        return kept or default
    if spec.startswith("+"):
        names = _cat(default, spec[1:].split(","))
    elif spec.startswith("^"):
        names = _cat([n for n in spec[1:].split(",") if n], default)
    else:
        names = spec.split(",")
    out: list[str] = []
    for pattern in names:
        if pattern.startswith("!"):
            return None
        out = _cat(out, [a for a in tab.supported if pattern and match_pattern_list(a, pattern) == 1])
    return out or None


@dataclass(frozen=True, slots=True)
class Algorithms:
    """An effective algorithm list with the setting that decides it."""

    keyword: str
    names: tuple[str, ...]
    setting: Setting
    default: tuple[str, ...]  # the version's compiled-in default, for "added by config"

    @property
    def basis(self) -> str:
        if self.setting.source == "sshd-T":
            return "as `sshd -T` printed it"
        if self.setting.default:
            return "the compiled-in default"
        return f"`{self.setting.keyword} {self.setting.value}` resolved against the default"


def algorithms(cfg: SshdConfig, keyword: str, conn: Connection | None = None) -> Algorithms:
    """The list sshd offers for `keyword` (globally, or for `conn`). `sshd -T` output is
    already resolved; a configuration line is resolved against the version's tables."""
    s = cfg.effective(keyword) if conn is None else cfg.effective_for(keyword, conn)
    tab = table(keyword, cfg.version)
    if s.source == "sshd-T":
        names = tuple(n for n in s.value.split(",") if n)
    else:
        names = tuple(resolve(s.value, tab) or tab.default)
    return Algorithms(keyword, names, s, tab.default)
