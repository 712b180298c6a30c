"""A VM's images and keys: attachIso, detachIso, resetSSHKeyForVirtualMachine, restoreVirtualMachine.

Each command checks access, state and parameters when submitted (an error at once, no job) and
again when its job runs; the work is core/vm_image.py's. Error texts are CloudStack's
(TemplateManagerImpl.attachIso/detachIso, UserVmManagerImpl.resetVMSSHKey/restoreVirtualMachine).
"""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command
from ..core import sshkeys, vm_image as core
from ..core.access import can_access
from ..core.owner import finalize_owner
from ..core.vm import vm_text
from ..core.vm_snapshot import refuse_if_any
from ..errors import internal_error, invalid_value, permission_denied
from ..store import infra as images
from .vm import check_vm_access
from .vm_list import VirtualMachineView, vm_entity

_LIVE = ("Running", "Stopped")


def _ready_in(zone_row, image) -> bool | None:
    """True/False: the image's copy in the zone is (not) ready; None: the zone has no copy of it."""
    if zone_row is not None:
        return zone_row["ready"]
    # PERHOST images (the tools ISOs) live on every host; cross-zone ones reach zones added later.
    return True if image["type"] == "PERHOST" or image["cross_zones"] else None


async def _zone_copy(db, image, zone_id: int) -> bool | None:
    row = await db.fetchrow("SELECT ready FROM template_zone WHERE template_id = $1 AND zone_id = $2 "
                            "AND removed IS NULL", image["id"], zone_id)
    return _ready_in(row, image)


async def _may_use(db, account_id: int, image) -> bool:
    if image["is_public"] or image["account_id"] == account_id:
        return True
    return bool(await db.fetchval("SELECT 1 FROM template_permission WHERE template_id = $1 AND account_id = $2",
                                  image["id"], account_id))


async def check_image_use(ctx, image, owner_id: int | None = None, owner_name: str | None = None) -> None:
    """531 unless the caller (and the VM's owner, when given) may use this template or ISO."""
    denied = f"does not have permission to access template/ISO {image['uuid']}"
    if not (await _may_use(ctx.db, ctx.caller.account_id, image)
            or can_access(ctx.caller, image["account_id"], image["domain_path"])):
        raise permission_denied(f"Account {ctx.caller.account_name} {denied}")
    if owner_id is not None and owner_id != ctx.caller.account_id and not await _may_use(ctx.db, owner_id, image):
        raise permission_denied(f"Account {owner_name} {denied}")


# ------------------------------------------------------------------------- attachIso
async def _check_attach(ctx, vm, iso) -> None:
    if iso["format"] != "ISO":
        raise invalid_value("Please specify a valid iso.")
    ready = await _zone_copy(ctx.db, iso, vm["zone_id"])
    if ready is None:
        raise invalid_value("ISO is not available in the zone the VM is in.")
    check_vm_access(ctx, vm)
    await check_image_use(ctx, iso, vm["account_id"], vm["account_name"])
    if vm["state"] not in _LIVE:
        raise invalid_value("Please specify a VM that is either Stopped or Running.")
    if not ready:
        # CloudStack finds no ready copy to mount; a stopped VM would only fail at its next start.
        raise internal_error("Failed to prepare ISO ready to mount on hypervisor resource level")


@command("attachIso", response=VirtualMachineView, roles=ALL_ROLES, is_async=True, job_instance="VirtualMachine",
         cmd_class="org.apache.cloudstack.api.command.user.iso.AttachIsoCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.iso.AttachIsoCmdByAdmin",
         description="Attaches an ISO to a running or stopped virtual machine, replacing the one in its drive.")
async def attach_iso(ctx, *,
                     id: Param(P.UUID, "The ISO", entity="VirtualMachineTemplate"),
                     virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine"),
                     forced: Param(P.BOOLEAN, "VMware: eject whatever is inserted first", since="4.15.1") = None):
    await _check_attach(ctx, virtualmachineid, id)
    await core.attach_iso(ctx.app, ctx.caller, virtualmachineid, id)
    return await vm_entity(ctx, virtualmachineid["id"])


@attach_iso.precheck_fn
async def _attach_check(ctx, *, id, virtualmachineid, forced=None):
    await _check_attach(ctx, virtualmachineid, id)
    return virtualmachineid["id"], str(virtualmachineid["uuid"])


# ------------------------------------------------------------------------- detachIso
def _check_detach(ctx, vm) -> None:
    check_vm_access(ctx, vm)
    if vm["iso_id"] is None:
        raise invalid_value("The specified VM has no ISO attached to it.")
    if vm["state"] not in _LIVE:
        raise invalid_value("Please specify a VM that is either Stopped or Running.")


@command("detachIso", response=VirtualMachineView, roles=ALL_ROLES, is_async=True, job_instance="VirtualMachine",
         cmd_class="org.apache.cloudstack.api.command.user.iso.DetachIsoCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.iso.DetachIsoCmdByAdmin",
         description="Ejects the ISO attached to a running or stopped virtual machine.")
async def detach_iso(ctx, *,
                     virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine"),
                     forced: Param(P.BOOLEAN, "VMware: force the eject", since="4.15.1") = None):
    _check_detach(ctx, virtualmachineid)
    await core.detach_iso(ctx.app, ctx.caller, virtualmachineid)
    return await vm_entity(ctx, virtualmachineid["id"])


@detach_iso.precheck_fn
async def _detach_check(ctx, *, virtualmachineid, forced=None):
    _check_detach(ctx, virtualmachineid)
    return virtualmachineid["id"], str(virtualmachineid["uuid"])


