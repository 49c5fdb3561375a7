"""REST endpoints of the simulator (okx-protocol.md section 8), sharing the WS engine state.

Signed endpoints verify ``OK-ACCESS-*`` headers against the raw request target and the raw body
(clients sign unencoded or encoded queries and spaced or compact JSON:
docs/dev/foreign-clients.md); public endpoints ignore any auth headers. Replies are
``{"code","msg","data"[,"inTime","outTime"]}``; auth failures are HTTP 401 ``{"msg","code"}``
without ``data`` (okx-streams-rest.md 4.3). The REST fault switches of :mod:`.faults` (429,
5xx, HTML pages, no answer, unknown outcomes, delayed executions) act here.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Final, Protocol

import orjson
from aiohttp import web

from okxws.protocol.auth import rest_signature
from okxws.protocol.channels import CANDLE_BARS
from okxws.protocol.endpoints import DEMO_TRADING_HEADER
from okxws.protocol.errors import ERROR_CODES
from okxws.protocol.ops import OPS, SUB_ACCOUNT_ORDER_LIMIT, OpSpec

from .book import Book
from .dispatch import execute_op, fail_all
from .engine import Engine
from .faults import NO_ANSWER_HOLD_S, FaultKind, FaultRule, Faults
from .history import fills_data, orders_history_data, spread_trades_data
from .instruments import instrument_by_id
from .limits import RATE_LIMIT_CODE, SimLimits
from .market_books import REST_BOOKS_FULL_MAX, REST_BOOKS_MAX, rest_books, rest_books_full
from .render import currencies_as_rest, spreads_as_rest
from .router import SimApiKey
from .unknown_outcomes import (
    HTML_CONTENT_TYPE,
    execute_faulted,
    html_error_page,
    http_error_body,
    landed_late,
    unknown_outcome_answer,
)

__all__ = ["Exchange", "add_rest_routes"]

_WINDOW_MS: Final = 30_000
#: REST twin path -> the WS operation it mirrors (protocol/ops.py).
_TRADE_POSTS: Final[dict[str, OpSpec[Any, Any]]] = {spec.rest_path: spec for spec in OPS.values()}
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_SignedHandler = Callable[[web.Request, SimApiKey, int, bytes], Awaitable[web.Response]]
#: OKX's per-endpoint limit answer (okx-streams-rest.md 5.5, recorded in production).
_TOO_MANY: Final = orjson.dumps({"msg": "Too Many Requests", "code": "50011"})
_ANY_REQUEST_FAULTS: Final = frozenset({FaultKind.HTTP_RATE_LIMIT})
_TRADE_FAULTS: Final = frozenset(
    {
        FaultKind.HTTP_RATE_LIMIT,
        FaultKind.NO_ANSWER,
        FaultKind.HTTP_ERROR,
        FaultKind.UNKNOWN_OUTCOME,
        FaultKind.DELAY_EXECUTION,
    }
)
#: cancel-all-after ``timeOut``: 0 disarms, else 10-120 seconds.
_CAA_RANGE: Final = range(10, 121)


class Exchange(Protocol):
    """What the REST handlers need of the simulator."""

    @property
    def engine(self) -> Engine: ...

    @property
    def api_keys(self) -> Mapping[str, SimApiKey]:
        """The API keys, by key."""

    @property
    def limits(self) -> SimLimits:
        """The rate-limit budgets, shared with the WebSocket API."""

    @property
    def faults(self) -> Faults: ...

    def clock_us(self) -> int:
        """Server time in Unix microseconds."""

    async def flush_events(self) -> None:
        """Send the pushes for what the engine did (REST orders push on the WebSocket)."""

    async def hold(self, seconds: float) -> bool:
        """Wait ``seconds``; False if the simulator closed meanwhile."""

    def cancel_all_after(self, uid: str, tag: str, seconds: int) -> int:
        """Arm (or with 0 disarm) the dead man's switch; returns the trigger time in ms."""


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


def _err(code: str, status: int = 200, msg: str | None = None) -> web.Response:
    text = ERROR_CODES[code].msg if msg is None and code in ERROR_CODES else (msg or "")
    return _json({"code": code, "msg": text, "data": []}, status)


def _auth_err(code: str) -> web.Response:
    """An authentication failure: HTTP 401, ``msg`` then ``code``, no ``data`` (recorded)."""
    return _json({"msg": ERROR_CODES[code].msg, "code": code}, 401)


