"""Service and disk offerings, guest OS types and categories."""
from __future__ import annotations

import uuid as _uuid

from ..api import params as P
from ..api.registry import ADMIN_ROLES, ALL_ROLES, Param, command, register_entity
from ..api.views import F, ListResult, Success, View
from ..errors import invalid_value
from ..store import events
from ..store import infra as store
from .zone import _filter, _page

register_entity("ServiceOffering", store.get_service_offering)
register_entity("DiskOffering", store.get_disk_offering)
register_entity("GuestOs", store.get_os_type)
register_entity("GuestOsCategory", store.get_os_category)

GIB = 1024 ** 3


class ServiceOfferingView(View):
    object_name = "serviceoffering"
    kind = "ServiceOffering"
    fields = (
        F("id", "string", "the offering ID"), F("name", "string", "the offering name"),
        F("displaytext", "string", "the offering description"), F("cpunumber", "integer", "vCPUs"),
        F("cpuspeed", "integer", "MHz per vCPU"), F("memory", "integer", "memory in MiB"),
        F("created", "date", "when it was created"), F("storagetype", "string", "shared or local"),
        F("provisioningtype", "string", "thin, sparse or fat"), F("offerha", "boolean", "true if VMs are HA-enabled"),
        F("limitcpuuse", "boolean", "true if VMs are capped at their CPU share"),
        F("isvolatile", "boolean", "true if a reboot resets the root disk"),
        F("storagetags", "string", "storage tags"), F("hosttags", "string", "host tags VMs need"),
        F("issystem", "boolean", "true for system VM offerings"), F("defaultuse", "boolean", "default for system VMs"),
        F("systemvmtype", "string", "system VM type"), F("networkrate", "integer", "network rate in Mb/s"),
        F("deploymentplanner", "string", "the deployment planner"),
        F("iscustomized", "boolean", "true if the caller chooses CPU and memory"),
        F("domainid", "string", "domains it is limited to"), F("domain", "string", "names of those domains"),
        F("zoneid", "string", "zones it is limited to"), F("zone", "string", "names of those zones"),
        F("serviceofferingdetails", "map", "offering details, e.g. pciDevice and vgpuType"),
        F("rootdisksize", "long", "root disk size in GB"), F("dynamicscalingenabled", "boolean",
                                                               "true if VMs may be scaled while running"),
        F("diskofferingstrictness", "boolean", "true if the disk offering cannot change"),
        F("diskofferingid", "string", "the linked disk offering"), F("diskofferingname", "string", "its name"),
        F("diskofferingdisplaytext", "string", "its description"),
        F("encryptroot", "boolean", "true if root disks are encrypted"),
        F("hasannotations", "boolean", "true if comments are attached"),
    )


def offering_entity(o):
    return ServiceOfferingView.entity({
        "id": str(o["uuid"]), "name": o["name"], "displaytext": o["display_text"], "cpunumber": o["cpus"],
        "cpuspeed": o["speed"], "memory": o["memory"], "created": o["created"], "storagetype": o["storage_type"],
        "provisioningtype": o["provisioning_type"], "offerha": o["ha_enabled"], "limitcpuuse": o["limit_cpu_use"],
        "isvolatile": o["is_volatile"], "storagetags": o["storage_tags"], "hosttags": o["host_tags"],
        "issystem": o["is_system"], "defaultuse": o["default_use"], "systemvmtype": o["system_vm_type"],
        "networkrate": o["network_rate"], "deploymentplanner": o["deployment_planner"],
        "iscustomized": o["customized"], "serviceofferingdetails": o["details"] or None,
        "rootdisksize": o["root_disk_size"], "dynamicscalingenabled": o["dynamic_scaling"],
        "diskofferingstrictness": o["disk_offering_strict"],
        "diskofferingid": str(o["disk_offering_uuid"]) if o["disk_offering_uuid"] else None,
        "diskofferingname": o["disk_offering_name"], "diskofferingdisplaytext": o["disk_offering_text"],
        "encryptroot": o["encrypt_root"], "hasannotations": False, **_limits(o)})


def _limits(o) -> dict:
    return {"domainid": o["limit_domain_uuids"], "domain": o["limit_domain_names"],
            "zoneid": o["limit_zone_uuids"], "zone": o["limit_zone_names"]}


_L = Param(P.LONG, "Disk throttling (rate, burst or burst length)")


def _positive(name: str, value, low: int = 1) -> None:
    if value is not None and value < low:
        raise invalid_value(f"Failed to create service offering: specify {name} greater than {low - 1}")


