"""The market maker's quotes and seeded random walk."""

from __future__ import annotations

import random

from okxws.simulator.book import Book
from okxws.simulator.engine import Engine
from okxws.simulator.instruments import INSTRUMENTS, SPREADS, instrument_by_id
from okxws.simulator.market_maker import MM_CONFIGS, MarketMaker
from okxws.simulator.orders import MM_UID, Ids, Order, OrdType

from .conftest import RecordingTrades


def test_every_book_has_a_config() -> None:
    assert set(MM_CONFIGS) == {i.inst_id for i in INSTRUMENTS} | {s.sprd_id for s in SPREADS}


def test_quotes_levels_around_the_mid() -> None:
    e = Engine(mm_levels=3)
    book = e.book("BTC-USD-261225-100000-C")
    conf = MM_CONFIGS[book.key]
    bids, asks = book.depth(10)
    assert [lv.px_ticks for lv in asks] == [book.mid + conf.half_spread + k for k in range(3)]
    assert [lv.px_ticks for lv in bids] == [book.mid - conf.half_spread - k for k in range(3)]
    assert [lv.lots for lv in asks] == [conf.base_lots * (k + 1) for k in range(3)]
    assert all(o.uid == MM_UID for lvl in book.asks.levels.values() for o in lvl.values())


def test_tick_walks_within_the_step_and_is_seeded() -> None:
    mids = []
    for _ in range(2):
        e = Engine(seed=9)
        book = e.book("BTC-USDT")
        path = []
        for now in range(20):
            before = book.mid
            e.tick_market(now)
            assert abs(book.mid - before) <= MM_CONFIGS["BTC-USDT"].walk
            path.append(book.mid)
        mids.append(path)
    assert mids[0] == mids[1] and len(set(mids[0])) > 1


def _standalone() -> tuple[Book[Order], MarketMaker, RecordingTrades]:
    inst = instrument_by_id("ETH-USDT")
    assert inst is not None
    book: Book[Order] = Book.of_instrument(inst)
    mm = MarketMaker(random.Random(0), Ids(random.Random(0)), 2)
    trades = RecordingTrades()
    mm.requote(book, trades, 0)
    return book, mm, trades


def test_levels_users_hit_are_topped_up() -> None:
    book, mm, trades = _standalone()
    best = book.asks.levels[book.asks.prices[0]]
    (quote,) = best.values()
    quote.filled_lots += 1_000_000  # a user took some of it
    mm.requote_hit(trades, 1)
    assert book.asks.level(quote.px_ticks or 0).lots == 4_000_000  # not told: nothing topped up
    mm.hit(book)
    mm.requote_hit(trades, 1)
    assert book.asks.level(quote.px_ticks or 0).lots == MM_CONFIGS["ETH-USDT"].base_lots
    assert trades.log[-1] == ("market", "ETH-USDT")


def test_new_quotes_that_cross_fill_resting_users_as_makers() -> None:
    book, mm, trades = _standalone()
    px = book.mid
    user = Order("u", "1", book, True, OrdType.LIMIT, px, 1000, 0)
    book.add(user)
    book.mid -= 5  # the asks now start below the user's bid
    mm.requote(book, trades, 2)
    assert ("fill", "1", px, 1000, True, "t1") in trades.log  # at the maker's (user's) price
    assert not user.resting and book.bids.best() is not None and book.asks.best() is not None
