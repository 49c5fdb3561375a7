"""``WebsocketClient``: OKX connections, WS API requests and market/account streams.

One connection per (account, service) for the client's market and live/demo environment,
opened lazily: ``public`` needs no account; ``private`` and ``business`` log in with it.
See https://www.okx.com/docs-v5/en/#overview-websocket and okx-protocol.md sections 1-6.
"""

from __future__ import annotations

import asyncio
import logging
import math
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Final, Literal

import aiohttp

from ..protocol import codec
from ..protocol.auth import ApiCredentials
from ..protocol.channels import channel_conn_kind, channel_needs_login
from ..protocol.endpoints import ConnKind, ws_url
from ..protocol.endpoints import rest_base_url as _rest_base_url
from ..protocol.exceptions import (
    OkxConnectionLostError,
    OkxError,
    OkxStateError,
    OkxValidationError,
)
from ..protocol.messages import ChannelArg, OpResponse
from ..protocol.ops import OPS, OpSpec
from .connection import Connection, ConnectionOptions, channel_key, next_request_number
from .events import EventEmitter, EventName, Handler, attach_logging_listeners
from .streams import OverflowPolicy, PushStream

__all__ = ["DEFAULT", "Default", "WebsocketClient"]

_log = logging.getLogger("okxws.net")


class Default:
    """The type of :data:`DEFAULT`: "use the client's setting"."""

    _instance: Default | None = None

    def __new__(cls) -> Default:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DEFAULT"


#: Pass as ``timeout`` to use the client's ``request_timeout``.
DEFAULT: Final = Default()
Timeout = float | None | Default


