"""Every WebsocketAPIClient method against the simulator over real sockets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import uvloop

from okxws import (
    OkxApiError,
    OkxConnectionLostError,
    OkxPartialBatchError,
    OkxRequestTimeoutError,
    OkxValidationError,
    WebsocketAPIClient,
)
from okxws.protocol import messages as m
from okxws.protocol.endpoints import Market
from okxws.simulator import Simulator

from ..conftest import ApiClientFactory, client_options
from ..proxy import ForwardingProxy

SPREAD = "BTC-USDT_BTC-USDT-SWAP"


def resting_buy(**extra: Any) -> m.PlaceOrderRequest:
    order: m.PlaceOrderRequest = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy",
                                  "ordType": "limit", "sz": "0.001", "px": "50000"}  # fmt: skip
    order.update(extra)  # type: ignore[typeddict-item]
    return order


def spread_buy(**extra: Any) -> m.SpreadPlaceOrderRequest:
    order: m.SpreadPlaceOrderRequest = {"sprdId": SPREAD, "side": "buy", "ordType": "limit",
                                        "sz": "0.01", "px": "1"}  # fmt: skip
    order.update(extra)  # type: ignore[typeddict-item]
    return order


async def test_order_lifecycle(sim: Simulator, make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    await client.connect_ws_api()
    placed = await client.submit_new_order(resting_buy(clOrdId="life1"))
    item = placed["data"][0]
    assert placed["code"] == "0"
    assert placed["connection"] == "private"
    assert item["sCode"] == "0"
    assert item["clOrdId"] == "life1"
    ord_id = item["ordId"]
    amended = await client.amend_order(
        {"instId": "BTC-USDT", "ordId": ord_id, "newPx": "50001", "reqId": "r1"}
    )
    assert amended["data"][0]["reqId"] == "r1"
    order = sim.engine.get_order(sim.uid, inst_id="BTC-USDT", ord_id=ord_id)
    assert order is not None
    assert order["px"] == "50001"
    cancelled = await client.cancel_order({"instId": "BTC-USDT", "clOrdId": "life1"})
    assert cancelled["data"][0]["ordId"] == ord_id
    with pytest.raises(OkxApiError) as info:
        await client.cancel_order({"instId": "BTC-USDT", "ordId": ord_id})
    assert info.value.data[0]["sCode"] == "51400"


async def test_rejection_is_an_api_error(make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    with pytest.raises(OkxApiError) as info:
        await client.submit_new_order(resting_buy(sz="100000"))  # far beyond the balance
    assert info.value.code == "1"
    assert info.value.failed[0]["sCode"] == "51008"
    assert not info.value.outcome_unknown
    assert "51008" in str(info.value)


async def test_batches_and_partial_failure(make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    placed = await client.submit_multiple_orders([resting_buy(clOrdId=f"b{n}") for n in range(3)])
    ids = [d["ordId"] for d in placed["data"]]
    assert len(ids) == 3
    with pytest.raises(OkxPartialBatchError) as info:
        await client.submit_multiple_orders(
            [resting_buy(clOrdId="ok1"), resting_buy(clOrdId="bad1", sz="100000")]
        )
    assert [d["clOrdId"] for d in info.value.succeeded] == ["ok1"]
    assert [d["sCode"] for d in info.value.failed] == ["51008"]
    amended = await client.amend_multiple_orders(
        [{"instId": "BTC-USDT", "ordId": i, "newSz": "0.002"} for i in ids]
    )
    assert [d["sCode"] for d in amended["data"]] == ["0", "0", "0"]
    cancelled = await client.cancel_multiple_orders(
        [{"instId": "BTC-USDT", "ordId": i} for i in ids]
    )
    assert [d["ordId"] for d in cancelled["data"]] == ids


async def test_mass_cancel(sim: Simulator, make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    option = "BTC-USD-261225-100000-C"
    await client.submit_new_order(
        {"instId": option, "tdMode": "isolated", "side": "buy", "ordType": "limit",
         "sz": "1", "px": "0.0005"}
    )  # fmt: skip
    assert sim.engine.pending_orders(sim.uid, inst_id=option)
    res = await client.mass_cancel_orders({"instType": "OPTION", "instFamily": "BTC-USD"})
    assert res["data"] == [{"result": True}]
    await sim.wait_for(lambda: not sim.engine.pending_orders(sim.uid, inst_id=option))


async def test_spread_operations_use_the_business_connection(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client()
    placed = await client.submit_spread_order(spread_buy(clOrdId="sp1"))
    assert placed["connection"] == "business"
    ord_id = placed["data"][0]["ordId"]
    amended = await client.amend_spread_order({"ordId": ord_id, "newSz": "0.02"})
    assert amended["data"][0]["sCode"] == "0"
    cancelled = await client.cancel_spread_order({"clOrdId": "sp1"})
    assert cancelled["data"][0]["ordId"] == ord_id
    await client.submit_spread_order(spread_buy())
    res = await client.mass_cancel_spread_orders({"sprdId": SPREAD})
    assert res["data"] == [{"result": True}]
    assert (await client.mass_cancel_spread_orders())["code"] == "0"
    assert sim.connection_count("business") == 1


async def test_inst_id_code_is_resolved_and_cached(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client()
    await client.submit_new_order(resting_buy())
    await client.submit_new_order(resting_buy())
    assert sim.rest_count("/api/v5/public/instruments") == 1
    wire = sim.last_op_args("order")[0]
    assert wire["instIdCode"] == 100001
    assert "instId" not in wire
    # The caller's own instIdCode always wins, even against a different instId.
    await client.submit_new_order(resting_buy(instIdCode=100002, px="1000", sz="0.01"))
    assert sim.last_op_args("order")[0]["instIdCode"] == 100002
    with pytest.raises(OkxValidationError, match="unknown instId"):
        await client.submit_new_order(resting_buy(instId="NOPE-USDT"))


async def test_a_batch_filled_in_part_before_its_lookup_is_sent_once_filled(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    """The first item is filled in (clOrdId) before the second's instId is looked up; the
    request then goes out once, each item with one clOrdId and its instIdCode."""
    client = make_api_client()
    first: m.PlaceOrderRequest = {"instIdCode": 100001, "tdMode": "cash", "side": "buy",
                                  "ordType": "limit", "sz": "0.001", "px": "50000"}  # fmt: skip
    second = resting_buy(px="1001")
    res = await client.submit_multiple_orders([first, second])
    assert [d["sCode"] for d in res["data"]] == ["0", "0"]
    assert sim.rest_count("/api/v5/public/instruments") == 1
    wire = sim.last_op_args("batch-orders")
    assert [w["instIdCode"] for w in wire] == [100001, 100001]
    assert all("instId" not in w for w in wire)
    ids = [w["clOrdId"] for w in wire]
    assert len(set(ids)) == 2 and ids == [d["clOrdId"] for d in res["data"]]
    assert "clOrdId" not in first and "instId" in second  # the caller's dicts as given


async def test_validation_happens_before_sending(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client()
    with pytest.raises(OkxValidationError):
        await client.submit_new_order({"instId": "BTC-USDT", "side": "buy"})  # type: ignore[typeddict-item]
    with pytest.raises(OkxValidationError):
        await client.submit_multiple_orders([resting_buy()] * 21)
    with pytest.raises(OkxValidationError, match="one of ordId, clOrdId"):
        await client.cancel_order({"instId": "BTC-USDT"})
    with pytest.raises(OkxValidationError, match="one of ordId, clOrdId"):
        await client.amend_order({"instId": "BTC-USDT", "newSz": "1"})
    with pytest.raises(OkxValidationError, match="must be a string"):
        await client.submit_new_order(resting_buy(sz=1))
    with pytest.raises(OkxValidationError):
        await client.submit_multiple_orders(resting_buy())  # type: ignore[arg-type]
    assert sim.connection_count() == 0


async def test_tag_is_never_overwritten_and_auto_client_order_id(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(auto_client_order_id=True, default_tag="okxws")
    mine = await client.submit_new_order(resting_buy(tag="mytag", clOrdId="mine1"))
    assert mine["data"][0]["tag"] == "mytag"
    assert mine["data"][0]["clOrdId"] == "mine1"
    auto = await client.submit_multiple_orders([resting_buy(), resting_buy()])
    ids = [d["clOrdId"] for d in auto["data"]]
    assert all(ids) and len(set(ids)) == 2
    assert all(d["tag"] == "okxws" for d in auto["data"])
    params = resting_buy()
    await client.submit_new_order(params)
    assert "clOrdId" not in params  # the caller's dict is untouched


async def test_exp_time_is_enforced_by_the_server(make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    with pytest.raises(OkxApiError) as info:
        await client.submit_new_order(resting_buy(), expires_in=-5)
    assert info.value.data[0]["sCode"] == "50036"
    ok = await client.submit_new_order(resting_buy(), expires_in=5)
    assert ok["code"] == "0"
    with pytest.raises(OkxValidationError):
        await client.submit_new_order(resting_buy(), exp_time=1, expires_in=1)


@pytest.mark.parametrize(
    ("market", "demo", "host"),
    [
        ("prod", False, "wss://ws.okx.com"),
        ("prod", True, "wss://wspap.okx.com"),
        ("EEA", False, "wss://wseea.okx.com"),
        ("EEA", True, "wss://wseeapap.okx.com"),
        ("US", False, "wss://wsus.okx.com"),
        ("US", True, "wss://wsuspap.okx.com"),
    ],
)
def test_market_and_demo_select_urls(market: Market, demo: bool, host: str) -> None:
    client = WebsocketAPIClient(market=market, demo_trading=demo)
    ws = client.get_ws_client()
    assert ws.connection("public").url == f"{host}/ws/v5/public"


def test_bad_options_are_refused() -> None:
    with pytest.raises(OkxValidationError):
        WebsocketAPIClient(market="asia")  # type: ignore[arg-type]
    with pytest.raises(OkxValidationError):
        WebsocketAPIClient(ping_interval=40)
    with pytest.raises(OkxValidationError):
        WebsocketAPIClient(default_tag="bad-tag")


async def test_orders_pushes_for_api_orders(make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    stream = client.get_ws_client().stream(["orders"])
    await client.get_ws_client().subscribe({"channel": "orders", "instType": "SPOT"})
    placed = await client.submit_new_order(resting_buy(clOrdId="push1"))
    await client.cancel_order({"instId": "BTC-USDT", "clOrdId": "push1"})
    states = []
    async with asyncio.timeout(5):
        async for push in stream:
            order = push["data"][0]
            assert order["ordId"] == placed["data"][0]["ordId"]
            states.append(order["state"])
            if order["state"] == "canceled":
                break
    assert states == ["live", "canceled"]


async def test_generated_client_order_id_survives_an_unknown_outcome(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(auto_client_order_id=True)
    await client.connect_ws_api()
    sim.faults.drop_on_op("order", execute=True)
    with pytest.raises(OkxConnectionLostError) as info:
        await client.submit_new_order(resting_buy())
    assert info.value.outcome_unknown
    assert info.value.request is not None
    cl_ord_id = info.value.request["args"][0]["clOrdId"]
    # The order did reach the exchange: the caller can find it by the generated clOrdId.
    order = sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id=cl_ord_id)
    assert order is not None
    assert order["state"] == "live"


async def test_health_figures(sim: Simulator, make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    ws = client.get_ws_client()
    await ws.subscribe({"channel": "tickers", "instId": "BTC-USDT"})
    order: m.PlaceOrderRequest = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy",
                                  "ordType": "limit", "sz": "0.001", "px": "50000"}  # fmt: skip
    await client.submit_new_order(order)
    with pytest.raises(OkxApiError):
        await client.submit_new_order({**order, "sz": "100000"})
    sim.faults.withhold_replies("order", times=1)
    with pytest.raises(OkxRequestTimeoutError):
        await client.submit_new_order(order, timeout=0.1)
    await client.get_rest_client().get_balance()
    stats = client.stats()
    private = stats["connections"]["private[0]"]
    assert private["state"] == "ready" and private["logins"] == 1
    orders = private["ops"]["order"]
    assert (orders["sent"], orders["ok"], orders["rejected"]) == (3, 1, 1)
    assert (orders["unknown"], orders["timed_out"]) == (1, 1)
    assert orders["round_trip_ms"]["p50"] > 0 and orders["okx_ms"]["p50"] is not None
    assert stats["pushes"]["tickers"]["pushes"] >= 1
    assert stats["pushes"]["tickers"]["age_ms"]["max"] is not None
    assert stats["rest"]["/api/v5/account/balance"]["ok"] == 1
    assert {b["bucket"] for b in stats["rate_limits"]["budgets"]} >= {"place", "sub-account"}
    assert stats["clock_offset_ms"] == 0


def test_round_trips_are_timed_finer_than_uvloops_clock() -> None:
    """uvloop's ``loop.time()`` counts whole milliseconds: the round trips in ``stats()``
    are read on ``time.monotonic`` instead, on every loop."""

    async def round_trips() -> list[float]:
        async with (
            Simulator(host="127.0.0.1", port=0) as sim,
            WebsocketAPIClient(**client_options(sim)) as client,
        ):
            for _ in range(5):
                await client.submit_new_order(resting_buy())
            figures = client.stats()["connections"]["private[0]"]["ops"]["order"]
            return [figures["round_trip_ms"][q] for q in ("p50", "p99", "max")]

    timed = uvloop.run(round_trips())
    assert all(value is not None and value > 0 for value in timed), timed
    assert any(value != round(value) for value in timed), timed  # not whole milliseconds


@pytest.mark.parametrize(("scheme", "ws_tunnel"), [("http", "connect"), ("socks5", "socks5")])
async def test_orders_and_lookups_through_a_proxy(
    sim: Simulator, make_api_client: ApiClientFactory, scheme: str, ws_tunnel: str
) -> None:
    # One proxy for everything: the WebSocket connections tunnel through it (HTTP CONNECT or
    # SOCKS5), and so do the REST lookups behind them (the instIdCode cache).
    async with ForwardingProxy() as proxy:
        client = make_api_client(proxy=proxy.url(scheme))
        try:
            placed = await client.submit_new_order(resting_buy())
            assert placed["data"][0]["sCode"] == "0"
        finally:
            await client.close()
    target = f"127.0.0.1:{sim.port}"
    assert proxy.tunnels and all(t[0] == target for t in proxy.tunnels), proxy.tunnels
    assert ws_tunnel in {t[1] for t in proxy.tunnels}
