"""A VM's three names (COMMANDS.md section 6, the seed's "Appending a Display Name" table).

- instance name `i-<owner account id>-<vm id>-<instance.name>`: the hypervisor's name, root admins only;
  with vm.instancename.flag on VMware the suffix is the host name instead;
- host name (`name`): an RFC 1123 label, unique in the network, default `<instance.name>-<uuid>`;
- display name: free text, shown as the host name when empty.
"""
from __future__ import annotations

import re

from ..errors import invalid_value

_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
RFC_TEXT = ("Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the "
            "hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and can't "
            "start with digit")


def is_valid_label(name: str) -> bool:
    """NetUtils.verifyDomainNameLabel(name, true): a host-name label that does not start with a digit."""
    return bool(_LABEL.match(name)) and not name[0].isdigit()


def check_host_name(name: str) -> None:
    if not is_valid_label(name):
        raise invalid_value(RFC_TEXT)


def instance_name(account_id: int, vm_id: int, suffix: str) -> str:
    return f"i-{account_id}-{vm_id}-{suffix}"


def names_for(*, account_id: int, vm_id: int, vm_uuid: str, instance_suffix: str, name: str | None,
              display_name: str | None, hypervisor: str | None, instancename_flag: bool) -> tuple[str, str]:
    """(host name, instance name) as UserVmManagerImpl derives them at deploy."""
    if name is not None:
        check_host_name(name)
    suffix = instance_suffix
    host_name = name
    if instancename_flag and hypervisor == "VMware":
        if name:
            suffix = name                      # i-<acct>-<id>-<host name>
        if host_name is None:
            host_name = display_name or f"{instance_suffix}-{vm_uuid}"
    elif host_name is None:
        host_name = f"{instance_suffix}-{vm_uuid}"
    check_host_name(host_name)
    return host_name, instance_name(account_id, vm_id, suffix)


async def check_unique_in_network(conn, host_name: str, network_id: int, network_domain: str | None,
                                  exclude_vm: int | None = None) -> None:
    """Host names are unique within a network (its DNS domain)."""
    clash = await conn.fetchval(
        "SELECT 1 FROM nic n JOIN vm_instance v ON v.id = n.vm_id WHERE n.network_id = $1 AND n.removed IS NULL "
        "AND v.removed IS NULL AND v.state NOT IN ('Expunging') AND lower(v.name) = lower($2) "
        "AND v.id <> coalesce($3, -1) LIMIT 1", network_id, host_name, exclude_vm)
    if clash:
        raise invalid_value(f"The vm with hostName {host_name} already exists in the network domain: "
                            f"{network_domain or 'cs' + str(network_id) + 'cloud.internal'}; network={network_id}")
