"""A price-time-priority limit book: two sides of price levels, depth, trade statistics, and a
sequence of committed changes for the incremental order-book channels.

Prices are integer ticks and sizes integer lots. Each level keeps its orders in arrival order.
Every change to a level (an order added or removed, or its open size changed, see
:meth:`Book.touch`) is remembered until :meth:`Book.commit` closes the batch under a new
``seqId``; :meth:`Book.changes_since` then tells a reader which levels changed after the
``seqId`` it last sent, with their current sizes (size 0: the level is gone). That is what the
``books`` / ``books-l2-tbt`` updates carry, with ``prevSeqId`` = the reader's previous
``seqId``; a reader whose ``seqId`` is older than the log needs a snapshot (:meth:`Book.depth`).
OKX's rules: https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
(okx-streams-rest.md sections 1.3-1.5).
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterator
from decimal import Decimal
from typing import Final, Generic, NamedTuple, Protocol, TypeVar

from okxws.protocol.ops import OrderVenue

from .instruments import Instrument, Spread

__all__ = ["BOOK_LOG_LIMIT", "Book", "BookDelta", "BookOrder", "Level", "Side"]

#: Committed batches a book remembers for :meth:`Book.changes_since`.
BOOK_LOG_LIMIT: Final = 1024

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


class BookDelta(NamedTuple):
    """The levels that changed after ``prev_seq_id``, as of ``seq_id``, best first.

    ``prev_seq_id == seq_id`` and no levels: nothing changed (OKX's keep-alive update).
    """

    prev_seq_id: int
    seq_id: int
    bids: list[Level]
    asks: list[Level]


_LevelKey = tuple[bool, int]  # (is_bid, px_ticks)


class Side(Generic[OrderT]):
    """One side of a book: ``prices`` ascending, each level an insertion-ordered dict (changed
    through :meth:`Book.add` / :meth:`Book.remove`)."""

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
        "_log",
        "_touched",
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
        "seq_id",
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
        self._touched: dict[_LevelKey, None] = {}
        self.bids: Side[OrderT] = Side(True)
        self.asks: Side[OrderT] = Side(False)
        self.open_ticks = self.mid
        self.last_ticks: int | None = None
        self.last_lots = 0
        self.high = self.mid
        self.low = self.mid
        self.vol_lots = 0
        self.vol_ccy = _D0
        #: The ``seqId`` of the last committed batch of changes (OKX's smallest is 0).
        self.seq_id = 0
        self._log: deque[tuple[int, int, tuple[_LevelKey, ...]]] = deque(maxlen=BOOK_LOG_LIMIT)

    @classmethod
    def of_instrument(cls, inst: Instrument) -> Book[OrderT]:
        """An empty book of an order-book instrument, its mid at the instrument's ``mid_px``."""
        return cls(
            inst.inst_id,
            "book",
            tick=inst.tick_sz,
            lot=inst.lot_sz,
            min_sz=inst.min_sz,
            mid_px=inst.mid_px,
            inst=inst,
        )

    @classmethod
    def of_spread(cls, sp: Spread) -> Book[OrderT]:
        """An empty book of a Nitro spread."""
        return cls(
            sp.sprd_id, "spread", tick=sp.tick_sz, lot=sp.lot_sz, min_sz=sp.min_sz, mid_px=sp.mid_px
        )

    # ------------------------------------------------------------------ orders

    def opposite_side(self, buy: bool) -> Side[OrderT]:
        """The side an order of this direction takes from."""
        return self.asks if buy else self.bids

    def add(self, o: OrderT) -> None:
        """Rest ``o`` at its price, behind the orders already there."""
        px = o.px_ticks
        assert px is not None
        side = self.bids if o.buy else self.asks
        lvl = side.levels.get(px)
        if lvl is None:
            lvl = side.levels[px] = {}
            bisect.insort(side.prices, px)
        lvl[o.ord_id] = o
        o.resting = True
        self._touched[(o.buy, px)] = None

    def remove(self, o: OrderT) -> None:
        """Take the resting ``o`` off the book."""
        px = o.px_ticks
        assert px is not None
        side = self.bids if o.buy else self.asks
        lvl = side.levels[px]
        del lvl[o.ord_id]
        o.resting = False
        if not lvl:
            del side.levels[px]
            del side.prices[bisect.bisect_left(side.prices, px)]
        self._touched[(o.buy, px)] = None

    def touch(self, o: OrderT) -> None:
        """The open size of resting ``o`` changed in place (a fill or a resize)."""
        assert o.px_ticks is not None
        self._touched[(o.buy, o.px_ticks)] = None

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

    # ------------------------------------------------------------------ sequence of changes

    def commit(self, stride: int = 1) -> int:
        """Close the batch of level changes since the last commit under a new ``seqId``.

        Nothing changed: the ``seqId`` stays. ``stride`` > 1 makes ids jump, as OKX's do.
        Returns the current ``seqId``.
        """
        if self._touched:
            prev = self.seq_id
            self.seq_id = prev + stride
            self._log.append((prev, self.seq_id, tuple(self._touched)))
            self._touched.clear()
        return self.seq_id

    @property
    def pending_changes(self) -> int:
        """Levels changed since the last :meth:`commit`."""
        return len(self._touched)

    def reset_seq(self, seq_id: int) -> None:
        """Restart the ``seqId`` series at ``seq_id`` (smaller than now), as OKX does after
        maintenance: the first batch after it reads ``prevSeqId`` = the old id (section 1.4)."""
        self.commit()
        self._log.append((self.seq_id, seq_id, ()))
        self.seq_id = seq_id

    def changes_since(self, seq_id: int) -> BookDelta | None:
        """The levels that changed in the batches committed after ``seq_id``, with their
        current sizes; ``None`` if ``seq_id`` is not a committed ``seqId`` the log still holds
        (the reader must start again from a snapshot)."""
        if seq_id == self.seq_id:
            return BookDelta(seq_id, seq_id, [], [])
        keys: dict[_LevelKey, None] = {}
        for prev, _seq, touched in reversed(self._log):
            keys.update(dict.fromkeys(touched))
            if prev == seq_id:
                break
        else:
            return None
        bids = sorted((self.bids.level(p) for is_bid, p in keys if is_bid), reverse=True)
        asks = sorted(self.asks.level(p) for is_bid, p in keys if not is_bid)
        return BookDelta(seq_id, self.seq_id, bids, asks)

    def depth(self, n: int) -> tuple[list[Level], list[Level]]:
        """The best ``n`` levels of each side: ``(bids, asks)``, best first."""
        return self.bids.depth(n), self.asks.depth(n)