@command("createServiceOffering", response=ServiceOfferingView, roles=ADMIN_ROLES,
         description="Creates a compute offering: CPUs, speed and memory a VM gets.")
async def create_service_offering(ctx, *,
                                  displaytext: Param(P.STRING, "Description of the offering"),
                                  name: Param(P.STRING, "Name of the offering"),
                                  cpunumber: Param(P.INTEGER, "vCPUs") = None,
                                  cpuspeed: Param(P.INTEGER, "MHz per vCPU") = None,
                                  memory: Param(P.INTEGER, "Memory in MiB") = None,
                                  customized: Param(P.BOOLEAN, "The caller chooses CPU and memory at deploy") = None,
                                  mincpunumber: Param(P.INTEGER, "Least vCPUs of a custom offering") = None,
                                  maxcpunumber: Param(P.INTEGER, "Most vCPUs of a custom offering") = None,
                                  minmemory: Param(P.INTEGER, "Least MiB of a custom offering") = None,
                                  maxmemory: Param(P.INTEGER, "Most MiB of a custom offering") = None,
                                  offerha: Param(P.BOOLEAN, "VMs are HA-enabled") = False,
                                  limitcpuuse: Param(P.BOOLEAN, "Cap VMs at their CPU share") = False,
                                  isvolatile: Param(P.BOOLEAN, "A reboot resets the root disk") = False,
                                  hosttags: Param(P.STRING, "Host tags VMs need") = None,
                                  tags: Param(P.STRING, "Storage tags") = None,
                                  deploymentplanner: Param(P.STRING, "Deployment planner") = None,
                                  dynamicscalingenabled: Param(P.BOOLEAN, "Allow scaling running VMs") = True,
                                  serviceofferingdetails: Param(P.MAP, "Details such as pciDevice, vgpuType") = None,
                                  domainid: Param(P.LIST, "Limit to these domains", item_type=P.UUID,
                                                  entity="Domain") = None,
                                  zoneid: Param(P.LIST, "Limit to these zones", item_type=P.UUID, entity="Zone") = None,
                                  issystem: Param(P.BOOLEAN, "An offering for system VMs") = False,
                                  systemvmtype: Param(P.STRING, "System VM type") = None,
                                  networkrate: Param(P.INTEGER, "Network rate in Mb/s") = None,
                                  rootdisksize: Param(P.LONG, "Root disk size in GB") = None,
                                  storagetype: Param(P.STRING, "shared or local") = "shared",
                                  provisioningtype: Param(P.STRING, "thin, sparse or fat") = "thin",
                                  diskofferingid: Param(P.UUID, "Disk offering for the root disk",
                                                        entity="DiskOffering") = None,
                                  diskofferingstrictness: Param(P.BOOLEAN, "The disk offering cannot change") = False,
                                  encryptroot: Param(P.BOOLEAN, "Encrypt root disks") = False,
                                  cachemode: Param(P.STRING, "Disk cache mode") = None,
                                  customizediops: Param(P.BOOLEAN, "The caller chooses IOPS") = None,
                                  hypervisorsnapshotreserve: Param(P.INTEGER, "Snapshot reserve (%)") = None,
                                  maxiops: Param(P.LONG, "Most IOPS") = None, miniops: Param(P.LONG, "Least IOPS") = None,
                                  storagepolicy: Param(P.UUID, "vSphere storage policy", entity="StoragePolicy") = None,
                                  bytesreadrate: _L = None, bytesreadratemax: _L = None,
                                  bytesreadratemaxlength: _L = None, byteswriterate: _L = None,
                                  byteswriteratemax: _L = None, byteswriteratemaxlength: _L = None,
                                  iopsreadrate: _L = None, iopsreadratemax: _L = None,
                                  iopsreadratemaxlength: _L = None, iopswriterate: _L = None,
                                  iopswriteratemax: _L = None, iopswriteratemaxlength: _L = None):
    fixed = (cpunumber, cpuspeed, memory)
    custom = customized if customized is not None else all(v is None for v in fixed)
    if not custom and any(v is None for v in fixed):
        raise invalid_value("For creating a custom compute offering cpu, cpu speed and memory all should be null")
    _positive("cpu number value", cpunumber)
    _positive("cpu speed value", cpuspeed)
    if memory is not None and memory < 32:
        raise invalid_value("Failed to create service offering: specify the memory value between 32 and "
                            f"{2 ** 31 - 1} MB")
    for low, high, what in ((mincpunumber, maxcpunumber, "cpu number"), (minmemory, maxmemory, "memory")):
        if low is not None and high is not None and low > high:
            raise invalid_value(f"Minimum {what} should be less than or equal to maximum {what}")
    if storagetype.lower() not in ("shared", "local"):
        raise invalid_value(f"Invalid storage type {storagetype} specified, valid types are: 'local' and 'shared'")
    if provisioningtype.lower() not in ("thin", "sparse", "fat"):
        raise invalid_value(f"Invalid provisioning type {provisioningtype}")
    if not ctx.is_root_admin and not domainid:
        raise invalid_value("Unable to create public service offering by admin of a non-root domain")
    details = P.flatten(serviceofferingdetails)
    async with ctx.db.transaction() as conn:
        offering_id = await conn.fetchval(
            "INSERT INTO service_offering (uuid, name, display_text, cpus, speed, memory, customized, min_cpus, "
            "max_cpus, min_memory, max_memory, ha_enabled, limit_cpu_use, is_volatile, host_tags, deployment_planner, "
            "dynamic_scaling, is_system, system_vm_type, network_rate, root_disk_size, storage_type, "
            "provisioning_type, storage_tags, encrypt_root, disk_offering_id, disk_offering_strict, details, "
            "domain_ids, zone_ids) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,"
            "$21,$22,$23,$24,$25,$26,$27,$28,$29,$30) RETURNING id",
            _uuid.uuid4(), name, displaytext, cpunumber, cpuspeed, memory, custom, mincpunumber, maxcpunumber,
            minmemory, maxmemory, offerha, limitcpuuse, isvolatile, hosttags, deploymentplanner,
            dynamicscalingenabled, issystem, systemvmtype, networkrate, rootdisksize, storagetype.lower(),
            provisioningtype.lower(), tags, encryptroot, diskofferingid["id"] if diskofferingid else None,
            diskofferingstrictness, details, [d["id"] for d in domainid or [] if not isinstance(d, str)],
            [z["id"] for z in zoneid or [] if not isinstance(z, str)])
        await events.record_event(conn, type="SERVICE.OFFERING.CREATE", description=f"Creating service offering {name}",
                                  user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                                  domain_id=ctx.caller.domain_id, resource_type="ServiceOffering",
                                  resource_name=name)
    return offering_entity(await store.get_service_offering(ctx.db, offering_id))


