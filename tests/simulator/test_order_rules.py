"""Argument checks of order-book and spread orders: which sCode / sMsg wins, in OKX's order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from okxws.protocol.ops import OrderVenue
from okxws.simulator.engine import Engine
from okxws.simulator.order_rules import (
    VENUES,
    amend_values,
    check_amend,
    check_cancel,
    check_place,
    mass_cancel_scope,
    resolve_instrument,
)
from okxws.simulator.orders import EngineArgError, OrderState, OrdType, Reject

from .conftest import BTC, SPRD, SWAP, limit, spread


def _reject(fn: Any, *args: Any) -> tuple[str, str, str]:
    with pytest.raises(Reject) as ei:
        fn(*args)
    return ei.value.code, ei.value.msg, ei.value.sub_code


@pytest.mark.parametrize(
    ("args", "code", "msg"),
    [
        (limit("buy", "94000", "0.000000001"), "51121", "multiple of the lot size"),
        (limit("buy", "94000", "0.000001"), "51020", "minimum order amount"),
        (limit("buy", "94000.05", "0.01"), "51000", "Parameter px error"),
        (limit("buy", "-1", "0.01"), "51000", "Parameter px error"),
        (limit("buy", "94000", "0.01", code=999), "51001", "Instrument ID"),
        (limit("buy", "94000", "0.01", code="abc"), "51000", "Parameter instIdCode error"),
        (limit("buy", "94000", "0.01", code=True), "51000", "Parameter instIdCode error"),
        (limit("buy", "94000", "0.01", tdMode="cross"), "51010", "current account mode"),
        (limit("buy", "94000", "1", code=SWAP, tdMode="cash"), "51000", "Parameter tdMode error"),
        (limit("buy", "94000", "0.01", tdMode="x"), "51000", "Parameter tdMode error"),
        (limit("up", "94000", "0.01"), "51000", "Parameter side error"),
        (limit("buy", "94000", "0.01", ordType="x"), "51000", "Parameter ordType error"),
        (limit("buy", "94000", "1_0"), "51000", "Parameter sz error"),
        (limit("buy", "94000", "0"), "51000", "Parameter sz error"),
        (limit("buy", "94000", "0.01", clOrdId="bad-id"), "51000", "Parameter clOrdId error"),
        (limit("buy", "94000", "0.01", tag="x" * 17), "51000", "Parameter tag error"),
        (limit("buy", "94000", "1", code=SWAP, posSide="long"), "51000", "posSide error"),
        ({**limit("buy", "1", "1"), "ordType": "market", "tgtCcy": "x"}, "51000", "tgtCcy"),
        ({"instIdCode": BTC, "tdMode": "cash", "side": "buy", "sz": "1"}, "50014", "ordType"),
        ({**limit("buy", "", "1")}, "50014", "Parameter px can not be empty"),
        ({"tdMode": "cash", "side": "buy"}, "50014", "Parameter instIdCode can not be empty"),
        # argument checks come in OKX's order: the id format before the instrument
        (limit("buy", "1", "0.01", code=999, clOrdId="bad-id"), "51000", "clOrdId"),
    ],
)
def test_book_place_rejections(args: dict[str, Any], code: str, msg: str) -> None:
    got_code, got_msg, _ = _reject(check_place, "book", args)
    assert got_code == code and msg in got_msg, got_msg


@pytest.mark.parametrize(
    ("args", "code", "msg"),
    [
        ({**spread("buy", "40", "0.01"), "sprdId": ""}, "50014", "sprdId can not be empty"),
        ({**spread("buy", "40", "0.01"), "sprdId": "X"}, "51001", "Spread ID"),
        (spread("buy", "40", "0.01", ordType="fok"), "51000", "Parameter ordType error"),
        (spread("buy", "40.05", "0.01"), "51000", "Parameter px error"),
        (spread("buy", "x", "0.01"), "51000", "Parameter px error"),
        (spread("buy", "", "0.01"), "50014", "Parameter px can not be empty"),
        (spread("buy", "40", "0.00001"), "51121", "lot size"),
        # spreads check the size before the price
        (spread("buy", "x", "0.00001"), "51121", "lot size"),
        ({k: v for k, v in spread("buy", "1", "1").items() if k != "side"}, "50014", "side"),
    ],
)
def test_spread_place_rejections(args: dict[str, Any], code: str, msg: str) -> None:
    got_code, got_msg, _ = _reject(check_place, "spread", args)
    assert got_code == code and msg in got_msg, got_msg


def test_accepted_places_are_parsed() -> None:
    req = check_place("book", limit("sell", "94000.5", "0.010", clOrdId="a", reduceOnly="true"))
    assert (req.key, req.buy, req.ord_type, req.px_ticks) == (
        "BTC-USDT",
        False,
        OrdType.LIMIT,
        940005,
    )
    assert (req.sz, req.sz_lots, req.reduce_only, req.stp_mode) == (
        Decimal("0.010"),
        1_000_000,
        True,
        "cancel_maker",
    )
    market = {**limit("buy", "", "950"), "ordType": "market"}
    req = check_place("book", market)
    assert (req.px_ticks, req.tgt_ccy, req.sz_lots) == (None, "quote_ccy", 0)  # the book decides
    req = check_place("spread", spread("buy", "-2.5", "0.01"))
    assert (req.key, req.inst, req.px_ticks) == (SPRD, None, -25)


def test_resolve_instrument() -> None:
    assert resolve_instrument({"instIdCode": "100001"}, None).inst_id == "BTC-USDT"
    assert resolve_instrument({}, "BTC-USDT-SWAP").inst_id_code == SWAP  # REST: instId
    assert _reject(resolve_instrument, {}, "")[:2] == ("50014", "Parameter instId can not be empty")
    assert _reject(resolve_instrument, {}, "NOPE")[0] == "51001"


def test_amend_and_cancel_checks() -> None:
    assert check_cancel({"clOrdId": "c"}) == ("", "c")
    assert _reject(check_cancel, {})[0] == "51003"
    assert check_amend({"ordId": "1", "newSz": "2"}) == ("1", "", "2", "")
    assert _reject(check_amend, {"ordId": "1"})[:2] == (
        "51500",
        "You must enter a price, quantity, or TP/SL",
    )
    assert (
        _reject(check_amend, {"ordId": "1", "newSz": "1", "reqId": "a-b"})[1]
        == "Parameter reqId error"
    )
    e = Engine()
    book, sprd = e.book("BTC-USDT"), e.book(SPRD)
    assert amend_values(book, 10, 5, "", "94000.1") == (10, 940001)
    assert amend_values(book, 10, 5, "0.5", "") == (50_000_000, 5)
    assert _reject(amend_values, book, 10, 5, "0.000000001", "")[0] == "51121"
    assert _reject(amend_values, book, 10, 5, "", "-1")[1] == "Parameter newPx error"
    assert amend_values(sprd, 10, 5, "", "-1") == (10, -10)  # spread prices may be negative


def test_venue_rules_differ_only_where_okx_does() -> None:
    book, sprd = VENUES["book"], VENUES["spread"]
    assert book.placed_msg == "Order successfully placed." and sprd.placed_msg == ""
    assert book.cancel_on_fail and not sprd.cancel_on_fail
    assert not book.finds_finished and sprd.finds_finished
    assert (
        set(sprd.amend_finished)
        == set(sprd.cancel_finished)
        == {
            OrderState.CANCELED,
            OrderState.FILLED,
        }
    )


def test_mass_cancel_scope() -> None:
    e = Engine()
    in_scope = mass_cancel_scope("book", {"instType": "OPTION", "instFamily": "BTC-USD"})
    assert in_scope(e.book("BTC-USD-261225-100000-C")) and not in_scope(e.book("BTC-USDT-SWAP"))
    every_spread = mass_cancel_scope("spread", {})
    assert every_spread(e.book(SPRD))
    cases: list[tuple[OrderVenue, dict[str, str], str]] = [
        ("book", {"instFamily": "BTC-USD"}, "50014"),
        ("book", {"instType": "OPTION"}, "50014"),
        ("book", {"instType": "SPOT", "instFamily": "BTC-USD"}, "51000"),
        ("book", {"instType": "OPTION", "instFamily": "BTC-USD", "lockInterval": "10001"}, "51000"),
        ("spread", {"sprdId": "X"}, "51001"),
    ]
    for venue, args, code in cases:
        with pytest.raises(EngineArgError) as ei:
            mass_cancel_scope(venue, args)
        assert ei.value.code == code
