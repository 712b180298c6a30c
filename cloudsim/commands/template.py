"""Templates: register, list, update, delete. ISOs live in the same table (format ISO)."""
from __future__ import annotations

import uuid as _uuid

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command, register_entity
from ..api.views import F, ListResult, Success, View
from ..core import owner as owners
from ..core.access import check_access
from ..core.image_filter import READY_ONLY, filter_sql
from ..core.tags import tag_entities, tags_clause
from ..errors import invalid_value, permission_denied
from ..hypervisors import canonical
from ..store import events
from ..store import infra as store
from .account import domain_display_path
from .zone import _filter

register_entity("Template", store.get_template)
register_entity("Iso", store.get_iso)
register_entity("VirtualMachineTemplate", store.get_image)

FORMATS = ("QCOW2", "RAW", "VHD", "OVA", "VHDX", "BAREMETAL", "VMDK", "VDI", "TAR", "ZIP", "DIR")
SIM_TEMPLATE_SIZE = 2 * 1024 ** 3    # what the simulator reports for a downloaded template


class TemplateView(View):
    object_name = "template"
    kind = "Template"
    fields = (
        F("id", "string", "the template ID"), F("name", "string", "the template name"),
        F("displaytext", "string", "the template description"), F("ispublic", "boolean", "true if anyone may use it"),
        F("created", "date", "when it was registered"), F("removed", "date", "when it was removed"),
        F("isready", "boolean", "true once it can be used in this zone"),
        F("passwordenabled", "boolean", "true if the image takes a generated password"),
        F("format", "string", "the image format"), F("bootable", "boolean", "true if bootable"),
        F("isfeatured", "boolean", "true if featured"), F("crossZones", "boolean", "true if in every zone"),
        F("ostypeid", "string", "its guest OS type"), F("ostypename", "string", "that OS type's name"),
        F("accountid", "string", "the owning account's ID"), F("account", "string", "the owning account"),
        F("zoneid", "string", "the zone of this copy"), F("zonename", "string", "that zone's name"),
        F("status", "string", "download status"), F("size", "long", "virtual size in bytes"),
        F("physicalsize", "long", "stored size in bytes"), F("templatetype", "string", "USER, BUILTIN, SYSTEM …"),
        F("hypervisor", "string", "hypervisor the image is for"), F("domain", "string", "the owner's domain"),
        F("domainpath", "string", "that domain's path", since="4.19.2.0"), F("domainid", "string", "its ID"),
        F("isextractable", "boolean", "true if it may be downloaded"), F("checksum", "string", "checksum of the file"),
        F("templatetag", "string", "template tag"), F("details", "map", "template details"),
        F("bits", "integer", "32 or 64", since="4.10"), F("sshkeyenabled", "boolean", "true if it takes SSH keys"),
        F("isdynamicallyscalable", "boolean", "true if it carries the tools for live scaling"),
        F("directdownload", "boolean", "true if downloaded straight to hosts"),
        F("deployasis", "boolean", "true if deployed as-is", since="4.15"),
        F("requireshvm", "boolean", "true if it needs hardware virtualisation"), F("url", "string", "source URL"),
        F("tags", "list", "resource tags"), F("hasannotations", "boolean", "true if comments are attached"),
    )


