"""VM lifecycle: start, stop, reboot, destroy, recover, expunge (deploy is in vm_deploy.py).

Each async command checks access and state when submitted (an error at once, no job) and again
when its job runs, since the VM may have changed in between; the work is core/vm_ops.py's.
"""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command
from ..api.views import Success
from ..core import expunge as _expunger  # noqa: F401  (registers the expunge duty and the job recovery hook)
from ..core import userdata as userdata_core, vm_ops
from ..core.access import check_access
from ..core.vm import vm_text
from ..errors import concurrent_operation, internal_error, invalid_value, permission_denied
from ..store import vm as store
from .account import USAGE_COUNTERS
from .vm_list import VirtualMachineView, vm_entity

_ROOT = frozenset({"Admin"})
USAGE_COUNTERS.append(store.usage_by_account)


async def _userdata_in_use(db, userdata_id: int) -> bool:
    return bool(await db.fetchval("SELECT 1 FROM vm_instance WHERE userdata_id = $1 AND removed IS NULL LIMIT 1",
                                  userdata_id))


userdata_core.register_in_use_check("vm", _userdata_in_use)


def check_vm_access(ctx, vm) -> None:
    check_access(ctx.caller, vm["account_id"], vm["domain_path"], f"VM instance {vm['uuid']}")


async def user_may_expunge_recover(ctx) -> bool:
    return ctx.is_admin or bool(await ctx.settings.get("allow.user.expunge.recover.vm",
                                                       ("Account", ctx.caller.account_id)))


def _shown_name(vm) -> str:
    return vm["display_name"] or vm["name"]


# ------------------------------------------------------------------------- start
def _check_start(ctx, vm, hostid, podid, clusterid) -> None:
    check_vm_access(ctx, vm)
    for value, name in ((hostid, "hostid"), (podid, "podid"), (clusterid, "clusterid")):
        if value is not None and not ctx.is_root_admin:
            raise permission_denied(f"Parameter {name} can only be specified by a Root Admin, permission denied")
    if vm["state"] == "Running":
        raise invalid_value(f"The virtual machine {vm['uuid']} ({_shown_name(vm)}) is already running")
    if vm["state"] != "Stopped":
        raise concurrent_operation(f"Unable to start {vm_text(vm)}: it is in state {vm['state']}")
    if hostid is not None and (hostid["resource_state"] != "Enabled" or hostid["status"] != "Up"):
        raise invalid_value(f"Unable to deploy the VM as the host: {hostid['name']} is not in the right state")


@command("startVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES, is_async=True,
         job_instance="VirtualMachine", cmd_class="org.apache.cloudstack.api.command.user.vm.StartVMCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.StartVMCmdByAdmin",
         description="Starts a virtual machine.")
async def start_virtual_machine(
        ctx, *,
        id: Param(P.UUID, "The VM to start", entity="VirtualMachine"),
        bootintosetup: Param(P.BOOLEAN, "Boot into firmware setup (VMware)", since="4.15.0.0") = None,
        clusterid: Param(P.UUID, "Start in this cluster (root admin)", entity="Cluster", since="4.13") = None,
        considerlasthost: Param(P.BOOLEAN, "Try the last host first (default true)", since="4.18.0",
                                roles=_ROOT) = None,
        deploymentplanner: Param(P.STRING, "Planner to use (root admin)", since="4.4", roles=_ROOT) = None,
        hostid: Param(P.UUID, "Start on this host (root admin)", entity="Host", since="3.0.1") = None,
        podid: Param(P.UUID, "Start in this pod (root admin)", entity="Pod", since="4.13") = None):
    _check_start(ctx, id, hostid, podid, clusterid)
    await vm_ops.start(ctx.app, ctx.caller, id, host=hostid, pod=podid, cluster=clusterid,
                       consider_last_host=considerlasthost is not False)
    return await vm_entity(ctx, id["id"])


