"""Matching without the engine: a book of hand-made orders and a recording Trades."""

from __future__ import annotations

from decimal import Decimal

from okxws.simulator.book import Book
from okxws.simulator.matching import match, preview, submit
from okxws.simulator.orders import CancelSource, Order, OrderState, OrdType

from .conftest import RecordingTrades


def _book() -> Book[Order]:
    return Book(
        "X", "book", tick=Decimal(1), lot=Decimal(1), min_sz=Decimal(1), mid_px=Decimal(100)
    )


def _order(
    book: Book[Order],
    oid: str,
    buy: bool,
    px: int | None,
    lots: int,
    *,
    uid: str = "u",
    ord_type: OrdType = OrdType.LIMIT,
    rest: bool = False,
) -> Order:
    o = Order(uid, oid, book, buy, ord_type, px, lots, 0)
    if rest:
        book.add(o)
    return o


def _fills(t: RecordingTrades) -> list[tuple[object, ...]]:
    return [e[1:5] for e in t.log if e[0] == "fill"]


def test_best_price_then_arrival_order() -> None:
    b = _book()
    _order(b, "a", False, 102, 5, uid="m1", rest=True)
    _order(b, "b", False, 101, 2, uid="m1", rest=True)
    _order(b, "c", False, 101, 2, uid="m2", rest=True)
    t = RecordingTrades()
    taker = _order(b, "t", True, 102, 6)
    submit(taker, t)
    # maker then taker for each trade, at the maker's price
    assert _fills(t) == [
        ("b", 101, 2, True),
        ("t", 101, 2, False),
        ("c", 101, 2, True),
        ("t", 101, 2, False),
        ("a", 102, 2, True),
        ("t", 102, 2, False),
    ]
    assert taker.filled_lots == 6 and ("finish", "t", OrderState.FILLED, None) in t.log
    assert b.asks.level(102).lots == 3 and 101 not in b.asks.levels
    assert (b.last_ticks, b.vol_lots) == (102, 6)


def test_remainder_rests_or_is_cancelled() -> None:
    for ord_type, rests in ((OrdType.LIMIT, True), (OrdType.IOC, False)):
        b = _book()
        _order(b, "m", False, 101, 1, uid="m", rest=True)
        t = RecordingTrades()
        o = _order(b, "t", True, 101, 3, ord_type=ord_type)
        submit(o, t)
        assert o.resting is rests
        if not rests:
            assert t.log[-1] == (
                "finish",
                "t",
                OrderState.CANCELED,
                CancelSource.UNFILLED_REMAINDER,
            )


def test_post_only_fok_and_self_trade() -> None:
    b = _book()
    _order(b, "m", False, 101, 2, uid="m", rest=True)
    t = RecordingTrades()
    submit(_order(b, "p", True, 101, 1, ord_type=OrdType.POST_ONLY), t)
    assert t.log == [("finish", "p", OrderState.CANCELED, CancelSource.POST_ONLY_WOULD_TAKE)]
    t = RecordingTrades()
    submit(_order(b, "f", True, 101, 3, ord_type=OrdType.FOK), t)
    assert t.log == [("finish", "f", OrderState.CANCELED, CancelSource.FOK_UNFILLABLE)]
    own = _order(b, "own", False, 100, 1, uid="u", rest=True)
    t = RecordingTrades()
    submit(_order(b, "x", True, 101, 3), t)
    assert t.log[0] == ("finish", "own", OrderState.CANCELED, CancelSource.SELF_TRADE)
    assert not own.resting and _fills(t) == [("m", 101, 2, True), ("x", 101, 2, False)]


def test_market_orders_take_any_price() -> None:
    b = _book()
    _order(b, "m1", False, 101, 1, uid="m", rest=True)
    _order(b, "m2", False, 150, 1, uid="m", rest=True)
    t = RecordingTrades()
    o = _order(b, "t", True, None, 5, ord_type=OrdType.MARKET)
    submit(o, t)
    assert o.filled_lots == 2 and t.log[-1][2:] == (
        OrderState.CANCELED,
        CancelSource.UNFILLED_REMAINDER,
    )


def test_preview_limits() -> None:
    b = _book()
    _order(b, "m1", False, 101, 2, uid="m", rest=True)
    _order(b, "m2", False, 103, 4, uid="m", rest=True)
    _order(b, "own", False, 102, 9, uid="u", rest=True)
    assert preview(b, True, "u", None, None, None) == (6, Decimal(614))  # own order skipped
    assert preview(b, True, "u", 102, None, None) == (2, Decimal(202))
    assert preview(b, True, "u", None, 3, None) == (3, Decimal(305))
    assert preview(b, True, "u", None, None, Decimal(410)) == (4, Decimal(408))


def test_a_market_maker_taker_does_not_self_trade_prevent() -> None:
    b = _book()
    _order(b, "m", False, 101, 1, uid="__mm__", rest=True)
    t = RecordingTrades()
    match(_order(b, "q", True, 101, 1, uid="__mm__"), 101, t)
    assert _fills(t) == [("m", 101, 1, True), ("q", 101, 1, False)]
