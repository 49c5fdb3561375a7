"""``WebsocketAPIClient``: every OKX WS API operation as a typed ``await``.

A REST-like wrapper over :class:`~okxws.net.WebsocketClient`: each method validates its
parameters, fills in ``instIdCode`` from ``instId`` where needed, sends one WS API request on
the connection OKX serves it on (``private`` for order-book operations, ``business`` for
spread operations) and returns the whole response when it arrives.
https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order
"""

from __future__ import annotations

import itertools
import secrets
import ssl
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Generic, Literal, Required, TypedDict, TypeVar

from ..net.client import DEFAULT, Default, WebsocketClient
from ..protocol import messages as m
from ..protocol.auth import ApiCredentials
from ..protocol.exceptions import OkxValidationError
from ..protocol.ops import OPS
from .instruments import InstrumentCodes
from .validation import OP_RULES, validate_items

__all__ = ["WebsocketAPIClient", "WsApiResponse"]

T = TypeVar("T")
Timeout = float | None | Default


class WsApiResponse(TypedDict, Generic[T], total=False):
    """The whole OKX response envelope, plus which connection answered.

    ``data`` holds one result per request item; ``inTime``/``outTime`` are OKX's gateway
    times in microseconds (absent on some operations).
    """

    id: Required[str]
    op: Required[str]
    code: Required[str]
    msg: str
    data: list[T]
    inTime: str
    outTime: str
    connection: Literal["private", "business"]


