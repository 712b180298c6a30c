"""Changing a VM: updateVirtualMachine, resetPasswordForVirtualMachine and getVMPassword."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command
from ..api.views import F, View
from ..core import naming, userdata as userdata_core
from ..core.vm import encrypt_for_key, generate_password, join_group, record
from ..errors import CloudStackError, INTERNAL_ERROR, invalid_value
from ..store import vm as store
from .vm import check_vm_access
from .vm_list import VirtualMachineView, vm_entity

_ROOT = frozenset({"Admin"})


def _state_text(vm) -> str:
    return f"Vm {vm['uuid']} is not in the right state"


@command("updateVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES,
         description="Updates properties of a virtual machine; most take effect at its next start.")
async def update_virtual_machine(
        ctx, *,
        id: Param(P.UUID, "The VM", entity="VirtualMachine"),
        cleanupdetails: Param(P.BOOLEAN, "Remove all details (details is then ignored)") = None,
        customid: Param(P.STRING, "New UUID (root admin)", since="4.4", roles=_ROOT) = None,
        deleteprotection: Param(P.BOOLEAN, "Refuse destroy while true", since="4.20.0") = None,
        details: Param(P.MAP, "Settings to add or replace") = None,
        dhcpoptionsnetworklist: Param(P.MAP, "Extra DHCP options per network") = None,
        displayname: Param(P.STRING, "New display name") = None,
        displayvm: Param(P.BOOLEAN, "Show the VM to its owner (root admin)", roles=_ROOT) = None,
        extraconfig: Param(P.STRING, "Extra hypervisor configuration", since="4.12", length=1048576) = None,
        group: Param(P.STRING, "Move into this instance group") = None,
        haenable: Param(P.BOOLEAN, "HA on or off (on only if the offering offers HA)") = None,
        instancename: Param(P.STRING, "New internal name (root admin)", since="4.4", roles=_ROOT) = None,
        isdynamicallyscalable: Param(P.BOOLEAN, "Allow live CPU/RAM changes") = None,
        name: Param(P.STRING, "New host name", since="4.4") = None,
        ostypeid: Param(P.UUID, "New guest OS type", entity="GuestOs") = None,
        securitygroupids: Param(P.LIST, "Replace the security groups", item_type=P.UUID,
                                entity="SecurityGroup") = None,
        securitygroupnames: Param(P.LIST, "Replace the security groups, by name") = None,
        userdata: Param(P.STRING, "New base64 user data", since="4.16.0", length=1048576) = None,
        userdatadetails: Param(P.MAP, "Values of the stored user data's variables", since="4.18") = None,
        userdataid: Param(P.UUID, "Stored user data", entity="UserData", since="4.18") = None):
    vm = id
    check_vm_access(ctx, vm)
    if vm["state"] in ("Error", "Expunging"):
        raise invalid_value(_state_text(vm))
    changes: dict = {}
    if displayname is not None:
        changes["display_name"] = displayname
    if haenable is not None:
        if haenable and not vm["offering_ha"]:
            raise invalid_value("Can't enable ha for the vm as it's created from the Service offering having HA "
                                "disabled")
        changes["ha_enabled"] = haenable
    if displayvm is not None:
        changes["display_vm"] = displayvm
    if deleteprotection is not None:
        changes["delete_protection"] = deleteprotection
    if ostypeid is not None:
        changes["guest_os_id"] = ostypeid["id"]
    if isdynamicallyscalable is not None:
        if isdynamicallyscalable:
            if not vm["template_dynamic"]:
                raise invalid_value("Dynamic Scaling cannot be enabled for the VM since its template does not have "
                                    "dynamic scaling enabled")
            if not vm["offering_dynamic_scaling"]:
                raise invalid_value("Dynamic Scaling cannot be enabled for the VM since its service offering does not "
                                    "have dynamic scaling enabled")
            if not await ctx.settings.get("enable.dynamic.scale.vm", ("Zone", vm["zone_id"])):
                raise invalid_value("Dynamic Scaling cannot be enabled for the VM since corresponding global setting "
                                    "is set to false")
        changes["is_dynamically_scalable"] = isdynamicallyscalable
    if userdata is not None or userdataid is not None:
        text = await userdata_core.validate(ctx.settings, userdata.replace("\\n", "") if userdata else None,
                                            ctx.http_method)
        changes["userdata"] = userdata_core.finalize(text, userdataid)
        if userdataid is not None:
            changes["userdata_id"] = userdataid["id"]
    if userdatadetails:
        changes["userdata_details"] = str(P.flatten(userdatadetails))
    new_details = None
    if cleanupdetails:
        new_details = {}
    elif details:
        flat = P.flatten(details)
        if "extraconfig" in flat:
            raise invalid_value("'extraconfig' should not be included in details as key")
        if not ctx.is_root_admin:
            denied = {d.strip() for d in str(await ctx.settings.get("user.vm.denied.details") or "").split(",")}
            readonly = {d.strip() for d in str(await ctx.settings.get("user.vm.readonly.details") or "").split(",")}
            for key in flat:
                if key in denied:
                    raise invalid_value(f"You're not allowed to add or edit the restricted setting: {key}")
                if key in readonly:
                    raise invalid_value(f"You're not allowed to add or edit the read-only setting: {key}")
        new_details = {**dict(vm["details"] or {}), **flat}
    if new_details is not None:
        changes["details"] = new_details
    if instancename is not None:
        other = await ctx.db.fetchval("SELECT id FROM vm_instance WHERE instance_name = $1 AND removed IS NULL",
                                      instancename)
        if other is not None and other != vm["id"]:
            raise CloudStackError(INTERNAL_ERROR, f"Instance name : {instancename} is not unique")
        changes["instance_name"] = instancename
    async with ctx.db.transaction() as conn:
        if name is not None and name != vm["name"]:
            naming.check_host_name(name)
            for nic in await conn.fetch("SELECT n.network_id, net.network_domain FROM nic n JOIN network net "
                                        "ON net.id = n.network_id WHERE n.vm_id = $1 AND n.removed IS NULL", vm["id"]):
                await naming.check_unique_in_network(conn, name, nic["network_id"], nic["network_domain"], vm["id"])
            changes["name"] = name
        elif name is not None:
            naming.check_host_name(name)
        if securitygroupids is not None or securitygroupnames is not None:
            await _replace_security_groups(conn, vm, securitygroupids, securitygroupnames)
        if changes:
            assignments = ", ".join(f"{column} = ${n}" for n, column in enumerate(changes, start=2))
            await conn.execute(f"UPDATE vm_instance SET {assignments} WHERE id = $1", vm["id"], *changes.values())
        if group is not None:
            if group == "":
                await conn.execute("DELETE FROM instance_group_vm WHERE vm_id = $1", vm["id"])
            else:
                await join_group(conn, vm["id"], vm["account_id"], vm["domain_id"], group)
        await record(conn, ctx.caller, vm, "VM.UPDATE", f"Successfully completed updating Vm. Vm Id: {vm['uuid']}")
    return await vm_entity(ctx, vm["id"])


async def _replace_security_groups(conn, vm, ids, names) -> None:
    if ids and names:
        raise invalid_value("securitygroupids parameter is mutually exclusive with securitygroupnames parameter")
    if vm["network_type"] != "Basic" and not await conn.fetchval("SELECT security_groups FROM zone WHERE id = $1",
                                                                  vm["zone_id"]):
        raise invalid_value("Security group feature is not supported for this zone")
    if vm["state"] != "Stopped":
        raise invalid_value("Virtual machine must be stopped prior to update security groups")
    group_ids = []
    for g in ids or []:
        if g["account_id"] != vm["account_id"]:
            raise invalid_value(f"Security group {g['uuid']} does not belong to the VM's account")
        group_ids.append(g["id"])
    for n in names or []:
        found = await conn.fetchval("SELECT id FROM security_group WHERE account_id = $1 AND lower(name) = lower($2)",
                                    vm["account_id"], n)
        if found is None:
            raise invalid_value(f"Unable to find security group by name {n}")
        group_ids.append(found)
    await conn.execute("DELETE FROM vm_security_group WHERE vm_id = $1", vm["id"])
    await conn.executemany("INSERT INTO vm_security_group (vm_id, security_group_id) VALUES ($1, $2) "
                           "ON CONFLICT DO NOTHING", [(vm["id"], g) for g in group_ids])


# ------------------------------------------------------------------------- passwords
def _check_reset(ctx, vm) -> None:
    if not vm["password_enabled"]:
        raise invalid_value("Fail to reset password for the virtual machine, the template is not password enabled")
    if vm["state"] in ("Error", "Expunging"):
        raise invalid_value(_state_text(vm))
    if vm["state"] != "Stopped":
        raise invalid_value(_state_text(vm).replace("is not in the right state", "should be stopped to do password reset"))
    check_vm_access(ctx, vm)


@command("resetPasswordForVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES, is_async=True,
         job_instance="VirtualMachine", cmd_class="org.apache.cloudstack.api.command.user.vm.ResetVMPasswordCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.ResetVMPasswordCmdByAdmin",
         description="Resets the guest password of a stopped VM whose template is password enabled; the new "
                     "password is in the result.")
async def reset_password_for_virtual_machine(
        ctx, *, id: Param(P.UUID, "The VM", entity="VirtualMachine"),
        password: Param(P.STRING, "The new password; random when omitted", since="4.19.0") = None):
    _check_reset(ctx, id)
    new = password or generate_password(int(await ctx.settings.get("vm.password.length")))
    key = None
    if id["keypairs"]:
        key = await ctx.db.fetchval("SELECT public_key FROM ssh_keypair WHERE account_id = $1 AND lower(name) = lower($2)",
                                    id["account_id"], id["keypairs"][0])
    async with ctx.db.transaction() as conn:
        await conn.execute("UPDATE vm_instance SET password = $2, encrypted_password = $3 WHERE id = $1", id["id"],
                           ctx.box.seal(new), encrypt_for_key(new, key))
        await record(conn, ctx.caller, id, "VM.RESETPASSWORD",
                     f"Successfully completed resetting Vm password. Vm Id: {id['uuid']}")
    return await vm_entity(ctx, id["id"], password=new)


@reset_password_for_virtual_machine.precheck_fn
async def _reset_check(ctx, *, id, password=None):
    _check_reset(ctx, id)
    return id["id"], str(id["uuid"])


class VMPasswordView(View):
    object_name = "password"
    fields = (F("encryptedpassword", "string", "the password, RSA-encrypted with the VM's SSH key and base64-encoded"),)


@command("getVMPassword", response=VMPasswordView, roles=ALL_ROLES,
         description="Returns the VM's guest password encrypted with its SSH key pair.")
async def get_vm_password(ctx, *, id: Param(P.UUID, "The VM", entity="VirtualMachine")):
    check_vm_access(ctx, id)
    row = await store.get_vm(ctx.db, id["id"])
    if not row["encrypted_password"]:
        raise invalid_value(
            f"No password found for VM [{id['uuid']}]. When the VM's SSH keypair is changed, the current encrypted "
            "password is removed due to inconsistency in the encryption, as the new SSH keypair is different from "
            "which the password was encrypted. To get a new password, it must be reseted.")
    return VMPasswordView.entity({"encryptedpassword": row["encrypted_password"]})


class VMUserDataView(View):
    object_name = "virtualmachineuserdata"
    kind = "VMUserData"
    fields = (F("virtualmachineid", "string", "the VM"), F("userdata", "string", "its user data, base64"))


@command("getVirtualMachineUserData", response=VMUserDataView, roles=ALL_ROLES,
         cmd_class="org.apache.cloudstack.api.command.user.vm.GetVMUserDataCmd",
         description="Returns a VM's user data (base64).")
async def get_virtual_machine_user_data(ctx, *,
                                        virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine")):
    check_vm_access(ctx, virtualmachineid)
    return VMUserDataView.entity({"virtualmachineid": str(virtualmachineid["uuid"]),
                                  "userdata": virtualmachineid["userdata"]})
