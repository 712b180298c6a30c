"""Public IP addresses and static NAT (Basic zones with elastic IP), and the rule lists clients read.

associateIpAddress takes an elastic IP for an account; enableStaticNat points it at a VM (whose
system IP is then released); disableStaticNat and disassociateIpAddress undo that, and a VM of an
EIP zone gets a fresh system IP back. The rules behind it are core/public_ip.py's. Port
forwarding, IP forwarding and firewall rules do not exist in a Basic zone, but clients (Ansible's
cs_instance, Terraform) list them, so those lists answer — validated and empty.
"""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command, register_entity
from ..api.views import F, ListResult, Success, View
from ..core import public_ip as core
from ..core.access import check_access, list_scope
from ..core.owner import check_new_resource_owner, finalize_owner
from ..core.tags import tag_entities, tags_clause
from ..errors import invalid_value, param_error, permission_denied
from ..jobs.events import register_event_type
from ..store import events
from ..store import vm as vm_store

register_entity("IpAddress", core.get_ip)
register_event_type("disassociateIpAddress", "NET.IPRELEASE", "disassociating ip address")
register_event_type("enableStaticNat", "STATICNAT.ENABLE", "enabling static nat")


class IpAddressView(View):
    object_name = "ipaddress"
    kind = "IpAddress"
    fields = (
        F("id", "string", "the address ID"), F("ipaddress", "string", "the address"),
        F("allocated", "date", "when it was taken"), F("zoneid", "string", "its zone"),
        F("zonename", "string", "its zone's name"), F("issourcenat", "boolean", "true: source NAT address"),
        F("account", "string", "owner account"), F("projectid", "string", "owner project"),
        F("project", "string", "owner project's name"), F("domainid", "string", "owner domain ID"),
        F("domain", "string", "owner domain"), F("domainpath", "string", "owner domain path", since="4.19.2.0"),
        F("forvirtualnetwork", "boolean", "public (true) or direct guest (false) address"),
        F("vlanid", "string", "its IP range", admin_only=True), F("vlanname", "string", "its range's VLAN", admin_only=True),
        F("isstaticnat", "boolean", "true: statically NATed to a VM"),
        F("issystem", "boolean", "true: taken by the system for a VM (elastic IP zones)"),
        F("virtualmachineid", "string", "the VM it is NATed to"),
        F("vmipaddress", "string", "the VM address it is NATed to"),
        F("virtualmachinename", "string", "that VM's name"),
        F("virtualmachinedisplayname", "string", "that VM's display name"),
        F("associatednetworkid", "string", "the guest network it is associated with"),
        F("associatednetworkname", "string", "that network's name"),
        F("networkid", "string", "the network it belongs to"), F("networkname", "string", "that network's name",
                                                                         since="4.19.0"),
        F("state", "string", "Allocating, Allocated, Releasing, Reserved or Free"),
        F("physicalnetworkid", "string", "its physical network"),
        F("purpose", "string", "StaticNat or Lb for system addresses"),
        F("vpcid", "string", "its VPC"), F("vpcname", "string", "its VPC's name"),
        F("tags", "list", "its resource tags"),
        F("isportable", "boolean", "true: a region-wide portable address"),
        F("fordisplay", "boolean", "shown to its owner"),
        F("hasannotations", "boolean", "true if comments are attached"),
        F("hasrules", "boolean", "true if rules use it", since="4.19.0"),
    )


