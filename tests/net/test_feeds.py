"""WebsocketClient on every feed channel the simulator serves, and RestClient's market reads
agreeing with what was streamed (real client, real simulator, real sockets)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from okxws import ApiCredentials, OkxApiError, RestClient
from okxws.net.streams import PushStream
from okxws.simulator import Simulator

from ..conftest import ClientFactory

_TAKE_BTC = {"instIdCode": 100001, "tdMode": "cash", "side": "buy", "ordType": "limit",
             "px": "95000.2", "sz": "0.7"}  # fmt: skip
_BUY_SWAP = {"instIdCode": 200001, "tdMode": "cross", "side": "buy", "ordType": "market",
             "sz": "2"}  # fmt: skip


async def _take(stream: PushStream, n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async with asyncio.timeout(5):
        while len(out) < n:
            out.append(await anext(stream))
    return out


async def test_public_feeds_stream_and_rest_agrees(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    snapshots = client.stream(["mark-price", "funding-rate", "instruments"])
    trades = client.stream(["trades"])
    matches = client.stream(["trades-all"])
    candles = client.stream(["candle1m"])
    await client.subscribe(
        [
            {"channel": "trades", "instId": "BTC-USDT"},
            {"channel": "mark-price", "instId": "BTC-USDT"},
            {"channel": "funding-rate", "instId": "BTC-USDT-SWAP"},
            {"channel": "instruments", "instType": "SWAP"},
            {"channel": "trades-all", "instId": "BTC-USDT"},
            {"channel": "candle1m", "instId": "BTC-USDT"},
        ]
    )
    first = {p["arg"]["channel"]: p["data"] for p in await _take(snapshots, 3)}
    mark = first["mark-price"][0]
    assert mark == {"instType": "MARGIN", "instId": "BTC-USDT", "markPx": "95000", "ts": mark["ts"]}
    assert first["funding-rate"][0]["fundingRate"]
    assert [i["instId"] for i in first["instruments"]] == ["BTC-USDT-SWAP"]
    reply = await client.send_ws_api_request("order", [_TAKE_BTC])
    assert reply["code"] == "0"
    streamed = [p["data"][0] for p in await _take(trades, 2)]
    assert [(t["px"], t["sz"], t["side"]) for t in streamed] == [
        ("95000.1", "0.5", "buy"),
        ("95000.2", "0.2", "buy"),
    ]
    each = [p["data"][0] for p in await _take(matches, 2)]
    [candle_push] = await _take(candles, 1)
    candle = candle_push["data"][0]
    assert candle[5] == "0.7"  # both matches in the minute's volume
    async with RestClient(rest_base_url=sim.rest_base_url) as rest:
        assert await rest.get_trades({"instId": "BTC-USDT"}) == each[::-1]
        assert await rest.get_trades({"instId": "BTC-USDT", "limit": "1"}) == each[-1:]
        [got] = await rest.get_candles({"instId": "BTC-USDT", "bar": "1m"})
        assert got[:-1] == candle[:-1]
        history = await rest.get_history_candles({"instId": "BTC-USDT", "bar": "1m"})
        assert [h[:-1] for h in history] == [candle[:-1]]
        spot = {t["instId"]: t for t in await rest.get_tickers({"instType": "SPOT"})}
        assert spot["BTC-USDT"]["last"] == streamed[-1]["px"]


async def test_private_feeds_follow_a_fill(sim: Simulator, make_client: ClientFactory) -> None:
    vip = ApiCredentials("vip-key", "vip-secret", "vip-Passphrase1")
    sim.add_account(vip.api_key, vip.api_secret, vip.api_pass, vip_tier=4)
    client = make_client(accounts=[vip])
    wanted = ["fills", "orders", "balance_and_position", "positions"]
    stream = client.stream(wanted)
    await client.subscribe(
        [
            {"channel": "fills", "instId": "BTC-USDT-SWAP"},
            {"channel": "orders", "instType": "SWAP"},
            {"channel": "balance_and_position"},
            {"channel": "positions", "instType": "ANY"},
        ]
    )
    snaps = await _take(stream, 2)
    assert {p["arg"]["channel"] for p in snaps} == {"balance_and_position", "positions"}
    reply = await client.send_ws_api_request("order", [_BUY_SWAP])
    ord_id = reply["data"][0]["ordId"]
    pushes = await _take(stream, 6)
    assert [p["arg"]["channel"] for p in pushes] == [
        "fills", "orders", "orders", "orders", "balance_and_position", "positions",
    ]  # fmt: skip
    assert pushes[0]["data"][0]["ordId"] == ord_id
    assert pushes[-1]["data"][0]["pos"] == "2"
    async with RestClient(vip, rest_base_url=sim.rest_base_url) as rest:
        [pos] = await rest.get_positions({"instType": "SWAP"})
        assert pos["pos"] == pushes[-1]["data"][0]["pos"]


async def test_fills_below_vip4_raises_64003(make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(OkxApiError) as info:
        await client.subscribe({"channel": "fills"})
    assert info.value.code == "64003"
