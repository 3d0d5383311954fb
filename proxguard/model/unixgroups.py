"""Unix group membership (/etc/group), which sshd's AllowGroups/DenyGroups and
`Match Group` consult (groupaccess.c ga_init: the user's primary and supplementary groups).

Only /etc/group is read — never /etc/gshadow or /etc/shadow. /etc/passwd is not collected,
so a user's primary group is known for root only (gid 0, group `root`); every other
account's groups are its supplementary memberships as /etc/group lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class UnixGroups:
    path: str
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # group → users
    lines: dict[str, int] = field(default_factory=dict)  # group → line in the file

    def groups_of(self, user: str) -> tuple[str, ...]:
        """The groups /etc/group lists `user` in, plus `root` for root (primary, gid 0)."""
        out = [g for g, users in self.members.items() if user in users]
        if user == "root" and "root" not in out:
            out.insert(0, "root")
        return tuple(out)