def ip_entity(ip, tags=(), root_admin: bool = True):
    from .account import domain_display_path
    public = ip["for_virtual_network"]
    row = {
        "id": str(ip["uuid"]), "ipaddress": ip["ip"], "allocated": ip["allocated"],
        "zoneid": str(ip["zone_uuid"]), "zonename": ip["zone_name"], "issourcenat": ip["source_nat"],
        "forvirtualnetwork": public, "vlanid": str(ip["vlan_uuid"]), "vlanname": ip["vlan_tag"],
        "isstaticnat": ip["one_to_one_nat"], "issystem": ip["is_system"], "state": ip["state"],
        "isportable": False, "fordisplay": ip["display"], "hasannotations": False, "hasrules": False,
        "tags": list(tags),
    }
    if ip["account_id"] is not None:
        row.update(account=ip["account_name"], domainid=str(ip["domain_uuid"]), domain=ip["domain_name"],
                   domainpath=domain_display_path(ip["domain_path"]))
    if ip["vm_uuid"] is not None:
        row.update(virtualmachineid=str(ip["vm_uuid"]), virtualmachinename=ip["vm_name"],
                   virtualmachinedisplayname=ip["vm_display_name"] or ip["vm_name"])
        if public and ip["one_to_one_nat"]:
            row["vmipaddress"] = ip["vm_ip"]
    if ip["associated_network_uuid"] is not None and public:
        row.update(associatednetworkid=str(ip["associated_network_uuid"]),
                   associatednetworkname=ip["associated_network_name"])
    if ip["is_system"]:
        row["purpose"] = "StaticNat" if ip["one_to_one_nat"] else "Lb"
    return IpAddressView.entity(row, root_admin)


async def _entity(ctx, ip_id: int):
    ip = await core.get_ip(ctx.db, ip_id)
    tags = await tag_entities(ctx.db, "PublicIpAddress", [ip_id])
    return ip_entity(ip, tags.get(ip_id, ()), ctx.is_root_admin)


def _check_ip_access(ctx, ip) -> None:
    if ip["account_id"] is None:
        raise invalid_value(f"Unable to find ip address by id {ip['uuid']}: it is not allocated")
    check_access(ctx.caller, ip["account_id"], ip["domain_path"], f"IP address {ip['uuid']}")


async def _event(conn, ctx, ip, type_: str, text: str) -> None:
    await events.record_event(conn, type=type_, description=text, user_id=ctx.caller.user_id,
                              account_id=ip["account_id"] or ctx.caller.account_id,
                              domain_id=ip["domain_id"] or ctx.caller.domain_id, resource_id=str(ip["uuid"]),
                              resource_type="IpAddress", resource_name=ip["ip"])


# ------------------------------------------------------------------------- associate / disassociate
async def _zone_for(ctx, zoneid, networkid, vpcid, isportable):
    if vpcid is not None:
        raise invalid_value(f"Unable to find VPC by id {vpcid}")
    if isportable:
        raise invalid_value("Unable to acquire a portable IP: no portable IP range is configured in the region")
    if networkid is not None:
        if networkid["zone_id"] is None:
            raise invalid_value("Invalid network id is given")
        zone = await ctx.db.fetchrow("SELECT * FROM zone WHERE id = $1", networkid["zone_id"])
        if zone["network_type"] == "Advanced" and networkid["guest_type"] == "Shared":
            raise invalid_value("Associate IP address can only be called on the shared networks in the advanced zone"
                                " with Firewall/Source Nat/Static Nat/Port Forwarding/Load balancing services enabled")
        return zone
    if zoneid is None:
        raise invalid_value("Unable to figure out zone to assign IP to. Please specify either zoneId, or networkId, "
                            "or vpcId in the call")
    return zoneid


async def _prepare_associate(ctx, kw):
    zone = await _zone_for(ctx, kw["zoneid"], kw["networkid"], kw["vpcid"], kw["isportable"])
    if kw["fordisplay"] is not None and not ctx.is_root_admin:
        raise permission_denied("Parameter fordisplay can only be specified by a Root Admin, permission denied")
    await check_new_resource_owner(ctx.db, kw["account"], kw["domainid"], kw["projectid"])
    owner = await finalize_owner(ctx.db, ctx.caller, kw["account"], kw["domainid"], kw["projectid"])
    if zone["allocation_state"] == "Disabled" and not ctx.is_root_admin:
        raise permission_denied(f"Cannot perform this operation, Zone is currently disabled: {zone['uuid']}")
    if kw["ipaddress"] is not None:
        import ipaddress as _ip
        try:
            _ip.ip_address(kw["ipaddress"])
        except ValueError:
            raise invalid_value(f"Invalid IP address {kw['ipaddress']}") from None
    return zone, owner


