"""ISOs: registerIso (a real download into secondary storage), listIsos, updateIso, deleteIso."""
from __future__ import annotations

import datetime as _dt
import secrets
import uuid as _uuid
from urllib.parse import quote as urlquote

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command
from ..api.views import F, ListResult, Success, View
from ..core import download
from ..core import owner as owners
from ..errors import invalid_value, permission_denied
from ..store import events
from ..store import infra as store
from .template import TemplateView, _owned, delete_image, image_entities, list_images, register_image


class IsoView(TemplateView):
    object_name = "iso"
    kind = "Iso"
    fields = TemplateView.fields


async def iso_entities(ctx, rows, zone_id=None, ready_only=False, db=None) -> list:
    return await image_entities(ctx, rows, IsoView, zone_id, ready_only, db)


@command("registerIso", response=IsoView, roles=ALL_ROLES,
         description="Registers an ISO by URL; the server downloads it into secondary storage in the background.")
async def register_iso(ctx, *,
                       displaytext: Param(P.STRING, "Description of the ISO"),
                       name: Param(P.STRING, "Name of the ISO"),
                       url: Param(P.STRING, "HTTP or HTTPS URL of the ISO file", length=2048),
                       zoneid: Param(P.UUID, "Zone; -1 for every zone", entity="Zone", minus_one=True),
                       account: Param(P.STRING, "Owner account (with domainid)") = None,
                       bootable: Param(P.BOOLEAN, "VMs may boot from it") = True,
                       checksum: Param(P.STRING, "MD5 hex, or {SHA-256}hex etc.") = None,
                       directdownload: Param(P.BOOLEAN, "Download straight to hosts", since="4.11") = False,
                       domainid: Param(P.UUID, "Owner domain", entity="Domain") = None,
                       imagestoreuuid: Param(P.STRING, "Image store to use") = None,
                       isdynamicallyscalable: Param(P.BOOLEAN, "Carries the tools for live scaling") = False,
                       isextractable: Param(P.BOOLEAN, "May be downloaded again") = False,
                       isfeatured: Param(P.BOOLEAN, "Featured (admins only)") = False,
                       ispublic: Param(P.BOOLEAN, "Anyone may use it") = False,
                       ostypeid: Param(P.UUID, "Guest OS type (needed when bootable)", entity="GuestOs") = None,
                       passwordenabled: Param(P.BOOLEAN, "Takes a generated password", since="4.19") = False,
                       projectid: Param(P.UUID, "Owning project", entity="Project") = None):
    if not url.lower().startswith(("http://", "https://")):
        raise invalid_value(f"Unsupported scheme for url: {url}")
    if isfeatured and not ctx.is_admin:
        raise permission_denied("Only admins can create featured ISOs")
    if ispublic and not ctx.is_admin and not await ctx.settings.get("allow.public.user.templates"):
        raise invalid_value("Only private templates/ISO can be created.")
    if bootable and ostypeid is None:
        raise invalid_value("Please provide a valid guest OS type for a bootable ISO")
    try:
        download.parse_checksum(checksum)
    except ValueError as err:
        raise invalid_value(f"Invalid checksum {checksum}: {err}") from None
    owner = await owners.finalize_owner(ctx.db, ctx.caller, account, domainid, projectid)
    if zoneid == "-1":
        zone_ids = [r["id"] for r in await ctx.db.fetch("SELECT id FROM zone WHERE removed IS NULL ORDER BY id")]
    else:
        zone_ids = [zoneid["id"]]
    async with ctx.db.transaction() as conn:
        if await conn.fetchval("SELECT 1 FROM vm_template WHERE account_id = $1 AND lower(name) = lower($2) AND "
                               "removed IS NULL AND format = 'ISO'", owner["id"], name):
            raise invalid_value(f"An ISO with name {name} already exists for this account")
        image_id = await register_image(
            ctx, conn, name=name, displaytext=displaytext, url=url, fmt="ISO", hypervisor=None, zones=zone_ids,
            owner=owner, ostype=ostypeid, public=ispublic, featured=isfeatured, extractable=isextractable,
            bootable=bootable, passwordenabled=passwordenabled, sshkeyenabled=False, dynamic=isdynamicallyscalable,
            bits=64, requireshvm=True, checksum=checksum, templatetag=None, details={}, ready=False,
            status="Download Not Started", size=None, cross_zones=zoneid == "-1")
        await events.record_event(conn, type="ISO.CREATE", description=f"Registering ISO {name}",
                                  user_id=ctx.caller.user_id, account_id=owner["id"], domain_id=owner["domain_id"],
                                  resource_type="Iso", resource_name=name)
    # The answer shows the ISO as registered (not yet downloaded), whatever the download does next.
    rows = [await store.get_iso(ctx.db, image_id)]
    answer = ListResult(await iso_entities(ctx, rows), len(zone_ids), "iso")
    download.kick(ctx.app)
    return answer


