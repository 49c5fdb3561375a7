"""One logical OKX connection (account x service) and the physical sockets behind it.

A :class:`Connection` opens lazily, logs in once however many callers race it, keeps the
socket alive, and heals itself: when the socket dies it fails every request in flight on it
at once (outcome unknown: nothing is ever re-sent), then reconnects with exponential backoff
and jitter, logs in again and restores every subscription. A ``64008`` notice opens the
replacement socket before the server closes the old one; requests already sent on the old
socket can still complete there.

okx-protocol.md sections 2 (login), 3 (envelopes), 5 (subscribe), 6 (keep-alive, notices).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from ..protocol import codec
from ..protocol.auth import ApiCredentials, build_login_request
from ..protocol.codec import FrameKind
from ..protocol.endpoints import ConnKind
from ..protocol.exceptions import (
    OkxApiError,
    OkxAuthenticationError,
    OkxConnectionLostError,
    OkxDecodeError,
    OkxError,
    OkxPartialBatchError,
    OkxRequestTimeoutError,
    OkxStateError,
)
from ..protocol.messages import ChannelArg
from ..protocol.state import ConnectionStateMachine, ConnEvent, ConnState
from .transport import TransportError, WsTransport, open_ws

if TYPE_CHECKING:
    import ssl

    from .events import EventEmitter

__all__ = ["Connection", "ConnectionOptions", "next_request_id"]

_log = logging.getLogger("okxws.net")

#: Request numbers, unique in this process and never reused (okx-protocol.md section 3.1);
#: ``str(next_request_number())`` is the id (the hot path calls the C counter directly).
next_request_number: Final = itertools.count(1).__next__


def next_request_id() -> str:
    """A request id unique in this process and never reused."""
    return str(next_request_number())


def _nothing_sent(error: OkxError) -> OkxError:
    """Mark an error raised before the request left: its outcome is known (not executed)."""
    error.outcome_unknown = False
    return error


def channel_key(arg: ChannelArg | dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Identity of a subscription: its fields, minus what the server adds (``uid``)."""
    return tuple(sorted((k, str(v)) for k, v in arg.items() if k != "uid"))


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    """Timing and transport settings shared by every connection of a client."""

    ping_interval: float = 10.0
    pong_timeout: float = 3.0
    reconnect_timeout: float = 0.5
    max_reconnect_delay: float = 30.0
    connect_timeout: float = 10.0
    #: How long a socket replaced after a 64008 notice may keep serving its requests.
    drain_timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None


#: A request awaiting its response: (future, op, args, expTime, timeout, deadline). A plain
#: tuple: it is built once per request, and a NamedTuple costs ~0.1 us more to build.
_Pending: TypeAlias = tuple[
    "asyncio.Future[Any]", str, list[Any], "str | None", "float | None", float
]


def _request_as_sent(rid: str, entry: _Pending) -> dict[str, Any]:
    """The request as sent, clOrdIds included: the key to an order whose outcome is unknown
    (never the credentials: they are not part of a request)."""
    _, op, args, exp_time, _, _ = entry
    request = {"id": rid, "op": op, "args": args}
    if exp_time is not None:
        request["expTime"] = exp_time
    return request


def _shape_problem(code: object, data: object) -> str | None:
    """Why an op response does not have OKX's shape (okx-protocol.md 3.2), or None."""
    if type(code) is not str:
        return f"code is {type(code).__name__}, not a string"
    if data is None and code != "0":
        return None  # a rejection may come without items
    if type(data) is not list:
        return f"data is {type(data).__name__}, not a list"
    if not all(type(item) is dict for item in data):
        return "data holds items that are not objects"
    return None


def _fail(rid: str, entry: _Pending, error: OkxError) -> None:
    fut = entry[0]
    if not fut.done():
        error.request = _request_as_sent(rid, entry)
        fut.set_exception(error)


_OP_RESPONSE: Final = FrameKind.OP_RESPONSE  # an enum attribute lookup costs ~70 ns
_parse: Final = codec.parse
_PARSE_ERRORS: Final = codec.PARSE_ERRORS
_PUSH: Final = FrameKind.PUSH
_DEBUG: Final = logging.DEBUG


