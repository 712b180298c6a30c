"""VM snapshots: createVMSnapshot, listVMSnapshot, deleteVMSnapshot, revertToVMSnapshot.

Each async command checks access and the snapshot's and VM's states when submitted (an error at
once, no job) and again when its job runs; the work and the rules are core/vm_snapshot.py's.
Error texts are CloudStack's (VMSnapshotManagerImpl, the vmsnapshot command classes).
"""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command, register_entity
from ..api.views import F, ListResult, Success, View
from ..core import vm_snapshot as core
from ..core.access import check_access, list_scope
from ..core.tags import tag_entities, tags_clause
from ..errors import invalid_value
from ..store import vm as vm_store
from ..store.vm_snapshot import SNAPSHOT_SELECT, get_snapshot
from .account import domain_display_path
from .vm import check_vm_access
from .vm_list import VirtualMachineView, vm_entity
from .zone import _filter, _page

register_entity("VMSnapshot", get_snapshot)


class VMSnapshotView(View):
    object_name = "vmsnapshot"
    kind = "VMSnapshot"
    fields = (
        F("id", "string", "the ID of the VM snapshot"), F("name", "string", "its name on the hypervisor"),
        F("state", "state", "Allocated, Creating, Ready, Reverting, Expunging or Error"),
        F("description", "string", "its description"), F("displayname", "string", "its display name"),
        F("zoneid", "string", "the zone of its VM"), F("zonename", "string", "that zone's name", since="4.15.1"),
        F("virtualmachineid", "string", "the VM it belongs to"),
        F("virtualmachinename", "string", "that VM's display name", since="4.15.1"),
        F("parent", "string", "the ID of the snapshot it was taken after"),
        F("parentName", "string", "that snapshot's display name"),
        F("current", "boolean", "true if the VM now sits on this snapshot"),
        F("type", "string", "Disk or DiskAndMemory"), F("created", "date", "when it was taken"),
        F("account", "string", "owner account"), F("projectid", "string", "owner project"),
        F("project", "string", "owner project's name"), F("domainid", "string", "owner domain ID"),
        F("domain", "string", "owner domain"), F("domainpath", "string", "owner domain path", since="4.19.2.0"),
        F("hypervisor", "string", "the hypervisor it is stored on"), F("tags", "set", "resource tags"),
        F("hasannotations", "boolean", "true if comments are attached"),
    )


def snapshot_row(ctx, s, tags=()) -> dict:
    return VMSnapshotView.entity({
        "id": str(s["uuid"]), "name": s["name"], "state": s["state"], "description": s["description"],
        "displayname": s["display_name"], "zoneid": str(s["zone_uuid"]), "zonename": s["zone_name"],
        "virtualmachineid": str(s["vm_uuid"]), "virtualmachinename": s["vm_display_name"] or s["vm_name"],
        "parent": str(s["parent_uuid"]) if s["parent_uuid"] else None, "parentName": s["parent_name"],
        "current": s["current"], "type": s["type"], "created": s["created"], "account": s["account_name"],
        "domainid": str(s["domain_uuid"]), "domain": s["domain_name"],
        "domainpath": domain_display_path(s["domain_path"]), "hypervisor": s["hypervisor"],
        "tags": list(tags), "hasannotations": False}, ctx.is_root_admin)


async def snapshot_entity(ctx, snapshot_id: int):
    row = await get_snapshot(ctx.db, snapshot_id)
    tags = await tag_entities(ctx.db, "VMSnapshot", [snapshot_id])
    return snapshot_row(ctx, row, tags.get(snapshot_id, ()))


def check_snapshot_access(ctx, snap) -> None:
    check_access(ctx.caller, snap["account_id"], snap["domain_path"], f"VM snapshot {snap['uuid']}")


# ------------------------------------------------------------------------- createVMSnapshot
async def _check_create(ctx, vm, snapshotmemory) -> None:
    check_vm_access(ctx, vm)
    await core.check_create(ctx.db, ctx.settings, vm, bool(snapshotmemory))


@command("createVMSnapshot", response=VMSnapshotView, roles=ALL_ROLES, is_async=True, create=True, since="4.2.0",
         job_instance="VmSnapshot", cmd_class="org.apache.cloudstack.api.command.user.vmsnapshot.CreateVMSnapshotCmd",
         description="Creates a snapshot of a running or stopped VM: its disks and, if asked and it runs, its memory.")
async def create_vm_snapshot(
        ctx, *,
        virtualmachineid: Param(P.UUID, "The VM to snapshot", entity="VirtualMachine"),
        description: Param(P.STRING, "The snapshot's description") = None,
        name: Param(P.STRING, "The snapshot's display name; default <instance name>_VS_<yyyyMMddHHmmss>") = None,
        quiescevm: Param(P.BOOLEAN, "Quiesce the guest's file systems first") = None,
        snapshotmemory: Param(P.BOOLEAN, "Save the memory too (running VMs only)") = None):
    await core.take(ctx.app, ctx.caller, ctx.job["instance_id"], virtualmachineid)
    return await snapshot_entity(ctx, ctx.job["instance_id"])


@create_vm_snapshot.precheck_fn
async def _create_check(ctx, *, virtualmachineid, snapshotmemory=None, **_):
    await _check_create(ctx, virtualmachineid, snapshotmemory)
    return None


