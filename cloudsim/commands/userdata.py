"""Registered user data: registerUserData, listUserData, deleteUserData."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import Param, command, register_entity
from ..api.views import F, ListResult, Success, SuccessView, View
from ..commands.account import domain_display_path
from ..core import userdata as core
from ..core.access import list_scope
from ..store import userdata as store

register_entity("UserData", store.get_userdata)


class UserDataView(View):
    object_name = "userdata"
    kind = "UserData"
    fields = (
        F("id", "string", "the user data ID"), F("name", "string", "the user data name"),
        F("accountid", "string", "the ID of the owner account"), F("account", "string", "the owner account"),
        F("projectid", "string", "the project owning the user data", since="4.19.1"),
        F("project", "string", "the name of that project", since="4.19.1"),
        F("domainid", "string", "the ID of the owner's domain"), F("domain", "string", "the name of the owner's domain"),
        F("domainpath", "string", "the path of the owner's domain", since="4.19.2.0"),
        F("userdata", "string", "the user data, base64-encoded"),
        F("params", "string", "comma-separated names of the variables the user data uses"),
        F("hasannotations", "boolean", "true if comments are attached"),
    )


def userdata_row(row) -> dict:
    return {"id": str(row["uuid"]), "name": row["name"], "accountid": str(row["account_uuid"]),
            "account": row["account_name"], "domainid": str(row["domain_uuid"]), "domain": row["domain_name"],
            "domainpath": domain_display_path(row["domain_path"]), "userdata": row["user_data"],
            "params": row["params"], "hasannotations": False}


_ACCOUNT = "Owner account of the user data; use with domainid"
_DOMAIN = "Domain of the owner account"
_PROJECT = "Project owning the user data"


# CloudStack publishes a success response for this command but answers with the stored object.
@command("registerUserData", response=SuccessView, since="4.18",
         description="Stores base64 user data under a name so VMs and templates can refer to it.")
async def register_user_data(ctx, *,
                             name: Param(P.STRING, "Name of the user data, unique in the account"),
                             userdata: Param(P.STRING, "The user data, base64-encoded; send larger blobs by POST",
                                             length=1048576),
                             params: Param(P.STRING, "Comma-separated names of variables in the user data") = None,
                             account: Param(P.STRING, _ACCOUNT) = None,
                             domainid: Param(P.UUID, _DOMAIN, entity="Domain") = None,
                             projectid: Param(P.UUID, _PROJECT, entity="Project") = None):
    row = await core.register_userdata(ctx.db, ctx.settings, ctx.caller, name=name, userdata=userdata, params=params,
                                       account=account, domain=domainid, project=projectid,
                                       http_method=ctx.http_method)
    return UserDataView.entity(userdata_row(row), ctx.is_root_admin)


@command("listUserData", response=UserDataView, listing=("L", "D", "Acc", "P"), since="4.18",
         description="Lists the registered user data the caller may see.")
async def list_user_data(ctx, *, listing,
                         id: Param(P.UUID, "Only the user data with this ID", entity="UserData") = None,
                         name: Param(P.STRING, "Only the user data with this name") = None):
    scope = await list_scope(ctx.db, ctx.caller, listing)
    rows, total = await store.search(ctx.db, scope, id=id["id"] if id else None, name=name, keyword=listing.keyword,
                                     limit=listing.limit, offset=listing.offset)
    return ListResult([UserDataView.entity(userdata_row(r), ctx.is_root_admin) for r in rows], total, "userdata")


@command("deleteUserData", since="4.18", description="Deletes registered user data no VM or template uses.")
async def delete_user_data(ctx, *,
                           id: Param(P.UUID, "The user data to delete", entity="UserData"),
                           account: Param(P.STRING, _ACCOUNT) = None,
                           domainid: Param(P.UUID, _DOMAIN, entity="Domain") = None,
                           projectid: Param(P.UUID, _PROJECT, entity="Project") = None):
    await core.delete_userdata(ctx.db, ctx.caller, id, account=account, domain=domainid, project=projectid)
    return Success()
