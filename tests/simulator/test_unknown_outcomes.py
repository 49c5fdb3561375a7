"""The unknown-outcome fault switches on the WebSocket side, and the pure history queries."""

from __future__ import annotations

import time

import aiohttp

from okxws.simulator import Simulator
from okxws.simulator.engine import Engine
from okxws.simulator.history import fills_data, orders_history_data, page_limit

from .conftest import limit, order_args, private


def op(rid: str, *items: dict[str, object], name: str = "order") -> dict[str, object]:
    return {"id": rid, "op": name, "args": list(items)}


async def test_ws_unknown_outcome_shapes(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    sim.faults.reply_outcome_unknown("50004", "order", execute=True, via="ws")
    r = await c.request(op("1", order_args(clOrdId="w1")))
    assert (r["id"], r["code"], r["data"]) == ("1", "50004", [])
    assert r["msg"] == "API endpoint request timeout."
    sim.faults.reply_outcome_unknown("51149", "batch-orders", execute={1}, via="ws")
    r = await c.request(
        op("2", order_args(clOrdId="w2"), order_args(clOrdId="w3"), name="batch-orders")
    )
    assert r["code"] == "1" and [d["sCode"] for d in r["data"]] == ["51149", "51149"]
    has = {
        cl: sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id=cl) is not None
        for cl in ("w1", "w2", "w3")
    }
    assert has == {"w1": True, "w2": False, "w3": True}
    sim.faults.reply_outcome_unknown("50004", "order", via="rest")  # not for the WebSocket
    r = await c.request(op("3", order_args(clOrdId="w4")))
    assert r["code"] == "0" and sim.faults.armed
    sim.faults.clear()


async def test_ws_delayed_execution(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    sim.faults.delay_execution(0.2, "order")
    sent = time.monotonic()
    exp = str(sim.now_ms() + 5_000)
    await c.send({**op("1", order_args(clOrdId="d1")), "expTime": exp})
    assert sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id="d1") is None
    r = await c.recv()  # the late answer, once it executed
    assert r["id"] == "1" and r["code"] == "0" and time.monotonic() - sent >= 0.2
    assert sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id="d1") is not None


async def test_close_cancels_a_pending_delayed_execution(http: aiohttp.ClientSession) -> None:
    async with Simulator() as sim:
        c = await private(http, sim)
        sim.faults.delay_execution(30.0, "order")
        await c.send(op("1", order_args(clOrdId="never")))
        await sim.wait_for(
            lambda: bool(sim.received_ops()) and sim.received_ops()[-1].op == "order"
        )
        started = time.monotonic()
    assert time.monotonic() - started < 5  # the server's own timer was cancelled, not waited
    assert sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id="never") is None


def test_history_queries_page_newest_first(eng: Engine) -> None:
    for i in range(3):
        r = eng.place("book", "u1", limit("buy", "90000", "0.01", clOrdId=f"h{i}"), 1000 + i)
        assert r.code == "0", r
    assert eng.cancel_all("u1", 2000) == 3
    done = orders_history_data(eng.finished_orders(), "book", "u1", {"instType": "SPOT"})
    assert [d["clOrdId"] for d in done] == ["h2", "h1", "h0"]
    older = {"instType": "SPOT", "after": done[0]["ordId"], "limit": "1"}
    assert [
        d["clOrdId"] for d in orders_history_data(eng.finished_orders(), "book", "u1", older)
    ] == ["h1"]
    assert orders_history_data(eng.finished_orders(), "book", "u2", {}) == []
    assert fills_data(eng.fills, "u1", {}) == []
    assert (page_limit({}), page_limit({"limit": "5"}), page_limit({"limit": "500"})) == (
        100,
        5,
        100,
    )