@command("listServiceOfferings", response=ServiceOfferingView, roles=ALL_ROLES, listing=("L", "D"),
         description="Lists compute offerings.")
async def list_service_offerings(ctx, *, listing,
                                 id: Param(P.UUID, "Only the offering with this ID", entity="ServiceOffering") = None,
                                 name: Param(P.STRING, "Only the offering with this name") = None,
                                 issystem: Param(P.BOOLEAN, "System VM offerings instead of guest ones") = False,
                                 systemvmtype: Param(P.STRING, "Only system offerings of this type") = None,
                                 virtualmachineid: Param(P.UUID, "Offerings this VM can change to",
                                                         entity="VirtualMachine") = None,
                                 zoneid: Param(P.UUID, "Only offerings usable in this zone", entity="Zone") = None,
                                 cpunumber: Param(P.INTEGER, "Only offerings that fit this many vCPUs", since="4.15") = None,
                                 cpuspeed: Param(P.INTEGER, "Only offerings that fit this speed", since="4.15") = None,
                                 memory: Param(P.INTEGER, "Only offerings that fit this much memory", since="4.15") = None,
                                 encryptroot: Param(P.BOOLEAN, "Only offerings that encrypt root disks",
                                                    since="4.18") = None):
    where, args = ["s.removed IS NULL", "s.state = 'Active'"], []
    _filter(where, args, bool(issystem), "s.is_system = ${}")
    _filter(where, args, id["id"] if id else None, "s.id = ${}")
    _filter(where, args, name, "lower(s.name) = lower(${})")
    _filter(where, args, systemvmtype, "lower(s.system_vm_type) = lower(${})")
    _filter(where, args, zoneid["id"] if zoneid else None, "(s.zone_ids = '{{}}' OR ${} = ANY(s.zone_ids))")
    _filter(where, args, encryptroot, "s.encrypt_root = ${}")
    for value, column, low, high in ((cpunumber, "cpus", "min_cpus", "max_cpus"),
                                     (memory, "memory", "min_memory", "max_memory")):
        _filter(where, args, value, f"(s.{column} = ${{0}} OR (s.customized AND coalesce(s.{low}, 0) <= ${{0}} "
                f"AND ${{0}} <= coalesce(s.{high}, 2147483647)))")
    _filter(where, args, cpuspeed, "(s.speed IS NULL OR s.speed >= ${})")
    if not ctx.is_root_admin:
        # Offerings limited to domains are seen from those domains (and their sub-domains).
        args.append(ctx.caller.domain_path)
        where.append(f"(s.domain_ids = '{{}}' OR EXISTS (SELECT 1 FROM domain od WHERE od.id = ANY(s.domain_ids) "
                     f"AND ${len(args)} LIKE od.path || '%'))")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "(s.name ILIKE ${0} OR s.display_text ILIKE ${0})")
    rows, total = await _page(ctx, store.SERVICE_OFFERING_SELECT, "s", where, args, listing, "s.sort_key, s.id")
    return ListResult([offering_entity(o) for o in rows], total, "serviceoffering")