def _too_many() -> web.Response:
    return web.Response(body=_TOO_MANY, status=429, content_type="application/json")


def _ok(data: list[Any]) -> web.Response:
    return _json({"code": "0", "msg": "", "data": data})


def _parse_iso_ms(ts: str) -> int | None:
    try:
        return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def _limit(raw: str | None, default: int, most: int) -> int | None:
    """A ``limit`` query value (``None``: not a number); OKX caps it at ``most``."""
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        return None
    return min(int(raw), most)


def add_rest_routes(app: web.Application, exchange: Exchange) -> None:
    """Register every REST endpoint on ``app``, serving ``exchange``."""
    api = _Rest(exchange)
    r = app.router
    g = api.guarded  # the REST 429 switch applies to every endpoint
    r.add_get("/api/v5/public/time", g(api.time))
    r.add_get("/api/v5/public/instruments", g(api.instruments))
    r.add_get("/api/v5/sprd/spreads", g(api.spreads))
    r.add_get("/api/v5/market/ticker", g(api.ticker))
    r.add_get("/api/v5/market/books", g(api.books))
    r.add_get("/api/v5/market/tickers", g(api.tickers))
    r.add_get("/api/v5/market/trades", g(api.trades))
    r.add_get("/api/v5/market/candles", g(api.candles))
    r.add_get("/api/v5/market/history-candles", g(api.candles))
    r.add_get("/api/v5/market/books-full", g(api.books_full))
    private: dict[str, _SignedHandler] = {
        "/api/v5/asset/currencies": api.currencies,
        "/api/v5/trade/order": api.get_order,
        "/api/v5/trade/orders-pending": api.orders_pending,
        "/api/v5/trade/orders-history": api.orders_history,
        "/api/v5/trade/fills": api.fills,
        "/api/v5/trade/fills-history": api.fills_history,  # ccxt's fetch_my_trades
        "/api/v5/trade/account-rate-limit": api.account_rate_limit,
        "/api/v5/account/balance": api.balance,
        "/api/v5/account/positions": api.positions,
        "/api/v5/account/config": api.account_config,
        "/api/v5/sprd/order": api.sprd_order,
        "/api/v5/sprd/orders-pending": api.sprd_orders_pending,
        "/api/v5/sprd/orders-history": api.sprd_orders_history,
        "/api/v5/sprd/trades": api.sprd_trades,
    }
    for path, handler in private.items():
        r.add_get(path, g(api.signed(handler)))
    r.add_post("/api/v5/trade/cancel-all-after", g(api.signed(api.cancel_all_after)))
    for path in _TRADE_POSTS:
        r.add_post(path, api.signed(api.trade))  # trade() takes its own faults


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
        data = self.engine.instruments(inst_type)
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

    # ------------------------------------------------------------------ faults

    def guarded(self, handler: _Handler) -> _Handler:
        """``handler`` behind the REST rate-limit switch (``op`` names its path)."""
        faults = self.exchange.faults

        async def wrapper(request: web.Request) -> web.StreamResponse:
            if faults.armed:
                path = request.path
                rule = faults.take(_ANY_REQUEST_FAULTS, path, False, via="rest", path=path)
                if rule is not None:
                    return _too_many()
            return await handler(request)

        return wrapper

    async def tickers(self, request: web.Request) -> web.Response:
        """https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-tickers"""
        inst_type = request.query.get("instType")
        if not inst_type:
            return _err("50014", msg="Parameter instType can not be empty.")
        data = self.engine.tickers(inst_type, self._now_ms())
        family = request.query.get("instFamily")
        if family:
            data = [d for d in data if d["instId"].startswith(family + "-")]
        return _ok(data)

    async def trades(self, request: web.Request) -> web.Response:
        """The individual matches, newest first (the ``trades-all`` items).

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-trades
        """
        q = request.query
        inst_id = q.get("instId", "")
        if not inst_id:
            return _err("50014", msg="Parameter instId can not be empty.")
        limit = _limit(q.get("limit"), 100, 500)
        if limit is None:
            return _err("51000", msg="Parameter limit error")
        if instrument_by_id(inst_id) is None:
            return _err("51001")
        return _ok(self.engine.feeds.recent_trades(inst_id, limit))

    async def candles(self, request: web.Request) -> web.Response:
        """``/market/candles`` and ``/market/history-candles``: the candles the simulator's
        trades built (the ``candle<bar>`` pushes), newest first.

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks
        """
        q = request.query
        inst_id = q.get("instId", "")
        if not inst_id:
            return _err("50014", msg="Parameter instId can not be empty.")
        bar = q.get("bar") or "1m"
        history = request.path.endswith("history-candles")
        limit = _limit(q.get("limit"), 100, 100 if history else 300)
        after, before = q.get("after") or "", q.get("before") or ""
        if (
            bar not in CANDLE_BARS
            or limit is None
            or not all(v.isdigit() for v in (after, before) if v)
        ):
            return _err("51000", msg="Parameter bar error" if bar not in CANDLE_BARS else
                        "Parameter error")  # fmt: skip
        if instrument_by_id(inst_id) is None:
            return _err("51001")
        rows = self.engine.candle_rows(
            inst_id,
            bar,
            self._now_ms(),
            after=int(after) if after else None,
            before=int(before) if before else None,
            limit=limit,
        )
        return _ok(rows)

    # ------------------------------------------------------------------ auth

    def signed(self, handler: _SignedHandler) -> _Handler:
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
            return _auth_err("50103")
        if not sign:
            return _auth_err("50106")
        if not ts:
            return _auth_err("50107")
        if not passphrase:
            return _auth_err("50104")
        ts_ms = _parse_iso_ms(ts)
        if ts_ms is None:
            return _auth_err("50112")
        if abs(ts_ms - now_ms) > _WINDOW_MS:
            return _auth_err("50102")
        account = self.exchange.api_keys.get(key)
        if account is None:
            return _auth_err("50111")
        if account.demo is not None:
            demo = h.get(DEMO_TRADING_HEADER[0]) == DEMO_TRADING_HEADER[1]
            if demo != account.demo:
                return _auth_err("50101")
        if passphrase != account.api_pass:
            return _auth_err("50105")
        expected = rest_signature(
            account.api_secret,
            ts,
            request.method,
            request.raw_path,
            body.decode("utf-8", "replace"),
        )
        if not hmac.compare_digest(expected, sign):
            return _auth_err("50113")
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

    async def orders_history(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-history-last-7-days"""
        q = request.query
        if not q.get("instType"):
            return _err("50014", msg="Parameter instType can not be empty.")
        return _ok(orders_history_data(self.engine.finished_orders(), "book", acct.uid, q))

    async def fills(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-days"""
        return _ok(fills_data(self.engine.fills, acct.uid, request.query))

    async def fills_history(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """The same fills (the simulator keeps no more than 3 days); ``instType`` required.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-months
        """
        if not request.query.get("instType"):
            return _err("50014", msg="Parameter instType can not be empty.")
        return _ok(fills_data(self.engine.fills, acct.uid, request.query))

    async def account_rate_limit(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """The lowest fill-ratio tier: the sub-account budget of ``protocol/ops.py``.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-account-rate-limit
        """
        limit = str(SUB_ACCOUNT_ORDER_LIMIT.limit)
        return _ok(
            [
                {
                    "fillRatio": "",
                    "mainFillRatio": "",
                    "accRateLimit": limit,
                    "nextAccRateLimit": limit,
                    "ts": str(in_us // 1000),
                }
            ]
        )

    async def account_config(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """A Futures-mode (``acctLv`` 2: spot cash, net-mode derivatives) main account.

        https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration
        """
        return _ok(
            [
                {
                    "uid": acct.uid,
                    "mainUid": acct.uid,
                    "acctLv": "2",
                    "acctStpMode": "cancel_maker",
                    "posMode": "net_mode",
                    "autoLoan": False,
                    "greeksType": "PA",
                    "feeType": "0",
                    "level": "Lv1",
                    "levelTmp": "",
                    "ctIsoMode": "automatic",
                    "mgnIsoMode": "automatic",
                    "roleType": "0",
                    "traderInsts": [],
                    "spotRoleType": "0",
                    "spotTraderInsts": [],
                    "opAuth": "0",
                    "kycLv": "2",
                    "label": "okxws-sim",
                    "ip": "",
                    "perm": "read_only,trade",
                    "liquidationGear": "-1",
                    "enableSpotBorrow": False,
                    "spotBorrowAutoRepay": False,
                    "type": "0",
                    "settleCcy": "USDT",
                    "settleCcyList": ["USDT"],
                }
            ]
        )

    async def cancel_all_after(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """Arm the dead man's switch: when it fires, the account's orders are cancelled.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-all-after
        """
        try:
            parsed = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError:
            return _err("50002", 400, "JSON syntax error")
        if not isinstance(parsed, dict):
            return _err("50002", 400, "JSON syntax error")
        time_out, tag = parsed.get("timeOut"), parsed.get("tag", "")
        if time_out is None or time_out == "":
            return _err("50014", 400, "Parameter timeOut can not be empty.")
        seconds = int(time_out) if isinstance(time_out, str) and time_out.isdigit() else -1
        if (seconds != 0 and seconds not in _CAA_RANGE) or not isinstance(tag, str):
            return _err("51000", 400, "Parameter timeOut error")
        trigger = self.exchange.cancel_all_after(acct.uid, tag, seconds)
        ts = str(in_us // 1000)
        return _ok([{"triggerTime": str(trigger) if trigger else "0", "tag": tag, "ts": ts}])

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

    async def sprd_orders_history(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-orders-last-21-days"""
        finished = self.engine.finished_orders()
        return _ok(orders_history_data(finished, "spread", acct.uid, request.query))

    async def sprd_trades(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-trades-last-7-days"""
        return _ok(spread_trades_data(self.engine.fills, acct.uid, request.query))

    async def trade(
        self, request: web.Request, acct: SimApiKey, in_us: int, body: bytes
    ) -> web.Response:
        """The 11 trading POSTs (okx-protocol.md section 8 table)."""
        spec = _TRADE_POSTS[request.path]
        faults = self.exchange.faults
        rule: FaultRule | None = None
        if faults.armed:
            rule = faults.take(_TRADE_FAULTS, spec.name, True, via="rest", path=request.path)
            if rule is not None and rule.kind is FaultKind.HTTP_RATE_LIMIT:
                return _too_many()
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
        refusal = self.exchange.limits.refuse_request(spec, items, acct.uid, "rest")
        if refusal == RATE_LIMIT_CODE:  # dropped, never executed
            return _too_many()
        if refusal is not None:  # 50061, the sub-account budget: HTTP 200
            return _err(refusal)
        if rule is not None:
            exp_ms = int(exp) if exp and spec.supports_exp_time and exp.isdigit() else None
            return await self._faulted(rule, acct, spec, items, exp_ms, in_us)
        code, msg, data = execute_op(self.engine, acct.uid, spec, items, now_ms, rest=True)
        await self.exchange.flush_events()
        return self._reply(code, msg, data, in_us)

    async def _faulted(
        self,
        rule: FaultRule,
        acct: SimApiKey,
        spec: OpSpec[Any, Any],
        items: list[dict[str, Any]],
        exp_ms: int | None,
        in_us: int,
    ) -> web.Response:
        """A trading POST under an unknown-outcome fault switch (:mod:`.faults`)."""
        exchange = self.exchange
        now_ms = in_us // 1000
        if rule.kind is FaultKind.DELAY_EXECUTION:
            if not await exchange.hold(rule.delay):
                return _err("50004", 400)  # closing: nothing executed
            at_us = exchange.clock_us()
            code, msg, data = landed_late(
                self.engine, acct.uid, spec, items, exp_ms, at_us // 1000, rest=True
            )
            await exchange.flush_events()
            if rule.reply:
                return self._reply(code, msg, data, at_us)
            await exchange.hold(NO_ANSWER_HOLD_S)
            return _err("50004", 400)
        execute_faulted(self.engine, acct.uid, spec, items, now_ms, rule, rest=True)
        await exchange.flush_events()
        if rule.kind is FaultKind.NO_ANSWER:
            await exchange.hold(rule.delay)
            return _err("50004", 400)
        if rule.kind is FaultKind.HTTP_ERROR:
            if rule.html:
                page = html_error_page(rule.status)
                return web.Response(body=page, status=rule.status, content_type=HTML_CONTENT_TYPE)
            return _json(http_error_body(rule.status), rule.status)
        code, msg, data, status = unknown_outcome_answer(spec, items, rule.code, now_ms)
        if status != 200:
            return _err(code, status)
        return self._reply(code, msg, data, in_us)

    def _reply(self, code: str, msg: str, data: list[Any], in_us: int) -> web.Response:
        out_us = max(self.exchange.clock_us(), in_us)
        return _json(
            {"code": code, "msg": msg, "data": data, "inTime": str(in_us), "outTime": str(out_us)}
        )
