"""The VM state machine holds CloudStack's legal transitions and no others."""
import pytest

from cloudsim.core.vm_state import (RECOVERY_EVENT, TRANSITIONAL, TRANSITIONS, Event, IllegalTransition, State,
                                    emits_usage, legal_events, next_state)


def test_has_cloudstacks_54_transitions():
    assert len(TRANSITIONS) == 54


@pytest.mark.parametrize("start,events,end", [
    (State.STOPPED, [Event.START_REQUESTED, Event.OPERATION_SUCCEEDED], State.RUNNING),
    (State.RUNNING, [Event.STOP_REQUESTED, Event.OPERATION_SUCCEEDED], State.STOPPED),
    (State.STOPPED, [Event.DESTROY_REQUESTED, Event.RECOVERY_REQUESTED], State.STOPPED),
    (State.STOPPED, [Event.OPERATION_FAILED_TO_ERROR, Event.DESTROY_REQUESTED], State.EXPUNGING),
    (State.RUNNING, [Event.MIGRATION_REQUESTED, Event.OPERATION_FAILED], State.RUNNING),
    (State.STOPPED, [Event.START_REQUESTED, Event.OPERATION_FAILED], State.STOPPED),
])
def test_lifecycle_paths(start, events, end):
    state = start
    for event in events:
        state = next_state(state, event)
    assert state is end


def test_running_cannot_be_destroyed_without_stopping():
    with pytest.raises(IllegalTransition) as info:
        next_state(State.RUNNING, Event.DESTROY_REQUESTED)
    assert info.value.code == 530
    assert "Running" in info.value.text


def test_no_transition_reaches_unknown_or_shutdown():
    targets = {to for to, _ in TRANSITIONS.values()}
    assert State.UNKNOWN not in targets and State.SHUTDOWN not in targets


def test_every_transitional_state_has_a_way_out():
    for state in TRANSITIONAL:
        assert any(next_state(state, e) not in TRANSITIONAL for e in legal_events(state)) or state is State.EXPUNGING


def test_recovery_events_leave_the_transitional_state():
    for state, event in RECOVERY_EVENT.items():
        assert next_state(state, event) not in TRANSITIONAL


def test_usage_flags():
    assert emits_usage(State.STARTING, Event.OPERATION_SUCCEEDED)
    assert not emits_usage(State.RUNNING, Event.STOP_REQUESTED)
