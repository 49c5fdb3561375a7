"""Connection: login, requests in flight, keep-alive and recovery, against the simulator."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from okxws import (
    ApiCredentials,
    OkxApiError,
    OkxAuthenticationError,
    OkxConnectionLostError,
    OkxRequestTimeoutError,
)
from okxws.net.client import WebsocketClient
from okxws.net.connection import backoff_delay
from okxws.net.options import DEFAULT, Timeout
from okxws.protocol.state import ConnState
from okxws.simulator import Simulator

from ..conftest import ClientFactory, op_count
from .helpers import BTC_USDT, event_waiter, resting_buy, wait


async def test_cold_client_races_share_one_login(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    results = await asyncio.gather(
        *(client.send_ws_api_request("order", [resting_buy()]) for _ in range(30))
    )
    assert all(r["code"] == "0" for r in results)
    assert len({r["data"][0]["ordId"] for r in results}) == 30
    assert sim.login_count == 1
    assert sim.connection_count("private") == 1


async def test_connect_ws_api_logs_in_private_and_business(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    authenticated: list[dict[str, Any]] = []
    client.on("authenticated", authenticated.append)
    await client.connect_ws_api()
    assert sorted(p["connection"] for p in authenticated) == ["business", "private"]
    assert client.connection("private").state is ConnState.READY
    assert client.connection("business").state is ConnState.READY
    assert sim.login_count == 2
    await client.connect_ws_api()  # already ready: no new login
    assert sim.login_count == 2


async def test_rejected_login_fails_every_waiter_without_a_login_loop(
    sim: Simulator, make_client: ClientFactory
) -> None:
    bad = ApiCredentials(sim.api_key, "wrong-secret", sim.api_pass)
    client = make_client(accounts=[bad], reconnect_timeout=5.0)
    results = await asyncio.gather(
        *(client.send_ws_api_request("order", [resting_buy()]) for _ in range(10)),
        return_exceptions=True,
    )
    assert all(isinstance(r, OkxAuthenticationError) for r in results)
    assert {r.code for r in results if isinstance(r, OkxAuthenticationError)} == {"60007"}
    assert op_count(sim, "login") == 1
    # Within the cool-down a new request is refused at once, without a new login.
    with pytest.raises(OkxAuthenticationError):
        await client.send_ws_api_request("order", [resting_buy()])
    assert op_count(sim, "login") == 1


async def test_failed_login_code_from_fault(sim: Simulator, make_client: ClientFactory) -> None:
    sim.faults.fail_next_login("60009")
    client = make_client(reconnect_timeout=0.01)
    with pytest.raises(OkxAuthenticationError, match="60009"):
        await client.connect_ws_api()


async def test_login_uses_time_offset(sim: Simulator, make_client: ClientFactory) -> None:
    client = make_client()
    client.set_time_offset_ms(-120_000)  # two minutes behind: OKX refuses the timestamp
    with pytest.raises(OkxAuthenticationError, match="60006"):
        await client.connect_ws_api()
    offset = await client.sync_time()
    assert abs(offset) < 2_000
    client2 = make_client()
    client2.set_time_offset_ms(offset)
    await client2.connect_ws_api()


async def test_api_error_carries_the_whole_response(make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(OkxApiError) as info:
        await client.send_ws_api_request("cancel-order", [{"instIdCode": BTC_USDT, "ordId": "1"}])
    assert info.value.code == "1"
    assert info.value.data[0]["sCode"] == "51400"
    assert info.value.response["op"] == "cancel-order"
    assert not info.value.outcome_unknown
    # The request as sent, matched to the response by its id.
    assert info.value.request == {
        "id": info.value.response["id"],
        "op": "cancel-order",
        "args": [{"instIdCode": BTC_USDT, "ordId": "1"}],
    }


async def test_timeout_says_outcome_unknown_and_leaves_nothing_pending(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    await client.connect_ws_api()
    sim.faults.withhold_replies("order")
    exp_time = client.server_time_ms() + 60_000
    with pytest.raises(OkxRequestTimeoutError) as info:
        await client.send_ws_api_request(
            "order", [resting_buy(clOrdId="t1")], exp_time=exp_time, timeout=0.2
        )
    assert isinstance(info.value, TimeoutError)
    assert info.value.outcome_unknown
    assert "OUTCOME UNKNOWN" in str(info.value)
    assert info.value.request is not None
    assert info.value.request["args"][0]["clOrdId"] == "t1"
    assert info.value.request["expTime"] == str(exp_time)
    assert client.connection("private").in_flight() == 0


async def test_connection_lost_mid_request_fails_at_once_and_is_never_resent(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    await client.connect_ws_api()
    reconnected = event_waiter(client, "reconnected")
    sim.faults.drop_on_op("order", execute=True)
    with pytest.raises(OkxConnectionLostError) as info:
        await client.send_ws_api_request("order", [resting_buy(clOrdId="lost1")], timeout=None)
    assert info.value.outcome_unknown
    await wait(reconnected)
    # The order exists on the exchange exactly once: it was never re-sent.
    assert op_count(sim, "order") == 1
    found = sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id="lost1")
    assert found is not None
    res = await client.send_ws_api_request("order", [resting_buy()])
    assert res["code"] == "0"


async def test_request_during_reconnect_waits_within_its_deadline(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client(reconnect_timeout=0.3)
    await client.connect_ws_api()
    reconnect = event_waiter(client, "reconnect")
    await sim.drop_connections("private")
    await wait(reconnect)
    res = await client.send_ws_api_request("order", [resting_buy()], timeout=5.0)
    assert res["code"] == "0"


async def test_idless_illegal_request_error_fails_its_request(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    await client.connect_ws_api()
    sim.faults.illegal_request_next_op("order")
    with pytest.raises(OkxApiError) as info:
        await client.send_ws_api_request("order", [resting_buy()], timeout=None)
    assert info.value.code == "60012"
    assert not info.value.outcome_unknown


async def test_cancelled_waiters_leave_nothing_behind(
    sim: Simulator, make_client: ClientFactory
) -> None:
    # 400 orders on one instrument at once: far over OKX's budget, so limiting is off here.
    client = make_client(request_timeout=0.3, rate_limit="off")
    await client.connect_ws_api()
    sim.faults.withhold_replies("order")
    tasks = [
        asyncio.create_task(client.send_ws_api_request("order", [resting_buy()]))
        for _ in range(200)
    ]
    await sim.wait_for(lambda: op_count(sim, "order") == 200)
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    conn = client.connection("private")
    # Sent is sent: a cancelled request stays tracked until its response or its deadline.
    assert conn.in_flight() == 200
    timeouts = await asyncio.gather(
        *(client.send_ws_api_request("order", [resting_buy()], timeout=0.05) for _ in range(200)),
        return_exceptions=True,
    )
    assert all(isinstance(r, OkxRequestTimeoutError) for r in timeouts)
    # The last deadline to pass: every earlier one has passed by then.
    with pytest.raises(OkxRequestTimeoutError):
        await client.send_ws_api_request("order", [resting_buy()])
    assert conn.in_flight() == 0


async def test_late_response_to_a_cancelled_request_reaches_the_response_event(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    await client.connect_ws_api()
    responses: list[dict[str, Any]] = []
    answered = asyncio.Event()

    def on_response(msg: dict[str, Any]) -> None:
        responses.append(msg)
        answered.set()

    client.on("response", on_response)
    sim.faults.reply_delay, sim.faults.reply_delay_op = 0.2, "order"
    task = asyncio.create_task(client.send_ws_api_request("order", [resting_buy(clOrdId="late1")]))
    await sim.wait_for(lambda: op_count(sim, "order") == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait(answered)
    # The caller gave up waiting, not the order: its outcome still arrives.
    assert responses[0]["data"][0]["clOrdId"] == "late1"
    assert responses[0]["code"] == "0"
    assert client.connection("private").in_flight() == 0


async def test_silent_server_is_detected_and_replaced(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client(ping_interval=0.2, pong_timeout=0.2)
    await client.connect_ws_api()
    reconnect = event_waiter(client, "reconnect")
    reconnected = event_waiter(client, "reconnected")
    sim.faults.answer_pings = False
    await wait(reconnect)
    sim.faults.answer_pings = True
    await wait(reconnected)
    res = await client.send_ws_api_request("order", [resting_buy()])
    assert res["code"] == "0"


async def test_keepalive_keeps_an_idle_connection_open(
    make_client: ClientFactory,
) -> None:
    async with Simulator(idle_timeout=0.5) as short_idle:
        client = make_client(
            accounts=[short_idle.credentials],
            ws_base_url=short_idle.ws_base_url,
            ping_interval=0.1,
            pong_timeout=0.1,
        )
        reconnect = event_waiter(client, "reconnect")
        await client.connect_ws_api()
        pongs_before = short_idle.ping_count
        await short_idle.wait_for(lambda: short_idle.ping_count >= pongs_before + 8)
        assert not reconnect.is_set()


async def test_notice_64008_reconnects_without_failing_requests_in_flight(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    sim.faults.reply_delay = 0.3
    sim.faults.reply_delay_op = "order"
    in_flight = await _order_in_flight_across_a_64008_notice(sim, client)
    sim.faults.reply_delay = 0.0
    assert (await in_flight)["code"] == "0"  # answered on the old socket
    res = await client.send_ws_api_request("order", [resting_buy()])
    assert res["code"] == "0"
    assert sim.login_count == 3  # private, business, and the replacement private


async def test_a_drained_socket_closes_once_its_last_request_expires(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    sim.faults.withhold_replies("order")
    in_flight = await _order_in_flight_across_a_64008_notice(sim, client, timeout=0.3)
    assert sim.connection_count("private") == 2  # the old socket drains its request
    with pytest.raises(OkxRequestTimeoutError):
        await in_flight
    # Nothing left to drain: closed now, not after drain_timeout (30 s).
    await sim.wait_for(lambda: sim.connection_count("private") == 1)


async def test_subscriptions_are_restored_after_reconnect(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    stream = client.stream(["orders"])
    await client.subscribe({"channel": "orders", "instType": "ANY"})
    opened: list[dict[str, Any]] = []
    client.on("open", opened.append)
    reconnected = event_waiter(client, "reconnected")
    await sim.drop_connections("private")
    await wait(reconnected)
    assert opened == []  # a reconnect is "reconnected", not a second "open" (as in the Node SDK)
    res = await client.send_ws_api_request("order", [resting_buy(clOrdId="after1")])
    async with asyncio.timeout(5):
        async for push in stream:
            order = push["data"][0]
            if order["clOrdId"] == "after1":
                assert order["ordId"] == res["data"][0]["ordId"]
                assert order["state"] == "live"
                break


def test_reconnect_backoff_grows_with_jitter_and_is_capped() -> None:
    for attempt, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 4.0), (30, 4.0)]:
        delays = [backoff_delay(attempt, 0.5, 4.0) for _ in range(200)]
        assert all(base * 0.8 <= d <= base * 1.2 for d in delays)
        assert len(set(delays)) > 1  # jitter: clients do not reconnect in lockstep


async def _order_in_flight_across_a_64008_notice(
    sim: Simulator, client: WebsocketClient, timeout: Timeout = DEFAULT
) -> asyncio.Task[Any]:
    """Send an order, then have the server announce 64008; returns once the client has
    reconnected, with the order still in flight on the old socket."""
    await client.connect_ws_api()
    reconnected = event_waiter(client, "reconnected")
    in_flight = asyncio.create_task(
        client.send_ws_api_request("order", [resting_buy()], timeout=timeout)
    )
    await sim.wait_for(lambda: op_count(sim, "order") == 1)
    await sim.broadcast_notice("private")
    await wait(reconnected)
    return in_flight


async def test_every_state_change_goes_through_the_table_and_is_logged(
    sim: Simulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="okxws.net")
    client = make_client()
    conn = client.connection("private")
    await client.connect_ws_api()
    assert conn.state is ConnState.READY and conn.sock is not None
    in_flight = await _order_in_flight_across_a_64008_notice(sim, client)
    await in_flight
    assert conn.state is ConnState.READY
    reconnected = event_waiter(client, "reconnected")
    await sim.drop_connections("private")
    await wait(reconnected)
    await client.close()
    changes = [
        r.getMessage().split(": ", 1)[1]
        for r in caplog.records
        if r.getMessage().startswith("private[0]: ") and " -> " in r.getMessage()
    ]
    assert changes == [
        "idle -> connecting (connect)",
        "connecting -> connected (opened)",
        "connected -> authenticating (login)",
        "authenticating -> authenticated (authenticated)",
        "authenticated -> ready (ready)",
        "ready -> replacing (notice)",
        "replacing -> ready (replaced)",
        "ready -> reconnecting (lost)",
        "reconnecting -> connecting (connect)",
        "connecting -> connected (opened)",
        "connected -> authenticating (login)",
        "authenticating -> authenticated (authenticated)",
        "authenticated -> ready (ready)",
        "ready -> closing (close)",
        "closing -> closed (closed)",
    ]
    assert conn.in_flight() == 0
    assert conn.state.value == "closed"