@command("associateIpAddress", response=IpAddressView, roles=ALL_ROLES, is_async=True, create=True,
         job_instance="IpAddress", cmd_class="org.apache.cloudstack.api.command.user.address.AssociateIPAddrCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.address.AssociateIPAddrCmdByAdmin",
         description="Acquires and associates a public IP to an account.")
async def associate_ip_address(
        ctx, *,
        account: Param(P.STRING, "Owner account (with domainid)") = None,
        domainid: Param(P.UUID, "Owner domain", entity="Domain") = None,
        fordisplay: Param(P.BOOLEAN, "Show it to the owner (root admin)", since="4.4") = None,
        ipaddress: Param(P.STRING, "This free public address", since="4.13") = None,
        isportable: Param(P.BOOLEAN, "A region-wide portable address") = None,
        networkid: Param(P.UUID, "The guest network to associate it with", entity="Network") = None,
        projectid: Param(P.UUID, "Owner project") = None,
        regionid: Param(P.INTEGER, "Region of a portable address") = None,
        vpcid: Param(P.UUID, "The VPC to associate it with") = None,
        zoneid: Param(P.UUID, "The zone to take it from", entity="Zone") = None):
    ip = await core.get_ip(ctx.db, ctx.job["instance_id"])
    if ip is None:
        raise invalid_value(f"Unable to find ip address by id {ctx.job['instance_uuid']}")
    return await _entity(ctx, ip["id"])


@associate_ip_address.precheck_fn
async def _associate_check(ctx, **kw):
    ctx.extra["associate"] = await _prepare_associate(ctx, kw)
    return None


@associate_ip_address.creates
async def _associate_create(ctx, **kw):
    zone, owner = ctx.extra.pop("associate", None) or await _prepare_associate(ctx, kw)
    async with ctx.db.transaction() as conn:
        try:
            ip = await core.allocate_ip(conn, zone_id=zone["id"], network_id=None, vm_id=None,
                                        account_id=owner["id"], domain_id=owner["domain_id"],
                                        requested=kw["ipaddress"], virtual=True)
        except core.CloudStackError as err:
            if kw["ipaddress"] is not None:
                raise
            raise core.CloudStackError(err.code, "Unable to find available public IP addresses",
                                       err.cserrorcode) from None
        network_id = kw["networkid"]["id"] if kw["networkid"] else None
        await conn.execute("UPDATE ip_address SET network_id = $2, display = $3 WHERE id = $1", ip["id"], network_id,
                           kw["fordisplay"] if kw["fordisplay"] is not None else True)
        row = await core.get_ip(conn, ip["id"])
        await _event(conn, ctx, row, "NET.IPASSIGN", f"Ip Id: {row['uuid']}")
    return ip["id"], str(ip["uuid"])


@command("disassociateIpAddress", roles=ALL_ROLES, is_async=True, job_instance="IpAddress",
         cmd_class="org.apache.cloudstack.api.command.user.address.DisassociateIPAddrCmd",
         description="Releases a public IP taken with associateIpAddress.")
async def disassociate_ip_address(ctx, *, id: Param(P.UUID, "The address to release", entity="IpAddress")):
    ip = await _check_release(ctx, id)
    async with ctx.db.transaction() as conn:
        vm_id = ip["vm_id"] if ip["one_to_one_nat"] else None
        await core.free(conn, ip["id"])
        await conn.execute("DELETE FROM resource_tag WHERE resource_type = 'PublicIpAddress' AND resource_id = $1",
                           ip["id"])
        if vm_id is not None:
            vm = await conn.fetchrow("SELECT * FROM vm_instance WHERE id = $1", vm_id)
            if vm["state"] == "Running" and await core.elastic_network(conn, ip["network_id"]) is not None:
                await core.assign_system_ip(conn, ctx.settings, vm)
        await _event(conn, ctx, ip, "NET.IPRELEASE", f"Ip Id: {ip['uuid']}")
    return Success()


