"""Facts one domain's model takes from another, joined once every parser has run.

* The firewall model gets the ports sshd really listens on (Port, ListenAddress
  host:port of the effective sshd model), so the management-exposure check follows a
  moved SSH port (issue 11 item 5).
* A cluster.fw the collector's manifest says is absent on the host is an empty file to
  pve-firewall (a missing file is read as empty; "The firewall is completely disabled by
  default"), so it is modelled as one and judged; without a manifest a missing file stays
  "not supplied" and the rules needing it are not assessed (item 6).
"""

from __future__ import annotations

from proxguard.model.firewall import CLUSTER, FirewallConfig
from proxguard.model.host import Host
from proxguard.parsers.pvefw import parse_file

CLUSTER_FW_PATH = "etc/pve/firewall/cluster.fw"


def link(host: Host) -> None:
    absent_cluster_fw(host)
    ssh_ports(host)
    if host.firewall is not None:
        # the built-in corosync accepts (none on a node the manifest shows is no member)
        present = host.corosync is not None and host.corosync.present
        host.firewall.corosync = host.corosync if present else None


def ssh_ports(host: Host) -> None:
    if host.firewall is None or host.sshd is None:
        return
    try:
        ports = tuple(sorted({p for p, _ in host.sshd.ports()}))
    except Exception as exc:  # the sshd model's own bug must not hide the firewall
        host.diagnostics.error("", 0, f"sshd ports unknown ({type(exc).__name__}: {exc}); "
                               "the firewall checks assume port 22")
        return
    if ports:
        host.firewall.ssh_ports, host.firewall.ssh_ports_known = ports, True


def absent_cluster_fw(host: Host) -> None:
    state = host.manifest.state(CLUSTER_FW_PATH) if host.manifest is not None else None
    has_cluster = host.firewall is not None and host.firewall.cluster is not None
    if has_cluster or state is None:
        return
    if state != "absent":
        host.diagnostics.warning(CLUSTER_FW_PATH, 0, f"the collector manifest says cluster.fw "
                                 f"was {state}; the cluster firewall is not assessed")
        return
    if host.firewall is None:
        host.firewall = FirewallConfig()
    host.firewall.cluster = parse_file(CLUSTER_FW_PATH, "", CLUSTER, "cluster",
                                       host.diagnostics)
    host.firewall.cluster_absent = True
