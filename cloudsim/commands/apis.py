"""listApis and listCapabilities: what clients ask first."""
from __future__ import annotations

from .. import CLOUDSTACK_VERSION
from ..api import params as P
from ..api.registry import COMMANDS, Param, allowed, command, commands_for_entity, related_commands, visible
from ..api.views import Entity, F, ListResult, Obj, View
from ..errors import CloudStackError, INTERNAL_ERROR


class ApiParamView(View):
    object_name = "params"
    fields = (F("name", "string", "name of the parameter"), F("description", "string", "what it is for"),
              F("type", "string", "its CloudStack type"), F("length", "integer", "maximum length"),
              F("required", "boolean", "whether it must be given"), F("since", "string", "version it appeared in"),
              F("related", "string", "commands that list the entity it refers to"))


class ApiResponseFieldView(View):
    object_name = "response"
    fields = (F("name", "string", "name of the field"), F("description", "string", "what it holds"),
              F("type", "string", "its type"))


class ApiView(View):
    object_name = "api"
    kind = "Api"
    fields = (F("name", "string", "the command's name"), F("description", "string", "what the command does"),
              F("since", "string", "version the command appeared in"),
              F("isasync", "boolean", "true if the command runs as an async job"),
              F("related", "string", "commands returning the same kind of object"),
              F("params", "set", "the command's parameters", view=ApiParamView),
              F("response", "set", "the fields of the command's answer", view=ApiResponseFieldView))


def _describe(cmd, role: str, root_admin: bool) -> Entity:
    params = []
    for prm in cmd.params:
        if not visible(prm, role):
            continue
        item = Obj(name=prm.name, description=prm.description, type=prm.type, length=prm.length,
                   required=prm.required)
        if prm.since:
            item["since"] = prm.since
        if prm.entity:
            related = commands_for_entity(prm.entity)
            if related:
                item["related"] = related
        params.append(item)
    response = [Obj(r) for r in cmd.response.describe(root_admin)]
    row = {"name": cmd.name, "description": cmd.description, "since": cmd.since, "isasync": cmd.is_async,
           "related": related_commands(cmd), "params": params, "response": response}
    return ApiView.entity(row)


_CACHE: dict[str, list[Entity]] = {}


def api_list(role: str) -> list[Entity]:
    """Every command the role may call, described; built once per role."""
    if role not in _CACHE:
        root = role == "Admin"
        _CACHE[role] = [_describe(c, role, root) for c in sorted(COMMANDS.values(), key=lambda c: c.name)
                        if c.authenticated and allowed(c, role)]
    return _CACHE[role]


@command("listApis", response=ApiView, description="Lists the API commands the caller may use, with their "
         "parameters and response fields.", since="4.1.0")
async def list_apis(ctx, *, name: Param(P.STRING, "Only the command of this name") = None):
    apis = api_list(ctx.role)
    if name is not None:
        apis = [a for a in apis if a["name"] == name]
        if not apis:
            raise CloudStackError(INTERNAL_ERROR, "Api Discovery plugin was unable to find an api by that name "
                                  "or process any apis")
    return ListResult(apis, len(apis))


