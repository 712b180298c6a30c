"""Fault injection into the simulator: CloudStack's simulator API plus cloudsim's own faults.

configureSimulator makes an agent command (StartCommand, StopCommand …) fail, wait or answer a
canned reply within a scope, for `count` uses or until cleaned up; querySimulatorMock shows what
is left of a mock; cleanupSimulatorMock removes it. configureSimulatorHost makes a host stop (or
resume) answering; simulateGuestShutdown powers a VM off from inside the guest.
"""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ROOT_ONLY, Param, command
from ..api.views import F, Success, View
from ..core.agents import ping_hosts
from ..errors import invalid_value
from ..hypervisors import driver_for
from .host import host_entities, HostView
from ..store import infra as store


class SimulatorMockView(View):
    object_name = "simulatormock"
    fields = (F("id", "long", "the mock's ID"), F("zoneid", "long", "its zone scope"), F("podid", "long", "its pod scope"),
              F("clusterid", "long", "its cluster scope"), F("hostid", "long", "its host scope"),
              F("name", "string", "the agent command it acts on"), F("count", "integer", "uses left"))


def _mock_entity(m):
    return SimulatorMockView.entity({"id": m["id"], "zoneid": m["zone_id"], "podid": m["pod_id"],
                                     "clusterid": m["cluster_id"], "hostid": m["host_id"], "name": m["name"],
                                     "count": m["count"]})


@command("configureSimulator", response=SimulatorMockView, roles=ROOT_ONLY,
         description="Makes the simulator fail, delay or answer an agent command, within a scope.")
async def configure_simulator(ctx, *,
                              name: Param(P.STRING, "Agent command, e.g. StartCommand, StopCommand"),
                              value: Param(P.STRING, "result:fail, result:fault, wait:<ms>, enabled:false; "
                                                     "pairs joined by | or ;"),
                              zoneid: Param(P.UUID, "Zone scope", entity="Zone") = None,
                              podid: Param(P.UUID, "Pod scope", entity="Pod") = None,
                              clusterid: Param(P.UUID, "Cluster scope", entity="Cluster") = None,
                              hostid: Param(P.UUID, "Host scope", entity="Host") = None,
                              count: Param(P.INTEGER, "Active for this many uses; absent = until cleaned up") = None,
                              jsonresponse: Param(P.STRING, "A canned answer, {\"<class>\":{...}}", length=4096) = None):
    ids = [r["id"] if r else None for r in (zoneid, podid, clusterid, hostid)]
    async with ctx.db.transaction() as conn:
        existing = await conn.fetchval(
            "SELECT id FROM sim_mock WHERE NOT removed AND lower(name) = lower($1) AND zone_id IS NOT DISTINCT FROM $2 "
            "AND pod_id IS NOT DISTINCT FROM $3 AND cluster_id IS NOT DISTINCT FROM $4 "
            "AND host_id IS NOT DISTINCT FROM $5", name, *ids)
        if existing:
            await conn.execute("UPDATE sim_mock SET value = $2, count = $3, json_response = $4 WHERE id = $1",
                               existing, value, count, jsonresponse)
            mock_id = existing
        else:
            mock_id = await conn.fetchval(
                "INSERT INTO sim_mock (zone_id, pod_id, cluster_id, host_id, name, value, count, json_response) "
                "VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id", *ids, name, value, count, jsonresponse)
    return _mock_entity(await ctx.db.fetchrow("SELECT * FROM sim_mock WHERE id = $1", mock_id))


async def _mock(ctx, id: int):
    row = await ctx.db.fetchrow("SELECT * FROM sim_mock WHERE id = $1 AND NOT removed", id)
    if row is None:
        raise invalid_value(f"Unable to find simulator mock with id {id}")
    return row


@command("querySimulatorMock", response=SimulatorMockView, roles=ROOT_ONLY,
         description="Shows a simulator mock and how many uses it has left.")
async def query_simulator_mock(ctx, *, id: Param(P.LONG, "The mock's ID")):
    return _mock_entity(await _mock(ctx, id))


@command("cleanupSimulatorMock", roles=ROOT_ONLY, description="Removes a simulator mock.")
async def cleanup_simulator_mock(ctx, *, id: Param(P.LONG, "The mock's ID")):
    await _mock(ctx, id)
    await ctx.db.execute("UPDATE sim_mock SET removed = true WHERE id = $1", id)
    return Success()


@command("configureSimulatorHost", response=HostView, roles=ROOT_ONLY,
         description="cloudsim: makes a simulated host stop answering its management server, or answer again.")
async def configure_simulator_host(ctx, *,
                                   hostid: Param(P.UUID, "The simulated host", entity="Host"),
                                   responsive: Param(P.BOOLEAN, "false: the agent goes silent; true: it answers")):
    if hostid["hypervisor"] != "Simulator":
        raise invalid_value(f"Host {hostid['uuid']} is not a simulator host")
    await driver_for(ctx.app, "Simulator").set_host_responsive(hostid["guid"], responsive)
    await ping_hosts(ctx.app)
    return (await host_entities(ctx, [await store.get_host(ctx.db, hostid["id"])]))[0]


@command("simulateGuestShutdown", roles=ROOT_ONLY,
         description="cloudsim: the guest OS of a simulated VM powers itself off (by instance name).")
async def simulate_guest_shutdown(ctx, *, name: Param(P.STRING, "The VM's instance name, e.g. i-2-17-VM")):
    if not await driver_for(ctx.app, "Simulator").guest_shutdown(name):
        raise invalid_value(f"No running simulated VM is named {name}")
    return Success()
