"""Guest networks, IP ranges and security groups as a Basic zone needs them."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, ROOT_ONLY, Param, command, register_entity
from ..api.views import F, ListResult, Success, View
from ..core import network as core
from ..core.access import check_access, list_scope
from ..core.tags import tag_entities, tags_clause
from ..errors import invalid_value
from ..store import infra as store
from .account import domain_display_path
from .zone import _filter, _page

register_entity("Network", store.get_network)
register_entity("VlanIpRange", store.get_vlan)
register_entity("SecurityGroup", store.get_security_group)


class VlanIpRangeView(View):
    object_name = "vlan"
    kind = "VlanIpRange"
    fields = (
        F("id", "string", "the range ID"), F("forvirtualnetwork", "boolean", "public (true) or direct guest (false)"),
        F("zoneid", "string", "its zone"), F("vlan", "string", "VLAN tag"), F("account", "string", "dedicated account"),
        F("domainid", "string", "dedicated domain's ID"), F("domain", "string", "dedicated domain"),
        F("podid", "string", "its pod"), F("podname", "string", "its pod's name"),
        F("gateway", "string", "gateway"), F("netmask", "string", "netmask"), F("cidr", "string", "CIDR"),
        F("description", "string", "the range as text"), F("startip", "string", "first address"),
        F("endip", "string", "last address"), F("networkid", "string", "its network"),
        F("forsystemvms", "boolean", "reserved for system VMs"),
    )


def vlan_entity(v):
    import ipaddress
    cidr = str(ipaddress.ip_network(f"{v['gateway']}/{v['netmask']}", strict=False))
    return VlanIpRangeView.entity({
        "id": str(v["uuid"]), "forvirtualnetwork": v["for_virtual_network"], "zoneid": str(v["zone_uuid"]),
        "vlan": "vlan://" + v["vlan_tag"] if v["vlan_tag"] != "untagged" else "vlan://untagged",
        "account": v["account_name"], "domainid": str(v["domain_uuid"]) if v["domain_uuid"] else None,
        "domain": v["domain_name"], "podid": str(v["pod_uuid"]) if v["pod_uuid"] else None,
        "podname": v["pod_name"], "gateway": v["gateway"], "netmask": v["netmask"], "cidr": cidr,
        "description": f"{v['start_ip']}-{v['end_ip']}", "startip": str(v["start_ip"]), "endip": str(v["end_ip"]),
        "networkid": str(v["network_uuid"]) if v["network_uuid"] else None, "forsystemvms": v["for_system_vms"]})


@command("createVlanIpRange", response=VlanIpRangeView, roles=ROOT_ONLY,
         description="Adds a range of addresses to a zone's guest network or its public addresses.")
async def create_vlan_ip_range(ctx, *,
                               account: Param(P.STRING, "Dedicate to this account (with domainid)") = None,
                               domainid: Param(P.UUID, "Dedicate to this domain", entity="Domain") = None,
                               endip: Param(P.STRING, "Last address") = None,
                               endipv6: Param(P.STRING, "Last IPv6 address") = None,
                               forsystemvms: Param(P.BOOLEAN, "Reserve for system VMs") = False,
                               forvirtualnetwork: Param(P.BOOLEAN, "Public addresses (true) or direct guest") = None,
                               gateway: Param(P.STRING, "Gateway") = None,
                               ip6cidr: Param(P.STRING, "IPv6 CIDR") = None,
                               ip6gateway: Param(P.STRING, "IPv6 gateway") = None,
                               netmask: Param(P.STRING, "Netmask") = None,
                               networkid: Param(P.UUID, "The network", entity="Network") = None,
                               physicalnetworkid: Param(P.UUID, "The physical network",
                                                        entity="PhysicalNetwork") = None,
                               podid: Param(P.UUID, "The pod (Basic zones)", entity="Pod") = None,
                               projectid: Param(P.UUID, "Dedicate to this project", entity="Project") = None,
                               startip: Param(P.STRING, "First address") = None,
                               startipv6: Param(P.STRING, "First IPv6 address") = None,
                               vlan: Param(P.STRING, "VLAN tag") = None,
                               zoneid: Param(P.UUID, "The zone", entity="Zone") = None):
    if not (gateway and netmask and startip):
        raise invalid_value("Gateway, netmask and start IP are required to add an IPv4 range")
    zone = zoneid or (await store.get_zone(ctx.db, networkid["zone_id"]) if networkid else None)
    if zone is None:
        raise invalid_value("Please specify a valid zone or network")
    network = networkid
    if network is None and not forvirtualnetwork:
        network = await ctx.db.fetchrow(store.NETWORK_SELECT + " WHERE n.zone_id = $1 AND n.guest_type = 'Shared' "
                                        "AND n.removed IS NULL ORDER BY n.id LIMIT 1", zone["id"])
    virtual = bool(forvirtualnetwork) if forvirtualnetwork is not None else network is None
    owner = None
    if account is not None:
        if domainid is None:
            raise invalid_value("Please specify domainid with account")
        owner = await ctx.db.fetchrow("SELECT id FROM account WHERE lower(name) = lower($1) AND domain_id = $2 "
                                      "AND removed IS NULL", account, domainid["id"])
        if owner is None:
            raise invalid_value(f"Unable to find account {account} in domain {domainid['uuid']}")
    async with ctx.db.transaction() as conn:
        vlan_id = await core.add_range(conn, zone_id=zone["id"], pod_id=podid["id"] if podid else None,
                                       network_id=None if virtual else network["id"], gateway=gateway,
                                       netmask=netmask, startip=startip, endip=endip, vlan=vlan,
                                       for_virtual_network=virtual, account_id=owner["id"] if owner else None,
                                       domain_id=domainid["id"] if domainid else None)
    return vlan_entity(await store.get_vlan(ctx.db, vlan_id))


@command("listVlanIpRanges", response=VlanIpRangeView, roles=ROOT_ONLY, listing=("L",),
         description="Lists IP ranges.")
async def list_vlan_ip_ranges(ctx, *, listing,
                              account: Param(P.STRING, "Only ranges dedicated to this account") = None,
                              domainid: Param(P.UUID, "Only ranges dedicated to this domain", entity="Domain") = None,
                              forvirtualnetwork: Param(P.BOOLEAN, "Public (true) or direct (false) ranges") = None,
                              id: Param(P.UUID, "Only this range", entity="VlanIpRange") = None,
                              networkid: Param(P.UUID, "Only ranges of this network", entity="Network") = None,
                              physicalnetworkid: Param(P.UUID, "Only ranges of this physical network",
                                                       entity="PhysicalNetwork") = None,
                              podid: Param(P.UUID, "Only ranges of this pod", entity="Pod") = None,
                              projectid: Param(P.UUID, "Only ranges of this project", entity="Project") = None,
                              vlan: Param(P.STRING, "Only ranges with this VLAN tag") = None,
                              zoneid: Param(P.UUID, "Only ranges of this zone", entity="Zone") = None):
    where, args = ["v.removed IS NULL"], []
    _filter(where, args, id["id"] if id else None, "v.id = ${}")
    _filter(where, args, zoneid["id"] if zoneid else None, "v.zone_id = ${}")
    _filter(where, args, podid["id"] if podid else None, "v.pod_id = ${}")
    _filter(where, args, networkid["id"] if networkid else None, "v.network_id = ${}")
    _filter(where, args, forvirtualnetwork, "v.for_virtual_network = ${}")
    _filter(where, args, domainid["id"] if domainid else None, "v.domain_id = ${}")
    _filter(where, args, vlan, "v.vlan_tag = ${}")
    rows, total = await _page(ctx, store.VLAN_SELECT, "v", where, args, listing, "v.id")
    return ListResult([vlan_entity(v) for v in rows], total, "vlan")


@command("deleteVlanIpRange", roles=ROOT_ONLY, description="Removes an IP range none of whose addresses is in use.")
async def delete_vlan_ip_range(ctx, *, id: Param(P.UUID, "The range", entity="VlanIpRange")):
    async with ctx.db.transaction() as conn:
        await core.delete_range(conn, id)
    return Success()


# ------------------------------------------------------------------------- networks
class NetworkView(View):
    object_name = "network"
    kind = "Network"
    fields = (
        F("id", "string", "the network ID"), F("name", "string", "the network name"),
        F("displaytext", "string", "its description"), F("broadcastdomaintype", "string", "broadcast domain type"),
        F("traffictype", "string", "traffic type"), F("gateway", "string", "gateway"), F("netmask", "string", "netmask"),
        F("cidr", "string", "CIDR"), F("zoneid", "string", "its zone"), F("zonename", "string", "its zone's name"),
        F("networkofferingid", "string", "its offering"), F("networkofferingname", "string", "its offering's name"),
        F("networkofferingdisplaytext", "string", "its offering's description"),
        F("networkofferingconservemode", "boolean", "conserve mode"),
        F("networkofferingavailability", "string", "offering availability"), F("issystem", "boolean", "a system network"),
        F("state", "string", "Allocated, Setup or Implemented"), F("related", "string", "related network"),
        F("broadcasturi", "string", "broadcast URI"), F("dns1", "string", "first DNS"), F("dns2", "string", "second DNS"),
        F("type", "string", "Shared, Isolated or L2"), F("vlan", "string", "VLAN"), F("acltype", "string", "Domain or Account"),
        F("subdomainaccess", "boolean", "sub-domains may use it"), F("account", "string", "owner account"),
        F("domainid", "string", "owner domain's ID"), F("domain", "string", "owner domain"),
        F("service", "list", "network services and their providers"),
        F("networkdomain", "string", "DNS domain"), F("isdefault", "boolean", "the zone's default network"),
        F("specifyipranges", "boolean", "IP ranges are given by the admin"),
        F("canusefordeploy", "boolean", "VMs may be deployed in it"), F("ispersistent", "boolean", "persistent"),
        F("tags", "list", "resource tags"), F("displaynetwork", "boolean", "shown to users"),
        F("created", "date", "when it was created"), F("hasannotations", "boolean", "true if comments are attached"),
    )


async def network_entities(ctx, rows):
    from ..api.views import Obj
    out = []
    for n in rows:
        vlan = await ctx.db.fetchrow("SELECT gateway, netmask FROM vlan_ip_range WHERE network_id = $1 "
                                     "AND removed IS NULL ORDER BY id LIMIT 1", n["id"])
        cidr = None
        if vlan:
            import ipaddress
            cidr = str(ipaddress.ip_network(f"{vlan['gateway']}/{vlan['netmask']}", strict=False))
        services = [Obj(name=name, provider=[Obj(name=p) for p in providers])
                    for name, providers in (n["services"] or {}).items()]
        out.append(NetworkView.entity({
            "id": str(n["uuid"]), "name": n["name"], "displaytext": n["display_text"],
            "broadcastdomaintype": n["broadcast_domain"], "traffictype": n["traffic_type"],
            "gateway": vlan["gateway"] if vlan else n["gateway"], "netmask": vlan["netmask"] if vlan else None,
            "cidr": cidr or n["cidr"], "zoneid": str(n["zone_uuid"]), "zonename": n["zone_name"],
            "networkofferingid": str(n["offering_uuid"]), "networkofferingname": n["offering_name"],
            "networkofferingdisplaytext": n["offering_text"], "networkofferingconservemode": True,
            "networkofferingavailability": n["availability"], "issystem": n["is_system"],
            "state": n["state"], "related": str(n["uuid"]), "broadcasturi": n["broadcast_uri"],
            "dns1": n["dns1"] or n["zone_dns1"], "dns2": n["dns2"], "type": n["guest_type"], "vlan": n["vlan"],
            "acltype": n["acl_type"], "subdomainaccess": n["subdomain_access"], "account": n["account_name"],
            "domainid": str(n["domain_uuid"]), "domain": n["domain_name"], "service": services,
            "networkdomain": n["network_domain"], "isdefault": n["guest_type"] == "Shared",
            "specifyipranges": n["specify_ip_ranges"], "canusefordeploy": True, "ispersistent": False, "tags": [],
            "displaynetwork": True, "created": n["created"], "hasannotations": False}))
    return out


@command("listNetworks", response=NetworkView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P", "T"),
         description="Lists the networks the caller may use.")
async def list_networks(ctx, *, listing,
                        acltype: Param(P.STRING, "Account or Domain") = None,
                        associatednetworkid: Param(P.UUID, "Associated network", entity="Network",
                                                   since="4.17.0") = None,
                        canusefordeploy: Param(P.BOOLEAN, "Only networks VMs may join") = None,
                        displaynetwork: Param(P.BOOLEAN, "Only networks shown to users", since="4.4") = None,
                        forvpc: Param(P.BOOLEAN, "Only VPC tiers") = None,
                        id: Param(P.UUID, "Only this network", entity="Network") = None,
                        issystem: Param(P.BOOLEAN, "System networks") = None,
                        networkfilter: Param(P.STRING, "all, account, domain, accountdomain, shared, public",
                                             since="4.17.0") = None,
                        networkofferingid: Param(P.UUID, "Only networks of this offering", entity="NetworkOffering",
                                                 since="4.19.0") = None,
                        physicalnetworkid: Param(P.UUID, "Only this physical network's networks",
                                                 entity="PhysicalNetwork") = None,
                        restartrequired: Param(P.BOOLEAN, "Only networks needing a restart") = None,
                        showicon: Param(P.BOOLEAN, "Include resource icons") = False,
                        specifyipranges: Param(P.BOOLEAN, "Only networks with admin-given ranges") = None,
                        supportedservices: Param(P.LIST, "Only networks offering these services") = None,
                        traffictype: Param(P.STRING, "Only networks of this traffic type") = None,
                        type: Param(P.STRING, "Shared, Isolated or L2") = None,
                        vlan: Param(P.STRING, "Only networks on this VLAN", since="4.17.1") = None,
                        vpcid: Param(P.UUID, "Only tiers of this VPC", entity="Vpc") = None,
                        zoneid: Param(P.UUID, "Only networks of this zone", entity="Zone") = None):
    args: list = []
    # Shared networks with domain access are usable by every account below their domain.
    args.append(ctx.caller.domain_path)
    scope = await list_scope(ctx.db, ctx.caller, listing)
    owned = scope.sql("n.account_id", "d.path", args)
    where = ["n.removed IS NULL", f"((n.acl_type = 'Domain' AND $1 LIKE d.path || '%') OR {owned})"]
    _filter(where, args, id["id"] if id else None, "n.id = ${}")
    _filter(where, args, zoneid["id"] if zoneid else None, "n.zone_id = ${}")
    _filter(where, args, type, "lower(n.guest_type) = lower(${})")
    _filter(where, args, traffictype, "lower(n.traffic_type) = lower(${})")
    _filter(where, args, acltype, "lower(n.acl_type) = lower(${})")
    _filter(where, args, bool(issystem) if issystem is not None else False, "n.is_system = ${}")
    if forvpc or vpcid is not None:
        where.append("false")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "n.name ILIKE ${}")
    rows, total = await _page(ctx, store.NETWORK_SELECT, "n", where, args, listing, "n.id")
    return ListResult(await network_entities(ctx, rows), total, "network")


# ------------------------------------------------------------------------- security groups
class SecurityGroupView(View):
    object_name = "securitygroup"
    kind = "SecurityGroup"
    fields = (
        F("id", "string", "the group ID"), F("name", "string", "the group name"),
        F("description", "string", "its description"), F("account", "string", "owner account"),
        F("projectid", "string", "owner project"), F("project", "string", "owner project's name"),
        F("domainid", "string", "owner domain's ID"), F("domain", "string", "owner domain"),
        F("domainpath", "string", "owner domain's path", since="4.19.2.0"),
        F("ingressrule", "list", "ingress rules"), F("egressrule", "list", "egress rules"),
        F("tags", "list", "resource tags"), F("virtualmachinecount", "integer", "VMs in the group", since="4.14"),
        F("virtualmachineids", "set", "IDs of those VMs", since="4.14"),
    )


@command("listSecurityGroups", response=SecurityGroupView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P", "T"),
         description="Lists security groups.")
async def list_security_groups(ctx, *, listing,
                               id: Param(P.UUID, "Only this group", entity="SecurityGroup") = None,
                               securitygroupname: Param(P.STRING, "Only the group with this name") = None,
                               virtualmachineid: Param(P.UUID, "Only groups of this VM", entity="VirtualMachine") = None):
    async with ctx.db.transaction() as conn:
        await core.default_security_group(conn, ctx.caller.account_id, ctx.caller.domain_id)
    args: list = []
    where = [(await list_scope(ctx.db, ctx.caller, listing)).sql("g.account_id", "d.path", args)]
    _filter(where, args, id["id"] if id else None, "g.id = ${}")
    _filter(where, args, securitygroupname, "lower(g.name) = lower(${})")
    if virtualmachineid is not None:
        check_access(ctx.caller, virtualmachineid["account_id"], virtualmachineid["domain_path"],
                     f"VM instance {virtualmachineid['uuid']}")
        _filter(where, args, virtualmachineid["id"],
                "EXISTS (SELECT 1 FROM vm_security_group m WHERE m.security_group_id = g.id AND m.vm_id = ${})")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "g.name ILIKE ${}")
    if listing.tags:
        where.append(tags_clause("SecurityGroup", "g.id", listing.tags, args))
    rows, total = await _page(ctx, store.SECURITY_GROUP_SELECT, "g", where, args, listing, "g.id")
    ids = [g["id"] for g in rows]
    members: dict[int, list[str]] = {}
    for m in await ctx.db.fetch(
            "SELECT m.security_group_id, v.uuid FROM vm_security_group m JOIN vm_instance v ON v.id = m.vm_id "
            "WHERE m.security_group_id = ANY($1::bigint[]) AND v.removed IS NULL ORDER BY v.id", ids):
        members.setdefault(m["security_group_id"], []).append(str(m["uuid"]))
    tags = await tag_entities(ctx.db, "SecurityGroup", ids)
    return ListResult([SecurityGroupView.entity({
        "id": str(g["uuid"]), "name": g["name"], "description": g["description"], "account": g["account_name"],
        "domainid": str(g["domain_uuid"]), "domain": g["domain_name"],
        "domainpath": domain_display_path(g["domain_path"]), "ingressrule": [], "egressrule": [],
        "tags": tags.get(g["id"], []), "virtualmachinecount": len(members.get(g["id"], [])),
        "virtualmachineids": members.get(g["id"], [])}) for g in rows], total, "securitygroup")
