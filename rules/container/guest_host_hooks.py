"""guest-host-hooks: guest settings that run code or hand hardware on the host side."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from proxguard.model.guests import Container, VirtualMachine
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
    passed,
)


@dataclass(frozen=True, slots=True)
class Hook:
    key: str
    line: int
    grants: str
    severity: Severity
    deletable: bool  # removable with `qm/pct set --delete KEY`


# lxc.hook.* that run on the host (lxc.container.conf(5)); lxc.hook.start runs inside the
# container and lxc.hook.version only selects how hooks get their arguments.
_HOST_LXC_HOOKS = frozenset({"lxc.hook.pre-start", "lxc.hook.pre-mount", "lxc.hook.mount",
                             "lxc.hook.autodev", "lxc.hook.stop", "lxc.hook.post-stop",
                             "lxc.hook.clone", "lxc.hook.destroy"})
_PCI = re.compile(r"hostpci\d+")
_USB = re.compile(r"usb\d+")


def _hookscript(guest: Container | VirtualMachine) -> list[Hook]:
    if guest.get("hookscript") is None:
        return []
    return [Hook("hookscript", guest.line_of("hookscript"), "a snippet runs as root on the "
                 "host at every start and stop of this guest; whoever can write to that "
                 "snippets storage controls the host", Severity.LOW, True)]


def vm_hooks(vm: VirtualMachine) -> list[Hook]:
    out = _hookscript(vm)
    if vm.get("args") is not None:
        out.append(Hook("args", vm.line_of("args"), "raw QEMU command-line arguments run in "
                        "the VM's QEMU process on the host (e.g. -chardev or -object with "
                        "host files); only root@pam may set them", Severity.LOW, True))
    for key in sorted(vm.conf):
        if _PCI.fullmatch(key):
            out.append(Hook(key, vm.line_of(key), "a host PCI device is passed through: the "
                            "guest drives it with DMA through the IOMMU, and device or reset "
                            "bugs can reach the host", Severity.INFO, True))
        elif _USB.fullmatch(key):
            out.append(Hook(key, vm.line_of(key), "a host USB device or port is passed "
                            "through (with a port, any device plugged in there)",
                            Severity.INFO, True))
    return sorted(out, key=lambda h: h.line)


def ct_hooks(ct: Container) -> list[Hook]:
    out = _hookscript(ct)
    for e in ct.raw_lxc:
        if e.key in _HOST_LXC_HOOKS:
            out.append(Hook(e.key, e.line, "a command runs as root on the host at this "
                            "container's lifecycle event", Severity.LOW, False))
    return sorted(out, key=lambda h: h.line)


def _target(target: str, file: str, kind: str, vmid: int, hooks: list[Hook]) -> TargetResult:
    if not hooks:
        return passed(target, "no hookscript, raw QEMU arguments, lxc.hook.* or device "
                      "passthrough", file, 0)
    worst = max((h.severity for h in hooks), key=lambda s: s.rank)
    evidence = "; ".join(f"{h.key} ({file}:{h.line}): {h.grants}" for h in hooks)
    return failed(target, evidence, file, hooks[0].line,
                  severity=worst if worst is not Severity.LOW else None,
                  vmid=vmid, kind=kind, file_path=file,
                  deletable=[h.key for h in hooks if h.deletable],
                  manual=[f"{h.line}:{h.key}" for h in hooks if not h.deletable])


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    out = [_target(f"ct/{vmid}", ct.file, "pct", vmid, ct_hooks(ct))
           for vmid, ct in sorted(host.guests.containers.items())]
    out += [_target(f"vm/{vmid}", vm.file, "qm", vmid, vm_hooks(vm))
            for vmid, vm in sorted(host.guests.vms.items())]
    return out


DOCS = """\
**What is checked.** Settings of each guest's live configuration that act on the host
side:

| setting | grants | severity |
|---|---|---|
| `hookscript: <storage>:snippets/<file>` (CT and VM) | a script run as root on the host at pre-start, post-start, pre-stop, post-stop (pve-guest-common GuestHelpers `exec_hookscript`) | low |
| `args:` (VM) | raw QEMU arguments in the host's QEMU process; only root@pam may set them | low |
| `lxc.hook.pre-start`, `pre-mount`, `mount`, `autodev`, `stop`, `post-stop`, `clone`, `destroy` (CT) | a host command run as root | low |
| `hostpciN:` (VM) | a PCI device with DMA | info |
| `usbN:` (VM) | a USB device or port | info |

Target per guest (`ct/<vmid>`, `vm/<vmid>`), severity its worst line's.

**Why.** None of these is wrong in itself — GPU passthrough and hookscripts are common —
but each is a path from the guest's configuration (or from whoever can write a snippets
storage) to the host, so it should be known and intended.
"""


RULE = Rule(
    id="guest-host-hooks",
    title="Guests with host-side hooks or device passthrough",
    category="container",
    references=(
        Reference("pve-guest-common", "src/PVE/GuestHelpers.pm exec_hookscript",
                  "hookscripts run on the host at each phase"),
        Reference("qemu-server", "src/PVE/API2/Qemu.pm",
                  "only root@pam may set args and non-mapped hostpci/usb devices"),
        Reference("pve-container", "src/PVE/LXC.pm",
                  "hookscript may only be changed by root@pam"),
        Reference("LXC", "lxc.container.conf(5)", "lxc.hook.*"),
        Reference("Proxmox VE Admin Guide", "Hookscripts; PCI(e) Passthrough; USB Passthrough"),
    ),
    inputs=("guests",),
    rationale="Hookscripts, raw QEMU arguments, host-side LXC hooks and passthrough devices "
              "connect a guest's configuration to the host; they should be known and "
              "intended.",
    docs=DOCS,
    remediation=Remediation(
        summary="Review each listed setting; remove what is not needed with "
                "`qm set <vmid> --delete KEY` / `pct set <vmid> --delete KEY` and keep "
                "snippets storages writable by root only.",
        template="container/guest_host_hooks.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.LOW)},
)