class WebsocketAPIClient:
    """OKX's WebSocket trading API as typed ``async`` methods.

    Every wait has a deadline (``request_timeout``, overridable per call with ``timeout=``;
    ``None`` waits forever). Order operations are never re-sent: when a connection drops
    or a deadline passes, the call raises an error whose ``outcome_unknown`` is true.
    With ``auto_client_order_id=True`` every order without a ``clOrdId`` gets a unique one,
    so an order whose outcome is unknown can always be looked up.
    """

    def __init__(
        self,
        accounts: Sequence[ApiCredentials] | None = None,
        *,
        market: Literal["prod", "EEA", "US"] | str = "prod",
        demo_trading: bool = False,
        ws_base_url: str | None = None,
        rest_base_url: str | None = None,
        attach_event_listeners: bool = True,
        ping_interval: float = 10.0,
        pong_timeout: float = 3.0,
        reconnect_timeout: float = 0.5,
        max_reconnect_delay: float = 30.0,
        request_timeout: float | None = 10.0,
        connect_timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        auto_client_order_id: bool = False,
        default_tag: str | None = None,
    ) -> None:
        self._ws = WebsocketClient(
            accounts,
            market=market,
            demo_trading=demo_trading,
            ws_base_url=ws_base_url,
            rest_base_url=rest_base_url,
            ping_interval=ping_interval,
            pong_timeout=pong_timeout,
            reconnect_timeout=reconnect_timeout,
            max_reconnect_delay=max_reconnect_delay,
            request_timeout=request_timeout,
            connect_timeout=connect_timeout,
            ssl_context=ssl_context,
            attach_event_listeners=attach_event_listeners,
        )
        if default_tag is not None:
            validate_items("order", [{"tag": default_tag, "tdMode": "x", "side": "x",
                                      "ordType": "x", "sz": "x", "instIdCode": 0}])  # fmt: skip
        self._default_tag = default_tag
        self._codes = InstrumentCodes(
            self._ws.rest_base_url, demo=bool(demo_trading), ssl_context=ssl_context
        )
        self._auto_cl_ord_id = auto_client_order_id
        self._fills_defaults = auto_client_order_id or default_tag is not None
        # Unique across processes too: a random session prefix, then a counter.
        self._cl_ord_prefix = "o" + secrets.token_hex(5)
        self._cl_ord_seq = itertools.count(1)

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
        return self._ws.get_time_offset_ms()

    async def sync_time(self) -> int:
        """Set the time offset from OKX's server clock; returns it in ms."""
        return await self._ws.sync_time()

    def new_client_order_id(self) -> str:
        """A fresh ``clOrdId`` (1-32 letters and digits), unique across processes."""
        return f"{self._cl_ord_prefix}{next(self._cl_ord_seq)}"

    async def close(self) -> None:
        """Close every connection; idempotent."""
        await self._codes.aclose()
        await self._ws.close()

    async def __aenter__(self) -> WebsocketAPIClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _wire_items(self, op: str, items: list[Any]) -> list[Any] | None:
        """Fill in instIdCode, clOrdId and tag, on copies: the caller's dicts stay as given.

        None when an ``instId`` is not cached yet (see :meth:`_wire_items_after_lookup`).
        """
        spec = OPS[op]
        fill = self._fills_defaults and spec.fills_defaults
        needs_inst = spec.needs_inst
        out: list[Any] = []
        for item in items:
            wire: Any = item
            if needs_inst and "instId" in item:
                wire = dict(item)
                inst_id = wire.pop("instId")
                if "instIdCode" not in wire:  # the caller's instIdCode wins; OKX ignores instId
                    code = self._codes.get(inst_id)
                    if code is None:
                        return None
                    wire["instIdCode"] = code
            if fill:
                if wire is item:
                    wire = dict(item)
                if self._auto_cl_ord_id and not wire.get("clOrdId"):
                    wire["clOrdId"] = self.new_client_order_id()
                if self._default_tag is not None and "tag" not in wire:
                    wire["tag"] = self._default_tag
            out.append(wire)
        return out

    async def _wire_items_after_lookup(self, op: str, items: list[Any]) -> list[Any]:
        """:meth:`_wire_items` after looking up every ``instId`` not cached yet (REST)."""
        for item in items:
            if "instIdCode" not in item and self._codes.get(item["instId"]) is None:
                await self._codes.resolve(item["instId"])
        wire = self._wire_items(op, items)
        assert wire is not None
        return wire

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
        op: str,
        items: list[Any],
        timeout: Timeout,
        account: int | None,
        exp_time: int | None = None,
        expires_in: float | None = None,
    ) -> Awaitable[Any]:
        """Validate, then send; returns the response future itself on the hot path.

        Not a coroutine: when every instrument code is cached and the connection is ready,
        the public method awaits the response future directly (one frame per request).
        Everything is checked before anything is sent.
        """
        # A single item is checked without validate_items()'s frame (one call per request).
        by_inst_id = (
            OP_RULES[op].check_item(items[0], op) if len(items) == 1 else validate_items(op, items)
        )
        if by_inst_id or self._fills_defaults:
            wire = self._wire_items(op, items)
            if wire is None:
                return self._send_after_lookup(op, items, timeout, account, exp_time, expires_in)
        else:
            wire = items  # the usual case: sent as given (encoded before any await)
        exp = (
            None
            if exp_time is None and expires_in is None
            else self._exp_time(exp_time, expires_in)
        )
        return self._ws._start_ws_api_request(OPS[op], wire, exp, timeout, account)

    async def _send_after_lookup(
        self,
        op: str,
        items: list[Any],
        timeout: Timeout,
        account: int | None,
        exp_time: int | None,
        expires_in: float | None,
    ) -> Any:
        exp = self._exp_time(exp_time, expires_in)  # checked before the lookup's await
        wire = await self._wire_items_after_lookup(op, items)
        return await self._ws._start_ws_api_request(OPS[op], wire, exp, timeout, account)

    @staticmethod
    def _many(params: Any, op: str) -> list[Mapping[str, Any]]:
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
        items = [params]
        response: WsApiResponse[m.PlaceOrderResult] = await self._send(
            "order", items, timeout, account, exp_time, expires_in
        )
        return response

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
        response: WsApiResponse[m.PlaceOrderResult] = await self._send(
            "batch-orders", items, timeout, account, exp_time, expires_in
        )
        return response

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
        items = [params]
        response: WsApiResponse[m.CancelOrderResult] = await self._send(
            "cancel-order", items, timeout, account
        )
        return response

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
        response: WsApiResponse[m.CancelOrderResult] = await self._send(
            "batch-cancel-orders", items, timeout, account
        )
        return response

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
        items = [params]
        response: WsApiResponse[m.AmendOrderResult] = await self._send(
            "amend-order", items, timeout, account, exp_time, expires_in
        )
        return response

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
        response: WsApiResponse[m.AmendOrderResult] = await self._send(
            "batch-amend-orders", items, timeout, account, exp_time, expires_in
        )
        return response

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
        items = [params]
        response: WsApiResponse[m.MassCancelResult] = await self._send(
            "mass-cancel", items, timeout, account
        )
        return response

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
        items = [params]
        response: WsApiResponse[m.SpreadPlaceOrderResult] = await self._send(
            "sprd-order", items, timeout, account
        )
        return response

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
        items = [params]
        response: WsApiResponse[m.SpreadAmendOrderResult] = await self._send(
            "sprd-amend-order", items, timeout, account
        )
        return response

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
        items = [params]
        response: WsApiResponse[m.SpreadCancelOrderResult] = await self._send(
            "sprd-cancel-order", items, timeout, account
        )
        return response

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
        items = [{} if params is None else params]
        response: WsApiResponse[m.MassCancelResult] = await self._send(
            "sprd-mass-cancel", items, timeout, account
        )
        return response
