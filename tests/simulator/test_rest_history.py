"""The simulator's REST reads of the past, cancel-all-after, the account endpoints, signing
failures in OKX's shapes, and the REST fault switches, over real sockets."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import orjson

from okxws.protocol.auth import ApiCredentials, rest_headers
from okxws.protocol.ops import SUB_ACCOUNT_ORDER_LIMIT
from okxws.simulator import Simulator

from .conftest import order_args, private
from .test_rest import rest_order, signed

SPREAD = "BTC-USDT_BTC-USDT-SWAP"


def taker(sim: Simulator, **kw: Any) -> dict[str, Any]:
    """A limit buy far above the market maker's asks: it fills at once."""
    px = str(int(sim.engine.mid_price("BTC-USDT") * 2))
    return rest_order(px=px, sz="0.01", **kw)


async def test_orders_history_and_fills(sim: Simulator, http: aiohttp.ClientSession) -> None:
    _, placed = await signed(http, sim, "POST", "/api/v5/trade/order", taker(sim, clOrdId="t1"))
    ord_id = placed["data"][0]["ordId"]
    _, resting = await signed(http, sim, "POST", "/api/v5/trade/order", rest_order(clOrdId="r1"))
    cancel = {"instId": "BTC-USDT", "clOrdId": "r1"}
    await signed(http, sim, "POST", "/api/v5/trade/cancel-order", cancel)
    st, b = await signed(http, sim, "GET", "/api/v5/trade/orders-history?instType=SPOT")
    assert st == 200 and b["code"] == "0"
    assert [(o["clOrdId"], o["state"]) for o in b["data"]] == [("r1", "canceled"), ("t1", "filled")]
    record = sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id="t1")
    assert b["data"][1] == record  # the same object as GET /trade/order
    _, b = await signed(http, sim, "GET", "/api/v5/trade/orders-history?instType=SPOT&state=filled")
    assert [o["clOrdId"] for o in b["data"]] == ["t1"]
    _, b = await signed(http, sim, "GET", "/api/v5/trade/orders-history?instType=SWAP")
    assert b["data"] == []
    _, b = await signed(http, sim, "GET", "/api/v5/trade/orders-history")
    assert (b["code"], b["data"]) == ("50014", [])
    _, b = await signed(http, sim, "GET", "/api/v5/trade/fills?instId=BTC-USDT")
    fills = b["data"]
    assert fills and {f["ordId"] for f in fills} == {ord_id}
    assert sum(float(f["fillSz"]) for f in fills) == float(record["accFillSz"])  # type: ignore[index]
    assert all(f["execType"] == "T" and f["side"] == "buy" and f["clOrdId"] == "t1" for f in fills)
    bills = [int(f["billId"]) for f in fills]
    assert bills == sorted(bills, reverse=True)  # newest first
    _, b = await signed(http, sim, "GET", f"/api/v5/trade/fills?limit=1&after={bills[0]}")
    assert len(b["data"]) == (1 if len(bills) > 1 else 0)
    _, b = await signed(http, sim, "GET", "/api/v5/trade/fills?ordId=1")
    assert b["data"] == []
    _, b = await signed(http, sim, "GET", "/api/v5/trade/fills-history?instType=SPOT")
    assert b["data"] == fills
    _, b = await signed(http, sim, "GET", "/api/v5/trade/fills-history")
    assert b["code"] == "50014"
    assert resting["code"] == "0"


async def test_spread_history_and_trades(sim: Simulator, http: aiohttp.ClientSession) -> None:
    px = str(int(sim.engine.mid_price(SPREAD)) + 50)
    item = {"sprdId": SPREAD, "side": "buy", "ordType": "limit", "sz": "0.01", "px": px}
    _, placed = await signed(http, sim, "POST", "/api/v5/sprd/order", {**item, "clOrdId": "s1"})
    ord_id = placed["data"][0]["ordId"]
    _, b = await signed(http, sim, "GET", "/api/v5/sprd/trades")
    assert b["data"] and {t["ordId"] for t in b["data"]} == {ord_id}
    assert list(b["data"][0]) == [
        "sprdId", "tradeId", "ordId", "clOrdId", "tag", "fillPx", "fillSz", "side", "state",
        "execType", "ts", "legs",
    ]  # fmt: skip
    _, b = await signed(http, sim, "GET", f"/api/v5/sprd/orders-history?sprdId={SPREAD}")
    assert [(o["ordId"], o["state"]) for o in b["data"]] == [(ord_id, "filled")]
    assert b["data"][0] == sim.engine.get_spread_order(sim.uid, ord_id=ord_id)


async def test_account_endpoints(sim: Simulator, http: aiohttp.ClientSession) -> None:
    _, b = await signed(http, sim, "GET", "/api/v5/trade/account-rate-limit")
    [limits] = b["data"]
    assert limits["accRateLimit"] == str(SUB_ACCOUNT_ORDER_LIMIT.limit)
    assert set(limits) == {"fillRatio", "mainFillRatio", "accRateLimit", "nextAccRateLimit", "ts"}
    _, b = await signed(http, sim, "GET", "/api/v5/account/config")
    [config] = b["data"]
    assert (config["uid"], config["posMode"], config["autoLoan"]) == (sim.uid, "net_mode", False)


