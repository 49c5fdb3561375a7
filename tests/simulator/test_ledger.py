"""Balance sheets: holds for new orders, fills (fees, margin, PnL), change tracking, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from okxws.simulator.engine import Engine
from okxws.simulator.instruments import Instrument, instrument_by_id
from okxws.simulator.ledger import Hold, Ledger, order_hold
from okxws.simulator.orders import Order, OrdType, Reject

D = Decimal


def _inst(inst_id: str) -> Instrument:
    inst = instrument_by_id(inst_id)
    assert inst is not None
    return inst


SPOT = _inst("BTC-USDT")
SWAP = _inst("BTC-USDT-SWAP")


def _ledger(registry: dict[str, Ledger] | None = None) -> Ledger:
    ledger = Ledger("u", {} if registry is None else registry)
    ledger.set_cash({"USDT": "1000", "BTC": "1"}, 0)
    return ledger


def _order(inst_id: str, buy: bool, px_ticks: int | None, lots: int) -> Order:
    return Order("u", "1", Engine().book(inst_id), buy, OrdType.LIMIT, px_ticks, lots, 0)


def test_order_hold() -> None:
    assert order_hold(SPOT, True, cost=D(950), base=D("0.01")) == Hold("USDT", D(950), D(950))
    assert order_hold(SPOT, False, cost=D(950), base=D("0.01")) == Hold("BTC", D("0.01"), D("0.01"))
    # a quote-sized market buy needs its whole budget, holds what the book can fill
    assert order_hold(SPOT, True, cost=D(949), base=D(0), budget=D(950)) == Hold(
        "USDT", D(950), D(949)
    )
    # derivatives hold the initial margin: cost x ctVal 0.01 / lever 10
    assert order_hold(SWAP, True, cost=D(90000), base=D(1)) == Hold("USDT", D(90), D(90))


def test_check_funds_and_reduce_only() -> None:
    ledger = _ledger()
    ledger.check_funds(SPOT, Hold("USDT", D(1000), D(1000)), 0)
    with pytest.raises(Reject) as ei:
        ledger.check_funds(SPOT, Hold("USDT", D(1001), D(1001)), 0)
    assert (ei.value.code, ei.value.msg, ei.value.sub_code) == (
        "51008",
        "Order failed. Insufficient USDT balance in account.",
        "1000",
    )
    with pytest.raises(Reject) as ei:
        ledger.check_funds(SWAP, Hold("USDT", D(2000), D(2000)), 0)
    assert "margin" in ei.value.msg and ei.value.sub_code == "1001"
    with pytest.raises(Reject) as ei:
        ledger.check_reduce_only(SWAP, True)
    assert ei.value.code == "51169"


def test_hold_release_and_change_tracking() -> None:
    registry: dict[str, Ledger] = {}
    ledger = _ledger(registry)
    assert registry == {} and not ledger.changed
    o = _order("BTC-USDT", True, 9000000, 100)
    ledger.hold(o, Hold("USDT", D(900), D(900)), 7)
    usdt = ledger.balances["USDT"]
    assert (usdt.on_orders, usdt.available, usdt.u_time, o.res_ccy) == (D(900), D(100), 7, "USDT")
    assert registry == {"u": ledger} and list(ledger.changed) == ["USDT"]
    assert ledger.can_hold_more(o, D(100), 8) and not ledger.can_hold_more(o, D(101), 8)
    ledger.change_hold(o, D(-400), 8)
    assert (o.reserved, usdt.on_orders) == (D(500), D(500))
    ledger.release(o, 9)
    assert (o.reserved, usdt.on_orders, usdt.u_time) == (D(0), D(0), 9)
    ledger.audit([])


def test_spot_fills_and_fees() -> None:
    ledger = _ledger()
    buy = _order("BTC-USDT", True, 9000000, 1_000_000)  # 0.01 at 90000
    ledger.hold(buy, Hold("USDT", D(900), D(900)), 0)
    amounts = ledger.apply_fill(SPOT, buy, D(89000), D("0.01"), False, 1)  # taker, price improved
    assert amounts.fee == D("0.00001") and amounts.notional == D(890) and amounts.pnl == 0
    usdt, btc = ledger.balances["USDT"], ledger.balances["BTC"]
    assert (usdt.cash, usdt.on_orders, buy.reserved) == (D(110), D(0), D(0))  # holds px * sz
    assert btc.cash == D("1.00999")
    sell = _order("BTC-USDT", False, 9000000, 1_000_000)
    ledger.hold(sell, Hold("BTC", D("0.01"), D("0.01")), 0)
    amounts = ledger.apply_fill(SPOT, sell, D(90000), D("0.01"), True, 2)  # maker
    assert amounts.fee == D("0.72") and usdt.cash == D("1009.28")  # 0.08 % of 900 USDT
    ledger.audit([])


def test_derivative_open_reduce_flip() -> None:
    ledger = _ledger()
    o = _order("BTC-USDT-SWAP", True, None, 200)  # market: holds what the fill needs
    o.reserved, o.res_ccy = D(200), "USDT"
    ledger.balances["USDT"].on_orders = D(200)
    ledger.apply_fill(SWAP, o, D(100000), D(2), False, 1)  # long 2 @ 100000: margin 200
    pos = ledger.positions["BTC-USDT-SWAP"]
    assert (pos.qty, pos.cost, pos.margin, ledger.balances["USDT"].margin) == (
        D(2),
        D(2000),
        D(200),
        D(200),
    )
    s = _order("BTC-USDT-SWAP", False, None, 300)
    amounts = ledger.apply_fill(SWAP, s, D(101000), D(3), False, 2)  # close 2 (+20 PnL), short 1
    assert amounts.pnl == D(20) and s.pnl == D(20)
    assert (pos.qty, pos.cost, pos.margin) == (D(-1), D(1010), D("101"))
    usdt = ledger.balances["USDT"]
    assert usdt.cash == D(1000) - D(2) + D(20) - D("3.03")  # fees 0.1 % of each notional
    ledger.audit([o])


def test_audit_catches_a_reservation_that_does_not_add_up() -> None:
    ledger = _ledger()
    o = _order("BTC-USDT", True, 9000000, 100)
    ledger.hold(o, Hold("USDT", D(1), D(1)), 0)
    ledger.audit([o])
    with pytest.raises(AssertionError):
        ledger.audit([])