@start_virtual_machine.precheck_fn
async def _start_check(ctx, *, id, hostid=None, podid=None, clusterid=None, **_):
    _check_start(ctx, id, hostid, podid, clusterid)
    return id["id"], str(id["uuid"])


# ------------------------------------------------------------------------- stop
async def _check_stop(ctx, vm, forced) -> None:
    check_vm_access(ctx, vm)
    if forced and not ctx.is_admin and not await ctx.settings.get("allow.user.force.stop.vm",
                                                                  ("Account", ctx.caller.account_id)):
        raise permission_denied("Account does not have the permission to force stop the vm.")


@command("stopVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES, is_async=True,
         job_instance="VirtualMachine", cmd_class="org.apache.cloudstack.api.command.user.vm.StopVMCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.StopVMCmdByAdmin",
         description="Stops a virtual machine.")
async def stop_virtual_machine(ctx, *,
                               id: Param(P.UUID, "The VM to stop", entity="VirtualMachine"),
                               forced: Param(P.BOOLEAN, "Power it off without waiting for the guest") = False):
    await _check_stop(ctx, id, forced)
    await vm_ops.stop(ctx.app, ctx.caller, id, forced=bool(forced))
    return await vm_entity(ctx, id["id"])


@stop_virtual_machine.precheck_fn
async def _stop_check(ctx, *, id, forced=False):
    await _check_stop(ctx, id, forced)
    return id["id"], str(id["uuid"])


# ------------------------------------------------------------------------- reboot
def _check_reboot(ctx, vm, bootintosetup) -> None:
    if vm["state"] != "Running":
        raise invalid_value(f"The VM {vm['uuid']} ({_shown_name(vm)}) is not running, unable to reboot it")
    check_vm_access(ctx, vm)
    if bootintosetup and vm["hypervisor"] != "VMware":
        raise invalid_value(f"Booting into a hardware setup menu is not implemented on {vm['hypervisor']}")


@command("rebootVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES, is_async=True,
         job_instance="VirtualMachine", cmd_class="org.apache.cloudstack.api.command.user.vm.RebootVMCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.RebootVMCmdByAdmin",
         description="Reboots a virtual machine.")
async def reboot_virtual_machine(ctx, *,
                                 id: Param(P.UUID, "The VM to reboot", entity="VirtualMachine"),
                                 bootintosetup: Param(P.BOOLEAN, "Reboot into firmware setup (VMware)",
                                                      since="4.15.0.0") = None,
                                 forced: Param(P.BOOLEAN, "Stop and start instead of a guest reboot",
                                               since="4.16.0") = None):
    _check_reboot(ctx, id, bootintosetup)
    await vm_ops.reboot(ctx.app, ctx.caller, id, forced=bool(forced))
    return await vm_entity(ctx, id["id"])


@reboot_virtual_machine.precheck_fn
async def _reboot_check(ctx, *, id, bootintosetup=None, forced=None):
    _check_reboot(ctx, id, bootintosetup)
    return id["id"], str(id["uuid"])


# ------------------------------------------------------------------------- destroy
async def _check_destroy(ctx, vm, expunge, volumeids) -> list[int]:
    if expunge and not await user_may_expunge_recover(ctx):
        raise permission_denied("Account does not have permission for expunging.")
    check_vm_access(ctx, vm)
    if vm["delete_protection"]:
        raise invalid_value(f"Instance [id = {vm['uuid']}, name = {vm['name']}] has delete protection enabled and "
                            "cannot be deleted.")
    ids = []
    for volume in volumeids or []:
        row = await ctx.db.fetchrow("SELECT id, uuid, vm_id, type FROM volume WHERE uuid = $1::uuid AND removed IS NULL",
                                    str(volume))
        if row is None:
            raise invalid_value(f"Unable to find volume with ID: {volume}")
        if row["vm_id"] != vm["id"]:
            raise invalid_value(f"Volume {volume} is not attached to the VM {vm['uuid']}")
        if row["type"] != "DATADISK":
            raise invalid_value(f"Please specify volume of type {'DATADISK'}")
        ids.append(row["id"])
    return ids


