"""One physical WebSocket: its transport, its :class:`ClientProtocol`, and the request hot path.

This module is the fenced hot path of okxws: every order goes through
:meth:`WsSocket.request` and every reply through :meth:`ClientProtocol.receive`, which the
transport calls directly. The tricks kept here were each measured
(``bench/hot_path_micro.py --callgrind``; docs/benchmarks.md has the log):

- one deadline timer per socket instead of one per request (-2.8 us, -270 B per request):
  ``pending`` is in send order, so the timer only ever looks at its front;
- on asyncio's own loop, ``time.monotonic`` and ``asyncio.Future(loop=)`` are called
  directly: the loop implements ``time()`` and ``create_future()`` as Python wrappers of
  exactly these (a Python frame fewer each, ~1 % of a request);
- the request is registered in ``protocol.pending`` inline (``ClientProtocol.track`` is the
  same store, a call fewer per request);
- callers await the returned future itself (no coroutine frame per request in flight).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

from ..protocol import codec
from ..protocol.auth import ApiCredentials, build_login_request
from ..protocol.client import ClientProtocol
from ..protocol.exceptions import (
    OkxAuthenticationError,
    OkxConnectionLostError,
    OkxError,
    OkxRateLimitError,
    OkxRequestTimeoutError,
    nothing_sent,
)
from ..protocol.ratelimit import SlidingWindow
from ..protocol.stats import OpStats

__all__ = ["REQUEST_CLOCK", "SocketOwner", "Transport", "TransportFactory", "WsSocket"]

_log = logging.getLogger("okxws.net")

MessageHandler = Callable[[bytes], None]
CloseHandler = Callable[[int | None, str], None]


class Transport(Protocol):
    """An open WebSocket (``okxws.net.transport.WsTransport`` or an in-memory one)."""

    def send(self, data: bytes, /) -> None: ...
    @property
    def is_closed(self) -> bool: ...
    def close(self, code: int = 1000) -> None: ...
    def abort(self) -> None: ...
    async def wait_closed(self) -> None: ...


class TransportFactory(Protocol):
    """Opens a WebSocket; raises :class:`~okxws.OkxConnectError` when it cannot."""

    async def __call__(
        self,
        url: str,
        on_message: MessageHandler,
        on_close: CloseHandler,
        *,
        ssl_context: ssl.SSLContext | None,
        ping_interval: float,
        pong_timeout: float,
        handshake_timeout: float,
        proxy: str | None = None,
    ) -> Transport: ...


#: The clock of requests' sent-at times, round trips and deadlines (callers of
#: :meth:`WsSocket.request` read ``now`` on it): ``time.monotonic``, not the loop's (uvloop's
#: ``loop.time()`` counts whole milliseconds: a round trip on it would read 0 or 1 ms).
#: Timers are set with ``call_later`` (a delay), so they do not depend on the loop's clock
#: agreeing with this one.
REQUEST_CLOCK: Final = time.monotonic


class SocketOwner(Protocol):
    """What a socket needs from its connection."""

    name: str
    response_handlers: list[Any]
    op_stats: dict[str, OpStats]

    @property
    def kind(self) -> str: ...

    def push_sink(self, msg: dict[str, Any]) -> None: ...
    def rate_limited(self, op: str, args: list[Any]) -> None: ...
    def emit_response(self, msg: dict[str, Any]) -> None: ...
    def emit_exception(self, error: BaseException) -> None: ...
    def socket_closed(self, sock: WsSocket) -> None: ...


class WsSocket:
    """One WebSocket and the requests in flight on it (see the module docstring)."""

    __slots__ = (
        "clock",
        "closed_reason",
        "control_budget",
        "deadline_timer",
        "drain_handle",
        "last_deadline",
        "loop",
        "new_future",
        "notice",
        "owner",
        "pending",
        "protocol",
        "send",
        "short_timers",
        "transport",
    )

    def __init__(self, owner: SocketOwner, control_budget: SlidingWindow | None = None) -> None:
        self.owner = owner
        #: OKX's budget of login/subscribe/unsubscribe requests on this connection (per
        #: socket: a new connection starts afresh). None: not limited.
        self.control_budget = control_budget
        self.loop = loop = asyncio.get_running_loop()
        self.clock: Callable[[], float] = REQUEST_CLOCK
        self.protocol = ClientProtocol(
            owner.name,
            owner.kind,
            self,
            response_listeners=owner.response_handlers,
            invalid_state=asyncio.InvalidStateError,
            clock=self.clock,
            op_stats=owner.op_stats,
        )
        self.pending = self.protocol.pending
        self.transport: Transport | None = None
        #: The transport's send while the socket is open (None before and after): one
        #: check on the hot path.
        self.send: Callable[[bytes], None] | None = None
        self.new_future: Callable[[], asyncio.Future[Any]] = (
            functools.partial(asyncio.Future, loop=loop)
            if type(loop).create_future is asyncio.BaseEventLoop.create_future
            else loop.create_future
        )
        self.last_deadline = 0.0
        self.deadline_timer: asyncio.TimerHandle | None = None
        #: Timers of requests with a shorter per-call timeout than those before them.
        self.short_timers: dict[str, asyncio.TimerHandle] = {}
        #: Why the socket closed, once it has.
        self.closed_reason: asyncio.Future[str] = loop.create_future()
        #: Set when the server announces a service upgrade (64008).
        self.notice: asyncio.Future[None] = loop.create_future()
        self.drain_handle: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        state = "open" if self.send is not None else "closed"
        return f"<WsSocket {self.owner.name} {state} in_flight={len(self.pending)}>"

    # -- opening ------------------------------------------------------------------------

    async def open(
        self,
        opener: TransportFactory,
        url: str,
        *,
        ssl_context: ssl.SSLContext | None,
        ping_interval: float,
        pong_timeout: float,
        handshake_timeout: float,
        proxy: str | None = None,
    ) -> None:
        """Open the transport; frames go straight to the protocol from the first one."""
        self.transport = await opener(
            url,
            self.protocol.receive,
            self.on_close,
            ssl_context=ssl_context,
            ping_interval=ping_interval,
            pong_timeout=pong_timeout,
            handshake_timeout=handshake_timeout,
            proxy=proxy,
        )
        if not self.closed_reason.done():  # it may have closed before this coroutine resumed
            self.send = self.transport.send

    async def login(
        self, credentials: ApiCredentials, now_s: float, timeout: float, name: str
    ) -> None:
        """Send the login frame and wait for OKX's answer (raises on a rejection)."""
        send = self.send
        if send is None:
            raise OkxConnectionLostError(f"{name}: closed before login")
        await self.spend_control(1, timeout, "login")
        waiter: asyncio.Future[dict[str, Any]] = self.loop.create_future()
        self.protocol.login_waiter = waiter
        send(codec.encode(build_login_request(credentials, now_s)))
        try:
            async with asyncio.timeout(timeout):
                reply = await waiter
        except TimeoutError:
            raise OkxRequestTimeoutError(f"{name}: no answer to login") from None
        finally:
            self.protocol.login_waiter = None
        code = str(reply.get("code"))
        if code != "0":
            # Never the key, passphrase or signature: only OKX's code and message.
            raise OkxAuthenticationError(f"{name}: login rejected: {reply.get('msg')}", code)

    async def spend_control(self, units: int, timeout: float | None, what: str) -> None:
        """Charge ``units`` login/subscribe/unsubscribe requests, waiting within ``timeout``
        for OKX's per-connection budget (480 an hour); raises OkxRateLimitError if it cannot."""
        budget = self.control_budget
        if budget is None:
            return
        delay = budget.wait_for(self.clock(), units)
        if delay and (timeout is None or delay <= timeout):
            await asyncio.sleep(delay)
            delay = budget.wait_for(self.clock(), units)
        if delay:
            raise OkxRateLimitError(
                f"{self.owner.name}: {what} would exceed OKX's {budget.limit} "
                f"login/subscribe/unsubscribe requests per {budget.window_s:.0f} s on one "
                "connection; nothing was sent",
                retry_after=delay,
            )
        budget.charge(self.clock(), units)

    # -- the hot path -------------------------------------------------------------------

    def request(
        self,
        rid: str,
        op: str,
        args: list[Any],
        exp_time: str | None,
        data: bytes,
        timeout: float | None,
        now: float,
    ) -> asyncio.Future[Any]:
        """Send ``data`` (the encoded request) and return the future of its response.

        With ``timeout`` the future fails after that many seconds; a response, error,
        deadline or the socket's death ends the request (never re-sent). ``now`` is
        :attr:`clock`'s time (read once by the caller, which also charges the rate limit
        with it): the request's sent-at time, the start of its round trip and deadline.
        """
        send = self.send
        if send is None:
            raise nothing_sent(
                OkxConnectionLostError(f"{self.owner.name}: socket closed before sending {op}")
            )
        # Sent first: if sending raises nothing is left registered, and the response can
        # only be handled on a later turn of the loop, after the registration below.
        send(data)
        fut = self.new_future()
        self.protocol.track(rid, fut, op, args, exp_time, timeout, now)
        if timeout is not None:
            deadline = now + timeout
            if deadline >= self.last_deadline:  # the usual case: one timeout for every call
                self.last_deadline = deadline
                if self.deadline_timer is None:
                    self.deadline_timer = self.loop.call_later(timeout, self._expire_due)
            else:  # a shorter per-call timeout: a timer of its own, cancelled on close
                self.short_timers[rid] = self.loop.call_later(timeout, self._expire_short, rid)
        return fut

    def _expire_due(self) -> None:
        self.deadline_timer = None
        now = self.clock()
        next_deadline = self.protocol.expire_due(now)
        if next_deadline is not None:
            delay = next_deadline - now
            self.deadline_timer = self.loop.call_later(delay, self._expire_due)

    def _expire_short(self, rid: str) -> None:
        self.short_timers.pop(rid, None)
        self.protocol.expire(rid)

    def subscribe_request(
        self, rid: str, op: str, args: list[Any], timeout: float | None
    ) -> asyncio.Future[Any]:
        """Send a subscribe/unsubscribe; its future resolves once every channel is acked."""
        data = codec.encode_request(rid, op, args)
        fut = self.request(rid, op, args, None, data, timeout, self.clock())
        if len(args) != 1:
            self.protocol.acks_left[rid] = len(args)  # before any ack can arrive
        return fut

    # -- ProtocolOwner: what the protocol reports ----------------------------------------

    def on_push(self, msg: dict[str, Any]) -> None:
        self.owner.push_sink(msg)

    def on_response(self, msg: dict[str, Any]) -> None:
        self.owner.emit_response(msg)

    def on_notice(self, msg: dict[str, Any]) -> None:
        _log.warning("%s: notice %s: %s", self.owner.name, msg.get("code"), msg.get("msg"))
        if msg.get("code") == "64008" and not self.notice.done():
            self.notice.set_result(None)

    def on_server_error(self, error: OkxError) -> None:
        self.owner.emit_exception(error)

    def on_rate_limited(self, op: str, args: list[Any]) -> None:
        self.owner.rate_limited(op, args)

    def on_drained(self) -> None:
        self.close()  # replaced after a 64008 notice and nothing is left in flight

    # -- closing ------------------------------------------------------------------------

    def on_close(self, code: int | None, reason: str) -> None:
        """Called by the transport once, when the socket is gone."""
        self.send = None
        why = f"closed by server ({code} {reason})" if code is not None else "connection lost"
        self._cancel_timers()
        self.protocol.fail_all(why)
        self.owner.socket_closed(self)
        if not self.closed_reason.done():
            self.closed_reason.set_result(why)

    def _cancel_timers(self) -> None:
        for handle in (self.drain_handle, self.deadline_timer, *self.short_timers.values()):
            if handle is not None:
                handle.cancel()
        self.drain_handle = self.deadline_timer = None
        self.short_timers.clear()

    def retire(self, drain_timeout: float) -> None:
        """Stop delivering pushes; close once the requests in flight end (or at the timeout)."""
        self.protocol.delivers_pushes = False
        if not self.pending:
            self.close()
            return
        self.drain_handle = self.loop.call_later(drain_timeout, self.abort)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    async def wait_closed(self, timeout: float) -> None:
        """Wait for the transport to finish closing; abort it if that takes too long."""
        if self.transport is None:
            return
        try:
            async with asyncio.timeout(timeout):
                await self.transport.wait_closed()
        except TimeoutError:
            self.abort()
            await self.transport.wait_closed()