# ------------------------------------------------------------------------- resetSSHKeyForVirtualMachine
async def _check_reset_keys(ctx, vm, keypair, keypairs, account, domainid, projectid) -> list:
    owner = await finalize_owner(ctx.db, ctx.caller, account, domainid, projectid)
    if vm["state"] in ("Error", "Expunging"):
        raise invalid_value("Vm with specified id is not in the right state")
    if vm["state"] != "Stopped":
        raise invalid_value(f"Vm {vm['uuid']} should be stopped to do SSH Key reset")
    names = list(keypairs or []) + ([keypair] if keypair else [])
    if not names:
        raise invalid_value("'keypair' or 'keypairs' must be specified")
    rows = await sshkeys.keypairs_for_vm(ctx.db, owner["id"], names)
    check_vm_access(ctx, vm)
    return rows


@command("resetSSHKeyForVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES, is_async=True,
         job_instance="VirtualMachine", response_name="resetSSHKeyforvirtualmachineresponse",
         cmd_class="org.apache.cloudstack.api.command.user.vm.ResetVMSSHKeyCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.ResetVMSSHKeyCmdByAdmin",
         description="Replaces the SSH key pairs of a stopped virtual machine.")
async def reset_ssh_key_for_virtual_machine(
        ctx, *,
        id: Param(P.UUID, "The VM (must be Stopped)", entity="VirtualMachine"),
        account: Param(P.STRING, "Owner account of the key pairs; use with domainid") = None,
        domainid: Param(P.UUID, "Domain of that account", entity="Domain") = None,
        keypair: Param(P.STRING, "Name of the key pair to install") = None,
        keypairs: Param(P.LIST, "Names of the key pairs to install", since="4.17") = None,
        projectid: Param(P.UUID, "Project owning the key pairs", entity="Project") = None):
    rows = await _check_reset_keys(ctx, id, keypair, keypairs, account, domainid, projectid)
    await core.reset_ssh_keys(ctx.app, ctx.caller, id, rows)
    return await vm_entity(ctx, id["id"])


@reset_ssh_key_for_virtual_machine.precheck_fn
async def _reset_keys_check(ctx, *, id, account=None, domainid=None, keypair=None, keypairs=None, projectid=None):
    await _check_reset_keys(ctx, id, keypair, keypairs, account, domainid, projectid)
    return id["id"], str(id["uuid"])


# ------------------------------------------------------------------------- restoreVirtualMachine
async def _check_restore(ctx, vm, templateid) -> tuple:
    """(image to restore from, whether the VM is ISO-based, whether the image changes)."""
    check_vm_access(ctx, vm)
    if await ctx.db.fetchval("SELECT state FROM account WHERE id = $1", vm["account_id"]) == "disabled":
        raise permission_denied(f"The owner of {vm_text(vm)} is disabled: {vm['account_id']}")
    if vm["state"] not in _LIVE:
        raise internal_error(f"Vm {vm['uuid']} currently in {vm['state']} state, restore vm can only execute when "
                             "VM in Running or Stopped")
    root = await ctx.db.fetchrow("SELECT id, uuid, template_id FROM volume WHERE vm_id = $1 AND type = 'ROOT' "
                                 "AND removed IS NULL ORDER BY id LIMIT 1", vm["id"])
    if root is None:
        err = invalid_value(f"Can not find root volume for VM {vm['uuid']}")
        err.uuids.append((str(vm["uuid"]), "vmId"))
        raise err
    await refuse_if_any(ctx.db, vm["id"], "Unable to restore VM, please remove VM snapshots before restoring VM")
    # As CloudStack decides it: an ISO-deployed VM's root disk has no template.
    iso_based = root["template_id"] is None
    if templateid is not None:
        image = templateid
        await check_image_use(ctx, image)
        if iso_based and image["format"] != "ISO":
            raise invalid_value("VM has been created using an ISO therefore it can not be re-installed with a template")
        if not iso_based and image["format"] == "ISO":
            raise invalid_value("Invalid template id provided to restore the VM ")
    else:
        if iso_based and vm["iso_id"] is None:
            raise internal_error("Cannot restore the VM since there is no ISO attached to VM")
        image = await images.get_image(ctx.db, vm["iso_id"] if iso_based else root["template_id"])
        if image is None:
            err = invalid_value("Cannot find template/ISO for specified volumeid and vmId")
            err.uuids += [(str(vm["uuid"]), "vmId"), (str(root["uuid"]), "volumeId")]
            raise err
    if not await _zone_copy(ctx.db, image, vm["zone_id"]):
        raise invalid_value(f"Cannot restore the vm as the template {image['uuid']} isn't available in the zone")
    return image, iso_based, templateid is not None


@command("restoreVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES, is_async=True, since="3.0.0",
         job_instance="VirtualMachine", response_name="restorevmresponse",
         cmd_class="org.apache.cloudstack.api.command.user.vm.RestoreVMCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.RestoreVMCmdByAdmin",
         description="Rebuilds a VM's root disk from its template or ISO, or from another one of the same kind; a "
                     "running VM is stopped and started again.")
async def restore_virtual_machine(
        ctx, *,
        virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine"),
        templateid: Param(P.UUID, "New template (or ISO, for an ISO-based VM); default the current one",
                          entity="VirtualMachineTemplate") = None):
    image, iso_based, new_image = await _check_restore(ctx, virtualmachineid, templateid)
    password = await core.restore(ctx.app, ctx.caller, virtualmachineid, image, image_is_iso=iso_based,
                                  new_image=new_image)
    return await vm_entity(ctx, virtualmachineid["id"], password=password)


@restore_virtual_machine.precheck_fn
async def _restore_check(ctx, *, virtualmachineid, templateid=None):
    await _check_restore(ctx, virtualmachineid, templateid)
    return virtualmachineid["id"], str(virtualmachineid["uuid"])