@command("updateServiceOffering", response=ServiceOfferingView, roles=ADMIN_ROLES,
         description="Renames a compute offering or changes its tags, domains, zones or order.")
async def update_service_offering(ctx, *,
                                  id: Param(P.UUID, "The offering", entity="ServiceOffering"),
                                  displaytext: Param(P.STRING, "New description") = None,
                                  name: Param(P.STRING, "New name") = None,
                                  sortkey: Param(P.INTEGER, "Position in lists") = None,
                                  hosttags: Param(P.STRING, "New host tags", since="4.16") = None,
                                  storagetags: Param(P.STRING, "New storage tags", since="4.16") = None,
                                  domainid: Param(P.STRING, "Comma-separated domain IDs, or public") = None,
                                  zoneid: Param(P.STRING, "Comma-separated zone IDs, or all") = None):
    sets = {k: v for k, v in {"display_text": displaytext, "name": name, "sort_key": sortkey,
                              "host_tags": hosttags if hosttags != "" else None,
                              "storage_tags": storagetags}.items() if v is not None}
    if hosttags == "":
        sets["host_tags"] = None
    for raw, column, table in ((domainid, "domain_ids", "domain"), (zoneid, "zone_ids", "zone")):
        if raw is None:
            continue
        ids = []
        if raw.lower() not in ("public", "all", ""):
            for item in raw.split(","):
                if not P.is_uuid(item.strip()):
                    raise invalid_value(f"Unable to find {table} by ID: {item}")
                found = await ctx.db.fetchval(f"SELECT id FROM {table} WHERE uuid = $1 AND removed IS NULL",
                                              _uuid.UUID(item.strip()))
                if found is None:
                    raise invalid_value(f"Unable to find {table} by ID: {item}")
                ids.append(found)
        sets[column] = ids
    await store.update_row(ctx.db, "service_offering", id["id"], sets)
    return offering_entity(await store.get_service_offering(ctx.db, id["id"]))


@command("deleteServiceOffering", roles=ADMIN_ROLES, description="Removes a compute offering.")
async def delete_service_offering(ctx, *, id: Param(P.UUID, "The offering", entity="ServiceOffering")):
    if id["default_use"]:
        raise invalid_value("Default service offerings cannot be deleted")
    await ctx.db.execute("UPDATE service_offering SET removed = now(), state = 'Inactive' WHERE id = $1", id["id"])
    return Success()


# ------------------------------------------------------------------------- disk offerings
class DiskOfferingView(View):
    object_name = "diskoffering"
    kind = "DiskOffering"
    fields = (
        F("id", "string", "the offering ID"), F("name", "string", "the offering name"),
        F("displaytext", "string", "the offering description"), F("disksize", "long", "size in GB"),
        F("created", "date", "when it was created"), F("iscustomized", "boolean", "true if the size is chosen at use"),
        F("storagetype", "string", "shared or local"), F("provisioningtype", "string", "thin, sparse or fat"),
        F("tags", "string", "storage tags"), F("displayoffering", "boolean", "shown to users"),
        F("disksizestrictness", "boolean", "the size cannot change"), F("encrypt", "boolean", "volumes are encrypted"),
        F("hasannotations", "boolean", "true if comments are attached"),
        F("domainid", "string", "domains it is limited to"), F("domain", "string", "names of those domains"),
        F("zoneid", "string", "zones it is limited to"), F("zone", "string", "names of those zones"),
    )


