"""The picows adapter's two per-message edges: the guarded send and the text-frame read.

Part of the picows adapter (:mod:`okxws.net.transport` builds both per socket), in a module
of its own because every request and every reply goes through them and it is compiled
(setup.py), while the adapter's picows listener cannot be (a compiled subclass of picows's
Cython ``WSListener`` crashes the interpreter). It touches the transport and its frames only
through what it is given, and does not import picows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from ..protocol.exceptions import OkxConnectionLostError

__all__ = ["CloseState", "GuardedSend", "TextFrameReader"]

_log = logging.getLogger("okxws.net.transport")


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

    __slots__ = ("_closing", "_gone", "_send", "_text", "_transport", "_url")

    def __init__(
        self,
        url: str,
        send: Callable[[Any, bytes], None],
        text_type: object,
        closing: Callable[[], bool],
        transport: CloseState,
        gone: Callable[[], None],
    ) -> None:
        self._url = url
        self._send = send  # picows's send(msg_type, data), called directly (no partial)
        self._text = text_type
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
        self._send(self._text, data)


class TextFrameReader:
    """picows's ``on_ws_frame`` for the frame of every reply: a whole text message.

    Its payload goes to ``on_message`` without a Python frame in between; any other frame
    (a fragment, a close, a binary frame) goes to ``other``, the listener's own method.
    Nothing may escape into picows (an exception there would close the socket), so an error
    in ``on_message`` is logged and survived.
    """

    __slots__ = ("_on_message", "_other", "_text", "_url")

    def __init__(
        self,
        url: str,
        text_type: object,
        on_message: Callable[[bytes], None],
        other: Callable[[Any, Any], None],
    ) -> None:
        self._url = url
        self._text = text_type
        self._on_message = on_message
        self._other = other

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        """Hand a whole text message on; pass any other frame to ``other``."""
        if frame.msg_type is self._text and frame.fin:
            try:
                self._on_message(frame.get_payload_as_bytes())
            except Exception:
                _log.exception("error while handling a frame from %s; carrying on", self._url)
            return
        self._other(transport, frame)
