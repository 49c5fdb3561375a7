"""The synthetic market maker: it quotes every book around a mid price and moves the mids by a
seeded random walk.

It quotes ``levels`` levels per side, level ``k`` with ``(k + 1) * base_lots``, from the internal
account :data:`~okxws.simulator.orders.MM_UID` (never pushed, never balance-checked). It tops up
the levels users traded against at the end of the operation (:meth:`MarketMaker.requote_hit`);
:meth:`MarketMaker.tick` moves every mid and re-quotes, and new quotes that cross users' resting
orders fill them (the users are makers).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from .book import Book
from .matching import Trades, match
from .orders import MM_UID, Ids, Order, OrdType

__all__ = ["MM_CONFIGS", "MMConfig", "MarketMaker"]


@dataclass(frozen=True, slots=True)
class MMConfig:
    """How the market maker quotes one book (all in ticks and lots of that book)."""

    #: From the mid to the best quote of each side.
    half_spread: int
    #: Between two levels of one side.
    level_gap: int
    #: Open size of the best level.
    base_lots: int
    #: The largest step of the mid per :meth:`MarketMaker.tick`.
    walk: int


MM_CONFIGS: Final[dict[str, MMConfig]] = {
    "BTC-USDT": MMConfig(half_spread=1, level_gap=1, base_lots=50_000_000, walk=50),
    "ETH-USDT": MMConfig(half_spread=1, level_gap=1, base_lots=5_000_000, walk=50),
    "BTC-USDT-SWAP": MMConfig(half_spread=1, level_gap=1, base_lots=5_000, walk=50),
    "BTC-USD-261225-100000-C": MMConfig(half_spread=2, level_gap=1, base_lots=100, walk=1),
    "BTC-USDT_BTC-USDT-SWAP": MMConfig(half_spread=1, level_gap=1, base_lots=5_000, walk=3),
}

_QuoteKey = tuple[bool, int]  # (buy, px_ticks)


class MarketMaker:
    """Quotes and random walk of every book; ``rng`` and ``ids`` are the engine's (one seed)."""

    def __init__(self, rng: random.Random, ids: Ids, levels: int) -> None:
        self._rng = rng
        self._ids = ids
        self._levels = levels
        self._quotes: dict[str, dict[_QuoteKey, Order]] = {}
        self._hit: dict[str, Book[Order]] = {}

    def hit(self, book: Book[Order]) -> None:
        """A user traded against a quote of ``book``: top it up at the end of the operation."""
        self._hit[book.key] = book

    def requote_hit(self, trades: Trades, now: int) -> None:
        """Top up the books users traded against (re-quoting may trade again)."""
        while self._hit:
            books = list(self._hit.values())
            self._hit.clear()
            for book in books:
                self.requote(book, trades, now)

    def tick(self, books: list[Book[Order]], trades: Trades, now: int) -> None:
        """Move every mid by a random step and re-quote around it."""
        for book in books:
            conf = MM_CONFIGS[book.key]
            floor = conf.half_spread + conf.level_gap * self._levels + 1
            book.mid = max(floor, book.mid + self._rng.randint(-conf.walk, conf.walk))
            self.requote(book, trades, now)
        self._hit.clear()

    def requote(self, book: Book[Order], trades: Trades, now: int) -> None:
        """Bring the quotes of ``book`` to the target levels around its mid."""
        conf = MM_CONFIGS[book.key]
        quotes = self._quotes.setdefault(book.key, {})
        targets: dict[_QuoteKey, int] = {}
        for k in range(self._levels):
            lots = conf.base_lots * (k + 1)
            targets[(False, book.mid + conf.half_spread + k * conf.level_gap)] = lots
            targets[(True, book.mid - conf.half_spread - k * conf.level_gap)] = lots
        changed = False
        for key, o in list(quotes.items()):
            if key not in targets or not o.resting:
                if o.resting:
                    book.remove(o)
                del quotes[key]
                changed = True
        for key, lots in targets.items():
            cur = quotes.get(key)
            if cur is not None:
                if cur.sz_lots - cur.filled_lots != lots:
                    cur.sz_lots = cur.filled_lots + lots
                    book.touch(cur)
                    changed = True
                continue
            buy, px = key
            o = Order(MM_UID, self._ids.order_id(), book, buy, OrdType.LIMIT, px, lots, now)
            changed = True
            if book.crosses(buy, px):
                match(o, px, trades)
                if o.filled_lots >= o.sz_lots:
                    o.sz_lots = o.filled_lots + lots  # refill the level after crossing users
            book.add(o)
            quotes[key] = o
        if changed:
            trades.market_changed(book)