def image_row(t, zone=None, tags=()) -> dict:
    return {
        "id": str(t["uuid"]), "name": t["name"], "displaytext": t["display_text"], "ispublic": t["is_public"],
        "created": t["created"], "removed": t["removed"], "isready": bool(zone and zone["ready"]),
        "passwordenabled": t["password_enabled"], "format": t["format"], "bootable": t["bootable"],
        "isfeatured": t["featured"], "crossZones": t["cross_zones"],
        "ostypeid": str(t["os_uuid"]) if t["os_uuid"] else None, "ostypename": t["os_name"],
        "accountid": str(t["account_uuid"]), "account": t["account_name"],
        "zoneid": str(zone["zone_uuid"]) if zone else None, "zonename": zone["zone_name"] if zone else None,
        "status": zone["status"] if zone else None, "size": t["size"], "physicalsize": t["physical_size"],
        "templatetype": t["type"], "hypervisor": t["hypervisor"], "domain": t["domain_name"],
        "domainpath": domain_display_path(t["domain_path"]), "domainid": str(t["domain_uuid"]),
        "isextractable": t["extractable"], "checksum": t["checksum"], "templatetag": t["template_tag"],
        "details": t["details"] or None, "bits": t["bits"], "sshkeyenabled": t["sshkey_enabled"],
        "isdynamicallyscalable": t["dynamically_scalable"], "directdownload": t["direct_download"],
        "deployasis": t["deploy_as_is"], "requireshvm": t["requires_hvm"], "url": t["url"], "tags": list(tags),
        "hasannotations": False,
    }


async def image_entities(ctx, rows, view=None, zone_id: int | None = None, ready_only: bool = False,
                         db=None) -> list:
    """One entity per image and zone it is in (CloudStack lists a cross-zone image once per zone)."""
    view = view or TemplateView
    zones: dict[int, list] = {}
    for z in await store.template_zones(db or ctx.db, [t["id"] for t in rows]):
        zones.setdefault(z["template_id"], []).append(z)
    tags: dict = {}
    for kind, fmt in (("ISO", True), ("Template", False)):
        tags.update(await tag_entities(db or ctx.db, kind, [t["id"] for t in rows if (t["format"] == "ISO") == fmt]))
    out = []
    for t in rows:
        for z in zones.get(t["id"], [None]):
            if z is not None and ((zone_id is not None and z["zone_id"] != zone_id) or (ready_only and not z["ready"])):
                continue
            out.append(view.entity(image_row(t, z, tags.get(t["id"], ()))))
    return out


async def list_images(ctx, listing, *, iso: bool, filter_name: str, view, id=None, ids=None, name=None,
                      hypervisor=None, bootable=None, ispublic=None, isready=None, showremoved=False,
                      showunique=False, zoneid=None):
    """listTemplates and listIsos: the filter rules, the usual filters, one row per image and zone."""
    args: list = []
    where = ["t.format = 'ISO'" if iso else "t.format <> 'ISO'",
             await filter_sql(ctx.db, ctx.caller, listing, filter_name, args)]
    if not showremoved:
        where.append("t.removed IS NULL")
    _filter(where, args, id["id"] if id else None, "t.id = ${}")
    _filter(where, args, [t["id"] for t in ids] if ids else None, "t.id = ANY(${}::bigint[])")
    _filter(where, args, name, "lower(t.name) = lower(${})")
    _filter(where, args, hypervisor if not iso else None, "lower(t.hypervisor) = lower(${})")
    _filter(where, args, bootable, "t.bootable = ${}")
    _filter(where, args, ispublic, "t.is_public = ${}")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "(t.name ILIKE ${0} OR t.display_text ILIKE ${0})")
    if listing.tags:
        where.append(tags_clause("ISO" if iso else "Template", "t.id", listing.tags, args))
    ready_only = filter_name.lower() in READY_ONLY or bool(isready)
    zone_cond = ["tz.template_id = t.id", "tz.removed IS NULL"]
    if ready_only:
        zone_cond.append("tz.ready")
    if zoneid is not None:
        args.append(zoneid["id"])
        zone_cond.append(f"tz.zone_id = ${len(args)}")
    where.append(f"EXISTS (SELECT 1 FROM template_zone tz WHERE {' AND '.join(zone_cond)})")
    # One snapshot for the images and their zone rows: a download finishing between the two reads
    # must not show a ready image without its size.
    async with ctx.db.pool.acquire() as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await conn.fetch(store.TEMPLATE_SELECT + " WHERE " + " AND ".join(where)
                                    + " ORDER BY t.sort_key, t.id", *args)
            entities = await image_entities(ctx, rows, view, zoneid["id"] if zoneid else None, ready_only, conn)
    if showunique:
        seen: set = set()
        entities = [e for e in entities if not (e["id"] in seen or seen.add(e["id"]))]
    page = entities[listing.offset:] if listing.limit is None else entities[listing.offset:listing.offset + listing.limit]
    return ListResult(page, len(entities), view.object_name)


