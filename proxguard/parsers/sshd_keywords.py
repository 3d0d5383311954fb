"""The sshd_config keyword table: which words sshd knows, where they may stand, how they parse.

Data, not logic. Read from OpenSSH's `keywords[]` table (servconf.c at V_9_2_P1 and
V_10_0_P1) plus the options Debian's patches add (probed against Debian 12's
/usr/sbin/sshd 9.2p1-2+deb12u10: GSSAPI key exchange options and DebianBanner, all
global-only). A keyword outside this table makes sshd refuse to start ("Bad configuration
option"), one used inside a Match block without the MATCH flag is fatal too, so both
facts must be exact for the auditor to say "sshd would not start" truthfully.

Kinds (how the arguments are parsed and combined, servconf.c process_server_config_line_depth):
  flag       one of yes/no, case-insensitive (multistate_flag)
  multi:a|b  one of the listed words, case-insensitive (multistate_*)
  exact:a|b  one of the listed words, case-sensitive (PermitTunnel's strcmp)
  int        one decimal integer 0..INT_MAX (atoi_err → strtonum)
  time       one sshd time value, e.g. 90, 1m30s (convtime)
  port       one port 1..65535 or a service name (a2port)
  one        exactly one argument, any text
  pair       one or two arguments (IPQoS, RekeyLimit)
  list       one or more arguments, every line appends (AllowUsers, AcceptEnv, ...)
  firstline  one or more arguments, only the first line counts (AuthenticationMethods, ...)
  rest       the rest of the line verbatim (ForceCommand, ...)
  any        any arguments; the keyword is deprecated/unsupported and ignored by sshd
  accum      exactly one argument, every line appends (HostKey, HostCertificate)
  listen, subsystem, include, match, port_accum: handled by name in the parser
"""

from __future__ import annotations

from dataclasses import dataclass

GLOBAL = 1  # SSHCFG_GLOBAL
MATCH = 2  # SSHCFG_MATCH


@dataclass(frozen=True, slots=True)
class Keyword:
    name: str  # canonical spelling (sshd_config(5))
    flags: int
    kind: str
    since: tuple[int, int] = (0, 0)  # first OpenSSH version that knows it

    @property
    def in_match(self) -> bool:
        return bool(self.flags & MATCH)


# canonical name, scope (G = global only, A = also inside Match), kind[, since]
_TABLE = """
UsePAM G flag
PAMAuthenticationViaKbdInt G any
Port G port_accum
HostKey G accum
HostDSAKey G accum =HostKey
HostKeyAgent G one
PidFile G one
ModuliFile G one
ServerKeyBits G any
LoginGraceTime G time
KeyRegenerationInterval G any
PermitRootLogin A multi:without-password|prohibit-password|forced-commands-only|yes|no
SyslogFacility G one
LogLevel A multi:quiet|silent|fatal|error|info|verbose|debug|debug1|debug2|debug3
LogVerbose A firstline
RhostsAuthentication G any
RhostsRSAAuthentication A any
HostbasedAuthentication A flag
HostbasedUsesNameFromPacketOnly A flag
HostbasedAcceptedAlgorithms A one
HostbasedAcceptedKeyTypes A one =HostbasedAcceptedAlgorithms
HostKeyAlgorithms G one
RSAAuthentication A any
PubkeyAuthentication A flag
PubkeyAcceptedAlgorithms A one
PubkeyAcceptedKeyTypes A one =PubkeyAcceptedAlgorithms
PubkeyAuthOptions A firstline
DSAAuthentication G flag =PubkeyAuthentication
KerberosAuthentication A flag
KerberosOrLocalPasswd G flag
KerberosTicketCleanup G flag
KerberosGetAFSToken G any
KerberosTGTPassing G any
AFSTokenPassing G any
GSSAPIAuthentication A flag
GSSAPICleanupCredentials G flag
GSSAPICleanupCreds G flag =GSSAPICleanupCredentials
GSSAPIStrictAcceptorCheck G flag
GSSAPIKeyExchange G flag
GSSAPIStoreCredentialsOnRekey G flag
GSSAPIKexAlgorithms G one
GSSAPIUseSessionCredCache G any
DebianBanner G flag
PasswordAuthentication A flag
KbdInteractiveAuthentication A flag
ChallengeResponseAuthentication A flag =KbdInteractiveAuthentication
SkeyAuthentication A flag =KbdInteractiveAuthentication
CheckMail G any
ListenAddress G listen
AddressFamily G multi:inet|inet6|any
PrintMotd G flag
PrintLastLog G flag
IgnoreRhosts A multi:yes|no|shosts-only
IgnoreUserKnownHosts G flag
X11Forwarding A flag
X11DisplayOffset A int
X11UseLocalhost A flag
XAuthLocation G one
StrictModes G flag
PermitEmptyPasswords A flag
PermitUserEnvironment G one
UseLogin G any
Compression G multi:yes|delayed|no
RekeyLimit A pair
TCPKeepAlive G flag
KeepAlive G flag =TCPKeepAlive
AllowTcpForwarding A multi:yes|all|no|remote|local
AllowAgentForwarding A flag
AllowUsers A list
DenyUsers A list
AllowGroups A list
DenyGroups A list
Ciphers G one
MACs G one
Protocol G any
GatewayPorts A multi:clientspecified|yes|no
Subsystem G subsystem
MaxStartups G one
PerSourceMaxStartups G one
PerSourceNetBlockSize G one
MaxAuthTries A int
MaxSessions A int
Banner A one
UseDNS G flag
VerifyReverseMapping G any
ReverseMappingCheck G any
ClientAliveInterval A time
ClientAliveCountMax A int
AuthorizedKeysFile A firstline
AuthorizedKeysFile2 A any
UsePrivilegeSeparation G any
AcceptEnv A list
SetEnv A firstline
PermitTunnel A exact:no|point-to-point|ethernet|yes
PermitTTY A flag
PermitUserRC A flag
Match A match
PermitOpen A firstline
PermitListen A firstline
ForceCommand A rest
ChrootDirectory A one
HostCertificate G accum
RevokedKeys A one
TrustedUserCAKeys A one
AuthorizedPrincipalsFile A one
KexAlgorithms G one
Include A include
IPQoS A pair
AuthorizedKeysCommand A rest
AuthorizedKeysCommandUser A one
AuthorizedPrincipalsCommand A rest
AuthorizedPrincipalsCommandUser A one
VersionAddendum G rest
AuthenticationMethods A firstline
StreamLocalBindMask A one
StreamLocalBindUnlink A flag
AllowStreamLocalForwarding A multi:yes|all|no|remote|local
FingerprintHash G one
DisableForwarding A flag
ExposeAuthInfo A flag
RDomain A one
CASignatureAlgorithms A one
SecurityKeyProvider G one
RequiredRSASize A int
ChannelTimeout A firstline
UnusedConnectionTimeout A one
PAMServiceName A one 10.0
PerSourcePenalties G firstline 10.0
PerSourcePenaltyExemptList G one 10.0
RefuseConnection A flag 10.0
SshdSessionPath G one 10.0
SshdAuthPath G one 10.0
"""


