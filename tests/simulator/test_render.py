"""All OKX JSON of the simulator, against the key order of the recorded OKX frames."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxws.protocol.ops import OPS
from okxws.simulator import render
from okxws.simulator.engine import Engine
from okxws.simulator.orders import ItemResult

from .conftest import OPT, SPRD, limit, order_pushes, spread

FRAMES = Path(__file__).resolve().parent.parent / "fixtures" / "okx-frames"


def recorded(name: str) -> dict[str, Any]:
    frame = json.loads((FRAMES / name).read_text())["frame"]
    assert isinstance(frame, dict)
    return frame


def recorded_item(name: str) -> list[str]:
    return list(recorded(name)["data"][0])


def in_recorded_order(ours: list[str], theirs: list[str]) -> bool:
    """Every recorded key is ours, and the ones we share come in the recorded order."""
    return set(theirs) <= set(ours) and [k for k in ours if k in theirs] == theirs


@pytest.mark.parametrize(
    ("value", "text"),
    [("0", "0"), ("0.000", "0"), ("1.50", "1.5"), ("1E+3", "1000"), ("-0.10", "-0.1"),
     ("0.00000001", "0.00000001"), ("95000.0", "95000")],
)  # fmt: skip
def test_fmt(value: str, text: str) -> None:
    assert render.fmt(Decimal(value)) == text


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_fmt_is_plain_notation_without_trailing_zeros(d: Decimal) -> None:
    plain = format(d, "f")
    expect = "0" if not d else (plain.rstrip("0").rstrip(".") if "." in plain else plain)
    assert render.fmt(d) == expect


def test_orders_push_and_sprd_orders_push(eng: Engine) -> None:
    eng.place("book", "u1", limit("buy", "94000", "0.01"), 1)
    (live,) = order_pushes(eng.drain_events())
    assert list(live) == recorded_item("push-orders-live.json")  # the 2026 shape, exactly
    for name in ("push-orders-canceled.json", "push-orders-partially-filled.json"):
        assert set(recorded_item(name)) <= set(live)
    eng.place("spread", "u1", spread("buy", "40", "0.01"), 2)
    (sp,) = order_pushes(eng.drain_events())
    assert list(sp)[:4] == ["sprdId", "ordId", "clOrdId", "tag"] and sp["pendingFillSz"] == "0.01"


def test_account_push_data(eng: Engine) -> None:
    data = eng.balance("u1")
    theirs = recorded("push-account.json")
    assert list(data) == list(theirs["data"][0])
    assert in_recorded_order(list(data["details"][0]), list(theirs["data"][0]["details"][0]))
    frame = orjson.loads(render.account_push("u1", data, "snapshot"))
    assert list(frame) == ["arg", "eventType", "curPage", "lastPage", "data"]
    assert frame["arg"] == {"channel": "account", "uid": "u1"}
    btc = next(d for d in data["details"] if d["ccy"] == "BTC")
    assert btc["coinUsdPrice"] == "95000" and btc["eqUsd"] == "950000"  # valued on BTC-USDT


def test_market_data(eng: Engine) -> None:
    assert list(eng.ticker("BTC-USDT", 1)) == recorded_item("push-tickers.json")
    assert list(eng.books5("BTC-USDT", 1)) == recorded_item("push-books5.json")
    assert eng.ticker(SPRD, 1)["instType"] == "SPREAD"
    frame = orjson.loads(render.market_push({"channel": "tickers", "instId": "X"}, {"a": "1"}))
    assert frame == {"arg": {"channel": "tickers", "instId": "X"}, "data": [{"a": "1"}]}


def test_result_items_in_recorded_key_order() -> None:
    r = ItemResult("1", "c", "t", "q", "0", "m", "")
    assert list(render.item_shape("place", "book")(r, "5")) == recorded_item(
        "op-order-ok-2026.json"
    )
    assert list(render.item_shape("cancel", "book")(r, "5")) == recorded_item(
        "op-cancel-fail-not-exist.json"
    )
    amend = list(render.item_shape("amend", "book")(r, "5"))
    assert amend == [*recorded_item("op-amend-ok-2024.json"), "subCode"]  # subCode since 2026-03
    for name in ("op-order-fail-account-mode.json", "op-order-fail-insufficient-balance.json"):
        assert in_recorded_order(
            list(render.item_shape("place", "book")(r, "5")), recorded_item(name)
        )
    assert list(render.item_shape("cancel", "spread")(r, "5")) == recorded_item(
        "op-cancel-ok-2021.json"
    )  # the recorded 2021 cancel has the shape spreads still use
    assert list(render.item_shape("place", "spread")(r, "5")) == [
        "clOrdId",
        "ordId",
        "tag",
        "sCode",
        "sMsg",
    ]
    assert list(render.item_shape("amend", "spread")(r, "5")) == [
        "clOrdId",
        "ordId",
        "reqId",
        "sCode",
        "sMsg",
    ]


def test_failed_items_echo_only_string_fields() -> None:
    item = {"clOrdId": "c1", "ordId": "9", "tag": 5, "reqId": "r"}
    for spec in OPS.values():
        if spec.action == "mass_cancel":
            continue
        got = render.failed_item(spec.action, spec.venue, item, "50011", "7")
        assert got["sCode"] == "50011" and got["sMsg"].startswith("Rate limit reached")
        assert got["clOrdId"] == "c1" and got.get("tag", "") == ""
        assert got["ordId"] == ("" if spec.action == "place" else "9")
        assert got.get("reqId", "r") == "r"


def ordered(raw: bytes) -> list[tuple[str, Any]]:
    """A frame's items in their wire order (dict equality ignores the order)."""
    out = orjson.loads(raw)
    assert isinstance(out, dict)
    return list(out.items())


