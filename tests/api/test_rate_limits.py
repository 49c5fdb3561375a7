"""Client-side rate limiting against the simulator: wait, raise, off; keyed as OKX keys it."""

from __future__ import annotations

import asyncio

import pytest

from okxws import OkxApiError, OkxRateLimitError, WebsocketAPIClient
from okxws.protocol import messages as m
from okxws.protocol.ops import RateLimit
from okxws.simulator import Simulator

from ..conftest import ApiClientFactory, op_count


def resting(inst: str = "BTC-USDT", **extra: str) -> m.PlaceOrderRequest:
    order: m.PlaceOrderRequest = {"instId": inst, "tdMode": "cash", "side": "buy",
                                  "ordType": "limit", "sz": "0.001", "px": "1000"}  # fmt: skip
    order.update(extra)  # type: ignore[typeddict-item]
    return order


def small(bucket: str, limit: int) -> dict[str, RateLimit]:
    """A budget small enough to exhaust quickly (the other budgets keep OKX's numbers)."""
    return {bucket: RateLimit(bucket=bucket, limit=limit, window_s=0.5)}


async def test_a_burst_over_the_budget_waits_and_is_never_rejected(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    # OKX's own numbers: 60 orders / 2 s per instrument. 150 at once: 60, then 60, then 30.
    client = make_api_client(request_timeout=10.0)
    await client.connect_ws_api()
    results = await asyncio.gather(*(client.submit_new_order(resting()) for _ in range(150)))
    assert all(r["code"] == "0" for r in results)
    assert op_count(sim, "order") == 150
    limiter = client.get_ws_client().limiter
    assert limiter is not None and len(limiter.recent_waits) >= 90  # they simply waited


async def test_raise_fails_fast_and_sends_nothing(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(rate_limit="raise", rate_limits=small("place", 5))
    await client.connect_ws_api()
    results = await asyncio.gather(
        *(client.submit_new_order(resting()) for _ in range(8)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, OkxRateLimitError)]
    assert len(refused) == 3 and op_count(sim, "order") == 5
    assert all(not e.outcome_unknown and e.retry_after and e.response is None for e in refused)
    assert "nothing was sent" in str(refused[0])


async def test_a_wait_that_would_outlast_the_deadline_fails_at_once(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(rate_limits=small("place", 1))
    await client.submit_new_order(resting())
    with pytest.raises(OkxRateLimitError, match="than the request can wait"):
        await client.submit_new_order(resting(), timeout=0.05)
    with pytest.raises(OkxRateLimitError):  # the budget returns after the expTime
        await client.submit_new_order(resting(), expires_in=0.05)
    assert op_count(sim, "order") == 1


async def test_instruments_and_accounts_do_not_share_a_budget(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(rate_limit="raise", rate_limits=small("place", 3))
    await asyncio.gather(
        *(client.submit_new_order(resting(inst)) for inst in ("BTC-USDT", "ETH-USDT") * 3)
    )
    with pytest.raises(OkxRateLimitError):
        await client.submit_new_order(resting("ETH-USDT"))
    # instId and instIdCode name one instrument: one budget.
    with pytest.raises(OkxRateLimitError):
        await client.submit_new_order({**resting(), "instIdCode": 100001})


async def test_rest_and_ws_share_one_budget(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client: WebsocketAPIClient = make_api_client(rate_limit="raise", rate_limits=small("place", 4))
    rest = client.get_rest_client()
    await asyncio.gather(*(rest.submit_order(resting()) for _ in range(2)))
    await asyncio.gather(*(client.submit_new_order(resting()) for _ in range(2)))
    with pytest.raises(OkxRateLimitError):
        await rest.submit_order(resting())
    with pytest.raises(OkxRateLimitError):
        await client.submit_new_order(resting())


async def test_the_sub_account_budget_spans_instruments_and_counts_batch_items(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(rate_limit="raise", rate_limits=small("sub-account", 4))
    await client.submit_multiple_orders([resting("BTC-USDT"), resting("ETH-USDT")])
    await client.submit_new_order(resting("BTC-USDT-SWAP", tdMode="cross", sz="1"))
    with pytest.raises(OkxApiError):  # cancels do not count towards this budget
        await client.cancel_order({"instId": "BTC-USDT", "clOrdId": "nosuch"})
    await client.submit_new_order(resting("ETH-USDT"))
    with pytest.raises(OkxRateLimitError):
        await client.submit_new_order(resting("ETH-USDT"))


async def test_okx_limit_answers_back_off_and_are_never_resent(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(rate_limit="raise")
    await client.connect_ws_api()
    sim.faults.rate_limit_next(1, op="order")
    with pytest.raises(OkxRateLimitError) as okx:
        await client.submit_new_order(resting())
    assert okx.value.response is not None and okx.value.code == "50011"
    assert not okx.value.outcome_unknown
    # The client now treats that budget as spent for one window instead of hammering.
    with pytest.raises(OkxRateLimitError) as local:
        await client.submit_new_order(resting())
    assert local.value.response is None
    assert op_count(sim, "order") == 1


async def test_subscribe_budget_per_connection_starts_afresh_after_a_reconnect(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(rate_limits={"control": RateLimit(bucket="control", limit=3)})
    ws = client.get_ws_client()
    await ws.subscribe({"channel": "tickers", "instId": "BTC-USDT"})
    await ws.subscribe({"channel": "books5", "instId": "BTC-USDT"})
    await ws.subscribe({"channel": "tickers", "instId": "ETH-USDT"})
    with pytest.raises(OkxRateLimitError, match="login/subscribe/unsubscribe"):
        await ws.subscribe({"channel": "books5", "instId": "ETH-USDT"}, timeout=0.1)
    reconnected = asyncio.Event()
    ws.on("reconnected", lambda _: reconnected.set())
    await sim.drop_connections("public")
    async with asyncio.timeout(5):
        await reconnected.wait()
    # The new connection resubscribed in one request and has budget left.
    await ws.subscribe({"channel": "books5", "instId": "ETH-USDT"})
