"""A VM's compute offering and user data after deploy: changeServiceForVirtualMachine,
scaleVirtualMachine and resetUserDataForVirtualMachine.

The checks and the work are core/vm_scale.py's; scaleVirtualMachine runs every check when
submitted (an error at once, no job) and again in its job, since the VM may have changed.
"""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, ROOT_ONLY, Param, command
from ..api.views import SuccessView
from ..core import userdata as userdata_core, vm_scale
from ..core.access import check_access
from ..core.vm import record, vm_text
from ..errors import invalid_value
from .vm import check_vm_access
from .vm_list import VirtualMachineView, vm_entity

_DETAILS = "Custom offering values: details[0].cpuNumber, details[0].cpuSpeed, details[0].memory"


async def _planned(ctx, vm, offering, details, *, scale: bool) -> vm_scale.Change:
    check_vm_access(ctx, vm)
    if not scale and vm["state"] != "Stopped":
        raise invalid_value(f"Unable to upgrade virtual machine {vm_text(vm)}  in state {vm['state']}; make sure the "
                            "virtual machine is stopped")
    change = await vm_scale.plan(ctx.app, vm, offering, P.flatten(details), keep_unset=scale)
    if vm["state"] == "Running":
        await vm_scale.check_live(ctx.app, vm, change)
    return change


# The disk-side parameters both commands take (accepted; the simulator's disks do not change).
_AUTOMIGRATE = Param(P.BOOLEAN, "Move the root volume if the new offering needs other storage", since="4.17")
_DETAILS_PARAM = Param(P.MAP, _DETAILS)
_MAXIOPS = Param(P.LONG, "New maximum IOPS (custom-IOPS disk offerings)", since="4.17")
_MINIOPS = Param(P.LONG, "New minimum IOPS (custom-IOPS disk offerings)", since="4.17")
_SHRINKOK = Param(P.BOOLEAN, "Allow the root disk to shrink", since="4.17")


# ------------------------------------------------------------------------- changeServiceForVirtualMachine
@command("changeServiceForVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES,
         cmd_class="org.apache.cloudstack.api.command.user.vm.UpgradeVMCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.UpgradeVMCmdByAdmin",
         description="(Deprecated in favour of scaleVirtualMachine) Changes the service offering of a stopped "
                     "virtual machine.")
async def change_service_for_virtual_machine(
        ctx, *,
        id: Param(P.UUID, "The VM (must be Stopped)", entity="VirtualMachine"),
        serviceofferingid: Param(P.UUID, "The new compute offering", entity="ServiceOffering"),
        automigrate: _AUTOMIGRATE = None, details: _DETAILS_PARAM = None, maxiops: _MAXIOPS = None,
        miniops: _MINIOPS = None, shrinkok: _SHRINKOK = None):
    change = await _planned(ctx, id, serviceofferingid, details, scale=False)
    await vm_scale.change_stopped(ctx.app, ctx.caller, id, change)
    return await vm_entity(ctx, id["id"])


# ------------------------------------------------------------------------- scaleVirtualMachine
# CloudStack 4.18 lists this command's response as SuccessResponse (ScaleVMCmdByAdmin) while its
# job answers with the VM; listApis says the former, the job result carries `virtualmachine`.
@command("scaleVirtualMachine", response=SuccessView, roles=ALL_ROLES, is_async=True,
         job_instance="VirtualMachine", cmd_class="org.apache.cloudstack.api.command.user.vm.ScaleVMCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.ScaleVMCmdByAdmin",
         description="Scales a virtual machine to a new service offering: a stopped VM takes it as it is, a running "
                     "one grows live where dynamic scaling is enabled.")
async def scale_virtual_machine(
        ctx, *,
        id: Param(P.UUID, "The VM (Stopped, or Running for a live scale-up)", entity="VirtualMachine"),
        serviceofferingid: Param(P.UUID, "The new compute offering", entity="ServiceOffering"),
        automigrate: _AUTOMIGRATE = None, details: _DETAILS_PARAM = None, maxiops: _MAXIOPS = None,
        miniops: _MINIOPS = None, shrinkok: _SHRINKOK = None):
    change = await _planned(ctx, id, serviceofferingid, details, scale=True)
    if id["state"] == "Running":
        await vm_scale.scale_running(ctx.app, ctx.caller, id, change)
    else:
        await vm_scale.change_stopped(ctx.app, ctx.caller, id, change)
    return await vm_entity(ctx, id["id"])


@scale_virtual_machine.precheck_fn
async def _scale_check(ctx, *, id, serviceofferingid, details=None, **_):
    await _planned(ctx, id, serviceofferingid, details, scale=True)
    return id["id"], str(id["uuid"])


# ------------------------------------------------------------------------- resetUserDataForVirtualMachine
@command("resetUserDataForVirtualMachine", response=VirtualMachineView, roles=ROOT_ONLY, since="4.18.0",
         cmd_class="org.apache.cloudstack.api.command.user.vm.ResetVMUserDataCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.ResetVMUserDataCmdAdmin",
         description="Replaces (or, given none, removes) the user data of a stopped virtual machine.")
async def reset_user_data_for_virtual_machine(
        ctx, *,
        id: Param(P.UUID, "The VM (must be Stopped)", entity="VirtualMachine"),
        account: Param(P.STRING, "Owner account (accepted; CloudStack does not use it)") = None,
        domainid: Param(P.UUID, "Owner domain (accepted; CloudStack does not use it)", entity="Domain") = None,
        projectid: Param(P.UUID, "Owner project (accepted; CloudStack does not use it)") = None,
        userdata: Param(P.STRING, "New base64 user data", length=1048576) = None,
        userdatadetails: Param(P.MAP, "Values of the stored user data's variables") = None,
        userdataid: Param(P.UUID, "Stored user data", entity="UserData") = None):
    vm = id
    check_vm_access(ctx, vm)
    if vm["state"] != "Stopped":
        raise invalid_value(f"VM {vm_text(vm)} should be stopped to do UserData reset")
    if userdataid is not None and userdataid["account_id"] != vm["account_id"] and not ctx.is_root_admin:
        check_access(ctx.caller, userdataid["account_id"], userdataid["domain_path"], "user data " + userdataid["name"])
    userdata_core.finalize(userdata, userdataid)     # both given: refused before the blob is looked at
    text = await userdata_core.validate(ctx.settings, userdata, ctx.http_method)
    details = str(P.flatten(userdatadetails)) if userdatadetails else None
    async with ctx.db.transaction() as conn:
        await conn.execute("UPDATE vm_instance SET userdata = $2, userdata_id = $3, userdata_details = $4 "
                           "WHERE id = $1", vm["id"], userdata_core.finalize(text, userdataid),
                           userdataid["id"] if userdataid is not None else None, details)
        await record(conn, ctx.caller, vm, "VM.RESETUSERDATA",
                     f"Successfully completed resetting VM userdata. Vm Id: {vm['uuid']}")
    return await vm_entity(ctx, vm["id"])
