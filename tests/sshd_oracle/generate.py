"""Random but realistic sshd_config trees, seeded so every disagreement is reproducible.

A tree is a Debian-style main file, zero to three drop-ins and sometimes an extra file
included from inside a Match block, written with every spelling sshd accepts (case,
Key=Value, tabs, quotes, trailing comments, CRLF) and, now and then, a line sshd rejects.
Include paths carry the placeholder ROOT so the same tree can be read by ProxGuard (ROOT
= "") and by sshd from a temporary directory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from proxguard.model.sshd_match import Connection

ROOT = "@ROOT@"
MAIN = "etc/ssh/sshd_config"

# keyword → values; the keywords the rules read come first and most often
VALUES: dict[str, list[str]] = {
    "PermitRootLogin": ["yes", "no", "prohibit-password", "without-password",
                        "forced-commands-only", "YES", "No"],
    "PasswordAuthentication": ["yes", "no", "Yes", "NO"],
    "KbdInteractiveAuthentication": ["yes", "no"],
    "ChallengeResponseAuthentication": ["yes", "no"],
    "PubkeyAuthentication": ["yes", "no"],
    "MaxAuthTries": ["1", "3", "4", "5", "6", "7", "10", "07", "+4"],
    "AuthenticationMethods": ["any", "publickey", "publickey,password", "password",
                              "publickey password", "keyboard-interactive",
                              "publickey,keyboard-interactive:pam"],
    "UsePAM": ["yes", "no"],
    "X11Forwarding": ["yes", "no"],
    "PermitEmptyPasswords": ["yes", "no"],
    "Port": ["22", "2222", "8022", "ssh"],
    "ListenAddress": ["0.0.0.0", "0.0.0.0:2200", "[::]:22", "127.0.0.1:22", "::"],
    "Ciphers": ["+aes128-cbc", "-chacha20-poly1305@openssh.com", "^aes256-ctr",
                "aes256-gcm@openssh.com,aes128-ctr"],
    "AcceptEnv": ["LANG LC_*", "COLORTERM NO_COLOR"],
    "AllowUsers": ["root bob", "root@10.0.0.0/8 alice"],
    "LoginGraceTime": ["30", "1m30s", "2m"],
    "ClientAliveInterval": ["0", "300", "5m"],
    "MaxSessions": ["2", "10"],
}
READ_BY_RULES = ("PermitRootLogin", "PasswordAuthentication", "KbdInteractiveAuthentication",
                 "PubkeyAuthentication", "MaxAuthTries", "AuthenticationMethods", "UsePAM",
                 "X11Forwarding", "PermitEmptyPasswords", "ClientAliveInterval", "MaxSessions")
GLOBAL_ONLY = ("Port", "ListenAddress", "Ciphers", "UsePAM", "LoginGraceTime")
CRITERIA = [
    "Address 10.0.0.0/8", "Address 192.168.1.0/24,!192.168.1.7", "Address 10.0.0.*",
    "Address !10.1.0.0/16,10.0.0.0/8", "User root", "User bob,alice", "User !root,*",
    "User r*", "Host *.example.com", "LocalPort 22", "LocalPort 2222", "Group wheel",
    "User root Address 10.0.0.0/8", "LocalAddress 192.0.2.0/24", "All",
    "User=bob", "address 172.16.0.0/12",
]
BAD_LINES = ["Foo bar", "PermitRootLogin maybe", "MaxAuthTries", "MaxAuthTries x",
             "Port 0", 'Banner "unterminated', "Match Nope x", "Match All User root",
             "PasswordAuthentication yes no", "Match Address 10.0.0.1/8"]
USERS = ["root", "bob", "alice"]
ADDRS = ["10.0.0.5", "10.1.2.3", "192.168.1.7", "192.168.1.8", "172.16.0.1"]


@dataclass
class Tree:
    files: dict[str, str]  # host path → text with ROOT placeholders

    def for_proxguard(self) -> dict[str, str]:
        return {p: t.replace(ROOT, "") for p, t in self.files.items()}

    def for_sshd(self, root: str) -> dict[str, str]:
        return {p: t.replace(ROOT, root) for p, t in self.files.items()}


def _spell(rng: random.Random, key: str, value: str) -> str:
    word = rng.choice([key, key, key.lower(), key.upper()])
    sep = rng.choice([" ", " ", "\t", "=", " = ", " =", "  "])
    if rng.random() < 0.1 and " " not in value:
        value = f'"{value}"'
    line = f"{word}{sep}{value}"
    if rng.random() < 0.1:
        line += rng.choice([" # comment", "\t#x", "  "])
    if rng.random() < 0.15:
        line = rng.choice(["  ", "\t"]) + line
    return line


def _setting(rng: random.Random, in_match: bool, bad: float) -> str:
    if rng.random() < bad:
        return rng.choice(BAD_LINES)
    keys = [k for k in VALUES if not in_match or k not in GLOBAL_ONLY or rng.random() < bad]
    weights = [6 if k in READ_BY_RULES[:6] else 1 for k in keys]
    key = rng.choices(keys, weights)[0]
    return _spell(rng, key, rng.choice(VALUES[key]))


def _body(rng: random.Random, n: int, bad: float, includes: list[str]) -> list[str]:
    lines: list[str] = []
    in_match = False
    for _ in range(n):
        r = rng.random()
        if r < 0.12:
            lines.append(_spell(rng, "Match", rng.choice(CRITERIA)))
            in_match = True
        elif r < 0.18:
            lines.append(rng.choice(["", "# a comment", "   ", "#PermitRootLogin yes"]))
        elif r < 0.22 and includes:
            lines.append(f"Include {includes.pop(0)}")
        else:
            lines.append(_setting(rng, in_match, bad))
    return lines + [f"Include {i}" for i in includes]


def tree(seed: int, bad: float = 0.03) -> Tree:
    rng = random.Random(seed)
    files: dict[str, str] = {}
    n_drop = rng.choice([0, 1, 1, 2, 3])
    names = sorted(rng.sample(["00-pve", "10-keys", "20-x", "50-cloud", "99-last"], n_drop))
    extra = rng.random() < 0.3
    for name in names:
        inc = [f"{ROOT}/etc/ssh/extra.conf"] if extra and name == names[-1] else []
        files[f"etc/ssh/sshd_config.d/{name}.conf"] = "\n".join(
            _body(rng, rng.randint(1, 6), bad, inc)) + "\n"
    if extra:
        files["etc/ssh/extra.conf"] = "\n".join(_body(rng, rng.randint(1, 4), bad, [])) + "\n"
    head = [f"Include {ROOT}/etc/ssh/sshd_config.d/*.conf"]
    position = rng.random()
    body = _body(rng, rng.randint(2, 12), bad,
                 [f"{ROOT}/etc/ssh/extra.conf"] if extra and not names else [])
    if position < 0.7:
        lines = head + body
    elif position < 0.85:
        cut = rng.randint(0, len(body))
        lines = body[:cut] + head + body[cut:]
    else:
        lines = body + head
    eol = "\r\n" if rng.random() < 0.1 else "\n"
    files[MAIN] = eol.join(lines) + eol
    _add_lists(seed, files, bad)
    add_catalogue(seed, files, bad)
    return Tree(files)


# Access lists (AllowUsers/DenyUsers/AllowGroups/DenyGroups) with wildcards, a literal
# `!name`, USER@HOST with CIDR, wildcard and negated host lists, and PAM/keyboard-
# interactive keywords. Added by a second random stream after the tree is built, so the
# trees of earlier seeds (the regression seeds) keep all their lines.
LIST_VALUES: dict[str, list[str]] = {
    "AllowUsers": ["root", "bob alice", "r* !bob", "root@10.0.0.0/8", "*@192.168.1.*",
                   "bob@10.0.0.0/8,!10.0.0.5 root", "root@*.example.com", "a?ice"],
    "DenyUsers": ["root", "!root", "bo?", "root@!10.0.0.0/8,*", "*@172.16.0.0/12"],
    "AllowGroups": ["wheel", "root sudo", "w*", "!wheel"],
    "DenyGroups": ["root", "nogroup", "adm*"],
    "KbdInteractiveAuthentication": ["yes", "no"],
    "ChallengeResponseAuthentication": ["yes", "no"],
    "UsePAM": ["yes", "no"],
}
BAD_LIST_LINES = ["AllowUsers root@10.0.0.1/8", "DenyUsers bob@", 'AllowGroups ""']


def _add_lists(seed: int, files: dict[str, str], bad: float) -> None:
    rng = random.Random(seed * 104729 + 17)
    for path in sorted(files):
        if rng.random() < 0.5:
            continue
        eol = "\r\n" if files[path].endswith("\r\n") else "\n"
        lines = files[path].split(eol)[:-1]
        for _ in range(rng.randint(1, 3)):
            key = ""
            if rng.random() < bad:
                line = rng.choice(BAD_LIST_LINES)
            else:
                key = rng.choice(list(LIST_VALUES))
                line = _spell(rng, key, rng.choice(LIST_VALUES[key]))
            if key == "UsePAM":  # global only: keep it before any Match line
                first_match = next((i for i, x in enumerate(lines)
                                    if x.strip().lower().startswith("match")), len(lines))
                lines.insert(rng.randint(0, first_match), line)
            else:
                lines.insert(rng.randint(0, len(lines)), line)
        files[path] = eol.join(lines) + eol


def connection(seed: int) -> Connection:
    rng = random.Random(seed * 7919 + 1)
    return Connection(user=rng.choice(USERS), host=rng.choice(["h1.example.com", "pve1"]),
                      addr=rng.choice(ADDRS), laddr="192.0.2.1", lport=rng.choice([22, 2222]))


# The extended catalogue's keywords (issue 12: authentication bypass, forwarding, crypto
# lists with + - ^ modifiers and wildcards, session limits, Banner), added by a third
# random stream after the access lists, so every earlier seed keeps all its lines.
CATALOGUE_VALUES: dict[str, list[str]] = {
    "HostbasedAuthentication": ["yes", "no"],
    "IgnoreRhosts": ["yes", "no", "shosts-only", "Yes"],
    "PermitUserEnvironment": ["yes", "no", "LANG,LC_*", "No", "YES"],
    "DisableForwarding": ["yes", "no"],
    "AllowTcpForwarding": ["yes", "no", "local", "remote", "all"],
    "AllowAgentForwarding": ["yes", "no"],
    "PermitTunnel": ["yes", "no", "point-to-point", "ethernet"],
    "LoginGraceTime": ["0", "30", "1m", "2m30s"],
    "MaxStartups": ["10:30:60", "5", "10:30:100", "20:40:80", "5x"],
    "ClientAliveCountMax": ["0", "3", "5"],
    "LogLevel": ["INFO", "VERBOSE", "quiet", "DEBUG3"],
    "Banner": ["none", "NONE", "/etc/issue.net"],
    "MACs": ["+hmac-sha1-96", "-hmac-sha1*,umac-64*", "^hmac-md5",
             "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com"],
    "KexAlgorithms": ["+diffie-hellman-group14-sha1", "-ecdh-*", "^curve25519-sha256",
                      "curve25519-sha256,diffie-hellman-group1-sha1"],
    "HostKeyAlgorithms": ["+ssh-rsa", "ssh-ed25519*,rsa-sha2-*", "^ssh-rsa*", "-ecdsa*"],
    "PubkeyAcceptedAlgorithms": ["+ssh-rsa", "-ssh-rsa*,sk-*", "ssh-ed25519,rsa-sha2-512"],
    "Ciphers": ["aes128-ctr,", "-aes*-ctr", "^aes256-cbc,aes128-gcm@openssh.com"],
}
CATALOGUE_GLOBAL_ONLY = ("PermitUserEnvironment", "LoginGraceTime", "MaxStartups", "MACs",
                         "KexAlgorithms", "HostKeyAlgorithms", "Ciphers")
BAD_CATALOGUE_LINES = ["MaxStartups 20:30", "MaxStartups 10:30:5", "Ciphers aes*",
                       "Ciphers +foo", "HostKeyAlgorithms !ssh-rsa", "MACs hmac-sha3",
                       "PermitTunnel Yes", "IgnoreRhosts maybe"]


def add_catalogue(seed: int, files: dict[str, str], bad: float) -> None:
    rng = random.Random(seed * 15485863 + 29)
    for path in sorted(files):
        if rng.random() < 0.4:
            continue
        eol = "\r\n" if files[path].endswith("\r\n") else "\n"
        lines = files[path].split(eol)[:-1]
        for _ in range(rng.randint(1, 4)):
            key = ""
            if rng.random() < bad:
                line = rng.choice(BAD_CATALOGUE_LINES)
            else:
                key = rng.choice(list(CATALOGUE_VALUES))
                line = _spell(rng, key, rng.choice(CATALOGUE_VALUES[key]))
            first_match = next((i for i, x in enumerate(lines)
                                if x.strip().lower().startswith("match")), len(lines))
            top = first_match if key in CATALOGUE_GLOBAL_ONLY else len(lines)
            lines.insert(rng.randint(0, top), line)
        files[path] = eol.join(lines) + eol