class _Socket:
    """One physical WebSocket and the requests in flight on it."""

    __slots__ = (
        "acks_left",
        "clock",
        "closed",
        "conn",
        "deadline_timer",
        "delivers_pushes",
        "drain_handle",
        "last_deadline",
        "login_fut",
        "loop",
        "new_future",
        "notice",
        "pending",
        "send",
        "transport",
    )

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.transport: WsTransport | None = None
        #: The transport's send while the socket is open (None before and after): one
        #: check on the hot path.
        self.send: Callable[[bytes], None] | None = None
        #: Every request sent and not yet answered, expired or failed. A request whose
        #: caller was cancelled stays until then: its late response still reaches the
        #: ``response`` event, and a drained socket waits for it.
        self.pending: dict[str, _Pending] = {}
        #: Acks still due per subscribe/unsubscribe request (one per channel).
        self.acks_left: dict[str, int] = {}
        self.login_fut: asyncio.Future[dict[str, Any]] | None = None
        self.loop = loop = asyncio.get_running_loop()
        # asyncio's own loop implements these two in Python as ``time.monotonic()`` and
        # ``Future(loop=self)``: call those directly (a Python frame fewer per request).
        base = asyncio.BaseEventLoop
        self.clock = time.monotonic if type(loop).time is base.time else loop.time
        self.new_future: Callable[[], asyncio.Future[Any]] = (
            functools.partial(asyncio.Future, loop=loop)
            if type(loop).create_future is base.create_future
            else loop.create_future
        )
        #: One deadline timer per socket instead of one per request (bench/: ~3 us and
        #: ~270 B each). ``pending`` keeps send order, so while every request has the same
        #: timeout its deadlines never decrease along it; the timer walks it from the front.
        self.last_deadline = 0.0
        self.deadline_timer: asyncio.TimerHandle | None = None
        self.closed: asyncio.Future[str] = loop.create_future()
        self.notice: asyncio.Future[None] = loop.create_future()
        self.delivers_pushes = True
        self.drain_handle: asyncio.TimerHandle | None = None

    # -- called by the transport on the event loop ------------------------------------

    def on_message(self, raw: bytes) -> None:
        if _log.isEnabledFor(_DEBUG):  # cheap when off: one cached level check
            _log.debug("%s <- %s", self.conn.name, raw[:2048])
        try:
            msg = _parse(raw)
        except _PARSE_ERRORS:
            msg = None  # the text "pong", or a malformed frame: classify() tells which
        if (  # an op response (one per request): codec.classify_parsed()'s first case, inline
            type(msg) is dict
            and type(rid := msg.get("id")) is str
            and "event" not in msg
            and type(msg.get("op")) is str
        ):
            kind = _OP_RESPONSE
        else:
            try:
                kind, msg, rid = (
                    codec.classify(raw) if msg is None else codec.classify_parsed(msg, raw)
                )
            except OkxDecodeError as exc:
                # A malformed frame is logged and survived, never fatal.
                _log.warning("%s: ignoring malformed frame: %s %r", self.conn.name, exc, exc.raw)
                return
        if kind is _OP_RESPONSE:
            pending = self.pending.pop(rid, None)  # type: ignore[arg-type]  # it has an id
            if pending is None:
                _log.debug("%s: response to unknown or expired request %s", self.conn.name, rid)
                return
            conn = self.conn
            msg["connection"] = conn.kind
            data = msg.get("data")
            if (  # OKX's shape: a list of objects (one-item replies checked inline: hot path)
                msg.get("code") == "0"
                and type(data) is list
                and ((len(data) == 1 and type(data[0]) is dict) or not _shape_problem("0", data))
            ):
                try:  # noqa: SIM105  (suppress() would cost a context manager per response)
                    pending[0].set_result(msg)
                except asyncio.InvalidStateError:
                    pass  # its caller was cancelled: the response event below still gets it
            elif not self._fail_op(rid, pending, msg):  # type: ignore[arg-type]
                # Malformed: failed and logged, never delivered as a response. (forget() of
                # the id, untracked already, closes a drained socket like the lines below.)
                self.forget(rid)  # type: ignore[arg-type]
                return
            if conn.response_handlers:  # the emitter's live list: no call when nobody listens
                conn.emit_response(msg)
            if not self.delivers_pushes and not self.pending:
                self.close()  # a drained socket replaced after a 64008 notice
        elif kind is _PUSH:
            if self.delivers_pushes:
                self.conn.on_push(msg)
        elif kind is FrameKind.SUBSCRIBE or kind is FrameKind.UNSUBSCRIBE:
            self._ack(rid, msg)
        elif kind is FrameKind.LOGIN:
            if self.login_fut is not None and not self.login_fut.done():
                self.login_fut.set_result(msg)
        elif kind is FrameKind.ERROR:
            self._error_event(rid, msg)
        elif kind is FrameKind.NOTICE:
            _log.warning("%s: notice %s: %s", self.conn.name, msg.get("code"), msg.get("msg"))
            if msg.get("code") == "64008" and not self.notice.done():
                self.notice.set_result(None)
        elif kind is FrameKind.CHANNEL_CONN_COUNT:
            if msg.get("event") == "channel-conn-count-error":
                self.conn.emit_exception(OkxApiError(msg, self.conn.kind))
            else:
                _log.debug("%s: %s", self.conn.name, msg)
        # FrameKind.PONG: liveness is tracked by the transport.

    def on_close(self, code: int | None, reason: str) -> None:
        self.send = None
        why = f"closed by server ({code} {reason})" if code is not None else "connection lost"
        if self.drain_handle is not None:
            self.drain_handle.cancel()
        if self.deadline_timer is not None:
            self.deadline_timer.cancel()
            self.deadline_timer = None
        self.fail_all(why)
        self.conn.socket_closed(self)
        if not self.closed.done():
            self.closed.set_result(why)

    # -- dispatch ---------------------------------------------------------------------

    def _fail_op(self, rid: str, pending: _Pending, msg: dict[str, Any]) -> bool:
        """Fail a request OKX answered with an error; False if the reply is malformed."""
        code = msg.get("code")
        problem = _shape_problem(code, msg.get("data"))
        if problem is not None:
            # Whatever the server meant, the caller cannot tell whether the operation ran.
            name, op = self.conn.name, pending[1]
            _log.warning("%s: malformed reply to %s request %s (%s): %.500r",
                         name, op, rid, problem, msg)  # fmt: skip
            error = OkxDecodeError(
                f"{name}: malformed reply to {op} request {rid} ({problem}): "
                "OUTCOME UNKNOWN (not re-sent; look the order up by clOrdId)"
            )
            error.outcome_unknown = True
            _fail(rid, pending, error)
            return False
        if code == "2":  # some items of a batch failed
            _fail(rid, pending, OkxPartialBatchError(msg, self.conn.kind))
        else:
            _fail(rid, pending, OkxApiError(msg, self.conn.kind))
        return True

    def _ack(self, rid: str | None, msg: dict[str, Any]) -> None:
        if rid is None or rid not in self.pending:
            return
        left = self.acks_left.get(rid, 1) - 1
        if left > 0:
            self.acks_left[rid] = left
            return
        pending = self.forget(rid)
        if pending is not None and not pending[0].done():
            pending[0].set_result(msg)

    def _error_event(self, rid: str | None, msg: dict[str, Any]) -> None:
        pending = self.forget(rid) if rid is not None else None
        if rid is None or pending is None:
            # No request to fail (e.g. "Please log in" without an id): report it.
            self.conn.emit_exception(OkxApiError(msg, self.conn.kind))
            return
        _fail(rid, pending, OkxApiError(msg, self.conn.kind))

    def forget(self, rid: str) -> _Pending | None:
        """Stop tracking a request (answered, failed, expired or given up).

        A socket drained after a 64008 notice closes once it tracks nothing. (The op
        response path does the same inline.)
        """
        self.acks_left.pop(rid, None)
        entry = self.pending.pop(rid, None)
        if not self.delivers_pushes and not self.pending:
            self.close()
        return entry

    # -- sending ----------------------------------------------------------------------

    def request(
        self,
        rid: str,
        op: str,
        args: list[Any],
        exp_time: str | None,
        data: bytes,
        timeout: float | None,
    ) -> asyncio.Future[Any]:
        """Send ``data`` (the encoded request) and return the future of its response.

        With ``timeout`` the future fails after that many seconds; a response, error,
        deadline or the socket's death ends the request (never re-sent).
        """
        send = self.send
        if send is None:
            raise _nothing_sent(
                OkxConnectionLostError(f"{self.conn.name}: socket closed before sending {op}")
            )
        # Sent first: if sending raises nothing is left registered, and the response can
        # only be handled on a later turn of the loop, after the registration below.
        send(data)
        fut = self.new_future()
        if timeout is None:
            self.pending[rid] = (fut, op, args, exp_time, None, 0.0)
        else:
            deadline = self.clock() + timeout
            self.pending[rid] = (fut, op, args, exp_time, timeout, deadline)
            if deadline >= self.last_deadline:  # the usual case: one timeout for every call
                self.last_deadline = deadline
                if self.deadline_timer is None:
                    self.deadline_timer = self.loop.call_at(deadline, self._expire_due)
            else:  # a shorter per-call timeout: its own timer
                self.loop.call_at(deadline, self._expire_one, rid)
        return fut

    def _expire_due(self) -> None:
        self.deadline_timer = None
        now = self.clock()
        due: list[str] = []
        for rid, (_, _, _, _, timeout, deadline) in self.pending.items():  # in send order
            if timeout is None:
                continue
            if deadline > now:
                # Deadlines after it are later (those that are not have timers of their own).
                self.deadline_timer = self.loop.call_at(deadline, self._expire_due)
                break
            due.append(rid)
        for rid in due:
            self._expire_one(rid)

    def _expire_one(self, rid: str) -> None:
        entry = self.forget(rid)
        if entry is not None:
            _, op, _, _, timeout, _ = entry
            _fail(
                rid,
                entry,
                OkxRequestTimeoutError(
                    f"no response to {op} request {rid} within {timeout} s: "
                    "OUTCOME UNKNOWN (not re-sent; look the order up by clOrdId)"
                ),
            )

    def fail_all(self, why: str) -> None:
        pending, self.pending = self.pending, {}
        self.acks_left.clear()
        for rid, entry in pending.items():
            _fail(
                rid,
                entry,
                OkxConnectionLostError(
                    f"{self.conn.name}: {why} with {entry[1]} request {rid} in flight: "
                    "OUTCOME UNKNOWN (not re-sent; look the order up by clOrdId)"
                ),
            )
        if self.login_fut is not None and not self.login_fut.done():
            self.login_fut.set_exception(
                OkxConnectionLostError(f"{self.conn.name}: {why} during login")
            )
            self.login_fut.exception()  # retrieved: the login waiter may already be gone

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class Connection:
    """One logical connection: an account (or none, for public) on one OKX service."""

    def __init__(
        self,
        *,
        kind: ConnKind,
        url: str,
        account: int | None,
        credentials: ApiCredentials | None,
        options: ConnectionOptions,
        events: EventEmitter,
        now_s: Callable[[], float],
        on_push: Callable[[dict[str, Any], Connection], None],
    ) -> None:
        self.kind: Final = kind
        self.url = url
        self.account = account
        self.name = f"{kind}[{account}]" if account is not None else kind
        self._credentials = credentials
        self._options = options
        self._events = events
        self._now_s = now_s
        self._push_sink = on_push
        self.response_handlers = events.handlers("response")
        self._sm = ConnectionStateMachine()
        #: The socket to send on now: set only while the connection is ready (hot path).
        self.sock: _Socket | None = None
        self._draining: set[_Socket] = set()
        self._ready: asyncio.Future[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._auth_error: OkxAuthenticationError | None = None
        self._auth_failed_at = 0.0
        self._last_error: BaseException | None = None
        self._opened_once = False
        #: Subscriptions to restore after every reconnect, in subscription order.
        self.wanted: dict[tuple[tuple[str, str], ...], ChannelArg] = {}

    def __repr__(self) -> str:
        return f"<Connection {self.name} {self._sm.state.value} {self.url}>"

    @property
    def state(self) -> ConnState:
        return self._sm.state

    @property
    def needs_login(self) -> bool:
        return self._credentials is not None

    # -- readiness ----------------------------------------------------------------------

    def ready_socket(self) -> _Socket | None:
        """The socket to send on now, or None if the connection is not ready."""
        return self.sock

    async def wait_ready(self, timeout: float | None) -> _Socket:
        """Start the connection if needed and wait until it is open (and logged in)."""
        sock = self.ready_socket()
        if sock is not None:
            return sock
        state = self._sm.state
        if state is ConnState.CLOSING or state is ConnState.CLOSED:
            raise OkxStateError(f"{self.name}: the client is closed")
        if self._auth_error is not None:
            # Bad credentials must not turn into a reconnect-and-login loop: within the
            # cool-down every caller gets the same answer without touching the network.
            cooldown = max(self._options.reconnect_timeout, 1.0)
            if time.monotonic() - self._auth_failed_at < cooldown:
                raise self._auth_error
            self._auth_error = None
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
            raise _nothing_sent(
                OkxRequestTimeoutError(
                    f"{self.name}: not connected within {timeout} s; nothing was sent{last}"
                )
            ) from None
        sock = self.ready_socket()
        if sock is None:  # lost again between ready and now
            raise _nothing_sent(
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

    # -- the supervisor: connect, log in, resubscribe, wait, reconnect ------------------

    async def _run(self) -> None:
        attempt = 0
        reconnecting = False
        while True:
            try:
                sock = await self._open_socket(replacing=False)
            except OkxAuthenticationError as exc:
                self._auth_error = exc
                self._auth_failed_at = time.monotonic()
                self._set_ready(exc)
                self.emit_exception(exc)
                return  # restart only on demand: no login loop with bad credentials
            except Exception as exc:  # whatever fails below is a failed attempt: reconnect
                attempt += 1
                self.emit_exception(self._attempt_error(exc))
                await asyncio.sleep(self._backoff(attempt))
                continue
            attempt = 0
            self._last_error = None
            self.sock = sock
            self._set_ready()
            if reconnecting:
                self._emit("reconnected", {})
            reconnecting = True
            why = await self._serve(sock)
            self.socket_closed(sock)  # idempotent; covers a socket that died before serving
            self._sm.handle(ConnEvent.LOST)
            self._emit("reconnect", {"reason": why})
            await asyncio.sleep(self._backoff(1))

    async def _serve(self, sock: _Socket) -> str:
        """Wait while ``sock`` is current; replace it early on a 64008 notice."""
        while True:
            await asyncio.wait((sock.closed, sock.notice), return_when=asyncio.FIRST_COMPLETED)
            if sock.closed.done():
                return sock.closed.result()
            # 64008: the server closes soon. Open the replacement first, then retire sock.
            self._emit("reconnect", {"reason": "64008 service upgrade notice"})
            try:
                new = await self._open_socket(replacing=True)
            except Exception as exc:
                self.emit_exception(self._attempt_error(exc))
                sock.notice = asyncio.get_running_loop().create_future()
                continue  # keep the old socket until it closes; the next loss reconnects
            self._retire(sock)
            self.sock = sock = new
            self._emit("reconnected", {})

    def _attempt_error(self, exc: Exception) -> OkxError:
        """What a failed connection attempt reports: an OkxError. Anything else is a bug
        below this layer: logged here, once, with its traceback."""
        if isinstance(exc, OkxError):
            return exc
        _log.error("%s: unexpected error while connecting; reconnecting", self.name, exc_info=exc)
        error = TransportError(f"{self.name}: connection attempt failed: {exc!r}")
        error.__cause__ = exc
        return error

    def socket_closed(self, sock: _Socket) -> None:
        """Called the moment a socket dies: new requests wait for the next one at once."""
        if sock is self.sock:
            self.sock = None
        closing = self._sm.state in (ConnState.CLOSING, ConnState.CLOSED)
        if self.sock is None and not closing and (self._ready is None or self._ready.done()):
            self._ready = asyncio.get_running_loop().create_future()

    def _retire(self, sock: _Socket) -> None:
        sock.delivers_pushes = False
        if not sock.pending:
            sock.close()
            return
        self._draining.add(sock)
        sock.closed.add_done_callback(lambda _: self._draining.discard(sock))
        sock.drain_handle = asyncio.get_running_loop().call_later(
            self._options.drain_timeout, sock.abort
        )

    def _backoff(self, attempt: int) -> float:
        base = self._options.reconnect_timeout * 2.0 ** min(attempt - 1, 16)
        delay = min(base, self._options.max_reconnect_delay)
        jitter: float = random.uniform(0.8, 1.2)  # no thundering herd after an outage
        return delay * jitter

    async def _open_socket(self, *, replacing: bool) -> _Socket:
        sm = self._sm
        if not replacing:
            sm.handle(ConnEvent.CONNECT)
        sock = _Socket(self)
        opts = self._options
        try:
            sock.transport = await open_ws(
                self.url,
                sock.on_message,
                sock.on_close,
                ssl_context=opts.ssl_context,
                ping_interval=opts.ping_interval,
                pong_timeout=opts.pong_timeout,
                handshake_timeout=opts.connect_timeout,
            )
            if not sock.closed.done():  # it may have closed before this coroutine resumed
                sock.send = sock.transport.send
        except BaseException:
            if not replacing and sm.can(ConnEvent.CONNECT_FAILED):
                sm.handle(ConnEvent.CONNECT_FAILED)
            raise
        try:
            if not replacing:
                sm.handle(ConnEvent.OPENED)
            if not self._opened_once:  # like the Node SDK: later opens are "reconnected"
                self._opened_once = True
                self._emit("open", {"url": self.url})
            if self._credentials is not None:
                if not replacing:
                    sm.handle(ConnEvent.LOGIN)
                await self._login(sock, self._credentials)
                if not replacing:
                    sm.handle(ConnEvent.AUTHENTICATED)
                self._emit("authenticated", {})
            elif not replacing:
                sm.handle(ConnEvent.READY)
            await self._resubscribe(sock)
        except BaseException as exc:
            sock.abort()
            if not replacing:
                if isinstance(exc, OkxAuthenticationError) and sm.can(ConnEvent.LOGIN_FAILED):
                    sm.handle(ConnEvent.LOGIN_FAILED)
                if sm.can(ConnEvent.LOST):
                    sm.handle(ConnEvent.LOST)
            raise
        return sock

    async def _login(self, sock: _Socket, credentials: ApiCredentials) -> None:
        assert sock.transport is not None
        sock.login_fut = asyncio.get_running_loop().create_future()
        sock.transport.send(codec.encode(build_login_request(credentials, self._now_s())))
        try:
            async with asyncio.timeout(self._options.connect_timeout):
                reply = await sock.login_fut
        except TimeoutError:
            raise OkxRequestTimeoutError(f"{self.name}: no answer to login") from None
        code = str(reply.get("code"))
        if code != "0":
            # Never the key, passphrase or signature: only OKX's code and message.
            raise OkxAuthenticationError(f"{self.name}: login rejected: {reply.get('msg')}", code)

    async def _resubscribe(self, sock: _Socket) -> None:
        if not self.wanted:
            return
        args = list(self.wanted.values())
        try:
            await self.subscribe_on(sock, "subscribe", args, self._options.connect_timeout)
        except OkxApiError as exc:
            # One bad channel must not keep the connection down: report it and carry on.
            self.emit_exception(exc)

    async def subscribe_on(
        self, sock: _Socket, op: str, args: list[ChannelArg], timeout: float | None
    ) -> None:
        """Send one subscribe/unsubscribe and wait for an ack per channel."""
        rid = next_request_id()
        data = codec.encode({"id": rid, "op": op, "args": args})
        fut = sock.request(rid, op, args, None, data, None)
        sock.acks_left[rid] = len(args)  # one ack per channel (before any can arrive)
        try:
            async with asyncio.timeout(timeout):
                await fut
        except TimeoutError:
            raise OkxRequestTimeoutError(f"{self.name}: no {op} ack within {timeout} s") from None
        finally:
            sock.forget(rid)

    # -- callbacks from sockets ---------------------------------------------------------

    def on_push(self, msg: dict[str, Any]) -> None:
        self._push_sink(msg, self)

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
        sm = self._sm
        if sm.state is ConnState.CLOSED:
            return
        if sm.state is not ConnState.CLOSING:
            sm.handle(ConnEvent.CLOSE)
        current_sock, self.sock = self.sock, None  # nothing new is sent while closing
        if self._supervisor is not None:
            self._supervisor.cancel()
            try:
                await self._supervisor
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
        self._set_ready(OkxStateError(f"{self.name}: the client is closed"))
        socks = [s for s in (current_sock, *self._draining) if s is not None]
        for sock in socks:
            sock.fail_all("client closed")
            sock.close()
        for sock in socks:
            if sock.transport is not None:
                try:
                    async with asyncio.timeout(1.0):
                        await sock.transport.wait_closed()
                except TimeoutError:
                    sock.abort()
                    await sock.transport.wait_closed()
        sm.handle(ConnEvent.CLOSED)
        self._emit("close", {})
