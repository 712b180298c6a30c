"""Global settings: listConfigurations and updateConfiguration."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ROOT_AND_DOMAIN, Param, command
from ..api.views import F, ListResult, View
from ..core.access import check_access, check_domain_access
from ..core.settings import CATALOGUE, validate
from ..errors import invalid_value
from ..store import events


class ConfigurationView(View):
    object_name = "configuration"
    fields = (
        F("category", "string", "the setting's category"), F("name", "string", "the setting's name"),
        F("value", "string", "its value in the scope asked for"),
        F("defaultvalue", "string", "its default", since="4.18.0"),
        F("scope", "string", "where overrides may be stored"), F("id", "long", "the ID of the scoped object"),
        F("description", "string", "what the setting does"), F("isdynamic", "boolean", "true if a change applies at once"),
        F("type", "string", "the value's type", since="4.18.0"),
    )

    # Note: CloudStack also returns UI grouping fields (group, subgroup, component, parent, options);
    # none of them is filled for the settings cloudsim serves.


# Scope parameters in the order CloudStack checks them, with the entity each names.
_SCOPE_PARAMS = (("zoneid", "Zone"), ("clusterid", "Cluster"), ("domainid", "Domain"), ("accountid", "Account"),
                 ("storageid", "StoragePool"), ("imagestoreuuid", "ImageStore"))


def _scope_of(ctx, given: dict) -> tuple[str, int] | None:
    chosen = [(scope, given[name]) for name, scope in _SCOPE_PARAMS if given.get(name) is not None]
    if len(chosen) > 1:
        raise invalid_value("cannot handle multiple IDs, provide only one ID corresponding to the scope")
    if not chosen:
        return None
    scope, row = chosen[0]
    if isinstance(row, str):
        raise invalid_value(f"Unable to find the {scope.lower()} with the ID {row}")
    if scope == "Account":
        check_access(ctx.caller, row["id"], row["domain_path"], "account " + row["name"])
    elif scope == "Domain":
        check_domain_access(ctx.caller, row)
    return scope, row["id"]


async def _entity(ctx, defn, scope) -> object:
    value = await ctx.settings.scoped_value(defn.name, scope) if scope else ctx.settings.raw(defn.name)
    row = {"category": defn.category, "name": defn.name, "value": value, "defaultvalue": defn.default,
           "scope": defn.scope, "id": scope[1] if scope else None, "description": defn.description,
           "isdynamic": defn.dynamic, "type": defn.type}
    if scope:
        row["scope"] = scope[0].lower()
    return ConfigurationView.entity(row)


def _scope_params():
    return {
        "zoneid": Param(P.UUID, "Values for this zone", entity="Zone"),
        "clusterid": Param(P.UUID, "Values for this cluster", entity="Cluster"),
        "storageid": Param(P.UUID, "Values for this primary storage pool", entity="StoragePool"),
        "accountid": Param(P.UUID, "Values for this account", entity="Account"),
        "domainid": Param(P.UUID, "Values for this domain", entity="Domain"),
        "imagestoreuuid": Param(P.UUID, "Values for this image store", entity="ImageStore"),
    }


_S = _scope_params()


@command("listConfigurations", response=ConfigurationView, roles=ROOT_AND_DOMAIN, listing=("L",),
         description="Lists global settings, or their values in one scope.")
async def list_configurations(ctx, *, listing,
                              category: Param(P.STRING, "Only settings of this category") = None,
                              name: Param(P.STRING, "Only settings whose name contains this") = None,
                              zoneid: _S["zoneid"] = None, clusterid: _S["clusterid"] = None,
                              storageid: _S["storageid"] = None, accountid: _S["accountid"] = None,
                              domainid: _S["domainid"] = None, imagestoreuuid: _S["imagestoreuuid"] = None,
                              group: Param(P.STRING, "Only settings of this UI group", since="4.18.0") = None,
                              subgroup: Param(P.STRING, "Only settings of this UI subgroup", since="4.18.0") = None,
                              parent: Param(P.STRING, "Only settings under this parent", since="4.18.0") = None):
    scope = _scope_of(ctx, {"zoneid": zoneid, "clusterid": clusterid, "storageid": storageid,
                            "accountid": accountid, "domainid": domainid, "imagestoreuuid": imagestoreuuid})
    defs = sorted(CATALOGUE.values(), key=lambda d: (d.category, d.name))
    if scope is not None:
        defs = [d for d in defs if scope[0] in d.scopes]
    if not ctx.is_root_admin:
        # Domain admins see the settings they may change: domain and account scoped ones.
        defs = [d for d in defs if {"Domain", "Account"} & set(d.scopes)]
    if category is not None:
        defs = [d for d in defs if d.category.lower() == category.lower()]
    if name is not None:
        defs = [d for d in defs if name.lower() in d.name.lower()]
    if listing.keyword:
        defs = [d for d in defs if listing.keyword.lower() in d.name.lower()]
    if group is not None or subgroup is not None or parent is not None:
        defs = []
    total = len(defs)
    page = defs[listing.offset:] if listing.limit is None else defs[listing.offset:listing.offset + listing.limit]
    return ListResult([await _entity(ctx, d, scope) for d in page], total, "configuration")


@command("updateConfiguration", response=ConfigurationView, roles=ROOT_AND_DOMAIN,
         description="Changes a setting, globally or in one scope.")
async def update_configuration(ctx, *,
                               name: Param(P.STRING, "The setting to change"),
                               value: Param(P.STRING, "The new value; empty or absent resets it", length=4096) = None,
                               zoneid: _S["zoneid"] = None, clusterid: _S["clusterid"] = None,
                               storageid: _S["storageid"] = None, accountid: _S["accountid"] = None,
                               domainid: _S["domainid"] = None, imagestoreuuid: _S["imagestoreuuid"] = None):
    defn = CATALOGUE.get(name)
    if defn is None:
        raise invalid_value(f"Config parameter with name {name} doesn't exist")
    scope = _scope_of(ctx, {"zoneid": zoneid, "clusterid": clusterid, "storageid": storageid,
                            "accountid": accountid, "domainid": domainid, "imagestoreuuid": imagestoreuuid})
    if not ctx.is_root_admin:
        if scope is None:
            scope = ("Domain", ctx.caller.domain_id)
        if scope[0] not in ("Domain", "Account"):
            raise invalid_value("Invalid scope id provided for the parameter " + name)
    if scope is not None and scope[0] not in defn.scopes:
        raise invalid_value("Invalid scope id provided for the parameter " + name)
    if value is None:
        return await _entity(ctx, defn, scope)
    stored = None if value == "" or value.lower() == "null" else value
    if stored is not None:
        validate(defn, stored)
    await ctx.settings.set(name, stored, scope)
    await events.record_event(ctx.db, type="CONFIGURATION.VALUE.EDIT",
                              description=f"Name: {name} New Value: {value}"
                              + (f" Scope: {scope[0]}" if scope else ""),
                              user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                              domain_id=ctx.caller.domain_id)
    return await _entity(ctx, defn, scope)