@command("listIsos", response=IsoView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P", "T"),
         description="Lists ISOs by filter: featured, self, selfexecutable, sharedexecutable, executable, "
                     "community or all.")
async def list_isos(ctx, *, listing,
                    isofilter: Param(P.STRING, "featured, self, selfexecutable (default), sharedexecutable, "
                                     "executable, community or all") = "selfexecutable",
                    bootable: Param(P.BOOLEAN, "Only bootable (true) or only non-bootable (false) ISOs") = None,
                    hypervisor: Param(P.STRING, "Only ISOs usable on this hypervisor") = None,
                    id: Param(P.UUID, "Only the ISO with this ID", entity="Iso") = None,
                    ispublic: Param(P.BOOLEAN, "Only public (true) or only private (false) ISOs") = None,
                    isready: Param(P.BOOLEAN, "Only ready ISOs") = None,
                    name: Param(P.STRING, "Only ISOs with this name") = None,
                    showicon: Param(P.BOOLEAN, "Include resource icons") = False,
                    showremoved: Param(P.BOOLEAN, "Include removed ISOs") = False,
                    showunique: Param(P.BOOLEAN, "One row per ISO, not per zone", since="4.13.2") = False,
                    zoneid: Param(P.UUID, "Only copies in this zone", entity="Zone") = None):
    return await list_images(ctx, listing, iso=True, filter_name=isofilter, view=IsoView, id=id, name=name,
                             bootable=bootable, ispublic=ispublic, isready=isready, showremoved=showremoved,
                             showunique=showunique, zoneid=zoneid)


@command("updateIso", response=IsoView, roles=ALL_ROLES, description="Changes an ISO's name, description or flags.")
async def update_iso(ctx, *,
                     id: Param(P.UUID, "The ISO", entity="Iso"),
                     bootable: Param(P.BOOLEAN, "Bootable") = None,
                     cleanupdetails: Param(P.BOOLEAN, "Remove all details") = None,
                     details: Param(P.MAP, "ISO details") = None,
                     displaytext: Param(P.STRING, "New description") = None,
                     format: Param(P.STRING, "Image format (must stay ISO)") = None,
                     isdynamicallyscalable: Param(P.BOOLEAN, "Carries the tools for live scaling") = None,
                     isrouting: Param(P.BOOLEAN, "A routing image") = None,
                     name: Param(P.STRING, "New name") = None,
                     ostypeid: Param(P.UUID, "New guest OS type", entity="GuestOs") = None,
                     passwordenabled: Param(P.BOOLEAN, "Takes a generated password") = None,
                     requireshvm: Param(P.BOOLEAN, "Needs hardware virtualisation") = None,
                     sortkey: Param(P.INTEGER, "Position in lists") = None,
                     sshkeyenabled: Param(P.BOOLEAN, "Takes SSH keys") = None):
    if format is not None and format.upper() != "ISO":
        raise invalid_value("The format of an ISO cannot be changed")
    await _owned(ctx, id)
    changes = {"name": name, "display_text": displaytext, "bootable": bootable,
               "dynamically_scalable": isdynamicallyscalable, "password_enabled": passwordenabled,
               "requires_hvm": requireshvm, "sort_key": sortkey, "sshkey_enabled": sshkeyenabled,
               "is_routing": isrouting, "guest_os_id": ostypeid["id"] if ostypeid else None}
    sets = {k: v for k, v in changes.items() if v is not None}
    if cleanupdetails:
        sets["details"] = {}
    elif details is not None:
        sets["details"] = {**(id["details"] or {}), **P.flatten(details)}
    await store.update_row(ctx.db, "vm_template", id["id"], sets)
    return (await iso_entities(ctx, [await store.get_iso(ctx.db, id["id"])]))[0]


