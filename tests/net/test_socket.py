"""WsSocket over an in-memory transport: deadlines, timers, draining, closing."""

from __future__ import annotations

import orjson
import pytest

from okxws import OkxConnectionLostError, OkxRequestTimeoutError, WebsocketClient

from .helpers import MemoryNetwork, event_waiter, resting_buy, wait


def reply(frame: bytes) -> bytes:
    rid = orjson.loads(frame)["id"]
    return orjson.dumps({"id": rid, "op": "order", "code": "0", "msg": "", "data": [{}]})


async def connected(network: MemoryNetwork) -> WebsocketClient:
    client = WebsocketClient(
        ws_base_url="ws://memory", transport=network, attach_event_listeners=False
    )
    await client.connection("public").wait_ready(1.0)
    return client


async def test_requests_over_the_transport_seam() -> None:
    network = MemoryNetwork()
    client = await connected(network)
    try:
        sock = client.connection("public").sock
        assert sock is not None
        fut = sock.request("1", "order", [resting_buy()], None, b'{"id":"1"}', 5.0, sock.clock())
        network.sockets[0].deliver(reply(b'{"id":"1"}'))
        assert (await fut)["code"] == "0"
        assert network.sockets[0].sent == [b'{"id":"1"}']
    finally:
        await client.close()


async def test_shorter_per_call_timeouts_have_their_own_timer_cancelled_on_close() -> None:
    network = MemoryNetwork()
    client = await connected(network)
    sock = client.connection("public").sock
    assert sock is not None
    long = sock.request("1", "order", [], None, b"1", 60.0, sock.clock())
    short = sock.request("2", "order", [], None, b"2", 0.05, sock.clock())
    assert set(sock.short_timers) == {"2"}
    with pytest.raises(OkxRequestTimeoutError):
        await short
    assert sock.short_timers == {} and not long.done()
    third = sock.request("3", "order", [], None, b"3", 30.0, sock.clock())
    assert set(sock.short_timers) == {"3"}
    handle = sock.short_timers["3"]
    await client.close()
    assert handle.cancelled() and sock.deadline_timer is None
    for fut in (long, third):
        with pytest.raises(OkxConnectionLostError):
            await fut


async def test_the_deadline_sweep_wakes_for_the_next_deadline() -> None:
    network = MemoryNetwork()
    client = await connected(network)
    try:
        sock = client.connection("public").sock
        assert sock is not None
        first = sock.request("1", "order", [], None, b"1", 0.05, sock.clock())
        second = sock.request("2", "order", [], None, b"2", 0.2, sock.clock())
        with pytest.raises(OkxRequestTimeoutError):
            await first
        assert not second.done() and sock.deadline_timer is not None
        with pytest.raises(OkxRequestTimeoutError):
            await second
        assert sock.pending == {} and sock.deadline_timer is None
    finally:
        await client.close()


async def test_a_retired_socket_closes_when_drained_or_at_its_timeout() -> None:
    network = MemoryNetwork()
    client = await connected(network)
    try:
        sock = client.connection("public").sock
        assert sock is not None
        fut = sock.request("1", "order", [], None, b"1", None, sock.clock())
        sock.retire(drain_timeout=30.0)
        assert not network.sockets[0].is_closed
        network.sockets[0].deliver(reply(b'{"id":"1"}'))
        await fut
        assert await sock.closed_reason == "closed by server (1000 closed by client)"
    finally:
        await client.close()


async def test_a_socket_lost_mid_request_fails_it_at_once() -> None:
    network = MemoryNetwork()
    client = await connected(network)
    try:
        conn = client.connection("public")
        reconnected = event_waiter(client, "reconnected")
        sock = conn.sock
        assert sock is not None
        fut = sock.request("1", "order", [resting_buy(clOrdId="x")], None, b"1", None, sock.clock())
        network.sockets[0].drop()
        with pytest.raises(OkxConnectionLostError) as info:
            await fut
        assert info.value.outcome_unknown
        assert info.value.request is not None
        assert info.value.request["args"][0]["clOrdId"] == "x"
        assert conn.sock is None
        await wait(reconnected)  # the supervisor opens the next socket by itself
        assert len(network.sockets) == 2 and conn.sock is not None
    finally:
        await client.close()
