"""One logical OKX connection (account x service): its supervisor and its state.

A :class:`Connection` opens lazily, logs in once however many callers race it, and heals
itself: when the socket dies every request in flight on it fails at once (outcome unknown:
nothing is ever re-sent), then it reconnects with exponential backoff and jitter, logs in
again and restores every subscription. A ``64008`` notice opens the replacement socket
before the server closes the old one; requests already sent on the old socket can still
complete there. Every change of state goes through :mod:`okxws.protocol.state` and is
logged at DEBUG; the one socket to send on (:attr:`Connection.sock`) is set exactly while
the state is ``ready`` or ``replacing``.

okx-protocol.md sections 2 (login), 3 (envelopes), 5 (subscribe), 6 (keep-alive, notices).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from ..protocol.auth import ApiCredentials
from ..protocol.endpoints import ConnKind
from ..protocol.exceptions import (
    OkxApiError,
    OkxAuthenticationError,
    OkxConnectError,
    OkxConnectionLostError,
    OkxError,
    OkxRequestTimeoutError,
    OkxStateError,
    nothing_sent,
)
from ..protocol.messages import ChannelArg
from ..protocol.ops import RateLimit
from ..protocol.ratelimit import SlidingWindow
from ..protocol.state import ConnectionStateMachine, ConnEvent, ConnState
from ..protocol.stats import OpStats
from .socket import TransportFactory, WsSocket
from .subscriptions import Subscriptions

if TYPE_CHECKING:
    from .events import EventEmitter
    from .options import ClientOptions

__all__ = ["REQUEST_IDS", "Connection", "RequestIds", "backoff_delay"]

_log = logging.getLogger("okxws.net")


class RequestIds:
    """Request ids: decimal numbers, unique in this process and never reused
    (okx-protocol.md section 3.1). A connection belongs to one event loop, so ids need
    no lock."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        """The next id (compiled: a direct call and an int increment, where the C counter
        of ``itertools.count`` costs a generic call)."""
        self._last += 1
        return str(self._last)


#: The process's request ids (``REQUEST_IDS.next()``).
REQUEST_IDS: Final = RequestIds()

_CLOSING: Final = (ConnState.CLOSING, ConnState.CLOSED)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """The wait before reconnect ``attempt`` (1, 2, ...): ``base`` doubled per attempt up to
    ``cap``, times a random factor in [0.8, 1.2] so clients do not reconnect in lockstep."""
    delay = min(base * 2.0 ** min(attempt - 1, 16), cap)
    jitter: float = random.uniform(0.8, 1.2)
    return delay * jitter


class Connection:
    """One logical connection: an account (or none, for public) on one OKX service."""

    def __init__(
        self,
        *,
        kind: ConnKind,
        url: str,
        account: int | None,
        shard: int = 0,
        credentials: ApiCredentials | None,
        options: ClientOptions,
        opener: TransportFactory,
        events: EventEmitter,
        now_s: Callable[[], float],
        push_sink: Callable[[dict[str, Any]], None],
        on_rate_limited: Callable[[Connection, str, list[Any]], None] | None = None,
        connect_budget: SlidingWindow | None = None,
        control_limit: RateLimit | None = None,
    ) -> None:
        self.kind: Final = kind
        self.url = url
        self.account = account
        #: Which of several connections of one kind and account this is (many books).
        self.shard = shard
        name = f"{kind}[{account}]" if account is not None else kind
        self.name = f"{name}#{shard}" if shard else name
        self._credentials = credentials
        self._options = options
        self._opener = opener
        self._events = events
        self._now_s = now_s
        self.push_sink = push_sink
        self._on_rate_limited = on_rate_limited
        #: New connections per second, shared by the client's connections (None: unpaced).
        self._connect_budget = connect_budget
        self._control_limit = control_limit
        self.response_handlers = events.handlers("response")
        self._sm = ConnectionStateMachine()
        #: The socket to send on now: set exactly while ready or replacing (hot path).
        self.sock: WsSocket | None = None
        self._draining: set[WsSocket] = set()
        self._ready: asyncio.Future[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._auth_error: OkxAuthenticationError | None = None
        self._auth_failed_at = 0.0
        self._last_error: BaseException | None = None
        self._opened_once = False
        #: The subscriptions to restore after every reconnect.
        self.subscriptions = Subscriptions()
        #: Called when the socket serving this connection dies (local books drop their state).
        self.lost_listeners: list[Callable[[], None]] = []
        #: Health figures: per operation, and of the connection itself.
        self.op_stats: dict[str, OpStats] = {}
        self.reconnects = 0
        self.logins = 0
        self.resubscriptions = 0
        #: Why the last connections were lost (newest last).
        self.lost_reasons: collections.deque[str] = collections.deque(maxlen=16)

    def __repr__(self) -> str:
        return f"<Connection {self.name} {self._sm.state.value} {self.url}>"

    @property
    def state(self) -> ConnState:
        return self._sm.state

    @property
    def needs_login(self) -> bool:
        return self._credentials is not None

    def in_flight(self) -> int:
        """How many requests are in flight on this connection's sockets."""
        socks = [s for s in (self.sock, *self._draining) if s is not None]
        return sum(len(s.pending) for s in socks)

    def _to(self, event: ConnEvent, sm: ConnectionStateMachine | None = None) -> None:
        """Apply ``event`` to the connection's machine (or a replacement socket's), logged."""
        machine = self._sm if sm is None else sm
        before = machine.state
        after = machine.handle(event)
        if after is not before:
            name = self.name if machine is self._sm else f"{self.name} replacement"
            _log.debug("%s: %s -> %s (%s)", name, before.value, after.value, event.value)

    # -- readiness ----------------------------------------------------------------------

    async def wait_ready(self, timeout: float | None) -> WsSocket:
        """Start the connection if needed and wait until it is open (and logged in)."""
        sock = self.sock
        if sock is not None:
            return sock
        state = self._sm.state
        if state in _CLOSING:
            raise OkxStateError(f"{self.name}: the client is closed")
        if state is ConnState.AUTH_FAILED and self._auth_error is not None:
            # Bad credentials must not turn into a reconnect-and-login loop: within the
            # cool-down every caller gets the same answer without touching the network.
            cooldown = max(self._options.reconnect_timeout, 1.0)
            if time.monotonic() - self._auth_failed_at < cooldown:
                raise self._auth_error
        if self._supervisor is None or self._supervisor.done():
            self._ready = asyncio.get_running_loop().create_future()
            self._supervisor = asyncio.create_task(self._run(), name=f"okxws {self.name}")
        ready = self._ready
        assert ready is not None
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(ready)
        except TimeoutError:
            last = f" (last error: {self._last_error})" if self._last_error else ""
            raise nothing_sent(
                OkxRequestTimeoutError(
                    f"{self.name}: not connected within {timeout} s; nothing was sent{last}"
                )
            ) from None
        sock = self.sock
        if sock is None:  # lost again between ready and now
            raise nothing_sent(
                OkxConnectionLostError(f"{self.name}: connection lost before sending; nothing sent")
            )
        return sock

    def _set_ready(self, error: BaseException | None = None) -> None:
        ready = self._ready
        if ready is not None and not ready.done():
            if error is None:
                ready.set_result(None)
            else:
                ready.set_exception(error)
                ready.exception()  # mark retrieved: waiters may have given up already

    # -- the supervisor: connect, log in, resubscribe, serve, reconnect -----------------

    async def _run(self) -> None:
        attempt = 0
        reconnecting = False
        while True:
            try:
                sock = await self._open_socket(self._sm)
            except OkxAuthenticationError as exc:
                self._auth_error = exc
                self._auth_failed_at = time.monotonic()
                self._set_ready(exc)
                self.emit_exception(exc)
                return  # restart only on demand: no login loop with bad credentials
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # anything from below: logged once, then a reconnect
                attempt += 1
                self.emit_exception(self._attempt_error(exc))
                await asyncio.sleep(self._backoff(attempt))
                continue
            attempt = 0
            self._last_error = None
            self._auth_error = None
            self._serve_on(sock, ConnEvent.READY)
            if reconnecting:
                self._emit("reconnected", {})
            reconnecting = True
            why = await self._serve(sock)
            self.reconnects += 1
            self.lost_reasons.append(why)
            self._emit("reconnect", {"reason": why})
            await asyncio.sleep(self._backoff(1))

    def _serve_on(self, sock: WsSocket, event: ConnEvent) -> None:
        """Make ``sock`` the socket requests are sent on (``event``: ready or replaced)."""
        self._to(event)
        self.sock = sock
        self._set_ready()

    async def _serve(self, sock: WsSocket) -> str:
        """Wait while ``sock`` serves; replace it early on a 64008 notice. Returns why the
        connection was lost (the state is then ``reconnecting``)."""
        while True:
            await asyncio.wait(
                (sock.closed_reason, sock.notice), return_when=asyncio.FIRST_COMPLETED
            )
            if sock.closed_reason.done():
                return sock.closed_reason.result()
            # 64008: the server closes soon. Open the replacement first, then retire sock.
            self._to(ConnEvent.NOTICE)
            self.reconnects += 1
            self.lost_reasons.append("64008 service upgrade notice")
            self._emit("reconnect", {"reason": "64008 service upgrade notice"})
            try:
                new = await self._open_socket(ConnectionStateMachine())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.emit_exception(self._attempt_error(exc))
                self._to(ConnEvent.REPLACE_FAILED)
                if self._sm.state is ConnState.RECONNECTING:  # the old socket died meanwhile
                    return sock.closed_reason.result()
                sock.notice = asyncio.get_running_loop().create_future()
                continue  # keep the old socket until it closes; the next loss reconnects
            self._serve_on(new, ConnEvent.REPLACED)
            if sock is not new and not sock.closed_reason.done():
                self._retire(sock)
            sock = new
            self._emit("reconnected", {})

    def _attempt_error(self, exc: Exception) -> OkxError:
        """What a failed connection attempt reports: an OkxError. Anything else is a bug
        below this layer: logged here, once, with its traceback."""
        if isinstance(exc, OkxError):
            return exc
        _log.error("%s: unexpected error while connecting; reconnecting", self.name, exc_info=exc)
        error = OkxConnectError(f"{self.name}: connection attempt failed: {exc!r}")
        error.__cause__ = exc
        return error

    def socket_closed(self, sock: WsSocket) -> None:
        """Called the moment a socket dies: new requests wait for the next one at once."""
        if sock is not self.sock:
            return
        self.sock = None
        if self._sm.state in (ConnState.READY, ConnState.REPLACING):
            self._to(ConnEvent.LOST)
            if self._ready is None or self._ready.done():
                self._ready = asyncio.get_running_loop().create_future()
        for listener in list(self.lost_listeners):
            try:
                listener()
            except Exception:
                _log.exception("%s: a connection-lost listener raised", self.name)

    def _retire(self, sock: WsSocket) -> None:
        self._draining.add(sock)
        sock.closed_reason.add_done_callback(lambda _: self._draining.discard(sock))
        sock.retire(self._options.drain_timeout)

    def _backoff(self, attempt: int) -> float:
        opts = self._options
        return backoff_delay(attempt, opts.reconnect_timeout, opts.max_reconnect_delay)

    async def _open_socket(self, sm: ConnectionStateMachine) -> WsSocket:
        """Open, log in and resubscribe one socket, driving ``sm`` through each step: the
        connection's own machine, or a replacement's after a 64008 notice."""
        self._to(ConnEvent.CONNECT, sm)
        await self._pace_connect()
        control = self._control_limit
        sock = WsSocket(
            self, None if control is None else SlidingWindow(control.limit, control.window_s)
        )
        opts = self._options
        try:
            await sock.open(
                self._opener,
                self.url,
                ssl_context=opts.ssl_context,
                ping_interval=opts.ping_interval,
                pong_timeout=opts.pong_timeout,
                handshake_timeout=opts.connect_timeout,
                proxy=opts.proxy,
            )
        except BaseException as exc:
            self._to(ConnEvent.CONNECT_FAILED, sm)
            self._last_error = exc
            raise
        try:
            self._to(ConnEvent.OPENED, sm)
            if not self._opened_once:  # like the Node SDK: later opens are "reconnected"
                self._opened_once = True
                self._emit("open", {"url": self.url})
            if self._credentials is not None:
                self._to(ConnEvent.LOGIN, sm)
                await sock.login(self._credentials, self._now_s(), opts.connect_timeout, self.name)
                self._to(ConnEvent.AUTHENTICATED, sm)
                self.logins += 1
                self._emit("authenticated", {})
            await self._resubscribe(sock)
            if sock.send is None:
                raise OkxConnectionLostError(f"{self.name}: closed while opening")
        except BaseException as exc:
            sock.abort()
            self._last_error = exc
            failed = isinstance(exc, OkxAuthenticationError)
            if failed and sm.state is ConnState.AUTHENTICATING:
                self._to(ConnEvent.LOGIN_FAILED, sm)
            else:
                self._to(ConnEvent.LOST, sm)
            raise
        if sm is not self._sm:
            self._to(ConnEvent.READY, sm)  # the replacement's own machine ends here
        return sock

    async def _pace_connect(self) -> None:
        """Keep to OKX's new-connection rate (3 a second); the supervisor waits, not callers
        (their own deadlines still apply)."""
        budget = self._connect_budget
        if budget is None:
            return
        loop = asyncio.get_running_loop()
        while delay := budget.wait_for(loop.time()):  # noqa: ASYNC110 (a budget of time)
            await asyncio.sleep(delay)
        budget.charge(loop.time())

    async def _resubscribe(self, sock: WsSocket) -> None:
        args = self.subscriptions.args()
        if not args:
            return
        self.resubscriptions += 1
        try:
            await self.subscribe_on(sock, "subscribe", args, self._options.connect_timeout)
        except OkxApiError as exc:
            # One bad channel must not keep the connection down: report it and carry on.
            self.emit_exception(exc)

    async def subscribe_on(
        self, sock: WsSocket, op: str, args: list[ChannelArg], timeout: float | None
    ) -> None:
        """Send one subscribe/unsubscribe and wait for an ack per channel."""
        await sock.spend_control(1, timeout, op)
        rid = REQUEST_IDS.next()
        fut = sock.subscribe_request(rid, op, list(args), None)
        try:
            async with asyncio.timeout(timeout):
                await fut
        except TimeoutError:
            raise OkxRequestTimeoutError(f"{self.name}: no {op} ack within {timeout} s") from None
        finally:
            sock.protocol.release(rid)

    # -- what sockets report ------------------------------------------------------------

    def rate_limited(self, op: str, args: list[Any]) -> None:
        """OKX refused a request for its rate limit (the client backs that budget off)."""
        if self._on_rate_limited is not None:
            self._on_rate_limited(self, op, args)

    def emit_response(self, msg: dict[str, Any]) -> None:
        self._events.emit("response", msg)

    def emit_exception(self, error: BaseException) -> None:
        self._last_error = error
        self._emit("exception", {"error": error})

    def _emit(self, event: Any, extra: dict[str, Any]) -> None:
        payload = {"connection": self.kind, "account": self.account, **extra}
        self._events.emit(event, payload)

    # -- shutdown -----------------------------------------------------------------------

    async def close(self) -> None:
        """Stop the supervisor, close every socket, fail what is pending. Idempotent."""
        if self._sm.state is ConnState.CLOSED:
            return
        if self._sm.state is not ConnState.CLOSING:
            self._to(ConnEvent.CLOSE)
        current_sock, self.sock = self.sock, None  # nothing new is sent while closing
        if self._supervisor is not None:
            self._supervisor.cancel()
            try:
                await self._supervisor
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            except Exception as exc:  # a bug below must not escape close()
                _log.error("%s: supervisor failed: %r", self.name, exc)
        self._set_ready(OkxStateError(f"{self.name}: the client is closed"))
        socks = [s for s in (current_sock, *self._draining) if s is not None]
        for sock in socks:
            sock.protocol.fail_all("client closed")
            sock.close()
        for sock in socks:
            await sock.wait_closed(1.0)
        self._to(ConnEvent.CLOSED)
        self._emit("close", {})
