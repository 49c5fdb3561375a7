"""The client connection state machine, as one table (no I/O).

::

    idle ──connect──> connecting ──opened──> connected ──login──> authenticating
                          │                     │  ^                  │     │
                   connect_failed             ready└──login_failed────┘  authenticated
                          v                     v                          v
                    reconnecting <──lost──── ready <──────────────────────┘
                          └──connect──> connecting
    any ──close──> closing ──closed──> closed

A transition not in the table raises :class:`~okxws.protocol.exceptions.OkxStateError`.
"""

from __future__ import annotations

import enum
from typing import Final

from .exceptions import OkxStateError

__all__ = ["TRANSITIONS", "ConnEvent", "ConnState", "ConnectionStateMachine"]


class ConnState(enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    AUTHENTICATING = "authenticating"
    READY = "ready"
    RECONNECTING = "reconnecting"
    CLOSING = "closing"
    CLOSED = "closed"


class ConnEvent(enum.Enum):
    CONNECT = "connect"  # start opening the socket
    OPENED = "opened"  # the WebSocket handshake finished
    CONNECT_FAILED = "connect_failed"  # the handshake failed
    LOGIN = "login"  # the login frame was sent
    AUTHENTICATED = "authenticated"  # OKX accepted the login
    LOGIN_FAILED = "login_failed"  # OKX rejected the login; the socket stays open
    READY = "ready"  # a connection that needs no login is usable
    LOST = "lost"  # the socket died or was found dead
    CLOSE = "close"  # the owner asked to close
    CLOSED = "closed"  # everything is shut down


S, E = ConnState, ConnEvent
_LIVE: Final = (S.CONNECTING, S.CONNECTED, S.AUTHENTICATING, S.READY)

TRANSITIONS: Final[dict[tuple[ConnState, ConnEvent], ConnState]] = {
    (S.IDLE, E.CONNECT): S.CONNECTING,
    (S.RECONNECTING, E.CONNECT): S.CONNECTING,
    (S.CONNECTING, E.OPENED): S.CONNECTED,
    (S.CONNECTING, E.CONNECT_FAILED): S.RECONNECTING,
    (S.CONNECTED, E.LOGIN): S.AUTHENTICATING,
    (S.CONNECTED, E.READY): S.READY,
    (S.AUTHENTICATING, E.AUTHENTICATED): S.READY,
    (S.AUTHENTICATING, E.LOGIN_FAILED): S.CONNECTED,
    **{(state, E.LOST): S.RECONNECTING for state in _LIVE},
    **{(state, E.CLOSE): S.CLOSING for state in ConnState if state is not S.CLOSED},
    (S.CLOSING, E.CLOSED): S.CLOSED,
    (S.CLOSED, E.CLOSE): S.CLOSED,  # closing is idempotent
    (S.CLOSED, E.CLOSED): S.CLOSED,
}
del S, E


class ConnectionStateMachine:
    """Tracks one connection's state; every change goes through :data:`TRANSITIONS`."""

    __slots__ = ("_state",)

    def __init__(self, state: ConnState = ConnState.IDLE) -> None:
        self._state = state

    @property
    def state(self) -> ConnState:
        return self._state

    def can(self, event: ConnEvent) -> bool:
        return (self._state, event) in TRANSITIONS

    def handle(self, event: ConnEvent) -> ConnState:
        """Apply ``event``; raises :class:`OkxStateError` if it is illegal now."""
        try:
            self._state = TRANSITIONS[(self._state, event)]
        except KeyError:
            raise OkxStateError(
                f"illegal connection transition: {event.value!r} in state {self._state.value!r}"
            ) from None
        return self._state

    def __repr__(self) -> str:
        return f"ConnectionStateMachine({self._state.value})"