async def test_cancel_all_after_cancels_when_the_timer_fires(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    sim.cancel_all_after_scale = 0.01  # OKX's 10 s minimum becomes 0.1 s
    await signed(http, sim, "POST", "/api/v5/trade/order", rest_order(clOrdId="d1"))
    await signed(http, sim, "POST", "/api/v5/trade/order", rest_order(clOrdId="d2", tag="keep"))
    _, b = await signed(http, sim, "POST", "/api/v5/trade/cancel-all-after", {"timeOut": "5"})
    assert (b["code"], b["data"]) == ("51000", [])
    _, b = await signed(http, sim, "POST", "/api/v5/trade/cancel-all-after", {"timeOut": "60"})
    _, b = await signed(http, sim, "POST", "/api/v5/trade/cancel-all-after", {"timeOut": "0"})
    assert b["data"][0]["triggerTime"] == "0" and sim.cancel_all_after_armed == 0
    _, b = await signed(
        http, sim, "POST", "/api/v5/trade/cancel-all-after", {"timeOut": "10", "tag": "keep"}
    )
    [armed] = b["data"]
    assert armed["tag"] == "keep" and int(armed["triggerTime"]) > int(armed["ts"])

    def state(cl: str) -> str:
        order = sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id=cl)
        assert order is not None
        return str(order["state"])

    await sim.wait_for(lambda: state("d2") == "canceled")
    assert state("d1") == "live"  # a tagged timer cancels only that tag's orders
    order = sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id="d2")
    assert order is not None and order["cancelSource"] == "20"
    await signed(http, sim, "POST", "/api/v5/trade/cancel-all-after", {"timeOut": "120"})
    assert sim.cancel_all_after_armed == 1
    await sim.close()  # the server owns the timer: closing cancels it
    assert sim.cancel_all_after_armed == 0


async def test_signing_failures_in_okx_shapes(sim: Simulator, http: aiohttp.ClientSession) -> None:
    st, b = await signed(http, sim, "GET", "/api/v5/account/balance", ts_ms=1)
    assert st == 401 and list(b) == ["msg", "code"] and b["code"] == "50102"
    wrong = ApiCredentials(sim.api_key, "bad-secret", sim.api_pass)
    st, b = await signed(http, sim, "GET", "/api/v5/account/balance", creds=wrong)
    assert (st, b) == (401, {"msg": "Invalid signature.", "code": "50113"})
    demo_uid = sim.add_account("demo-key", "demo-secret", "demo-pass", demo=True)
    demo = ApiCredentials("demo-key", "demo-secret", "demo-pass")
    st, b = await signed(http, sim, "GET", "/api/v5/account/balance", creds=demo)
    assert (st, b["code"]) == (401, "50101")  # a demo key without the demo header
    live_hdr = {"x-simulated-trading": "1"}
    st, b = await signed(http, sim, "GET", "/api/v5/account/config", creds=demo, headers=live_hdr)
    assert st == 200 and b["data"][0]["uid"] == demo_uid
    st, b = await signed(http, sim, "GET", "/api/v5/account/balance", headers=live_hdr)
    assert st == 200  # the default key takes either environment


async def test_rest_fault_switches(sim: Simulator, http: aiohttp.ClientSession) -> None:
    sim.faults.rest_rate_limit_next(op="/api/v5/public/time")
    async with http.get(sim.rest_base_url + "/api/v5/public/time") as r:
        assert (r.status, await r.read()) == (429, b'{"msg":"Too Many Requests","code":"50011"}')
    async with http.get(sim.rest_base_url + "/api/v5/public/time") as r:
        assert r.status == 200
    sim.faults.rest_rate_limit_next(op="order")
    st, b = await signed(http, sim, "POST", "/api/v5/trade/order", rest_order(clOrdId="x0"))
    assert (st, b["code"]) == (429, "50011")
    sim.faults.rest_http_error(503, "order", execute=True)
    st, b = await signed(http, sim, "POST", "/api/v5/trade/order", rest_order(clOrdId="x1"))
    assert (st, b["code"]) == (503, "50001")
    sim.faults.rest_http_error(502, "order", html=True)
    text = orjson.dumps(rest_order(clOrdId="x2")).decode()
    h = rest_headers(sim.credentials, int(time.time() * 1000), "POST", "/api/v5/trade/order", text)
    async with http.post(sim.rest_base_url + "/api/v5/trade/order", data=text, headers=h) as r:
        assert r.status == 502 and r.content_type == "text/html"
        assert b"502 Bad Gateway" in await r.read()
    sim.faults.reply_outcome_unknown("50004", "order", execute=True, via="rest")
    st, b = await signed(http, sim, "POST", "/api/v5/trade/order", rest_order(clOrdId="x3"))
    assert (st, b["code"], b["data"]) == (400, "50004", [])
    sim.faults.reply_outcome_unknown("51149", "order", via="rest")
    st, b = await signed(http, sim, "POST", "/api/v5/trade/order", rest_order(clOrdId="x4"))
    assert (st, b["code"], b["data"][0]["sCode"]) == (200, "1", "51149")
    found = {
        cl: sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id=cl) is not None
        for cl in ("x0", "x1", "x2", "x3", "x4")
    }
    assert found == {"x0": False, "x1": True, "x2": False, "x3": True, "x4": False}
    assert not sim.faults.armed


async def test_a_ws_order_is_the_same_object_over_rest(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    c = await private(http, sim)
    r = await c.request(
        {"id": "s1", "op": "subscribe", "args": [{"channel": "orders", "instType": "ANY"}]}
    )
    assert r["event"] == "subscribe"
    await c.send({"id": "1", "op": "order", "args": [order_args(clOrdId="same1")]})
    r = await c.recv_until(lambda m: m.get("id") == "1")
    assert r["code"] == "0"
    push = await c.recv_until(lambda m: m.get("arg", {}).get("channel") == "orders")
    path = "/api/v5/trade/order?instId=BTC-USDT&clOrdId=same1"
    _, b = await signed(http, sim, "GET", path)
    assert b["data"] == push["data"]  # every field, in the same order
    assert list(b["data"][0]) == list(push["data"][0])
