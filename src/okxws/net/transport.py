"""The one adapter between okxws and its WebSocket library (picows).

picows was chosen by measurement (bench/transport/RESULTS.md; design.md section 4): it has
the lowest round trip and the highest pipelined throughput of the Python transports on this
kind of machine. Nothing outside this module imports picows.

OKX's keep-alive is application level (okx-protocol.md section 6): after ``ping_interval``
seconds without an incoming frame the client sends the TEXT ``ping``; if neither the ``pong``
nor any other frame arrives within ``pong_timeout`` the connection is dead. picows runs that
timer in C (``enable_auto_ping`` with a user-specific ping), so it costs nothing per message.

The adapter owns the TCP socket of every attempt from its first byte: it creates and connects
the socket itself (picows's ``socket_factory``), so an attempt that fails or is cancelled at
any point, even while picows waits for the server's ``101`` (picows then leaves its transport
open), is shut down here and closed before :func:`open_ws` returns. Nothing is sent on a socket
that is already closing: picows would drop the frame silently and aiofastnet would warn
outside the ``okxws`` logger tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable
from typing import Final

import picows

from ..protocol.exceptions import OkxConnectError
from .frame_io import GuardedSend, TextFrameReader

__all__ = ["WsTransport", "open_ws"]

_log = logging.getLogger("okxws.net.transport")
# picows logs connects and disconnects at INFO: keep them under the okxws logger tree.
_picows_log = logging.getLogger("okxws.net.picows")

_TEXT: Final = picows.WSMsgType.TEXT
_CONT: Final = picows.WSMsgType.CONTINUATION
_CLOSE: Final = picows.WSMsgType.CLOSE
_PING_PAYLOAD: Final = b"ping"
_PONG_PAYLOAD: Final = b"pong"
#: How long a failed attempt waits for the transport holding its socket to close it after
#: the shutdown (one loop iteration in practice); past that the socket is closed here.
_RELEASE_GRACE: Final = 1.0

MessageHandler = Callable[[bytes], None]
CloseHandler = Callable[[int | None, str], None]


class _Listener(picows.WSListener):
    """Turns picows frame callbacks into whole text messages for one handler."""

    def __init__(self, url: str, on_message: MessageHandler, on_close: CloseHandler) -> None:
        super().__init__()
        self._url = url
        self._on_message = on_message
        self._on_close = on_close
        self._fragments: list[bytes] | None = None
        self._close_code: int | None = None
        self._close_reason = ""
        self._gone = False
        #: Done once picows has finished with the socket (see :meth:`on_ws_disconnected`).
        self.settled: asyncio.Future[None] | None = None
        # picows calls the instance's on_ws_frame when it has one: the compiled reader takes
        # every whole text message, the frame of every reply, and hands the rest to
        # _other_frame below (mypy: picows's method, shadowed on purpose).
        self.on_ws_frame = TextFrameReader(  # type: ignore[method-assign]
            url, _TEXT, on_message, self._other_frame
        ).on_ws_frame

    def gone(self) -> None:
        """Report the socket gone, once, at the first sign: a close frame from the server, a
        send on a socket already closing, or the disconnect itself. Nothing more can be sent
        or received on it from then on, so its requests must wait for the next one."""
        if not self._gone:
            self._gone = True
            try:
                self._on_close(self._close_code, self._close_reason)
            except Exception:
                _log.exception("error while handling the close of %s", self._url)

    def _other_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
        # Nothing may escape into picows: an exception there would close the socket (and
        # unbalances CPython 3.11's recursion counter), so a bug is logged and survived.
        try:
            msg_type = frame.msg_type
            if msg_type is _TEXT:  # the first fragment (whole ones go to TextFrameReader)
                self._fragments = [frame.get_payload_as_bytes()]
            elif msg_type is _CONT and self._fragments is not None:
                self._fragments.append(frame.get_payload_as_bytes())
                if frame.fin:
                    whole = b"".join(self._fragments)
                    self._fragments = None
                    self._on_message(whole)
            elif msg_type is _CLOSE:
                code = frame.get_close_code()
                self._close_code = int(code.value) if code is not None else None
                reason = frame.get_close_message()
                self._close_reason = reason.decode("utf-8", "replace") if reason else ""
                transport.send_close(code)
                transport.disconnect()
                self.gone()
            # Binary frames (SBE market data) and control pongs carry nothing for a JSON client.
        except Exception:
            _log.exception("error while handling a frame from %s; carrying on", self._url)

    def on_ws_disconnected(self, transport: picows.WSTransport) -> None:
        self.gone()
        try:
            # picows fails its "disconnected" future with the protocol error that made it
            # disconnect (a hostile frame); retrieve it, or the loop reports it as never
            # retrieved. The future is set right after this callback returns.
            self.settled = asyncio.ensure_future(wait_disconnected(transport))
        except Exception:
            _log.exception("error while handling the close of %s", self._url)

    def send_user_specific_ping(self, transport: picows.WSTransport) -> None:
        transport.send(_TEXT, _PING_PAYLOAD)

    def is_user_specific_pong(self, frame: picows.WSFrame) -> bool:
        if frame.msg_type is _TEXT and frame.get_payload_as_bytes() == _PONG_PAYLOAD:
            return True
        # Any other frame also proves the connection alive (okx-protocol.md section 6).
        self._transport_alive()
        return False

    def on_ws_connected(self, transport: picows.WSTransport) -> None:
        self._transport = transport

    def _transport_alive(self) -> None:
        self._transport.notify_user_specific_pong_received()


class WsTransport:
    """One open WebSocket: send text, close, abort. Callbacks run on the event loop."""

    __slots__ = ("_listener", "_transport", "send", "url")

    def __init__(self, url: str, transport: picows.WSTransport, listener: _Listener) -> None:
        self.url = url
        self._transport = transport
        self._listener = listener
        self.send: Callable[[bytes], None] = GuardedSend(
            url,
            transport.send,
            _TEXT,
            transport.underlying_transport.is_closing,
            transport,
            listener.gone,
        ).send
        """Queue one text frame (never blocks); raises :class:`OkxConnectionLostError` with
        ``outcome_unknown`` false once the socket is closing (the frame would be dropped)."""

    @property
    def is_closed(self) -> bool:
        return bool(self._transport.is_disconnected)

    def close(self, code: int = 1000) -> None:
        """Start a clean close: a close frame, then the TCP disconnect."""
        if not self._transport.underlying_transport.is_closing():
            self._transport.send_close(picows.WSCloseCode(code))
            self._transport.disconnect()

    def abort(self) -> None:
        """Drop the TCP connection at once (a dead or half-open peer never answers a close)."""
        if not self._transport.is_disconnected:
            self._transport.underlying_transport.abort()

    async def wait_closed(self) -> None:
        """Wait until the socket is gone (how it went was reported to ``on_close``)."""
        settled = self._listener.settled
        if settled is None:
            await wait_disconnected(self._transport)
        else:
            await asyncio.shield(settled)


async def wait_disconnected(transport: picows.WSTransport) -> None:
    """picows's ``wait_disconnected()``, without the error of a protocol violation."""
    try:
        await transport.wait_disconnected()
    except picows.WSError as exc:
        _log.debug("%s", exc)