async def _check_release(ctx, ip):
    _check_ip_access(ctx, ip)
    if ip["source_nat"]:
        raise param_error("ip address is used for source nat purposes and can not be disassociated.")
    if not ip["for_virtual_network"]:
        raise param_error("only ip addresses that belong to a virtual network may be disassociated.")
    if ip["is_system"]:
        raise invalid_value("Can't release system IP address with specified id")
    return ip


@disassociate_ip_address.precheck_fn
async def _disassociate_check(ctx, *, id):
    ip = await _check_release(ctx, id)
    return ip["id"], str(ip["uuid"])


# ------------------------------------------------------------------------- static NAT
@command("enableStaticNat", roles=ALL_ROLES, cmd_class="org.apache.cloudstack.api.command.user.nat.EnableStaticNatCmd",
         description="Enables static NAT for a public IP address and a VM.")
async def enable_static_nat(ctx, *,
                            ipaddressid: Param(P.UUID, "The public address", entity="IpAddress"),
                            virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine"),
                            networkid: Param(P.UUID, "The VM's network", entity="Network") = None,
                            vmguestip: Param(P.STRING, "A secondary guest address of the VM's NIC") = None):
    ip, vm = ipaddressid, virtualmachineid
    _check_ip_access(ctx, ip)
    check_access(ctx.caller, vm["account_id"], vm["domain_path"], f"VM instance {vm['uuid']}")
    if vm["account_id"] != ip["account_id"]:
        raise permission_denied(f"Unable to enable static nat for the ip address id={ip['uuid']} as ip and vm "
                                "belong to different accounts")
    if vm["state"] in ("Destroyed", "Expunging", "Error"):
        raise invalid_value(f"Can't enable static nat for the address {ip['ip']}, invalid virtual machine id "
                            f"specified ({vm['uuid']}).")
    if not ip["for_virtual_network"]:
        raise invalid_value(f"Unable to create static nat rule; ip id={ip['uuid']} doesn't exist in the system")
    if ip["source_nat"]:
        raise invalid_value(f"Can't enable static, ip address {ip['ip']} is a sourceNat ip address")
    if ip["one_to_one_nat"] and ip["vm_id"] is not None and ip["vm_id"] != vm["id"]:
        raise invalid_value(f"Failed to enable static for the ip address {ip['ip']} and vm id={vm['uuid']} as it's "
                            "already assigned to antoher vm")
    async with ctx.db.transaction() as conn:
        if networkid is not None:
            nic = await conn.fetchrow("SELECT * FROM nic WHERE vm_id = $1 AND network_id = $2 AND removed IS NULL",
                                      vm["id"], networkid["id"])
            if nic is None:
                raise invalid_value("Vm doesn't belong to the network with specified id")
        else:
            nic = await core.default_nic(conn, vm["id"])
            if nic is None:
                raise invalid_value("Vm doesn't belong to any network")
        if vmguestip is not None and vmguestip != nic["ip_address"]:
            raise invalid_value(f"VM ip {vmguestip} address not belongs to the vm")
        if not await core.supports_static_nat(conn, nic["network_id"]):
            raise invalid_value("Unable to create static nat rule; StaticNat service is not supported in network "
                                "with specified id")
        if ip["network_id"] is not None and ip["network_id"] != nic["network_id"]:
            raise invalid_value(f"Ip address {ip['ip']} is not assigned to the network {nic['network_id']}")
        await core.enable_static_nat(conn, ip, vm, nic)
        await _event(conn, ctx, ip, "STATICNAT.ENABLE", f"Enabled static nat for ip {ip['ip']} on vm {vm['uuid']}")
    return Success()