@command("destroyVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES, is_async=True,
         job_instance="VirtualMachine", cmd_class="org.apache.cloudstack.api.command.user.vm.DestroyVMCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.DestroyVMCmdByAdmin",
         description="Destroys a virtual machine; it can be recovered until it is expunged.")
async def destroy_virtual_machine(ctx, *,
                                  id: Param(P.UUID, "The VM to destroy", entity="VirtualMachine"),
                                  expunge: Param(P.BOOLEAN, "Expunge at once", since="4.2.1") = False,
                                  volumeids: Param(P.LIST, "Data volumes to delete with it", item_type=P.UUID,
                                                   since="4.12.0") = None):
    volume_ids = await _check_destroy(ctx, id, expunge, volumeids)
    if id["state"] in ("Destroyed", "Expunging") and not expunge:
        return await vm_entity(ctx, id["id"])
    if id["state"] in ("Destroyed", "Expunging"):
        await vm_ops.expunge(ctx.app, ctx.caller, id, volume_ids=volume_ids)
    else:
        await vm_ops.destroy(ctx.app, ctx.caller, id, expunge_now=bool(expunge), volume_ids=volume_ids)
    entity = await vm_entity(ctx, id["id"])
    if entity is None:           # expunged: CloudStack answers with the row as it was last
        rows = await ctx.db.fetch(store.VM_SELECT + " WHERE v.id = $1", id["id"])
        from .vm_list import vm_entities
        entity = (await vm_entities(ctx, rows))[0]
    return entity


@destroy_virtual_machine.precheck_fn
async def _destroy_check(ctx, *, id, expunge=False, volumeids=None):
    await _check_destroy(ctx, id, expunge, volumeids)
    return id["id"], str(id["uuid"])


# ------------------------------------------------------------------------- recover
@command("recoverVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES,
         description="Recovers a virtual machine that was destroyed and not yet expunged.")
async def recover_virtual_machine(ctx, *, id: Param(P.UUID, "The VM to recover", entity="VirtualMachine")):
    if not await user_may_expunge_recover(ctx):
        raise permission_denied("Recovering a vm can only be done by an Admin. Or when the allow.user.expunge.recover.vm "
                                "key is set.")
    check_vm_access(ctx, id)
    if id["state"] != "Destroyed":
        raise invalid_value(f"Vm with id {id['uuid']} is not in the right state")
    if id["account_removed"] is not None:
        raise internal_error("Unable to recover VM as the account is deleted")
    await vm_ops.recover(ctx.app, ctx.caller, id)
    return await vm_entity(ctx, id["id"])


# ------------------------------------------------------------------------- expunge
async def _check_expunge(ctx, vm) -> None:
    if vm["state"] not in ("Destroyed", "Expunging", "Error"):
        err = internal_error("Please destroy vm with specified vmId before expunge")
        err.uuids.append((str(vm["uuid"]), "vmId"))
        raise err
    if not await user_may_expunge_recover(ctx):
        raise permission_denied("Expunging a vm can only be done by an Admin. Or when the allow.user.expunge.recover.vm "
                                "key is set.")
    check_vm_access(ctx, vm)


@command("expungeVirtualMachine", roles=ALL_ROLES, is_async=True, job_instance="VirtualMachine",
         cmd_class="org.apache.cloudstack.api.command.admin.vm.ExpungeVMCmd",
         description="Expunges a destroyed virtual machine: it is removed for good.")
async def expunge_virtual_machine(ctx, *, id: Param(P.UUID, "The VM to expunge", entity="VirtualMachine")):
    await _check_expunge(ctx, id)
    await vm_ops.expunge(ctx.app, ctx.caller, id)
    return Success()


@expunge_virtual_machine.precheck_fn
async def _expunge_check(ctx, *, id):
    await _check_expunge(ctx, id)
    return id["id"], str(id["uuid"])
