"""The engine facade: one order path for the book and spreads, events, queries, determinism and
the audit invariants (pure: no event loop, no sleeps)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okxws.simulator.engine import BalanceEvent, Engine, EngineArgError, MarketEvent, OrderEvent
from okxws.simulator.orders import MM_UID, ItemResult

from .conftest import BTC, ETH, OPT, SPRD, SWAP, balance_of, limit, order_pushes, spread


def test_initial_book_and_ticker(eng: Engine) -> None:
    b = eng.books5("BTC-USDT", 5)
    assert b["asks"][0] == ["95000.1", "0.5", "0", "1"]
    assert b["bids"][0] == ["94999.9", "0.5", "0", "1"]
    assert len(b["asks"]) == len(b["bids"]) == 5
    t = eng.ticker("BTC-USDT", 5)
    assert (t["bidPx"], t["askPx"], t["ts"]) == ("94999.9", "95000.1", "5")
    assert eng.drain_events() == []


# ------------------------------------------------------------------------------ place


def test_resting_limit_rests_and_pushes_live(eng: Engine) -> None:
    r = eng.place("book", "u1", limit("buy", "94000", "0.01", clOrdId="a1", tag="t1"), 1000)
    assert (r.code, r.msg, r.cl_ord_id, r.tag) == ("0", "Order successfully placed.", "a1", "t1")
    assert r.ord_id.isdigit() and 16 <= len(r.ord_id) <= 19
    ev = eng.drain_events()
    (live,) = order_pushes(ev)
    assert live["state"] == "live" and live["px"] == "94000" and live["sz"] == "0.01"
    assert live["cTime"] == live["uTime"] == "1000" and live["reduceOnly"] == "false"
    assert any(isinstance(e, BalanceEvent) and e.uid == "u1" for e in ev)
    assert MarketEvent("BTC-USDT") in ev
    usdt = balance_of(eng, "u1", "USDT")
    assert (usdt["frozenBal"], usdt["availBal"], usdt["cashBal"]) == ("940", "999060", "1000000")
    assert eng.books5("BTC-USDT", 1)["bids"][-1][0] != "94000"  # deeper than MM's 5 levels
    (pend,) = eng.pending_orders("u1")
    assert pend["ordId"] == r.ord_id
    got = eng.get_order("u1", inst_id="BTC-USDT", cl_ord_id="a1")
    assert got is not None and got["state"] == "live"
    assert eng.get_order("u1", inst_id="ETH-USDT", cl_ord_id="a1") is None
    eng.audit()


def test_crossing_limit_fills_against_mm_as_taker(eng: Engine) -> None:
    assert eng.place("book", "u1", limit("buy", "95001", "0.2"), 1).code == "0"
    pushes = order_pushes(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "partially_filled", "filled"]
    fill = pushes[1]
    assert fill["execType"] == "T" and fill["fillPx"] == "95000.1" and fill["fillSz"] == "0.2"
    assert fill["fillFee"] == "-0.0002" and fill["fillFeeCcy"] == "BTC"  # 0.1% of 0.2 BTC
    assert fill["tradeId"].isdigit() and fill["fillTime"] == "1"
    final = pushes[2]
    assert final["fillSz"] == "0" and final["execType"] == "" and final["tradeId"] == ""
    assert final["accFillSz"] == "0.2" and final["avgPx"] == "95000.1" and final["fee"] == "-0.0002"
    assert balance_of(eng, "u1", "BTC")["cashBal"] == "10.1998"
    usdt = balance_of(eng, "u1", "USDT")
    assert usdt["cashBal"] == "980999.98" and usdt["frozenBal"] == "0"  # 1e6 - 0.2*95000.1
    assert eng.ticker("BTC-USDT", 2)["last"] == "95000.1"
    # the market maker topped its level up again
    assert eng.books5("BTC-USDT", 2)["asks"][0] == ["95000.1", "0.5", "0", "1"]
    eng.audit()


def test_market_buy_quote_and_sell_base(eng: Engine) -> None:
    buy = {"instIdCode": BTC, "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "950"}
    assert eng.place("book", "u1", buy, 1).code == "0"
    pushes = order_pushes(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "partially_filled", "filled"]
    assert pushes[0]["tgtCcy"] == "quote_ccy" and pushes[0]["sz"] == "950"
    assert pushes[-1]["accFillSz"] == "0.00999998"  # floor(950 / 95000.1) in lots
    assert Decimal(balance_of(eng, "u1", "USDT")["cashBal"]) > Decimal("999050")
    assert balance_of(eng, "u1", "USDT")["frozenBal"] == "0"
    sell = {**buy, "side": "sell", "sz": "1"}
    eng.place("book", "u1", sell, 2)
    pushes = order_pushes(eng.drain_events())
    fills = [p for p in pushes if p["execType"] == "T"]
    assert [f["fillPx"] for f in fills] == ["94999.9", "94999.8"]  # 0.5 + 0.5 of the 1.0 level
    assert pushes[-1]["state"] == "filled" and pushes[-1]["accFillSz"] == "1"
    assert pushes[-1]["feeCcy"] == "USDT" and pushes[-1]["tgtCcy"] == "base_ccy"
    eng.audit()


def test_fok_ioc_post_only_outcomes(eng: Engine) -> None:
    eng.place("book", "u1", limit("buy", "95000.1", "1", ordType="fok"), 1)
    pushes = order_pushes(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "canceled"]
    assert pushes[-1]["cancelSource"] == "13" and pushes[-1]["accFillSz"] == "0"
    eng.place("book", "u1", limit("buy", "95000.2", "1.5", ordType="fok"), 2)
    assert order_pushes(eng.drain_events())[-1]["state"] == "filled"
    eng.place("book", "u1", limit("buy", "95000.1", "1", ordType="ioc"), 3)
    pushes = order_pushes(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "partially_filled", "canceled"]
    assert pushes[-1]["accFillSz"] == "0.5" and pushes[-1]["cancelSource"] == "14"
    r = eng.place("book", "u1", limit("buy", "95000.1", "0.1", ordType="post_only"), 4)
    assert r.code == "0"  # accepted, then cancelled
    pushes = order_pushes(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "canceled"]
    assert pushes[-1]["cancelSource"] == "31"
    eng.place("book", "u1", limit("buy", "95000", "0.1", ordType="post_only"), 5)
    assert order_pushes(eng.drain_events())[-1]["state"] == "live"
    assert balance_of(eng, "u1", "USDT")["frozenBal"] == "9500"
    eng.audit()


def test_price_time_priority_and_maker_fee(eng: Engine) -> None:
    a = eng.place("book", "u1", limit("sell", "95000", "0.01"), 1).ord_id
    b = eng.place("book", "u2", limit("sell", "95000", "0.01"), 2).ord_id
    assert eng.books5("BTC-USDT", 3)["asks"][0] == ["95000", "0.02", "0", "2"]
    eng.drain_events()
    eng.place("book", "u3", limit("buy", "95000", "0.01"), 3)
    ev = eng.drain_events()
    (m1,) = [p for p in order_pushes(ev, "u1") if p["execType"]]
    assert m1["ordId"] == a and m1["execType"] == "M" and m1["state"] == "filled"
    assert m1["fillFee"] == "-0.76" and m1["fillFeeCcy"] == "USDT"  # 0.08% of 950
    assert order_pushes(ev, "u2") == []
    (p2,) = eng.pending_orders("u2")
    assert p2["ordId"] == b and p2["state"] == "live"
    assert balance_of(eng, "u1", "USDT")["cashBal"] == "1000949.24"
    eng.audit()


def test_self_trade_prevention_cancels_maker(eng: Engine) -> None:
    a = eng.place("book", "u1", limit("sell", "95000", "0.01"), 1).ord_id
    eng.drain_events()
    eng.place("book", "u1", limit("buy", "95000", "0.01"), 2)
    gone = [p for p in order_pushes(eng.drain_events()) if p["ordId"] == a]
    assert gone[-1]["state"] == "canceled" and gone[-1]["cancelSource"] == "32"
    assert len(eng.pending_orders("u1")) == 1
    eng.audit()


def test_rejections_are_item_results(eng: Engine) -> None:
    r = eng.place("book", "u1", limit("buy", "94000", "0.01", code=999, clOrdId="c", tag="t"), 5)
    assert r == ItemResult(
        cl_ord_id="c",
        tag="t",
        code="51001",
        msg="Instrument ID, Instrument ID code or Spread ID doesn't exist.",
    )
    assert order_pushes(eng.drain_events()) == []


def test_account_checks_after_argument_checks(eng: Engine) -> None:
    eng.create_account("poor", {"USDT": "100", "BTC": "0"})
    r = eng.place("book", "poor", limit("buy", "94000", "0.01", tag="abc"), 1)
    assert (r.code, r.sub_code, r.tag) == ("51008", "1000", "abc")
    assert r.msg == "Order failed. Insufficient USDT balance in account."
    r = eng.place("book", "poor", limit("sell", "96000", "0.01"), 1)
    assert r.msg == "Order failed. Insufficient BTC balance in account."
    r = eng.place("book", "poor", limit("buy", "90000", "2", code=SWAP), 1)  # needs 180 USDT
    assert (r.code, r.sub_code) == ("51008", "1001")
    first = eng.place("book", "u1", limit("buy", "94000", "0.01", clOrdId="dup1"), 1)
    r = eng.place("book", "u1", limit("buy", "94000", "0.01", clOrdId="dup1"), 2)
    assert (r.code, r.msg, r.cl_ord_id) == ("51016", "Duplicated client order ID", "dup1")
    # another user, or another venue, may use the same clOrdId
    assert eng.place("book", "u2", limit("buy", "94000", "0.01", clOrdId="dup1"), 2).code == "0"
    assert eng.place("spread", "u1", spread("buy", "40", "0.01", clOrdId="dup1"), 2).code == "0"
    c = eng.cancel("book", "u1", {"instIdCode": BTC, "clOrdId": "dup1"}, 3)
    assert c.code == "0" and c.ord_id == first.ord_id
    assert eng.place("book", "u1", limit("buy", "94000", "0.01", clOrdId="dup1"), 4).code == "0"


# ------------------------------------------------------------------------------ cancel / amend


def test_cancel_releases_and_pushes(eng: Engine) -> None:
    oid = eng.place("book", "u1", limit("sell", "96000", "0.5", clOrdId="c1"), 1).ord_id
    assert balance_of(eng, "u1", "BTC")["frozenBal"] == "0.5"
    eng.drain_events()
    assert eng.cancel("book", "u1", {"instIdCode": BTC, "ordId": oid}, 2) == ItemResult(oid, "c1")
    (p,) = order_pushes(eng.drain_events())
    assert p["state"] == "canceled" and p["cancelSource"] == "1" and p["uTime"] == "2"
    assert balance_of(eng, "u1", "BTC")["frozenBal"] == "0"
    again = eng.cancel("book", "u1", {"instIdCode": BTC, "ordId": oid}, 3)
    assert again.code == "51400" and again.cl_ord_id == ""  # failures echo the item
    got = eng.get_order("u1", inst_id="BTC-USDT", ord_id=oid)
    assert got is not None and got["state"] == "canceled"


def test_cancel_unknown(eng: Engine) -> None:
    r = eng.cancel("book", "u1", {"instIdCode": BTC, "ordId": "123"}, 9)
    assert (r.ord_id, r.code) == ("123", "51400")
    assert r.msg.startswith("Order cancellation failed as the order has been filled")
    assert eng.cancel("book", "u1", {"instIdCode": BTC}, 9).code == "51003"
    assert eng.cancel("book", "nobody", {"instIdCode": BTC, "ordId": "1"}, 9).code == "51400"
    oid = eng.place("book", "u1", limit("buy", "94000", "0.01"), 1).ord_id
    assert eng.cancel("book", "u1", {"instIdCode": ETH, "ordId": oid}, 9).code == "51400"


def test_amend_size_price_reqid(eng: Engine) -> None:
    oid = eng.place("book", "u1", limit("buy", "94000", "0.01", clOrdId="am1"), 1).ord_id
    eng.drain_events()
    args = {"instIdCode": BTC, "ordId": oid, "newSz": "0.02", "newPx": "93000", "reqId": "r1"}
    assert eng.amend("book", "u1", args, 2) == ItemResult(oid, "am1", req_id="r1")
    (p,) = order_pushes(eng.drain_events())
    assert (p["amendResult"], p["reqId"], p["px"], p["sz"], p["state"]) == (
        "0",
        "r1",
        "93000",
        "0.02",
        "live",
    )
    assert balance_of(eng, "u1", "USDT")["frozenBal"] == "1860"
    # an amend to a crossing price fills it as taker
    eng.amend("book", "u1", {"instIdCode": BTC, "clOrdId": "am1", "newPx": "95000.1"}, 3)
    pushes = order_pushes(eng.drain_events())
    assert pushes[0]["amendResult"] == "0" and pushes[-1]["state"] == "filled"
    assert balance_of(eng, "u1", "USDT")["frozenBal"] == "0"
    eng.audit()


def test_amend_errors_and_cxl_on_fail(eng: Engine) -> None:
    miss = eng.amend("book", "u1", {"instIdCode": BTC, "ordId": "42", "newSz": "1"}, 1)
    assert (miss.code, miss.msg) == ("51503", "Your order has already been filled or canceled.")
    assert eng.amend("book", "u1", {"instIdCode": BTC, "newSz": "1"}, 1).code == "51003"
    oid = eng.place("book", "u1", limit("buy", "94000", "0.01", ordType="post_only"), 1).ord_id
    assert eng.amend("book", "u1", {"instIdCode": BTC, "ordId": oid}, 1).code == "51500"
    bad = eng.amend("book", "u1", {"instIdCode": BTC, "ordId": oid, "newPx": "95000.1"}, 2)
    assert bad.code == "51511" and bad.ord_id == oid
    assert len(eng.pending_orders("u1")) == 1
    eng.drain_events()
    args = {"instIdCode": BTC, "ordId": oid, "newPx": "95000.1", "cxlOnFail": True, "reqId": "x"}
    assert eng.amend("book", "u1", args, 3).code == "51511"
    (p,) = order_pushes(eng.drain_events())
    assert p["state"] == "canceled" and p["reqId"] == "x"
    assert eng.pending_orders("u1") == []
    assert balance_of(eng, "u1", "USDT")["frozenBal"] == "0"
    eng.create_account("poor", {"USDT": "1000"})
    oid = eng.place("book", "poor", limit("buy", "90000", "0.01"), 4).ord_id
    r = eng.amend("book", "poor", {"instIdCode": BTC, "ordId": oid, "newSz": "1"}, 5)
    assert (r.code, r.sub_code) == ("51502", "1030")


def test_amend_new_size_at_or_below_filled_fills(eng: Engine) -> None:
    oid = eng.place("book", "u1", limit("sell", "95000", "0.3"), 1).ord_id
    eng.place("book", "u2", limit("buy", "95000", "0.1"), 2)
    eng.drain_events()
    assert eng.amend("book", "u1", {"instIdCode": BTC, "ordId": oid, "newSz": "0.1"}, 3).code == "0"
    (p,) = order_pushes(eng.drain_events())
    assert p["state"] == "filled" and p["amendResult"] == "0" and p["accFillSz"] == "0.1"
    assert balance_of(eng, "u1", "BTC")["frozenBal"] == "0"
    assert balance_of(eng, "u1", "BTC")["cashBal"] == "9.9"
    eng.audit()


# ------------------------------------------------------------------------------ derivatives


def test_swap_margin_position_and_pnl(eng: Engine) -> None:
    r = eng.place("book", "u1", limit("buy", "90000", "1", code=SWAP), 1)
    assert r.code == "0"
    assert balance_of(eng, "u1", "USDT")["frozenBal"] == "90"  # 90000 * 1 * 0.01 / 10
    eng.cancel("book", "u1", {"instIdCode": SWAP, "ordId": r.ord_id}, 2)
    assert balance_of(eng, "u1", "USDT")["frozenBal"] == "0"
    eng.drain_events()
    eng.place("book", "u1", {**limit("buy", "0", "1", code=SWAP), "ordType": "market"}, 3)
    pushes = order_pushes(eng.drain_events())
    assert pushes[0]["posSide"] == "net" and pushes[0]["lever"] == "10"
    assert pushes[0]["notionalUsd"] == "950.5"  # 1 contract * 0.01 BTC * mid 95050
    assert pushes[-1]["state"] == "filled"
    (pos,) = eng.positions("u1")
    assert pos["pos"] == "1" and pos["avgPx"] == "95050.1"
    assert balance_of(eng, "u1", "USDT")["frozenBal"] == "95.0501"
    ro = limit("buy", "90000", "1", code=SWAP, reduceOnly=True)
    assert eng.place("book", "u1", ro, 4).code == "51169"
    close = {**limit("sell", "0", "1", code=SWAP), "ordType": "market", "reduceOnly": True}
    assert eng.place("book", "u1", close, 5).code == "0"
    assert eng.positions("u1") == []
    assert balance_of(eng, "u1", "USDT")["frozenBal"] == "0"
    last = order_pushes(eng.drain_events())[-2]
    assert last["fillPnl"] == "-0.002"  # (95049.9 - 95050.1) * 0.01
    eng.audit()


def test_option_notional_is_valued_through_the_btc_usdt_book(eng: Engine) -> None:
    eng.place("book", "u1", limit("buy", "0.01", "2", code=OPT), 1)
    (live,) = order_pushes(eng.drain_events())
    # 2 contracts * 0.01 BTC * 0.01 (price in BTC) * 95000 (BTC-USDT mid)
    assert live["notionalUsd"] == "19" and live["ccy"] == "BTC"


def test_mass_cancel_only_matching_family(eng: Engine) -> None:
    assert eng.place("book", "u1", limit("buy", "0.01", "2", code=OPT), 1).code == "0"
    swap = eng.place("book", "u1", limit("buy", "90000", "1", code=SWAP), 1)
    other = eng.place("book", "u2", limit("buy", "0.01", "2", code=OPT), 1)
    eng.mass_cancel("book", "u1", {"instType": "OPTION", "instFamily": "ETH-USD"}, 2)
    assert len(eng.pending_orders("u1")) == 2
    eng.mass_cancel("book", "u1", {"instType": "OPTION", "instFamily": "BTC-USD"}, 3)
    assert [o["ordId"] for o in eng.pending_orders("u1")] == [swap.ord_id]
    assert [o["ordId"] for o in eng.pending_orders("u2")] == [other.ord_id]
    with pytest.raises(EngineArgError) as ei:
        eng.mass_cancel("book", "u1", {"instType": "OPTION"}, 4)
    assert ei.value.code == "50014"
    eng.audit()


# ------------------------------------------------------------------------------ spreads


def test_spread_orders_take_the_same_path(eng: Engine) -> None:
    r = eng.place("spread", "u1", spread("buy", "40", "0.01", clOrdId="s1"), 1)
    assert (r.code, r.msg, r.cl_ord_id) == ("0", "", "s1")
    (p,) = [e for e in eng.drain_events() if isinstance(e, OrderEvent)]
    assert p.channel == "sprd-orders" and p.inst_id == SPRD
    assert p.data["state"] == "live" and p.data["pendingFillSz"] == "0.01"
    a = eng.amend("spread", "u1", {"clOrdId": "s1", "newPx": "41", "reqId": "q1"}, 2)
    assert a == ItemResult(r.ord_id, "s1", req_id="q1")
    (p2,) = order_pushes(eng.drain_events())
    assert p2["px"] == "41" and p2["amendResult"] == "0" and p2["reqId"] == "q1"
    assert eng.cancel("spread", "u1", {"ordId": r.ord_id}, 3) == ItemResult(r.ord_id, "s1")
    (p3,) = order_pushes(eng.drain_events())
    assert p3["state"] == "canceled" and p3["canceledSz"] == "0.01"
    # spreads find finished orders and answer by their state
    assert eng.cancel("spread", "u1", {"ordId": r.ord_id}, 4).code == "51401"
    assert eng.cancel("spread", "u1", {"ordId": "1"}, 4).code == "51400"
    gone = eng.amend("spread", "u1", {"clOrdId": "s1", "newSz": "1"}, 4)
    assert (gone.code, gone.ord_id) == ("51509", r.ord_id)  # the order's ids, not the item's
    f = eng.place("spread", "u1", spread("buy", "50.1", "0.2"), 5)
    pushes = order_pushes(eng.drain_events())
    assert pushes[-1]["state"] == "filled" and pushes[-1]["avgPx"] == "50.1"
    assert eng.cancel("spread", "u1", {"ordId": f.ord_id}, 6).code == "51402"
    for i in range(3):
        eng.place("spread", "u1", spread("buy", str(30 + i), "0.01"), 7)
    eng.place("spread", "u2", spread("buy", "40", "0.01"), 7)
    eng.mass_cancel("spread", "u1", {}, 8)
    assert eng.pending_spread_orders("u1") == []
    assert len(eng.pending_spread_orders("u2")) == 1
    with pytest.raises(EngineArgError):
        eng.mass_cancel("spread", "u1", {"sprdId": "X"}, 9)
    assert balance_of(eng, "u1", "USDT")["cashBal"] == "1000000"  # legs are not settled
    eng.audit()


def test_spread_prices_may_be_negative(eng: Engine) -> None:
    r = eng.place("spread", "u1", spread("buy", "-3", "0.01"), 1)
    (live,) = order_pushes(eng.drain_events())
    assert (live["px"], live["state"], live["ordType"]) == ("-3", "live", "limit")
    assert eng.amend("spread", "u1", {"ordId": r.ord_id, "newPx": "-6"}, 2).code == "0"
    assert eng.pending_spread_orders("u1")[0]["px"] == "-6"
    oid = eng.place("book", "u1", limit("buy", "90000", "0.01"), 3).ord_id
    r = eng.amend("book", "u1", {"instIdCode": BTC, "ordId": oid, "newPx": "-6"}, 4)
    assert (r.code, r.msg) == ("51000", "Parameter newPx error")  # not on the order book


# ------------------------------------------------------------------------ market / determinism


def test_tick_market_moves_and_mm_fills_resting_users(eng: Engine) -> None:
    before = eng.mid_price("BTC-USDT")
    eng.place("book", "u1", limit("buy", "94999.9", "0.01"), 1)
    eng.drain_events()
    for i in range(200):
        eng.tick_market(2 + i)
    assert eng.mid_price("BTC-USDT") != before
    eng.audit()
    ev = eng.drain_events()
    assert MarketEvent("BTC-USDT") in ev
    assert all(e.uid != MM_UID for e in ev if isinstance(e, OrderEvent | BalanceEvent))


def test_history_limit_forgets_old_orders() -> None:
    e = Engine(seed=1, history_limit=2)
    ids = [
        e.place("book", "u", limit("buy", "90000", "0.01", clOrdId=f"h{i}"), i) for i in range(3)
    ]
    for i, r in enumerate(ids):
        e.cancel("book", "u", {"instIdCode": BTC, "ordId": r.ord_id}, 10 + i)
    assert e.get_order("u", inst_id="BTC-USDT", cl_ord_id="h0") is None
    assert e.get_order("u", inst_id="BTC-USDT", ord_id=ids[0].ord_id) is None
    assert e.get_order("u", inst_id="BTC-USDT", cl_ord_id="h2") is not None


def _script(e: Engine) -> list[Any]:
    e.create_account("a")
    out: list[Any] = []
    for i in range(30):
        e.tick_market(i)
        side = "buy" if i % 2 else "sell"
        px = str(e.mid_price("BTC-USDT") + (i % 7 - 3))
        out.append(e.place("book", "a", limit(side, px, "0.01"), i))
        out.append([x for x in e.drain_events() if isinstance(x, OrderEvent)])
    out.append(e.books5("BTC-USDT", 99))
    return out


def test_determinism() -> None:
    assert _script(Engine(seed=3)) == _script(Engine(seed=3))
    assert _script(Engine(seed=3)) != _script(Engine(seed=4))


# ------------------------------------------------------------------------------ property

_op = st.tuples(
    st.sampled_from(["place", "place", "place", "amend", "cancel", "tick", "spread"]),
    st.sampled_from([BTC, ETH, SWAP]),
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["limit", "limit", "post_only", "ioc", "fok", "market"]),
    st.integers(-8, 8),
    st.integers(1, 40),
    st.integers(0, 10),
)
_INST = {BTC: "BTC-USDT", ETH: "ETH-USDT", SWAP: "BTC-USDT-SWAP"}
_TICK = {BTC: Decimal("0.1"), ETH: Decimal("0.01"), SWAP: Decimal("0.1")}
_LOT = {BTC: Decimal("0.001"), ETH: Decimal("0.01"), SWAP: Decimal("0.01")}


def _random_op(e: Engine, now: int, op: tuple[str, int, str, str, int, int, int]) -> None:
    kind, code, side, ord_type, dpx, dsz, pick = op
    uid = "p" if pick % 2 else "q"
    inst = _INST[code]
    px = e.mid_price(inst) + dpx * _TICK[code]
    sz = str(_LOT[code] * dsz)
    pending = e.pending_orders(uid, inst_id=inst)
    if kind == "place":
        args = limit(side, str(px), sz, code=code, ordType=ord_type)
        if ord_type == "market":
            args["tgtCcy"] = "base_ccy"
        assert e.place("book", uid, args, now).code in ("0", "51008")
    elif kind == "spread":
        spx = str(e.mid_price(SPRD) + dpx * Decimal("0.1"))
        assert (
            e.place("spread", uid, spread(side, spx, str(Decimal("0.01") * dsz)), now).code == "0"
        )
    elif kind == "amend" and pending:
        o = pending[pick % len(pending)]
        args = {"instIdCode": code, "ordId": o["ordId"], "newSz": sz, "newPx": str(px)}
        r = e.amend("book", uid, {**args, "cxlOnFail": pick > 5}, now)
        assert r.code in ("0", "51511", "51502"), r
    elif kind == "cancel" and pending:
        o = pending[pick % len(pending)]
        assert e.cancel("book", uid, {"instIdCode": code, "ordId": o["ordId"]}, now).code == "0"
    elif kind == "tick":
        e.tick_market(now)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_op, max_size=60))
def test_random_sequences_keep_invariants(
    ops: list[tuple[str, int, str, str, int, int, int]],
) -> None:
    e = Engine(seed=11)
    e.create_account("p", {"USDT": "50000", "BTC": "1", "ETH": "10"})
    e.create_account("q")
    for now, op in enumerate(ops, 1):
        _random_op(e, now, op)
        e.drain_events()
        e.audit()
    # frozen == sum of open-order reservations (recomputed from the public order view)
    for uid in ("p", "q"):
        expect = {"USDT": Decimal(0), "BTC": Decimal(0), "ETH": Decimal(0)}
        for o in e.pending_orders(uid, inst_type="SPOT"):
            rem = Decimal(o["sz"]) - Decimal(o["accFillSz"])
            if o["side"] == "buy":
                expect["USDT"] += Decimal(o["px"]) * rem
            else:
                expect[o["instId"].split("-")[0]] += rem
        for ccy in ("BTC", "ETH"):
            assert Decimal(balance_of(e, uid, ccy)["frozenBal"]) == expect[ccy]
        for o in e.pending_orders(uid, inst_type="SWAP"):  # margin = px * sz * ctVal / lever
            rem = Decimal(o["sz"]) - Decimal(o["accFillSz"])
            expect["USDT"] += Decimal(o["px"]) * rem * Decimal("0.01") / 10
        assert Decimal(balance_of(e, uid, "USDT")["ordFrozen"]) == expect["USDT"]
        for d in e.balance(uid)["details"]:
            for k in ("availBal", "cashBal", "frozenBal"):
                assert Decimal(d[k]) >= 0, d


def test_pushes_nobody_hears_are_not_rendered(eng: Engine) -> None:
    heard: list[tuple[str, str]] = []

    def audience(uid: str, channel: str) -> bool:
        heard.append((uid, channel))
        return channel == "sprd-orders"

    eng.audience = audience
    eng.place("book", "u1", limit("buy", "90000", "0.01"), 1)
    eng.place("spread", "u1", spread("buy", "40", "0.01"), 2)
    ev = eng.drain_events()
    assert [type(e).__name__ for e in ev] == ["OrderEvent", "MarketEvent", "MarketEvent"]
    assert ("u1", "orders") in heard and ("u1", "account") in heard
    assert eng.balance("u1")["details"][0]["frozenBal"] == "900"  # the state moved all the same
