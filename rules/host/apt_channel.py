"""apt-channel: a Proxmox test channel enabled, or Debian security updates not configured."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.apt import AptEntry, AptSources
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
    unassessed,
)
from proxguard.rules.host._apt_repos import (
    NO_SECURITY_SUITES,
    debian_codename,
    proxmox_channels,
    security_codename,
)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    apt = host.apt
    assert apt is not None
    return [_channel(apt), _security(apt)]


def _where(e: AptEntry) -> str:
    return f"{e.file}:{e.line}"


def _channel(apt: AptSources) -> TargetResult:
    target = "apt/proxmox-channel"
    found = [c for e in apt.active() for c in proxmox_channels(e)]
    if not found:
        return inapplicable(target, "no enabled Proxmox repository in the supplied APT "
                            f"sources ({', '.join(apt.files)})")
    tests = [c for c in found if c.channel == "test"]
    if tests:
        first = tests[0].entry
        listed = "; ".join(f"{c.product} {c.channel} ({_where(c.entry)})" for c in tests)
        return failed(target, f"test channel enabled: {listed}; its packages have not been "
                      "through Proxmox's release testing", first.file, first.line,
                      severity=Severity.MEDIUM, path=first.file, lineno=first.line,
                      deb822=first.file.endswith(".sources"),
                      codename=first.suite, component=_test_component(first.components))
    first = found[0].entry
    listed = "; ".join(f"{c.product} {c.channel} ({_where(c.entry)})" for c in found)
    return passed(target, f"no test channel; channels in use (informational): {listed}",
                  first.file, first.line)


def _test_component(components: tuple[str, ...]) -> str:
    return next(c for c in components if c in ("pvetest", "test"))


def _security(apt: AptSources) -> TargetResult:
    target = "apt/debian-security"
    active = apt.active()
    releases: dict[str, AptEntry] = {}
    for e in active:
        code = debian_codename(e)
        if code is not None and code not in NO_SECURITY_SUITES:
            releases.setdefault(code, e)
    if not releases:
        return unassessed(target, "no enabled Debian archive entry in the supplied APT sources "
                          f"({', '.join(apt.files)}): the release whose security updates "
                          "must be configured is unknown")
    covered = {c for e in active if (c := security_codename(e)) is not None}
    missing = [c for c in releases if c not in covered]
    if not missing:
        entry = next(e for e in active if security_codename(e) in releases)
        return passed(target, f"Debian security updates for {', '.join(releases)} come from "
                      f"{entry.uri} {entry.suite} ({_where(entry)})", entry.file, entry.line)
    code = missing[0]
    base = releases[code]
    return failed(target, f"Debian {code} is installed from {_where(base)} but no enabled "
                  f"entry serves {code}-security (security.debian.org/debian-security): "
                  "the host receives no Debian security updates",
                  base.file, base.line, codename=code,
                  suite=_security_suite(code))


def _security_suite(code: str) -> str:
    """Debian 11 (bullseye) renamed the security suite from `<code>/updates`."""
    old = ("jessie", "stretch", "buster", "wheezy")
    return f"{code}/updates" if code in old else f"{code}-security"


DOCS = """\
**What is checked.** Every enabled binary (`deb`) entry of `/etc/apt/sources.list` and
`/etc/apt/sources.list.d/*.list` (one-line format) and `*.sources` (deb822 format,
`Enabled: no` honoured; a stanza listing several URIs or suites counts as each
combination), as sources.list(5) defines them. `deb-src` entries never install packages
and are ignored. Two targets:

- `apt/proxmox-channel` — the Proxmox repositories (`…/debian/pve`, `…/debian/ceph-*`,
  `…/debian/pbs`, on download.proxmox.com, enterprise.proxmox.com or a mirror of the same
  path). **Fails** when the test channel (`pvetest`, Ceph `test`) is enabled. Whether the
  host uses `pve-enterprise` or `pve-no-subscription` is shown in the evidence and never
  judged: both receive security fixes. Not applicable when no Proxmox repository is
  enabled.
- `apt/debian-security` — for every Debian release the host installs from (`…/debian`
  with suite `<codename>`, `-updates` or `-backports`), an enabled entry of the Debian
  security archive (`…/debian-security` or security.debian.org) for
  `<codename>-security` (`<codename>/updates` up to Debian 10) must exist. **Fails**
  when one is missing. Not assessed when no Debian archive entry is enabled in the
  supplied files (supply all of sources.list and sources.list.d/).

**Why.** Debian publishes security fixes for the base system (OpenSSH, OpenSSL, the
kernel's userland, glibc) only in the security archive; without it the host stays
vulnerable even though `apt upgrade` reports nothing to do. `pvetest` is, in Proxmox's
words, the repository where new packages are first published for testing and is not
meant for production: it may break the host.

**Severity.** High for a missing security archive (unpatched base system); medium for a
test channel (a stability and supply risk, not an open hole).
"""

# CIS leaves the set of repositories to site policy (a manual recommendation); this rule
# judges two properties of it that hold for every Proxmox host.
_CIS_REPOS = ("two properties only: a Debian security source for each release, no Proxmox "
              "test channel; the rest is site policy")

RULE = Rule(
    id="apt-channel",
    title="APT: test channel or no Debian security updates",
    category="api",
    references=(
        Reference("CIS Debian 12 v1.1.0", "1.2.1.2",
                  "Ensure package manager repositories are configured", partial=_CIS_REPOS),
        Reference("CIS Debian 11 v1.0.0", "1.2.1",
                  "Ensure package manager repositories are configured", partial=_CIS_REPOS),
        Reference("Proxmox VE Admin Guide", "3.1 Package Repositories",
                  "Enterprise, No-Subscription and Test repositories; Debian security "
                  "repository in the recommended sources.list"),
        Reference("Debian", "sources.list(5)", "one-line and deb822 formats"),
        Reference("Debian Security FAQ", "security.debian.org",
                  "security updates come only from the security archive"),
        Reference("Proxmox source", "proxmox-apt/src/repositories/standard.rs",
                  "the standard repositories: enterprise, no-subscription, test"),
    ),
    inputs=("apt",),
    rationale="Without the Debian security archive the base system receives no security "
              "fixes; the Proxmox test channel ships packages not meant for production.",
    docs=DOCS,
    remediation=Remediation(
        summary="Add the Debian security archive for the installed release; disable the "
                "Proxmox test channel (switch to pve-enterprise or pve-no-subscription).",
        template="host/apt_channel.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
