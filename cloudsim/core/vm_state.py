"""The virtual machine state machine (COMMANDS.md section 3).

Every change of a VM's `state` goes through `next_state`: only CloudStack's legal transitions
exist, so `Starting`/`Stopping` are always left by a named event. The persisted change is a
compare-and-set (`UPDATE … WHERE state = <from>`), so two processes never both win.
"""
from __future__ import annotations

from enum import Enum

from ..errors import CloudStackError, INTERNAL_ERROR, CS_CONCURRENT_OPERATION


class State(str, Enum):
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    DESTROYED = "Destroyed"
    EXPUNGING = "Expunging"
    MIGRATING = "Migrating"
    ERROR = "Error"
    UNKNOWN = "Unknown"
    SHUTDOWN = "Shutdown"
    RESTORING = "Restoring"


class Event(str, Enum):
    START_REQUESTED = "StartRequested"
    STOP_REQUESTED = "StopRequested"
    DESTROY_REQUESTED = "DestroyRequested"
    RECOVERY_REQUESTED = "RecoveryRequested"
    AGENT_REPORT_STOPPED = "AgentReportStopped"
    AGENT_REPORT_RUNNING = "AgentReportRunning"
    AGENT_REPORT_SHUTDOWNED = "AgentReportShutdowned"
    AGENT_REPORT_MIGRATED = "AgentReportMigrated"
    MIGRATION_REQUESTED = "MigrationRequested"
    STORAGE_MIGRATION_REQUESTED = "StorageMigrationRequested"
    EXPUNGE_OPERATION = "ExpungeOperation"
    OPERATION_SUCCEEDED = "OperationSucceeded"
    OPERATION_FAILED = "OperationFailed"
    OPERATION_FAILED_TO_ERROR = "OperationFailedToError"
    OPERATION_RETRY = "OperationRetry"
    RESTORING_REQUESTED = "RestoringRequested"
    RESTORING_FAILED = "RestoringFailed"
    RESTORING_SUCCESS = "RestoringSuccess"
    FOLLOW_AGENT_POWER_ON_REPORT = "FollowAgentPowerOnReport"
    FOLLOW_AGENT_POWER_OFF_REPORT = "FollowAgentPowerOffReport"


class PowerState(str, Enum):
    UNKNOWN = "PowerUnknown"
    ON = "PowerOn"
    OFF = "PowerOff"
    REPORT_MISSING = "PowerReportMissing"