@command("deleteIso", roles=ALL_ROLES, is_async=True, job_instance="Iso",
         cmd_class="org.apache.cloudstack.api.command.user.iso.DeleteIsoCmd",
         description="Deletes an ISO from one zone or from all of them, with its downloaded file.")
async def delete_iso(ctx, *,
                     id: Param(P.UUID, "The ISO", entity="Iso"),
                     zoneid: Param(P.UUID, "Only this zone's copy", entity="Zone") = None):
    await _check_delete(ctx, id)
    gone = await delete_image(ctx, id, zoneid, "ISO.DELETE", "Iso")
    if gone:
        await download.cancel(ctx.app, id["id"])
    return Success()


async def _check_delete(ctx, iso) -> None:
    await _owned(ctx, iso)
    if await ctx.db.fetchval("SELECT 1 FROM vm_instance WHERE iso_id = $1 AND removed IS NULL LIMIT 1", iso["id"]):
        raise invalid_value("Unable to delete iso, as it's used by other vms")


@delete_iso.precheck_fn
async def _delete_check(ctx, *, id, zoneid=None):
    await _check_delete(ctx, id)
    return id["id"], str(id["uuid"])




# ------------------------------------------------------------------------- copy and extract
class ExtractView(View):
    object_name = "iso"
    fields = (F("id", "string", "the image ID"), F("name", "string", "the image name"),
              F("extractId", "string", "the extraction ID"), F("uploadpercentage", "integer", "upload progress"),
              F("status", "string", "extraction status"), F("accountid", "string", "the owner account"),
              F("resultstring", "string", "result text"), F("created", "date", "when it was extracted"),
              F("state", "string", "DOWNLOAD_URL_CREATED when the URL is ready"),
              F("storagetype", "string", "where it is stored"), F("zoneid", "string", "the zone"),
              F("zonename", "string", "the zone's name"), F("extractMode", "string", "HTTP_DOWNLOAD or FTP_UPLOAD"),
              F("url", "string", "where to download it"))


def _ready_zone(zones, zone_id=None):
    for z in zones:
        if z["ready"] and (zone_id is None or z["zone_id"] == zone_id):
            return z
    return None


@command("copyIso", response=IsoView, roles=ALL_ROLES, is_async=True, job_instance="Template",
         cmd_class="org.apache.cloudstack.api.command.user.iso.CopyIsoCmd",
         description="Makes a ready ISO available in more zones.")
async def copy_iso(ctx, *,
                   id: Param(P.UUID, "The ISO", entity="Iso"),
                   destzoneid: Param(P.UUID, "Zone to copy to", entity="Zone") = None,
                   destzoneids: Param(P.LIST, "Zones to copy to", item_type=P.UUID, entity="Zone", since="4.19") = None,
                   sourcezoneid: Param(P.UUID, "Zone to copy from", entity="Zone") = None):
    targets = await _copy_check(ctx, id=id, destzoneid=destzoneid, destzoneids=destzoneids, sourcezoneid=sourcezoneid,
                                targets_only=True)
    async with ctx.db.transaction() as conn:
        for zone in targets:
            await conn.execute(
                "INSERT INTO template_zone (template_id, zone_id) VALUES ($1, $2) ON CONFLICT (template_id, zone_id) "
                "DO UPDATE SET removed = NULL, ready = true, status = 'Download Complete', download_state = 'DOWNLOADED', "
                "download_pct = 100", id["id"], zone["id"])
        await events.record_event(conn, type="ISO.COPY", description=f"Copying ISO {id['name']}",
                                  user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                                  domain_id=ctx.caller.domain_id, resource_id=str(id["uuid"]), resource_type="Iso",
                                  resource_name=id["name"])
    entities = await iso_entities(ctx, [await store.get_iso(ctx.db, id["id"])], targets[0]["id"])
    return entities[0]


