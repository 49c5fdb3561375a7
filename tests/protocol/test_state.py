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
        (ConnEvent.AUTHENTICATED, ConnState.READY),
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
        if event in (ConnEvent.CLOSE, ConnEvent.CLOSED):
            assert sm.handle(event) is ConnState.CLOSED
        else:
            assert not sm.can(event)


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