@create_vm_snapshot.creates
async def _create_allocate(ctx, *, virtualmachineid, description=None, name=None, quiescevm=None,
                           snapshotmemory=None):
    return await core.allocate(ctx.app, ctx.caller, virtualmachineid, display_name=name, description=description,
                               memory=bool(snapshotmemory), quiesce=bool(quiescevm))


# ------------------------------------------------------------------------- listVMSnapshot
@command("listVMSnapshot", response=VMSnapshotView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P", "T"),
         since="4.2.0", description="Lists VM snapshots, newest first.")
async def list_vm_snapshot(
        ctx, *, listing,
        name: Param(P.STRING, "Only snapshots with this display name") = None,
        state: Param(P.STRING, "Only snapshots in this state") = None,
        virtualmachineid: Param(P.UUID, "Only snapshots of this VM", entity="VirtualMachineIncludingRemoved") = None,
        vmsnapshotid: Param(P.UUID, "Only this snapshot", entity="VMSnapshot") = None,
        vmsnapshotids: Param(P.LIST, "Only these snapshots; not with vmsnapshotid", item_type=P.UUID,
                             entity="VMSnapshot", since="4.9") = None):
    if vmsnapshotid is not None and vmsnapshotids:
        raise invalid_value("Specify either id or ids but not both parameters")
    args: list = []
    where = ["s.removed IS NULL",
             (await list_scope(ctx.db, ctx.caller, listing)).sql("s.account_id", "d.path", args)]
    if state is None:
        args.append(list(core.LISTED))
        where.append(f"s.state = ANY(${len(args)}::text[])")
    else:
        args.append(state)
        where.append(f"lower(s.state) = lower(${len(args)})")
    _filter(where, args, virtualmachineid["id"] if virtualmachineid else None, "s.vm_id = ${}")
    _filter(where, args, vmsnapshotid["id"] if vmsnapshotid else None, "s.id = ${}")
    _filter(where, args, [r["id"] for r in vmsnapshotids] if vmsnapshotids else None, "s.id = ANY(${}::bigint[])")
    _filter(where, args, name, "lower(s.display_name) = lower(${})")
    if listing.tags:
        where.append(tags_clause("VMSnapshot", "s.id", listing.tags, args))
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%",
                "(s.name ILIKE ${0} OR s.display_name ILIKE ${0} OR s.description ILIKE ${0})")
    rows, total = await _page(ctx, SNAPSHOT_SELECT, "s", where, args, listing, "s.created DESC, s.id DESC")
    tags = await tag_entities(ctx.db, "VMSnapshot", [r["id"] for r in rows])
    return ListResult([snapshot_row(ctx, r, tags.get(r["id"], ())) for r in rows], total, "vmSnapshot")


# ------------------------------------------------------------------------- deleteVMSnapshot
async def _check_delete(ctx, snap) -> None:
    check_snapshot_access(ctx, snap)
    await core.check_delete(ctx.db, snap)


@command("deleteVMSnapshot", roles=ALL_ROLES, is_async=True, since="4.2.0", job_instance="VmSnapshot",
         cmd_class="org.apache.cloudstack.api.command.user.vmsnapshot.DeleteVMSnapshotCmd",
         description="Deletes a VM snapshot; its children then hang from its parent.")
async def delete_vm_snapshot(ctx, *, vmsnapshotid: Param(P.UUID, "The snapshot to delete", entity="VMSnapshot")):
    await _check_delete(ctx, vmsnapshotid)
    await core.delete(ctx.app, ctx.caller, vmsnapshotid)
    return Success()


@delete_vm_snapshot.precheck_fn
async def _delete_check(ctx, *, vmsnapshotid):
    await _check_delete(ctx, vmsnapshotid)
    return vmsnapshotid["id"], str(vmsnapshotid["uuid"])


# ------------------------------------------------------------------------- revertToVMSnapshot
async def _check_revert(ctx, snap):
    check_snapshot_access(ctx, snap)
    vm = await vm_store.get_vm(ctx.db, snap["vm_id"])
    await core.check_revert(ctx.db, snap, vm)
    return vm


@command("revertToVMSnapshot", response=VirtualMachineView, roles=ALL_ROLES, is_async=True, since="4.2.0",
         job_instance="VmSnapshot", cmd_class="org.apache.cloudstack.api.command.user.vmsnapshot.RevertToVMSnapshotCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vmsnapshot.RevertToVMSnapshotCmdByAdmin",
         description="Takes a VM back to a snapshot: a running VM to a memory snapshot, a stopped one to a disk "
                     "snapshot.")
async def revert_to_vm_snapshot(ctx, *,
                                vmsnapshotid: Param(P.UUID, "The snapshot to go back to", entity="VMSnapshot")):
    vm = await _check_revert(ctx, vmsnapshotid)
    await core.revert(ctx.app, ctx.caller, vmsnapshotid, vm)
    return await vm_entity(ctx, vm["id"])


@revert_to_vm_snapshot.precheck_fn
async def _revert_check(ctx, *, vmsnapshotid):
    await _check_revert(ctx, vmsnapshotid)
    return vmsnapshotid["id"], str(vmsnapshotid["uuid"])