async def _check_disable(ctx, ip):
    _check_ip_access(ctx, ip)
    if not ip["one_to_one_nat"]:
        raise invalid_value("One to one nat is not enabled for the specified ip id")
    if ip["vm_id"] is None:
        raise invalid_value("Specified IP address id is not associated with any vm Id")


@command("disableStaticNat", roles=ALL_ROLES, is_async=True, job_instance="IpAddress",
         cmd_class="org.apache.cloudstack.api.command.user.nat.DisableStaticNatCmd",
         description="Disables static NAT for a public IP address.")
async def disable_static_nat(ctx, *, ipaddressid: Param(P.UUID, "The public address", entity="IpAddress")):
    ip = await core.get_ip(ctx.db, ipaddressid["id"])
    await _check_disable(ctx, ip)
    async with ctx.db.transaction() as conn:
        vm = await conn.fetchrow("SELECT * FROM vm_instance WHERE id = $1", ip["vm_id"])
        network = await core.elastic_network(conn, ip["network_id"])
        if network is not None and network["associate_public_ip"] and vm["state"] == "Running":
            # An EIP network hands the VM a fresh system IP; the elastic one is only unmapped.
            await core.assign_system_ip(conn, ctx.settings, vm, new=True)
        else:
            await core.disable_static_nat(conn, ip, release_system=False)
        await _event(conn, ctx, ip, "STATICNAT.DISABLE", f"Disabled static nat for ip {ip['ip']}")
    return Success()


@disable_static_nat.precheck_fn
async def _disable_check(ctx, *, ipaddressid):
    await _check_disable(ctx, ipaddressid)
    return ipaddressid["id"], str(ipaddressid["uuid"])


# ------------------------------------------------------------------------- listPublicIpAddresses
@command("listPublicIpAddresses", response=IpAddressView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P", "T"),
         response_name="listpublicipaddressesresponse",
         cmd_class="org.apache.cloudstack.api.command.user.address.ListPublicIpAddressesCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.address.ListPublicIpAddressesCmdByAdmin",
         description="Lists public IP addresses.")
