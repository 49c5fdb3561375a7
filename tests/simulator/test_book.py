"""The price-time book: sides, levels, depth and trade statistics."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from okxws.simulator.book import Book, Level


@dataclass
class _O:
    ord_id: str
    buy: bool
    px_ticks: int | None
    sz_lots: int
    filled_lots: int = 0
    resting: bool = False


def _book() -> Book[_O]:
    return Book("X-USDT", "book", tick=Decimal("0.5"), lot=Decimal("0.1"), min_sz=Decimal("0.1"),
                mid_px=Decimal(100))  # fmt: skip


def test_sides_levels_and_depth() -> None:
    b = _book()
    assert b.mid == 200 and b.bids.best() is None and not b.crosses(True, 10**9)
    orders = [_O("1", True, 198, 5), _O("2", True, 199, 3), _O("3", True, 199, 4),
              _O("4", False, 201, 2)]  # fmt: skip
    for o in orders:
        b.add(o)
    assert all(o.resting for o in orders)
    assert (b.bids.best(), b.asks.best()) == (199, 201)
    assert list(b.bids.levels[199]) == ["2", "3"]  # arrival order within the level
    assert b.depth(5) == ([Level(199, 7, 2), Level(198, 5, 1)], [Level(201, 2, 1)])
    assert b.crosses(True, 201) and not b.crosses(True, 200) and b.crosses(False, 199)
    assert b.resting_side(True) is b.bids and b.opposite_side(True) is b.asks
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