def disk_offering_entity(o):
    return DiskOfferingView.entity({
        "id": str(o["uuid"]), "name": o["name"], "displaytext": o["display_text"], "disksize": o["disk_size"] // GIB,
        "created": o["created"], "iscustomized": o["customized"], "storagetype": o["storage_type"],
        "provisioningtype": o["provisioning_type"], "tags": o["tags"], "displayoffering": o["display_offering"],
        "disksizestrictness": o["disk_size_strict"], "encrypt": o["encrypt"], "hasannotations": False, **_limits(o)})


@command("createDiskOffering", response=DiskOfferingView, roles=ADMIN_ROLES,
         description="Creates a disk offering for data volumes.")
async def create_disk_offering(ctx, *,
                               displaytext: Param(P.STRING, "Description of the offering"),
                               name: Param(P.STRING, "Name of the offering"),
                               disksize: Param(P.LONG, "Size in GB") = None,
                               customized: Param(P.BOOLEAN, "The size is chosen when a volume is made") = False,
                               disksizestrictness: Param(P.BOOLEAN, "The size cannot change") = False,
                               displayoffering: Param(P.BOOLEAN, "Show it to users") = True,
                               tags: Param(P.STRING, "Storage tags") = None,
                               storagetype: Param(P.STRING, "shared or local") = "shared",
                               provisioningtype: Param(P.STRING, "thin, sparse or fat") = "thin",
                               encrypt: Param(P.BOOLEAN, "Encrypt volumes") = False,
                               details: Param(P.MAP, "Offering details") = None,
                               domainid: Param(P.LIST, "Limit to these domains", item_type=P.UUID,
                                               entity="Domain") = None,
                               zoneid: Param(P.LIST, "Limit to these zones", item_type=P.UUID, entity="Zone") = None,
                               cachemode: Param(P.STRING, "Disk cache mode") = None,
                               customizediops: Param(P.BOOLEAN, "The caller chooses IOPS") = None,
                               hypervisorsnapshotreserve: Param(P.INTEGER, "Snapshot reserve (%)") = None,
                               maxiops: Param(P.LONG, "Most IOPS") = None, miniops: Param(P.LONG, "Least IOPS") = None,
                               storagepolicy: Param(P.UUID, "vSphere storage policy", entity="StoragePolicy") = None,
                               bytesreadrate: _L = None, bytesreadratemax: _L = None,
                               bytesreadratemaxlength: _L = None, byteswriterate: _L = None,
                               byteswriteratemax: _L = None, byteswriteratemaxlength: _L = None,
                               iopsreadrate: _L = None, iopsreadratemax: _L = None, iopsreadratemaxlength: _L = None,
                               iopswriterate: _L = None, iopswriteratemax: _L = None, iopswriteratemaxlength: _L = None):
    if not customized and (disksize is None or disksize <= 0):
        raise invalid_value("Disk size must be provided and greater than 0 unless the offering is customized")
    if customized and disksize:
        raise invalid_value("Disk size can't be specified for a customized disk offering")
    if storagetype.lower() not in ("shared", "local"):
        raise invalid_value(f"Invalid storage type {storagetype} specified, valid types are: 'local' and 'shared'")
    offering_id = await ctx.db.fetchval(
        "INSERT INTO disk_offering (uuid, name, display_text, disk_size, customized, disk_size_strict, "
        "display_offering, tags, storage_type, provisioning_type, encrypt, details, domain_ids, zone_ids, cache_mode) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id",
        _uuid.uuid4(), name, displaytext, (disksize or 0) * GIB, customized, disksizestrictness, displayoffering, tags,
        storagetype.lower(), provisioningtype.lower(), encrypt, P.flatten(details),
        [d["id"] for d in domainid or [] if not isinstance(d, str)],
        [z["id"] for z in zoneid or [] if not isinstance(z, str)], cachemode)
    return disk_offering_entity(await store.get_disk_offering(ctx.db, offering_id))


@command("listDiskOfferings", response=DiskOfferingView, roles=ALL_ROLES, listing=("L", "D"),
         description="Lists disk offerings.")
