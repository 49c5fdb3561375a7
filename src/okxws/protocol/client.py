"""The client side of one OKX WebSocket, without I/O: what every frame from the server means.

A :class:`ClientProtocol` holds the requests in flight on one socket. The I/O layer
(:mod:`okxws.net.socket`) registers each request it sends with :meth:`ClientProtocol.track`
and feeds every received text message to :meth:`ClientProtocol.receive`; the protocol
matches op replies and subscribe acks to their requests by id (one ack per channel),
recognises login answers, 64008 notices and error events (recovering the id of an
"Illegal request" from its text), resolves or fails each request's waiter, and tells its
owner about the rest. Time is passed in (:meth:`expire_due`); nothing here touches a loop,
a socket or a clock, so frame rules are tested with plain objects (tests/pair.py).

A waiter is anything with ``done``/``set_result``/``set_exception``: an ``asyncio.Future``
in the client, a ``concurrent.futures.Future`` in tests.

okx-protocol.md sections 3 (envelopes and ids), 5 (subscribe acks), 6 (notices) and 11a.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final, Protocol

from .codec import FrameKind, classify
from .exceptions import (
    OkxConnectionLostError,
    OkxDecodeError,
    OkxError,
    OkxRateLimitError,
    OkxRequestTimeoutError,
    OkxResponseShapeError,
    api_error,
)
from .stats import OpStats

__all__ = [
    "ARGS",
    "EXP_TIME",
    "OP",
    "SENT_AT",
    "STATS",
    "TIMEOUT",
    "WAITER",
    "ClientProtocol",
    "Pending",
    "ProtocolOwner",
    "Waiter",
    "request_as_sent",
    "shape_problem",
]

_log = logging.getLogger("okxws.net")


class Waiter(Protocol):
    """What a request's result is delivered to (``asyncio.Future`` satisfies it)."""

    def done(self) -> bool: ...
    def set_result(self, result: Any, /) -> None: ...
    def set_exception(self, exception: BaseException, /) -> None: ...
    def exception(self) -> BaseException | None: ...


class ProtocolOwner(Protocol):
    """What :class:`ClientProtocol` tells the layer above about frames that answer no request."""

    def on_push(self, msg: dict[str, Any]) -> None: ...
    def on_response(self, msg: dict[str, Any]) -> None: ...
    def on_notice(self, msg: dict[str, Any]) -> None: ...
    def on_server_error(self, error: OkxError) -> None: ...
    def on_rate_limited(self, op: str, args: list[Any]) -> None: ...
    def on_drained(self) -> None: ...


#: A request in flight: ``(waiter, op, args, expTime, timeout, sent at, the op's health
#: figures)``, read through the index names below; its deadline is ``sent at + timeout``. A
#: plain tuple, because it is built once per request and a NamedTuple or slotted class costs
#: ~0.1 us more to build (bench/: timeit 33 vs 140 ns). The figures ride along so that a
#: reply finds them without a lookup. The waiter is typed ``Any`` here: compiled, every read
#: of a ``Waiter`` slot would check the future against the protocol class.
Pending = tuple[Any, str, list[Any], "str | None", "float | None", float, OpStats]
WAITER: Final = 0
OP: Final = 1
ARGS: Final = 2
EXP_TIME: Final = 3
TIMEOUT: Final = 4
SENT_AT: Final = 5
STATS: Final = 6

_OP_RESPONSE: Final = FrameKind.OP_RESPONSE  # an enum attribute lookup costs ~70 ns
_PUSH: Final = FrameKind.PUSH
_DEBUG: Final = logging.DEBUG
#: The logger's own memo of ``isEnabledFor`` answers, read first on the receive path (a
#: dict lookup instead of a Python call per frame). ``logging`` empties it in place whenever
#: a level changes, so turning DEBUG on or off takes effect at once; where a Python keeps
#: no such memo this stays empty and every frame asks ``isEnabledFor``.
_ENABLED_MEMO: Final[dict[int, bool]] = getattr(_log, "_cache", {})
_ACKED_OPS: Final = frozenset({"subscribe", "unsubscribe"})


