"""Order records: the enums, price and size changes, the per-account index, and the ids."""

from __future__ import annotations

import random
from decimal import Decimal

from okxws.simulator.engine import Engine
from okxws.simulator.orders import (
    IMMEDIATE_TYPES,
    MARKET_TYPES,
    PENDING_STATES,
    POST_ONLY_TYPES,
    CancelSource,
    Ids,
    Order,
    OrderIndex,
    OrderState,
    OrdType,
)


def _order(e: Engine, ord_id: str, cl: str = "") -> Order:
    o = Order("u", ord_id, e.book("BTC-USDT"), True, OrdType.LIMIT, 940000, 1_000_000, 5)
    o.cl_ord_id = cl
    return o


def test_enum_values_are_okx_words() -> None:
    assert [s.value for s in OrderState] == ["live", "partially_filled", "filled", "canceled"]
    assert {OrderState.LIVE, OrderState.PARTIALLY_FILLED} == PENDING_STATES
    assert CancelSource.SELF_TRADE.value == "32" and CancelSource.POST_ONLY_WOULD_TAKE.value == "31"
    assert {OrdType.MARKET, OrdType.OPTIMAL_LIMIT_IOC} == MARKET_TYPES
    assert {OrdType.POST_ONLY, OrdType.MMP_AND_POST_ONLY} == POST_ONLY_TYPES
    assert {OrdType.MARKET, OrdType.OPTIMAL_LIMIT_IOC, OrdType.IOC, OrdType.FOK} == IMMEDIATE_TYPES


def test_order_domain_values() -> None:
    o = _order(Engine(), "1")
    assert (o.px, o.sz, o.venue, o.state, o.reduce_only, o.lever) == (
        Decimal("94000.0"),
        Decimal("0.01000000"),
        "book",
        OrderState.LIVE,
        False,
        None,
    )
    o.set_price(940001)
    o.set_lots(2_000_000)
    assert (o.px, o.sz) == (Decimal("94000.1"), Decimal("0.02"))
    assert not o.is_mm and not o.resting and o.cancel_source is None


def test_order_index() -> None:
    e = Engine()
    index = OrderIndex()
    a, b = _order(e, "1", "cl"), _order(e, "2")
    index.add(a)
    index.add(b)
    history = {"1": a, "2": b}
    assert index.find("2", "cl", history) is b  # ordId wins
    assert index.find("", "cl", history) is a
    assert index.find("", "", history) is None
    index.close(a)
    assert list(index.pending) == ["2"] and "cl" not in index.by_cl
    assert index.find("", "cl", history) is a  # still found by clOrdId after it finished
    index.forget(a)
    assert index.find("", "cl", history) is None


def test_ids_are_seeded_counters() -> None:
    a, b = Ids(random.Random(3)), Ids(random.Random(3))
    first = a.order_id()
    assert first == b.order_id() and int(a.order_id()) == int(first) + 1
    assert a.trade_id() == b.trade_id() and a.trade_id() != b.order_id()
