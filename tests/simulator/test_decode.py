"""Every kind of simulator reply decodes with okxws.protocol.codec.decode as the right kind."""

from __future__ import annotations

import time

import aiohttp

from okxws.protocol.codec import FrameKind, decode
from okxws.simulator import Simulator

from .conftest import Client, connect, order_args, private


async def _kinds(c: Client, n: int) -> list[FrameKind]:
    return [decode(await c.recv_text()).kind for _ in range(n)]


async def test_every_reply_kind_decodes(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "private")
    await c.send("ping")
    assert await _kinds(c, 1) == [FrameKind.PONG]
    await c.send({"id": "1", "op": "order", "args": [order_args()]})  # before login
    assert await _kinds(c, 1) == [FrameKind.ERROR]
    bad = c.login(sim.credentials, time.time() + 100)
    assert decode(orjson_text(await bad)).kind is FrameKind.LOGIN  # 60006 is a login failure
    await c.login(sim.credentials)
    await c.send({"id": "2", "op": "subscribe", "args": [{"channel": "orders", "instType": "ANY"}]})
    assert await _kinds(c, 2) == [FrameKind.SUBSCRIBE, FrameKind.CHANNEL_CONN_COUNT]
    await c.send({"id": "3", "op": "order", "args": [order_args()]})
    assert await _kinds(c, 2) == [FrameKind.OP_RESPONSE, FrameKind.PUSH]
    await c.send('{"id":"4","op":"order","args":[{}],"nope":1}')
    frame = decode(await c.recv_text())
    assert (frame.kind, frame.id) == (FrameKind.ERROR, "4")  # id recovered from msg
    await c.send({"op": "unsubscribe", "args": [{"channel": "orders", "instType": "ANY"}]})
    assert await _kinds(c, 1) == [FrameKind.UNSUBSCRIBE]
    await sim.broadcast_notice()
    assert await _kinds(c, 1) == [FrameKind.NOTICE]
    p = await private(http, sim)
    assert p is not None


def orjson_text(msg: dict[str, object]) -> str:
    import orjson

    return orjson.dumps(msg).decode()
