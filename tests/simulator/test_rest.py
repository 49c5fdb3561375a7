"""REST endpoints, signed requests, and one exchange shared with the WebSocket side."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import orjson
import yarl
from aiohttp import web

from okxws.protocol.auth import ApiCredentials, iso_timestamp, rest_headers
from okxws.simulator import SimApiKey, Simulator
from okxws.simulator.engine import Engine
from okxws.simulator.faults import Faults
from okxws.simulator.limits import SimLimits
from okxws.simulator.rest import add_rest_routes

from .conftest import connect, order_args, private


def rest_order(**kw: Any) -> dict[str, Any]:
    """:func:`order_args` for REST, which names the instrument by ``instId``."""
    args = order_args(**kw)
    del args["instIdCode"]
    return {"instId": "BTC-USDT", **args}


async def signed(
    http: aiohttp.ClientSession,
    sim: Simulator,
    method: str,
    path: str,
    body: Any = None,
    *,
    creds: ApiCredentials | None = None,
    ts_ms: int | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    text = "" if body is None else orjson.dumps(body).decode()
    h = rest_headers(creds or sim.credentials, ts_ms or int(time.time() * 1000), method, path, text)
    h.update(headers or {})
    async with http.request(method, sim.rest_base_url + path, data=text or None, headers=h) as r:
        out = orjson.loads(await r.read())
        assert isinstance(out, dict)
        return r.status, out


async def test_public_time_and_instruments(sim: Simulator, http: aiohttp.ClientSession) -> None:
    async with http.get(sim.rest_base_url + "/api/v5/public/time") as r:
        body = await r.json()
    assert body["code"] == "0" and abs(int(body["data"][0]["ts"]) - time.time() * 1000) < 5000
    async with http.get(sim.rest_base_url + "/api/v5/public/instruments?instType=SPOT") as r:
        body = await r.json()
    codes = {d["instId"]: d["instIdCode"] for d in body["data"]}
    assert codes["BTC-USDT"] == 100001 and isinstance(codes["BTC-USDT"], int)
    url = "/api/v5/public/instruments?instType=OPTION&uly=ETH-USD"
    async with http.get(sim.rest_base_url + url) as r:
        assert (await r.json()) == {"code": "0", "msg": "", "data": []}
    url = "/api/v5/public/instruments?instType=SWAP&instId=BTC-USDT-SWAP"
    async with http.get(sim.rest_base_url + url) as r:
        assert [d["instId"] for d in (await r.json())["data"]] == ["BTC-USDT-SWAP"]
    async with http.get(sim.rest_base_url + "/api/v5/sprd/spreads") as r:
        assert (await r.json())["data"][0]["sprdId"] == "BTC-USDT_BTC-USDT-SWAP"
    async with http.get(sim.rest_base_url + "/api/v5/market/ticker?instId=BTC-USDT") as r:
        assert (await r.json())["data"][0]["instId"] == "BTC-USDT"


async def test_auth_errors(sim: Simulator, http: aiohttp.ClientSession) -> None:
    path = "/api/v5/account/balance"
    _st, b = await signed(http, sim, "GET", path, creds=ApiCredentials("nope", "x", "y"))
    assert (_st, b["code"]) == (401, "50111")
    _st, b = await signed(http, sim, "GET", path, ts_ms=int(time.time() * 1000) - 60_000)
    assert (_st, b["code"]) == (401, "50102")
    bad = ApiCredentials(sim.api_key, sim.api_secret, "wrong")
    _st, b = await signed(http, sim, "GET", path, creds=bad)
    assert (_st, b["code"]) == (401, "50105")
    bad = ApiCredentials(sim.api_key, "wrong", sim.api_pass)
    _st, b = await signed(http, sim, "GET", path, creds=bad)
    assert (_st, b["code"]) == (401, "50113")
    async with http.get(sim.rest_base_url + path) as r:
        assert r.status == 401 and (await r.json())["code"] == "50103"
    _st, b = await signed(http, sim, "GET", path)
    assert _st == 200 and b["code"] == "0" and b["data"][0]["details"]


async def test_place_lookup_cancel(sim: Simulator, http: aiohttp.ClientSession) -> None:
    order = rest_order(clOrdId="r1")
    _st, b = await signed(http, sim, "POST", "/api/v5/trade/order", order)
    assert _st == 200 and b["code"] == "0", b
    assert list(b) == ["code", "msg", "data", "inTime", "outTime"]
    oid = b["data"][0]["ordId"]
    _st, b = await signed(http, sim, "GET", f"/api/v5/trade/order?instId=BTC-USDT&ordId={oid}")
    assert b["data"][0]["state"] == "live"
    _st, b = await signed(http, sim, "GET", "/api/v5/trade/order?instId=BTC-USDT&clOrdId=r1")
    assert b["data"][0]["ordId"] == oid
    _st, b = await signed(http, sim, "GET", "/api/v5/trade/orders-pending")
    assert [o["ordId"] for o in b["data"]] == [oid]
    _st, b = await signed(
        http,
        sim,
        "POST",
        "/api/v5/trade/amend-order",
        {"instId": "BTC-USDT", "ordId": oid, "newPx": "50001"},
    )
    assert b["code"] == "0"
    _st, b = await signed(
        http, sim, "POST", "/api/v5/trade/cancel-order", {"instId": "BTC-USDT", "ordId": oid}
    )
    assert b["code"] == "0"
    _st, b = await signed(
        http, sim, "POST", "/api/v5/trade/cancel-order", {"instId": "BTC-USDT", "ordId": oid}
    )
    assert (b["code"], b["msg"], b["data"][0]["sCode"]) == ("1", "All operations failed", "51400")
    _st, b = await signed(http, sim, "GET", "/api/v5/trade/order?instId=BTC-USDT&ordId=1")
    assert b["code"] == "51603"


async def test_batches_and_exptime(sim: Simulator, http: aiohttp.ClientSession) -> None:
    o = rest_order()
    _st, b = await signed(http, sim, "POST", "/api/v5/trade/batch-orders", [o, {**o, "sz": "-1"}])
    assert (b["code"], b["msg"]) == ("2", "Bulk operation partially succeeded.")
    ids = [d["ordId"] for d in b["data"] if d["ordId"]]
    _st, b = await signed(
        http,
        sim,
        "POST",
        "/api/v5/trade/amend-batch-orders",
        [{"instId": "BTC-USDT", "ordId": i, "newSz": "0.02"} for i in ids],
    )
    assert b["code"] == "0"
    _st, b = await signed(
        http,
        sim,
        "POST",
        "/api/v5/trade/cancel-batch-orders",
        [{"instId": "BTC-USDT", "ordId": i} for i in ids],
    )
    assert b["code"] == "0"
    _st, b = await signed(http, sim, "POST", "/api/v5/trade/batch-orders", [o] * 21)
    assert b["code"] == "51111"
    past = {"expTime": str(int(time.time() * 1000) - 1000)}
    _st, b = await signed(http, sim, "POST", "/api/v5/trade/order", o, headers=past)
    assert b["code"] == "1" and b["data"][0]["sCode"] == "50036"
    _st, b = await signed(
        http,
        sim,
        "POST",
        "/api/v5/trade/mass-cancel",
        {"instType": "OPTION", "instFamily": "BTC-USD"},
    )
    assert b["data"] == [{"result": True}]


async def test_spread_rest(sim: Simulator, http: aiohttp.ClientSession) -> None:
    p = {
        "sprdId": "BTC-USDT_BTC-USDT-SWAP",
        "side": "buy",
        "ordType": "limit",
        "px": "1",
        "sz": "0.01",
    }
    _st, b = await signed(http, sim, "POST", "/api/v5/sprd/order", p)
    oid = b["data"][0]["ordId"]
    _st, b = await signed(
        http, sim, "POST", "/api/v5/sprd/amend-order", {"ordId": oid, "newPx": "2"}
    )
    assert b["code"] == "0"
    _st, b = await signed(http, sim, "POST", "/api/v5/sprd/cancel-order", {"ordId": oid})
    assert b["code"] == "0"
    _st, b = await signed(http, sim, "POST", "/api/v5/sprd/mass-cancel", {})
    assert b["code"] == "0"


async def test_spaced_json_and_encoded_query_signatures(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    # python-okx signs json.dumps() output with spaces; ccxt signs the encoded query
    body = (
        '{"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", '
        '"px": "50000", "sz": "0.01", "clOrdId": "", "attachAlgoOrds": null}'
    )
    path = "/api/v5/trade/order"
    h = rest_headers(sim.credentials, int(time.time() * 1000), "POST", path, body)
    async with http.post(sim.rest_base_url + path, data=body, headers=h) as r:
        assert (await r.json())["code"] == "0"
    path = "/api/v5/account/balance?ccy=BTC%2CUSDT"
    h = rest_headers(sim.credentials, int(time.time() * 1000), "GET", path)
    async with http.get(yarl.URL(sim.rest_base_url + path, encoded=True), headers=h) as r:
        b = await r.json()
    assert {d["ccy"] for d in b["data"][0]["details"]} == {"BTC", "USDT"}
    assert iso_timestamp(0) == "1970-01-01T00:00:00.000Z"


async def test_rest_and_ws_share_one_exchange(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    await c.send({"op": "subscribe", "args": [{"channel": "orders", "instType": "ANY"}]})
    await c.recv()
    await c.recv()
    o = rest_order()
    _st, b = await signed(http, sim, "POST", "/api/v5/trade/order", o)
    oid = b["data"][0]["ordId"]
    push = await c.recv()
    assert push["data"][0]["ordId"] == oid and push["data"][0]["state"] == "live"
    r = await c.request(
        {"id": "9", "op": "cancel-order", "args": [{"instIdCode": 100001, "ordId": oid}]}
    )
    assert r["code"] == "0"
    push = await c.recv()
    assert push["data"][0]["state"] == "canceled"
    _st, b = await signed(http, sim, "GET", f"/api/v5/trade/order?instId=BTC-USDT&ordId={oid}")
    assert b["data"][0]["state"] == "canceled"
    pub = await connect(http, sim, "public")
    assert pub is not None


class _Exchange:
    """The narrow interface the REST handlers need, without a Simulator."""

    def __init__(self) -> None:
        self.engine = Engine(seed=1)
        self.api_keys = {"k": SimApiKey("k", "s", "p", "u9")}
        self.engine.create_account("u9")
        self.faults = Faults()
        self.flushes = 0
        self.limits = SimLimits()

    def clock_us(self) -> int:
        return 1_800_000_000_000_000

    async def flush_events(self) -> None:
        self.flushes += 1

    async def hold(self, seconds: float) -> bool:
        raise AssertionError("no fault switch is armed")

    def cancel_all_after(self, uid: str, tag: str, seconds: int) -> int:
        raise AssertionError("not called")


async def test_rest_serves_any_exchange(http: aiohttp.ClientSession) -> None:
    exchange = _Exchange()
    app = web.Application()
    add_rest_routes(app, exchange)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with http.get(base + "/api/v5/public/time") as r:
            assert (await r.json())["data"] == [{"ts": "1800000000000"}]
        body = orjson.dumps(rest_order()).decode()
        path = "/api/v5/trade/order"
        creds = ApiCredentials("k", "s", "p")
        h = rest_headers(creds, 1_800_000_000_000, "POST", path, body)
        async with http.post(base + path, data=body, headers=h) as r:
            reply = await r.json()
        assert reply["code"] == "0" and reply["inTime"] == "1800000000000000"
        assert exchange.flushes == 1 and exchange.engine.pending_orders("u9")
    finally:
        await runner.cleanup()
