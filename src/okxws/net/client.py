"""``WebsocketClient``: OKX connections, WS API requests and market/account streams.

One connection per (account, service) for the client's market and live/demo environment,
opened lazily: ``public`` needs no account; ``private`` and ``business`` log in with it.
See https://www.okx.com/docs-v5/en/#overview-websocket and okx-protocol.md sections 1-6.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar, Unpack

from ..protocol import codec
from ..protocol.auth import ApiCredentials
from ..protocol.channels import channel_spec
from ..protocol.endpoints import ConnKind
from ..protocol.exceptions import OkxHttpError, OkxStateError, OkxValidationError
from ..protocol.messages import ChannelArg, OpResponse, WsApiResponse
from ..protocol.ops import OPS, OpSpec
from ..protocol.ratelimit import CONNECT_LIMIT, CONTROL_LIMIT, RateLimiter, SlidingWindow
from ..protocol.stats import PushStats, percentile
from .books import DEFAULT_STALE_AFTER, BookContext, OrderBook, _BookManager
from .budget import wait_for_budget
from .clock import ServerClock
from .connection import REQUEST_IDS, Connection
from .events import EventEmitter, EventName, Handler, attach_logging_listeners
from .http import HttpClient, okx_data
from .options import DEFAULT, ClientOptions, ClientOptionsKw, Default, Timeout, check_seconds
from .socket import REQUEST_CLOCK, TransportFactory
from .streams import OverflowPolicy, PushRouter, PushSink, PushStream
from .transport import open_ws

__all__ = ["DEFAULT", "Default", "WebsocketClient"]

_log = logging.getLogger("okxws.net")
# Module constants, so that the compiled request path reads them as C statics instead of
# looking names up in module dicts (bench/hot_path_micro.py --callgrind).
_REQUEST_IDS: Final = REQUEST_IDS
_monotonic: Final = REQUEST_CLOCK  # the clock of budgets and of requests sent
_DEFAULT: Final = DEFAULT
ArgsT = TypeVar("ArgsT", bound=Mapping[str, object])
ResultT = TypeVar("ResultT")


class WebsocketClient:
    """Manages OKX WebSocket connections; sends WS API requests; carries pushes.

    Options (keywords, see :class:`~okxws.net.options.ClientOptions`): ``market``,
    ``demo_trading``, ``ws_base_url``, ``rest_base_url``, ``ping_interval``, ``pong_timeout``,
    ``reconnect_timeout``, ``max_reconnect_delay``, ``request_timeout``, ``connect_timeout``,
    ``drain_timeout``, ``ssl_context``, ``attach_event_listeners``, ``transport``.

    Events (:meth:`on`): ``open``, ``reconnect``, ``reconnected``, ``authenticated``,
    ``exception``, ``close``, ``response``, ``update``. Handlers may be sync or async; one that
    raises is logged and never breaks the client.
    """

    def __init__(
        self,
        accounts: Sequence[ApiCredentials] | None = None,
        **options: Unpack[ClientOptionsKw],
    ) -> None:
        accounts = list(accounts or [])
        for creds in accounts:
            if not isinstance(creds, ApiCredentials):
                raise OkxValidationError("accounts must be ApiCredentials instances")
        self.options = opts = ClientOptions.of(dict(options))
        self._accounts = accounts
        self._ws_urls = {kind: opts.ws_url(kind) for kind in ("public", "private", "business")}
        self._request_timeout = opts.request_timeout  # read on every request
        #: OKX's budgets, shared with the REST client made from this one (None: "off").
        self.limiter = None if opts.rate_limit == "off" else RateLimiter(opts.rate_limits)
        self._limit_waits = opts.rate_limit == "wait"
        overrides = opts.rate_limits or {}
        connect = overrides.get(CONNECT_LIMIT.bucket, CONNECT_LIMIT)
        self._connect_budget = (
            None if self.limiter is None else SlidingWindow(connect.limit, connect.window_s)
        )
        self._control_limit = (
            None if self.limiter is None else overrides.get(CONTROL_LIMIT.bucket, CONTROL_LIMIT)
        )
        self._opener: TransportFactory = opts.transport or open_ws
        self._events = EventEmitter()
        if opts.attach_event_listeners:
            attach_logging_listeners(self._events)
        self._connections: dict[tuple[int | None, ConnKind, int], Connection] = {}
        #: The default account's connections by kind: the request hot path's one lookup.
        self._default_conns: dict[ConnKind, Connection] = {}
        self._router = PushRouter()
        self._streams: set[PushStream] = set()
        self.clock = ServerClock()
        self._http = HttpClient(opts, self.clock.now_ms)
        self._books: _BookManager | None = None
        self._push_stats: dict[str, PushStats] = {}
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"<WebsocketClient market={self.market} demo={self.demo_trading} "
            f"accounts={len(self._accounts)} connections={len(self._connections)}>"
        )

    @property
    def market(self) -> str:
        return self.options.market

    @property
    def demo_trading(self) -> bool:
        return self.options.demo_trading

    @property
    def rest_base_url(self) -> str:
        return self.options.rest_url

    @property
    def request_timeout(self) -> float | None:
        return self._request_timeout

    @property
    def http(self) -> HttpClient:
        """The client's REST session (server time, instrument codes, ``RestClient``)."""
        return self._http

    # -- events -------------------------------------------------------------------------

    def on(self, event: EventName, handler: Handler) -> None:
        """Register a handler for ``event``; it receives one dict argument."""
        self._events.on(event, handler)

    def off(self, event: EventName, handler: Handler) -> None:
        """Remove a handler registered with :meth:`on`."""
        self._events.off(event, handler)

    # -- time ---------------------------------------------------------------------------

    def set_time_offset_ms(self, offset_ms: int) -> None:
        """Server time minus local time, applied to login timestamps and relative ``expTime``."""
        self.clock.set_offset_ms(offset_ms)

    def get_time_offset_ms(self) -> int:
        """The offset set by :meth:`set_time_offset_ms` or :meth:`sync_time` (ms)."""
        return self.clock.offset_ms

    def server_time_ms(self) -> int:
        """Local time corrected by the offset, in epoch milliseconds."""
        return self.clock.now_ms()

    async def sync_time(self, timeout: float = 5.0) -> int:
        """Set the time offset from OKX's server time and return it (ms).

        https://www.okx.com/docs-v5/en/#public-data-rest-api-get-system-time
        """
        before = time.time() * 1000
        reply = await self._http.request("GET", "/api/v5/public/time", timeout=timeout)
        after = time.time() * 1000
        data = okx_data(reply, "GET /api/v5/public/time")
        try:
            server_ms = int(data[0]["ts"])
        except (KeyError, IndexError, TypeError, ValueError):
            raise OkxHttpError(f"unexpected server time reply: {reply.body!r:.200}") from None
        return self.clock.set_from_server(server_ms, before, after)

    # -- connections --------------------------------------------------------------------

    def _account_index(self, account: int | None) -> int:
        if not self._accounts:
            raise OkxValidationError("this operation needs API credentials: pass accounts=[...]")
        index = 0 if account is None else account
        if (
            isinstance(index, bool)
            or not isinstance(index, int)
            or not 0 <= index < len(self._accounts)
        ):
            raise OkxValidationError(f"account must be an index below {len(self._accounts)}")
        return index

    @property
    def has_accounts(self) -> bool:
        """Whether the client was given API credentials."""
        return bool(self._accounts)

    def credentials(self, account: int | None = None) -> ApiCredentials:
        """The API key of ``account`` (index into ``accounts``; default the first)."""
        return self._accounts[self._account_index(account)]

    def _connection(self, kind: ConnKind, account: int | None, shard: int = 0) -> Connection:
        if self._closed:
            raise OkxStateError("the client is closed")
        key = (account, kind, shard)
        conn = self._connections.get(key)
        if conn is None:
            conn = Connection(
                kind=kind,
                url=self._ws_urls[kind],
                account=account,
                shard=shard,
                credentials=self._accounts[account] if account is not None else None,
                options=self.options,
                opener=self._opener,
                events=self._events,
                now_s=self.clock.now_s,
                push_sink=functools.partial(self._on_push, kind),
                on_rate_limited=self._okx_rate_limited,
                connect_budget=self._connect_budget,
                control_limit=self._control_limit,
            )
            self._connections[key] = conn
            if (account == 0 or kind == "public") and shard == 0:
                self._default_conns.setdefault(kind, conn)
        return conn

    def connection(self, kind: ConnKind, account: int | None = None) -> Connection:
        """The connection serving ``kind`` (``public`` ignores ``account``)."""
        if kind == "public":
            return self._connection("public", None)
        return self._connection(kind, self._account_index(account))

    async def connect_ws_api(
        self, account: int | None = None, timeout: float | None = None
    ) -> None:
        """Open the private and business connections and log both in.

        Returns once both are ready. Optional: requests connect on demand.
        """
        wait = self._request_timeout if timeout is None else timeout
        index = self._account_index(account)
        await asyncio.gather(
            self._connection("private", index).wait_ready(wait),
            self._connection("business", index).wait_ready(wait),
        )

    # -- WS API requests ----------------------------------------------------------------

    def _deadline(self, timeout: Timeout) -> float | None:
        if isinstance(timeout, Default):
            return self._request_timeout
        if timeout is not None:
            check_seconds("timeout", timeout)
        return timeout

    def request(
        self,
        spec: OpSpec[ArgsT, ResultT],
        args: list[ArgsT],
        exp_time: int | str | None = None,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> Awaitable[WsApiResponse[ResultT]]:
        """Send one WS API request of ``spec`` now; await the result for the response.

        ``args`` are sent as given (``okxws.api`` validates them first). When the connection
        is ready this returns the response future itself, so a request in flight costs no
        coroutine frame; otherwise an awaitable that connects (within the deadline) first.
        Raises like :meth:`send_ws_api_request`.
        """
        return self.request_op(spec.name, spec.conn_kind, spec, args, exp_time, timeout, account)

    def request_op(
        self,
        op: str,
        kind: ConnKind,
        spec: OpSpec[ArgsT, ResultT],
        args: list[ArgsT],
        exp_time: int | str | None,
        timeout: Timeout,
        account: int | None,
    ) -> Awaitable[WsApiResponse[ResultT]]:
        """:meth:`request` given ``spec``'s name and connection kind (``op``, ``kind``):
        the compiled order path has them at hand, and each attribute of the interpreted
        spec costs a lookup."""
        if exp_time is not None and not spec.supports_exp_time:
            raise OkxValidationError(f"{op} does not support expTime")
        wait = self._request_timeout if timeout is _DEFAULT else self._deadline(timeout)
        conn = self._default_conns.get(kind) if account is None else None
        if conn is None:
            conn = self._connection(kind, self._account_index(account))
        now = _monotonic()  # the budget's time and the request's sent-at time (one read)
        limiter = self.limiter
        if limiter is not None:
            delay = limiter.acquire_op(op, spec, args, conn.account or 0, now)
            if delay:
                return self._send_within_budget(conn, spec, args, exp_time, wait, delay)
        pending: Awaitable[WsApiResponse[ResultT]] = self._dispatch(
            conn, op, args, exp_time, wait, now
        )
        return pending

    def _dispatch(
        self,
        conn: Connection,
        op: str,
        args: list[Any],
        exp_time: int | str | None,
        wait: float | None,
        now: float,
    ) -> Any:
        """Encode and send a checked, budgeted request now (or once ``conn`` is ready);
        ``now`` is the monotonic time (the socket's clock) it is sent at."""
        rid = _REQUEST_IDS.next()
        exp = None if exp_time is None else str(exp_time)
        data = codec.encode_request(rid, op, args, exp)
        sock = conn.sock
        if sock is None:
            return self._send_when_ready(conn, rid, op, args, exp, data, wait)
        return sock.request(rid, op, args, exp, data, wait, now)

    async def _send_within_budget(
        self,
        conn: Connection,
        spec: OpSpec[ArgsT, ResultT],
        args: list[ArgsT],
        exp_time: int | str | None,
        wait: float | None,
        delay: float,
    ) -> WsApiResponse[ResultT]:
        """Wait for OKX's budget within the request's deadline, then send (nothing is sent
        if the deadline or the request's ``expTime`` would pass first)."""
        assert self.limiter is not None
        left = await wait_for_budget(
            self.limiter,
            spec,
            args,
            conn.account or 0,
            delay,
            timeout=wait,
            exp_time_ms=None if exp_time is None else int(exp_time),
            server_time_ms=self.clock.now_ms,
            waits=self._limit_waits,
        )
        response: WsApiResponse[ResultT] = await self._dispatch(
            conn, spec.name, args, exp_time, left, _monotonic()
        )
        return response

    @staticmethod
    async def _send_when_ready(
        conn: Connection,
        rid: str,
        op: str,
        args: list[Any],
        exp_time: str | None,
        data: bytes,
        wait: float | None,
    ) -> Any:
        started = _monotonic()
        sock = await conn.wait_ready(wait)
        now = _monotonic()
        if wait is not None:
            wait = max(wait - (now - started), 0.0)
        return await sock.request(rid, op, args, exp_time, data, wait, now)

    async def send_ws_api_request(
        self,
        op: str,
        args: list[Any],
        *,
        exp_time: int | str | None = None,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> OpResponse:
        """Send ``{id, op, args[, expTime]}`` and return the matching response.

        Raises :class:`~okxws.OkxApiError` when ``code`` is not "0" (with the whole
        response), :class:`~okxws.OkxRequestTimeoutError` after the deadline and
        :class:`~okxws.OkxConnectionLostError` if the socket dies first (both: outcome
        unknown; never re-sent). Every error carries ``request``, the request as sent.
        See https://www.okx.com/docs-v5/en/#overview-websocket.
        """
        spec = OPS.get(op)
        if spec is None:
            raise OkxValidationError(f"unknown WS API operation {op!r}")
        if not isinstance(args, list) or not args:
            raise OkxValidationError(f"{op}: args must be a non-empty list")
        if len(args) > spec.max_items:
            raise OkxValidationError(f"{op}: at most {spec.max_items} items, got {len(args)}")
        return await self.request(spec, args, exp_time, timeout, account)

    # -- streams ------------------------------------------------------------------------

    def connection_for(
        self, arg: ChannelArg, account: int | None = None, shard: int = 0
    ) -> Connection:
        """The connection that serves channel ``arg`` (public data needs no account);
        ``shard`` picks one of several connections of that kind (many deep books)."""
        if not isinstance(arg, dict) or not isinstance(arg.get("channel"), str):
            raise OkxValidationError(f"a channel arg is a dict with a 'channel' string: {arg!r}")
        spec = channel_spec(arg["channel"])
        if not spec.needs_login:
            # Public data (also candles etc. on /business) needs no account and no login.
            return self._connection(spec.conn_kind, None, shard)
        return self._connection(spec.conn_kind, self._account_index(account), shard)

    def _group(
        self, args: ChannelArg | Iterable[ChannelArg], account: int | None
    ) -> dict[Connection, list[ChannelArg]]:
        items = [args] if isinstance(args, dict) else list(args)
        if not items:
            raise OkxValidationError("no channels given")
        groups: dict[Connection, list[ChannelArg]] = {}
        for arg in items:
            groups.setdefault(self.connection_for(arg, account), []).append(dict(arg))  # type: ignore[arg-type]
        return groups

    async def subscribe(
        self,
        args: ChannelArg | Iterable[ChannelArg],
        *,
        account: int | None = None,
        timeout: Timeout = DEFAULT,
    ) -> None:
        """Subscribe to channels, each on the connection that serves it, logging in first
        where a channel needs it; returns once OKX acknowledged every channel (an error raises
        :class:`~okxws.OkxApiError`). Subscriptions are restored after every reconnect.

        https://www.okx.com/docs-v5/en/#overview-websocket-subscribe
        """
        wait = self._deadline(timeout)

        async def run(conn: Connection, items: list[ChannelArg]) -> None:
            sock = await conn.wait_ready(wait)
            await conn.subscribe_on(sock, "subscribe", items, wait)
            conn.subscriptions.add(items)

        groups = self._group(args, account)
        await asyncio.gather(*(run(conn, items) for conn, items in groups.items()))

    async def unsubscribe(
        self,
        args: ChannelArg | Iterable[ChannelArg],
        *,
        account: int | None = None,
        timeout: Timeout = DEFAULT,
    ) -> None:
        """Unsubscribe; the channels are no longer restored after a reconnect.

        https://www.okx.com/docs-v5/en/#overview-websocket-unsubscribe
        """
        wait = self._deadline(timeout)

        async def run(conn: Connection, items: list[ChannelArg]) -> None:
            conn.subscriptions.remove(items)
            sock = conn.sock
            if sock is not None:  # not connected: nothing to undo on the server
                await conn.subscribe_on(sock, "unsubscribe", items, wait)

        groups = self._group(args, account)
        await asyncio.gather(*(run(conn, items) for conn, items in groups.items()))

    def stream(
        self,
        channels: Iterable[str] | None = None,
        *,
        maxsize: int = 10_000,
        overflow: OverflowPolicy = "drop_oldest",
    ) -> PushStream:
        """An async iterator of pushes (optionally only of some channels).

        ``async for msg in client.stream(["orders"]): ...``; see :class:`PushStream`.
        """
        wanted = None if channels is None else list(channels)

        def closed(stream: PushStream) -> None:
            remove()
            self._streams.discard(stream)

        stream = PushStream(maxsize, overflow, closed)
        remove = self._router.add(stream.put, wanted)
        self._streams.add(stream)
        return stream

    def order_book(
        self,
        inst_id: str,
        channel: str = "books",
        *,
        account: int | None = None,
        timeout: Timeout = DEFAULT,
        verify_checksum: bool = False,
        stale_after: float = DEFAULT_STALE_AFTER,
    ) -> BookContext:
        """A local order book kept in sequence with OKX: ``async with ws.order_book("BTC-USDT",
        channel="books") as book:`` subscribes, returns once the book is in sequence, and
        unsubscribes on the way out; a book silent for ``stale_after`` seconds (OKX sends a
        heartbeat every ~60 s) is resubscribed. Channels: ``books``, ``books5``, ``bbo-tbt``,
        ``books-l2-tbt``, ``books50-l2-tbt`` (these two log the public connection in; OKX
        requires VIP4) and ``sprd-books5``, ``sprd-bbo-tbt``, ``sprd-books-l2-tbt`` (a
        ``sprdId`` as ``inst_id``). See :class:`~okxws.net.books.OrderBook`.
        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
        """
        return BookContext(
            self._book_manager(),
            inst_id,
            channel,
            account=account,
            timeout=self._deadline(timeout),
            verify_checksum=verify_checksum,
            stale_after=check_seconds("stale_after", stale_after),
        )

    async def order_books(
        self,
        inst_ids: Iterable[str],
        channel: str = "books",
        *,
        account: int | None = None,
        timeout: Timeout = DEFAULT,
        verify_checksum: bool = False,
        stale_after: float = DEFAULT_STALE_AFTER,
    ) -> list[OrderBook]:
        """Open many books at once: one subscribe request per connection, deep books spread
        over several public connections (fewer than 30 each). Close each with
        ``await book.aclose()`` (the client's ``close()`` ends them all)."""
        return await self._book_manager().open(
            inst_ids,
            channel,
            account=account,
            timeout=self._deadline(timeout),
            verify_checksum=verify_checksum,
            stale_after=check_seconds("stale_after", stale_after),
        )

    def _book_manager(self) -> _BookManager:
        if self._closed:
            raise OkxStateError("the client is closed")
        if self._books is None:
            self._books = _BookManager(self)
        return self._books

    def add_push_sink(
        self, sink: PushSink, channels: Iterable[str] | None = None, target: str | None = None
    ) -> Callable[[], None]:
        """Call ``sink(push)`` for every push of ``channels`` (of instrument ``target`` if
        given; all pushes if ``channels`` is None); returns the function that stops it. A sink
        must not block; pushes are shared, so it must not change them."""
        return self._router.add(sink, channels, target)

    def _okx_rate_limited(self, conn: Connection, op: str, args: list[Any]) -> None:
        """OKX refused ``op`` for its rate limit: treat its budgets as spent for one window,
        so the next requests wait (or fail fast) instead of hammering. Nothing is re-sent."""
        spec = OPS.get(op)
        if self.limiter is None or spec is None:
            return
        charges = self.limiter.charges(spec, args, conn.account or 0)
        self.limiter.block(charges, spec.rate_limit.window_s, _monotonic())
        _log.warning("%s: OKX rate limit on %s; backing off %s", conn.name, op, list(charges))

    def _on_push(self, kind: ConnKind, msg: dict[str, Any]) -> None:
        msg["connection"] = kind
        channel = msg["arg"].get("channel")
        stats = self._push_stats.get(channel)
        if stats is None:
            stats = self._push_stats[channel] = PushStats()
        age: float | None = None
        data = msg.get("data")
        if type(data) is list and data and type(data[0]) is dict:
            ts = data[0].get("ts")
            if type(ts) is str and ts.isdigit():
                age = self.clock.now_ms() - int(ts)
        stats.received(age)
        self._router.route(msg)
        if self._events.has("update"):
            self._events.emit("update", msg)

    # -- health figures -----------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """The client's health figures, as plain data (documented in
        docs/logging-and-events.md): per connection its state, reconnects and their causes,
        logins, resubscriptions, requests in flight and per operation the counts (sent, ok,
        rejected, unknown outcome, timed out) with round-trip / OKX gateway / network
        percentiles (ms, last 1,024 answers); pushes per channel and their age; order books;
        rate-limit waits and budgets; the clock offset."""
        now = _monotonic()
        limiter = self.limiter
        waits = sorted(w * 1000 for w in limiter.recent_waits) if limiter is not None else []
        return {
            "connections": {
                conn.name: {
                    "state": conn.state.value,
                    "reconnects": conn.reconnects,
                    "lost_reasons": list(conn.lost_reasons),
                    "logins": conn.logins,
                    "resubscriptions": conn.resubscriptions,
                    "in_flight": conn.in_flight(),
                    "ops": {op: s.summary() for op, s in conn.op_stats.items()},
                }
                for conn in self._connections.values()
            },
            "pushes": {ch: s.summary() for ch, s in self._push_stats.items()},
            "books": {} if self._books is None else self._books.stats(),
            "rate_limits": {
                "mode": self.options.rate_limit,
                "waits": 0 if limiter is None else limiter.waits,
                "recent_waits_ms": {
                    "p50": percentile(waits, 0.5),
                    "p99": percentile(waits, 0.99),
                    "max": waits[-1] if waits else None,
                },
                "budgets": [
                    {
                        "bucket": b.key[0],
                        "account": b.key[1],
                        "instrument": b.key[2],
                        "limit": b.limit,
                        "window_s": b.window_s,
                        "remaining": b.remaining,
                    }
                    for b in (limiter.budgets(now) if limiter is not None else [])
                ],
            },
            "clock_offset_ms": self.clock.offset_ms,
        }

    # -- shutdown -----------------------------------------------------------------------

    async def close(self) -> None:
        """Close every connection, fail what is pending, end every stream. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._books is not None:
            await self._books.aclose()
        await asyncio.gather(*(conn.close() for conn in self._connections.values()))
        for stream in list(self._streams):
            stream.close()
        await self._http.close()
        await self._events.aclose()

    async def __aenter__(self) -> WebsocketClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