@copy_iso.precheck_fn
async def _copy_check(ctx, *, id, destzoneid=None, destzoneids=None, sourcezoneid=None, targets_only=False):
    await _owned(ctx, id)
    targets = list(destzoneids or []) + ([destzoneid] if destzoneid else [])
    if not targets:
        raise invalid_value("Please specify the destination zone with destzoneid or destzoneids")
    zones = await store.template_zones(ctx.db, [id["id"]])
    source = _ready_zone(zones, sourcezoneid["id"] if sourcezoneid else None)
    if source is None:
        raise invalid_value(f"ISO {id['name']} is not ready in the source zone, so it cannot be copied")
    if any(t["id"] == source["zone_id"] for t in targets):
        raise invalid_value("Please specify a destination zone different from the source zone")
    return targets if targets_only else (id["id"], str(id["uuid"]))


@command("extractIso", response=ExtractView, roles=ALL_ROLES, is_async=True, job_instance="Iso",
         cmd_class="org.apache.cloudstack.api.command.user.iso.ExtractIsoCmd",
         description="Gives a URL from which an extractable ISO can be downloaded for a while.")
async def extract_iso(ctx, *,
                      id: Param(P.UUID, "The ISO", entity="Iso"),
                      mode: Param(P.STRING, "HTTP_DOWNLOAD (FTP_UPLOAD is not offered)"),
                      url: Param(P.STRING, "Upload target for FTP_UPLOAD") = None,
                      zoneid: Param(P.UUID, "Zone holding the ISO", entity="Zone") = None):
    zone = await _extract_check(ctx, id=id, mode=mode, url=url, zoneid=zoneid, zone_only=True)
    token = secrets.token_urlsafe(24)
    ttl = int(await ctx.settings.get("extract.url.expiration.interval"))
    extract_uuid = _uuid.uuid4()
    await ctx.db.execute("INSERT INTO image_extract (token, uuid, image_id, zone_id, account_id, expires) "
                         "VALUES ($1, $2, $3, $4, $5, $6)", token, extract_uuid, id["id"], zone["zone_id"],
                         ctx.caller.account_id, ctx.clock.now() + _dt.timedelta(seconds=ttl))
    name = id["url"].rstrip("/").rsplit("/", 1)[-1] or "image.iso"
    base = ctx.app.api_base or f"http://{ctx.app.config.get('server', 'host')}:{ctx.app.config.get('server', 'port')}"
    return ExtractView.entity({
        "id": str(id["uuid"]), "name": id["name"], "extractId": str(extract_uuid), "uploadpercentage": 0,
        "status": "DOWNLOAD_URL_CREATED", "accountid": str(id["account_uuid"]), "created": ctx.clock.now(),
        "state": "DOWNLOAD_URL_CREATED", "storagetype": "Image", "zoneid": str(zone["zone_uuid"]),
        "zonename": zone["zone_name"], "extractMode": "HTTP_DOWNLOAD",
        "url": f"{base}/client/extract/{token}/{urlquote(name)}"})


@extract_iso.precheck_fn
async def _extract_check(ctx, *, id, mode, url=None, zoneid=None, zone_only=False):
    await _owned(ctx, id)
    if mode.upper() not in ("HTTP_DOWNLOAD", "FTP_UPLOAD"):
        raise invalid_value("Please specify a valid extract Mode: HTTP_DOWNLOAD, FTP_UPLOAD")
    if mode.upper() == "FTP_UPLOAD":
        raise invalid_value("FTP_UPLOAD is not supported; use HTTP_DOWNLOAD")
    if not id["extractable"] and not ctx.is_admin:
        raise invalid_value(f"The ISO {id['uuid']} is not allowed to be extracted")
    zone = _ready_zone(await store.template_zones(ctx.db, [id["id"]]), zoneid["id"] if zoneid else None)
    if zone is None:
        raise invalid_value(f"The ISO {id['uuid']} is not ready in the zone, so it cannot be extracted")
    return zone if zone_only else (id["id"], str(id["uuid"]))


async def serve_extract(app, request):
    """GET /client/extract/<token>/<name>: the file behind an extractIso URL, while it is valid."""
    from aiohttp import web
    row = await app.db.fetchrow("SELECT * FROM image_extract WHERE token = $1", request.match_info["token"])
    if row is None or row["expires"] < app.clock.now():
        raise web.HTTPNotFound(text="This extract URL does not exist or has expired")
    files = [p for p in download.storage_dir(app, row["image_id"]).glob("*") if p.is_file() and p.suffix != ".part"]
    if not files:
        raise web.HTTPNotFound(text="The ISO file is no longer stored")
    return web.FileResponse(files[0], headers={"Content-Type": "application/octet-stream"})
