"""The price-time book: sides, levels, depth, and the sequence of committed changes that the
incremental book channels (``books``, ``books-l2-tbt``) will carry with seqId / prevSeqId."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okxws.simulator.book import BOOK_LOG_LIMIT, Book, BookDelta, Level
from okxws.simulator.engine import Engine

from .conftest import BTC, limit


@dataclass
class _O:
    ord_id: str
    buy: bool
    px_ticks: int | None
    sz_lots: int
    filled_lots: int = 0
    resting: bool = False


def _book() -> Book[_O]:
    return Book(
        "X-USDT",
        "book",
        tick=Decimal("0.5"),
        lot=Decimal("0.1"),
        min_sz=Decimal("0.1"),
        mid_px=Decimal(100),
    )


def test_sides_levels_and_depth() -> None:
    b = _book()
    assert b.mid == 200 and b.bids.best() is None and not b.crosses(True, 10**9)
    orders = [
        _O("1", True, 198, 5),
        _O("2", True, 199, 3),
        _O("3", True, 199, 4),
        _O("4", False, 201, 2),
    ]
    for o in orders:
        b.add(o)
    assert all(o.resting for o in orders)
    assert (b.bids.best(), b.asks.best()) == (199, 201)
    assert list(b.bids.levels[199]) == ["2", "3"]  # arrival order within the level
    assert b.depth(5) == ([Level(199, 7, 2), Level(198, 5, 1)], [Level(201, 2, 1)])
    assert b.crosses(True, 201) and not b.crosses(True, 200) and b.crosses(False, 199)
    assert b.opposite_side(True) is b.asks and b.opposite_side(False) is b.bids
    b.remove(orders[1])
    assert not orders[1].resting and b.bids.level(199) == Level(199, 4, 1)
    b.remove(orders[2])
    assert 199 not in b.bids.levels and b.bids.prices == [198]
    assert b.bids.level(199) == Level(199, 0, 0)


def test_trade_statistics() -> None:
    b = _book()
    assert b.last_or_mid == 200
    b.record_trade(203, 4, Decimal("40.6"))
    b.record_trade(197, 1, Decimal("9.85"))
    assert (b.last_ticks, b.last_lots, b.high, b.low, b.vol_lots) == (197, 1, 203, 197, 5)
    assert b.vol_ccy == Decimal("50.45") and b.last_or_mid == 197


def test_commit_and_changes_since() -> None:
    b = _book()
    assert b.seq_id == 0 and b.commit() == 0  # nothing changed: no new seqId
    a, c = _O("a", True, 199, 3), _O("c", False, 202, 1)
    b.add(a)
    b.add(c)
    assert b.commit() == 1
    assert b.changes_since(0) == BookDelta(0, 1, [Level(199, 3, 1)], [Level(202, 1, 1)])
    assert b.changes_since(1) == BookDelta(1, 1, [], [])  # OKX's keep-alive update
    a.filled_lots = 1
    b.touch(a)  # a fill changes the open size in place
    b.remove(c)
    assert b.commit(stride=5) == 6
    # deleted levels come with size 0; prevSeqId is the reader's own last seqId
    assert b.changes_since(1) == BookDelta(1, 6, [Level(199, 2, 1)], [Level(202, 0, 0)])
    assert b.changes_since(0) == BookDelta(0, 6, [Level(199, 2, 1)], [Level(202, 0, 0)])
    assert b.changes_since(3) is None  # not a seqId of this book: start from a snapshot


def test_uncommitted_changes_wait_for_the_commit() -> None:
    b = _book()
    b.add(_O("a", True, 199, 3))
    assert b.changes_since(0) == BookDelta(0, 0, [], [])
    b.commit()
    assert b.changes_since(0) is not None and b.changes_since(0) != BookDelta(0, 1, [], [])


def test_the_log_is_bounded() -> None:
    b = _book()
    for i in range(BOOK_LOG_LIMIT + 1):
        b.add(_O(str(i), True, 100 + i, 1))
        b.commit()
    assert b.seq_id == BOOK_LOG_LIMIT + 1
    assert b.changes_since(0) is None  # too old: the reader resynchronises
    delta = b.changes_since(1)
    assert delta is not None and len(delta.bids) == BOOK_LOG_LIMIT


def _apply(replica: dict[tuple[bool, int], int], delta: BookDelta) -> None:
    for is_bid, levels in ((True, delta.bids), (False, delta.asks)):
        for lv in levels:
            if lv.lots:
                replica[(is_bid, lv.px_ticks)] = lv.lots
            else:
                replica.pop((is_bid, lv.px_ticks), None)


def _snapshot(book: Book[Any]) -> dict[tuple[bool, int], int]:
    bids, asks = book.depth(10_000)
    return {
        **{(True, lv.px_ticks): lv.lots for lv in bids},
        **{(False, lv.px_ticks): lv.lots for lv in asks},
    }


_step = st.tuples(
    st.sampled_from(["place", "place", "cancel", "amend", "tick"]),
    st.sampled_from(["buy", "sell"]),
    st.integers(-6, 6),
    st.integers(1, 30),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_step, max_size=40), st.integers(1, 4))
def test_readers_rebuild_the_book_from_deltas(
    steps: list[tuple[str, str, int, int]], every: int
) -> None:
    """Two readers at different cadences, each from its own seqId, keep an exact replica."""
    e = Engine(seed=5)
    e.create_account("u")
    book = e.book("BTC-USDT")
    fast, slow = _snapshot(book), _snapshot(book)
    fast_seq = slow_seq = book.seq_id
    for now, (kind, side, dpx, dsz) in enumerate(steps, 1):
        px = str(e.mid_price("BTC-USDT") + dpx * Decimal("0.1"))
        pending = e.pending_orders("u")
        if kind == "place":
            e.place("book", "u", limit(side, px, str(Decimal("0.1") * dsz)), now)
        elif kind == "cancel" and pending:
            e.cancel("book", "u", {"instIdCode": BTC, "ordId": pending[0]["ordId"]}, now)
        elif kind == "amend" and pending:
            args = {"instIdCode": BTC, "ordId": pending[-1]["ordId"], "newSz": str(dsz)}
            e.amend("book", "u", args, now)
        elif kind == "tick":
            e.tick_market(now)
        e.drain_events()  # the engine commits every book at the end of an operation
        delta = book.changes_since(fast_seq)
        assert delta is not None and delta.prev_seq_id == fast_seq
        _apply(fast, delta)
        fast_seq = delta.seq_id
        assert fast == _snapshot(book)
        if now % every == 0:
            delta = book.changes_since(slow_seq)
            assert delta is not None
            _apply(slow, delta)
            slow_seq = delta.seq_id
            assert slow == fast
