"""Client-side rate limiting against the simulator: wait, raise, off; keyed as OKX keys it."""

from __future__ import annotations

import asyncio

import pytest

from okxws import OkxApiError, OkxPartialBatchError, OkxRateLimitError, WebsocketAPIClient
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


async def burst_refusals(client: WebsocketAPIClient, n: int) -> list[OkxRateLimitError]:
    """Place ``n`` orders at once on one instrument; the rate-limit errors among them (any
    other failure fails the test)."""
    results = await asyncio.gather(
        *(client.submit_new_order(resting()) for _ in range(n)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, OkxRateLimitError)]
    others = [r for r in results if isinstance(r, BaseException) and r not in refused]
    assert not others, others
    return refused


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
    assert sim.limits.refused_count == 0  # and the simulator, counting OKX's budget, agreed


async def test_raise_fails_fast_and_sends_nothing(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(rate_limit="raise", rate_limits=small("place", 5))
    await client.connect_ws_api()
    refused = await burst_refusals(client, 8)
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


# ---------------------------------------------------------------------- the simulator's side


async def test_a_burst_under_raise_fails_fast_and_the_simulator_refuses_nothing(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(rate_limit="raise")
    await client.connect_ws_api()
    refused = await burst_refusals(client, 150)
    assert len(refused) == 90 and all(e.response is None for e in refused)
    assert op_count(sim, "order") == 60 and sim.limits.refused_count == 0


async def test_a_burst_with_limiting_off_is_refused_by_the_simulator(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client = make_api_client(rate_limit="off")
    await client.connect_ws_api()
    refused = await burst_refusals(client, 150)
    assert len(refused) == 90 and op_count(sim, "order") == 150
    assert all(e.response is not None and e.code == "50011" for e in refused)
    assert sim.limits.refused == {"50011": 90}
    assert {(r.via, r.bucket, r.key) for r in sim.limits.refusals} == {("ws", "place", "BTC-USDT")}
    orders = await client.get_rest_client().get_order_list({"instType": "SPOT"})
    assert len(orders) == 60  # a refused order was never executed


async def test_small_windows_on_both_sides_keep_a_waiting_client_unrefused(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    sim.limits.set_limit("place", 5, 0.5)  # the same small budget on both sides
    client = make_api_client(rate_limits=small("place", 5))
    results = await asyncio.gather(*(client.submit_new_order(resting()) for _ in range(10)))
    assert all(r["code"] == "0" for r in results)
    assert sim.limits.refused_count == 0


async def test_the_simulator_keys_budgets_by_instrument(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    sim.limits.set_limit("place", 3)
    client = make_api_client(rate_limit="off")
    await asyncio.gather(
        *(client.submit_new_order(resting(inst)) for inst in ("BTC-USDT", "ETH-USDT") * 3)
    )
    with pytest.raises(OkxRateLimitError) as exc:
        await client.submit_new_order(resting("ETH-USDT"))
    assert exc.value.response is not None
    assert sim.limits.refused_count == 1


async def test_the_simulator_shares_one_budget_between_rest_and_ws(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    sim.limits.set_limit("place", 4)
    client = make_api_client(rate_limit="off")
    rest = client.get_rest_client()
    await asyncio.gather(*(rest.submit_order(resting()) for _ in range(2)))
    await asyncio.gather(*(client.submit_new_order(resting()) for _ in range(2)))
    with pytest.raises(OkxRateLimitError, match="HTTP 429, code 50011"):
        await rest.submit_order(resting())
    with pytest.raises(OkxRateLimitError) as ws:
        await client.submit_new_order(resting())
    assert ws.value.code == "50011" and ws.value.response is not None
    assert [r.via for r in sim.limits.refusals] == ["rest", "ws"]


async def test_rest_over_the_limit_is_okx_s_http_429(sim: Simulator) -> None:
    import aiohttp
    import orjson

    from okxws.protocol.auth import rest_headers

    sim.limits.set_limit("place", 1)
    body = orjson.dumps({"instId": "BTC-USDT", "tdMode": "cash", "side": "buy",
                         "ordType": "limit", "sz": "0.001", "px": "1000"}).decode()  # fmt: skip
    path = "/api/v5/trade/order"
    async with aiohttp.ClientSession() as http:
        answers = []
        for _ in range(2):
            headers = rest_headers(sim.credentials, sim.now_ms(), "POST", path, body)
            async with http.post(sim.rest_base_url + path, data=body, headers=headers) as r:
                answers.append((r.status, await r.read()))
    assert answers[0][0] == 200
    assert answers[1] == (429, b'{"msg":"Too Many Requests","code":"50011"}')


async def test_the_simulator_s_sub_account_budget_answers_50061(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    sim.limits.set_limit("sub-account", 4)
    client = make_api_client(rate_limit="off")
    await client.submit_multiple_orders([resting("BTC-USDT"), resting("ETH-USDT")])
    await client.submit_new_order(resting("BTC-USDT-SWAP", tdMode="cross", sz="1"))
    with pytest.raises(OkxApiError):  # cancels do not count towards this budget
        await client.cancel_order({"instId": "BTC-USDT", "clOrdId": "nosuch"})
    await client.submit_new_order(resting("ETH-USDT"))
    with pytest.raises(OkxRateLimitError) as ws:
        await client.submit_new_order(resting("ETH-USDT"))
    assert ws.value.code == "50061"
    with pytest.raises(OkxRateLimitError) as rest:
        await client.get_rest_client().submit_order(resting("BTC-USDT"))
    assert rest.value.code == "50061"
    assert sim.limits.refused == {"50061": 2}


async def test_a_batch_over_the_limit_fails_only_its_items_over(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    sim.limits.set_limit("batch-place", 3)
    client = make_api_client(rate_limit="off")
    with pytest.raises(OkxPartialBatchError) as exc:
        await client.submit_multiple_orders([resting() for _ in range(4)] + [resting("ETH-USDT")])
    assert [item["sCode"] for item in exc.value.data] == ["0", "0", "0", "50011", "0"]


async def test_the_top_level_answer_is_switchable(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    sim.limits.ws_reply = "top"
    sim.limits.set_limit("place", 1)
    client = make_api_client(rate_limit="off")
    await client.submit_new_order(resting())
    with pytest.raises(OkxRateLimitError) as exc:
        await client.submit_new_order(resting())
    assert exc.value.response is not None and exc.value.response["code"] == "50011"
    assert exc.value.response["data"] == []


async def test_the_simulator_s_login_subscribe_budget_starts_afresh_after_a_reconnect(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    sim.limits.set_limit("control", 3)
    client = make_api_client(rate_limit="off")
    ws = client.get_ws_client()
    await ws.subscribe({"channel": "tickers", "instId": "BTC-USDT"})
    await ws.subscribe({"channel": "books5", "instId": "BTC-USDT"})
    await ws.subscribe({"channel": "tickers", "instId": "ETH-USDT"})
    with pytest.raises(OkxRateLimitError) as exc:
        await ws.subscribe({"channel": "books5", "instId": "ETH-USDT"})
    assert exc.value.code == "60014"
    reconnected = asyncio.Event()
    ws.on("reconnected", lambda _: reconnected.set())
    await sim.drop_connections("public")
    async with asyncio.timeout(5):
        await reconnected.wait()
    # The new connection resubscribed in one request and has budget left.
    await ws.subscribe({"channel": "books5", "instId": "ETH-USDT"})
    assert [(r.code, r.bucket) for r in sim.limits.refusals] == [("60014", "control")]


async def test_the_client_backs_off_after_a_simulator_50011(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    sim.limits.set_limit("place", 2)  # smaller than the client's budget of OKX's 60
    client = make_api_client(rate_limit="raise")
    await client.connect_ws_api()
    await asyncio.gather(*(client.submit_new_order(resting()) for _ in range(2)))
    with pytest.raises(OkxRateLimitError) as okx:
        await client.submit_new_order(resting())
    assert okx.value.response is not None and okx.value.code == "50011"
    with pytest.raises(OkxRateLimitError) as local:  # the client now waits out the window
        await client.submit_new_order(resting())
    assert local.value.response is None
    assert op_count(sim, "order") == 3 and sim.limits.refused_count == 1