def shape_problem(code: object, data: object) -> str | None:
    """Why an op reply does not have OKX's shape (okx-protocol.md 3.2), or None: ``code`` a
    string, ``data`` a list of objects (a rejection may come without ``data``)."""
    if type(code) is not str:
        return f"its code is a {type(code).__name__}, not a string"
    if data is None and code != "0":
        return None
    if type(data) is not list:
        return f"its data is a {type(data).__name__}, not a list"
    if not all(type(item) is dict for item in data):
        return "its data holds items that are not objects"
    return None


def request_as_sent(rid: str, entry: Pending) -> dict[str, Any]:
    """The request as sent, clOrdIds included: the key to an order whose outcome is unknown
    (never the credentials: they are not part of a request)."""
    request: dict[str, Any] = {"id": rid, "op": entry[OP], "args": entry[ARGS]}
    if entry[EXP_TIME] is not None:
        request["expTime"] = entry[EXP_TIME]
    return request


def _fail(rid: str, entry: Pending, error: OkxError) -> None:
    waiter = entry[WAITER]
    if not waiter.done():
        error.request = request_as_sent(rid, entry)
        waiter.set_exception(error)


class ClientProtocol:
    """The requests in flight on one socket and the meaning of each frame that arrives.

    ``invalid_state`` is the error a done waiter raises on a second result
    (``asyncio.InvalidStateError`` for futures): a reply to a caller that was cancelled is
    then ignored without a ``done()`` check per reply.
    """

    __slots__ = (
        "acks_left",
        "clock",
        "conn_kind",
        "delivers_pushes",
        "invalid_state",
        "login_waiter",
        "name",
        "op_stats",
        "owner",
        "pending",
        "response_listeners",
    )

    def __init__(
        self,
        name: str,
        conn_kind: str,
        owner: ProtocolOwner,
        *,
        response_listeners: list[Any] | None = None,
        invalid_state: type[Exception] = Exception,
        clock: Callable[[], float] = lambda: 0.0,
        op_stats: dict[str, OpStats] | None = None,
    ) -> None:
        self.name = name
        self.conn_kind = conn_kind
        self.owner = owner
        #: Every request sent and not yet answered, expired or failed, in send order. A
        #: request whose caller was cancelled stays until then: its late response still
        #: reaches the ``response`` event, and a drained socket waits for it.
        self.pending: dict[str, Pending] = {}
        #: Acks still due per subscribe/unsubscribe request (one per channel).
        self.acks_left: dict[str, int] = {}
        self.login_waiter: Waiter | None = None
        #: False once the socket is replaced after a 64008 notice: it only finishes its
        #: requests, and tells its owner when the last one ends (:meth:`on_drained`).
        self.delivers_pushes = True
        #: The live list of ``response`` handlers: the owner is only called when non-empty.
        self.response_listeners: list[Any] = (
            [] if response_listeners is None else response_listeners
        )
        self.invalid_state = invalid_state
        #: The clock requests' ``sent at`` times are read on (for round trips).
        self.clock = clock
        #: Health figures by operation (shared by the sockets of one connection).
        self.op_stats: dict[str, OpStats] = {} if op_stats is None else op_stats

    # -- requests -----------------------------------------------------------------------

    def track(
        self,
        rid: str,
        waiter: Waiter,
        op: str,
        args: list[Any],
        exp_time: str | None,
        timeout: float | None,
        sent_at: float,
        acks: int = 1,
    ) -> None:
        """Register a request just sent at ``sent_at`` (on :attr:`clock`); ``acks``
        channels answer a subscribe."""
        stats = self.stats_of(op)
        stats.sent += 1
        self.pending[rid] = (waiter, op, args, exp_time, timeout, sent_at, stats)
        if acks != 1:
            self.acks_left[rid] = acks

    def stats_of(self, op: str) -> OpStats:
        """The figures of ``op`` (created on first use)."""
        stats = self.op_stats.get(op)
        if stats is None:
            stats = self.op_stats[op] = OpStats()
        return stats

    def release(self, rid: str) -> Pending | None:
        """Stop tracking a request however it ended (answered, failed, expired, given up).

        A drained socket tells its owner once it tracks nothing more (the op-reply path in
        :meth:`receive` does the same inline).
        """
        self.acks_left.pop(rid, None)
        entry = self.pending.pop(rid, None)
        if not self.delivers_pushes and not self.pending:
            self.owner.on_drained()
        return entry

    def expire_due(self, now: float) -> float | None:
        """Fail every request whose deadline has passed; return the next deadline to wake at.

        ``pending`` keeps send order, so while every request has the same timeout its
        deadlines never decrease along it: the walk stops at the first one not yet due.
        Requests with a shorter per-call timeout are expired by :meth:`expire` instead.
        """
        due: list[str] = []
        next_deadline: float | None = None
        for rid, entry in self.pending.items():
            timeout = entry[TIMEOUT]
            if timeout is None:
                continue
            deadline = entry[SENT_AT] + timeout
            if deadline > now:
                next_deadline = deadline
                break
            due.append(rid)
        for rid in due:
            self.expire(rid)
        return next_deadline

    def expire(self, rid: str) -> None:
        """Fail one request for its deadline (if it is still in flight)."""
        entry = self.release(rid)
        if entry is not None:
            stats = entry[STATS]
            stats.timed_out += 1
            stats.unknown += 1
            _fail(
                rid,
                entry,
                OkxRequestTimeoutError(
                    f"no response to {entry[OP]} request {rid} within {entry[TIMEOUT]} s: "
                    "OUTCOME UNKNOWN (not re-sent; look the order up by clOrdId)"
                ),
            )

    def fail_all(self, why: str) -> None:
        """The socket is gone: fail every request in flight (outcome unknown) and the login."""
        pending, self.pending = self.pending, {}
        self.acks_left.clear()
        for rid, entry in pending.items():
            entry[STATS].unknown += 1
            _fail(
                rid,
                entry,
                OkxConnectionLostError(
                    f"{self.name}: {why} with {entry[OP]} request {rid} in flight: "
                    "OUTCOME UNKNOWN (not re-sent; look the order up by clOrdId)"
                ),
            )
        login = self.login_waiter
        if login is not None and not login.done():
            login.set_exception(OkxConnectionLostError(f"{self.name}: {why} during login"))
            login.exception()  # retrieved: the login waiter may already be gone

    # -- frames -------------------------------------------------------------------------

    def receive(self, raw: bytes) -> None:
        """Handle one text message from the server (never raises: a bad frame is logged)."""
        enabled = _ENABLED_MEMO.get(_DEBUG)
        if enabled is None:
            enabled = _log.isEnabledFor(_DEBUG)  # (fills the memo)
        if enabled:
            _log.debug("%s <- %s", self.name, raw[:2048])
        try:
            kind, msg, rid = classify(raw)
        except OkxDecodeError as exc:
            _log.warning("%s: ignoring malformed frame: %s %r", self.name, exc, exc.raw)
            return
        if kind is _OP_RESPONSE:
            pending = self.pending
            found = pending.get(rid)  # type: ignore[arg-type]  # replies have ids
            if found is None:
                _log.debug("%s: response to unknown or expired request %s", self.name, rid)
                return
            del pending[rid]  # type: ignore[arg-type]  # (get + del: direct dict calls, compiled)
            entry: Pending = found  # narrowed once (compiled: each read of `found` re-checks)
            msg["connection"] = self.conn_kind
            stats = entry[STATS]
            code = msg.get("code")
            data = msg.get("data")
            if (  # OKX's shape: a list of objects (a one-item reply checked inline: hot path)
                type(code) is str
                and code == "0"
                and type(data) is list
                and ((len(data) == 1 and type(data[0]) is dict) or shape_problem("0", data) is None)
            ):
                stats.answered(self.clock() - entry[SENT_AT], msg, True)
                try:  # noqa: SIM105  (suppress() would cost a context manager per reply)
                    entry[WAITER].set_result(msg)
                except self.invalid_state:
                    pass  # its caller was cancelled: the response event below still gets it
            else:
                stats.answered(self.clock() - entry[SENT_AT], msg, False)
                if not self._reply_failed(rid, entry, msg, stats):  # type: ignore[arg-type]
                    if not self.delivers_pushes and not self.pending:
                        self.owner.on_drained()
                    return  # malformed: failed and logged, never delivered as a response
            if self.response_listeners:
                self.owner.on_response(msg)
            if not self.delivers_pushes and not self.pending:
                self.owner.on_drained()
        elif kind is _PUSH:
            if self.delivers_pushes:
                self.owner.on_push(msg)
        elif kind is FrameKind.SUBSCRIBE or kind is FrameKind.UNSUBSCRIBE:
            self._ack(rid, msg)
        elif kind is FrameKind.LOGIN:
            login = self.login_waiter
            if login is not None and not login.done():
                login.set_result(msg)
        elif kind is FrameKind.ERROR:
            self._error_event(rid, msg)
        elif kind is FrameKind.NOTICE:
            self.owner.on_notice(msg)
        elif kind is FrameKind.CHANNEL_CONN_COUNT:
            if msg.get("event") == "channel-conn-count-error":
                self.owner.on_server_error(api_error(msg, self.conn_kind))
            else:
                _log.debug("%s: %s", self.name, msg)
        # FrameKind.PONG: liveness is tracked by the transport.

    def _reply_failed(self, rid: str, entry: Pending, msg: dict[str, Any], stats: OpStats) -> bool:
        """Fail a request OKX did not accept; False if the reply does not have OKX's shape."""
        problem = shape_problem(msg.get("code"), msg.get("data"))
        if problem is not None:
            # Right id, but not OKX's shape: never hand it back as a result or a response.
            # The request reached OKX, so for an order write its outcome is unknown.
            stats.rejected -= 1
            stats.unknown += 1
            malformed = OkxResponseShapeError(
                f"{self.name}: malformed reply to {entry[OP]} request {rid} ({problem}): "
                "OUTCOME UNKNOWN (not re-sent; look the order up by clOrdId)",
                repr(msg)[:512],
            )
            _log.warning("%s", malformed)
            _fail(rid, entry, malformed)
            return False
        error = api_error(msg, self.conn_kind)
        if isinstance(error, OkxRateLimitError):  # OKX dropped it: its budget is spent
            self.owner.on_rate_limited(entry[OP], entry[ARGS])
        if error.outcome_unknown:  # 50004 / 51149 ...: not a rejection
            stats.rejected -= 1
            stats.unknown += 1
        _fail(rid, entry, error)
        return True

    def _ack(self, rid: str | None, msg: dict[str, Any]) -> None:
        entry = self.pending.get(rid) if rid is not None else None
        if entry is None or entry[OP] not in _ACKED_OPS:  # an ack answers only a subscription
            return
        assert rid is not None
        left = self.acks_left.get(rid, 1) - 1
        if left > 0:
            self.acks_left[rid] = left
            return
        entry = self.release(rid)
        if entry is not None:
            entry[STATS].ok += 1
            if not entry[WAITER].done():
                entry[WAITER].set_result(msg)

    def _error_event(self, rid: str | None, msg: dict[str, Any]) -> None:
        entry = self.release(rid) if rid is not None else None
        if rid is None or entry is None:
            # No request to fail (e.g. "Please log in" without an id): report it.
            self.owner.on_server_error(api_error(msg, self.conn_kind))
            return
        entry[STATS].rejected += 1
        _fail(rid, entry, api_error(msg, self.conn_kind))
