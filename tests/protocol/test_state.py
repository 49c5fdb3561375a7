"""The connection state machine: a table, and nothing but the table."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxws.protocol.exceptions import OkxStateError
from okxws.protocol.state import TRANSITIONS, ConnectionStateMachine, ConnEvent, ConnState


def test_happy_path_and_reconnect() -> None:
    sm = ConnectionStateMachine()
    for event, state in [
        (ConnEvent.CONNECT, ConnState.CONNECTING),
        (ConnEvent.OPENED, ConnState.CONNECTED),
        (ConnEvent.LOGIN, ConnState.AUTHENTICATING),
        (ConnEvent.AUTHENTICATED, ConnState.AUTHENTICATED),
        (ConnEvent.READY, ConnState.READY),
        (ConnEvent.NOTICE, ConnState.REPLACING),
        (ConnEvent.REPLACED, ConnState.READY),
        (ConnEvent.NOTICE, ConnState.REPLACING),
        (ConnEvent.REPLACE_FAILED, ConnState.READY),
        (ConnEvent.NOTICE, ConnState.REPLACING),
        (ConnEvent.LOST, ConnState.RECONNECTING),
        (ConnEvent.REPLACED, ConnState.READY),  # the replacement ended the reconnect
        (ConnEvent.LOST, ConnState.RECONNECTING),
        (ConnEvent.CONNECT, ConnState.CONNECTING),
        (ConnEvent.OPENED, ConnState.CONNECTED),
        (ConnEvent.READY, ConnState.READY),
        (ConnEvent.CLOSE, ConnState.CLOSING),
        (ConnEvent.CLOSED, ConnState.CLOSED),
        (ConnEvent.CLOSE, ConnState.CLOSED),
    ]:
        assert sm.handle(event) is state


def test_illegal_transition_raises_clear_error() -> None:
    sm = ConnectionStateMachine()
    with pytest.raises(OkxStateError, match="'authenticated' in state 'idle'"):
        sm.handle(ConnEvent.AUTHENTICATED)
    assert sm.state is ConnState.IDLE  # unchanged


def test_closed_is_terminal() -> None:
    sm = ConnectionStateMachine(ConnState.CLOSED)
    for event in ConnEvent:
        if event is ConnEvent.CLOSE:
            assert sm.handle(event) is ConnState.CLOSED
        else:
            assert not sm.can(event)


def test_closing_absorbs_a_cancelled_supervisor() -> None:
    # A supervisor cancelled by close() reports its last steps; they change nothing.
    for event in ConnEvent:
        sm = ConnectionStateMachine(ConnState.CLOSING)
        expected = ConnState.CLOSED if event is ConnEvent.CLOSED else ConnState.CLOSING
        assert sm.handle(event) is expected


def test_login_failure_waits_for_a_new_demand() -> None:
    sm = ConnectionStateMachine()
    for event in (ConnEvent.CONNECT, ConnEvent.OPENED, ConnEvent.LOGIN):
        sm.handle(event)
    assert sm.handle(ConnEvent.LOGIN_FAILED) is ConnState.AUTH_FAILED
    assert not sm.can(ConnEvent.LOST) and not sm.can(ConnEvent.READY)
    assert sm.handle(ConnEvent.CONNECT) is ConnState.CONNECTING


def test_only_ready_and_replacing_serve() -> None:
    # A socket is served only after READY (or REPLACED); nothing else leads to those states.
    serving = {ConnState.READY, ConnState.REPLACING}
    for (_, event), after in TRANSITIONS.items():
        if after in serving:
            assert event in (ConnEvent.READY, ConnEvent.REPLACED, ConnEvent.REPLACE_FAILED,
                             ConnEvent.NOTICE)  # fmt: skip


def test_every_state_can_close() -> None:
    assert all((state, ConnEvent.CLOSE) in TRANSITIONS for state in ConnState)


@given(st.lists(st.sampled_from(list(ConnEvent)), max_size=50))
def test_random_event_sequences(events: list[ConnEvent]) -> None:
    sm = ConnectionStateMachine()
    for event in events:
        before = sm.state
        if sm.can(event):
            assert sm.handle(event) is TRANSITIONS[(before, event)]
        else:
            with pytest.raises(OkxStateError):
                sm.handle(event)
            assert sm.state is before
        assert isinstance(sm.state, ConnState)