async def list_public_ip_addresses(
        ctx, *, listing,
        allocatedonly: Param(P.BOOLEAN, "Only addresses that are taken (default true)") = None,
        associatednetworkid: Param(P.UUID, "Only addresses associated with this network", entity="Network") = None,
        fordisplay: Param(P.BOOLEAN, "Only addresses shown (true) or hidden from owners", since="4.4") = None,
        forloadbalancing: Param(P.BOOLEAN, "Only addresses used by load balancers") = None,
        forvirtualnetwork: Param(P.BOOLEAN, "Public (true) or direct guest (false) addresses") = None,
        id: Param(P.UUID, "Only this address", entity="IpAddress") = None,
        ipaddress: Param(P.STRING, "Only this address, by value") = None,
        issourcenat: Param(P.BOOLEAN, "Only source NAT addresses") = None,
        isstaticnat: Param(P.BOOLEAN, "Only statically NATed addresses") = None,
        networkid: Param(P.UUID, "Only addresses of this network", entity="Network", since="4.13.0") = None,
        physicalnetworkid: Param(P.UUID, "Only addresses of this physical network") = None,
        state: Param(P.STRING, "Only addresses in this state") = None,
        vlanid: Param(P.UUID, "Only addresses of this IP range", entity="VlanIpRange") = None,
        vpcid: Param(P.UUID, "Only addresses of this VPC") = None,
        zoneid: Param(P.UUID, "Only addresses of this zone", entity="Zone") = None):
    args: list = []
    allocated = True if allocatedonly is None else allocatedonly
    if state is not None and state not in ("Allocating", "Allocated", "Releasing", "Reserved", "Free"):
        raise invalid_value(f"Invalid state {state}: use Allocating, Allocated, Releasing, Reserved or Free")
    if state == "Free":
        allocated = False
    scope = await list_scope(ctx.db, ctx.caller, listing)
    owned = scope.sql("ip.account_id", "d.path", args)
    where = [f"({owned})" if not allocated and owned != "true" else owned]
    if not allocated:
        # Free addresses belong to no one; anyone listing them may see them.
        where[0] = f"({where[0]} OR ip.account_id IS NULL)"
    else:
        where.append("ip.account_id IS NOT NULL")
    if vpcid is not None or physicalnetworkid is not None or forloadbalancing:
        return ListResult([], 0, "publicipaddress")
    for value, clause in (
            (id["id"] if id else None, "ip.id = ${}"), (ipaddress, "host(ip.address) = ${}"),
            (zoneid["id"] if zoneid else None, "ip.zone_id = ${}"),
            (vlanid["id"] if vlanid else None, "ip.vlan_id = ${}"),
            (associatednetworkid["id"] if associatednetworkid else None, "ip.network_id = ${}"),
            (networkid["id"] if networkid else None, "coalesce(v.network_id, ip.network_id) = ${}"),
            # CloudStack lists public (VirtualNetwork) ranges unless forvirtualnetwork=false asks for guest ones.
            (True if forvirtualnetwork is None else forvirtualnetwork, "v.for_virtual_network = ${}"),
            (issourcenat, "ip.source_nat = ${}"),
            (isstaticnat, "ip.one_to_one_nat = ${}"), (state, "ip.state = ${}"),
            (fordisplay if ctx.is_root_admin else None, "ip.display = ${}")):
        if value is not None:
            args.append(value)
            where.append(clause.format(len(args)))
    if not ctx.is_root_admin:
        where.append("ip.display")
    if listing.keyword:
        args.append(f"%{listing.keyword}%")
        where.append(f"host(ip.address) LIKE ${len(args)}")
    if listing.tags:
        where.append(tags_clause("PublicIpAddress", "ip.id", listing.tags, args))
    sql_where = " WHERE " + " AND ".join(where)
    base = ("FROM ip_address ip JOIN vlan_ip_range v ON v.id = ip.vlan_id LEFT JOIN domain d ON d.id = ip.domain_id"
            + sql_where)
    total = await ctx.db.fetchval("SELECT count(*) " + base, *args)
    args += [listing.limit, listing.offset]
    ids = [r["id"] for r in await ctx.db.fetch(
        f"SELECT ip.id {base} ORDER BY ip.id LIMIT ${len(args) - 1} OFFSET ${len(args)}", *args)]
    rows = await ctx.db.fetch(core.IP_SELECT + " WHERE ip.id = ANY($1::bigint[]) ORDER BY ip.id", ids)
    tags = await tag_entities(ctx.db, "PublicIpAddress", ids)
    return ListResult([ip_entity(r, tags.get(r["id"], ()), ctx.is_root_admin) for r in rows], total, "publicipaddress")


# ------------------------------------------------------------------------- the rule lists (empty)
class FirewallRuleView(View):
    object_name = "firewallrule"
    kind = "FirewallRule"
    fields = (F("id", "string", "the rule ID"), F("protocol", "string", "its protocol"),
              F("startport", "integer", "first port"), F("endport", "integer", "last port"),
              F("ipaddressid", "string", "its public address"), F("ipaddress", "string", "that address"),
              F("networkid", "string", "its network"), F("state", "string", "its state"),
              F("cidrlist", "string", "source CIDRs"), F("icmptype", "integer", "ICMP type"),
              F("icmpcode", "integer", "ICMP code"), F("tags", "list", "its resource tags"),
              F("fordisplay", "boolean", "shown to its owner"), F("destcidrlist", "string", "destination CIDRs"),
              F("traffictype", "string", "Ingress or Egress"))


