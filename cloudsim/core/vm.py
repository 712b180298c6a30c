"""Creating a guest VM: the row, its names, disks, NIC and addresses, in one transaction.

This is deployVirtualMachine's synchronous create step (the part before the job): afterwards the
VM exists, Stopped, with a ROOT volume (and an optional DATA volume), one NIC on the zone's guest
network holding an address of its VLAN range.
Starting it is core/vm_ops.py's job (which, in a zone with elastic IP, also gives it its public
address: core/public_ip.py).
"""
from __future__ import annotations

import base64
import secrets
import string
import uuid as _uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

from ..errors import invalid_value
from ..store import events
from . import naming
from .network import allocate_ip, default_security_group
from .placement import Need

GIB = 1024 ** 3
_PASSWORD_CHARS = string.ascii_letters + string.digits


def vm_text(vm) -> str:
    """How CloudStack 4.18 names a VM in messages: VM[User|i-2-3-VM]."""
    return f"VM[User|{vm['instance_name']}]"


def need_of(vm) -> Need:
    return Need(vm["cpus"], vm["speed"], vm["memory"])


async def record(db, caller, vm, type_: str, description: str, level: str = "INFO") -> None:
    """A completed action event on the VM, in its owner's account (listEvents shows it to the owner)."""
    await events.record_event(db, type=type_, description=description, user_id=caller.user_id,
                              account_id=vm["account_id"], domain_id=vm["domain_id"], level=level,
                              resource_id=str(vm["uuid"]), resource_type="VirtualMachine", resource_name=vm["name"])


def generate_password(length: int) -> str:
    return "".join(secrets.choice(_PASSWORD_CHARS) for _ in range(max(length, 6)))


def encrypt_for_key(password: str, public_key: str | None) -> str | None:
    """getVMPassword's encryptedpassword: RSA PKCS#1 v1.5 with the VM's (first) SSH key, base64."""
    if not public_key or not public_key.startswith("ssh-rsa"):
        return None
    try:
        key = serialization.load_ssh_public_key(public_key.encode())
        return base64.b64encode(key.encrypt(password.encode(), padding.PKCS1v15())).decode()
    except (ValueError, TypeError):
        return None


def mac_for(nic_id: int) -> str:
    return "1e:00:" + ":".join(f"{(nic_id >> shift) & 0xFF:02x}" for shift in (24, 16, 8, 0))


async def guest_network(conn, zone_id: int):
    return await conn.fetchrow("SELECT * FROM network WHERE zone_id = $1 AND traffic_type = 'Guest' "
                               "AND removed IS NULL ORDER BY (guest_type = 'Shared') DESC, id LIMIT 1", zone_id)


async def owner_user_id(db, caller, owner) -> int:
    if owner["id"] == caller.account_id:
        return caller.user_id
    user_id = await db.fetchval("SELECT id FROM users WHERE account_id = $1 AND removed IS NULL ORDER BY id LIMIT 1",
                                owner["id"])
    return user_id or caller.user_id


async def join_group(conn, vm_id: int, account_id: int, domain_id: int, name: str) -> None:
    """Put the VM into the owner's instance group of that name, creating the group if needed."""
    group_id = await conn.fetchval("SELECT id FROM instance_group WHERE account_id = $1 AND lower(name) = lower($2) "
                                   "AND removed IS NULL", account_id, name)
    if group_id is None:
        group_id = await conn.fetchval(
            "INSERT INTO instance_group (uuid, name, account_id, domain_id) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (account_id, lower(name)) WHERE removed IS NULL DO UPDATE SET name = instance_group.name "
            "RETURNING id", _uuid.uuid4(), name, account_id, domain_id)
    await conn.execute("INSERT INTO instance_group_vm (vm_id, group_id) VALUES ($1, $2) "
                       "ON CONFLICT (vm_id) DO UPDATE SET group_id = EXCLUDED.group_id", vm_id, group_id)