class _ClientSocket(socket.socket):
    """The TCP socket of one connection attempt; ``closed`` resolves when whoever holds it
    (this module, or the transport picows built on it) closes it."""

    closed: asyncio.Future[None] | None = None

    def close(self) -> None:
        super().close()
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(None)


class _Attempt:
    """One connection attempt's socket, owned from its first byte to its handover."""

    __slots__ = ("sock",)

    def __init__(self) -> None:
        #: Set once connected: from then on a transport holds it (picows builds one at once).
        self.sock: _ClientSocket | None = None

    async def connect(self, url: picows.WSParsedURL) -> socket.socket:
        """picows's ``socket_factory``: a TCP connection to ``url``, each address in turn."""
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(url.host, url.port, type=socket.SOCK_STREAM)
        errors: list[OSError] = []
        for family, kind, proto, _, address in infos:
            sock = _ClientSocket(family, kind, proto)
            sock.closed = loop.create_future()
            try:
                sock.setblocking(False)
                await loop.sock_connect(sock, address)
            except OSError as exc:
                sock.close()
                errors.append(exc)
                continue
            except BaseException:
                sock.close()
                raise
            self.sock = sock
            return sock
        if len(errors) == 1:
            raise errors[0]
        raise OSError(f"cannot connect to {url.host}:{url.port}: {errors or 'no address'}")

    async def release(self) -> None:
        """Close the socket of an attempt that failed or was cancelled, wherever it stopped.

        A transport that holds the socket sees EOF after the shutdown and closes it itself;
        closing the descriptor under it would let a new socket reuse the number.
        """
        sock = self.sock
        if sock is None or sock.closed is None or sock.fileno() == -1:
            return
        with contextlib.suppress(OSError):  # already reset by the peer
            sock.shutdown(socket.SHUT_RDWR)
        await asyncio.wait((sock.closed,), timeout=_RELEASE_GRACE)
        if sock.fileno() != -1:
            _log.debug("closing the socket of a failed attempt that no transport took over")
            sock.close()