S, E = State, Event
# (from, event) -> (to, emits a usage record)
TRANSITIONS: dict[tuple[State, Event], tuple[State, bool]] = {
    (S.STOPPED, E.START_REQUESTED): (S.STARTING, False),
    (S.STOPPED, E.DESTROY_REQUESTED): (S.DESTROYED, True),
    (S.STOPPED, E.STOP_REQUESTED): (S.STOPPED, False),
    (S.STOPPED, E.AGENT_REPORT_STOPPED): (S.STOPPED, False),
    (S.STOPPED, E.OPERATION_FAILED_TO_ERROR): (S.ERROR, True),
    (S.STOPPED, E.OPERATION_FAILED): (S.STOPPED, False),
    (S.STOPPED, E.EXPUNGE_OPERATION): (S.EXPUNGING, True),
    (S.STOPPED, E.AGENT_REPORT_SHUTDOWNED): (S.STOPPED, False),
    (S.STOPPED, E.STORAGE_MIGRATION_REQUESTED): (S.MIGRATING, False),
    (S.STOPPED, E.RESTORING_REQUESTED): (S.RESTORING, False),
    (S.STOPPED, E.FOLLOW_AGENT_POWER_ON_REPORT): (S.RUNNING, True),
    (S.STOPPED, E.FOLLOW_AGENT_POWER_OFF_REPORT): (S.STOPPED, False),

    (S.STARTING, E.OPERATION_RETRY): (S.STARTING, False),
    (S.STARTING, E.OPERATION_SUCCEEDED): (S.RUNNING, True),
    (S.STARTING, E.OPERATION_FAILED): (S.STOPPED, False),
    (S.STARTING, E.AGENT_REPORT_RUNNING): (S.RUNNING, True),
    (S.STARTING, E.AGENT_REPORT_STOPPED): (S.STOPPED, False),
    (S.STARTING, E.AGENT_REPORT_SHUTDOWNED): (S.STOPPED, False),
    (S.STARTING, E.FOLLOW_AGENT_POWER_ON_REPORT): (S.RUNNING, True),
    (S.STARTING, E.FOLLOW_AGENT_POWER_OFF_REPORT): (S.STOPPED, False),

    (S.RUNNING, E.MIGRATION_REQUESTED): (S.MIGRATING, False),
    (S.RUNNING, E.AGENT_REPORT_RUNNING): (S.RUNNING, False),
    (S.RUNNING, E.AGENT_REPORT_STOPPED): (S.STOPPED, True),
    (S.RUNNING, E.STOP_REQUESTED): (S.STOPPING, False),
    (S.RUNNING, E.AGENT_REPORT_SHUTDOWNED): (S.STOPPED, True),
    (S.RUNNING, E.AGENT_REPORT_MIGRATED): (S.RUNNING, False),
    (S.RUNNING, E.OPERATION_SUCCEEDED): (S.RUNNING, False),
    (S.RUNNING, E.FOLLOW_AGENT_POWER_ON_REPORT): (S.RUNNING, False),
    (S.RUNNING, E.FOLLOW_AGENT_POWER_OFF_REPORT): (S.STOPPED, True),

    (S.STOPPING, E.OPERATION_SUCCEEDED): (S.STOPPED, True),
    (S.STOPPING, E.OPERATION_FAILED): (S.RUNNING, False),
    (S.STOPPING, E.AGENT_REPORT_RUNNING): (S.RUNNING, False),
    (S.STOPPING, E.AGENT_REPORT_STOPPED): (S.STOPPED, True),
    (S.STOPPING, E.STOP_REQUESTED): (S.STOPPING, False),
    (S.STOPPING, E.AGENT_REPORT_SHUTDOWNED): (S.STOPPED, True),
    (S.STOPPING, E.FOLLOW_AGENT_POWER_ON_REPORT): (S.RUNNING, False),
    (S.STOPPING, E.FOLLOW_AGENT_POWER_OFF_REPORT): (S.STOPPED, True),

    (S.MIGRATING, E.MIGRATION_REQUESTED): (S.MIGRATING, False),
    (S.MIGRATING, E.OPERATION_SUCCEEDED): (S.RUNNING, False),
    (S.MIGRATING, E.OPERATION_FAILED): (S.RUNNING, False),
    (S.MIGRATING, E.AGENT_REPORT_RUNNING): (S.RUNNING, False),
    (S.MIGRATING, E.AGENT_REPORT_STOPPED): (S.STOPPED, False),
    (S.MIGRATING, E.AGENT_REPORT_SHUTDOWNED): (S.STOPPED, False),
    (S.MIGRATING, E.FOLLOW_AGENT_POWER_ON_REPORT): (S.RUNNING, False),
    (S.MIGRATING, E.FOLLOW_AGENT_POWER_OFF_REPORT): (S.STOPPED, False),

    (S.DESTROYED, E.RECOVERY_REQUESTED): (S.STOPPED, True),
    (S.DESTROYED, E.EXPUNGE_OPERATION): (S.EXPUNGING, False),
    (S.DESTROYED, E.RESTORING_REQUESTED): (S.RESTORING, False),

    (S.EXPUNGING, E.OPERATION_FAILED): (S.EXPUNGING, False),
    (S.EXPUNGING, E.EXPUNGE_OPERATION): (S.EXPUNGING, False),

    (S.ERROR, E.DESTROY_REQUESTED): (S.EXPUNGING, False),
    (S.ERROR, E.EXPUNGE_OPERATION): (S.EXPUNGING, False),

    (S.RESTORING, E.RESTORING_SUCCESS): (S.STOPPED, False),
    (S.RESTORING, E.RESTORING_FAILED): (S.STOPPED, False),
}

TRANSITIONAL = frozenset({S.STARTING, S.STOPPING, S.MIGRATING, S.EXPUNGING, S.RESTORING})
# Where a VM stuck in a transitional state goes when the job that moved it there is lost.
RECOVERY_EVENT = {S.STARTING: E.OPERATION_FAILED, S.STOPPING: E.OPERATION_FAILED,
                  S.MIGRATING: E.OPERATION_FAILED, S.RESTORING: E.RESTORING_FAILED}


class IllegalTransition(CloudStackError):
    def __init__(self, state: State, event: Event):
        super().__init__(INTERNAL_ERROR, f"Unable to transition from state {state.value} on event {event.value}",
                         CS_CONCURRENT_OPERATION)
        self.state, self.event = state, event


def next_state(current: State | str, event: Event) -> State:
    state = State(current)
    try:
        return TRANSITIONS[(state, event)][0]
    except KeyError:
        raise IllegalTransition(state, event) from None


def emits_usage(current: State | str, event: Event) -> bool:
    return TRANSITIONS.get((State(current), event), (None, False))[1]


def legal_events(current: State | str) -> list[Event]:
    state = State(current)
    return [event for (origin, event) in TRANSITIONS if origin is state]


async def transition(conn, vm_id: int, current: State | str, event: Event, table: str = "vm_instance",
                     **columns) -> State | None:
    """Persist `current --event--> next` if the row is still in `current`; also sets extra columns.

    Returns the new state, or None when another actor changed the row first (caller decides).
    """
    new = next_state(current, event)
    sets = ["state = $3"] + [f"{name} = ${i}" for i, name in enumerate(columns, start=4)]
    done = await conn.fetchval(
        f"UPDATE {table} SET {', '.join(sets)}, state_updated = now() WHERE id = $1 AND state = $2 RETURNING id",
        vm_id, State(current).value, new.value, *columns.values())
    return new if done is not None else None
