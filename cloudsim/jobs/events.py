"""Events an async job leaves behind, as CloudStack's action events do.

At submission a `Scheduled` event, when the job starts a `Started` event, and when it fails a
`Completed` event at level ERROR ("Error while …"), all linked to the Scheduled one by start_id.
A successful handler records its own `Completed` event, with the details only it knows.
Event types are CloudStack's (EventTypes.java, each command class's getEventType); areas that
add async commands register theirs with `register_event_type`.
"""
from __future__ import annotations

from ..store import events as store

# command -> (event type, what it does, as the event description starts)
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "deployVirtualMachine": ("VM.CREATE", "deploying Vm"),
    "startVirtualMachine": ("VM.START", "starting user vm"),
    "stopVirtualMachine": ("VM.STOP", "stopping user vm"),
    "rebootVirtualMachine": ("VM.REBOOT", "rebooting user vm"),
    "destroyVirtualMachine": ("VM.DESTROY", "destroying vm"),
    "expungeVirtualMachine": ("VM.EXPUNGE", "expunging vm"),
    "scaleVirtualMachine": ("VM.UPGRADE", "upgrading Vm"),
    "migrateVirtualMachine": ("VM.MIGRATE", "migrating VM"),
    "migrateVirtualMachineWithVolume": ("VM.MIGRATE", "migrating VM"),
    "restoreVirtualMachine": ("VM.RESTORE", "restoring VM"),
    "resetSSHKeyForVirtualMachine": ("VM.RESETSSHKEY", "resetting SSHKey for vm"),
    "resetPasswordForVirtualMachine": ("VM.RESETPASSWORD", "resetting password for vm"),
    "createAffinityGroup": ("AG.CREATE", "creating Affinity Group"),
    "deleteAffinityGroup": ("AG.DELETE", "Deleting Affinity Group"),
    "updateVMAffinityGroup": ("VM.AG.UPDATE", "updating VM Affinity Group"),
    "createVMSnapshot": ("VMSNAPSHOT.CREATE", "creating snapshot for VM"),
    "deleteVMSnapshot": ("VMSNAPSHOT.DELETE", "Delete VM snapshot"),
    "revertToVMSnapshot": ("VMSNAPSHOT.REVERTTO", "Revert from VM snapshot"),
    "attachIso": ("ISO.ATTACH", "attaching ISO to vm"),
    "detachIso": ("ISO.DETACH", "detaching ISO from vm"),
    "deleteIso": ("ISO.DELETE", "Deleting iso"),
    "extractIso": ("ISO.EXTRACT", "extracting iso"),
    "copyIso": ("TEMPLATE.COPY", "copying template"),
    "associateIpAddress": ("NET.IPASSIGN", "associating ip to network"),
    "disableStaticNat": ("STATICNAT.DISABLE", "disabling static nat for ip"),
    "disableAccount": ("ACCOUNT.DISABLE", "disabling account"),
    "deleteAccount": ("ACCOUNT.DELETE", "deleting account"),
}


def register_event_type(command: str, event_type: str, doing: str) -> None:
    EVENT_TYPES[command] = (event_type, doing)


def _description(command: str, instance_uuid: str | None) -> tuple[str, str] | None:
    known = EVENT_TYPES.get(command)
    if known is None:
        return None
    event_type, doing = known
    return event_type, f"{doing}: {instance_uuid}" if instance_uuid else doing


async def scheduled(conn, *, command: str, caller, instance_type, instance_uuid, created) -> int | None:
    what = _description(command, instance_uuid)
    if what is None:
        return None
    return await store.record_event(
        conn, type=what[0], state="Scheduled", description=what[1], user_id=caller.user_id,
        account_id=caller.account_id, domain_id=caller.domain_id, resource_id=instance_uuid,
        resource_type=instance_type, created=created)


async def started(db, job, caller, now) -> None:
    what = _description(job["command"], job["instance_uuid"])
    if what is None:
        return
    await store.record_event(
        db, type=what[0], state="Started", description="Starting job for " + what[1], user_id=caller.user_id,
        account_id=caller.account_id, domain_id=caller.domain_id, resource_id=job["instance_uuid"],
        resource_type=job["instance_type"], start_id=job["start_event_id"], created=now)


async def failed(db, job, domain_id: int | None, now) -> None:
    what = _description(job["command"], job["instance_uuid"])
    if what is None:
        return
    if domain_id is None:
        domain_id = await db.fetchval("SELECT domain_id FROM account WHERE id = $1", job["account_id"])
    await store.record_event(
        db, type=what[0], state="Completed", level="ERROR", description="Error while " + what[1],
        user_id=job["user_id"], account_id=job["account_id"], domain_id=domain_id,
        resource_id=job["instance_uuid"], resource_type=job["instance_type"], start_id=job["start_event_id"],
        created=now)