class PortForwardingRuleView(View):
    object_name = "portforwardingrule"
    kind = "PortForwardingRule"
    fields = (F("id", "string", "the rule ID"), F("privateport", "string", "first private port"),
              F("privateendport", "string", "last private port"), F("protocol", "string", "its protocol"),
              F("publicport", "string", "first public port"), F("publicendport", "string", "last public port"),
              F("virtualmachineid", "string", "its VM"), F("virtualmachinename", "string", "that VM's name"),
              F("virtualmachinedisplayname", "string", "that VM's display name"),
              F("ipaddressid", "string", "its public address"), F("ipaddress", "string", "that address"),
              F("vmguestip", "string", "the VM address"), F("state", "string", "its state"),
              F("cidrlist", "string", "source CIDRs"), F("tags", "list", "its resource tags"),
              F("networkid", "string", "its network"), F("fordisplay", "boolean", "shown to its owner"))


async def _empty_rules(ctx, listing, ipaddressid, object_name: str):
    await list_scope(ctx.db, ctx.caller, listing)
    if ipaddressid is not None:
        _check_ip_access(ctx, ipaddressid)
    return ListResult([], 0, object_name)


@command("listFirewallRules", response=FirewallRuleView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P", "T"),
         cmd_class="org.apache.cloudstack.api.command.user.firewall.ListFirewallRulesCmd",
         description="Lists firewall rules (a Basic zone has none).")
async def list_firewall_rules(ctx, *, listing,
                              fordisplay: Param(P.BOOLEAN, "Only rules shown to owners", since="4.4") = None,
                              id: Param(P.UUID, "Only this rule") = None,
                              ipaddressid: Param(P.UUID, "Only rules of this address", entity="IpAddress") = None,
                              networkid: Param(P.UUID, "Only rules of this network", entity="Network",
                                               since="4.3") = None):
    return await _empty_rules(ctx, listing, ipaddressid, "firewallrule")


@command("listPortForwardingRules", response=PortForwardingRuleView, roles=ALL_ROLES,
         listing=("L", "D", "Acc", "P", "T"),
         cmd_class="org.apache.cloudstack.api.command.user.firewall.ListPortForwardingRulesCmd",
         description="Lists port forwarding rules (a Basic zone has none).")
async def list_port_forwarding_rules(ctx, *, listing,
                                     fordisplay: Param(P.BOOLEAN, "Only rules shown to owners", since="4.4") = None,
                                     id: Param(P.UUID, "Only this rule") = None,
                                     ipaddressid: Param(P.UUID, "Only rules of this address",
                                                        entity="IpAddress") = None,
                                     networkid: Param(P.UUID, "Only rules of this network", entity="Network",
                                                      since="4.15") = None):
    return await _empty_rules(ctx, listing, ipaddressid, "portforwardingrule")


class IpForwardingRuleView(PortForwardingRuleView):
    object_name = "ipforwardingrule"
    kind = "IpForwardingRule"


@command("listIpForwardingRules", response=IpForwardingRuleView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P"),
         response_name="listipforwardingrulesresponse",
         cmd_class="org.apache.cloudstack.api.command.user.nat.ListIpForwardingRulesCmd",
         description="Lists IP forwarding (static NAT) rules (a Basic zone with elastic IP keeps none).")
async def list_ip_forwarding_rules(ctx, *, listing,
                                   id: Param(P.UUID, "Only this rule") = None,
                                   ipaddressid: Param(P.UUID, "Only rules of this address", entity="IpAddress") = None,
                                   virtualmachineid: Param(P.UUID, "Only rules of this VM",
                                                           entity="VirtualMachine") = None):
    if virtualmachineid is not None:
        check_access(ctx.caller, virtualmachineid["account_id"], virtualmachineid["domain_path"],
                     f"VM instance {virtualmachineid['uuid']}")
    return await _empty_rules(ctx, listing, ipaddressid, "ipforwardingrule")
