"""listVolumes: the ROOT and DATADISK volumes of VMs (what Terraform and Ansible read after a deploy)."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command, register_entity
from ..api.views import F, ListResult, View
from ..core.access import list_scope
from ..core.tags import tag_entities, tags_clause
from ..errors import invalid_value
from ..store import vm as store
from .account import domain_display_path

register_entity("Volume", store.get_volume)
_ROOT = frozenset({"Admin"})


class VolumeView(View):
    object_name = "volume"
    kind = "Volume"
    fields = (
        F("id", "string", "the volume ID"), F("name", "string", "its name"), F("zoneid", "string", "its zone"),
        F("zonename", "string", "the zone's name"), F("type", "string", "ROOT or DATADISK"),
        F("deviceid", "long", "device number on the VM"), F("virtualmachineid", "string", "the VM it is attached to"),
        F("isoid", "string", "ISO"), F("isoname", "string", "ISO name"), F("isodisplaytext", "string", "ISO text"),
        F("templateid", "string", "the template it was made from"), F("templatename", "string", "its name"),
        F("templatedisplaytext", "string", "its description"), F("vmname", "string", "the VM's host name"),
        F("vmdisplayname", "string", "the VM's display name"), F("vmstate", "string", "the VM's state"),
        F("vmtype", "string", "the VM's type"), F("provisioningtype", "string", "thin, sparse or fat"),
        F("size", "long", "size in bytes"), F("created", "date", "when it was created"),
        F("state", "string", "Allocated, Ready, Destroy …"), F("account", "string", "owner account"),
        F("projectid", "string", "owner project"), F("project", "string", "owner project's name"),
        F("domainid", "string", "owner domain ID"), F("domain", "string", "owner domain"),
        F("domainpath", "string", "owner domain path", since="4.19.2.0"),
        F("storagetype", "string", "shared or local"), F("hypervisor", "string", "hypervisor"),
        F("diskofferingid", "string", "disk offering"), F("diskofferingname", "string", "its name"),
        F("diskofferingdisplaytext", "string", "its description"), F("storage", "string", "primary storage name"),
        F("attached", "date", "when it was attached"), F("destroyed", "boolean", "true if destroyed"),
        F("serviceofferingid", "string", "the VM's compute offering (ROOT)"),
        F("serviceofferingname", "string", "its name"), F("serviceofferingdisplaytext", "string", "its description"),
        F("isextractable", "boolean", "true if it may be downloaded"), F("displayvolume", "boolean",
                                                                          "shown to the owner", admin_only=True),
        F("path", "string", "path on the storage"), F("quiescevm", "boolean", "quiesce needed for snapshots"),
        F("supportsstoragesnapshot", "boolean", "storage snapshots supported"),
        F("physicalsize", "long", "bytes used on storage"), F("virtualsize", "long", "virtual size in bytes"),
        F("podid", "string", "its pod"), F("podname", "string", "pod name"),
        F("clusterid", "string", "its cluster"), F("clustername", "string", "cluster name"),
        F("tags", "set", "resource tags"), F("hasannotations", "boolean", "true if comments are attached"),
    )


def volume_entity(ctx, v, tags=()):
    return VolumeView.entity({
        "id": str(v["uuid"]), "name": v["name"], "zoneid": str(v["zone_uuid"]), "zonename": v["zone_name"],
        "type": v["type"], "deviceid": v["device_id"], "virtualmachineid": str(v["vm_uuid"]) if v["vm_uuid"] else None,
        "templateid": str(v["template_uuid"]) if v["template_uuid"] else None, "templatename": v["template_name"],
        "templatedisplaytext": v["template_text"], "vmname": v["vm_name"], "vmdisplayname":
        (v["vm_display_name"] or v["vm_name"]) if v["vm_uuid"] else None, "vmstate": v["vm_state"],
        "vmtype": "User" if v["vm_uuid"] else None, "provisioningtype": v["provisioning_type"], "size": v["size"],
        "created": v["created"], "state": v["state"], "account": v["account_name"], "domainid": str(v["domain_uuid"]),
        "domain": v["domain_name"], "domainpath": domain_display_path(v["domain_path"]),
        "storagetype": v["storage_type"], "hypervisor": v["hypervisor"],
        "diskofferingid": str(v["disk_offering_uuid"]) if v["disk_offering_uuid"] else None,
        "diskofferingname": v["disk_offering_name"], "diskofferingdisplaytext": v["disk_offering_text"],
        "storage": "sim-primary" if v["path"] else None, "attached": v["attached"],
        "destroyed": v["state"] == "Destroy",
        "serviceofferingid": str(v["offering_uuid"]) if v["offering_uuid"] else None,
        "serviceofferingname": v["offering_name"], "serviceofferingdisplaytext": v["offering_text"],
        "isextractable": False, "displayvolume": v["display_volume"], "path": v["path"], "quiescevm": False,
        "supportsstoragesnapshot": False, "physicalsize": v["size"] if v["path"] else 0, "virtualsize": v["size"],
        "podid": str(v["pod_uuid"]) if v["pod_uuid"] else None, "podname": v["pod_name"],
        "clusterid": str(v["cluster_uuid"]) if v["cluster_uuid"] else None, "clustername": v["cluster_name"],
        "tags": list(tags), "hasannotations": False}, ctx.is_root_admin)


@command("listVolumes", response=VolumeView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P", "T"),
         description="Lists volumes.")
async def list_volumes(ctx, *, listing,
                       clusterid: Param(P.UUID, "Only volumes in this cluster", entity="Cluster", roles=_ROOT) = None,
                       diskofferingid: Param(P.UUID, "Only volumes of this disk offering", entity="DiskOffering",
                                             since="4.4") = None,
                       displayvolume: Param(P.BOOLEAN, "Display flag filter", since="4.4", roles=_ROOT) = None,
                       hostid: Param(P.UUID, "Only volumes of VMs on this host", entity="Host", roles=_ROOT) = None,
                       id: Param(P.UUID, "Only this volume", entity="Volume") = None,
                       ids: Param(P.LIST, "Only these volumes", item_type=P.UUID, entity="Volume", since="4.9") = None,
                       listsystemvms: Param(P.BOOLEAN, "Include system VM volumes", since="4.18.0",
                                            roles=_ROOT) = None,
                       name: Param(P.STRING, "Only volumes with this name") = None,
                       podid: Param(P.UUID, "Only volumes in this pod", entity="Pod", roles=_ROOT) = None,
                       state: Param(P.STRING, "Only volumes in this state", since="4.15.1") = None,
                       storageid: Param(P.STRING, "Only volumes on this pool", since="4.3", roles=_ROOT) = None,
                       type: Param(P.STRING, "ROOT or DATADISK") = None,
                       virtualmachineid: Param(P.UUID, "Only volumes of this VM", entity="VirtualMachine") = None,
                       zoneid: Param(P.UUID, "Only volumes in this zone", entity="Zone") = None):
    if id is not None and ids:
        raise invalid_value("Either id or ids parameter should be specified, not both")
    args: list = []
    where = ["vol.removed IS NULL", (await list_scope(ctx.db, ctx.caller, listing)).sql("vol.account_id", "d.path", args)]
    if not ctx.is_admin:
        where.append("vol.state <> 'Destroy'")
    for value, clause in ((id["id"] if id else None, "vol.id = ${}"), ([r["id"] for r in ids] if ids else None,
                                                                       "vol.id = ANY(${}::bigint[])"),
                          (name, "vol.name = ${}"), (type, "upper(vol.type) = upper(${})"),
                          (state, "lower(vol.state) = lower(${})"),
                          (virtualmachineid["id"] if virtualmachineid else None, "vol.vm_id = ${}"),
                          (zoneid["id"] if zoneid else None, "vol.zone_id = ${}"),
                          (podid["id"] if podid else None, "vol.pod_id = ${}"),
                          (clusterid["id"] if clusterid else None, "vol.cluster_id = ${}"),
                          (hostid["id"] if hostid else None, "v.host_id = ${}"),
                          (diskofferingid["id"] if diskofferingid else None, "vol.disk_offering_id = ${}"),
                          (displayvolume, "vol.display_volume = ${}")):
        if value is not None:
            args.append(value)
            where.append(clause.format(len(args)))
    if storageid is not None:
        where.append("false")
    if listing.tags:
        where.append(tags_clause("Volume", "vol.id", listing.tags, args))
    if listing.keyword:
        args.append(f"%{listing.keyword}%")
        where.append(f"vol.name ILIKE ${len(args)}")
    sql_where = " WHERE " + " AND ".join(where)
    total = await ctx.db.fetchval("SELECT count(*) FROM volume vol JOIN domain d ON d.id = vol.domain_id "
                                  "LEFT JOIN vm_instance v ON v.id = vol.vm_id" + sql_where, *args)
    args += [listing.limit, listing.offset]
    rows = await ctx.db.fetch(store.VOLUME_SELECT + sql_where + f" ORDER BY vol.id LIMIT ${len(args) - 1} "
                              f"OFFSET ${len(args)}", *args)
    tags = await tag_entities(ctx.db, "Volume", [v["id"] for v in rows])
    return ListResult([volume_entity(ctx, v, tags.get(v["id"], ())) for v in rows], total, "volume")
