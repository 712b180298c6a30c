"""A singleton duty runs in one process at a time and moves when its holder goes away."""
import asyncio
import types

from cloudsim.jobs.duties import Duty
from tests.conftest import fresh_database


def _app(dsn, n):
    return types.SimpleNamespace(db=types.SimpleNamespace(dsn=dsn), ms_id=n, ms_uuid=f"ms{n}")


async def test_only_the_holder_runs_and_the_duty_moves_when_it_stops(pg_dsn, template_dsn):
    dsn = await fresh_database(pg_dsn)
    ran = []

    async def work(app):
        ran.append(app.ms_id)

    first, second = Duty(_app(dsn, 1), "test.duty", 60, work), Duty(_app(dsn, 2), "test.duty", 60, work)
    other = Duty(_app(dsn, 2), "test.other", 60, work)
    try:
        assert await first.run_once() is True
        assert await second.run_once() is False and await second.run_once() is False
        assert await other.run_once() is True        # another duty is another lock
        assert ran == [1, 2]
        await first.stop()                           # the holder goes: its session, and the lock, end
        assert await second.run_once() is True
        assert ran == [1, 2, 2] and second.held and not first.held
    finally:
        for duty in (first, second, other):
            await duty.stop()


async def test_a_duty_runs_on_its_interval_and_on_a_kick(pg_dsn, template_dsn):
    dsn = await fresh_database(pg_dsn)
    ran = asyncio.Event()

    async def work(app):
        ran.set()

    duty = Duty(_app(dsn, 1), "test.kick", 3600, work)
    await duty.start()
    try:
        await asyncio.wait_for(ran.wait(), 30)       # the first turn runs at start
        ran.clear()
        duty.kick()
        await asyncio.wait_for(ran.wait(), 30)
        assert duty.runs == 2
    finally:
        await duty.stop()
