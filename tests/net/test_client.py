"""WebsocketClient: accounts, raw requests, subscriptions, close, TLS, secrets."""

from __future__ import annotations

import asyncio
import gc
import logging
import ssl
from typing import Any

import pytest

from okxws import (
    ApiCredentials,
    OkxApiError,
    OkxAuthenticationError,
    OkxConnectionLostError,
    OkxRequestTimeoutError,
    OkxStateError,
    OkxValidationError,
)
from okxws.net.client import WebsocketClient
from okxws.protocol.state import ConnState
from okxws.simulator import Simulator

from ..conftest import FAST, ClientFactory, op_count
from .helpers import event_waiter, resting_buy


async def test_each_account_has_its_own_connections(
    sim: Simulator, make_client: ClientFactory
) -> None:
    key, secret, passphrase = "second-key", "second-secret", "second-pass"
    sim.add_account(key, secret, passphrase)
    client = make_client(accounts=[sim.credentials, ApiCredentials(key, secret, passphrase)])
    first = await client.send_ws_api_request("order", [resting_buy()])
    second = await client.send_ws_api_request("order", [resting_buy()], account=1)
    assert first["code"] == second["code"] == "0"
    assert sim.connection_count("private") == 2
    with pytest.raises(OkxValidationError):
        await client.send_ws_api_request("order", [resting_buy()], account=2)


async def test_bad_requests_raise_before_sending(make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(OkxValidationError):
        await client.send_ws_api_request("no-such-op", [{}])
    with pytest.raises(OkxValidationError):
        await client.send_ws_api_request("order", [])
    with pytest.raises(OkxValidationError):
        await client.send_ws_api_request("batch-orders", [resting_buy()] * 21)
    with pytest.raises(OkxValidationError):
        await client.send_ws_api_request("cancel-order", [{}], exp_time=1)
    with pytest.raises(OkxValidationError):
        await client.send_ws_api_request("order", [resting_buy()], timeout=-1)
    assert client.connection("private").state is ConnState.IDLE  # nothing was opened


async def test_public_and_business_subscriptions_route_and_ack(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    updates: list[dict[str, Any]] = []
    client.on("update", updates.append)
    stream = client.stream(["tickers"])
    await client.subscribe([{"channel": "tickers", "instId": "BTC-USDT"}])
    await client.subscribe({"channel": "sprd-orders"})
    assert client.connection("public").state is ConnState.READY
    assert client.connection("business").state is ConnState.READY
    async with asyncio.timeout(5):
        push = await anext(stream)
    assert push["arg"]["channel"] == "tickers"
    assert push["data"][0]["instId"] == "BTC-USDT"
    assert updates
    await client.unsubscribe({"channel": "tickers", "instId": "BTC-USDT"})
    assert not client.connection("public").subscriptions


def test_public_channels_need_no_account() -> None:
    client = WebsocketClient(attach_event_listeners=False)
    candles = client.connection_for({"channel": "candle1m", "instId": "BTC-USDT"}, None)
    tickers = client.connection_for({"channel": "tickers", "instId": "BTC-USDT"}, None)
    assert (candles.kind, candles.account, candles.needs_login) == ("business", None, False)
    assert (tickers.kind, tickers.account) == ("public", None)
    with pytest.raises(OkxValidationError, match="needs API credentials"):
        client.connection_for({"channel": "orders", "instType": "ANY"}, None)


async def test_subscribe_error_raises(make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(OkxApiError) as info:
        await client.subscribe({"channel": "tickers", "instId": "NOPE-USDT"})
    assert info.value.code == "60018"


async def test_close_is_idempotent_and_fails_pending(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    closed = event_waiter(client, "close")
    await client.connect_ws_api()
    sim.faults.withhold_replies("order")
    pending = asyncio.create_task(client.send_ws_api_request("order", [resting_buy()]))
    await sim.wait_for(lambda: op_count(sim, "order") == 1)
    await client.close()
    await client.close()
    assert closed.is_set()
    with pytest.raises(OkxConnectionLostError):
        await pending
    with pytest.raises(OkxStateError):
        await client.send_ws_api_request("order", [resting_buy()])
    await sim.wait_for(lambda: sim.connection_count() == 0)
    gc.collect()


async def test_async_with_closes(sim: Simulator) -> None:
    async with WebsocketClient([sim.credentials], ws_base_url=sim.ws_base_url, **FAST) as client:
        await client.connect_ws_api()
    assert client.connection is not None
    await sim.wait_for(lambda: sim.connection_count() == 0)


async def test_tls_with_custom_ssl_context() -> None:
    async with Simulator(tls=True) as tls_sim:
        assert tls_sim.ws_base_url.startswith("wss://")
        assert tls_sim.ca_file is not None
        context = ssl.create_default_context(cafile=tls_sim.ca_file)
        async with WebsocketClient(
            [tls_sim.credentials], ws_base_url=tls_sim.ws_base_url, ssl_context=context, **FAST
        ) as client:
            res = await client.send_ws_api_request("order", [resting_buy()])
            assert res["code"] == "0"
        # Without the CA the default context verifies and refuses the self-signed certificate.
        async with WebsocketClient(
            [tls_sim.credentials],
            ws_base_url=tls_sim.ws_base_url,
            **{**FAST, "connect_timeout": 2.0},
        ) as unverified:
            with pytest.raises(OkxRequestTimeoutError):
                await unverified.send_ws_api_request("order", [resting_buy()], timeout=1.0)


async def test_frame_log_follows_the_level_set_at_any_time(
    sim: Simulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Received frames are logged at DEBUG from the moment DEBUG is turned on, and not after
    it is turned off (the receive path reads the logger's memo of its level)."""
    client = make_client()
    await client.connect_ws_api()

    def frames_logged() -> int:
        return sum(" <- " in r.getMessage() for r in caplog.records if r.name == "okxws.net")

    caplog.set_level(logging.INFO, logger="okxws.net")
    await client.send_ws_api_request("order", [resting_buy()])
    assert frames_logged() == 0
    caplog.set_level(logging.DEBUG, logger="okxws.net")
    await client.send_ws_api_request("order", [resting_buy()])
    assert frames_logged() == 1
    caplog.set_level(logging.INFO, logger="okxws.net")
    await client.send_ws_api_request("order", [resting_buy()])
    assert frames_logged() == 1


async def test_secrets_never_logged(
    sim: Simulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_client = make_client(attach_event_listeners=True)
    await secret_client.connect_ws_api()
    await secret_client.send_ws_api_request("order", [resting_buy()])
    bad = ApiCredentials(sim.api_key, "another-wrong-secret", "another-wrong-pass")
    failing = make_client(accounts=[bad], attach_event_listeners=True)
    with pytest.raises(OkxAuthenticationError) as info:
        await failing.connect_ws_api()
    texts = [caplog.text, str(info.value), repr(info.value), repr(secret_client), repr(failing)]
    for text in texts:
        for secret in (sim.api_secret, sim.api_pass, "another-wrong-secret", "another-wrong-pass"):
            assert secret not in text
        assert '"sign"' not in text
