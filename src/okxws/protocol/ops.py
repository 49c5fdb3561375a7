"""The 11 WS API operations: everything okxws knows about each one, declared once.

Each :class:`OpSpec` says where the operation goes, what its items and results look like, how
many items it takes, which rules its items must meet, whether it honours ``expTime``, which
items get a generated ``clOrdId``/``tag``, its REST twin, how to find the orders it names when
its outcome is unknown, and the OKX rate-limit budget it draws from. Validation, the API
methods, the simulator's dispatch and REST table, rate limiting and reconciliation all read
this table; none of them restates it.

okx-protocol.md section 4 (summary table 4.12), section 3.1 (request ids) and 3.4 (expTime);
okx-streams-rest.md section 5.2 (rate limits) and 4.4 (REST twins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, TypeVar

from . import messages as m
from .endpoints import ConnKind
from .messages import OpName

__all__ = [
    "AMEND_ORDER",
    "BATCH_AMEND_ORDERS",
    "BATCH_CANCEL_ORDERS",
    "BATCH_ORDERS",
    "CANCEL_ORDER",
    "MASS_CANCEL",
    "MAX_BATCH_ITEMS",
    "OPS",
    "ORDER",
    "SPRD_AMEND_ORDER",
    "SPRD_CANCEL_ORDER",
    "SPRD_MASS_CANCEL",
    "SPRD_ORDER",
    "SUB_ACCOUNT_ORDER_LIMIT",
    "OpAction",
    "OpSpec",
    "OrderVenue",
    "RateLimit",
    "is_valid_request_id",
]

ArgsT = TypeVar("ArgsT")
ResultT = TypeVar("ResultT")

#: OKX's limit on the items of every batch operation.
MAX_BATCH_ITEMS: Final = 20

_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9]{1,32}")


def is_valid_request_id(value: object) -> bool:
    """OKX request ids are 1-32 letters and digits (section 3.1)."""
    return isinstance(value, str) and _REQUEST_ID.fullmatch(value) is not None


#: What an operation does to the orders it names (how their outcome is looked up).
OpAction = Literal["place", "amend", "cancel", "mass_cancel"]
#: Where its orders live: the order book (``/api/v5/trade/order``) or Nitro spreads
#: (``/api/v5/sprd/order``).
OrderVenue = Literal["book", "spread"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit:
    """One OKX rate-limit budget an operation draws from (okx-streams-rest.md section 5.2).

    OKX shares each budget between REST and the WebSocket API, per account.
    """

    #: The budget's name; operations with the same bucket share one budget.
    bucket: str
    #: Requests (or, with ``per_item``, orders) allowed per ``window_s``.
    limit: int
    window_s: float = 2.0
    #: Keyed by instrument as well (``instId``; options: ``instFamily``).
    per_instrument: bool = False
    #: A request costs one unit per item (the batch budgets count orders, not requests).
    per_item: bool = False
    #: A one-item batch "adopts the single order rate limit": the operation whose budget it
    #: draws from then.
    single_item_op: OpName | None = None
    #: Each item also counts towards the sub-account budget of new and amended orders.
    sub_account: bool = False


#: OKX's sub-account budget of new + amended orders (items of batches counted one by one).
SUB_ACCOUNT_ORDER_LIMIT: Final = RateLimit(bucket="sub-account", limit=1000)


@dataclass(frozen=True, slots=True, kw_only=True)
class OpSpec(Generic[ArgsT, ResultT]):
    """What okxws knows of one operation; ``ArgsT``/``ResultT`` type its items and results."""

    name: OpName
    conn_kind: ConnKind
    #: The ``TypedDict`` of one item of ``args`` (validation reads its fields).
    args_type: type[ArgsT]
    #: The ``TypedDict`` of one item of the response's ``data``.
    result_type: type[ResultT]
    action: OpAction
    venue: OrderVenue
    #: How many items ``args`` may hold (1 for single operations).
    max_items: int = 1
    #: Fields each item must have (the instrument code is checked separately: ``needs_inst``).
    required: tuple[str, ...] = ()
    #: Groups of which an item must have at least one.
    one_of: tuple[tuple[str, ...], ...] = ()
    #: The item names an order-book instrument (``instIdCode``; okxws resolves ``instId``).
    needs_inst: bool = False
    #: ``expTime`` is honoured (section 3.4).
    supports_exp_time: bool = False
    #: Items get a generated ``clOrdId`` and the client's default ``tag`` (places only).
    fills_defaults: bool = False
    #: The REST endpoint that does the same (``POST``; batch twins take a JSON array).
    rest_path: str
    rate_limit: RateLimit
    docs: str

    @property
    def is_batch(self) -> bool:
        return self.max_items > 1


_DOCS: Final = "https://www.okx.com/docs-v5/en/#"
_ORDER_REQ: Final = ("tdMode", "side", "ordType", "sz")
_ID_ONE_OF: Final = (("ordId", "clOrdId"),)
_AMEND_ONE_OF: Final = (("ordId", "clOrdId"), ("newSz", "newPx", "newPxUsd", "newPxVol"))
# Spread place/amend/cancel share one budget (okx-streams-rest.md 5.2).
_SPRD_LIMIT: Final = RateLimit(bucket="sprd", limit=20)

ORDER: Final = OpSpec(
    name="order",
    conn_kind="private",
    args_type=m.PlaceOrderRequest,
    result_type=m.PlaceOrderResult,
    action="place",
    venue="book",
    required=_ORDER_REQ,
    needs_inst=True,
    supports_exp_time=True,
    fills_defaults=True,
    rest_path="/api/v5/trade/order",
    rate_limit=RateLimit(bucket="place", limit=60, per_instrument=True, sub_account=True),
    docs=_DOCS + "order-book-trading-trade-ws-place-order",
)
BATCH_ORDERS: Final = OpSpec(
    name="batch-orders",
    conn_kind="private",
    args_type=m.PlaceOrderRequest,
    result_type=m.PlaceOrderResult,
    action="place",
    venue="book",
    max_items=MAX_BATCH_ITEMS,
    required=_ORDER_REQ,
    needs_inst=True,
    supports_exp_time=True,
    fills_defaults=True,
    rest_path="/api/v5/trade/batch-orders",
    rate_limit=RateLimit(
        bucket="batch-place",
        limit=300,
        per_instrument=True,
        per_item=True,
        single_item_op="order",
        sub_account=True,
    ),
    docs=_DOCS + "order-book-trading-trade-ws-place-multiple-orders",
)
CANCEL_ORDER: Final = OpSpec(
    name="cancel-order",
    conn_kind="private",
    args_type=m.CancelOrderRequest,
    result_type=m.CancelOrderResult,
    action="cancel",
    venue="book",
    one_of=_ID_ONE_OF,
    needs_inst=True,
    rest_path="/api/v5/trade/cancel-order",
    rate_limit=RateLimit(bucket="cancel", limit=60, per_instrument=True),
    docs=_DOCS + "order-book-trading-trade-ws-cancel-order",
)
BATCH_CANCEL_ORDERS: Final = OpSpec(
    name="batch-cancel-orders",
    conn_kind="private",
    args_type=m.CancelOrderRequest,
    result_type=m.CancelOrderResult,
    action="cancel",
    venue="book",
    max_items=MAX_BATCH_ITEMS,
    one_of=_ID_ONE_OF,
    needs_inst=True,
    rest_path="/api/v5/trade/cancel-batch-orders",
    rate_limit=RateLimit(
        bucket="batch-cancel",
        limit=300,
        per_instrument=True,
        per_item=True,
        single_item_op="cancel-order",
    ),
    docs=_DOCS + "order-book-trading-trade-ws-cancel-multiple-orders",
)
AMEND_ORDER: Final = OpSpec(
    name="amend-order",
    conn_kind="private",
    args_type=m.AmendOrderRequest,
    result_type=m.AmendOrderResult,
    action="amend",
    venue="book",
    one_of=_AMEND_ONE_OF,
    needs_inst=True,
    supports_exp_time=True,
    rest_path="/api/v5/trade/amend-order",
    rate_limit=RateLimit(bucket="amend", limit=60, per_instrument=True, sub_account=True),
    docs=_DOCS + "order-book-trading-trade-ws-amend-order",
)
BATCH_AMEND_ORDERS: Final = OpSpec(
    name="batch-amend-orders",
    conn_kind="private",
    args_type=m.AmendOrderRequest,
    result_type=m.AmendOrderResult,
    action="amend",
    venue="book",
    max_items=MAX_BATCH_ITEMS,
    one_of=_AMEND_ONE_OF,
    needs_inst=True,
    supports_exp_time=True,
    rest_path="/api/v5/trade/amend-batch-orders",
    rate_limit=RateLimit(
        bucket="batch-amend",
        limit=300,
        per_instrument=True,
        per_item=True,
        single_item_op="amend-order",
        sub_account=True,
    ),
    docs=_DOCS + "order-book-trading-trade-ws-amend-multiple-orders",
)
MASS_CANCEL: Final = OpSpec(
    name="mass-cancel",
    conn_kind="private",
    args_type=m.MassCancelRequest,
    result_type=m.MassCancelResult,
    action="mass_cancel",
    venue="book",
    required=("instType", "instFamily"),
    rest_path="/api/v5/trade/mass-cancel",
    rate_limit=RateLimit(bucket="mass-cancel", limit=5),
    docs=_DOCS + "order-book-trading-trade-ws-mass-cancel-order",
)
SPRD_ORDER: Final = OpSpec(
    name="sprd-order",
    conn_kind="business",
    args_type=m.SpreadPlaceOrderRequest,
    result_type=m.SpreadPlaceOrderResult,
    action="place",
    venue="spread",
    required=("sprdId", "side", "ordType", "sz"),
    fills_defaults=True,
    rest_path="/api/v5/sprd/order",
    rate_limit=_SPRD_LIMIT,
    docs=_DOCS + "spread-trading-websocket-trade-api-ws-place-order",
)
SPRD_AMEND_ORDER: Final = OpSpec(
    name="sprd-amend-order",
    conn_kind="business",
    args_type=m.SpreadAmendOrderRequest,
    result_type=m.SpreadAmendOrderResult,
    action="amend",
    venue="spread",
    one_of=(("ordId", "clOrdId"), ("newSz", "newPx")),
    rest_path="/api/v5/sprd/amend-order",
    rate_limit=_SPRD_LIMIT,
    docs=_DOCS + "spread-trading-websocket-trade-api-ws-amend-order",
)
SPRD_CANCEL_ORDER: Final = OpSpec(
    name="sprd-cancel-order",
    conn_kind="business",
    args_type=m.SpreadCancelOrderRequest,
    result_type=m.SpreadCancelOrderResult,
    action="cancel",
    venue="spread",
    one_of=_ID_ONE_OF,
    rest_path="/api/v5/sprd/cancel-order",
    rate_limit=_SPRD_LIMIT,
    docs=_DOCS + "spread-trading-websocket-trade-api-ws-cancel-order",
)
SPRD_MASS_CANCEL: Final = OpSpec(
    name="sprd-mass-cancel",
    conn_kind="business",
    args_type=m.SpreadMassCancelRequest,
    result_type=m.MassCancelResult,
    action="mass_cancel",
    venue="spread",
    rest_path="/api/v5/sprd/mass-cancel",
    # WS 5 / 2 s; REST documents 10 / 2 s: the smaller is kept for both (section 8 #8).
    rate_limit=RateLimit(bucket="sprd-mass-cancel", limit=5),
    docs=_DOCS + "spread-trading-websocket-trade-api-ws-cancel-all-orders",
)

#: Every operation by its wire name.
OPS: Final[dict[str, OpSpec[Any, Any]]] = {
    spec.name: spec
    for spec in (
        ORDER,
        BATCH_ORDERS,
        CANCEL_ORDER,
        BATCH_CANCEL_ORDERS,
        AMEND_ORDER,
        BATCH_AMEND_ORDERS,
        MASS_CANCEL,
        SPRD_ORDER,
        SPRD_AMEND_ORDER,
        SPRD_CANCEL_ORDER,
        SPRD_MASS_CANCEL,
    )
}