async def delete_image(ctx, image, zone, event_type: str, resource_type: str) -> bool:
    """Removes an image from one zone or all; True when no zone holds it any more."""
    async with ctx.db.transaction() as conn:
        if zone is not None:
            await conn.execute("UPDATE template_zone SET removed = now() WHERE template_id = $1 AND zone_id = $2",
                               image["id"], zone["id"])
        else:
            await conn.execute("UPDATE template_zone SET removed = now() WHERE template_id = $1", image["id"])
        gone = not await conn.fetchval("SELECT 1 FROM template_zone WHERE template_id = $1 AND removed IS NULL",
                                       image["id"])
        if gone:
            await conn.execute("UPDATE vm_template SET removed = now(), state = 'Inactive' WHERE id = $1", image["id"])
        await events.record_event(conn, type=event_type, description=f"Deleting {resource_type} {image['name']}",
                                  user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                                  domain_id=ctx.caller.domain_id, resource_id=str(image["uuid"]),
                                  resource_type=resource_type, resource_name=image["name"])
    return gone


async def register_image(ctx, conn, *, name, displaytext, url, fmt, hypervisor, zones, owner, ostype, public,
                         featured, extractable, bootable, passwordenabled, sshkeyenabled, dynamic, bits, requireshvm,
                         checksum, templatetag, details, ready: bool, status: str, size: int | None,
                         image_type: str = "USER", cross_zones: bool = False) -> int:
    image_id = await conn.fetchval(
        "INSERT INTO vm_template (uuid, unique_name, name, display_text, format, type, hypervisor, bits, url, "
        "checksum, is_public, featured, extractable, bootable, requires_hvm, password_enabled, sshkey_enabled, "
        "dynamically_scalable, cross_zones, template_tag, account_id, domain_id, guest_os_id, size, physical_size, "
        "details) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,"
        "$25,$26) RETURNING id",
        _uuid.uuid4(), _uuid.uuid4().hex, name, displaytext, fmt, image_type, hypervisor, bits, url, checksum, public,
        featured, extractable, bootable, requireshvm, passwordenabled, sshkeyenabled, dynamic, cross_zones,
        templatetag, owner["id"], owner["domain_id"], ostype["id"] if ostype else None, size, size, details)
    for zone_id in zones:
        await conn.execute("INSERT INTO template_zone (template_id, zone_id, status, download_state, download_pct, "
                           "ready) VALUES ($1, $2, $3, $4, $5, $6)", image_id, zone_id, status,
                           "DOWNLOADED" if ready else "NOT_DOWNLOADED", 100 if ready else 0, ready)
    return image_id


@command("registerTemplate", response=TemplateView, roles=ALL_ROLES,
         description="Registers a template from a URL; the simulator's secondary storage has it ready at once.")
