"""What a VM boots from and logs in with: its ISO drive, its SSH keys and its root disk.

attachIso / detachIso change the one virtual CD drive (the hypervisor first when the VM runs,
then the row, as CloudStack does); resetSSHKeyForVirtualMachine replaces the key pairs of a
stopped VM; restoreVirtualMachine swaps the root volume for a new one from the same or another
image. Callers (commands/vm_image.py) have checked access, state and parameters.

An ISO-deployed VM keeps its ISO in `iso_id`. Before that drive changes, `template_id` is pinned
to the image the VM was deployed from (CloudStack keeps the ISO as the VM's template), so the VM
still shows its base image after the ISO is ejected.
"""
from __future__ import annotations

import uuid as _uuid

from ..errors import CloudStackError, internal_error
from ..hypervisors import DriverError, driver_for, has_driver
from ..store import vm as store
from . import vm_ops
from .vm import encrypt_for_key, generate_password, record, vm_text
from .vm_state import Event, State, transition

_PIN_BASE = "template_id = coalesce(template_id, iso_id)"


async def _iso_url(db, iso_id: int) -> str | None:
    return await db.fetchval("SELECT url FROM vm_template WHERE id = $1", iso_id)


async def _on_hypervisor(app, vm, action: str, *args) -> bool:
    """Run attach_iso/detach_iso on the VM's host if it is running there; False if the host refused."""
    if vm["state"] != State.RUNNING.value or not vm["host_guid"] or not has_driver(vm["hypervisor"] or ""):
        return True
    try:
        await getattr(driver_for(app, vm["hypervisor"]), action)(vm["host_guid"], vm["instance_name"], *args)
    except DriverError:
        return False
    return True


# ------------------------------------------------------------------------- ISO drive
async def attach_iso(app, caller, vm, iso) -> None:
    """Insert the ISO (replacing what is in the drive, as every hypervisor does)."""
    if not await _on_hypervisor(app, vm, "attach_iso", await _iso_url(app.db, iso["id"])):
        raise internal_error("Failed to attach iso")
    async with app.db.transaction() as conn:
        await conn.execute(f"UPDATE vm_instance SET {_PIN_BASE}, iso_id = $2 WHERE id = $1", vm["id"], iso["id"])
        await record(conn, caller, vm, "ISO.ATTACH",
                     f"Successfully completed attaching ISO. Vm Id: {vm['uuid']} ISO Id: {iso['uuid']}")


async def detach_iso(app, caller, vm) -> None:
    if not await _on_hypervisor(app, vm, "detach_iso"):
        raise internal_error("Failed to detach iso")
    async with app.db.transaction() as conn:
        await conn.execute(f"UPDATE vm_instance SET {_PIN_BASE}, iso_id = NULL WHERE id = $1", vm["id"])
        await record(conn, caller, vm, "ISO.DETACH",
                     f"Successfully completed detaching ISO. Vm Id: {vm['uuid']} ISO Id: {vm['iso_uuid']}")


# ------------------------------------------------------------------------- SSH keys
async def reset_ssh_keys(app, caller, vm, keypairs) -> None:
    """The VM's key pairs become these. As in CloudStack since 4.16 no password is generated; the
    stored encrypted password goes, since it was encrypted for the old key (getVMPassword says so)."""
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE vm_instance SET keypairs = $2, encrypted_password = NULL WHERE id = $1",
                           vm["id"], [k["name"] for k in keypairs])
        await record(conn, caller, vm, "VM.RESETSSHKEY",
                     f"Successfully completed resetting Vm SSHKey. Vm Id: {vm['uuid']}")


# ------------------------------------------------------------------------- restore
def _new_root_size(vm, old_root, image, image_is_iso: bool) -> int:
    """CloudStack sizes the new root disk like the template unless the VM asked for its own size."""
    if image_is_iso or not image["size"]:
        return old_root["size"]
    customised = any(k.lower() == "rootdisksize" for k in dict(vm["details"] or {}))
    # A root disk already unlike its template's size was resized at deploy (rootdisksize).
    resized = vm["template_size"] is not None and old_root["size"] != vm["template_size"]
    return old_root["size"] if customised or resized else image["size"]