async def allocate(app, caller, owner, *, zone, offering, shape: Need, template, iso, root_disk_offering,
                   data_disk_offering, data_size: int | None, root_size: int | None, name: str | None,
                   displayname: str | None, group: str | None, keypairs: list, userdata: str | None, userdata_row,
                   userdatadetails: str | None, details: dict, hypervisor: str | None, ipaddress: str | None,
                   security_group_ids: list[int] | None, affinity_group_ids: list[int], displayvm: bool,
                   dynamic: bool, password: str | None, customid: str | None = None,
                   macaddress: str | None = None) -> tuple[int, str]:
    """Insert the VM and everything it owns; returns (id, uuid). All or nothing."""
    settings = app.settings
    suffix = str(await settings.get("instance.name") or "VM")
    flag = bool(await settings.get("vm.instancename.flag"))
    image = template or iso
    if password is None and image is not None and image["password_enabled"]:
        password = generate_password(int(await settings.get("vm.password.length")))
    elif image is None or not image["password_enabled"]:
        password = None
    user_id = await owner_user_id(app.db, caller, owner)
    async with app.db.transaction() as conn:
        vm_id = await conn.fetchval("SELECT nextval('vm_instance_seq')")
        vm_uuid = _uuid.UUID(customid) if customid else _uuid.uuid4()
        host_name, instance_name = naming.names_for(
            account_id=owner["id"], vm_id=vm_id, vm_uuid=str(vm_uuid), instance_suffix=suffix, name=name,
            display_name=displayname, hypervisor=hypervisor, instancename_flag=flag)
        if flag and hypervisor == "VMware" and await conn.fetchval(
                "SELECT 1 FROM vm_instance WHERE zone_id = $1 AND lower(name) = lower($2) AND removed IS NULL "
                "AND state <> 'Expunging'", zone["id"], host_name):
            raise invalid_value(f"There already exists a VM by the name: {host_name}.")
        if await conn.fetchval("SELECT 1 FROM vm_instance WHERE instance_name = $1 AND removed IS NULL "
                               "AND state <> 'Expunging'", instance_name):
            raise invalid_value("There already exists a VM by the display name supplied")
        network = await guest_network(conn, zone["id"])
        if network is None:
            raise invalid_value(f"Unable to find a default guest network in zone {zone['uuid']}")
        await naming.check_unique_in_network(conn, host_name, network["id"], network["network_domain"])
        first_key = keypairs[0]["public_key"] if keypairs else None
        guest_os = (image["guest_os_id"] if image is not None else None)
        await conn.execute(
            "INSERT INTO vm_instance (id, uuid, name, display_name, instance_name, state, zone_id, hypervisor, "
            "service_offering_id, cpus, speed, memory, template_id, iso_id, disk_offering_id, guest_os_id, account_id, "
            "domain_id, user_id, ha_enabled, is_dynamically_scalable, display_vm, userdata, userdata_id, "
            "userdata_details, details, keypairs, password, encrypted_password, state_updated) "
            "VALUES ($1,$2,$3,$4,$5,'Stopped',$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,"
            "$24,$25,$26,$27,$28,now())",
            vm_id, vm_uuid, host_name, displayname, instance_name, zone["id"], hypervisor, offering["id"],
            shape.cpus, shape.speed, shape.memory, template["id"] if template else None,
            iso["id"] if iso else None, root_disk_offering["id"] if root_disk_offering else None, guest_os,
            owner["id"], owner["domain_id"], user_id, bool(offering["ha_enabled"]), dynamic, displayvm, userdata,
            userdata_row["id"] if userdata_row else None, userdatadetails, details,
            [k["name"] for k in keypairs], app.box.seal(password) if password else None,
            encrypt_for_key(password, first_key) if password else None)
        # Disks: ROOT from the template (or the ISO deploy's disk offering), an optional DATA disk.
        if template is not None:
            size = root_size * GIB if root_size else (template["size"] or 0)
            root_offering = offering["disk_offering_id"]
        else:
            size = (root_disk_offering["disk_size"] or (data_size or 0) * GIB) if root_disk_offering else 0
            root_offering = root_disk_offering["id"] if root_disk_offering else offering["disk_offering_id"]
        await conn.execute(
            "INSERT INTO volume (uuid, name, vm_id, account_id, domain_id, zone_id, type, device_id, size, "
            "disk_offering_id, template_id) VALUES ($1,$2,$3,$4,$5,$6,'ROOT',0,$7,$8,$9)",
            _uuid.uuid4(), f"ROOT-{vm_id}", vm_id, owner["id"], owner["domain_id"], zone["id"], size, root_offering,
            template["id"] if template else None)
        if data_disk_offering is not None:
            data_bytes = data_disk_offering["disk_size"] or (data_size or 0) * GIB
            await conn.execute(
                "INSERT INTO volume (uuid, name, vm_id, account_id, domain_id, zone_id, type, device_id, size, "
                "disk_offering_id) VALUES ($1,$2,$3,$4,$5,$6,'DATADISK',1,$7,$8)",
                _uuid.uuid4(), f"DATA-{vm_id}", vm_id, owner["id"], owner["domain_id"], zone["id"], data_bytes,
                data_disk_offering["id"])
        # The NIC on the guest network, with an address of its range (ipaddress: that one).
        ip = await allocate_ip(conn, zone_id=zone["id"], network_id=network["id"], vm_id=vm_id,
                               account_id=owner["id"], domain_id=owner["domain_id"], requested=ipaddress)
        nic_id = await conn.fetchval(
            "INSERT INTO nic (uuid, vm_id, network_id, ip_address, ip_id, netmask, gateway, mac_address, broadcast_uri, "
            "isolation_uri, device_id, is_default) VALUES ($1,$2,$3,$4,$5,$6,$7,'',$8,$9,0,true) RETURNING id",
            _uuid.uuid4(), vm_id, network["id"], ip["address"], ip["id"], ip["netmask"], ip["gateway"],
            network["broadcast_uri"] or "vlan://untagged", network["broadcast_uri"] or "vlan://untagged")
        await conn.execute("UPDATE nic SET mac_address = $2 WHERE id = $1", nic_id, macaddress or mac_for(nic_id))
        await conn.execute("UPDATE ip_address SET nic_id = $2 WHERE id = $1", ip["id"], nic_id)
        if zone["security_groups"]:
            groups = security_group_ids or [await default_security_group(conn, owner["id"], owner["domain_id"])]
            await conn.executemany("INSERT INTO vm_security_group (vm_id, security_group_id) VALUES ($1, $2) "
                                   "ON CONFLICT DO NOTHING", [(vm_id, g) for g in groups])
        if affinity_group_ids:
            await conn.executemany("INSERT INTO vm_affinity_group (vm_id, affinity_group_id) VALUES ($1, $2) "
                                   "ON CONFLICT DO NOTHING", [(vm_id, g) for g in affinity_group_ids])
        if group:
            await join_group(conn, vm_id, owner["id"], owner["domain_id"], group)
    return vm_id, str(vm_uuid)
