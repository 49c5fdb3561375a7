"""Order books kept by the real client from the real simulator, over real sockets: every rule
of okx-streams-rest.md section 1 (snapshot, update, delete, heartbeat, reset, gap, duplicate,
reconnect, stall, no-snapshot splice, entitlement, many books, closing)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from okxws import OkxApiError, WebsocketClient
from okxws.net.books import OrderBook
from okxws.protocol.channels import CHANNELS
from okxws.protocol.messages import PlaceOrderRequest
from okxws.simulator import Simulator
from okxws.simulator.market_books import rest_books

from ..conftest import ApiClientFactory, ClientFactory, op_count

INST = "BTC-USDT"
DEADLINE = 10.0


def buy(px: str, sz: str = "0.01") -> PlaceOrderRequest:
    return {"instId": INST, "tdMode": "cash", "side": "buy", "ordType": "limit", "px": px, "sz": sz}


async def until(book: OrderBook, predicate: Callable[[], bool]) -> None:
    """Wait (on the book's pushes, with a deadline) until ``predicate()`` holds."""
    stream = book.changes()
    try:
        async with asyncio.timeout(DEADLINE):
            while not (book.is_synced and predicate()):
                await anext(stream)
    finally:
        stream.close()


def same_as_sim(sim: Simulator, book: OrderBook, depth: int = 400) -> bool:
    item = rest_books(sim.engine.book(book.inst_id), depth, 0)
    return book.is_synced and (book.bids(depth), book.asks(depth)) == (
        [(r[0], r[1]) for r in item["bids"]],
        [(r[0], r[1]) for r in item["asks"]],
    )


@pytest.fixture
def ws(make_client: ClientFactory) -> WebsocketClient:
    return make_client()


async def test_snapshot_update_delete_and_close(
    sim: Simulator, ws: WebsocketClient, make_api_client: ApiClientFactory
) -> None:
    api = make_api_client()
    async with ws.order_book(INST) as book:
        assert same_as_sim(sim, book) and book.seq_id == sim.engine.book(INST).seq_id
        res = await api.submit_new_order(buy("95000"))  # our own resting order shows
        ord_id = res["data"][0]["ordId"]
        await until(book, lambda: book.best_bid() == ("95000", "0.01"))
        await api.cancel_order({"instId": INST, "ordId": ord_id})
        await until(book, lambda: book.best_bid() == ("94999.9", "0.5"))  # the level is deleted
        assert same_as_sim(sim, book) and book.resyncs == 0
    # Closing the book unsubscribes: the simulator serves nobody any more.
    await sim.wait_for(lambda: op_count(sim, "unsubscribe") == 1)
    assert all(not s.subs.get("books") for s in sim.connections())
    await ws.close()
    await sim.wait_for(lambda: sim.connection_count("public") == 0)


async def test_heartbeat_and_sequence_reset_keep_the_book(
    sim: Simulator, ws: WebsocketClient, make_api_client: ApiClientFactory
) -> None:
    async with ws.order_book(INST) as book:
        stream = book.changes()
        seq = book.seq_id
        sim.book_faults.heartbeat()
        async with asyncio.timeout(DEADLINE):
            beat = (await anext(stream))["data"][0]
        assert beat["prevSeqId"] == beat["seqId"] == seq and beat["bids"] == beat["asks"] == []
        sim.book_faults.reset_sequence(INST)
        await make_api_client().submit_new_order(buy("95000"))
        async with asyncio.timeout(DEADLINE):
            reset = (await anext(stream))["data"][0]
        assert reset["prevSeqId"] == seq and reset["seqId"] < seq
        await until(book, lambda: book.best_bid() == ("95000", "0.01"))
        assert book.resyncs == 0 and same_as_sim(sim, book)
        stream.close()


@pytest.mark.parametrize("fault", ["gap", "duplicate"])
async def test_gap_or_duplicate_resubscribes(
    sim: Simulator, ws: WebsocketClient, make_api_client: ApiClientFactory, fault: str
) -> None:
    api = make_api_client()
    sim.book_settings.cadence = False  # one update per order, not one per 100 ms
    async with ws.order_book(INST) as book:
        getattr(sim.book_faults, fault)("books", INST)
        await api.submit_new_order(buy("95000"))
        await api.submit_new_order(buy("94999.9"))
        await sim.wait_for(lambda: op_count(sim, "unsubscribe") == 1)
        await until(book, lambda: book.resyncs == 1 and same_as_sim(sim, book))
        assert book.best_bid() == ("95000", "0.01")


async def test_reconnect_resubscribes_and_resyncs(
    sim: Simulator, ws: WebsocketClient, make_api_client: ApiClientFactory
) -> None:
    async with ws.order_book(INST) as book:
        assert await sim.drop_connections("public") == 1
        await make_api_client().submit_new_order(buy("95000"))
        await until(book, lambda: book.best_bid() == ("95000", "0.01"))
        assert same_as_sim(sim, book) and op_count(sim, "subscribe") == 2


async def test_stall_is_caught_by_the_watchdog(sim: Simulator, ws: WebsocketClient) -> None:
    sim.book_settings.heartbeat_s = 0.2  # heartbeats would otherwise keep a quiet book alive
    async with ws.order_book(INST, stale_after=0.5) as book:
        sim.book_faults.stall(30.0)
        await sim.wait_for(lambda: op_count(sim, "unsubscribe") == 1, timeout=DEADLINE)
        await book.synced(DEADLINE)  # the resubscription's snapshot comes despite the stall
        assert book.resyncs == 1 and same_as_sim(sim, book)
        sim.book_faults.clear()


async def test_no_initial_snapshot_splices_the_rest_snapshot(
    sim: Simulator, ws: WebsocketClient
) -> None:
    sim.book_faults.no_snapshot()
    sim.start_market(0.02)  # updates to splice with
    async with ws.order_book(INST) as book:
        assert sim.rest_count("/api/v5/market/books") >= 1
        await sim.stop_market()
        await until(book, lambda: same_as_sim(sim, book))


async def test_entitlement_errors(sim: Simulator, ws: WebsocketClient) -> None:
    with pytest.raises(OkxApiError) as info:
        async with ws.order_book(INST, channel="books-l2-tbt"):
            pass
    assert info.value.code == "64003"
    sim.set_vip_tier(4)
    async with ws.order_book(INST, channel="books50-l2-tbt") as book:
        assert same_as_sim(sim, book, 50)


async def test_many_books_and_a_burst(sim: Simulator, ws: WebsocketClient) -> None:
    sim.set_vip_tier(5)
    specs = [
        (i, ch)
        for i in ("BTC-USDT", "ETH-USDT", "BTC-USDT-SWAP", "BTC-USD-261225-100000-C")
        for ch in ("books", "books5", "bbo-tbt", "books50-l2-tbt")
    ]
    books = []
    for ch in ("books", "books5", "bbo-tbt", "books50-l2-tbt"):
        books += await ws.order_books([i for i, c in specs if c == ch], ch)
    books += await ws.order_books(["BTC-USDT_BTC-USDT-SWAP"], "sprd-books-l2-tbt")
    assert all(b.is_synced for b in books)
    await sim.burst_book_updates(50)
    for b in books:  # the last updates may wait for their channel's interval: the pump sends them
        spec = CHANNELS[b.channel].book
        assert spec is not None
        depth = spec.depth
        await until(b, lambda b=b, depth=depth: same_as_sim(sim, b, depth))  # type: ignore[misc]
    assert sum(b.resyncs for b in books) == 0
    assert books[0].updates > 10
    for b in books:
        await b.aclose()