class CapabilityView(View):
    object_name = "capability"
    fields = (
        F("securitygroupsenabled", "boolean", "true if security groups are used by some network"),
        F("dynamicrolesenabled", "boolean", "true if permissions come from dynamic roles"),
        F("cloudstackversion", "string", "the CloudStack version the server presents"),
        F("userpublictemplateenabled", "boolean", "true if users may make templates public"),
        F("supportELB", "string", "elastic load balancing support"),
        F("projectinviterequired", "boolean", "true if project members join by invitation"),
        F("allowusercreateprojects", "boolean", "true if users may create projects"),
        F("customdiskofferingminsize", "long", "smallest custom disk size in GB"),
        F("customdiskofferingmaxsize", "long", "largest custom disk size in GB"),
        F("regionsecondaryenabled", "boolean", "true if region-wide secondary storage is enabled"),
        F("apilimitinterval", "integer", "API throttling window in seconds"),
        F("kvmsnapshotenabled", "boolean", "true if running KVM volumes may be snapshotted"),
        F("apilimitmax", "integer", "calls allowed per throttling window"),
        F("allowuserviewdestroyedvm", "boolean", "true if the caller may see destroyed VMs"),
        F("allowuserexpungerecovervm", "boolean", "true if the caller may expunge and recover VMs"),
        F("allowuserexpungerecovervolume", "boolean", "true if the caller may expunge and recover volumes"),
        F("allowuserviewalldomainaccounts", "boolean", "true if users may see every account of their domain"),
        F("allowuserforcestopvm", "boolean", "true if the caller may force-stop VMs", since="4.20.0"),
        F("kubernetesserviceenabled", "boolean", "true if the Kubernetes service is on"),
        F("kubernetesclusterexperimentalfeaturesenabled", "boolean", "true if experimental Kubernetes features are on"),
        F("customhypervisordisplayname", "string", "display name of the custom hypervisor", since="4.19.0"),
        F("defaultuipagesize", "long", "page size clients should use by default"),
        F("instancesstatsretentiontime", "integer", "minutes VM statistics are kept"),
        F("instancesstatsuseronly", "boolean", "true if only users' VM statistics are kept"),
        F("instancesdisksstatsretentionenabled", "boolean", "true if VM disk statistics are kept"),
        F("instancesdisksstatsretentiontime", "integer", "minutes VM disk statistics are kept"),
        F("dynamicscalingenabled", "boolean", "true if running VMs may be scaled in some zone", since="4.21.0"),
    )


@command("listCapabilities", response=CapabilityView, description="Lists what this cloud supports and allows.")
async def list_capabilities(ctx):
    s = ctx.settings.get_cached
    admin = ctx.is_admin
    throttled = s("api.throttling.enabled")
    row = {
        "securitygroupsenabled": bool(await ctx.db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM zone WHERE security_groups AND removed IS NULL)")),
        "dynamicrolesenabled": s("dynamic.role.enabled"),
        "cloudstackversion": CLOUDSTACK_VERSION if s("expose.cloudstack.version.api.list.capabilities") else None,
        "userpublictemplateenabled": s("allow.public.user.templates"),
        "supportELB": "false",
        "projectinviterequired": s("project.invite.required"),
        "allowusercreateprojects": s("allow.user.create.projects"),
        "customdiskofferingminsize": s("custom.diskoffering.size.min"),
        "customdiskofferingmaxsize": s("custom.diskoffering.size.max"),
        "regionsecondaryenabled": False,
        "apilimitinterval": s("api.throttling.interval") if throttled else None,
        "kvmsnapshotenabled": s("kvm.snapshot.enabled"),
        "apilimitmax": s("api.throttling.max") if throttled else None,
        "allowuserviewdestroyedvm": admin or s("allow.user.view.destroyed.vm"),
        "allowuserexpungerecovervm": admin or s("allow.user.expunge.recover.vm"),
        "allowuserexpungerecovervolume": admin,
        "allowuserviewalldomainaccounts": s("allow.user.view.all.domain.accounts"),
        "allowuserforcestopvm": admin or s("allow.user.force.stop.vm"),
        "kubernetesserviceenabled": False,
        "kubernetesclusterexperimentalfeaturesenabled": False,
        "customhypervisordisplayname": "Custom",
        "defaultuipagesize": s("default.ui.page.size"),
        "instancesstatsretentiontime": 720,
        "instancesstatsuseronly": False,
        "instancesdisksstatsretentionenabled": False,
        "instancesdisksstatsretentiontime": 720,
        "dynamicscalingenabled": s("enable.dynamic.scale.vm"),
    }
    return CapabilityView.entity(row)
