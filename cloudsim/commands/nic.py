"""listNics: the NICs of one VM."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command
from ..api.views import F, ListResult, View
from ..errors import invalid_value
from ..store import vm as store
from .vm import check_vm_access
from .vm_list import NicView, nic_row


class ListNicView(View):
    """The nic object of listNics (NicResponse); the public address fields came after 4.18."""
    object_name = "nic"
    fields = tuple(f for f in NicView.fields if f.name not in ("publicipid", "publicip")) + (
        F("adaptertype", "string", "NIC adapter type", since="4.14.0"),
        F("mtu", "integer", "MTU of the network", since="4.18.0"))


@command("listNics", response=ListNicView, roles=ALL_ROLES, listing=("L",), description="Lists the NICs of a VM.")
async def list_nics(ctx, *, listing,
                    virtualmachineid: Param(P.UUID, "The VM", entity="VirtualMachine"),
                    fordisplay: Param(P.BOOLEAN, "Display flag filter (admin)", since="4.4",
                                      roles=frozenset({"Admin"})) = None,
                    networkid: Param(P.UUID, "Only its NIC in this network", entity="Network") = None,
                    nicid: Param(P.UUID, "Only this NIC") = None):
    check_vm_access(ctx, virtualmachineid)
    rows = list(await store.nics_of(ctx.db, [virtualmachineid["id"]]))
    if networkid is not None:
        rows = [r for r in rows if r["network_id"] == networkid["id"]]
    if nicid is not None:
        rows = [r for r in rows if str(r["uuid"]) == str(nicid).lower()]
        if not rows:
            raise invalid_value(f"Unable to find nic with id {nicid}")
    items = [ListNicView.entity(nic_row(r) | {"mtu": 1500}) for r in rows]
    page = items[listing.offset:] if listing.limit is None else items[listing.offset:listing.offset + listing.limit]
    return ListResult(page, len(items), "nic")