async def register_template(ctx, *,
                            displaytext: Param(P.STRING, "Description of the template"),
                            format: Param(P.STRING, "Image format, e.g. VHD, QCOW2, OVA"),
                            hypervisor: Param(P.STRING, "Hypervisor the template is for"),
                            name: Param(P.STRING, "Name of the template"),
                            url: Param(P.STRING, "URL of the image", length=2048),
                            account: Param(P.STRING, "Owner account (with domainid)") = None,
                            bits: Param(P.INTEGER, "32 or 64") = 64,
                            checksum: Param(P.STRING, "Checksum of the image") = None,
                            deployasis: Param(P.BOOLEAN, "Deploy as-is (VMware)", since="4.15") = False,
                            details: Param(P.MAP, "Template details") = None,
                            directdownload: Param(P.BOOLEAN, "Download straight to hosts") = False,
                            domainid: Param(P.UUID, "Owner domain", entity="Domain") = None,
                            isdynamicallyscalable: Param(P.BOOLEAN, "The image carries tools for live scaling") = False,
                            isextractable: Param(P.BOOLEAN, "May be downloaded") = False,
                            isfeatured: Param(P.BOOLEAN, "Featured (admins only)") = False,
                            ispublic: Param(P.BOOLEAN, "Anyone may use it") = False,
                            isrouting: Param(P.BOOLEAN, "A routing template") = False,
                            ostypeid: Param(P.UUID, "Guest OS type", entity="GuestOs") = None,
                            passwordenabled: Param(P.BOOLEAN, "Takes a generated password") = False,
                            projectid: Param(P.UUID, "Owning project", entity="Project") = None,
                            requireshvm: Param(P.BOOLEAN, "Needs hardware virtualisation") = True,
                            sshkeyenabled: Param(P.BOOLEAN, "Takes SSH keys") = False,
                            templatetag: Param(P.STRING, "Template tag") = None,
                            zoneid: Param(P.UUID, "Zone; -1 for every zone", entity="Zone", minus_one=True) = None,
                            zoneids: Param(P.LIST, "Zones; -1 for every zone", item_type=P.UUID,
                                           entity="Zone", since="4.6", minus_one=True) = None):
    kind = canonical(hypervisor)
    if kind is None:
        raise invalid_value(f"Hypervisor Type: {hypervisor} is invalid. Supported Hypervisor types are "
                            "XenServer, KVM, VMware, Hyperv, Simulator …")
    fmt = next((f for f in FORMATS if f == format.upper()), None)
    if fmt is None:
        raise invalid_value(f"Image format: {format} is incorrect. Supported formats are {', '.join(FORMATS)}")
    if not url.lower().startswith(("http://", "https://")):
        raise invalid_value(f"Unsupported scheme for url: {url}")
    if isfeatured and not ctx.is_admin:
        raise permission_denied("Only admins can create featured templates")
    if ispublic and not ctx.is_admin and not await ctx.settings.get("allow.public.user.templates"):
        raise invalid_value("Only private templates/ISO can be created.")
    if ostypeid is None:
        raise invalid_value("Please provide a valid guest OS type for the template")
    owner = await owners.finalize_owner(ctx.db, ctx.caller, account, domainid, projectid)
    chosen = list(zoneids or []) + ([zoneid] if zoneid is not None else [])
    all_zones = not chosen or any(z == "-1" for z in chosen)
    if all_zones:
        zone_ids = [r["id"] for r in await ctx.db.fetch("SELECT id FROM zone WHERE removed IS NULL ORDER BY id")]
    else:
        zone_ids = [z["id"] for z in chosen]
    async with ctx.db.transaction() as conn:
        if await conn.fetchval("SELECT 1 FROM vm_template WHERE account_id = $1 AND lower(name) = lower($2) AND "
                               "removed IS NULL AND format <> 'ISO'", owner["id"], name):
            raise invalid_value(f"A template with name {name} already exists for this account")
        image_id = await register_image(
            ctx, conn, name=name, displaytext=displaytext, url=url, fmt=fmt, hypervisor=kind, zones=zone_ids,
            owner=owner, ostype=ostypeid, public=ispublic, featured=isfeatured, extractable=isextractable,
            bootable=True, passwordenabled=passwordenabled, sshkeyenabled=sshkeyenabled,
            dynamic=isdynamicallyscalable, bits=bits, requireshvm=requireshvm, checksum=checksum,
            templatetag=templatetag, details=P.flatten(details), ready=True, status="Download Complete",
            size=SIM_TEMPLATE_SIZE, cross_zones=all_zones)
        await events.record_event(conn, type="TEMPLATE.CREATE", description=f"Registering template {name}",
                                  user_id=ctx.caller.user_id, account_id=owner["id"], domain_id=owner["domain_id"],
                                  resource_type="Template", resource_name=name)
    rows = [await store.get_template(ctx.db, image_id)]
    return ListResult(await image_entities(ctx, rows), len(zone_ids), "template")


