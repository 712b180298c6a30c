"""Live migration, as the root admin asks: findHostsForMigration, migrateVirtualMachine (within
the VM's cluster) and migrateVirtualMachineWithVolume (any cluster of the zone, storage moving too)."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ROOT_ONLY, Param, command
from ..api.views import F, ListResult, View
from ..core import placement, vm_ops
from ..core.vm import need_of, vm_text
from ..core.vm_snapshot import refuse_if_any
from ..errors import invalid_value
from ..store import infra as infra_store
from .host import HostView, host_entities
from .vm_list import VirtualMachineView, vm_entity


async def _check_vm(ctx, vm, moving: bool = True) -> None:
    if vm["state"] != "Running":
        raise invalid_value("VM is not Running, cannot migrate the vm with specified id")
    if moving and vm["host_id"] is not None and await ctx.db.fetchval(
            "SELECT resource_state = 'PrepareForMaintenance' FROM host WHERE id = $1", vm["host_id"]):
        raise invalid_value(f"Migrate VM operation on the VM: {vm_text(vm)} is not allowed as host is preparing for "
                            "maintenance mode")
    if await ctx.db.fetchval("SELECT details ? 'pciDevice' FROM service_offering WHERE id = $1",
                             vm["service_offering_id"]):
        raise invalid_value("Live Migration of GPU enabled VM is not supported")


def _check_target(vm, host) -> None:
    if host["id"] == vm["host_id"]:
        raise invalid_value("Cannot migrate VM, VM is already present on this host, please specify valid destination "
                            "host to migrate the VM")
    if host["status"] != "Up" or host["resource_state"] != "Enabled" or host["type"] != "Routing":
        raise invalid_value(f"Cannot migrate VM, destination host is not in correct state, has status: "
                            f"{host['status']}, state: {host['resource_state']}")
    if host["zone_id"] != vm["zone_id"] or (vm["hypervisor"] and host["hypervisor"] != vm["hypervisor"]):
        raise invalid_value(f"Cannot deploy VM, destination host: {host['name']} is not suitable for the VM")


async def _check(ctx, vm, hostid, storageid, autoselect) -> None:
    if hostid is not None and storageid is not None:
        raise invalid_value("Only one of hostId and storageId can be specified")
    if storageid is not None:
        raise invalid_value("Unable to find the storage pool to migrate the VM")
    if hostid is None and not autoselect:
        raise invalid_value("Please specify a host or storage as destination, or pass 'autoselect=true' to "
                            "automatically select a destination host which do not require storage migration")
    await _check_vm(ctx, vm)
    if hostid is not None:
        _check_target(vm, hostid)


@command("migrateVirtualMachine", response=VirtualMachineView, roles=ROOT_ONLY, is_async=True,
         job_instance="VirtualMachine", cmd_class="org.apache.cloudstack.api.command.admin.vm.MigrateVMCmd",
         description="Moves a running VM to another host of its cluster (live migration).")
async def migrate_virtual_machine(ctx, *,
                                  virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine"),
                                  autoselect: Param(P.BOOLEAN, "Let the server choose the host",
                                                    since="4.16.0") = None,
                                  hostid: Param(P.UUID, "The destination host", entity="Host") = None,
                                  storageid: Param(P.UUID, "The destination storage pool (Stopped VMs)") = None):
    await _check(ctx, virtualmachineid, hostid, storageid, autoselect)
    await vm_ops.migrate(ctx.app, ctx.caller, virtualmachineid, target=hostid)
    return await vm_entity(ctx, virtualmachineid["id"])


@migrate_virtual_machine.precheck_fn
async def _migrate_check(ctx, *, virtualmachineid, autoselect=None, hostid=None, storageid=None):
    await _check(ctx, virtualmachineid, hostid, storageid, autoselect)
    return virtualmachineid["id"], str(virtualmachineid["uuid"])


async def _check_with_volume(ctx, vm, hostid, migrateto, autoselect) -> None:
    await _check_vm(ctx, vm)
    if vm["hypervisor"] != "VMware":     # the only hypervisor that moves storage with VM snapshots
        await refuse_if_any(ctx.db, vm["id"], "VM with VM Snapshots cannot be migrated with storage, please remove "
                                              "all VM snapshots")
    for entry in (migrateto or {}).values():
        if not isinstance(entry, dict):
            continue
        volume = str(entry.get("volume", ""))
        if not await ctx.db.fetchval("SELECT 1 FROM volume WHERE uuid::text = lower($1) AND vm_id = $2 "
                                     "AND removed IS NULL", volume, vm["id"]) if P.is_uuid(volume) else True:
            raise invalid_value(f"There is no volume present with the given id {volume}")
        raise invalid_value(f"There is no storage pool present with the given id {entry.get('pool')}")
    if hostid is None and not autoselect:
        raise invalid_value("Please specify a host as destination, or pass 'autoselect=true' to automatically "
                            "select a destination host")
    if hostid is not None:
        _check_target(vm, hostid)


@command("migrateVirtualMachineWithVolume", response=VirtualMachineView, roles=ROOT_ONLY, is_async=True,
         job_instance="VirtualMachine",
         cmd_class="org.apache.cloudstack.api.command.admin.vm.MigrateVirtualMachineWithVolumeCmd",
         description="Moves a running VM with its volumes to another host, in any cluster of the zone.")
async def migrate_virtual_machine_with_volume(
        ctx, *,
        virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine"),
        autoselect: Param(P.BOOLEAN, "Let the server choose the host", since="4.19.0") = None,
        hostid: Param(P.UUID, "The destination host", entity="Host") = None,
        migrateto: Param(P.MAP, "Volume to storage pool map: migrateto[0].volume=..&migrateto[0].pool=..") = None):
    await _check_with_volume(ctx, virtualmachineid, hostid, migrateto, autoselect)
    await vm_ops.migrate(ctx.app, ctx.caller, virtualmachineid, target=hostid, with_storage=True)
    return await vm_entity(ctx, virtualmachineid["id"])


@migrate_virtual_machine_with_volume.precheck_fn
async def _with_volume_check(ctx, *, virtualmachineid, autoselect=None, hostid=None, migrateto=None):
    await _check_with_volume(ctx, virtualmachineid, hostid, migrateto, autoselect)
    return virtualmachineid["id"], str(virtualmachineid["uuid"])


# HostForMigrationResponse carries a subset of a host's fields (no GPU groups, details, annotations...).
_NOT_FOR_MIGRATION = {"annotation", "cpuloadaverage", "cpusockets", "details", "encryptionsupported", "gpugroup",
                      "hasannotations", "ueficapability", "username"}


class HostForMigrationView(View):
    object_name = "host"
    kind = "HostForMigration"
    fields = tuple(f for f in HostView.fields if f.name not in _NOT_FOR_MIGRATION) + (
        F("suitableformigration", "boolean", "true if the VM can move there now"),
        F("requiresStorageMotion", "boolean", "true if its volumes must move too (another cluster)"),
    )


@command("findHostsForMigration", response=HostForMigrationView, roles=ROOT_ONLY, listing=("L",),
         cmd_class="org.apache.cloudstack.api.command.admin.host.FindHostsForMigrationCmd",
         description="Lists the hosts a running VM could be migrated to, marking those that can take it now.")
async def find_hosts_for_migration(ctx, *, listing,
                                   virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine")):
    vm = virtualmachineid
    await _check_vm(ctx, vm, moving=False)
    args: list = [vm["zone_id"], vm["host_id"]]
    where = ["h.zone_id = $1", "h.id <> $2", "h.removed IS NULL", "h.type = 'Routing'", "h.status = 'Up'",
             "h.resource_state = 'Enabled'"]
    if vm["hypervisor"]:
        args.append(vm["hypervisor"])
        where.append(f"h.hypervisor = ${len(args)}")
    if listing.keyword:
        args.append(f"%{listing.keyword}%")
        where.append(f"h.name ILIKE ${len(args)}")
    rows = await ctx.db.fetch(infra_store.HOST_SELECT + " WHERE " + " AND ".join(where) + " ORDER BY h.id", *args)
    async with ctx.db.transaction() as conn:
        suitable = {h["id"] for h in await placement.candidates(
            conn, ctx.settings, zone_id=vm["zone_id"], need=need_of(vm),
            tags=placement.offering_tags(vm["offering_host_tags"]), hypervisor=vm["hypervisor"],
            avoid={vm["host_id"]}, vm_id=vm["id"])}
    # Hosts that can take it first, then those of its own cluster (no storage motion).
    rows = sorted(rows, key=lambda h: (h["id"] not in suitable, h["cluster_id"] != vm["cluster_id"], h["id"]))
    page = rows[listing.offset:] if listing.limit is None else rows[listing.offset:listing.offset + listing.limit]
    out = []
    for h, entity in zip(page, await host_entities(ctx, page)):
        out.append(HostForMigrationView.entity(dict(entity) | {
            "suitableformigration": h["id"] in suitable,
            "requiresStorageMotion": h["cluster_id"] != vm["cluster_id"]}))
    return ListResult(out, len(rows), "host")