async def _swap_root(app, caller, vm, image, *, image_is_iso: bool, new_image: bool) -> str | None:
    """Stopped -> Restoring -> Stopped in one transaction: a new root volume, the old one expunged,
    the VM pointed at the image; returns the new guest password when the image sets one."""
    password = None
    if image["password_enabled"]:
        password = generate_password(int(await app.settings.get("vm.password.length")))
    key = None
    if password and vm["keypairs"]:
        key = await app.db.fetchval("SELECT public_key FROM ssh_keypair WHERE account_id = $1 "
                                    "AND lower(name) = lower($2)", vm["account_id"], vm["keypairs"][0])
    async with app.db.transaction() as conn:
        if await transition(conn, vm["id"], State.STOPPED, Event.RESTORING_REQUESTED) is None:
            raise internal_error(f"Unable to restore {vm_text(vm)}: it was changed by another operation")
        old = await conn.fetchrow("SELECT * FROM volume WHERE vm_id = $1 AND type = 'ROOT' AND removed IS NULL "
                                  "ORDER BY id LIMIT 1 FOR UPDATE", vm["id"])
        # A root disk never created (the VM never started) is simply kept unless the image changes.
        if old is not None and (old["state"] != "Allocated" or new_image):
            await conn.execute("UPDATE volume SET state = 'Expunged', removed = now(), vm_id = NULL, attached = NULL "
                               "WHERE id = $1", old["id"])
            await conn.execute(
                "INSERT INTO volume (uuid, name, vm_id, account_id, domain_id, zone_id, pod_id, cluster_id, type, "
                "device_id, size, disk_offering_id, template_id, provisioning_type, storage_type, display_volume) "
                "SELECT $2, name, $3, account_id, domain_id, zone_id, pod_id, cluster_id, 'ROOT', 0, $4, "
                "disk_offering_id, $5, provisioning_type, storage_type, display_volume FROM volume WHERE id = $1",
                old["id"], _uuid.uuid4(), vm["id"], _new_root_size(vm, old, image, image_is_iso),
                None if image_is_iso else image["id"])
        if new_image:
            offering_dynamic = await conn.fetchval("SELECT dynamic_scaling FROM service_offering WHERE id = $1",
                                                   vm["service_offering_id"])
            dynamic = bool(vm["is_dynamically_scalable"] and offering_dynamic and image["dynamically_scalable"]
                           and await app.settings.get("enable.dynamic.scale.vm", ("Zone", vm["zone_id"])))
            await conn.execute(
                "UPDATE vm_instance SET template_id = $2, iso_id = CASE WHEN $3 THEN $2 ELSE iso_id END, "
                "guest_os_id = coalesce($4, guest_os_id), is_dynamically_scalable = $5 WHERE id = $1",
                vm["id"], image["id"], image_is_iso, image["guest_os_id"], dynamic)
        if password:
            await conn.execute("UPDATE vm_instance SET password = $2, encrypted_password = $3 WHERE id = $1",
                               vm["id"], app.box.seal(password), encrypt_for_key(password, key))
        await transition(conn, vm["id"], State.RESTORING, Event.RESTORING_SUCCESS)
        await record(conn, caller, vm, "VM.RESTORE", f"Successfully completed restoring Vm. Vm Id: {vm['uuid']}")
    return password


async def restore(app, caller, vm, image, *, image_is_iso: bool, new_image: bool) -> str | None:
    """Rebuild the root disk from `image`; a running VM is stopped first and started again after.

    Returns the new guest password (password-enabled images), None otherwise."""
    running = vm["state"] == State.RUNNING.value
    if running:
        try:
            await vm_ops.stop(app, caller, vm, event=False)
        except CloudStackError:
            failure = internal_error("Stop vm failed for specified vmId")
            failure.uuids.append((str(vm["uuid"]), "vmId"))
            raise failure from None
        vm = await store.get_vm(app.db, vm["id"])
    password = await _swap_root(app, caller, vm, image, image_is_iso=image_is_iso, new_image=new_image)
    if running:
        try:
            await vm_ops.start(app, caller, await store.get_vm(app.db, vm["id"]))
        except CloudStackError as err:
            failure = internal_error(f"Unable to start VM with specified id{err.text}")
            failure.uuids.append((str(vm["uuid"]), "vmId"))
            raise failure from None
    return password
