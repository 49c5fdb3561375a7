"""The synthetic market maker: it quotes every book around a mid price and moves the mids by a
seeded random walk.

It quotes ``levels`` levels per side, level ``k`` with ``(k + 1) * base_lots``, from the internal
account :data:`~okxws.simulator.orders.MM_UID` (never pushed, never balance-checked). It tops up
the levels users traded against at the end of the operation (:meth:`MarketMaker.requote_hit`);
:meth:`MarketMaker.tick` moves every mid and re-quotes, and new quotes that cross users' resting
orders fill them (the users are makers). Now and then (:data:`TRADE_CHANCE` per book and
tick, from its own seeded generator) it also takes from its own best level with a small
immediate-or-cancel order, so the public trade feeds and candles stay alive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from .book import Book
from .matching import Trades, match
from .orders import MM_UID, Ids, Order, OrdType

__all__ = ["MM_CONFIGS", "TRADE_CHANCE", "MMConfig", "MarketMaker"]

#: The chance that a tick makes the market maker trade on an instrument's book.
TRADE_CHANCE: Final = 0.3


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

    def __init__(
        self, rng: random.Random, ids: Ids, levels: int, trade_rng: random.Random | None = None
    ) -> None:
        self._rng = rng
        #: Decides and sizes the market maker's own trades (``None``: it never trades).
        self._trade_rng = trade_rng
        self._takers = 0
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
        if self._trade_rng is not None:
            for book in books:
                if book.inst is not None:
                    self._maybe_trade(book, self._trade_rng, trades, now)
            self.requote_hit(trades, now)

    def _maybe_trade(self, book: Book[Order], rng: random.Random, trades: Trades, now: int) -> None:
        """Take up to a fifth of the best level, on a random side, with a chance."""
        if rng.random() >= TRADE_CHANCE:
            return
        buy = rng.random() < 0.5
        best = book.opposite_side(buy).best()
        if best is None:
            return
        lots = max(1, MM_CONFIGS[book.key].base_lots * rng.randint(1, 20) // 100)
        self._takers += 1
        o = Order(MM_UID, f"mm{self._takers}", book, buy, OrdType.IOC, best, lots, now)
        match(o, best, trades)

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
