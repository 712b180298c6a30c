"""migrateVirtualMachine: a running VM moves to another host (live), as the root admin asks."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ROOT_ONLY, Param, command
from ..core import vm_ops
from ..core.vm import vm_text
from ..errors import invalid_value
from .vm_list import VirtualMachineView, vm_entity


def _check(vm, hostid, storageid, autoselect) -> None:
    if hostid is not None and storageid is not None:
        raise invalid_value("Only one of hostId and storageId can be specified")
    if storageid is not None:
        raise invalid_value("Unable to find the storage pool to migrate the VM")
    if hostid is None and not autoselect:
        raise invalid_value("Please specify a host or storage as destination, or pass 'autoselect=true' to "
                            "automatically select a destination host which do not require storage migration")
    if vm["state"] != "Running":
        raise invalid_value(f"VM is not Running, unable to migrate the vm {vm_text(vm)}")
    if hostid is not None:
        if hostid["id"] == vm["host_id"]:
            raise invalid_value(f"Cannot migrate VM, host {hostid['name']} is the same as the VM's current host")
        if hostid["zone_id"] != vm["zone_id"] or hostid["type"] != "Routing" or hostid["status"] != "Up" \
                or hostid["resource_state"] != "Enabled":
            raise invalid_value(f"The specified host({hostid['name']}) is not suitable to migrate the VM, please "
                                "specify another one")


@command("migrateVirtualMachine", response=VirtualMachineView, roles=ROOT_ONLY, is_async=True,
         job_instance="VirtualMachine", cmd_class="org.apache.cloudstack.api.command.admin.vm.MigrateVMCmd",
         description="Moves a running VM to another host (live migration).")
async def migrate_virtual_machine(ctx, *,
                                  virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine"),
                                  autoselect: Param(P.BOOLEAN, "Let the server choose the host",
                                                    since="4.16.0") = None,
                                  hostid: Param(P.UUID, "The destination host", entity="Host") = None,
                                  storageid: Param(P.UUID, "The destination storage pool (Stopped VMs)") = None):
    _check(virtualmachineid, hostid, storageid, autoselect)
    await vm_ops.migrate(ctx.app, ctx.caller, virtualmachineid, target=hostid)
    return await vm_entity(ctx, virtualmachineid["id"])


@migrate_virtual_machine.precheck_fn
async def _migrate_check(ctx, *, virtualmachineid, autoselect=None, hostid=None, storageid=None):
    _check(virtualmachineid, hostid, storageid, autoselect)
    return virtualmachineid["id"], str(virtualmachineid["uuid"])