async def open_ws(
    url: str,
    on_message: MessageHandler,
    on_close: CloseHandler,
    *,
    ssl_context: ssl.SSLContext | None,
    ping_interval: float,
    pong_timeout: float,
    handshake_timeout: float,
    proxy: str | None = None,
) -> WsTransport:
    """Open a WebSocket to ``url`` within ``handshake_timeout`` seconds (TCP connect, proxy
    tunnel, TLS and upgrade); raises :class:`OkxConnectError` if that fails, and leaves no
    socket open when it fails or is cancelled.

    ``proxy``: ``http://[user:pass@]host:port`` (HTTP CONNECT) or ``socks5://`` /
    ``socks4://``; picows opens the tunnel over the socket our factory connects to the proxy.

    ``on_message`` gets each complete text message; ``on_close`` runs once when the socket
    is gone, with the close code and reason if the server sent a close frame.
    """
    secure = url.startswith("wss://")
    if secure and ssl_context is None:
        ssl_context = ssl.create_default_context()  # verifies certificates and host names
    attempt = _Attempt()
    try:
        async with asyncio.timeout(handshake_timeout):
            transport, listener = await picows.ws_connect(
                lambda: _Listener(url, on_message, on_close),
                url,
                ssl_context=ssl_context if secure else None,
                socket_factory=attempt.connect,
                websocket_handshake_timeout=None,  # the timeout above covers every step
                enable_auto_ping=True,
                auto_ping_idle_timeout=ping_interval,
                auto_ping_reply_timeout=pong_timeout,
                auto_ping_strategy=picows.WSAutoPingStrategy.PING_WHEN_IDLE,
                enable_auto_pong=True,
                max_redirects=0,
                logger_name=_picows_log,
                proxy=proxy,
            )
    except BaseException as exc:
        await attempt.release()
        if isinstance(exc, TimeoutError):
            timeout = f"not open within {handshake_timeout} s"
            raise OkxConnectError(f"cannot open {url}: {timeout}") from exc
        if isinstance(exc, Exception):  # anything picows or the network raises
            raise OkxConnectError(f"cannot open {url}: {exc!r}") from exc
        raise  # cancelled
    if not isinstance(listener, _Listener):
        # picows returns no listener when the socket died before the upgrade completed.
        await attempt.release()
        raise OkxConnectError(f"cannot open {url}: connection lost during the WebSocket handshake")
    return WsTransport(url, transport, listener)
