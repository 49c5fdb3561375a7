"""Every fault switch, over real sockets."""

from __future__ import annotations

import asyncio

import aiohttp

from okxws.simulator import Faults, Simulator

from .conftest import connect, order_args, private


async def test_drop_on_op_abrupt_not_executed(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    sim.faults.drop_on_op("order")
    await c.send({"id": "1", "op": "order", "args": [order_args()]})
    m = await c.expect_closed()
    assert m.type is not aiohttp.WSMsgType.CLOSE
    assert sim.engine.pending_orders(sim.uid) == []
    # one-shot: the next connection works
    c2 = await private(http, sim)
    r = await c2.request({"id": "2", "op": "order", "args": [order_args()]})
    assert r["code"] == "0"


async def test_drop_on_op_executed_graceful(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    sim.faults.drop_on_op("order", abrupt=False, execute=True)
    await c.send({"id": "1", "op": "order", "args": [order_args(clOrdId="lost1")]})
    m = await c.expect_closed()
    assert (m.type, m.data) == (aiohttp.WSMsgType.CLOSE, 1001)
    assert [o["clOrdId"] for o in sim.engine.pending_orders(sim.uid)] == ["lost1"]


async def test_reply_delay_and_withhold(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    sim.faults.reply_delay = 0.05
    sim.faults.reply_delay_op = "cancel-order"
    sim.faults.withhold_replies("amend-order", times=1)
    await c.send({"id": "1", "op": "cancel-order", "args": [{"instIdCode": 100001, "ordId": "1"}]})
    await c.send(
        {
            "id": "2",
            "op": "amend-order",
            "args": [{"instIdCode": 100001, "ordId": "1", "newSz": "1"}],
        }
    )
    await c.send({"id": "3", "op": "order", "args": [order_args()]})
    # order (not delayed) overtakes the delayed cancel; the amend is never answered
    assert (await c.recv())["id"] == "3"
    assert (await c.recv())["id"] == "1"
    await sim.wait_for(lambda: len(sim.received_ops()) == 4)
    await c.send("ping")
    assert await c.recv_text() == "pong"


async def test_answer_pings_off(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "public", autoping=False)
    sim.faults.answer_pings = False
    await c.send("ping")
    await c.ws.ping(b"x")
    sim.faults.answer_pings = True
    await c.send("ping")
    assert await c.recv_text() == "pong"  # the first text ping and the control ping got nothing


async def test_fail_next_login(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "private")
    sim.faults.fail_next_login("60009")
    r = await c.login(sim.credentials)
    assert (r["event"], r["code"], r["msg"]) == ("error", "60009", "Login failed.")
    assert (await c.login(sim.credentials))["code"] == "0"


async def test_reject_next_op(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    sim.faults.reject_next_op("60013")
    r = await c.request({"id": "1", "op": "order", "args": [order_args()]})
    assert (r["code"], r["msg"], r["data"]) == ("60013", "Invalid args", [])
    sim.faults.reject_next_op("50013", op="cancel-order")
    r = await c.request({"id": "2", "op": "order", "args": [order_args()]})
    assert r["code"] == "0"
    r = await c.request(
        {
            "id": "3",
            "op": "cancel-order",
            "args": [{"instIdCode": 100001, "ordId": r["data"][0]["ordId"]}],
        }
    )
    assert r["code"] == "1" and r["data"][0]["sCode"] == "50013"
    assert len(sim.engine.pending_orders(sim.uid)) == 1


async def test_fail_batch_items(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    sim.faults.fail_batch_items({1: "51008"})
    r = await c.request(
        {
            "id": "1",
            "op": "batch-orders",
            "args": [order_args(clOrdId="p0"), order_args(clOrdId="p1")],
        }
    )
    assert r["code"] == "2"
    assert [d["sCode"] for d in r["data"]] == ["0", "51008"]
    assert r["data"][1]["clOrdId"] == "p1" and r["data"][1]["ordId"] == ""


async def test_illegal_request_next_op(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    sim.faults.illegal_request_next_op()
    raw = '{"id":"77","op":"order","args":[{"instIdCode":100001}]}'
    r = await c.request(raw)
    assert r == {
        "event": "error",
        "msg": "Illegal request: " + raw,
        "code": "60012",
        "connId": r["connId"],
    }


async def test_rate_limit_next(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    sim.faults.rate_limit_next(2, op="order")
    for rid in ("1", "2"):
        r = await c.request({"id": rid, "op": "order", "args": [order_args()]})
        assert r["code"] == "1" and r["data"][0]["sCode"] == "50011"
        assert r["data"][0]["sMsg"].startswith("Rate limit reached.")
    r = await c.request({"id": "3", "op": "order", "args": [order_args()]})
    assert r["code"] == "0"


async def test_too_frequent_subscribe(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "public")
    sim.faults.too_frequent_next()
    r = await c.request(
        {"id": "5", "op": "subscribe", "args": [{"channel": "tickers", "instId": "BTC-USDT"}]}
    )
    assert (r["id"], r["event"], r["code"], r["msg"]) == (
        "5",
        "error",
        "60014",
        "Requests too frequent",
    )


async def test_wait_for_times_out(sim: Simulator) -> None:
    try:
        await sim.wait_for(lambda: sim.connection_count() == 1, timeout=0.01)
    except TimeoutError:
        pass
    else:
        raise AssertionError("expected TimeoutError")


async def test_wait_for_wakes_on_connect(sim: Simulator, http: aiohttp.ClientSession) -> None:
    waiter = asyncio.ensure_future(sim.wait_for(lambda: sim.connection_count("private") == 2))
    clients = [await private(http, sim), await private(http, sim)]
    await waiter
    assert len(clients) == 2
    sim.faults.clear()


async def test_observers(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    await c.request({"id": "1", "op": "order", "args": [order_args(clOrdId="obs1")]})
    assert sim.last_op_args("order")[0]["clOrdId"] == "obs1"
    await c.send("ping")
    await c.ws.ping()
    await sim.wait_for(lambda: sim.ping_count == 2)
    async with http.get(sim.rest_base_url + "/api/v5/public/time") as r:
        assert r.status == 200
    assert sim.rest_count("/api/v5/public/time") == 1 and sim.rest_count() == 1


def test_clear_restores_the_defaults_of_a_new_switchboard() -> None:
    fresh = vars(Faults()).copy()
    f = Faults()
    f.answer_pings = False
    f.reply_delay = 1.0
    f.reply_delay_op = "order"
    f.withhold_replies()
    f.clear()
    assert vars(f) == fresh and not f.armed
    assert f.delay_for("order") == 0.0
