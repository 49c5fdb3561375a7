"""The simulator's rate limits without a socket: a fake clock, the pure session."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from okxws.protocol.ops import BATCH_ORDERS, CANCEL_ORDER, ORDER, RateLimit
from okxws.protocol.ratelimit import CONTROL_LIMIT
from okxws.simulator.limits import SimLimits

from .conftest import order_args
from .test_session import NOW_US, frames, login_msg, make

UID = "42"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limits(**kw: Any) -> tuple[SimLimits, Clock]:
    clock = Clock()
    return SimLimits(clock=clock, grace_s=0.0, **kw), clock


BTC_WS = {"instIdCode": 100001}
BTC_REST = {"instId": "BTC-USDT"}
ETH_WS = {"instIdCode": 100002}


def test_okx_numbers_come_from_the_ops_table() -> None:
    lim = SimLimits()
    assert lim.limit("place") == ORDER.rate_limit
    assert lim.limit("batch-place") == BATCH_ORDERS.rate_limit
    assert lim.limit("control") == CONTROL_LIMIT
    assert lim.effective("place").window_s == pytest.approx(ORDER.rate_limit.window_s - 0.1)


def test_one_budget_per_account_and_instrument_however_it_is_named() -> None:
    lim, clock = limits(limits={"place": RateLimit(bucket="place", limit=2)})
    assert lim.refuse_request(ORDER, [BTC_WS], UID, "ws") is None
    assert lim.refuse_request(ORDER, [BTC_REST], UID, "rest") is None  # REST shares it
    assert lim.refuse_request(ORDER, [BTC_WS], UID, "ws") == "50011"
    assert lim.refuse_request(ORDER, [ETH_WS], UID, "ws") is None  # another instrument
    assert lim.refuse_request(ORDER, [BTC_WS], "43", "ws") is None  # another account
    assert lim.refuse_request(CANCEL_ORDER, [BTC_WS], UID, "ws") is None  # another kind
    clock.now += ORDER.rate_limit.window_s
    assert lim.refuse_request(ORDER, [BTC_REST], UID, "rest") is None
    (refusal,) = lim.refusals
    assert (refusal.via, refusal.code, refusal.bucket, refusal.key) == (
        "ws",
        "50011",
        "place",
        "BTC-USDT",
    )


def test_options_share_their_family_budget() -> None:
    lim, _ = limits(limits={"place": RateLimit(bucket="place", limit=1)})
    assert lim.refuse_request(ORDER, [{"instIdCode": 300001}], UID, "ws") is None
    assert lim.refuse_request(ORDER, [{"instId": "BTC-USD-261225-90000-P"}], UID, "rest")


def test_a_batch_counts_its_items_and_a_one_item_batch_counts_as_single() -> None:
    lim, _ = limits(
        limits={
            "place": RateLimit(bucket="place", limit=1),
            "batch-place": RateLimit(bucket="batch-place", limit=3),
        }
    )
    assert lim.refuse_items(BATCH_ORDERS, [BTC_WS], UID, "ws") == {}  # draws from "place"
    assert lim.refuse_items(ORDER, [BTC_WS], UID, "ws") == {0: "50011"}
    # Items are admitted one by one: the 4th BTC item is over, the ETH one is not.
    batch = [BTC_WS, BTC_WS, ETH_WS, BTC_WS, BTC_WS, ETH_WS]
    assert lim.refuse_items(BATCH_ORDERS, batch, UID, "ws") == {4: "50011"}
    # All or nothing: nothing is charged when any item is over.
    assert lim.refuse_request(BATCH_ORDERS, [ETH_WS, BTC_WS], UID, "rest") == "50011"
    assert lim.refuse_items(BATCH_ORDERS, [ETH_WS, ETH_WS], UID, "ws") == {1: "50011"}


def test_the_sub_account_budget_spans_instruments_and_answers_50061() -> None:
    lim, _ = limits(limits={"sub-account": RateLimit(bucket="sub-account", limit=3)})
    assert lim.refuse_items(BATCH_ORDERS, [BTC_WS, ETH_WS], UID, "ws") == {}
    assert lim.refuse_request(CANCEL_ORDER, [BTC_WS], UID, "ws") is None  # not counted
    assert lim.refuse_request(ORDER, [{"instIdCode": 200001}], UID, "ws") is None
    assert lim.refuse_request(ORDER, [ETH_WS], UID, "ws") == "50061"
    assert lim.refused == {"50061": 1}


def test_the_control_budget_is_per_connection_and_ends_with_it() -> None:
    lim, clock = limits(limits={"control": RateLimit(bucket="control", limit=2, window_s=10)})
    assert not lim.refuse_control("c1", "login")
    assert not lim.refuse_control("c1", "subscribe")
    assert lim.refuse_control("c1", "subscribe")
    assert not lim.refuse_control("c2", "subscribe")
    lim.connection_closed("c1")
    assert not lim.refuse_control("c1", "subscribe")  # a new connection starts afresh
    clock.now += 10
    assert not lim.refuse_control("c2", "unsubscribe")
    assert lim.refused == {"60014": 1}


def test_scale_set_limit_grace_and_off() -> None:
    lim, clock = limits(scale=0.25)
    assert lim.effective("place").window_s == 0.5
    assert lim.effective("control").window_s == 900.0
    lim.set_limit("place", 1)
    assert lim.refuse_request(ORDER, [BTC_WS], UID, "ws") is None
    assert lim.refuse_request(ORDER, [BTC_WS], UID, "ws") == "50011"
    clock.now += 0.5
    assert lim.refuse_request(ORDER, [BTC_WS], UID, "ws") is None
    lim.enabled = False
    assert lim.refuse_request(ORDER, [BTC_WS], UID, "ws") is None
    assert not lim.refuse_control("c", "login")
    assert lim.refused_count == 1
    graced = SimLimits(grace_s=0.1, limits={"place": RateLimit(bucket="place", limit=1)})
    assert graced.effective("place").window_s == pytest.approx(1.9)
    assert SimLimits(grace_s=5.0).effective("place").window_s == 1.0  # never below half
    with pytest.raises(ValueError, match="no budget 'plac'"):
        lim.set_limit("plac", 1)
    with pytest.raises(ValueError, match="no budget"):
        SimLimits(limits={"nope": RateLimit(bucket="nope", limit=1)})
    with pytest.raises(ValueError, match="ws_reply"):
        SimLimits(ws_reply="both")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the session's answers


def op(op_name: str, *args: dict[str, Any], rid: str = "r1") -> bytes:
    return orjson.dumps({"id": rid, "op": op_name, "args": list(args)})


def test_ws_over_the_limit_per_item_by_default_never_executed() -> None:
    ctx, s = make()
    ctx.limits.set_limit("place", 1)
    frames(s, login_msg())
    assert frames(s, op("order", order_args()))[0]["code"] == "0"
    (f,) = frames(s, op("order", order_args(clOrdId="over")))
    assert (f["code"], f["msg"]) == ("1", "")
    (item,) = f["data"]
    assert (item["sCode"], item["clOrdId"], item["ordId"]) == ("50011", "over", "")
    assert item["sMsg"].startswith("Rate limit reached.")
    assert len(ctx.engine.pending_orders("42", None, None)) == 1


def test_ws_batch_items_over_the_limit_fail_alone() -> None:
    ctx, s = make()
    ctx.limits.set_limit("batch-place", 2)
    frames(s, login_msg())
    batch = [order_args(clOrdId=f"b{i}") for i in range(3)]
    (f,) = frames(s, op("batch-orders", *batch))
    assert f["code"] == "2"
    assert [d["sCode"] for d in f["data"]] == ["0", "0", "50011"]
    assert len(ctx.engine.pending_orders("42", None, None)) == 2


def test_ws_top_level_answers_and_mass_cancel() -> None:
    ctx, s = make()
    ctx.limits.ws_reply = "top"
    ctx.limits.set_limit("place", 1)
    ctx.limits.set_limit("mass-cancel", 1)
    frames(s, login_msg())
    frames(s, op("order", order_args()))
    (f,) = frames(s, op("order", order_args()))
    assert (f["code"], f["data"], f["id"]) == ("50011", [], "r1")
    assert f["msg"].startswith("Rate limit reached.")
    ctx.limits.ws_reply = "item"
    mass = {"instType": "OPTION", "instFamily": "BTC-USD"}
    assert frames(s, op("mass-cancel", mass))[0]["code"] == "0"
    assert frames(s, op("mass-cancel", mass))[0]["code"] == "50011"  # no items: top level


def test_login_counts_towards_the_connection_budget() -> None:
    ctx, s = make()
    ctx.limits.set_limit("control", 1)
    assert frames(s, login_msg())[0]["code"] == "0"
    f = frames(s, '{"op":"subscribe","args":[{"channel":"account"}]}')[0]
    assert (f["event"], f["code"], f["connId"]) == ("error", "60014", s.conn_id)
    assert s.handle(b"ping", NOW_US).frames == (b"pong",)  # the socket stays usable
