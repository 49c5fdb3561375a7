"""A price-time-priority limit book: two sides of price levels, depth and trade statistics.

Prices are integer ticks and sizes integer lots. Each level keeps its orders in arrival order.
https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from decimal import Decimal
from typing import Final, Generic, NamedTuple, Protocol, TypeVar

from okxws.protocol.ops import OrderVenue

from .instruments import Instrument

__all__ = ["Book", "BookOrder", "Level", "Side"]

_D0: Final = Decimal(0)


class BookOrder(Protocol):
    """What the book needs of a resting order."""

    ord_id: str
    buy: bool
    px_ticks: int | None
    sz_lots: int
    filled_lots: int
    resting: bool


OrderT = TypeVar("OrderT", bound=BookOrder)


class Level(NamedTuple):
    """One price level: its open size and how many ``orders`` make it (``lots`` 0: gone)."""

    px_ticks: int
    lots: int
    orders: int


class Side(Generic[OrderT]):
    """One side of a book: ``prices`` ascending, each level an insertion-ordered dict."""

    __slots__ = ("is_bid", "levels", "prices")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[int, dict[str, OrderT]] = {}
        self.prices: list[int] = []

    def best(self) -> int | None:
        """The best price (highest bid, lowest ask), or ``None`` if the side is empty."""
        p = self.prices
        if not p:
            return None
        return p[-1] if self.is_bid else p[0]

    def best_first(self) -> Iterator[int]:
        return reversed(self.prices) if self.is_bid else iter(self.prices)

    def add(self, o: OrderT, px: int) -> None:
        """Rest ``o`` at ``px``, behind the orders already there."""
        lvl = self.levels.get(px)
        if lvl is None:
            lvl = self.levels[px] = {}
            bisect.insort(self.prices, px)
        lvl[o.ord_id] = o
        o.resting = True

    def remove(self, o: OrderT, px: int) -> None:
        lvl = self.levels[px]
        del lvl[o.ord_id]
        o.resting = False
        if not lvl:
            del self.levels[px]
            p = self.prices
            del p[bisect.bisect_left(p, px)]

    def level(self, px: int) -> Level:
        """The level at ``px`` (``lots`` 0 if there is none)."""
        lvl = self.levels.get(px)
        if not lvl:
            return Level(px, 0, 0)
        return Level(px, sum(o.sz_lots - o.filled_lots for o in lvl.values()), len(lvl))

    def depth(self, n: int) -> list[Level]:
        """The best ``n`` levels, best first."""
        out: list[Level] = []
        for p in self.best_first():
            if len(out) >= n:
                break
            out.append(self.level(p))
        return out


class Book(Generic[OrderT]):
    """The book of one instrument or spread (``key`` is its instId or sprdId).

    ``mid`` (ticks) is the reference price the market maker quotes around; the trade statistics
    feed the ``tickers`` channel.
    """

    __slots__ = (
        "asks",
        "bids",
        "high",
        "inst",
        "key",
        "last_lots",
        "last_ticks",
        "lot",
        "low",
        "mid",
        "min_sz",
        "open_ticks",
        "tick",
        "venue",
        "vol_ccy",
        "vol_lots",
    )

    def __init__(
        self,
        key: str,
        venue: OrderVenue,
        *,
        tick: Decimal,
        lot: Decimal,
        min_sz: Decimal,
        mid_px: Decimal,
        inst: Instrument | None = None,
    ) -> None:
        self.key = key
        self.venue: OrderVenue = venue
        #: The instrument (``None`` for a spread).
        self.inst = inst
        self.tick = tick
        self.lot = lot
        self.min_sz = min_sz
        self.mid = int(mid_px / tick)
        self.bids: Side[OrderT] = Side(True)
        self.asks: Side[OrderT] = Side(False)
        self.open_ticks = self.mid
        self.last_ticks: int | None = None
        self.last_lots = 0
        self.high = self.mid
        self.low = self.mid
        self.vol_lots = 0
        self.vol_ccy = _D0

    # ------------------------------------------------------------------ orders

    def resting_side(self, buy: bool) -> Side[OrderT]:
        """The side an order of this direction rests on."""
        return self.bids if buy else self.asks

    def opposite_side(self, buy: bool) -> Side[OrderT]:
        """The side an order of this direction takes from."""
        return self.asks if buy else self.bids

    def add(self, o: OrderT) -> None:
        assert o.px_ticks is not None
        (self.bids if o.buy else self.asks).add(o, o.px_ticks)

    def remove(self, o: OrderT) -> None:
        assert o.px_ticks is not None
        (self.bids if o.buy else self.asks).remove(o, o.px_ticks)

    def crosses(self, buy: bool, px_ticks: int) -> bool:
        """An order at ``px_ticks`` would trade now."""
        if buy:
            a = self.asks.best()
            return a is not None and a <= px_ticks
        b = self.bids.best()
        return b is not None and b >= px_ticks

    def record_trade(self, px_ticks: int, lots: int, volume_ccy: Decimal) -> None:
        """Update the last-trade and 24 h statistics."""
        self.last_ticks = px_ticks
        self.last_lots = lots
        self.vol_lots += lots
        self.vol_ccy += volume_ccy
        if px_ticks > self.high:
            self.high = px_ticks
        if px_ticks < self.low:
            self.low = px_ticks

    @property
    def last_or_mid(self) -> int:
        """The last trade price, or the mid before any trade (ticks)."""
        return self.mid if self.last_ticks is None else self.last_ticks

    def depth(self, n: int) -> tuple[list[Level], list[Level]]:
        """The best ``n`` levels of each side: ``(bids, asks)``, best first."""
        return self.bids.depth(n), self.asks.depth(n)