async def list_disk_offerings(ctx, *, listing,
                              id: Param(P.UUID, "Only the offering with this ID", entity="DiskOffering") = None,
                              name: Param(P.STRING, "Only the offering with this name") = None,
                              zoneid: Param(P.UUID, "Only offerings usable in this zone", entity="Zone") = None,
                              storageid: Param(P.UUID, "Offerings suitable for this pool", entity="StoragePool") = None,
                              volumeid: Param(P.UUID, "Offerings this volume can change to", entity="Volume") = None,
                              encrypt: Param(P.BOOLEAN, "Only offerings that encrypt", since="4.18") = None):
    where, args = ["o.removed IS NULL", "NOT o.compute_only", "o.state = 'Active'"], []
    _filter(where, args, id["id"] if id else None, "o.id = ${}")
    _filter(where, args, name, "lower(o.name) = lower(${})")
    _filter(where, args, zoneid["id"] if zoneid else None, "(o.zone_ids = '{{}}' OR ${} = ANY(o.zone_ids))")
    _filter(where, args, encrypt, "o.encrypt = ${}")
    if not ctx.is_admin:
        where.append("o.display_offering")
    if not ctx.is_root_admin:
        # Offerings limited to domains show only in those domains and below them.
        args.append(ctx.caller.domain_path)
        where.append(f"(o.domain_ids = '{{}}' OR EXISTS (SELECT 1 FROM domain od WHERE od.id = ANY(o.domain_ids) "
                     f"AND ${len(args)} LIKE od.path || '%'))")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "(o.name ILIKE ${0} OR o.display_text ILIKE ${0})")
    rows, total = await _page(ctx, store.DISK_OFFERING_SELECT, "o", where, args, listing, "o.sort_key, o.id")
    return ListResult([disk_offering_entity(o) for o in rows], total, "diskoffering")


@command("deleteDiskOffering", roles=ADMIN_ROLES, description="Removes a disk offering.")
async def delete_disk_offering(ctx, *, id: Param(P.UUID, "The offering", entity="DiskOffering")):
    await ctx.db.execute("UPDATE disk_offering SET removed = now(), state = 'Inactive' WHERE id = $1", id["id"])
    return Success()


# ------------------------------------------------------------------------- OS types
class OsTypeView(View):
    object_name = "ostype"
    kind = "GuestOs"
    fields = (F("id", "string", "the OS type ID"), F("oscategoryid", "string", "its category's ID"),
              F("oscategoryname", "string", "its category's name", since="4.19"),
              F("description", "string", "the OS name"), F("isuserdefined", "boolean", "true if added by an admin"),
              F("fordisplay", "boolean", "shown to users", since="4.19"))


class OsCategoryView(View):
    object_name = "oscategory"
    kind = "GuestOsCategory"
    fields = (F("id", "string", "the category ID"), F("name", "string", "the category name"))


@command("listOsTypes", response=OsTypeView, roles=ALL_ROLES, listing=("L",), description="Lists guest OS types.")
async def list_os_types(ctx, *, listing,
                        id: Param(P.UUID, "Only the OS type with this ID", entity="GuestOs") = None,
                        oscategoryid: Param(P.UUID, "Only OS types of this category", entity="GuestOsCategory") = None,
                        description: Param(P.STRING, "Only the OS type with this name") = None):
    where, args = ["g.removed IS NULL"], []
    _filter(where, args, id["id"] if id else None, "g.id = ${}")
    _filter(where, args, oscategoryid["id"] if oscategoryid else None, "g.category_id = ${}")
    _filter(where, args, description, "lower(g.display_name) = lower(${})")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "g.display_name ILIKE ${}")
    select = ("SELECT g.*, c.uuid AS category_uuid, c.name AS category_name FROM guest_os g "
              "JOIN guest_os_category c ON c.id = g.category_id")
    rows, total = await _page(ctx, select, "g", where, args, listing, "g.id")
    return ListResult([OsTypeView.entity({
        "id": str(g["uuid"]), "oscategoryid": str(g["category_uuid"]), "oscategoryname": g["category_name"],
        "description": g["display_name"], "isuserdefined": g["user_defined"], "fordisplay": g["for_display"],
    }) for g in rows], total, "ostype")


@command("listOsCategories", response=OsCategoryView, roles=ALL_ROLES, listing=("L",),
         description="Lists guest OS categories.")
async def list_os_categories(ctx, *, listing,
                             id: Param(P.UUID, "Only the category with this ID", entity="GuestOsCategory") = None,
                             name: Param(P.STRING, "Only the category with this name", since="3.0.1") = None):
    where, args = ["true"], []
    _filter(where, args, id["id"] if id else None, "c.id = ${}")
    _filter(where, args, name, "lower(c.name) = lower(${})")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "c.name ILIKE ${}")
    rows, total = await _page(ctx, "SELECT c.* FROM guest_os_category c", "c", where, args, listing, "c.id")
    return ListResult([OsCategoryView.entity({"id": str(c["uuid"]), "name": c["name"]}) for c in rows], total,
                      "oscategory")