@command("listTemplates", response=TemplateView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P", "T"),
         description="Lists templates by filter: featured, self, selfexecutable, sharedexecutable, executable, "
                     "community or all.")
async def list_templates(ctx, *, listing,
                         templatefilter: Param(P.STRING, "featured, self, selfexecutable, sharedexecutable, "
                                               "executable, community or all"),
                         details: Param(P.LIST, "Detail groups: all, min", since="4.15") = None,
                         hypervisor: Param(P.STRING, "Only templates for this hypervisor") = None,
                         id: Param(P.UUID, "Only the template with this ID", entity="Template") = None,
                         ids: Param(P.LIST, "Only these templates", item_type=P.UUID, entity="Template",
                                    since="4.9") = None,
                         name: Param(P.STRING, "Only templates with this name") = None,
                         parenttemplateid: Param(P.UUID, "Only children of this template", entity="Template",
                                                 since="4.15") = None,
                         showicon: Param(P.BOOLEAN, "Include resource icons") = False,
                         showremoved: Param(P.BOOLEAN, "Include removed templates") = False,
                         showunique: Param(P.BOOLEAN, "One row per template, not per zone", since="4.13.2") = False,
                         zoneid: Param(P.UUID, "Only copies in this zone", entity="Zone") = None):
    return await list_images(ctx, listing, iso=False, filter_name=templatefilter, view=TemplateView, id=id, ids=ids,
                             name=name, hypervisor=hypervisor, showremoved=showremoved, showunique=showunique,
                             zoneid=zoneid)


async def _owned(ctx, template):
    check_access(ctx.caller, template["account_id"], template["domain_path"], "template " + template["name"])
    if template["type"] in ("SYSTEM", "BUILTIN") and not ctx.is_root_admin:
        raise permission_denied(f"Only root admins can change template {template['name']}")


@command("updateTemplate", response=TemplateView, roles=ALL_ROLES,
         description="Changes a template's name, description, OS type or flags.")
async def update_template(ctx, *,
                          id: Param(P.UUID, "The template", entity="Template"),
                          arch: Param(P.STRING, "CPU architecture", since="4.20") = None,
                          bootable: Param(P.BOOLEAN, "Bootable") = None,
                          cleanupdetails: Param(P.BOOLEAN, "Remove all details") = None,
                          details: Param(P.MAP, "Template details") = None,
                          displaytext: Param(P.STRING, "New description") = None,
                          format: Param(P.STRING, "Image format") = None,
                          isdynamicallyscalable: Param(P.BOOLEAN, "The image carries tools for live scaling") = None,
                          isrouting: Param(P.BOOLEAN, "A routing template") = None,
                          name: Param(P.STRING, "New name") = None,
                          ostypeid: Param(P.UUID, "New guest OS type", entity="GuestOs") = None,
                          passwordenabled: Param(P.BOOLEAN, "Takes a generated password") = None,
                          requireshvm: Param(P.BOOLEAN, "Needs hardware virtualisation") = None,
                          sortkey: Param(P.INTEGER, "Position in lists") = None,
                          sshkeyenabled: Param(P.BOOLEAN, "Takes SSH keys") = None,
                          templatetag: Param(P.STRING, "Template tag", since="4.16") = None,
                          templatetype: Param(P.STRING, "USER, BUILTIN, SYSTEM … (root admin)", since="4.16") = None):
    await _owned(ctx, id)
    sets: dict = {}
    for column, value in (("name", name), ("display_text", displaytext), ("bootable", bootable),
                          ("dynamically_scalable", isdynamicallyscalable), ("password_enabled", passwordenabled),
                          ("requires_hvm", requireshvm), ("sort_key", sortkey), ("sshkey_enabled", sshkeyenabled),
                          ("template_tag", templatetag), ("is_routing", isrouting), ("arch", arch)):
        if value is not None:
            sets[column] = value
    if format is not None:
        fmt = next((f for f in FORMATS if f == format.upper()), None)
        if fmt is None:
            raise invalid_value(f"Image format: {format} is incorrect. Supported formats are {', '.join(FORMATS)}")
        sets["format"] = fmt
    if templatetype is not None:
        if not ctx.is_root_admin:
            raise invalid_value("Parameter templatetype can only be specified by a Root Admin")
        sets["type"] = templatetype.upper()
    if ostypeid is not None:
        sets["guest_os_id"] = ostypeid["id"]
    if cleanupdetails:
        sets["details"] = {}
    elif details is not None:
        sets["details"] = {**(id["details"] or {}), **P.flatten(details)}
    await store.update_row(ctx.db, "vm_template", id["id"], sets)
    rows = [await store.get_template(ctx.db, id["id"])]
    return (await image_entities(ctx, rows))[0]


