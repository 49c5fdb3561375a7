"""Order records of the simulated exchange: state, fills, per-account indexes, ids, rejections.

Domain values only: sides are booleans, prices integer ticks, sizes integer lots, money
:class:`~decimal.Decimal`, flags booleans. :mod:`okxws.simulator.render` turns them into OKX's
strings. The enums' values are OKX's own words, so rendering one is reading its ``value``.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Mapping
from decimal import Decimal
from typing import Final, NamedTuple

from okxws.protocol.ops import OrderVenue

from .book import Book

__all__ = [
    "IMMEDIATE_TYPES",
    "MARKET_TYPES",
    "MM_UID",
    "PENDING_STATES",
    "POST_ONLY_TYPES",
    "CancelSource",
    "EngineArgError",
    "Fill",
    "Ids",
    "ItemResult",
    "OrdType",
    "Order",
    "OrderIndex",
    "OrderState",
    "Reject",
]

MM_UID: Final = "__mm__"
"""Uid of the internal market-maker account (never pushed, never balance-checked)."""

_D0: Final = Decimal(0)


class OrderState(enum.StrEnum):
    """``state`` of an order (https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-order-channel)."""

    LIVE = "live"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"


#: States of an order that can still trade, be amended or cancelled.
PENDING_STATES: Final = frozenset({OrderState.LIVE, OrderState.PARTIALLY_FILLED})


class CancelSource(enum.StrEnum):
    """Why an order was cancelled (``cancelSource``; the codes of recorded OKX pushes)."""

    USER = "1"
    FOK_UNFILLABLE = "13"
    UNFILLED_REMAINDER = "14"  # IOC / market order remainder
    CANCEL_ALL_AFTER = "20"  # the cancel-all-after timer fired
    POST_ONLY_WOULD_TAKE = "31"
    SELF_TRADE = "32"  # self-trade prevention, cancel_maker


class OrdType(enum.StrEnum):
    """``ordType`` (https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order)."""

    MARKET = "market"
    LIMIT = "limit"
    POST_ONLY = "post_only"
    FOK = "fok"
    IOC = "ioc"
    OPTIMAL_LIMIT_IOC = "optimal_limit_ioc"
    MMP = "mmp"
    MMP_AND_POST_ONLY = "mmp_and_post_only"


#: Order types without a price: they take what the book offers now.
MARKET_TYPES: Final = frozenset({OrdType.MARKET, OrdType.OPTIMAL_LIMIT_IOC})
#: Order types that must not take liquidity.
POST_ONLY_TYPES: Final = frozenset({OrdType.POST_ONLY, OrdType.MMP_AND_POST_ONLY})
#: Order types whose unfilled remainder is cancelled instead of resting.
IMMEDIATE_TYPES: Final = MARKET_TYPES | {OrdType.IOC, OrdType.FOK}


class Fill(NamedTuple):
    """One fill of one order (what an ``orders`` push reports as ``fill*``)."""

    px: Decimal
    sz: Decimal
    trade_id: str
    #: Fee charged (positive; OKX's wire sign is the opposite).
    fee: Decimal
    pnl: Decimal
    maker: bool
    #: ``px * sz`` in the settle currency (times ``ctVal`` for derivatives).
    notional: Decimal
    time_ms: int


class Order:
    """One order (a user's, or a market-maker quote) on one book.

    ``px_ticks`` is ``None`` for market orders. ``sz`` is the size as ordered (in the quote
    currency for quote-sized spot market orders; default ``sz_lots`` lots); ``sz_lots`` what can
    fill.
    """

    __slots__ = (
        "amended",
        "book",
        "buy",
        "c_time",
        "cancel_source",
        "canceled_lots",
        "ccy",
        "cl_ord_id",
        "fee",
        "fee_ccy",
        "fill_value",
        "filled_lots",
        "is_mm",
        "last_fill",
        "lever",
        "notional_usd",
        "ord_id",
        "ord_type",
        "pnl",
        "px",
        "px_ticks",
        "rebate_ccy",
        "reduce_only",
        "req_id",
        "res_ccy",
        "reserved",
        "resting",
        "state",
        "stp_mode",
        "sz",
        "sz_lots",
        "tag",
        "td_mode",
        "tgt_ccy",
        "u_time",
        "uid",
        "venue",
    )

    def __init__(
        self,
        uid: str,
        ord_id: str,
        book: Book[Order],
        buy: bool,
        ord_type: OrdType,
        px_ticks: int | None,
        sz_lots: int,
        now: int,
        sz: Decimal | None = None,
    ) -> None:
        self.uid = uid
        self.ord_id = ord_id
        self.book = book
        #: Where the order lives: the order book or Nitro spreads.
        self.venue: OrderVenue = book.venue
        self.buy = buy
        self.ord_type = ord_type
        self.px_ticks = px_ticks
        self.px: Decimal | None = None if px_ticks is None else px_ticks * book.tick
        self.sz = sz_lots * book.lot if sz is None else sz
        self.sz_lots = sz_lots
        self.filled_lots = 0
        self.canceled_lots = 0
        self.fill_value = _D0
        self.fee = _D0
        self.pnl = _D0
        #: Funds held for the open part of the order, in ``res_ccy``.
        self.reserved = _D0
        self.res_ccy = ""
        self.state = OrderState.LIVE
        self.c_time = now
        self.u_time = now
        self.cl_ord_id = ""
        self.tag = ""
        self.td_mode = ""
        self.tgt_ccy = ""
        self.ccy = ""
        self.fee_ccy = ""
        self.rebate_ccy = ""
        self.lever: Decimal | None = None
        self.notional_usd: Decimal | None = None
        self.reduce_only = False
        self.stp_mode = "cancel_maker"
        self.req_id = ""
        self.amended = False
        self.cancel_source: CancelSource | None = None
        self.is_mm = uid == MM_UID
        #: On its book (maintained by :class:`~okxws.simulator.book.Book`).
        self.resting = False
        self.last_fill: Fill | None = None

    def set_price(self, px_ticks: int) -> None:
        """Move the order to another price (an amend)."""
        self.px_ticks = px_ticks
        self.px = px_ticks * self.book.tick

    def set_lots(self, sz_lots: int) -> None:
        """Change the order size (an amend: the new size includes what is filled)."""
        self.sz_lots = sz_lots
        self.sz = sz_lots * self.book.lot


class OrderIndex:
    """One account's orders on one venue: pending by ``ordId`` and by ``clOrdId``, and the latest
    order of each ``clOrdId`` (found by ``clOrdId`` after it finished)."""

    __slots__ = ("by_cl", "latest_by_cl", "pending")

    def __init__(self) -> None:
        self.pending: dict[str, Order] = {}
        self.by_cl: dict[str, Order] = {}
        self.latest_by_cl: dict[str, Order] = {}

    def add(self, o: Order) -> None:
        self.pending[o.ord_id] = o
        if o.cl_ord_id:
            self.by_cl[o.cl_ord_id] = o
            self.latest_by_cl[o.cl_ord_id] = o

    def close(self, o: Order) -> None:
        """``o`` finished: it is no longer pending (it stays findable by ``clOrdId``)."""
        self.pending.pop(o.ord_id, None)
        if o.cl_ord_id and self.by_cl.get(o.cl_ord_id) is o:
            del self.by_cl[o.cl_ord_id]

    def forget(self, o: Order) -> None:
        """``o`` left the history: it is no longer findable."""
        if o.cl_ord_id and self.latest_by_cl.get(o.cl_ord_id) is o:
            del self.latest_by_cl[o.cl_ord_id]

    def find(self, ord_id: str, cl_ord_id: str, history: Mapping[str, Order]) -> Order | None:
        """The order named by ``ordId`` (which wins; looked up in ``history``) or ``clOrdId``.

        The caller checks that an order found by ``ordId`` is this account's and venue's.
        """
        if ord_id:
            return history.get(ord_id)
        if cl_ord_id:
            return self.by_cl.get(cl_ord_id) or self.latest_by_cl.get(cl_ord_id)
        return None


class Ids:
    """Order and trade ids: counters from seeded random starting points, as strings."""

    __slots__ = ("_order", "_trade")

    def __init__(self, rng: random.Random) -> None:
        self._order = rng.randrange(2_000_000_000_000_000, 3_000_000_000_000_000)
        self._trade = rng.randrange(1_000_000_000_000_000, 2_000_000_000_000_000)

    def order_id(self) -> str:
        self._order += 1
        return str(self._order)

    def trade_id(self) -> str:
        self._trade += 1
        return str(self._trade)


class ItemResult(NamedTuple):
    """The outcome of one item of an order operation, as its result item reports it."""

    ord_id: str = ""
    cl_ord_id: str = ""
    tag: str = ""
    req_id: str = ""
    code: str = "0"
    msg: str = ""
    sub_code: str = ""


class Reject(Exception):
    """One item is rejected: its ``sCode``, ``sMsg`` and ``subCode``."""

    def __init__(self, code: str, msg: str, sub_code: str = "") -> None:
        super().__init__(code, msg)  # no formatting: rejections are frequent and never shown
        self.code = code
        self.msg = msg
        self.sub_code = sub_code


class EngineArgError(Exception):
    """Request-level argument error; the caller answers with an envelope ``code``/``msg``."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
