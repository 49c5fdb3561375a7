"""The order-book channels on the wire: subscribe rules, the pump's cadence, REST (raw frames)."""

from __future__ import annotations

import aiohttp

from okxws.simulator import Simulator

from .conftest import connect, private

ARG = {"channel": "books", "instId": "BTC-USDT"}
L2 = {"channel": "books-l2-tbt", "instId": "BTC-USDT"}


async def test_l2_tbt_needs_login_then_vip4(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "public")
    await c.send({"id": "1", "op": "subscribe", "args": [L2]})
    ack, err = await c.recv(), await c.recv()  # OKX acks first, then the id-less error
    assert ack == {"id": "1", "event": "subscribe", "arg": L2, "connId": ack["connId"]}
    assert (err["event"], err["code"], err["msg"]) == ("error", "60011", "Please log in")
    assert "id" not in err
    c = await private(http, sim, "public")
    await c.send({"op": "subscribe", "args": [L2]})
    assert (await c.recv())["event"] == "subscribe"
    err = await c.recv()
    assert err["code"] == "64003"
    assert err["msg"] == "Your trading fee tier doesn't meet the requirement to access this channel"
    sim.set_vip_tier(4)
    await c.send({"op": "subscribe", "args": [L2]})
    assert (await c.recv())["event"] == "subscribe"
    snap = await c.recv()
    assert snap["arg"] == L2 and snap["action"] == "snapshot" and snap["data"][0]["prevSeqId"] == -1
    # 64004: books beside books-l2-tbt for one instrument.
    await c.send({"op": "subscribe", "args": [ARG]})
    assert (await c.recv())["event"] == "subscribe"
    err = await c.recv()
    assert err["code"] == "64004" and err["msg"] == (
        "Subscribe to both books and books-l2-tbt for BTC-USDT is not allowed. "
        "Unsubscribe books-l2-tbt first."
    )


async def test_unknown_book_and_wrong_url(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "public")
    r = await c.request({"op": "subscribe", "args": [{"channel": "books", "instId": "NOPE"}]})
    assert r["code"] == "60018"
    r = await c.request({"op": "subscribe", "args": [{"channel": "sprd-books5", "sprdId": "X"}]})
    assert r["code"] == "64001"  # a business channel
    b = await connect(http, sim, "business")
    sprd = {"channel": "sprd-bbo-tbt", "sprdId": "BTC-USDT_BTC-USDT-SWAP"}
    assert (await b.request({"op": "subscribe", "args": [sprd]}))["event"] == "subscribe"
    snap = await b.recv()
    assert snap["arg"] == sprd and len(snap["data"][0]["bids"][0]) == 3


async def test_the_pump_sends_updates_a_resting_order_and_rest_agrees(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    c = await connect(http, sim, "public")
    await c.send({"op": "subscribe", "args": [ARG]})
    assert (await c.recv())["event"] == "subscribe"
    snap = (await c.recv())["data"][0]
    p = await private(http, sim)
    order = {"instIdCode": 100001, "tdMode": "cash", "side": "buy", "ordType": "limit",
             "px": "95000", "sz": "0.01"}  # fmt: skip
    r = await p.request({"id": "9", "op": "order", "args": [order]})
    assert r["code"] == "0"
    upd = await c.recv_until(lambda m: m.get("action") == "update")
    data = upd["data"][0]
    assert data["prevSeqId"] == snap["seqId"] and ["95000", "0.01", "0", "1"] in data["bids"]
    async with http.get(f"{sim.rest_base_url}/api/v5/market/books?instId=BTC-USDT&sz=3") as resp:
        rest = (await resp.json())["data"][0]
    assert rest["seqId"] == data["seqId"] and rest["bids"][0] == ["95000", "0.01", "0", "1"]
    assert len(rest["asks"]) == 3
    url = f"{sim.rest_base_url}/api/v5/market/books-full?instId=BTC-USDT&sz=5000"
    async with http.get(url) as resp:
        full = (await resp.json())["data"][0]
    assert full["bids"][0] == ["95000", "0.01", "1"]
    async with http.get(f"{sim.rest_base_url}/api/v5/market/books?instId=BTC-USDT&sz=401") as resp:
        assert (await resp.json())["code"] == "51000"
    async with http.get(f"{sim.rest_base_url}/api/v5/market/books?instId=NOPE") as resp:
        assert (await resp.json())["code"] == "51001"
