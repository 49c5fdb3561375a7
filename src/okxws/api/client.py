"""``WebsocketAPIClient``: every OKX WS API operation as a typed ``await``.

A REST-like wrapper over :class:`~okxws.net.client.WebsocketClient`: each method validates
its parameters, fills in ``instIdCode`` from ``instId`` where needed, sends one WS API
request on the connection OKX serves it on (``private`` for order-book operations,
``business`` for spread operations) and returns the whole response when it arrives. What
each operation is (connection, item and result types, limits) comes from
:mod:`okxws.protocol.ops`.
https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Final, Unpack

from ..net.client import WebsocketClient
from ..net.options import DEFAULT, ClientOptionsKw, Timeout
from ..protocol import messages as m
from ..protocol import ops
from ..protocol.auth import ApiCredentials
from ..protocol.exceptions import OkxHttpError, OkxValidationError
from ..protocol.messages import WsApiResponse
from .ids import OrderDefaults
from .instruments import InstrumentCodes
from .reconcile import DEFAULT_GRACE_S, OrderLookup, RecentOrders, resolve
from .rest import RestClient
from .validation import HAS_CODE, NAMES_INST_ID, OP_RULES, OpRules, check_tag, validate_items

__all__ = ["WebsocketAPIClient", "WsApiResponse"]

# Each operation's rules as a C static of the compiled module (no module attribute lookup
# per call).
_AMEND_ORDER: Final = OP_RULES[ops.AMEND_ORDER.name]
_BATCH_AMEND_ORDERS: Final = OP_RULES[ops.BATCH_AMEND_ORDERS.name]
_BATCH_CANCEL_ORDERS: Final = OP_RULES[ops.BATCH_CANCEL_ORDERS.name]
_BATCH_ORDERS: Final = OP_RULES[ops.BATCH_ORDERS.name]
_CANCEL_ORDER: Final = OP_RULES[ops.CANCEL_ORDER.name]
_MASS_CANCEL: Final = OP_RULES[ops.MASS_CANCEL.name]
_ORDER: Final = OP_RULES[ops.ORDER.name]
_SPRD_AMEND_ORDER: Final = OP_RULES[ops.SPRD_AMEND_ORDER.name]
_SPRD_CANCEL_ORDER: Final = OP_RULES[ops.SPRD_CANCEL_ORDER.name]
_SPRD_MASS_CANCEL: Final = OP_RULES[ops.SPRD_MASS_CANCEL.name]
_SPRD_ORDER: Final = OP_RULES[ops.SPRD_ORDER.name]


class WebsocketAPIClient:
    """OKX's WebSocket trading API as typed ``async`` methods.

    Every wait has a deadline (``request_timeout``, overridable per call with ``timeout=``;
    ``None`` waits forever). Order operations are never re-sent: when a connection drops
    or a deadline passes, the call raises an error whose ``outcome_unknown`` is true.
    With ``auto_client_order_id=True`` every order without a ``clOrdId`` gets a unique one,
    so an order whose outcome is unknown can always be looked up; ``default_tag`` is set on
    every order that has no ``tag`` (a caller's tag is never overwritten). The other
    options are :class:`~okxws.net.client.WebsocketClient`'s.
    """

    def __init__(
        self,
        accounts: Sequence[ApiCredentials] | None = None,
        *,
        auto_client_order_id: bool = True,
        default_tag: str | None = None,
        **options: Unpack[ClientOptionsKw],
    ) -> None:
        if default_tag is not None:
            check_tag(default_tag, "default_tag")
        self._ws = WebsocketClient(accounts, **options)
        self._codes = InstrumentCodes(
            lambda params: self.get_rest_client().get_instruments(params), self._ws.rest_base_url
        )
        if self._ws.limiter is not None:  # one budget per instrument, however an item names it
            self._ws.limiter.inst_key = self._codes.budget_key
        # The cache's own dict, bound here: the order path reads it without an attribute
        # lookup on the (interpreted) cache object.
        self._inst_codes = self._codes.codes
        self._defaults = OrderDefaults(auto_client_order_id, default_tag)
        self._fills_defaults = self._defaults.active
        self._rest: RestClient | None = None
        # The fast path of resolve(): the last order pushes, while orders are subscribed.
        self._recent_orders = RecentOrders()
        self._ws.add_push_sink(self._recent_orders, RecentOrders.CHANNELS)

    def __repr__(self) -> str:
        return f"<WebsocketAPIClient {self._ws!r}>"

    # -- plumbing -----------------------------------------------------------------------

    def get_ws_client(self) -> WebsocketClient:
        """The underlying :class:`WebsocketClient` (events, streams, raw requests)."""
        return self._ws

    async def connect_ws_api(
        self, account: int | None = None, timeout: float | None = None
    ) -> None:
        """Open and log in the private and business connections (optional warm-up)."""
        await self._ws.connect_ws_api(account, timeout)

    def set_time_offset_ms(self, offset_ms: int) -> None:
        """Server time minus local time (ms), used for login and relative ``expires_in``."""
        self._ws.set_time_offset_ms(offset_ms)

    def get_time_offset_ms(self) -> int:
        """The offset in use (ms)."""
        return self._ws.get_time_offset_ms()

    async def sync_time(self) -> int:
        """Set the time offset from OKX's server clock; returns it in ms."""
        return await self._ws.sync_time()

    def new_client_order_id(self) -> str:
        """A fresh ``clOrdId`` (1-32 letters and digits), unique across processes."""
        return self._defaults.new_id.next()

    def get_rest_client(self) -> RestClient:
        """A :class:`~okxws.RestClient` for the same account (the first), market,
        environment, base URL and clock, over this client's HTTP session (closed with it)."""
        if self._rest is None:
            ws = self._ws
            opts = ws.options
            self._rest = RestClient(
                ws.credentials() if ws.has_accounts else None,
                market=opts.market,
                demo_trading=opts.demo_trading,
                rest_base_url=opts.rest_base_url,
                request_timeout=opts.request_timeout,
                ssl_context=opts.ssl_context,
                proxy=opts.proxy,
                auto_client_order_id=self._defaults.auto_client_order_id,
                default_tag=self._defaults.default_tag,
                rate_limit=opts.rate_limit,
                rate_limits=opts.rate_limits,
                http=ws.http,
                clock=ws.clock,
                limiter=ws.limiter,
            )
        return self._rest

    async def resolve(
        self, target: Any, *, timeout: float = 30.0, grace: float = DEFAULT_GRACE_S
    ) -> list[OrderLookup]:
        """What became of each order named by an error whose ``outcome_unknown`` is true
        (or by its request, ``exc.request``): one :class:`~okxws.api.reconcile.OrderLookup`
        per order (``exists``, ``order``, ``state``, ``executed``).

        Waits out the request's ``expTime`` when one was sent (after it OKX will not execute
        it, so the answer is final), else ``grace`` seconds, ending early for orders already
        seen on a subscribed ``orders``/``sprd-orders`` channel; then looks each order up by
        REST (``GET /api/v5/trade/order``, ``/api/v5/sprd/order``), retrying its reads within
        ``timeout``. It never places, amends or cancels anything.
        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details
        """
        return await resolve(
            self.get_rest_client(),
            target,
            timeout=timeout,
            grace=grace,
            codes=self._codes,
            recent=self._recent_orders,
        )

    async def refresh_rate_limits(self) -> int | None:
        """Read the sub-account's new + amend budget (its fill-ratio tier) from
        ``GET /api/v5/trade/account-rate-limit`` and apply it; returns it (None: no limiter).
        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-account-rate-limit
        """
        limiter = self._ws.limiter
        if limiter is None:
            return None
        [info] = await self.get_rest_client().get_account_rate_limit()
        try:
            limit = int(info["accRateLimit"])
        except (KeyError, TypeError, ValueError):
            raise OkxHttpError(f"unexpected account-rate-limit data: {info!r:.200}") from None
        limiter.set_limit("sub-account", limit)
        return limit

    def stats(self) -> dict[str, Any]:
        """Health figures: the WebSocket client's (see :meth:`WebsocketClient.stats`), plus
        ``rest``, those of its REST calls."""
        out = self._ws.stats()
        out["rest"] = {} if self._rest is None else self._rest.stats()
        return out

    async def close(self) -> None:
        """Close every connection; idempotent."""
        await self._codes.aclose()
        await self._ws.close()

    async def __aenter__(self) -> WebsocketAPIClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- sending ------------------------------------------------------------------------

    def _filled(self, rules: OpRules, item: Any, flags: int) -> Any:
        """The checked ``item`` as sent (``flags``: its :meth:`OpRules.check_item` flags): a
        copy with instIdCode, clOrdId and tag filled in (the caller's dict stays as given),
        or ``item`` itself when there is nothing to fill in.

        None when its ``instId`` is not cached yet (see :meth:`_send_after_lookup`).
        """
        fill = self._fills_defaults and rules.fills_defaults
        if not (flags & NAMES_INST_ID or fill):
            return item
        wire = dict(item)
        if flags & NAMES_INST_ID:
            inst_id = wire["instId"]
            del wire["instId"]  # (compiled, direct dict calls; pop() is a method call)
            if not flags & HAS_CODE:  # the caller's instIdCode wins; OKX ignores instId
                code = self._inst_codes.get(inst_id)
                if code is None:
                    return None
                wire["instIdCode"] = code
        if fill:
            self._defaults.apply(wire, flags)
        return wire

    def _fill_items(self, rules: OpRules, items: list[Any], flags: list[int]) -> bool:
        """:meth:`_filled` of each item of a batch (``flags``: :func:`validate_items`'s), in
        place in ``items`` (the request's own list, made by the calling method): no second
        list per request.

        False when an ``instId`` is not cached yet; the items filled by then are valid items
        (validated again, they need nothing more).
        """
        for index, item in enumerate(items):
            wire = self._filled(rules, item, flags[index])
            if wire is None:
                return False
            items[index] = wire
        return True

    def _exp_time(self, exp_time: int | None, expires_in: float | None) -> int | None:
        if exp_time is not None and expires_in is not None:
            raise OkxValidationError("give exp_time or expires_in, not both")
        if expires_in is not None:
            if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
                raise OkxValidationError("expires_in is a number of seconds")
            return self._ws.server_time_ms() + int(expires_in * 1000)
        if exp_time is not None and (isinstance(exp_time, bool) or not isinstance(exp_time, int)):
            raise OkxValidationError("exp_time is an epoch time in milliseconds (int)")
        return exp_time

    def _send(
        self,
        rules: OpRules,
        items: list[Any],
        timeout: Timeout,
        account: int | None,
        exp_time: int | None = None,
        expires_in: float | None = None,
    ) -> Awaitable[WsApiResponse[Any]]:
        """Validate, then send; returns the response future itself on the hot path.

        Not a coroutine: when every instrument code is cached and the connection is ready,
        the public method awaits the response future directly (one frame per request).
        Everything is checked before anything is sent.
        """
        op = rules.name
        if len(items) == 1:  # the hot path: checked without validate_items()'s frame
            wire = self._filled(rules, items[0], rules.check_item(items[0], op))
            if wire is None:
                return self._send_after_lookup(rules, items, timeout, account, exp_time, expires_in)
            items[0] = wire
        elif not self._fill_items(rules, items, validate_items(op, items)):
            return self._send_after_lookup(rules, items, timeout, account, exp_time, expires_in)
        exp = (
            None
            if exp_time is None and expires_in is None
            else self._exp_time(exp_time, expires_in)
        )
        return self._ws.request_op(op, rules.conn_kind, rules.spec, items, exp, timeout, account)

    async def _send_after_lookup(
        self,
        rules: OpRules,
        items: list[Any],
        timeout: Timeout,
        account: int | None,
        exp_time: int | None,
        expires_in: float | None,
    ) -> WsApiResponse[Any]:
        """:meth:`_send` after looking up every ``instId`` not cached yet (REST)."""
        exp = self._exp_time(exp_time, expires_in)  # checked before the lookup's await
        for item in items:
            if isinstance(item, Mapping) and "instIdCode" not in item:
                inst_id = item.get("instId")
                if isinstance(inst_id, str) and self._codes.get(inst_id) is None:
                    await self._codes.resolve(inst_id)
        filled = self._fill_items(rules, items, validate_items(rules.name, items))
        assert filled
        return await self._ws.request(rules.spec, items, exp, timeout, account)

    @staticmethod
    def _many(params: Any, op: str) -> list[Any]:
        if isinstance(params, Mapping) or not isinstance(params, Sequence):
            raise OkxValidationError(f"{op}: params must be a list of dicts")
        return list(params)

    # -- order book trading (private connection) ---------------------------------------

    async def submit_new_order(
        self,
        params: m.PlaceOrderRequest,
        *,
        exp_time: int | None = None,
        expires_in: float | None = None,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.PlaceOrderResult]:
        """Place an order (op ``order``).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order
        ``exp_time`` (epoch ms) or ``expires_in`` (seconds from now, server time): OKX drops
        the request if it arrives later (https://www.okx.com/docs-v5/en/#overview-transaction-timeouts).
        """
        return await self._send(_ORDER, [params], timeout, account, exp_time, expires_in)

    async def submit_multiple_orders(
        self,
        params: Sequence[m.PlaceOrderRequest],
        *,
        exp_time: int | None = None,
        expires_in: float | None = None,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.PlaceOrderResult]:
        """Place up to 20 orders (op ``batch-orders``); partial failure raises
        :class:`~okxws.OkxPartialBatchError` with ``succeeded`` and ``failed``.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-multiple-orders
        """
        items = self._many(params, "batch-orders")
        return await self._send(_BATCH_ORDERS, items, timeout, account, exp_time, expires_in)

    async def cancel_order(
        self,
        params: m.CancelOrderRequest,
        *,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.CancelOrderResult]:
        """Cancel an order by ``ordId`` or ``clOrdId`` (op ``cancel-order``). ``sCode`` "0"
        means accepted; the final state arrives on the ``orders`` channel.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-cancel-order
        """
        return await self._send(_CANCEL_ORDER, [params], timeout, account)

    async def cancel_multiple_orders(
        self,
        params: Sequence[m.CancelOrderRequest],
        *,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.CancelOrderResult]:
        """Cancel up to 20 orders (op ``batch-cancel-orders``).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-cancel-multiple-orders
        """
        items = self._many(params, "batch-cancel-orders")
        return await self._send(_BATCH_CANCEL_ORDERS, items, timeout, account)

    async def amend_order(
        self,
        params: m.AmendOrderRequest,
        *,
        exp_time: int | None = None,
        expires_in: float | None = None,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.AmendOrderResult]:
        """Amend an order's size and/or price (op ``amend-order``).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-amend-order
        """
        return await self._send(_AMEND_ORDER, [params], timeout, account, exp_time, expires_in)

    async def amend_multiple_orders(
        self,
        params: Sequence[m.AmendOrderRequest],
        *,
        exp_time: int | None = None,
        expires_in: float | None = None,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.AmendOrderResult]:
        """Amend up to 20 orders (op ``batch-amend-orders``).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-amend-multiple-orders
        """
        items = self._many(params, "batch-amend-orders")
        return await self._send(_BATCH_AMEND_ORDERS, items, timeout, account, exp_time, expires_in)

    async def mass_cancel_orders(
        self,
        params: m.MassCancelRequest,
        *,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.MassCancelResult]:
        """Cancel all MMP pending orders of an option family (op ``mass-cancel``).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-mass-cancel-order
        """
        return await self._send(_MASS_CANCEL, [params], timeout, account)

    # -- spread trading (business connection) ------------------------------------------

    async def submit_spread_order(
        self,
        params: m.SpreadPlaceOrderRequest,
        *,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.SpreadPlaceOrderResult]:
        """Place a Nitro Spread order (op ``sprd-order``).

        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-place-order
        """
        return await self._send(_SPRD_ORDER, [params], timeout, account)

    async def amend_spread_order(
        self,
        params: m.SpreadAmendOrderRequest,
        *,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.SpreadAmendOrderResult]:
        """Amend a spread order (op ``sprd-amend-order``).

        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-amend-order
        """
        return await self._send(_SPRD_AMEND_ORDER, [params], timeout, account)

    async def cancel_spread_order(
        self,
        params: m.SpreadCancelOrderRequest,
        *,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.SpreadCancelOrderResult]:
        """Cancel a spread order (op ``sprd-cancel-order``).

        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-cancel-order
        """
        return await self._send(_SPRD_CANCEL_ORDER, [params], timeout, account)

    async def mass_cancel_spread_orders(
        self,
        params: m.SpreadMassCancelRequest | None = None,
        *,
        timeout: Timeout = DEFAULT,
        account: int | None = None,
    ) -> WsApiResponse[m.MassCancelResult]:
        """Cancel all spread orders, or those of one ``sprdId`` (op ``sprd-mass-cancel``).

        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-cancel-all-orders
        """
        item: m.SpreadMassCancelRequest = {} if params is None else params
        return await self._send(_SPRD_MASS_CANCEL, [item], timeout, account)
