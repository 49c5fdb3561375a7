"""The 11 WS API operations: where each goes, how many items it takes, what it requires.

okx-protocol.md section 4 (summary table 4.12) and section 3.1 (request ids).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from .endpoints import ConnKind
from .messages import OpName

__all__ = [
    "BUSINESS_PRIVATE_CHANNELS",
    "MAX_BATCH_ITEMS",
    "OPS",
    "PUBLIC_CHANNELS_WITH_AUTH",
    "OpSpec",
    "channel_conn_kind",
    "channel_needs_login",
    "is_valid_request_id",
]

#: OKX's limit on the items of every batch operation.
MAX_BATCH_ITEMS: Final = 20

_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9]{1,32}")


def is_valid_request_id(value: object) -> bool:
    """OKX request ids are 1-32 letters and digits (section 3.1)."""
    return isinstance(value, str) and _REQUEST_ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class OpSpec:
    """What okxws knows of one operation."""

    name: OpName
    conn_kind: ConnKind
    #: How many items ``args`` may hold (1 for single operations).
    max_items: int
    #: Fields each item must have (the instrument code is checked separately: see ``needs_inst``).
    required: tuple[str, ...]
    #: Groups of which an item must have at least one.
    one_of: tuple[tuple[str, ...], ...] = ()
    #: The item names an order-book instrument (``instIdCode``; okxws resolves ``instId``).
    needs_inst: bool = False
    #: ``expTime`` is honoured (section 3.4).
    supports_exp_time: bool = False
    docs: str = ""

    @property
    def is_batch(self) -> bool:
        return self.max_items > 1


_DOCS: Final = "https://www.okx.com/docs-v5/en/#"
_ORDER_REQ: Final = ("tdMode", "side", "ordType", "sz")
_ID_ONE_OF: Final = (("ordId", "clOrdId"),)
_AMEND_ONE_OF: Final = (("ordId", "clOrdId"), ("newSz", "newPx", "newPxUsd", "newPxVol"))

OPS: Final[dict[str, OpSpec]] = {
    spec.name: spec
    for spec in (
        OpSpec("order", "private", 1, _ORDER_REQ, (), True, True,
               _DOCS + "order-book-trading-trade-ws-place-order"),
        OpSpec("batch-orders", "private", MAX_BATCH_ITEMS, _ORDER_REQ, (), True, True,
               _DOCS + "order-book-trading-trade-ws-place-multiple-orders"),
        OpSpec("cancel-order", "private", 1, (), _ID_ONE_OF, True, False,
               _DOCS + "order-book-trading-trade-ws-cancel-order"),
        OpSpec("batch-cancel-orders", "private", MAX_BATCH_ITEMS, (), _ID_ONE_OF, True, False,
               _DOCS + "order-book-trading-trade-ws-cancel-multiple-orders"),
        OpSpec("amend-order", "private", 1, (), _AMEND_ONE_OF, True, True,
               _DOCS + "order-book-trading-trade-ws-amend-order"),
        OpSpec("batch-amend-orders", "private", MAX_BATCH_ITEMS, (), _AMEND_ONE_OF, True, True,
               _DOCS + "order-book-trading-trade-ws-amend-multiple-orders"),
        OpSpec("mass-cancel", "private", 1, ("instType", "instFamily"), (), False, False,
               _DOCS + "order-book-trading-trade-ws-mass-cancel-order"),
        OpSpec("sprd-order", "business", 1, ("sprdId", "side", "ordType", "sz"), (), False, False,
               _DOCS + "spread-trading-websocket-trade-api-ws-place-order"),
        OpSpec("sprd-amend-order", "business", 1, (), (("ordId", "clOrdId"), ("newSz", "newPx")),
               False, False, _DOCS + "spread-trading-websocket-trade-api-ws-amend-order"),
        OpSpec("sprd-cancel-order", "business", 1, (), _ID_ONE_OF, False, False,
               _DOCS + "spread-trading-websocket-trade-api-ws-cancel-order"),
        OpSpec("sprd-mass-cancel", "business", 1, (), (), False, False,
               _DOCS + "spread-trading-websocket-trade-api-ws-cancel-all-orders"),
    )
}  # fmt: skip

# Channels served by /ws/v5/business and /ws/v5/private (section 1.2); all others are public.
_BUSINESS_CHANNELS: Final = frozenset(
    {
        "sprd-orders", "sprd-trades", "sprd-public-trades", "sprd-bbo-tbt", "sprd-books5",
        "sprd-books-l2-tbt", "sprd-tickers", "orders-algo", "algo-advance", "grid-orders-spot",
        "grid-orders-contract", "grid-positions", "grid-sub-orders", "algo-recurring-buy",
        "copytrading-notification", "copytrading-lead-notification", "deposit-info",
        "withdrawal-info", "trades-all", "rfqs", "quotes", "struc-block-trades",
        "public-struc-block-trades", "public-block-trades", "block-tickers", "economic-calendar",
        "ftx-notifications",
    }
)  # fmt: skip
_BUSINESS_PREFIXES: Final = ("candle", "mark-price-candle", "index-candle")
_PRIVATE_CHANNELS: Final = frozenset(
    {
        "account", "positions", "balance_and_position", "liquidation-warning", "account-greeks",
        "orders", "fills",
    }
)  # fmt: skip
#: Business channels that need a logged-in connection.
BUSINESS_PRIVATE_CHANNELS: Final = frozenset(
    {
        "sprd-orders", "sprd-trades", "orders-algo", "algo-advance", "grid-orders-spot",
        "grid-orders-contract", "grid-positions", "grid-sub-orders", "algo-recurring-buy",
        "copytrading-notification", "copytrading-lead-notification", "deposit-info",
        "withdrawal-info", "rfqs", "quotes", "struc-block-trades",
    }
)  # fmt: skip
#: Public channels that nevertheless need a logged-in connection (VIP order books).
PUBLIC_CHANNELS_WITH_AUTH: Final = frozenset({"books-l2-tbt", "books50-l2-tbt"})


def channel_conn_kind(channel: str) -> ConnKind:
    """Which connection serves a channel (section 1.2)."""
    if channel in _PRIVATE_CHANNELS:
        return "private"
    if channel in _BUSINESS_CHANNELS or channel.startswith(_BUSINESS_PREFIXES):
        return "business"
    return "public"


def channel_needs_login(channel: str) -> bool:
    """Whether subscribing to ``channel`` requires its connection to be logged in."""
    kind = channel_conn_kind(channel)
    if kind == "private":
        return True
    if kind == "business":
        return channel in BUSINESS_PRIVATE_CHANNELS
    return channel in PUBLIC_CHANNELS_WITH_AUTH
