"""REST endpoints of the simulator (okx-protocol.md section 8), sharing the WS engine state.

Signed endpoints verify ``OK-ACCESS-*`` headers against the raw request target and the raw body
(clients sign unencoded or encoded queries and spaced or compact JSON:
docs/dev/foreign-clients.md); public endpoints ignore any auth headers. Replies are
``{"code","msg","data"[,"inTime","outTime"]}``; auth failures are HTTP 401.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Final, Protocol

import orjson
from aiohttp import web

from okxws.protocol.auth import rest_signature
from okxws.protocol.errors import ERROR_CODES
from okxws.protocol.ops import OPS, OpSpec

from .book import Book
from .dispatch import execute_op, fail_all
from .engine import Engine
from .instruments import instrument_by_id
from .market_books import REST_BOOKS_FULL_MAX, REST_BOOKS_MAX, rest_books, rest_books_full
from .render import currencies_as_rest, instruments_as_rest, spreads_as_rest
from .router import SimApiKey

__all__ = ["Exchange", "add_rest_routes"]

_WINDOW_MS: Final = 30_000
#: REST twin path -> the WS operation it mirrors (protocol/ops.py).
_TRADE_POSTS: Final[dict[str, OpSpec[Any, Any]]] = {spec.rest_path: spec for spec in OPS.values()}
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Exchange(Protocol):
    """What the REST handlers need of the simulator."""

    @property
    def engine(self) -> Engine: ...

    @property
    def api_keys(self) -> Mapping[str, SimApiKey]:
        """The API keys, by key."""

    def clock_us(self) -> int:
        """Server time in Unix microseconds."""

    async def flush_events(self) -> None:
        """Send the pushes for what the engine did (REST orders push on the WebSocket)."""


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


def _err(code: str, status: int = 200, msg: str | None = None) -> web.Response:
    text = ERROR_CODES[code].msg if msg is None and code in ERROR_CODES else (msg or "")
    return _json({"code": code, "msg": text, "data": []}, status)


def _ok(data: list[Any]) -> web.Response:
    return _json({"code": "0", "msg": "", "data": data})


def _parse_iso_ms(ts: str) -> int | None:
    try:
        return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def add_rest_routes(app: web.Application, exchange: Exchange) -> None:
    """Register every REST endpoint on ``app``, serving ``exchange``."""
    api = _Rest(exchange)
    r = app.router
    r.add_get("/api/v5/public/time", api.time)
    r.add_get("/api/v5/public/instruments", api.instruments)
    r.add_get("/api/v5/sprd/spreads", api.spreads)
    r.add_get("/api/v5/market/ticker", api.ticker)
    r.add_get("/api/v5/market/books", api.books)
    r.add_get("/api/v5/market/books-full", api.books_full)
    r.add_get("/api/v5/asset/currencies", api.signed(api.currencies))
    r.add_get("/api/v5/trade/order", api.signed(api.get_order))
    r.add_get("/api/v5/trade/orders-pending", api.signed(api.orders_pending))
    r.add_get("/api/v5/account/balance", api.signed(api.balance))
    r.add_get("/api/v5/account/positions", api.signed(api.positions))
    r.add_get("/api/v5/sprd/order", api.signed(api.sprd_order))
    r.add_get("/api/v5/sprd/orders-pending", api.signed(api.sprd_orders_pending))
    for path in _TRADE_POSTS:
        r.add_post(path, api.signed(api.trade))


class _Rest:
    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.engine = exchange.engine

    def _now_ms(self) -> int:
        return self.exchange.clock_us() // 1000

    # ------------------------------------------------------------------ public

    async def time(self, request: web.Request) -> web.Response:
        """https://www.okx.com/docs-v5/en/#public-data-rest-api-get-system-time"""
        return _ok([{"ts": str(self._now_ms())}])

    async def instruments(self, request: web.Request) -> web.Response:
        """https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments"""
        q = request.query
        inst_type = q.get("instType")
        if not inst_type:
            return _err("50014", 400, "Parameter instType can not be empty.")
        data = instruments_as_rest(inst_type)
        inst_id = q.get("instId")
        family = q.get("instFamily") or q.get("uly")
        if inst_id:
            data = [d for d in data if d["instId"] == inst_id]
        if family:
            data = [d for d in data if d["instFamily"] == family]
        return _ok(data)

    async def spreads(self, request: web.Request) -> web.Response:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-spreads-public"""
        data = spreads_as_rest()
        sprd_id = request.query.get("sprdId")
        if sprd_id:
            data = [d for d in data if d["sprdId"] == sprd_id]
        return _ok(data)

    async def ticker(self, request: web.Request) -> web.Response:
        """https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-ticker"""
        try:
            return _ok([self.engine.ticker(request.query.get("instId", ""), self._now_ms())])
        except KeyError:
            return _err("51001")

    async def books(self, request: web.Request) -> web.Response:
        """https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-order-book"""
        return self._book(request, REST_BOOKS_MAX, rest_books)

    async def books_full(self, request: web.Request) -> web.Response:
        """https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-full-order-book"""
        return self._book(request, REST_BOOKS_FULL_MAX, rest_books_full)

    def _book(
        self,
        request: web.Request,
        max_sz: int,
        render_book: Callable[[Book[Any], int, int], dict[str, Any]],
    ) -> web.Response:
        inst_id = request.query.get("instId", "")
        if instrument_by_id(inst_id) is None:
            return _err("51001")
        try:
            sz = int(request.query.get("sz", "1"))
        except ValueError:
            return _err("51000", msg="Parameter sz error")
        if not 1 <= sz <= max_sz:
            return _err("51000", msg="Parameter sz error")
        return _ok([render_book(self.engine.book(inst_id), sz, self._now_ms())])

    # ------------------------------------------------------------------ auth

    def signed(
        self, handler: Callable[[web.Request, SimApiKey, int, bytes], Awaitable[web.Response]]
    ) -> _Handler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            in_us = self.exchange.clock_us()
            body = await request.read()
            account_or_err = self._authenticate(request, body, in_us // 1000)
            if isinstance(account_or_err, web.Response):
                return account_or_err
            return await handler(request, account_or_err, in_us, body)

        return wrapper

    def _authenticate(
        self, request: web.Request, body: bytes, now_ms: int
    ) -> SimApiKey | web.Response:
        """https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature"""
        h = request.headers
        key = h.get("OK-ACCESS-KEY")
        sign = h.get("OK-ACCESS-SIGN")
        ts = h.get("OK-ACCESS-TIMESTAMP")
        passphrase = h.get("OK-ACCESS-PASSPHRASE")
        if not key:
            return _err("50103", 401)
        if not sign:
            return _err("50106", 401)
        if not ts:
            return _err("50107", 401)
        if not passphrase:
            return _err("50104", 401)
        ts_ms = _parse_iso_ms(ts)
        if ts_ms is None:
            return _err("50112", 401)
        if abs(ts_ms - now_ms) > _WINDOW_MS:
            return _err("50102", 401)
        account = self.exchange.api_keys.get(key)
        if account is None:
            return _err("50111", 401)
        if passphrase != account.api_pass:
            return _err("50105", 401)
        expected = rest_signature(
            account.api_secret,
            ts,
            request.method,
            request.raw_path,
            body.decode("utf-8", "replace"),
        )
        if not hmac.compare_digest(expected, sign):
            return _err("50113", 401)
        return account

    # ------------------------------------------------------------------ private

    async def currencies(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#funding-account-rest-api-get-currencies"""
        return _ok(currencies_as_rest())

    async def get_order(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details"""
        q = request.query
        inst_id = q.get("instId", "")
        if not inst_id:
            return _err("50014", msg="Parameter instId can not be empty.")
        ord_id, cl = q.get("ordId") or None, q.get("clOrdId") or None
        if ord_id is None and cl is None:
            return _err("51003")
        order = self.engine.get_order(acct.uid, inst_id=inst_id, ord_id=ord_id, cl_ord_id=cl)
        if order is None:
            return _err("51603")
        return _ok([order])

    async def orders_pending(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-list"""
        q = request.query
        data = self.engine.pending_orders(
            acct.uid, q.get("instType") or None, q.get("instId") or None
        )
        return _ok(data)

    async def balance(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance"""
        data = self.engine.balance(acct.uid)
        ccy = request.query.get("ccy")
        if ccy:
            wanted = set(ccy.split(","))
            data = {**data, "details": [d for d in data["details"] if d["ccy"] in wanted]}
        return _ok([data])

    async def positions(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions"""
        return _ok(list(self.engine.positions(acct.uid)))

    async def sprd_order(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-order-details"""
        q = request.query
        order = self.engine.get_spread_order(
            acct.uid, ord_id=q.get("ordId") or None, cl_ord_id=q.get("clOrdId") or None
        )
        return _err("51603") if order is None else _ok([order])

    async def sprd_orders_pending(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-active-orders"""
        return _ok(self.engine.pending_spread_orders(acct.uid, request.query.get("sprdId")))

    async def trade(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """The 11 trading POSTs (okx-protocol.md section 8 table)."""
        spec = _TRADE_POSTS[request.path]
        try:
            parsed = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError:
            return _err("50002", 400, "JSON syntax error")
        items: list[Any] = parsed if isinstance(parsed, list) else [parsed]
        if not all(isinstance(i, dict) for i in items) or not items:
            return _err("50002", 400, "JSON syntax error")
        if not spec.is_batch and len(items) != 1:
            return _err("51000", msg="Parameter body error.")
        if len(items) > spec.max_items:
            if spec.action == "amend":
                return _err("51501", msg=f"Maximum {spec.max_items} orders can be modified.")
            return _err("51111", msg=f"Maximum {spec.max_items} orders can be placed in bulk.")
        now_ms = in_us // 1000
        exp = request.headers.get("expTime")
        if exp and spec.supports_exp_time and exp.isdigit() and now_ms > int(exp):
            # Recorded on demo 2026-09 (okx-protocol.md 11a.2 #3): code 1, per-item 50036.
            data = fail_all(spec, items, "50036", now_ms)
            return self._reply("1", "All operations failed", data, in_us)
        code, msg, data = execute_op(self.engine, acct.uid, spec, items, now_ms, rest=True)
        await self.exchange.flush_events()
        return self._reply(code, msg, data, in_us)

    def _reply(self, code: str, msg: str, data: list[Any], in_us: int) -> web.Response:
        out_us = max(self.exchange.clock_us(), in_us)
        return _json(
            {"code": code, "msg": msg, "data": data, "inTime": str(in_us), "outTime": str(out_us)}
        )
