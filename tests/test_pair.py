"""The client's protocol against the simulator's, in memory (tests/pair.py): what one side
sends, the other understands, with every outcome the caller can tell apart."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import orjson
import pytest

from okxws.protocol.exceptions import (
    OkxApiError,
    OkxConnectionLostError,
    OkxPartialBatchError,
)

from .pair import UID, Pair

BTC_USDT = 100001  # its instIdCode in the simulator


def order(**kw: Any) -> dict[str, Any]:
    """A resting limit buy on BTC-USDT, far below the market."""
    item = {"instIdCode": BTC_USDT, "tdMode": "cash", "side": "buy", "ordType": "limit",
            "px": "50000", "sz": "0.01"}  # fmt: skip
    return {**item, **kw}


@pytest.fixture
def pair() -> Pair:
    p = Pair()
    assert p.login()["code"] == "0"
    return p


def test_login_signed_by_the_client_is_accepted_and_a_bad_one_is_not() -> None:
    p = Pair()
    assert p.login() == {"event": "login", "code": "0", "msg": "", "connId": p.session.conn_id}
    late = Pair()
    late.now_us += 60_000_000  # the server's clock 60 s ahead of the signed timestamp
    waiter: Future[Any] = Future()
    late.client.login_waiter = waiter
    late.deliver(orjson.dumps({"op": "login", "args": [{"apiKey": "pair-key",
        "passphrase": "pair-pass", "timestamp": "1767225600", "sign": "bad"}]}))  # fmt: skip
    assert waiter.result(timeout=0)["code"] == "60006"  # outside the 30 s window


def test_an_order_before_login_is_refused_and_reported() -> None:
    p = Pair()
    fut = p.request("order", [order()])
    # OKX answers with a generic error event that names no request (okx-protocol.md 11a):
    # the client reports it, and the request stays pending until its deadline or the socket's
    # death, never resolved as a success.
    assert [getattr(e, "code", None) for e in p.owner.errors] == ["60011"]
    assert not fut.done() and len(p.client.pending) == 1


def test_place_amend_cancel_and_the_orders_channel(pair: Pair) -> None:
    sub = pair.request("subscribe", [{"channel": "orders", "instType": "ANY"}])
    assert sub.result(timeout=0)["event"] == "subscribe"
    placed = pair.request("order", [order(clOrdId="pair1")]).result(timeout=0)
    assert placed["code"] == "0" and placed["connection"] == "private"
    [item] = placed["data"]
    assert item["sCode"] == "0" and item["clOrdId"] == "pair1"
    amended = pair.request("amend-order", [{"instIdCode": BTC_USDT, "ordId": item["ordId"],
                                            "newPx": "50100"}]).result(timeout=0)  # fmt: skip
    assert amended["data"][0]["sCode"] == "0"
    cancelled = pair.request("cancel-order", [{"instIdCode": BTC_USDT, "ordId": item["ordId"]}])
    assert cancelled.result(timeout=0)["data"][0]["sCode"] == "0"
    states = [push["data"][0]["state"] for push in pair.owner.pushes
              if push["arg"]["channel"] == "orders"]  # fmt: skip
    assert states == ["live", "live", "canceled"]
    assert not pair.client.pending


def test_a_rejection_is_a_known_outcome(pair: Pair) -> None:
    fut = pair.request("order", [order(sz="1000000")])  # far more than the account holds
    error = fut.exception(timeout=0)
    assert isinstance(error, OkxApiError)
    assert error.code == "1" and error.data[0]["sCode"] == "51008"
    assert not error.outcome_unknown
    assert pair.client.stats_of("order").rejected == 1


def test_a_partial_batch_says_which_items_went_through(pair: Pair) -> None:
    fut = pair.request("batch-orders", [order(clOrdId="ok1"), order(sz="1000000")])
    error = fut.exception(timeout=0)
    assert isinstance(error, OkxPartialBatchError)
    assert [i["sCode"] for i in error.data] == ["0", "51008"]


def test_an_expired_exp_time_is_not_processed(pair: Pair) -> None:
    past = str(pair.now_us // 1000 - 1)
    error = pair.request("order", [order()], exp_time=past).exception(timeout=0)
    assert isinstance(error, OkxApiError) and not error.outcome_unknown
    assert pair.engine.pending_orders(UID) == []


@pytest.mark.parametrize("execute", [True, False])
def test_a_reply_lost_with_the_connection_is_outcome_unknown(pair: Pair, execute: bool) -> None:
    pair.faults.drop_on_op("order", execute=execute)
    fut = pair.request("order", [order(clOrdId="lost")])
    assert pair.last_reply is not None and pair.last_reply.drop is not None
    pair.client.fail_all("connection lost")
    error = fut.exception(timeout=0)
    assert isinstance(error, OkxConnectionLostError) and error.outcome_unknown
    # ... and only the exchange knows which: the order exists exactly when it was executed.
    open_ids = [o["clOrdId"] for o in pair.engine.pending_orders(UID)]
    assert open_ids == (["lost"] if execute else [])


def test_an_illegal_frame_is_answered_and_reported_without_harm(pair: Pair) -> None:
    pair.deliver(b'{"op": "order", "args": "not a list"}')
    assert [getattr(e, "code", None) for e in pair.owner.errors] == ["60012"]
    assert pair.request("order", [order()]).result(timeout=0)["code"] == "0"