def _check_seconds(name: str, value: float, *, low: float = 0.0, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= high:
        raise OkxValidationError(f"{name} must be a number of seconds in ({low}, {high}]")
    return float(value)


class WebsocketClient:
    """Manages OKX WebSocket connections; sends WS API requests; carries pushes.

    Events (:meth:`on`): ``open``, ``reconnect``, ``reconnected``, ``authenticated``,
    ``exception``, ``close``, ``response``, ``update``. Handlers may be sync or async; one that
    raises is logged and never breaks the client.
    """

    def __init__(
        self,
        accounts: Sequence[ApiCredentials] | None = None,
        *,
        market: Literal["prod", "EEA", "US"] | str = "prod",
        demo_trading: bool = False,
        ws_base_url: str | None = None,
        rest_base_url: str | None = None,
        ping_interval: float = 10.0,
        pong_timeout: float = 3.0,
        reconnect_timeout: float = 0.5,
        max_reconnect_delay: float = 30.0,
        request_timeout: float | None = 10.0,
        connect_timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        attach_event_listeners: bool = True,
    ) -> None:
        accounts = list(accounts or [])
        for creds in accounts:
            if not isinstance(creds, ApiCredentials):
                raise OkxValidationError("accounts must be ApiCredentials instances")
        _check_seconds("ping_interval", ping_interval, high=29.0)  # OKX closes idle after 30 s
        _check_seconds("pong_timeout", pong_timeout, high=ping_interval)
        _check_seconds("reconnect_timeout", reconnect_timeout)
        _check_seconds("max_reconnect_delay", max_reconnect_delay)
        _check_seconds("connect_timeout", connect_timeout)
        if request_timeout is not None:
            _check_seconds("request_timeout", request_timeout)
        self._accounts = accounts
        self.market = market
        self.demo_trading = bool(demo_trading)
        # Validates market and base URLs now, before anything is sent.
        self._ws_urls = {
            kind: ws_url(market, self.demo_trading, kind, ws_base_url)
            for kind in ("public", "private", "business")
        }
        self.rest_base_url = _rest_base_url(market, rest_base_url)
        self.request_timeout = request_timeout
        self._options = ConnectionOptions(
            ping_interval=float(ping_interval),
            pong_timeout=float(pong_timeout),
            reconnect_timeout=float(reconnect_timeout),
            max_reconnect_delay=float(max_reconnect_delay),
            connect_timeout=float(connect_timeout),
            ssl_context=ssl_context,
        )
        self._events = EventEmitter()
        if attach_event_listeners:
            attach_logging_listeners(self._events)
        self._connections: dict[tuple[int | None, ConnKind], Connection] = {}
        #: The default account's connections by kind: the request hot path's one lookup.
        self._default_conns: dict[ConnKind, Connection] = {}
        self._streams: set[PushStream] = set()
        self._time_offset_ms = 0
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"<WebsocketClient market={self.market} demo={self.demo_trading} "
            f"accounts={len(self._accounts)} connections={len(self._connections)}>"
        )

    # -- events -------------------------------------------------------------------------

    def on(self, event: EventName, handler: Handler) -> None:
        """Register a handler for ``event``; it receives one dict argument."""
        self._events.on(event, handler)

    def off(self, event: EventName, handler: Handler) -> None:
        self._events.off(event, handler)

    # -- time ---------------------------------------------------------------------------

    def set_time_offset_ms(self, offset_ms: int) -> None:
        """Server time minus local time, applied to login timestamps and relative ``expTime``."""
        if isinstance(offset_ms, bool) or not isinstance(offset_ms, int | float):
            raise OkxValidationError("offset_ms must be a number of milliseconds")
        self._time_offset_ms = int(offset_ms)

    def get_time_offset_ms(self) -> int:
        return self._time_offset_ms

    def server_time_ms(self) -> int:
        """Local time corrected by the offset, in epoch milliseconds."""
        return int(time.time() * 1000) + self._time_offset_ms

    def _server_time_s(self) -> float:
        return time.time() + self._time_offset_ms / 1000

    async def sync_time(self, timeout: float = 5.0) -> int:
        """Set the time offset from OKX's server time and return it (ms).

        https://www.okx.com/docs-v5/en/#public-data-rest-api-get-system-time
        """
        url = f"{self.rest_base_url}/api/v5/public/time"
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        try:
            async with aiohttp.ClientSession(timeout=client_timeout) as session:
                before = time.time() * 1000
                async with session.get(url, ssl=self._options.ssl_context or True) as resp:
                    body = await resp.read()
                after = time.time() * 1000
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise OkxConnectionLostError(f"cannot read server time from {url}: {exc}") from exc
        try:
            server_ms = int(codec.loads(body)["data"][0]["ts"])
        except (OkxError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise OkxError(f"unexpected server time reply: {body[:200]!r}") from exc
        self._time_offset_ms = round(server_ms - (before + after) / 2)
        return self._time_offset_ms

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

    def _connection(self, kind: ConnKind, account: int | None) -> Connection:
        if self._closed:
            raise OkxStateError("the client is closed")
        key = (account, kind)
        conn = self._connections.get(key)
        if conn is None:
            conn = Connection(
                kind=kind,
                url=self._ws_urls[kind],
                account=account,
                credentials=self._accounts[account] if account is not None else None,
                options=self._options,
                events=self._events,
                now_s=self._server_time_s,
                on_push=self._on_push,
            )
            self._connections[key] = conn
            if account == 0 or kind == "public":
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
        wait = self.request_timeout if timeout is None else timeout
        index = self._account_index(account)
        await asyncio.gather(
            self._connection("private", index).wait_ready(wait),
            self._connection("business", index).wait_ready(wait),
        )

    # -- WS API requests ----------------------------------------------------------------

    def _deadline(self, timeout: Timeout) -> float | None:
        if isinstance(timeout, Default):
            return self.request_timeout
        if timeout is not None:
            _check_seconds("timeout", timeout)
        return timeout

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
        response: OpResponse = await self._start_ws_api_request(
            spec, args, exp_time, timeout, account
        )
        return response

    def _start_ws_api_request(
        self,
        spec: OpSpec[Any, Any],
        args: list[Any],
        exp_time: int | str | None,
        timeout: Timeout,
        account: int | None,
    ) -> Awaitable[Any]:
        """Send a checked request now and return the future of its response.

        For callers that have checked ``args`` against ``spec`` already (this method and
        ``okxws.api``): awaiting the future directly keeps one coroutine frame off every
        request in flight. When the connection is not ready yet this returns a coroutine
        that waits for it (within the deadline) and then sends.
        """
        if exp_time is not None and not spec.supports_exp_time:
            raise OkxValidationError(f"{spec.name} does not support expTime")
        wait = self.request_timeout if timeout is DEFAULT else self._deadline(timeout)
        conn = self._default_conns.get(spec.conn_kind) if account is None else None
        if conn is None:
            conn = self._connection(spec.conn_kind, self._account_index(account))
        rid = str(next_request_number())
        op = spec.name
        request: dict[str, Any] = {"id": rid, "op": op, "args": args}
        exp = None
        if exp_time is not None:
            request["expTime"] = exp = str(exp_time)
        data = codec.encode(request)
        sock = conn.sock
        if sock is None:
            return self._send_when_ready(conn, rid, op, args, exp, data, wait)
        return sock.request(rid, op, args, exp, data, wait)

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
        started = time.monotonic()
        sock = await conn.wait_ready(wait)
        if wait is not None:
            wait = max(wait - (time.monotonic() - started), 0.0)
        return await sock.request(rid, op, args, exp_time, data, wait)

    # -- streams ------------------------------------------------------------------------

    def _arg_connection(self, arg: ChannelArg, account: int | None) -> Connection:
        if not isinstance(arg, dict) or not isinstance(arg.get("channel"), str):
            raise OkxValidationError(f"a channel arg is a dict with a 'channel' string: {arg!r}")
        channel = arg["channel"]
        kind = channel_conn_kind(channel)
        if not channel_needs_login(channel):
            # Public data (also candles etc. on /business) needs no account and no login.
            return self._connection(kind, None)
        return self._connection(kind, self._account_index(account))

    def _group(
        self, args: ChannelArg | Iterable[ChannelArg], account: int | None
    ) -> dict[Connection, list[ChannelArg]]:
        items = [args] if isinstance(args, dict) else list(args)
        if not items:
            raise OkxValidationError("no channels given")
        groups: dict[Connection, list[ChannelArg]] = {}
        for arg in items:
            groups.setdefault(self._arg_connection(arg, account), []).append(dict(arg))  # type: ignore[arg-type]
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
        await self._subscription_op("subscribe", args, account, timeout)

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
        await self._subscription_op("unsubscribe", args, account, timeout)

    async def _subscription_op(
        self,
        op: Literal["subscribe", "unsubscribe"],
        args: ChannelArg | Iterable[ChannelArg],
        account: int | None,
        timeout: Timeout,
    ) -> None:
        wait = self._deadline(timeout)
        groups = self._group(args, account)

        async def run(conn: Connection, items: list[ChannelArg]) -> None:
            if op == "unsubscribe":
                for arg in items:
                    conn.wanted.pop(channel_key(arg), None)
                sock = conn.ready_socket()
                if sock is None:
                    return  # not connected: nothing to undo on the server
            else:
                sock = await conn.wait_ready(wait)
            await conn.subscribe_on(sock, op, items, wait)
            if op == "subscribe":
                for arg in items:
                    conn.wanted[channel_key(arg)] = arg

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
        wanted = frozenset(channels) if channels is not None else None
        accept: Callable[[dict[str, Any]], bool] | None = None
        if wanted is not None:

            def accept(msg: dict[str, Any]) -> bool:
                return msg["arg"].get("channel") in wanted

        stream = PushStream(maxsize, overflow, accept, self._streams.discard)
        self._streams.add(stream)
        return stream

    def _on_push(self, msg: dict[str, Any], conn: Connection) -> None:
        msg["connection"] = conn.kind
        for stream in self._streams:
            stream.put(msg)
        if self._events.has("update"):
            self._events.emit("update", msg)

    # -- shutdown -----------------------------------------------------------------------

    async def close(self) -> None:
        """Close every connection, fail what is pending, end every stream. Idempotent."""
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(*(conn.close() for conn in self._connections.values()))
        for stream in list(self._streams):
            stream.close()
        await self._events.aclose()

    async def __aenter__(self) -> WebsocketClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
