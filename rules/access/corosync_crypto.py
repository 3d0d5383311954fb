"""corosync-crypto: cluster traffic without authentication or encryption.

Corosync carries pmxcfs, the replicated /etc/pve (user.cfg, firewall files, guest
configs, and priv/ with its keys). A node on the cluster network that can forge or
read that traffic joins the trust of every node, so an unauthenticated totem is an
authentication problem: who is believed to be a cluster member.
"""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.corosync import CorosyncConf
from proxguard.model.host import Host
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    inapplicable,
    passed,
)

# corosync 3 exec/totemconfig.c totem_get_crypto: the values it recognises; any other
# string leaves the previous choice in place.
CIPHERS = ("none", "aes256", "aes192", "aes128")
HASHES = ("none", "md5", "sha1", "sha256", "sha384", "sha512")
WEAK_HASHES = ("md5", "sha1")
_KNET = "knet"  # corosync 3's default transport; crypto exists only there


def effective(conf: CorosyncConf) -> tuple[str, str, list[str]]:
    """(cipher, hash, notes) as corosync 3 derives them: none/none, `secauth: on` →
    aes256/sha256, then explicit crypto_cipher/crypto_hash override."""
    cipher, hash_, notes = "none", "none", []
    secauth = conf.totem.get("secauth")
    if secauth and secauth[0] == "on":
        cipher, hash_ = "aes256", "sha256"
    for key, known in (("crypto_cipher", CIPHERS), ("crypto_hash", HASHES)):
        item = conf.totem.get(key)
        if item is None:
            continue
        if item[0] not in known:
            notes.append(f"{key} {item[0]!r} (line {item[1]}) is not a value corosync "
                         "knows; it is ignored")
        elif key == "crypto_cipher":
            cipher = item[0]
        else:
            hash_ = item[0]
    return cipher, hash_, notes


def _deciding_line(conf: CorosyncConf) -> int:
    lines = [conf.totem[k][1] for k in ("crypto_hash", "crypto_cipher", "secauth")
             if k in conf.totem]
    return max(lines) if lines else 0


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    conf = host.corosync
    if conf is None:
        return []
    if not conf.present:
        return [inapplicable("cluster", f"no {conf.file} on the host (collector manifest): "
                             "the node is in no cluster (`pvecm create` writes this file), so "
                             "there is no corosync traffic to authenticate or encrypt",
                             conf.file, 0, conf_file=conf.file)]
    cipher, hash_, notes = effective(conf)
    transport = conf.transport or _KNET
    line = _deciding_line(conf)
    said = ", ".join(f"{k}: {conf.totem[k][0]} (line {conf.totem[k][1]})"
                     for k in ("secauth", "crypto_cipher", "crypto_hash") if k in conf.totem)
    head = f"{conf.file}: totem {said or 'sets none of secauth/crypto_cipher/crypto_hash'}"
    tail = "".join(f"; {n}" for n in notes)
    facts = {"conf_file": conf.file, "cipher": cipher, "hash": hash_, "transport": transport}
    if transport != _KNET:
        return [failed("cluster", f"{head}; transport {transport}: corosync 3 offers no "
                       "authentication or encryption outside knet" + tail, conf.file,
                       conf.totem["transport"][1], **facts)]
    if hash_ == "none":
        why = ("cipher without a hash: corosync refuses to start with this configuration"
               if cipher != "none" else
               "effective crypto_cipher none, crypto_hash none: any host on the cluster "
               "network can read and forge cluster messages, pmxcfs writes to /etc/pve "
               "included")
        return [failed("cluster", f"{head}; {why}{tail}", conf.file, line, **facts)]
    if cipher == "none":
        return [failed("cluster", f"{head}; effective crypto_hash {hash_} but crypto_cipher "
                       "none: messages are authenticated but readable by anyone on the "
                       "cluster network (pmxcfs replicates /etc/pve/priv)" + tail, conf.file,
                       line, severity=Severity.MEDIUM, **facts)]
    if hash_ in WEAK_HASHES:
        return [failed("cluster", f"{head}; effective crypto_hash {hash_} is a weak "
                       f"digest (cipher {cipher})" + tail, conf.file, line,
                       severity=Severity.LOW, **facts)]
    return [passed("cluster", f"{head}; effective crypto_cipher {cipher}, crypto_hash "
                   f"{hash_} on knet" + tail, conf.file, line, **facts)]


DOCS = """\
**What is checked.** The `totem` section of `/etc/pve/corosync.conf` (also read from
`/etc/corosync/corosync.conf`): `secauth`, `crypto_cipher`, `crypto_hash`, `transport`.

**How the verdict is decided.** The effective cipher and hash are derived as corosync 3
does (`exec/totemconfig.c`, `totem_get_crypto`): both start as `none`; `secauth: on`
makes them `aes256`/`sha256`; an explicit `crypto_cipher`/`crypto_hash` with a value
corosync knows overrides that (an unknown value is ignored, and said so). Then:
- hash `none` fails (high): nothing authenticates cluster messages — any host on the
  corosync network can read and forge them, pmxcfs writes to `/etc/pve` included. A
  cipher without a hash also fails: corosync refuses that configuration.
- hash set, cipher `none` fails (medium): authenticated but readable; pmxcfs replicates
  `/etc/pve/priv` (API token secrets, the cluster's auth key) over this link.
- hash `md5` or `sha1` fails (low).
- a transport other than `knet` (`udp`, `udpu`) fails: corosync 3 has no crypto there.
pve-cluster's `PVE/Corosync.pm` `verify_conf` warns "authentication/encryption is not
explicitly enabled" on the same missing settings, and `create_conf` writes
`secauth: on` for every new cluster, so a failure here means the file was edited or
comes from an old cluster. The target is `cluster` (one per corosync.conf). A node that
is in no cluster has no `/etc/pve/corosync.conf` (`pvecm create` and `pvecm add` write
it): when the collector's manifest says it looked and found none, the target is not
applicable (nothing to protect); without the file and without such a manifest entry the
rule is not evaluated (a missing file may just not have been supplied).

**Why.** The cluster network is trusted with root-equivalent writes: whoever can inject
totem messages can change every node's configuration.
"""


RULE = Rule(
    id="corosync-crypto",
    title="Corosync cluster traffic without authentication or encryption",
    category="auth",
    references=(
        Reference("PHG", "3.2", "Corosync: secure the cluster network"),
        Reference("pve-cluster", "src/PVE/Corosync.pm",
                  "create_conf (secauth: on), verify_conf (warns when not explicit)"),
        Reference("corosync", "exec/totemconfig.c",
                  "totem_get_crypto: defaults none/none, secauth on → aes256/sha256"),
    ),
    inputs=("corosync",),
    rationale="Corosync carries pmxcfs, the replicated /etc/pve: without authentication "
              "anyone on the cluster network can forge configuration changes on every node.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set `crypto_cipher: aes256` and `crypto_hash: sha256` (or `secauth: on`) "
                "in the totem section via corosync.conf.new, raising config_version.",
        template="access/corosync_crypto.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
