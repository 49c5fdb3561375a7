"""The feed channels over real sockets: public trades, trades-all, candles, mark price,
funding, instruments; private fills (VIP4), positions, balance_and_position in OKX's push order;
the REST market endpoints agree with what was streamed."""

from __future__ import annotations

from typing import Any

import aiohttp

from okxws.protocol.auth import ApiCredentials
from okxws.protocol.errors import ERROR_CODES
from okxws.simulator import Simulator
from okxws.simulator.router import REGULAR_PUSH_MS, Router

from .conftest import Client, connect, private

_BUY_SWAP = {"instIdCode": 200001, "tdMode": "cross", "side": "buy", "ordType": "market",
             "sz": "3"}  # fmt: skip
_TAKE_BTC = {"instIdCode": 100001, "tdMode": "cash", "side": "buy", "ordType": "limit",
             "px": "95000.2", "sz": "0.7"}  # fmt: skip


async def _sub(c: Client, *args: dict[str, Any]) -> None:
    await c.send({"op": "subscribe", "args": list(args)})


async def _order(c: Client, item: dict[str, Any]) -> dict[str, Any]:
    reply = await c.request({"id": "o1", "op": "order", "args": [item]})
    assert reply["code"] == "0", reply
    return reply


async def _rest(http: aiohttp.ClientSession, sim: Simulator, path: str) -> list[Any]:
    async with http.get(sim.rest_base_url + path) as r:
        body = await r.json()
    assert body["code"] == "0", body
    data: list[Any] = body["data"]
    return data


