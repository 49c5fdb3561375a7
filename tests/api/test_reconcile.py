"""resolve(): every unknown outcome turned into a known one, checked against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from okxws import (
    OkxApiError,
    OkxConnectionLostError,
    OkxError,
    OkxHttpError,
    OkxRequestTimeoutError,
    OkxValidationError,
    RestClient,
)
from okxws.api.reconcile import OrderLookup
from okxws.protocol import messages as m
from okxws.simulator import Simulator

from ..conftest import ApiClientFactory, op_count

GRACE = 0.2  # the orders are executed or not at once; keep the suite fast
SPREAD_ORDER: m.SpreadPlaceOrderRequest = {
    "sprdId": "BTC-USDT_BTC-USDT-SWAP", "side": "buy", "ordType": "limit", "sz": "0.001",
    "px": "10",
}  # fmt: skip


@pytest.fixture
async def rest(sim: Simulator) -> AsyncIterator[RestClient]:
    async with RestClient(sim.credentials, rest_base_url=sim.rest_base_url) as client:
        yield client


def resting(**extra: str) -> m.PlaceOrderRequest:
    order: m.PlaceOrderRequest = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy",
                                  "ordType": "limit", "sz": "0.001", "px": "50000"}  # fmt: skip
    order.update(extra)  # type: ignore[typeddict-item]
    return order


def sim_has(sim: Simulator, cl_ord_id: str) -> bool:
    return sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id=cl_ord_id) is not None


async def lost(coro: object) -> OkxError:
    """The error of a call whose outcome is unknown."""
    with pytest.raises(OkxError) as info:
        await coro  # type: ignore[misc]
    assert info.value.outcome_unknown
    return info.value


@pytest.mark.parametrize("executed", [True, False])
async def test_a_place_lost_with_the_connection(
    sim: Simulator, make_api_client: ApiClientFactory, executed: bool
) -> None:
    client = make_api_client()
    await client.connect_ws_api()
    sim.faults.drop_on_op("order", execute=executed)
    exc = await lost(client.submit_new_order(resting()))
    assert isinstance(exc, OkxConnectionLostError)
    assert exc.request is not None
    cl = exc.request["args"][0]["clOrdId"]  # generated: every order is resolvable
    [found] = await client.resolve(exc, grace=GRACE)
    assert found.exists is executed is sim_has(sim, cl)
    assert found.executed is executed
    assert found.state == ("live" if executed else None)
    assert (found.order is not None) is executed
    assert op_count(sim, "order") == 1  # resolve never re-sends


async def test_an_order_executed_but_its_reply_withheld(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client()
    sim.faults.withhold_replies("order")
    exc = await lost(client.submit_new_order(resting(clOrdId="silent1"), timeout=0.3))
    assert isinstance(exc, OkxRequestTimeoutError)
    [found] = await client.resolve(exc.request, grace=GRACE)  # the request dict works too
    assert found.exists and found.order is not None
    assert found.order["clOrdId"] == "silent1"


async def test_the_orders_channel_ends_the_wait_early(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client()
    await client.get_ws_client().subscribe({"channel": "orders", "instType": "ANY"})
    sim.faults.withhold_replies("order")
    exc = await lost(client.submit_new_order(resting(), timeout=0.3))
    async with asyncio.timeout(10):  # the grace below would take 30 s
        [found] = await client.resolve(exc, grace=30.0, timeout=40.0)
    assert found.exists and found.state == "live"


async def test_exp_time_is_waited_out(sim: Simulator, make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    await client.connect_ws_api()
    sim.faults.drop_on_op("order", execute=False)
    exc = await lost(client.submit_new_order(resting(), expires_in=0.5))
    assert exc.request is not None and "expTime" in exc.request
    [found] = await client.resolve(exc, grace=0.0)
    assert not found.exists and found.state is None
    with pytest.raises(OkxValidationError, match="longer than timeout"):
        await client.resolve({**exc.request, "expTime": str(sim.now_ms() + 60_000)}, timeout=1)


async def test_cancels_and_amends(sim: Simulator, make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    placed = await client.submit_new_order(resting(clOrdId="ca1"))
    ord_id = placed["data"][0]["ordId"]
    sim.faults.drop_on_op("amend-order", execute=True)
    amend = await lost(
        client.amend_order({"instId": "BTC-USDT", "ordId": ord_id, "newPx": "50001", "reqId": "r7"})
    )
    [amended] = await client.resolve(amend, grace=GRACE)
    assert amended.exists and amended.executed and amended.order is not None
    assert amended.order["px"] == "50001"
    sim.faults.drop_on_op("cancel-order", execute=False)
    cancel = await lost(client.cancel_order({"instId": "BTC-USDT", "clOrdId": "ca1"}))
    [kept] = await client.resolve(cancel, grace=GRACE)
    assert kept.exists and kept.state == "live" and not kept.executed
    sim.faults.drop_on_op("cancel-order", execute=True)
    cancel = await lost(client.cancel_order({"instId": "BTC-USDT", "clOrdId": "ca1"}))
    [gone] = await client.resolve(cancel, grace=GRACE)
    assert gone.exists and gone.state == "canceled" and gone.executed


async def test_a_batch_is_resolved_item_by_item(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client()
    await client.connect_ws_api()
    sim.faults.drop_on_op("batch-orders", execute=True)
    exc = await lost(client.submit_multiple_orders([resting(), resting(sz="100000")]))
    found = await client.resolve(exc, grace=GRACE)
    # The first was placed; the second was rejected by the engine (no such balance).
    assert [f.exists for f in found] == [True, False]
    assert exc.request is not None
    assert [sim_has(sim, a["clOrdId"]) for a in exc.request["args"]] == [True, False]


async def test_spread_orders(sim: Simulator, make_api_client: ApiClientFactory) -> None:
    client = make_api_client()
    await client.connect_ws_api()
    sim.faults.drop_on_op("sprd-order", execute=True)
    exc = await lost(client.submit_spread_order(SPREAD_ORDER))
    [found] = await client.resolve(exc, grace=GRACE)
    assert found.exists and found.state == "live"


async def test_what_cannot_be_resolved(sim: Simulator, make_api_client: ApiClientFactory) -> None:
    client = make_api_client(auto_client_order_id=False)
    with pytest.raises(OkxValidationError, match="clOrdId"):
        await client.resolve({"op": "order", "args": [dict(resting())]})
    with pytest.raises(OkxValidationError, match="names no order"):
        await client.resolve({"op": "mass-cancel", "args": [{}]})
    with pytest.raises(OkxValidationError):
        await client.resolve({"op": "nope", "args": []})
    with pytest.raises(OkxValidationError):
        await client.resolve(OkxError("no request"))


async def test_rest_writes_resolve_too(sim: Simulator) -> None:
    async with RestClient(sim.credentials, rest_base_url=sim.rest_base_url) as rest:
        request = {"op": "order", "args": [dict(resting(clOrdId="viarest"))]}
        [missing] = await rest.resolve(request, grace=0.0)
        assert not missing.exists
        await rest.submit_order(resting(clOrdId="viarest"))
        [found] = await rest.resolve(request, grace=0.0)
        assert found.exists and found.executed


# ---------------------------------------------------------------- every unknown-outcome path
# Each case: a fault switch makes the outcome unknown (the order did or did not execute);
# resolve() must then report exactly what the simulator itself holds.


def assert_matches_sim(sim: Simulator, found: list[OrderLookup], cls: list[str]) -> None:
    """resolve()'s answers equal the simulator's own record of each order."""
    for lookup, cl in zip(found, cls, strict=True):
        record = sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id=cl)
        assert lookup.order == record
        assert lookup.exists is (record is not None) is lookup.executed


@pytest.mark.parametrize("code", ["50004", "51149"])
@pytest.mark.parametrize("executed", [True, False])
async def test_ws_outcome_unknown_codes(
    sim: Simulator, make_api_client: ApiClientFactory, code: str, executed: bool
) -> None:
    client = make_api_client()
    sim.faults.reply_outcome_unknown(code, "order", execute=executed, via="ws")
    exc = await lost(client.submit_new_order(resting(clOrdId=f"u{code}")))
    assert isinstance(exc, OkxApiError)
    found = await client.resolve(exc, grace=GRACE)
    assert found[0].exists is executed
    assert_matches_sim(sim, found, [f"u{code}"])


@pytest.mark.parametrize("code", ["50004", "51149"])
@pytest.mark.parametrize("executed", [True, False])
async def test_rest_outcome_unknown_codes(
    sim: Simulator, rest: RestClient, code: str, executed: bool
) -> None:
    sim.faults.reply_outcome_unknown(code, "order", execute=executed, via="rest")
    exc = await lost(rest.submit_order(resting(clOrdId=f"r{code}")))
    assert isinstance(exc, OkxApiError)
    found = await rest.resolve(exc, grace=GRACE)  # the error carries the request as sent
    assert found[0].exists is executed
    assert_matches_sim(sim, found, [f"r{code}"])


async def test_a_batch_where_some_items_executed(
    sim: Simulator, make_api_client: ApiClientFactory, rest: RestClient
) -> None:
    client = make_api_client()
    sim.faults.reply_outcome_unknown("51149", "batch-orders", execute={0, 2})
    items = [resting(clOrdId=f"p{i}") for i in range(3)]
    exc = await lost(client.submit_multiple_orders(items))
    found = await client.resolve(exc, grace=GRACE)
    assert [f.exists for f in found] == [True, False, True]
    assert_matches_sim(sim, found, ["p0", "p1", "p2"])
    sim.faults.rest_http_error(502, "batch-orders", html=True, execute={1})
    exc = await lost(rest.submit_multiple_orders([resting(), resting()]))  # generated clOrdIds
    found = await rest.resolve(exc, grace=0)
    assert [f.exists for f in found] == [False, True]
    assert exc.request is not None
    assert_matches_sim(sim, found, [a["clOrdId"] for a in exc.request["args"]])


async def test_a_delayed_execution_lands_before_exp_time(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client()
    await client.connect_ws_api()
    sim.faults.delay_execution(0.3, "order", reply=False)
    exc = await lost(client.submit_new_order(resting(clOrdId="late1"), expires_in=0.6, timeout=0.1))
    assert isinstance(exc, OkxRequestTimeoutError)
    assert not sim_has(sim, "late1")  # not yet: it lands after the client gave up
    found = await client.resolve(exc, grace=0.0)  # waits out expTime
    assert found[0].exists and found[0].state == "live"
    assert_matches_sim(sim, found, ["late1"])


async def test_a_delayed_execution_past_exp_time_never_lands(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client()
    await client.connect_ws_api()
    sim.faults.delay_execution(0.4, "order")
    with pytest.raises(OkxApiError) as info:  # the late answer: expired, nothing executed
        await client.submit_new_order(resting(clOrdId="late2"), expires_in=0.1, timeout=5)
    assert info.value.failed[0]["sCode"] == "50037" and not sim_has(sim, "late2")


@pytest.mark.parametrize("executed", [True, False])
async def test_rest_no_answer_until_the_client_times_out(sim: Simulator, executed: bool) -> None:
    async with RestClient(
        sim.credentials, rest_base_url=sim.rest_base_url, request_timeout=0.3
    ) as rest:
        sim.faults.rest_no_answer("order", execute=executed)
        exc = await lost(rest.submit_order(resting(clOrdId="quiet")))
        assert isinstance(exc, OkxRequestTimeoutError)
        found = await rest.resolve(exc, grace=GRACE)
        assert found[0].exists is executed
        assert_matches_sim(sim, found, ["quiet"])


async def test_rest_delayed_execution(sim: Simulator) -> None:
    async with RestClient(
        sim.credentials, rest_base_url=sim.rest_base_url, request_timeout=0.1
    ) as rest:
        sim.faults.delay_execution(0.3, "order", via="rest")
        item = resting(clOrdId="slow")
        await lost(rest.submit_order(item))
        found = await rest.resolve({"op": "order", "args": [dict(item)]}, grace=0.8)
        assert found[0].exists
        assert_matches_sim(sim, found, ["slow"])


@pytest.mark.parametrize("html", [True, False])
@pytest.mark.parametrize("executed", [True, False])
async def test_rest_http_5xx(sim: Simulator, rest: RestClient, html: bool, executed: bool) -> None:
    sim.faults.rest_http_error(502 if html else 503, "order", html=html, execute=executed)
    exc = await lost(rest.submit_order(resting(clOrdId="gw")))
    assert isinstance(exc, OkxHttpError if html else OkxApiError)
    found = await rest.resolve(exc, grace=GRACE)
    assert found[0].exists is executed
    assert_matches_sim(sim, found, ["gw"])
