"""Order books kept in sequence by the client: frame rules over an in-memory OKX."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from okxws import ApiCredentials, OkxApiError, OkxValidationError, WebsocketClient
from okxws.net.books import DEEP_BOOKS_PER_CONNECTION
from okxws.net.http import HttpReply
from okxws.protocol.books import BookState

from .helpers import FakeOkx, MemoryTransport

ARG = {"channel": "books", "instId": "BTC-USDT"}


def snapshot(seq: int, bids: list[list[str]], asks: list[list[str]]) -> dict[str, Any]:
    return {"asks": asks, "bids": bids, "ts": "1700000000000", "checksum": 0,
            "prevSeqId": -1, "seqId": seq}  # fmt: skip


def update(
    prev: int, seq: int, bids: list[list[str]] | None = None, asks: list[list[str]] | None = None
) -> dict[str, Any]:
    return {"asks": asks or [], "bids": bids or [], "ts": "1700000000100", "checksum": 0,
            "prevSeqId": prev, "seqId": seq}  # fmt: skip


BOOK = snapshot(10, [["100", "1", "0", "1"], ["99", "2", "0", "1"]], [["101", "3", "0", "2"]])


@pytest.fixture
def okx() -> FakeOkx:
    fake = FakeOkx()

    def snapshot_after_ack(transport: MemoryTransport, arg: dict[str, Any]) -> None:
        fake.push(arg, BOOK, "snapshot")

    fake.on_subscribe = snapshot_after_ack
    return fake


@pytest.fixture
async def ws(okx: FakeOkx) -> AsyncIterator[WebsocketClient]:
    client = WebsocketClient(
        [ApiCredentials("k", "s", "p")],
        ws_base_url="ws://memory",
        transport=okx,
        attach_event_listeners=False,
        reconnect_timeout=0.01,
        request_timeout=2.0,
    )
    yield client
    await client.close()


async def test_snapshot_then_updates_best_first(okx: FakeOkx, ws: WebsocketClient) -> None:
    async with ws.order_book("BTC-USDT", channel="books") as book:
        await book.synced()
        assert book.bids() == [("100", "1"), ("99", "2")] and book.asks(1) == [("101", "3")]
        changes = book.changes()
        okx.push(
            ARG, update(10, 15, bids=[["100.5", "4", "0", "1"], ["99", "0", "0", "0"]]), "update"
        )
        okx.push(ARG, update(15, 15), "update")  # OKX's heartbeat: nothing changes
        okx.push(
            ARG, update(15, 3, asks=[["101", "0", "0", "0"], ["102", "1", "0", "1"]]), "update"
        )  # a reset
        seen = [(await anext(changes))["data"][0]["seqId"] for _ in range(3)]
        assert seen == [15, 15, 3]
        assert book.bids() == [("100.5", "4"), ("100", "1")]
        assert book.best_ask() == ("102", "1")
        assert (book.seq_id, book.resyncs, book.is_synced) == (3, 0, True)
    assert okx.ops("unsubscribe")[-1]["args"] == [ARG]  # closing unsubscribes


async def test_a_gap_resubscribes_that_one_book_and_serves_nothing_meanwhile(
    okx: FakeOkx, ws: WebsocketClient
) -> None:
    async with ws.order_book("BTC-USDT") as book:
        other = await ws.order_books(["ETH-USDT"])
        subscribes = len(okx.ops("subscribe"))
        okx.push(ARG, update(11, 12), "update")  # prevSeqId 11 != 10: a gap
        assert not book.is_synced and book.state is BookState.OUT_OF_SYNC
        okx.push(ARG, update(12, 13), "update")  # dropped: no second resubscription
        await book.synced()  # the fresh snapshot after unsubscribe + subscribe
        assert book.bids(1) == [("100", "1")] and book.resyncs == 1
        assert [r["args"] for r in okx.ops("unsubscribe")] == [[ARG]]
        assert len(okx.ops("subscribe")) == subscribes + 1
        assert other[0].is_synced and other[0].resyncs == 0
        await other[0].aclose()


async def test_gaps_at_once_on_one_connection_resubscribe_in_one_request(
    okx: FakeOkx, ws: WebsocketClient
) -> None:
    books = await ws.order_books(["BTC-USDT", "ETH-USDT", "BTC-USDT-SWAP"])
    assert len(okx.ops("subscribe")) == 1  # opened with one request
    for book in books:
        okx.push(dict(book.arg), update(3, 4), "update")
    await asyncio.gather(*(b.synced() for b in books))
    assert [len(r["args"]) for r in okx.ops("unsubscribe")] == [3]
    assert len(okx.ops("subscribe")) == 2
    for book in books:
        await book.aclose()


async def test_a_lost_connection_drops_the_book_until_the_resubscription(
    okx: FakeOkx, ws: WebsocketClient
) -> None:
    async with ws.order_book("BTC-USDT") as book:
        okx.sockets[-1].drop()
        assert not book.is_synced and book.resyncs == 1
        await book.synced()  # the connection resubscribed by itself; the snapshot followed
        assert len(okx.sockets) == 2 and book.seq_id == 10


async def test_no_initial_snapshot_is_spliced_onto_the_rest_snapshot(
    okx: FakeOkx, ws: WebsocketClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    okx.on_subscribe = lambda transport, arg: okx.push(
        arg, update(20, 21, bids=[["98", "1", "0", "1"]]), "update"
    )
    rest_snapshot = {"asks": [["101", "1", "0", "1"]], "bids": [["99", "1", "0", "1"]],
                     "ts": "1700000000000", "seqId": 20}  # fmt: skip

    reply = HttpReply(200, {"code": "0", "msg": "", "data": [rest_snapshot]})

    requested: list[dict[str, Any]] = []

    async def fake_get(method: str, path: str, **kw: Any) -> HttpReply:
        requested.append({"path": path, **kw["params"]})
        return reply

    monkeypatch.setattr(ws.http, "request", fake_get)
    async with ws.order_book("BTC-USDT") as book:
        assert book.bids() == [("99", "1"), ("98", "1")]
        assert requested == [{"path": "/api/v5/market/books", "instId": "BTC-USDT", "sz": 400}]


async def test_entitlement_errors_raise_from_order_book(okx: FakeOkx, ws: WebsocketClient) -> None:
    def not_entitled(transport: MemoryTransport, arg: dict[str, Any]) -> None:
        error = {"event": "error", "msg": "Your trading fee tier doesn't meet the requirement",
                 "code": "64003"}  # fmt: skip
        transport.deliver(orjson.dumps(error))

    okx.on_subscribe = not_entitled
    with pytest.raises(OkxApiError) as info:
        async with ws.order_book("BTC-USDT", channel="books-l2-tbt"):
            pass
    assert info.value.code == "64003" and not info.value.outcome_unknown
    # The l2-tbt channels log the public connection in first.
    assert okx.requests[0]["op"] == "login"


async def test_deep_books_are_spread_over_public_connections(
    okx: FakeOkx, ws: WebsocketClient
) -> None:
    inst_ids = [f"X{i}-USDT" for i in range(DEEP_BOOKS_PER_CONNECTION + 5)]
    books = await ws.order_books(inst_ids, channel="books")
    shards = {b.connection.shard for b in books}
    assert shards == {0, 1} and len(okx.ops("subscribe")) == 2
    assert sum(1 for b in books if b.connection.shard == 0) == DEEP_BOOKS_PER_CONNECTION
    five = await ws.order_books(inst_ids[:3], channel="books5")  # shallow: one connection
    assert {b.connection.shard for b in five} == {0}
    for book in [*books, *five]:
        await book.aclose()


async def test_a_stalled_book_is_resubscribed_and_reported(
    okx: FakeOkx, ws: WebsocketClient
) -> None:
    errors: list[BaseException] = []
    ws.on("exception", lambda p: errors.append(p["error"]))
    # 0.2 s: a stall that OKX's ~60 s heartbeat would never allow.
    async with ws.order_book("BTC-USDT", stale_after=0.2) as book:
        await okx.wait_for(lambda: len(okx.ops("unsubscribe")) == 1)
        await book.synced()
        assert book.resyncs >= 1
        assert any("nothing received" in str(e) for e in errors)


async def test_bad_book_requests(ws: WebsocketClient) -> None:
    with pytest.raises(OkxValidationError):
        async with ws.order_book("BTC-USDT", channel="tickers"):
            pass
    with pytest.raises(OkxValidationError):
        await ws.order_books([])