@command("updateTemplatePermissions", roles=ALL_ROLES,
         description="Makes a template public, featured or extractable, or shares it with accounts.")
async def update_template_permissions(ctx, *,
                                      id: Param(P.UUID, "The template", entity="Template"),
                                      accounts: Param(P.LIST, "Accounts to share with (names in the owner's domain)") = None,
                                      isextractable: Param(P.BOOLEAN, "May be downloaded") = None,
                                      isfeatured: Param(P.BOOLEAN, "Featured (admins only)") = None,
                                      ispublic: Param(P.BOOLEAN, "Anyone may use it") = None,
                                      op: Param(P.STRING, "add, remove or reset the shared accounts") = None,
                                      projectids: Param(P.LIST, "Projects to share with", item_type=P.UUID,
                                                        entity="Project") = None):
    await _owned(ctx, id)
    if isfeatured is not None and not ctx.is_admin:
        raise permission_denied("Only admins can set the featured flag")
    sets = {k: v for k, v in (("is_public", ispublic), ("featured", isfeatured), ("extractable", isextractable))
            if v is not None}
    if accounts and (op or "").lower() not in ("add", "remove", "reset"):
        raise invalid_value("Please specify a valid operation: add, remove or reset")
    async with ctx.db.transaction() as conn:
        await store.update_row(conn, "vm_template", id["id"], sets)
        if (op or "").lower() == "reset":
            await conn.execute("DELETE FROM template_permission WHERE template_id = $1", id["id"])
        for account_name in accounts or []:
            target = await conn.fetchval("SELECT id FROM account WHERE lower(name) = lower($1) AND domain_id = $2 "
                                         "AND removed IS NULL", account_name, id["domain_id"])
            if target is None:
                raise invalid_value(f"Unable to find account {account_name} in domain id={id['domain_uuid']}")
            if op.lower() == "add":
                await conn.execute("INSERT INTO template_permission (template_id, account_id) VALUES ($1, $2) "
                                   "ON CONFLICT DO NOTHING", id["id"], target)
            elif op.lower() == "remove":
                await conn.execute("DELETE FROM template_permission WHERE template_id = $1 AND account_id = $2",
                                   id["id"], target)
    return Success()


@command("deleteTemplate", roles=ALL_ROLES, is_async=True, job_instance="Template",
         cmd_class="org.apache.cloudstack.api.command.user.template.DeleteTemplateCmd",
         description="Deletes a template from one zone or from all of them.")
async def delete_template(ctx, *,
                          id: Param(P.UUID, "The template", entity="Template"),
                          forced: Param(P.BOOLEAN, "Delete even if VMs use it", since="4.9") = False,
                          zoneid: Param(P.UUID, "Only this zone's copy", entity="Zone") = None,
                          issystem: Param(P.BOOLEAN, "A system VM template", since="4.20") = None):
    await _owned(ctx, id)
    await delete_image(ctx, id, zoneid, "TEMPLATE.DELETE", "Template")
    return Success()


@delete_template.precheck_fn
async def _delete_check(ctx, *, id, forced=False, zoneid=None, issystem=None):
    await _owned(ctx, id)
    return id["id"], str(id["uuid"])