def test_frames() -> None:
    login = recorded("login-ok-connid.json")
    assert ordered(render.event_frame("login", "", "0", login["connId"])) == list(login.items())
    assert list(orjson.loads(render.event_frame("error", "m", "1", "c", "r"))) == [
        "id",
        "event",
        "msg",
        "code",
        "connId",
    ]
    reply = orjson.loads(render.op_reply("r", "order", "0", "", [], 1, 2))
    assert list(reply) == list(recorded("op-order-ok-2026.json"))
    assert list(
        orjson.loads(render.conn_count_frame("channel-conn-count", "orders", 2, "c"))
    ) == list(recorded("channel-conn-count.json"))
    notice = recorded("notice-64008.json")
    assert ordered(render.notice_frame(notice["connId"])) == list(notice.items())
    ack = orjson.loads(render.ack_frame("subscribe", {"channel": "orders"}, "c", None))
    assert list(ack) == list(recorded("subscribe-ok-orders.json"))
    assert render.error_text("60032") == "API key doesn't exist"  # the recorded text wins


def test_reference_data() -> None:
    items = render.instruments_as_rest("SPOT")
    assert [i["instId"] for i in items] == ["BTC-USDT", "ETH-USDT"]
    for i in render.instruments_as_rest(None):
        assert isinstance(i["instIdCode"], int)
        assert all(isinstance(v, str) for k, v in i.items() if k != "instIdCode")
    swap = render.instruments_as_rest("SWAP")[0]
    assert (swap["ctVal"], swap["settleCcy"], swap["instFamily"]) == ("0.01", "USDT", "BTC-USDT")
    opt = render.instruments_as_rest("OPTION")[0]
    assert opt["instFamily"] == "BTC-USD" and opt["instIdCode"] == OPT
    (sp,) = render.spreads_as_rest()
    assert sp["sprdId"] == SPRD and [leg["instId"] for leg in sp["legs"]] == [
        "BTC-USDT",
        "BTC-USDT-SWAP",
    ]
    assert [c["ccy"] for c in render.currencies_as_rest()] == ["BTC", "ETH", "USDT"]