async def test_public_feeds_snapshot_push_and_rest(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    pub = await connect(http, sim, "public")
    await _sub(
        pub,
        {"channel": "trades", "instId": "BTC-USDT"},
        {"channel": "mark-price", "instId": "BTC-USDT-SWAP"},
        {"channel": "funding-rate", "instId": "BTC-USDT-SWAP"},
        {"channel": "instruments", "instType": "SPOT"},
    )
    frames = [await pub.recv() for _ in range(7)]  # 4 acks, 3 snapshots (trades has none)
    assert [f.get("event") for f in frames].count("subscribe") == 4
    snaps = {f["arg"]["channel"]: f["data"] for f in frames if "data" in f}
    assert snaps["mark-price"][0]["markPx"] == "95050"
    assert snaps["funding-rate"][0]["instId"] == "BTC-USDT-SWAP"
    assert {i["instId"] for i in snaps["instruments"]} == {"BTC-USDT", "ETH-USDT"}
    assert snaps["instruments"] == await _rest(
        http, sim, "/api/v5/public/instruments?instType=SPOT"
    )

    biz = await connect(http, sim, "business")
    await _sub(biz, {"channel": "trades-all", "instId": "BTC-USDT"},
               {"channel": "candle1m", "instId": "BTC-USDT"})  # fmt: skip
    assert [(await biz.recv())["event"] for _ in range(2)] == ["subscribe", "subscribe"]

    trader = await private(http, sim)
    await _order(trader, _TAKE_BTC)  # takes the first two ask levels (0.5 + 0.2 BTC)
    pushes = [await pub.recv() for _ in range(2)]
    assert all(p["arg"] == {"channel": "trades", "instId": "BTC-USDT"} for p in pushes)
    trades = [p["data"][0] for p in pushes]
    assert [(t["px"], t["sz"], t["count"]) for t in trades] == [
        ("95000.1", "0.5", "1"),
        ("95000.2", "0.2", "1"),
    ]
    assert all(isinstance(t["seqId"], int) for t in trades)
    alls = [(await biz.recv()) for _ in range(3)]
    assert [a["arg"]["channel"] for a in alls] == ["trades-all", "trades-all", "candle1m"]
    matches = [a["data"][0] for a in alls[:2]]
    assert [m["tradeId"] for m in matches] == [t["tradeId"] for t in trades]
    candle = alls[2]["data"][0]
    assert candle[1:5] == ["95000.1", "95000.2", "95000.1", "95000.2"] and candle[-1] == "0"

    # REST agrees with the streams (but for ``confirm``: the minute may have ended since).
    assert await _rest(http, sim, "/api/v5/market/trades?instId=BTC-USDT") == matches[::-1]
    [rest_candle] = await _rest(http, sim, "/api/v5/market/candles?instId=BTC-USDT&bar=1m")
    assert rest_candle[:-1] == candle[:-1]
    hist = await _rest(http, sim, "/api/v5/market/history-candles?instId=BTC-USDT&bar=1m")
    assert [h[:-1] for h in hist] == [candle[:-1]]
    tickers = await _rest(http, sim, "/api/v5/market/tickers?instType=SPOT")
    btc = next(t for t in tickers if t["instId"] == "BTC-USDT")
    assert btc["last"] == "95000.2" and btc["lastSz"] == "0.2"


async def test_feed_subscription_errors(sim: Simulator, http: aiohttp.ClientSession) -> None:
    pub = await connect(http, sim, "public")
    for arg, code in (
        ({"channel": "trades-all", "instId": "BTC-USDT"}, "64001"),
        ({"channel": "candle1m", "instId": "BTC-USDT"}, "64001"),
        ({"channel": "funding-rate", "instId": "BTC-USDT"}, "60018"),  # SWAP only
        ({"channel": "instruments", "instType": "NOPE"}, "60018"),
        ({"channel": "trades", "instId": "NOPE-USDT"}, "60018"),
        ({"channel": "fills"}, "60018"),  # private
    ):
        r = await pub.request({"op": "subscribe", "args": [arg]})
        assert (r["event"], r["code"]) == ("error", code), (arg, r)
    biz = await connect(http, sim, "business")
    r = await biz.request(
        {"op": "subscribe", "args": [{"channel": "trades", "instId": "BTC-USDT"}]}
    )
    assert r["code"] == "64002"
    r = await biz.request(
        {"op": "subscribe", "args": [{"channel": "candle7m", "instId": "BTC-USDT"}]}
    )
    assert r["code"] == "60018"
    async with http.get(sim.rest_base_url + "/api/v5/market/candles?instId=BTC-USDT&bar=7m") as x:
        assert (await x.json())["code"] == "51000"
    async with http.get(sim.rest_base_url + "/api/v5/market/trades?instId=NOPE") as x:
        assert (await x.json())["code"] == "51001"
    async with http.get(sim.rest_base_url + "/api/v5/market/tickers") as x:
        assert (await x.json())["code"] == "50014"


async def test_fills_needs_vip4(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    r = await c.request({"op": "subscribe", "args": [{"channel": "fills"}]})
    assert (r["event"], r["code"], r["msg"]) == ("error", "64003", ERROR_CODES["64003"].msg)


async def test_a_fill_pushes_in_okx_order(sim: Simulator, http: aiohttp.ClientSession) -> None:
    creds = ApiCredentials("vip-key", "vip-secret", "vip-Passphrase1")
    uid = sim.add_account(creds.api_key, creds.api_secret, creds.api_pass, vip_tier=4)
    c = await connect(http, sim, "private")
    assert (await c.login(creds))["code"] == "0"
    await _sub(
        c,
        {"channel": "fills"},
        {"channel": "orders", "instType": "ANY"},
        {"channel": "balance_and_position"},
        {"channel": "account"},
        {"channel": "positions", "instType": "SWAP"},
    )
    first = [await c.recv() for _ in range(12)]  # 5 acks, 4 conn counts, 3 snapshots
    snaps = {f["arg"]["channel"]: f for f in first if "data" in f}
    assert set(snaps) == {"balance_and_position", "account", "positions"}
    assert snaps["positions"]["eventType"] == "snapshot" and snaps["positions"]["data"] == []
    assert snaps["positions"]["arg"] == {"channel": "positions", "instType": "SWAP", "uid": uid}
    bp = snaps["balance_and_position"]["data"][0]
    assert bp["eventType"] == "snapshot" and {b["ccy"] for b in bp["balData"]} == {
        "USDT", "BTC", "ETH"}  # fmt: skip

    reply = await _order(c, _BUY_SWAP)
    ord_id = reply["data"][0]["ordId"]
    got = [await c.recv() for _ in range(7)]
    assert [g["arg"]["channel"] for g in got] == [
        "fills", "orders", "orders", "orders", "balance_and_position", "account", "positions",
    ]  # fmt: skip
    fill = got[0]["data"][0]
    assert fill["ordId"] == ord_id and fill["fillSz"] == "3" and fill["execType"] == "T"
    assert got[0]["arg"] == {"channel": "fills", "uid": uid}
    assert [g["data"][0]["state"] for g in got[1:4]] == ["live", "partially_filled", "filled"]
    assert got[2]["data"][0]["tradeId"] == fill["tradeId"]
    bp_push = got[4]["data"][0]
    assert bp_push["eventType"] == "filled" and bp_push["posData"][0]["pos"] == "3"
    assert bp_push["trades"] == [{"instId": "BTC-USDT-SWAP", "tradeId": fill["tradeId"]}]
    pos = got[6]
    assert pos["eventType"] == "event_update" and pos["data"][0]["pos"] == "3"

    # A new subscriber's snapshot now holds the position.
    c2 = await connect(http, sim, "private")
    assert (await c2.login(creds))["code"] == "0"
    await _sub(c2, {"channel": "positions", "instType": "ANY"})
    snap = await c2.recv_until(lambda m: "data" in m)
    assert [p["instId"] for p in snap["data"]] == ["BTC-USDT-SWAP"]


class _Sub:
    def __init__(self, subs: dict[str, list[dict[str, Any]]]) -> None:
        self.conn_id = "c1"
        self.account = None
        self.subs = subs


def test_regular_pushes_of_mark_price_and_funding() -> None:
    sim = Simulator()  # not started: only its engine
    router = Router(sim.engine)
    arg = {"channel": "mark-price", "instId": "BTC-USDT-SWAP"}
    fr = {"channel": "funding-rate", "instId": "BTC-USDT-SWAP"}
    s = _Sub({"mark-price": [arg], "funding-rate": [fr]})
    router.add_market_sub(s, arg)
    router.add_market_sub(s, fr)
    assert router.regular(0) == []  # the first call only starts the clocks
    assert router.regular(REGULAR_PUSH_MS["mark-price"] - 1) == []
    due = router.regular(REGULAR_PUSH_MS["mark-price"])
    assert len(due) == 1 and b'"markPx":"95050"' in due[0][1]
    due = router.regular(REGULAR_PUSH_MS["funding-rate"])
    assert {b'"funding-rate"' in f for _, f in due} == {True, False}


async def test_instrument_changes_and_tickers_only_on_change(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    pub = await connect(http, sim, "public")
    await _sub(pub, {"channel": "instruments", "instType": "SWAP"},
               {"channel": "tickers", "instId": "BTC-USDT"})  # fmt: skip
    assert len([await pub.recv() for _ in range(4)]) == 4  # acks and snapshots
    sim.engine.change_instrument("BTC-USDT-SWAP", state="suspend")
    await sim.flush_events()
    push = await pub.recv()
    assert push["arg"] == {"channel": "instruments", "instType": "SWAP"}
    assert [(i["instId"], i["state"]) for i in push["data"]] == [("BTC-USDT-SWAP", "suspend")]
    [rest] = await _rest(http, sim, "/api/v5/public/instruments?instType=SWAP")
    assert rest == push["data"][0]
    trader = await private(http, sim)
    far = {**_TAKE_BTC, "px": "50000", "sz": "0.01"}
    await _order(trader, far)  # no ticker field changes: no push
    await _order(trader, {**_TAKE_BTC, "px": "95000.1", "sz": "0.001"})
    push = await pub.recv()
    assert push["arg"]["channel"] == "tickers"
    assert (push["data"][0]["last"], push["data"][0]["lastSz"]) == ("95000.1", "0.001")
