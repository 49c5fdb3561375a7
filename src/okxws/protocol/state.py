"""The client connection state machine, as one table (no I/O).

::

    idle ──connect──> connecting ──opened──> connected ──login──> authenticating
      ^                   │                     │                    │        │
      │            connect_failed             ready           authenticated  login_failed
      │                   v                     v                    v        v
      │             reconnecting <──lost── ready <──ready── authenticated   auth_failed
      │                   │                  │  ^                              │
      │                   └──connect──>      │  └─replaced / replace_failed─┐  └──connect──>
      │                                    notice                           │
      │                                      └──────> replacing ────────────┘
      └ any ──close──> closing ──closed──> closed

``ready`` is the only state in which the connection has a socket to send on; ``replacing``
(after a 64008 notice) still sends on the old socket while the replacement is opened and
logged in. A replacement socket goes through ``connecting`` ... ``ready`` on a machine of
its own. Once ``closing``, the lifecycle events of a supervisor being cancelled change
nothing. Every other transition not in the table raises
:class:`~okxws.protocol.exceptions.OkxStateError`; the caller logs each change.
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
    AUTHENTICATED = "authenticated"  # logged in; subscriptions being restored
    READY = "ready"
    REPLACING = "replacing"  # 64008: still usable, a replacement socket is being opened
    RECONNECTING = "reconnecting"
    AUTH_FAILED = "auth_failed"  # OKX rejected the login: no reconnect until asked again
    CLOSING = "closing"
    CLOSED = "closed"


class ConnEvent(enum.Enum):
    CONNECT = "connect"  # start opening a socket
    OPENED = "opened"  # the WebSocket handshake finished
    CONNECT_FAILED = "connect_failed"  # the handshake failed
    LOGIN = "login"  # the login frame was sent
    AUTHENTICATED = "authenticated"  # OKX accepted the login
    LOGIN_FAILED = "login_failed"  # OKX rejected the login
    READY = "ready"  # the socket is usable: logged in (if needed) and resubscribed
    NOTICE = "notice"  # OKX announced a service upgrade (64008)
    REPLACED = "replaced"  # a replacement socket is ready and now serves
    REPLACE_FAILED = "replace_failed"  # the replacement failed; the old socket keeps serving
    LOST = "lost"  # the socket died or was found dead
    CLOSE = "close"  # the owner asked to close
    CLOSED = "closed"  # everything is shut down


S, E = ConnState, ConnEvent
_OPENING: Final = (S.CONNECTING, S.CONNECTED, S.AUTHENTICATING, S.AUTHENTICATED)

TRANSITIONS: Final[dict[tuple[ConnState, ConnEvent], ConnState]] = {
    (S.IDLE, E.CONNECT): S.CONNECTING,
    (S.RECONNECTING, E.CONNECT): S.CONNECTING,
    (S.AUTH_FAILED, E.CONNECT): S.CONNECTING,
    (S.CONNECTING, E.OPENED): S.CONNECTED,
    (S.CONNECTING, E.CONNECT_FAILED): S.RECONNECTING,
    (S.CONNECTED, E.LOGIN): S.AUTHENTICATING,
    (S.AUTHENTICATING, E.AUTHENTICATED): S.AUTHENTICATED,
    (S.AUTHENTICATING, E.LOGIN_FAILED): S.AUTH_FAILED,
    (S.CONNECTED, E.READY): S.READY,
    (S.AUTHENTICATED, E.READY): S.READY,
    (S.READY, E.NOTICE): S.REPLACING,
    (S.REPLACING, E.REPLACED): S.READY,
    (S.REPLACING, E.REPLACE_FAILED): S.READY,
    # The old socket died while its replacement was being opened: the replacement, if it
    # succeeds, ends the reconnect.
    (S.RECONNECTING, E.REPLACED): S.READY,
    (S.RECONNECTING, E.REPLACE_FAILED): S.RECONNECTING,
    **{(state, E.LOST): S.RECONNECTING for state in (*_OPENING, S.READY, S.REPLACING)},
    **{(state, E.CLOSE): S.CLOSING for state in ConnState if state is not S.CLOSED},
    **{(S.CLOSING, event): S.CLOSING for event in ConnEvent if event is not E.CLOSED},
    (S.CLOSING, E.CLOSED): S.CLOSED,
    (S.CLOSED, E.CLOSE): S.CLOSED,  # closing is idempotent
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
        """Apply ``event`` and return the new state; raises :class:`OkxStateError` if it is
        illegal now."""
        try:
            self._state = TRANSITIONS[(self._state, event)]
        except KeyError:
            raise OkxStateError(
                f"illegal connection transition: {event.value!r} in state {self._state.value!r}"
            ) from None
        return self._state

    def __repr__(self) -> str:
        return f"ConnectionStateMachine({self._state.value})"
