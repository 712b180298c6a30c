"""What deleteAccount takes with it, as CloudStack's cleanupAccount does.

The account's VMs are destroyed and expunged (through the VM state machine, so capacity and
addresses go back); then its key pairs, stored user data, affinity groups, security groups,
tags, instance groups, elastic IPs, remaining volumes and its templates/ISOs go. A VM in the
middle of an operation (Starting, Stopping, Migrating) stops the deletion before anything changes.
"""
from __future__ import annotations

from ..errors import concurrent_operation
from ..store import vm as vm_store
from . import public_ip

BUSY = ("Starting", "Stopping", "Migrating")


async def check_account_idle(db, account_id: int) -> None:
    busy = await db.fetchrow("SELECT uuid, state FROM vm_instance WHERE account_id = $1 AND removed IS NULL "
                             "AND state = ANY($2::text[]) LIMIT 1", account_id, list(BUSY))
    if busy is not None:
        raise concurrent_operation(f"Unable to delete the account: its VM {busy['uuid']} is {busy['state']}")


async def cleanup_account(app, caller, account_id: int) -> None:
    from . import vm_ops
    await check_account_idle(app.db, account_id)
    for row in await app.db.fetch("SELECT id FROM vm_instance WHERE account_id = $1 AND removed IS NULL ORDER BY id",
                                  account_id):
        vm = await vm_store.get_vm(app.db, row["id"])
        if vm is None:
            continue
        if vm["state"] in ("Destroyed", "Expunging"):
            await vm_ops.expunge(app, caller, vm)
        else:
            await vm_ops.destroy(app, caller, vm, expunge_now=True, volume_ids=[])
    async with app.db.transaction() as conn:
        await conn.execute("DELETE FROM ssh_keypair WHERE account_id = $1", account_id)
        await conn.execute("UPDATE vm_instance SET userdata_id = NULL WHERE account_id = $1", account_id)
        await conn.execute("DELETE FROM user_data WHERE account_id = $1", account_id)
        await conn.execute("DELETE FROM vm_affinity_group WHERE affinity_group_id IN "
                           "(SELECT id FROM affinity_group WHERE account_id = $1)", account_id)
        await conn.execute("DELETE FROM affinity_group WHERE account_id = $1", account_id)
        await conn.execute("DELETE FROM vm_security_group WHERE security_group_id IN "
                           "(SELECT id FROM security_group WHERE account_id = $1)", account_id)
        await conn.execute("UPDATE security_group_rule SET allowed_group_id = NULL WHERE allowed_group_id IN "
                           "(SELECT id FROM security_group WHERE account_id = $1)", account_id)
        await conn.execute("DELETE FROM security_group WHERE account_id = $1", account_id)
        await conn.execute("DELETE FROM resource_tag WHERE account_id = $1", account_id)
        await conn.execute("UPDATE instance_group SET removed = now() WHERE account_id = $1 AND removed IS NULL",
                           account_id)
        await public_ip.free(conn, *[r["id"] for r in await conn.fetch(
            "SELECT id FROM ip_address WHERE account_id = $1 AND vlan_id IN "
            "(SELECT id FROM vlan_ip_range WHERE for_virtual_network)", account_id)])
        await conn.execute("UPDATE volume SET state = 'Expunged', removed = now(), vm_id = NULL "
                           "WHERE account_id = $1 AND removed IS NULL", account_id)
        await conn.execute("UPDATE vm_template SET removed = now() WHERE account_id = $1 AND removed IS NULL",
                           account_id)