def _build() -> tuple[dict[str, Keyword], dict[str, str]]:
    table: dict[str, Keyword] = {}
    alias: dict[str, str] = {}
    for raw in _TABLE.strip().splitlines():
        parts = raw.split()
        name, scope, kind = parts[0], parts[1], parts[2]
        since = (0, 0)
        target = name
        for extra in parts[3:]:
            if extra.startswith("="):
                target = extra[1:]
            else:
                major, minor = extra.split(".")
                since = (int(major), int(minor))
        flags = GLOBAL | (MATCH if scope == "A" else 0)
        table[name.lower()] = Keyword(target, flags, kind, since)
        alias[name.lower()] = target
    return table, alias


KEYWORDS, CANONICAL = _build()

# Subsystem became allowed inside Match in 10.0 (servconf.c V_10_0_P1 keywords[]).
MATCH_SINCE: dict[str, tuple[int, int]] = {"subsystem": (10, 0)}

# Keywords whose values accumulate over lines instead of "first value wins".
ACCUMULATING: frozenset[str] = frozenset(
    {"Port", "ListenAddress", "HostKey", "HostCertificate", "AllowUsers", "DenyUsers",
     "AllowGroups", "DenyGroups", "AcceptEnv", "Subsystem"})

# Match criteria (servconf.c match_cfg_line); 10.0 adds Version and Invalid-User.
MATCH_CRITERIA: dict[str, tuple[int, int]] = {
    "all": (0, 0), "user": (0, 0), "group": (0, 0), "host": (0, 0), "address": (0, 0),
    "localaddress": (0, 0), "localport": (0, 0), "rdomain": (0, 0),
    "version": (10, 0), "invalid-user": (10, 0),
}

# a2port falls back to getservbyname(3); /etc/services is not available in the browser,
# so the names an sshd_config realistically uses are listed here (netbase /etc/services).
SERVICES: dict[str, int] = {"ssh": 22, "ftp": 21, "telnet": 23, "smtp": 25, "domain": 53,
                            "http": 80, "https": 443}


def lookup(word: str, version: tuple[int, int]) -> Keyword | None:
    """The keyword `word` names (case-insensitive) for an sshd of `version`, or None."""
    kw = KEYWORDS.get(word.lower())
    if kw is None or kw.since > version:
        return None
    return kw


def allowed_in_match(word: str, version: tuple[int, int]) -> bool:
    kw = KEYWORDS.get(word.lower())
    if kw is None:
        return False
    since = MATCH_SINCE.get(word.lower())
    if since is not None:
        return version >= since
    return kw.in_match
