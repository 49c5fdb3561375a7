"""``RestClient``: OKX's REST API as typed ``async`` methods, with the Node SDK's names.

Every method sends one request through the client's one keep-alive HTTP session
(:class:`~okxws.net.http.HttpClient`), signed when the endpoint is private, and returns OKX's
``data`` list; a ``code`` other than ``"0"`` raises (``OkxApiError`` with the whole body,
``OkxPartialBatchError`` for ``"2"``, ``OkxRateLimitError`` for HTTP 429 / ``50011`` /
``50061``, ``OkxAuthenticationError`` for ``501xx``). A failure after a write was sent has
``outcome_unknown`` true; :meth:`RestClient.resolve` finds out what happened. What each
endpoint is comes from :mod:`okxws.protocol.rest`.

https://www.okx.com/docs-v5/en/#overview-rest-authentication; okx-streams-rest.md section 4.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ..net.budget import wait_for_budget
from ..net.clock import ServerClock
from ..net.http import HttpClient, okx_data
from ..net.options import ClientOptions, RateLimitMode, check_seconds
from ..protocol import messages as m
from ..protocol import rest as r
from ..protocol.auth import ApiCredentials
from ..protocol.endpoints import Market
from ..protocol.exceptions import (
    OkxError,
    OkxHttpError,
    OkxRateLimitError,
    OkxRequestTimeoutError,
    OkxValidationError,
)
from ..protocol.ops import OPS, RateLimit
from ..protocol.ratelimit import RateLimiter
from ..protocol.stats import OpStats, OpSummary
from .ids import OrderDefaults
from .reconcile import DEFAULT_GRACE_S, OrderLookup, resolve
from .validation import OP_RULES, check_tag, validate_items

__all__ = ["RestClient"]

_E: Final = r.ENDPOINTS


class RestClient:
    """OKX's REST API (``async with RestClient(credentials, ...) as rest``).

    Options: ``market`` (``"prod"``/``"EEA"``/``"US"``), ``demo_trading``, ``rest_base_url``
    (replaces ``https://www.okx.com``, e.g. a simulator), ``request_timeout`` (seconds, the
    default deadline of every call; ``timeout=`` per call), ``ssl_context``, ``proxy``
    (``http://host:port`` or ``socks5://host:port``),
    ``auto_client_order_id`` (default True: every new order gets a ``clOrdId`` so it can be
    resolved), ``default_tag``, ``rate_limit`` (``"wait"``, ``"raise"``, ``"off"``) and
    ``rate_limits`` (docs/rate-limits.md). ``WebsocketAPIClient.get_rest_client()`` returns one that
    shares its session, account, environment and clock.
    """

    def __init__(
        self,
        credentials: ApiCredentials | None = None,
        *,
        market: Market = "prod",
        demo_trading: bool = False,
        rest_base_url: str | None = None,
        request_timeout: float | None = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        proxy: str | None = None,
        auto_client_order_id: bool = True,
        default_tag: str | None = None,
        rate_limit: RateLimitMode = "wait",
        rate_limits: Mapping[str, RateLimit] | None = None,
        http: HttpClient | None = None,
        clock: ServerClock | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        if credentials is not None and not isinstance(credentials, ApiCredentials):
            raise OkxValidationError("credentials must be an ApiCredentials")
        if default_tag is not None:
            check_tag(default_tag, "default_tag")
        self.options = ClientOptions(
            market=market,
            demo_trading=demo_trading,
            rest_base_url=rest_base_url,
            request_timeout=request_timeout,
            ssl_context=ssl_context,
            proxy=proxy,
            rate_limit=rate_limit,
            rate_limits=rate_limits,
        )
        #: OKX's budgets (shared with a WebSocket client when made by one; None: "off").
        self.limiter = limiter
        if limiter is None and rate_limit != "off":
            self.limiter = RateLimiter(rate_limits)
        self._credentials = credentials
        #: The signing clock, shared with a WebSocket client when made by one.
        self.clock = clock if clock is not None else ServerClock()
        #: Shared with a WebsocketAPIClient (which then owns and closes it), or our own.
        self._owns_http = http is None
        self.http = http if http is not None else HttpClient(self.options, self.clock.now_ms)
        self._defaults = OrderDefaults(auto_client_order_id, default_tag)
        self._stats: dict[str, OpStats] = {}

    def __repr__(self) -> str:
        key = repr(self._credentials) if self._credentials is not None else "public"
        return f"<RestClient {self.http.base_url} demo={self.options.demo_trading} {key}>"

    async def close(self) -> None:
        """Close the HTTP session (unless it is shared with a WebSocket client); idempotent."""
        if self._owns_http:
            await self.http.close()

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- time ---------------------------------------------------------------------------

    def server_time_ms(self) -> int:
        """OKX's time as estimated by the client's clock, in epoch ms."""
        return self.clock.now_ms()

    async def sync_time(self, timeout: float = 5.0) -> int:
        """Set the clock's offset from OKX's server time and return it (ms)."""
        before = time.time() * 1000
        ts = await self.get_server_time(timeout=timeout)
        return self.clock.set_from_server(ts, before, time.time() * 1000)

    # -- the generic call ---------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        params: Any = None,
        *,
        auth: bool = False,
        write: bool | None = None,
        timeout: float | None = None,
    ) -> list[Any]:
        """Call any OKX endpoint; returns its ``data`` list (errors as for every method).

        ``params`` is the query of a GET and the JSON body of a POST (a dict, or a list for
        batch endpoints). ``auth`` signs it. ``write`` (default: every POST) says it may
        change state on OKX, so that a failure after sending has ``outcome_unknown`` true.
        https://www.okx.com/docs-v5/en/#overview-rest-authentication-making-requests
        """
        method = method.upper()
        if method not in ("GET", "POST"):
            raise OkxValidationError(f"method must be GET or POST, not {method!r}")
        if not isinstance(path, str) or not path.startswith("/api/v5/"):
            raise OkxValidationError(f"path must start with /api/v5/, not {path!r}")
        if auth and self._credentials is None:
            raise OkxValidationError(f"{path} is private: pass credentials=ApiCredentials(...)")
        if timeout is not None:
            check_seconds("timeout", timeout)
        is_write = method == "POST" if write is None else write
        query = body = None
        if method == "GET":
            if params is not None and not isinstance(params, Mapping):
                raise OkxValidationError(f"GET {path}: params must be a dict of query fields")
            query = {k: v for k, v in (params or {}).items() if v is not None}
        else:
            body = {} if params is None else params
        stats = self._stats.get(path)
        if stats is None:
            stats = self._stats[path] = OpStats()
        stats.sent += 1
        started = time.monotonic()
        try:
            reply = await self.http.request(
                method,
                path,
                params=query,
                body=body,
                credentials=self._credentials if auth else None,
                timeout=timeout,
                write=is_write,
            )
        except OkxError as exc:  # no OKX answer: a timeout, a lost connection, an HTTP error
            if exc.outcome_unknown:
                stats.unknown += 1
            if isinstance(exc, OkxRequestTimeoutError):
                stats.timed_out += 1
            elif not exc.outcome_unknown:
                stats.rejected += 1  # refused before OKX's engine: nothing happened
            raise
        round_trip = time.monotonic() - started
        try:
            data = okx_data(reply, f"{method} {path}", write=is_write)
        except OkxError as exc:
            stats.answered(round_trip, {}, False)
            if exc.outcome_unknown:  # 50004 / 51149, a write's malformed reply: not a rejection
                stats.rejected -= 1
                stats.unknown += 1
            raise
        stats.answered(round_trip, reply.body, True)
        return data

    def stats(self) -> dict[str, OpSummary]:
        """Per endpoint path: counts (sent, ok, rejected, unknown outcome, timed out) and
        round-trip / OKX gateway percentiles (ms) of this client's calls."""
        return {path: s.summary() for path, s in self._stats.items()}

    async def _call(
        self, endpoint: r.Endpoint[Any, Any], params: Any, timeout: float | None
    ) -> list[Any]:
        return await self.request(
            endpoint.method,
            endpoint.path,
            params,
            auth=endpoint.auth,
            write=endpoint.write,
            timeout=timeout,
        )

    def _orders(self, op: str, items: list[Any]) -> list[Any]:
        """Check trading items as the WS API does (plus ``instId``, which REST requires),
        and fill in ``clOrdId``/``tag`` on copies: nothing is sent if anything is wrong."""
        rules = OP_RULES[op]
        flags = validate_items(op, items)
        out: list[Any] = []
        for i, item in enumerate(items):
            if rules.needs_inst and not item.get("instId"):
                raise OkxValidationError(f"{op}[{i}]: REST names the instrument by instId")
            wire = dict(item)
            if rules.fills_defaults and self._defaults.active:
                self._defaults.apply(wire, flags[i])
            out.append(wire)
        return out

    async def _write(self, name: str, op: str, params: Any, timeout: float | None) -> list[Any]:
        endpoint = _E[name]
        if endpoint.batch:
            if isinstance(params, Mapping) or not isinstance(params, Sequence):
                raise OkxValidationError(f"{name}: params must be a list of dicts")
            items = self._orders(op, list(params))
        else:
            items = self._orders(op, [params])
        spec = OPS[op]
        limiter = self.limiter
        if limiter is not None:
            delay = limiter.acquire_request(spec, items, 0, time.monotonic())
            if delay:
                timeout = await wait_for_budget(
                    limiter,
                    spec,
                    items,
                    0,
                    delay,
                    timeout=self.options.request_timeout if timeout is None else timeout,
                    exp_time_ms=None,
                    server_time_ms=self.clock.now_ms,
                    waits=self.options.rate_limit == "wait",
                )
        try:
            return await self._call(endpoint, items if endpoint.batch else items[0], timeout)
        except OkxRateLimitError:
            if limiter is not None:  # OKX says the budget is spent: back off, never re-send
                charges = limiter.charges(spec, items, 0)
                limiter.block(charges, spec.rate_limit.window_s, time.monotonic())
            raise
        except OkxError as exc:
            if exc.outcome_unknown and exc.request is None:
                # What resolve(exc) looks up: the items as sent, with their clOrdIds.
                exc.request = {"op": op, "args": items}
            raise

    # -- public data --------------------------------------------------------------------

    async def get_server_time(self, *, timeout: float | None = None) -> int:
        """OKX's clock, in epoch ms.

        https://www.okx.com/docs-v5/en/#public-data-rest-api-get-system-time
        """
        data = await self.get_system_time(timeout=timeout)
        try:
            return int(data[0]["ts"])
        except (IndexError, KeyError, TypeError, ValueError):
            raise OkxHttpError(f"unexpected server time data: {data!r:.200}") from None

    async def get_system_time(self, *, timeout: float | None = None) -> list[r.ServerTime]:
        """``[{"ts": ...}]``. https://www.okx.com/docs-v5/en/#public-data-rest-api-get-system-time"""
        return await self._call(_E["get_system_time"], None, timeout)

    async def get_instruments(
        self, params: r.InstrumentsParams, *, timeout: float | None = None
    ) -> list[r.Instrument]:
        """Instruments of one type (with their ``instIdCode``).

        https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments
        """
        return await self._call(_E["get_instruments"], params, timeout)

    async def get_ticker(
        self, params: r.TickerParams, *, timeout: float | None = None
    ) -> list[r.Ticker]:
        """https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-ticker"""
        return await self._call(_E["get_ticker"], params, timeout)

    async def get_tickers(
        self, params: r.TickersParams, *, timeout: float | None = None
    ) -> list[r.Ticker]:
        """https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-tickers"""
        return await self._call(_E["get_tickers"], params, timeout)

    async def get_order_book(
        self, params: r.OrderBookParams, *, timeout: float | None = None
    ) -> list[r.OrderBook]:
        """A depth snapshot with its ``seqId`` (for splicing onto the ``books`` stream).

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-order-book
        """
        return await self._call(_E["get_order_book"], params, timeout)

    async def get_candles(
        self, params: r.CandlesParams, *, timeout: float | None = None
    ) -> list[r.Candle]:
        """https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks"""
        return await self._call(_E["get_candles"], params, timeout)

    async def get_history_candles(
        self, params: r.CandlesParams, *, timeout: float | None = None
    ) -> list[r.Candle]:
        """Older candles, newest first (``after``/``before`` page by ``ts``).

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks-history
        """
        return await self._call(_E["get_history_candles"], params, timeout)

    async def get_trades(
        self, params: r.TradesParams, *, timeout: float | None = None
    ) -> list[r.Trade]:
        """The recent matches of an instrument, newest first.

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-trades
        """
        return await self._call(_E["get_trades"], params, timeout)

    # -- trading (writes) ---------------------------------------------------------------

    async def submit_order(
        self, params: m.PlaceOrderRequest, *, timeout: float | None = None
    ) -> list[m.PlaceOrderResult]:
        """Place an order (``instId`` names the instrument); ``sCode`` per item.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order
        """
        return await self._write("submit_order", "order", params, timeout)

    async def submit_multiple_orders(
        self, params: Sequence[m.PlaceOrderRequest], *, timeout: float | None = None
    ) -> list[m.PlaceOrderResult]:
        """Place up to 20 orders. https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-multiple-orders"""
        return await self._write("submit_multiple_orders", "batch-orders", params, timeout)

    async def cancel_order(
        self, params: m.CancelOrderRequest, *, timeout: float | None = None
    ) -> list[m.CancelOrderResult]:
        """https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-order"""
        return await self._write("cancel_order", "cancel-order", params, timeout)

    async def cancel_multiple_orders(
        self, params: Sequence[m.CancelOrderRequest], *, timeout: float | None = None
    ) -> list[m.CancelOrderResult]:
        """https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-multiple-orders"""
        return await self._write("cancel_multiple_orders", "batch-cancel-orders", params, timeout)

    async def amend_order(
        self, params: m.AmendOrderRequest, *, timeout: float | None = None
    ) -> list[m.AmendOrderResult]:
        """https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-amend-order"""
        return await self._write("amend_order", "amend-order", params, timeout)

    async def amend_multiple_orders(
        self, params: Sequence[m.AmendOrderRequest], *, timeout: float | None = None
    ) -> list[m.AmendOrderResult]:
        """https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-amend-multiple-orders"""
        return await self._write("amend_multiple_orders", "batch-amend-orders", params, timeout)

    async def cancel_mass_order(
        self, params: m.MassCancelRequest, *, timeout: float | None = None
    ) -> list[m.MassCancelResult]:
        """Cancel the MMP orders of an option family.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-mass-cancel-order
        """
        return await self._write("cancel_mass_order", "mass-cancel", params, timeout)

    async def cancel_all_after(
        self, params: r.CancelAllAfterParams, *, timeout: float | None = None
    ) -> list[r.CancelAllAfterResult]:
        """Dead man's switch: cancel every order after ``timeOut`` seconds ("0" disarms).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-all-after
        """
        return await self._call(_E["cancel_all_after"], params, timeout)

    # -- trading (reads) ----------------------------------------------------------------

    async def get_order_details(
        self, params: r.OrderDetailsParams, *, timeout: float | None = None
    ) -> list[r.Order]:
        """One order by ``ordId`` or ``clOrdId`` (the latest with that ``clOrdId``); code
        ``51603`` (``OkxApiError``) when OKX has no such order.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details
        """
        return await self._call(_E["get_order_details"], params, timeout)

    async def get_order_list(
        self, params: r.OrderListParams | None = None, *, timeout: float | None = None
    ) -> list[r.Order]:
        """Open orders (``live``, ``partially_filled``), newest first.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-list
        """
        return await self._call(_E["get_order_list"], params, timeout)

    async def get_order_history(
        self, params: r.OrderHistoryParams, *, timeout: float | None = None
    ) -> list[r.Order]:
        """Finished orders of the last 7 days (canceled unfilled ones: 2 hours).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-history-last-7-days
        """
        return await self._call(_E["get_order_history"], params, timeout)

    async def get_fills(
        self, params: r.FillsParams | None = None, *, timeout: float | None = None
    ) -> list[r.Fill]:
        """Fills of the last 3 days, newest first.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-days
        """
        return await self._call(_E["get_fills"], params, timeout)

    async def get_account_rate_limit(
        self, *, timeout: float | None = None
    ) -> list[r.AccountRateLimit]:
        """The sub-account's new + amend budget per 2 s (fill-ratio tier).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-account-rate-limit
        """
        return await self._call(_E["get_account_rate_limit"], None, timeout)

    # -- account ------------------------------------------------------------------------

    async def get_balance(
        self, params: r.BalanceParams | None = None, *, timeout: float | None = None
    ) -> list[r.Balance]:
        """https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance"""
        return await self._call(_E["get_balance"], params, timeout)

    async def get_positions(
        self, params: r.PositionsParams | None = None, *, timeout: float | None = None
    ) -> list[r.Position]:
        """https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions"""
        return await self._call(_E["get_positions"], params, timeout)

    async def get_account_configuration(
        self, *, timeout: float | None = None
    ) -> list[r.AccountConfig]:
        """https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration"""
        return await self._call(_E["get_account_configuration"], None, timeout)

    # -- spread trading -----------------------------------------------------------------

    async def submit_spread_order(
        self, params: m.SpreadPlaceOrderRequest, *, timeout: float | None = None
    ) -> list[m.SpreadPlaceOrderResult]:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-place-order"""
        return await self._write("submit_spread_order", "sprd-order", params, timeout)

    async def update_spread_order(
        self, params: m.SpreadAmendOrderRequest, *, timeout: float | None = None
    ) -> list[m.SpreadAmendOrderResult]:
        """Amend a spread order. https://www.okx.com/docs-v5/en/#spread-trading-rest-api-amend-order"""
        return await self._write("update_spread_order", "sprd-amend-order", params, timeout)

    async def cancel_spread_order(
        self, params: m.SpreadCancelOrderRequest, *, timeout: float | None = None
    ) -> list[m.SpreadCancelOrderResult]:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-cancel-order"""
        return await self._write("cancel_spread_order", "sprd-cancel-order", params, timeout)

    async def cancel_all_spread_orders(
        self, params: m.SpreadMassCancelRequest | None = None, *, timeout: float | None = None
    ) -> list[m.MassCancelResult]:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-cancel-all-orders"""
        item: m.SpreadMassCancelRequest = {} if params is None else params
        return await self._write("cancel_all_spread_orders", "sprd-mass-cancel", item, timeout)

    async def get_spread_order(
        self, params: r.SpreadOrderDetailsParams, *, timeout: float | None = None
    ) -> list[r.SpreadOrder]:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-order-details"""
        return await self._call(_E["get_spread_order"], params, timeout)

    async def get_spread_active_orders(
        self, params: r.SpreadOrderListParams | None = None, *, timeout: float | None = None
    ) -> list[r.SpreadOrder]:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-active-orders"""
        return await self._call(_E["get_spread_active_orders"], params, timeout)

    async def get_spread_orders_recent(
        self, params: r.SpreadOrderListParams | None = None, *, timeout: float | None = None
    ) -> list[r.SpreadOrder]:
        """Finished spread orders (history). https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-orders-last-21-days"""
        return await self._call(_E["get_spread_orders_recent"], params, timeout)

    async def get_spread_trades(
        self, params: r.SpreadTradesParams | None = None, *, timeout: float | None = None
    ) -> list[r.SpreadTrade]:
        """https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-trades-last-7-days"""
        return await self._call(_E["get_spread_trades"], params, timeout)

    # -- unknown outcomes ---------------------------------------------------------------

    async def resolve(
        self, target: Any, *, timeout: float = 30.0, grace: float = DEFAULT_GRACE_S
    ) -> list[OrderLookup]:
        r"""What became of each order an error whose outcome is unknown (or its request dict,
        ``exc.request``) named: one :class:`~okxws.api.reconcile.OrderLookup` per order.
        Waits out the request's ``expTime`` (else ``grace`` seconds), then looks each order
        up; never places, amends or cancels anything. REST requests name ``instId``; for
        a WebSocket request use :meth:`WebsocketAPIClient.resolve`, which knows the
        ``instIdCode``\ s it sent.
        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details
        """
        return await resolve(self, target, timeout=timeout, grace=grace)
