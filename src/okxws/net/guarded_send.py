"""The transport's send: one text frame, refused once the socket is already closing.

Part of the picows adapter (:mod:`okxws.net.transport` builds one per socket), in a module of
its own because every request goes through it and it is compiled (setup.py), while the
adapter's picows listener cannot be (a compiled subclass of picows's Cython ``WSListener``
crashes the interpreter). It touches the transport only through what it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..protocol.exceptions import OkxConnectionLostError

__all__ = ["CloseState", "GuardedSend"]


class CloseState(Protocol):
    """The part of picows's ``WSTransport`` the guard reads."""

    @property
    def is_close_frame_sent(self) -> bool: ...


class GuardedSend:
    """``send(data)`` queues one text frame (never blocks), unless the socket is closing.

    The socket dies (reset, EOF, a close frame picows sent on a protocol error) a loop turn
    or more before picows reports it; a frame sent in between would be dropped silently, so
    such a send raises :class:`OkxConnectionLostError` with ``outcome_unknown`` false (the
    request's outcome is known: not sent) and reports the socket gone at once.
    """

    __slots__ = ("_closing", "_gone", "_send_text", "_transport", "_url")

    def __init__(
        self,
        url: str,
        send_text: Callable[[bytes], None],
        closing: Callable[[], bool],
        transport: CloseState,
        gone: Callable[[], None],
    ) -> None:
        self._url = url
        self._send_text = send_text
        self._closing = closing
        self._transport = transport
        self._gone = gone

    def send(self, data: bytes) -> None:
        """Queue ``data`` as one text frame (raises once the socket is closing)."""
        if self._transport.is_close_frame_sent or self._closing():
            self._gone()
            error = OkxConnectionLostError(f"{self._url}: socket closing; nothing was sent")
            error.outcome_unknown = False
            raise error
        self._send_text(data)
