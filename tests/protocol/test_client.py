"""ClientProtocol: what each frame from the server means, without a loop or a socket."""

from __future__ import annotations

from concurrent.futures import Future, InvalidStateError
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxws.protocol.client import ClientProtocol
from okxws.protocol.exceptions import (
    OkxApiError,
    OkxConnectionLostError,
    OkxPartialBatchError,
    OkxRequestTimeoutError,
    OkxResponseShapeError,
)

from .recording import Owner

ORDER = [{"instIdCode": 1, "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "1"}]


def make(listeners: list[Any] | None = None) -> tuple[ClientProtocol, Owner]:
    owner = Owner()
    proto = ClientProtocol(
        "private[0]",
        "private",
        owner,
        response_listeners=listeners,
        invalid_state=InvalidStateError,
        clock=lambda: 100.0,
    )
    return proto, owner


def send(
    proto: ClientProtocol, rid: str, op: str = "order", *, timeout: float | None = None
) -> Future[Any]:
    fut: Future[Any] = Future()
    proto.track(rid, fut, op, ORDER, None, timeout, proto.clock())  # sent at 100.0
    return fut


def frame(**msg: Any) -> bytes:
    return orjson.dumps(msg)


def reply(rid: str, code: str = "0", data: Any = None, op: str = "order") -> bytes:
    items = [{"ordId": "9", "sCode": "0", "sMsg": ""}] if data is None else data
    return frame(id=rid, op=op, code=code, msg="", data=items)


def test_a_reply_resolves_its_request_and_tags_the_connection() -> None:
    proto, owner = make()
    fut = send(proto, "7")
    proto.receive(reply("7"))
    result = fut.result(0)
    assert result["data"][0]["ordId"] == "9" and result["connection"] == "private"
    assert proto.pending == {}
    assert owner.responses == []  # nobody listens: the owner is not called


def test_replies_match_by_id_in_any_order_and_unknown_ids_are_dropped() -> None:
    listeners: list[Any] = [object()]
    proto, owner = make(listeners)
    first, second = send(proto, "1"), send(proto, "2")
    proto.receive(reply("999"))
    proto.receive(reply("2"))
    proto.receive(reply("1"))
    assert first.done() and second.done()
    assert [r["id"] for r in owner.responses] == ["2", "1"]


def test_a_reply_to_a_cancelled_caller_still_reaches_the_response_event() -> None:
    proto, owner = make([object()])
    fut = send(proto, "3")
    fut.cancel()
    proto.receive(reply("3"))
    assert [r["id"] for r in owner.responses] == ["3"]
    assert proto.pending == {}


def test_rejections_and_partial_batches() -> None:
    proto, _ = make()
    rejected, partial = send(proto, "1"), send(proto, "2", "batch-orders")
    proto.receive(reply("1", "1", [{"sCode": "51008", "sMsg": "no money", "clOrdId": "a"}]))
    items = [{"sCode": "0", "clOrdId": "b"}, {"sCode": "51149", "clOrdId": "c"}]
    proto.receive(reply("2", "2", items, op="batch-orders"))
    error = rejected.exception(0)
    assert isinstance(error, OkxApiError) and not error.outcome_unknown
    assert error.request == {"id": "1", "op": "order", "args": ORDER}
    batch = partial.exception(0)
    assert isinstance(batch, OkxPartialBatchError) and batch.outcome_unknown
    assert [d["clOrdId"] for d in batch.unknown] == ["c"]


@pytest.mark.parametrize("data", [{"ordId": "1"}, "oops", None, 5])
def test_a_success_without_a_data_list_is_never_a_result(data: Any) -> None:
    proto, _ = make()
    fut = send(proto, "5")
    proto.receive(frame(id="5", op="order", code="0", msg="", data=data))
    error = fut.exception(0)
    assert isinstance(error, OkxResponseShapeError)
    assert error.outcome_unknown and "OUTCOME UNKNOWN" in str(error)
    # The real reply that follows is for a request that already ended: dropped.
    proto.receive(reply("5"))
    assert fut.exception(0) is error


def test_subscribe_waits_for_one_ack_per_channel() -> None:
    proto, _ = make()
    fut = send(proto, "s1", "subscribe")
    proto.acks_left["s1"] = 2
    ack = {"id": "s1", "event": "subscribe", "connId": "x"}
    proto.receive(frame(**ack, arg={"channel": "tickers", "instId": "A"}))
    assert not fut.done()
    proto.receive(frame(**ack, arg={"channel": "tickers", "instId": "B"}))
    assert fut.result(0)["arg"]["instId"] == "B"
    assert proto.pending == {} and proto.acks_left == {}


def test_error_events_fail_their_request_or_are_reported() -> None:
    proto, owner = make()
    sub = send(proto, "s2", "subscribe")
    proto.receive(frame(id="s2", event="error", code="60018", msg="no such channel"))
    error = sub.exception(0)
    assert isinstance(error, OkxApiError) and error.code == "60018"
    # An id-less "Illegal request": the id is recovered from the echoed request.
    order = send(proto, "42")
    proto.receive(frame(event="error", code="60012", msg='Illegal request: {"id":"42","op":"x"}'))
    illegal = order.exception(0)
    assert isinstance(illegal, OkxApiError) and illegal.code == "60012"
    # No request to fail: the owner hears of it.
    proto.receive(frame(event="error", code="60011", msg="Please log in"))
    assert [e.code for e in owner.errors if isinstance(e, OkxApiError)] == ["60011"]


def test_login_pushes_notices_and_malformed_frames() -> None:
    proto, owner = make()
    login: Future[Any] = Future()
    proto.login_waiter = login
    proto.receive(frame(event="login", code="0", msg="", connId="c"))
    assert login.result(0)["code"] == "0"
    proto.receive(frame(arg={"channel": "orders"}, data=[{"ordId": "1"}]))
    proto.receive(frame(event="notice", code="64008", msg="upgrade"))
    proto.receive(b"pong")
    for bad in (b"not json", b"[1]", b'{"event":"surprise"}', b'{"id":null,"op":"order"}'):
        proto.receive(bad)
    proto.receive(frame(event="channel-conn-count-error", channel="orders", connCount="30"))
    assert len(owner.pushes) == 1 and len(owner.notices) == 1 and len(owner.errors) == 1


def test_a_failed_login_answer_is_a_login_result() -> None:
    proto, owner = make()
    login: Future[Any] = Future()
    proto.login_waiter = login
    proto.receive(frame(event="error", code="60009", msg="Login failed."))
    assert login.result(0)["code"] == "60009"
    assert owner.errors == []


def test_deadlines_expire_in_send_order() -> None:
    proto, _ = make()
    early, late, forever = send(proto, "1", timeout=1.0), send(proto, "2", timeout=5.0), None
    forever = send(proto, "3")
    assert proto.expire_due(now=100.5) == 101.0
    assert proto.expire_due(now=102.0) == 105.0
    assert isinstance(early.exception(0), OkxRequestTimeoutError)
    assert early.exception(0).outcome_unknown  # type: ignore[union-attr]
    assert not late.done() and not forever.done()
    assert proto.expire_due(now=200.0) is None
    assert late.done() and not forever.done()


def test_losing_the_socket_fails_everything_in_flight() -> None:
    proto, _ = make()
    futs = [send(proto, str(i)) for i in range(3)]
    login: Future[Any] = Future()
    proto.login_waiter = login
    proto.fail_all("connection lost")
    for fut in futs:
        error = fut.exception(0)
        assert isinstance(error, OkxConnectionLostError) and error.outcome_unknown
        assert error.request is not None
    assert isinstance(login.exception(0), OkxConnectionLostError)
    assert proto.pending == {}


def test_a_retired_socket_reports_when_it_is_drained() -> None:
    proto, owner = make()
    send(proto, "1")
    send(proto, "2", timeout=1.0)
    proto.delivers_pushes = False
    proto.receive(frame(arg={"channel": "orders"}, data=[]))
    assert owner.pushes == []  # the replacement socket delivers pushes now
    proto.receive(reply("1"))
    assert owner.drained == 0
    proto.expire_due(now=1000.0)
    assert owner.drained == 1


@given(st.lists(st.sampled_from(["reply", "reject", "expire", "ack"]), max_size=30))
def test_every_request_ends_exactly_once(events: list[str]) -> None:
    proto, _ = make()
    futs: dict[str, Future[Any]] = {}
    for i, event in enumerate(events):
        rid = str(i)
        futs[rid] = send(proto, rid, timeout=1.0)
        if event == "reply":
            proto.receive(reply(rid))
        elif event == "reject":
            proto.receive(reply(rid, "1", [{"sCode": "51008"}]))
        elif event == "ack":  # an ack for an order id is not its answer
            proto.receive(frame(id=rid, event="subscribe", arg={"channel": "x"}))
    proto.expire_due(now=10_000.0)
    assert proto.pending == {}
    assert all(f.done() for f in futs.values())
