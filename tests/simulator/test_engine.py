"""Tests of the pure exchange engine (no event loop, no sleeps)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okxws.simulator.engine import (
    MM_UID,
    BalanceEvent,
    Engine,
    EngineArgError,
    Event,
    MarketEvent,
    OrderEvent,
    instruments_as_rest,
    resolve_inst_id_code,
    spreads_as_rest,
)

BTC = 100001
ETH = 100002
SWAP = 200001
OPT = 300001
SPRD = "BTC-USDT_BTC-USDT-SWAP"

# key order of the recorded 2026 `orders` push (okx-frames/push-orders-live.json data[0])
ORDER_KEYS = [
    "instType",
    "instId",
    "tgtCcy",
    "ccy",
    "tradeQuoteCcy",
    "ordId",
    "clOrdId",
    "algoClOrdId",
    "algoId",
    "tag",
    "px",
    "sz",
    "notionalUsd",
    "ordType",
    "side",
    "posSide",
    "tdMode",
    "accFillSz",
    "fillNotionalUsd",
    "avgPx",
    "state",
    "lever",
    "pnl",
    "feeCcy",
    "fee",
    "rebateCcy",
    "rebate",
    "category",
    "uTime",
    "cTime",
    "source",
    "reduceOnly",
    "cancelSource",
    "quickMgnType",
    "stpId",
    "stpMode",
    "attachAlgoClOrdId",
    "lastPx",
    "outcome",
    "isTpLimit",
    "slTriggerPx",
    "slTriggerPxType",
    "tpOrdPx",
    "tpTriggerPx",
    "tpTriggerPxType",
    "slOrdPx",
    "fillPx",
    "tradeId",
    "fillSz",
    "fillTime",
    "fillPnl",
    "fillFee",
    "fillFeeCcy",
    "execType",
    "fillPxVol",
    "fillPxUsd",
    "fillMarkVol",
    "fillFwdPx",
    "fillMarkPx",
    "fillIdxPx",
    "amendSource",
    "reqId",
    "amendResult",
    "code",
    "msg",
    "pxType",
    "pxUsd",
    "pxVol",
    "linkedAlgoOrd",
    "attachAlgoOrds",
]


def limit(side: str, px: str, sz: str, code: int = BTC, **kw: Any) -> dict[str, Any]:
    td = "cash" if code in (BTC, ETH) else "cross"
    args = {"instIdCode": code, "tdMode": td, "side": side, "ordType": "limit", "px": px}
    args["sz"] = sz
    args.update(kw)
    return args


def orders(events: list[Event], uid: str | None = None) -> list[dict[str, Any]]:
    return [e.data for e in events if isinstance(e, OrderEvent) and (uid is None or e.uid == uid)]


def bal(eng: Engine, uid: str, ccy: str) -> dict[str, str]:
    for d in eng.balance(uid)["details"]:
        if d["ccy"] == ccy:
            return dict(d)
    raise KeyError(ccy)


@pytest.fixture
def eng() -> Engine:
    e = Engine(seed=7)
    for uid in ("u1", "u2", "u3"):
        e.create_account(uid)
    return e


# ------------------------------------------------------------------------------ reference data


def test_instruments_as_rest_integer_code() -> None:
    items = instruments_as_rest("SPOT")
    assert [i["instId"] for i in items] == ["BTC-USDT", "ETH-USDT"]
    for i in instruments_as_rest(None):
        assert isinstance(i["instIdCode"], int)
        assert all(isinstance(v, str) for k, v in i.items() if k != "instIdCode")
    swap = instruments_as_rest("SWAP")[0]
    assert (swap["ctVal"], swap["settleCcy"], swap["instFamily"]) == ("0.01", "USDT", "BTC-USDT")
    opt = instruments_as_rest("OPTION")[0]
    assert opt["instFamily"] == "BTC-USD" and opt["instIdCode"] == OPT
    sp = spreads_as_rest()[0]
    assert sp["sprdId"] == SPRD and [leg["instId"] for leg in sp["legs"]] == [
        "BTC-USDT",
        "BTC-USDT-SWAP",
    ]
    inst = resolve_inst_id_code(BTC)
    assert inst is not None and inst.inst_id == "BTC-USDT"
    assert resolve_inst_id_code(1) is None


def test_initial_book_and_ticker(eng: Engine) -> None:
    b = eng.books5("BTC-USDT", 5)
    assert b["asks"][0] == ["95000.1", "0.5", "0", "1"]
    assert b["bids"][0] == ["94999.9", "0.5", "0", "1"]
    assert len(b["asks"]) == len(b["bids"]) == 5
    t = eng.ticker("BTC-USDT", 5)
    assert (t["bidPx"], t["askPx"], t["ts"]) == ("94999.9", "95000.1", "5")
    assert list(t) == [
        "instType",
        "instId",
        "last",
        "lastSz",
        "askPx",
        "askSz",
        "bidPx",
        "bidSz",
        "open24h",
        "high24h",
        "low24h",
        "sodUtc0",
        "sodUtc8",
        "volCcy24h",
        "vol24h",
        "ts",
    ]


# ------------------------------------------------------------------------------ place


def test_resting_limit_rests_and_pushes_live(eng: Engine) -> None:
    r = eng.place_order("u1", limit("buy", "94000", "0.01", clOrdId="a1", tag="t1"), 1000)
    assert list(r) == ["tag", "ts", "ordId", "clOrdId", "sCode", "sMsg", "subCode"]
    assert r["sCode"] == "0" and r["sMsg"] == "Order successfully placed."
    assert r["ts"] == "1000" and r["clOrdId"] == "a1" and r["tag"] == "t1"
    assert r["ordId"].isdigit() and 16 <= len(r["ordId"]) <= 19
    ev = eng.drain_events()
    (live,) = orders(ev)
    assert list(live) == ORDER_KEYS
    assert live["state"] == "live" and live["px"] == "94000" and live["sz"] == "0.01"
    assert live["cTime"] == live["uTime"] == "1000" and live["reduceOnly"] == "false"
    assert any(isinstance(e, BalanceEvent) and e.uid == "u1" for e in ev)
    assert MarketEvent("BTC-USDT") in ev
    usdt = bal(eng, "u1", "USDT")
    assert (usdt["frozenBal"], usdt["availBal"], usdt["cashBal"]) == ("940", "999060", "1000000")
    assert eng.books5("BTC-USDT", 1)["bids"][-1][0] != "94000"  # deeper than MM's 5 levels
    (pend,) = eng.pending_orders("u1")
    assert pend["ordId"] == r["ordId"]
    got = eng.get_order("u1", inst_id="BTC-USDT", cl_ord_id="a1")
    assert got is not None and got["state"] == "live"
    eng.audit()


def test_crossing_limit_fills_against_mm_as_taker(eng: Engine) -> None:
    r = eng.place_order("u1", limit("buy", "95001", "0.2"), 1)
    assert r["sCode"] == "0"
    pushes = orders(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "partially_filled", "filled"]
    fill = pushes[1]
    assert fill["execType"] == "T" and fill["fillPx"] == "95000.1" and fill["fillSz"] == "0.2"
    assert fill["fillFee"] == "-0.0002" and fill["fillFeeCcy"] == "BTC"  # 0.1% of 0.2 BTC
    assert fill["tradeId"].isdigit() and fill["fillTime"] == "1"
    final = pushes[2]
    assert final["fillSz"] == "0" and final["execType"] == "" and final["tradeId"] == ""
    assert final["accFillSz"] == "0.2" and final["avgPx"] == "95000.1" and final["fee"] == "-0.0002"
    assert bal(eng, "u1", "BTC")["cashBal"] == "10.1998"
    usdt = bal(eng, "u1", "USDT")
    assert usdt["cashBal"] == "980999.98" and usdt["frozenBal"] == "0"  # 1e6 - 0.2*95000.1
    assert eng.ticker("BTC-USDT", 2)["last"] == "95000.1"
    # MM replenished its level
    assert eng.books5("BTC-USDT", 2)["asks"][0] == ["95000.1", "0.5", "0", "1"]
    eng.audit()


def test_market_buy_quote_and_sell_base(eng: Engine) -> None:
    r = eng.place_order(
        "u1",
        {"instIdCode": BTC, "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "950"},
        1,
    )
    assert r["sCode"] == "0"
    pushes = orders(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "partially_filled", "filled"]
    assert pushes[0]["tgtCcy"] == "quote_ccy" and pushes[0]["sz"] == "950"
    assert pushes[-1]["accFillSz"] == "0.00999998"  # floor(950 / 95000.1) in lots
    assert Decimal(bal(eng, "u1", "USDT")["cashBal"]) > Decimal("999050")
    assert bal(eng, "u1", "USDT")["frozenBal"] == "0"
    r = eng.place_order(
        "u1",
        {"instIdCode": BTC, "tdMode": "cash", "side": "sell", "ordType": "market", "sz": "1"},
        2,
    )
    pushes = orders(eng.drain_events())
    fills = [p for p in pushes if p["execType"] == "T"]
    assert [f["fillPx"] for f in fills] == ["94999.9", "94999.8"]  # 0.5 + 0.5 of the 1.0 level
    assert pushes[-1]["state"] == "filled" and pushes[-1]["accFillSz"] == "1"
    assert pushes[-1]["feeCcy"] == "USDT" and pushes[-1]["tgtCcy"] == "base_ccy"
    eng.audit()


def test_fok_partial_is_canceled_without_fills(eng: Engine) -> None:
    r = eng.place_order("u1", limit("buy", "95000.1", "1", ordType="fok"), 1)
    assert r["sCode"] == "0"
    pushes = orders(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "canceled"]
    assert pushes[-1]["cancelSource"] == "13" and pushes[-1]["accFillSz"] == "0"
    assert bal(eng, "u1", "USDT")["frozenBal"] == "0"
    assert bal(eng, "u1", "BTC")["cashBal"] == "10"
    eng.place_order("u1", limit("buy", "95000.2", "1.5", ordType="fok"), 2)
    assert orders(eng.drain_events())[-1]["state"] == "filled"


def test_ioc_partial(eng: Engine) -> None:
    eng.place_order("u1", limit("buy", "95000.1", "1", ordType="ioc"), 1)
    pushes = orders(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "partially_filled", "canceled"]
    assert pushes[-1]["accFillSz"] == "0.5" and pushes[-1]["cancelSource"] == "14"
    assert eng.pending_orders("u1") == []
    assert bal(eng, "u1", "USDT")["frozenBal"] == "0"
    eng.audit()


def test_post_only_crossing_is_accepted_then_canceled(eng: Engine) -> None:
    r = eng.place_order("u1", limit("buy", "95000.1", "0.1", ordType="post_only"), 1)
    assert r["sCode"] == "0"
    pushes = orders(eng.drain_events())
    assert [p["state"] for p in pushes] == ["live", "canceled"]
    assert pushes[-1]["cancelSource"] == "31" and pushes[-1]["accFillSz"] == "0"
    assert bal(eng, "u1", "USDT")["frozenBal"] == "0"
    r = eng.place_order("u1", limit("buy", "95000", "0.1", ordType="post_only"), 2)
    assert orders(eng.drain_events())[-1]["state"] == "live"


def test_price_time_priority(eng: Engine) -> None:
    a = eng.place_order("u1", limit("sell", "95000", "0.01"), 1)["ordId"]
    b = eng.place_order("u2", limit("sell", "95000", "0.01"), 2)["ordId"]
    assert eng.books5("BTC-USDT", 3)["asks"][0] == ["95000", "0.02", "0", "2"]
    eng.drain_events()
    eng.place_order("u3", limit("buy", "95000", "0.01"), 3)
    ev = eng.drain_events()
    (m1,) = [p for p in orders(ev, "u1") if p["execType"]]
    assert m1["ordId"] == a and m1["execType"] == "M" and m1["state"] == "filled"
    assert m1["fillFee"] == "-0.76" and m1["fillFeeCcy"] == "USDT"  # 0.08% of 950
    assert orders(ev, "u2") == []
    (p2,) = eng.pending_orders("u2")
    assert p2["ordId"] == b and p2["state"] == "live"
    assert bal(eng, "u1", "USDT")["cashBal"] == "1000949.24"
    eng.audit()


def test_self_trade_prevention_cancels_maker(eng: Engine) -> None:
    a = eng.place_order("u1", limit("sell", "95000", "0.01"), 1)["ordId"]
    eng.drain_events()
    eng.place_order("u1", limit("buy", "95000", "0.01"), 2)
    pushes = orders(eng.drain_events())
    gone = [p for p in pushes if p["ordId"] == a]
    assert gone[-1]["state"] == "canceled" and gone[-1]["cancelSource"] == "32"
    assert len(eng.pending_orders("u1")) == 1
    eng.audit()


# ------------------------------------------------------------------------------ rejections


@pytest.mark.parametrize(
    ("args", "code", "msg"),
    [
        (limit("buy", "94000", "0.000000001"), "51121", "multiple of the lot size"),
        (limit("buy", "94000", "0.000001"), "51020", "minimum order amount"),
        (limit("buy", "94000.05", "0.01"), "51000", "Parameter px error"),
        (limit("buy", "-1", "0.01"), "51000", "Parameter px error"),
        (limit("buy", "94000", "0.01", code=999), "51001", "Instrument ID"),
        (limit("buy", "94000", "0.01", tdMode="cross"), "51010", "current account mode"),
        ({**limit("buy", "94000", "0.01"), "side": "up"}, "51000", "Parameter side error"),
        (limit("buy", "94000", "0.01", clOrdId="bad-id"), "51000", "Parameter clOrdId error"),
        (limit("buy", "94000", "0.01", tag="x" * 17), "51000", "Parameter tag error"),
        ({"instIdCode": BTC, "tdMode": "cash", "side": "buy", "sz": "1"}, "50014", "ordType"),
        (
            {"instIdCode": BTC, "tdMode": "cash", "side": "buy", "ordType": "limit", "sz": "1"},
            "50014",
            "Parameter px can not be empty",
        ),
    ],
)
def test_place_rejections(eng: Engine, args: dict[str, Any], code: str, msg: str) -> None:
    r = eng.place_order("u1", args, 5)
    assert r["sCode"] == code and msg in r["sMsg"], r
    assert r["ordId"] == "" and r["ts"] == "5"
    assert orders(eng.drain_events()) == []


def test_insufficient_balance(eng: Engine) -> None:
    eng.create_account("poor", {"USDT": "100", "BTC": "0"})
    r = eng.place_order("poor", limit("buy", "94000", "0.01", tag="abc"), 1)
    assert (r["sCode"], r["subCode"]) == ("51008", "1000")
    assert r["sMsg"] == "Order failed. Insufficient USDT balance in account."
    assert r["tag"] == "abc"
    r = eng.place_order("poor", limit("sell", "96000", "0.01"), 1)
    assert r["sMsg"] == "Order failed. Insufficient BTC balance in account."
    r = eng.place_order("poor", limit("buy", "90000", "2", code=SWAP), 1)  # needs 180 USDT
    assert (r["sCode"], r["subCode"]) == ("51008", "1001")


def test_duplicate_clordid(eng: Engine) -> None:
    first = eng.place_order("u1", limit("buy", "94000", "0.01", clOrdId="dup1"), 1)
    r = eng.place_order("u1", limit("buy", "94000", "0.01", clOrdId="dup1"), 2)
    assert (r["sCode"], r["sMsg"], r["clOrdId"]) == ("51016", "Duplicated client order ID", "dup1")
    # another user may use the same clOrdId
    assert eng.place_order("u2", limit("buy", "94000", "0.01", clOrdId="dup1"), 2)["sCode"] == "0"
    c = eng.cancel_order("u1", {"instIdCode": BTC, "clOrdId": "dup1"}, 3)
    assert c["sCode"] == "0" and c["ordId"] == first["ordId"]
    assert eng.place_order("u1", limit("buy", "94000", "0.01", clOrdId="dup1"), 4)["sCode"] == "0"


# ------------------------------------------------------------------------------ cancel / amend


def test_cancel_releases_and_pushes(eng: Engine) -> None:
    oid = eng.place_order("u1", limit("sell", "96000", "0.5", clOrdId="c1"), 1)["ordId"]
    assert bal(eng, "u1", "BTC")["frozenBal"] == "0.5"
    eng.drain_events()
    r = eng.cancel_order("u1", {"instIdCode": BTC, "ordId": oid}, 2)
    assert r == {"ts": "2", "ordId": oid, "clOrdId": "c1", "sCode": "0", "sMsg": ""}
    (p,) = orders(eng.drain_events())
    assert p["state"] == "canceled" and p["cancelSource"] == "1" and p["uTime"] == "2"
    assert bal(eng, "u1", "BTC")["frozenBal"] == "0"
    assert bal(eng, "u1", "BTC")["availBal"] == "10"
    again = eng.cancel_order("u1", {"instIdCode": BTC, "ordId": oid}, 3)
    assert again["sCode"] == "51400"
    got = eng.get_order("u1", inst_id="BTC-USDT", ord_id=oid)
    assert got is not None and got["state"] == "canceled"


def test_cancel_unknown(eng: Engine) -> None:
    r = eng.cancel_order("u1", {"instIdCode": BTC, "ordId": "123"}, 9)
    assert r == {
        "ts": "9",
        "ordId": "123",
        "clOrdId": "",
        "sCode": "51400",
        "sMsg": "Order cancellation failed as the order has been filled, canceled or does not "
        "exist.",
    }
    assert eng.cancel_order("u1", {"instIdCode": BTC}, 9)["sCode"] == "51003"
    assert eng.cancel_order("nobody", {"instIdCode": BTC, "ordId": "1"}, 9)["sCode"] == "51400"


def test_amend_size_price_reqid(eng: Engine) -> None:
    oid = eng.place_order("u1", limit("buy", "94000", "0.01", clOrdId="am1"), 1)["ordId"]
    eng.drain_events()
    r = eng.amend_order(
        "u1", {"instIdCode": BTC, "ordId": oid, "newSz": "0.02", "newPx": "93000", "reqId": "r1"}, 2
    )
    assert list(r) == ["ordId", "clOrdId", "sCode", "sMsg", "reqId", "ts", "subCode"]
    assert (r["sCode"], r["sMsg"], r["reqId"], r["clOrdId"], r["ts"]) == ("0", "", "r1", "am1", "2")
    (p,) = orders(eng.drain_events())
    assert (p["amendResult"], p["reqId"], p["px"], p["sz"], p["state"]) == (
        "0",
        "r1",
        "93000",
        "0.02",
        "live",
    )
    assert bal(eng, "u1", "USDT")["frozenBal"] == "1860"
    # amend to a crossing price fills it as taker
    eng.amend_order("u1", {"instIdCode": BTC, "clOrdId": "am1", "newPx": "95000.1"}, 3)
    pushes = orders(eng.drain_events())
    assert pushes[0]["amendResult"] == "0" and pushes[-1]["state"] == "filled"
    assert bal(eng, "u1", "USDT")["frozenBal"] == "0"
    eng.audit()


def test_amend_errors_and_cxl_on_fail(eng: Engine) -> None:
    miss = eng.amend_order("u1", {"instIdCode": BTC, "ordId": "42", "newSz": "1"}, 1)
    assert (miss["sCode"], miss["sMsg"]) == (
        "51503",
        "Your order has already been filled or canceled.",
    )
    assert eng.amend_order("u1", {"instIdCode": BTC, "newSz": "1"}, 1)["sCode"] == "51003"
    oid = eng.place_order("u1", limit("buy", "94000", "0.01", ordType="post_only"), 1)["ordId"]
    assert eng.amend_order("u1", {"instIdCode": BTC, "ordId": oid}, 1)["sCode"] == "51500"
    bad = eng.amend_order("u1", {"instIdCode": BTC, "ordId": oid, "newPx": "95000.1"}, 2)
    assert bad["sCode"] == "51511" and bad["ordId"] == oid
    assert len(eng.pending_orders("u1")) == 1
    eng.drain_events()
    args = {"instIdCode": BTC, "ordId": oid, "newPx": "95000.1", "cxlOnFail": True, "reqId": "x"}
    bad = eng.amend_order("u1", args, 3)
    assert bad["sCode"] == "51511"
    (p,) = orders(eng.drain_events())
    assert p["state"] == "canceled" and p["reqId"] == "x"
    assert eng.pending_orders("u1") == []
    assert bal(eng, "u1", "USDT")["frozenBal"] == "0"


def test_amend_new_size_at_or_below_filled_fills(eng: Engine) -> None:
    oid = eng.place_order("u1", limit("sell", "95000", "0.3"), 1)["ordId"]
    eng.place_order("u2", limit("buy", "95000", "0.1"), 2)
    eng.drain_events()
    r = eng.amend_order("u1", {"instIdCode": BTC, "ordId": oid, "newSz": "0.1"}, 3)
    assert r["sCode"] == "0"
    (p,) = orders(eng.drain_events())
    assert p["state"] == "filled" and p["amendResult"] == "0" and p["accFillSz"] == "0.1"
    assert bal(eng, "u1", "BTC")["frozenBal"] == "0"
    assert bal(eng, "u1", "BTC")["cashBal"] == "9.9"
    eng.audit()


# ------------------------------------------------------------------------------ derivatives


def test_swap_margin_position_and_pnl(eng: Engine) -> None:
    r = eng.place_order("u1", limit("buy", "90000", "1", code=SWAP), 1)
    assert r["sCode"] == "0"
    assert bal(eng, "u1", "USDT")["frozenBal"] == "90"  # 90000 * 1 * 0.01 / 10
    eng.cancel_order("u1", {"instIdCode": SWAP, "ordId": r["ordId"]}, 2)
    assert bal(eng, "u1", "USDT")["frozenBal"] == "0"
    eng.drain_events()
    eng.place_order("u1", {**limit("buy", "0", "1", code=SWAP), "ordType": "market"}, 3)
    pushes = orders(eng.drain_events())
    assert pushes[0]["posSide"] == "net" and pushes[0]["lever"] == "10"
    assert pushes[-1]["state"] == "filled"
    (pos,) = eng.positions("u1")
    assert pos["pos"] == "1" and pos["avgPx"] == "95050.1"
    assert bal(eng, "u1", "USDT")["frozenBal"] == "95.0501"
    ro = limit("buy", "90000", "1", code=SWAP, reduceOnly=True)
    assert eng.place_order("u1", ro, 4)["sCode"] == "51169"
    close = {**limit("sell", "0", "1", code=SWAP), "ordType": "market", "reduceOnly": True}
    assert eng.place_order("u1", close, 5)["sCode"] == "0"
    assert eng.positions("u1") == []
    assert bal(eng, "u1", "USDT")["frozenBal"] == "0"
    last = orders(eng.drain_events())[-2]
    assert last["fillPnl"] == "-0.002"  # (95049.9 - 95050.1) * 0.01
    eng.audit()


def test_mass_cancel_only_matching_family(eng: Engine) -> None:
    opt = eng.place_order("u1", limit("buy", "0.01", "2", code=OPT), 1)
    assert opt["sCode"] == "0", opt
    swap = eng.place_order("u1", limit("buy", "90000", "1", code=SWAP), 1)
    other = eng.place_order("u2", limit("buy", "0.01", "2", code=OPT), 1)
    assert eng.mass_cancel("u1", {"instType": "OPTION", "instFamily": "ETH-USD"}, 2) == {
        "result": True
    }
    assert len(eng.pending_orders("u1")) == 2
    assert eng.mass_cancel("u1", {"instType": "OPTION", "instFamily": "BTC-USD"}, 3) == {
        "result": True
    }
    assert [o["ordId"] for o in eng.pending_orders("u1")] == [swap["ordId"]]
    assert [o["ordId"] for o in eng.pending_orders("u2")] == [other["ordId"]]
    with pytest.raises(EngineArgError) as ei:
        eng.mass_cancel("u1", {"instType": "OPTION"}, 4)
    assert ei.value.code == "50014"
    with pytest.raises(EngineArgError):
        eng.mass_cancel("u1", {"instFamily": "BTC-USD"}, 4)
    eng.audit()


# ------------------------------------------------------------------------------ spreads


def test_spread_place_amend_cancel_mass_cancel(eng: Engine) -> None:
    args = {"sprdId": SPRD, "side": "buy", "ordType": "limit", "px": "40", "sz": "0.01"}
    r = eng.place_spread_order("u1", {**args, "clOrdId": "s1"}, 1)
    assert list(r) == ["clOrdId", "ordId", "tag", "sCode", "sMsg"] and r["sCode"] == "0"
    ev = eng.drain_events()
    (p,) = [e for e in ev if isinstance(e, OrderEvent)]
    assert p.channel == "sprd-orders" and p.inst_id == SPRD
    assert p.data["state"] == "live" and p.data["pendingFillSz"] == "0.01"
    assert p.data["sprdId"] == SPRD and p.data["canceledSz"] == "0"
    a = eng.amend_spread_order("u1", {"clOrdId": "s1", "newPx": "41", "reqId": "q1"}, 2)
    assert a == {"clOrdId": "s1", "ordId": r["ordId"], "reqId": "q1", "sCode": "0", "sMsg": ""}
    (p2,) = orders(eng.drain_events())
    assert p2["px"] == "41" and p2["amendResult"] == "0" and p2["reqId"] == "q1"
    c = eng.cancel_spread_order("u1", {"ordId": r["ordId"]}, 3)
    assert c == {"clOrdId": "s1", "ordId": r["ordId"], "sCode": "0", "sMsg": ""}
    (p3,) = orders(eng.drain_events())
    assert p3["state"] == "canceled" and p3["canceledSz"] == "0.01"
    assert eng.cancel_spread_order("u1", {"ordId": r["ordId"]}, 4)["sCode"] == "51401"
    assert eng.cancel_spread_order("u1", {"ordId": "1"}, 4)["sCode"] == "51400"
    assert eng.amend_spread_order("u1", {"ordId": r["ordId"], "newSz": "1"}, 4)["sCode"] == "51509"
    # crossing spread order fills against the MM
    f = eng.place_spread_order("u1", {**args, "px": "50.1", "sz": "0.2"}, 5)
    pushes = orders(eng.drain_events())
    assert pushes[-1]["state"] == "filled" and pushes[-1]["avgPx"] == "50.1"
    assert eng.cancel_spread_order("u1", {"ordId": f["ordId"]}, 6)["sCode"] == "51402"
    for i in range(3):
        eng.place_spread_order("u1", {**args, "px": str(30 + i)}, 7)
    eng.place_spread_order("u2", args, 7)
    assert eng.mass_cancel_spread_orders("u1", {}, 8) == {"result": True}
    assert eng.pending_spread_orders("u1") == []
    assert len(eng.pending_spread_orders("u2")) == 1
    dup = eng.place_spread_order("u2", {**args, "clOrdId": "z"}, 9)
    assert dup["sCode"] == "0"
    assert eng.place_spread_order("u2", {**args, "clOrdId": "z"}, 9)["sCode"] == "51016"
    assert eng.place_spread_order("u2", {**args, "sprdId": "X"}, 9)["sCode"] == "51001"


# ------------------------------------------------------------------------ market / determinism


def test_tick_market_moves_and_mm_fills_resting_users(eng: Engine) -> None:
    before = eng.mid_price("BTC-USDT")
    eng.place_order("u1", limit("buy", "94999.9", "0.01"), 1)
    eng.drain_events()
    for i in range(200):
        eng.tick_market(2 + i)
    assert eng.mid_price("BTC-USDT") != before
    eng.audit()
    ev = eng.drain_events()
    assert MarketEvent("BTC-USDT") in ev
    assert all(e.uid != MM_UID for e in ev if isinstance(e, OrderEvent | BalanceEvent))


def _script(e: Engine) -> list[Any]:
    e.create_account("a")
    out: list[Any] = []
    for i in range(30):
        e.tick_market(i)
        side = "buy" if i % 2 else "sell"
        px = str(e.mid_price("BTC-USDT") + (i % 7 - 3))
        out.append(e.place_order("a", limit(side, px, "0.01"), i))
        out.append([x for x in e.drain_events() if isinstance(x, OrderEvent)])
    out.append(e.books5("BTC-USDT", 99))
    return out


def test_determinism() -> None:
    assert _script(Engine(seed=3)) == _script(Engine(seed=3))
    assert _script(Engine(seed=3)) != _script(Engine(seed=4))


# ------------------------------------------------------------------------------ property

_op = st.tuples(
    st.sampled_from(["place", "place", "place", "amend", "cancel", "tick"]),
    st.sampled_from([BTC, ETH, SWAP]),
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["limit", "limit", "post_only", "ioc", "fok", "market"]),
    st.integers(-8, 8),
    st.integers(1, 40),
    st.integers(0, 10),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_op, max_size=60))
def test_random_sequences_keep_invariants(
    ops: list[tuple[str, int, str, str, int, int, int]],
) -> None:
    e = Engine(seed=11)
    e.create_account("p", {"USDT": "50000", "BTC": "1", "ETH": "10"})
    e.create_account("q")
    for now, (kind, code, side, ord_type, dpx, dsz, pick) in enumerate(ops, 1):
        uid = "p" if pick % 2 else "q"
        inst = {BTC: "BTC-USDT", ETH: "ETH-USDT", SWAP: "BTC-USDT-SWAP"}[code]
        tick = {BTC: Decimal("0.1"), ETH: Decimal("0.01"), SWAP: Decimal("0.1")}[code]
        lot = {BTC: Decimal("0.001"), ETH: Decimal("0.01"), SWAP: Decimal("0.01")}[code]
        px = e.mid_price(inst) + dpx * tick
        pending = e.pending_orders(uid, inst_id=inst)
        if kind == "place":
            args = limit(side, str(px), str(lot * dsz), code=code, ordType=ord_type)
            if ord_type == "market":
                args["tgtCcy"] = "base_ccy"
            r = e.place_order(uid, args, now)
            assert r["sCode"] in ("0", "51008"), r
        elif kind == "amend" and pending:
            o = pending[pick % len(pending)]
            r = e.amend_order(
                uid,
                {
                    "instIdCode": code,
                    "ordId": o["ordId"],
                    "newSz": str(lot * dsz),
                    "newPx": str(px),
                    "cxlOnFail": pick > 5,
                },
                now,
            )
            assert r["sCode"] in ("0", "51511", "51502"), r
        elif kind == "cancel" and pending:
            o = pending[pick % len(pending)]
            assert (
                e.cancel_order(uid, {"instIdCode": code, "ordId": o["ordId"]}, now)["sCode"] == "0"
            )
        elif kind == "tick":
            e.tick_market(now)
        e.drain_events()
        e.audit()
    # frozen == sum of open-order reservations (spot, recomputed from the public order view)
    for uid in ("p", "q"):
        expect = {"USDT": Decimal(0), "BTC": Decimal(0), "ETH": Decimal(0)}
        for o in e.pending_orders(uid, inst_type="SPOT"):
            rem = Decimal(o["sz"]) - Decimal(o["accFillSz"])
            base = o["instId"].split("-")[0]
            if o["side"] == "buy":
                expect["USDT"] += Decimal(o["px"]) * rem
            else:
                expect[base] += rem
        for ccy in ("BTC", "ETH"):
            assert Decimal(bal(e, uid, ccy)["frozenBal"]) == expect[ccy]
        for o in e.pending_orders(uid, inst_type="SWAP"):  # margin = px * sz * ctVal / lever
            rem = Decimal(o["sz"]) - Decimal(o["accFillSz"])
            expect["USDT"] += Decimal(o["px"]) * rem * Decimal("0.01") / 10
        assert Decimal(bal(e, uid, "USDT")["ordFrozen"]) == expect["USDT"]
        for d in e.balance(uid)["details"]:
            for k in ("availBal", "cashBal", "frozenBal"):
                assert Decimal(d[k]) >= 0, d
