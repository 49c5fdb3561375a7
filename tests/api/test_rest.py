"""RestClient against the simulator over real sockets: every method it serves, and the errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from okxws import (
    ApiCredentials,
    OkxApiError,
    OkxAuthenticationError,
    OkxHttpError,
    OkxPartialBatchError,
    OkxRateLimitError,
    OkxRequestTimeoutError,
    OkxValidationError,
    RestClient,
    WebsocketAPIClient,
)
from okxws.protocol import messages as m
from okxws.simulator import Simulator

from ..conftest import ApiClientFactory, ScriptedHttp
from ..proxy import ForwardingProxy


@pytest.fixture
async def rest(sim: Simulator) -> AsyncIterator[RestClient]:
    async with RestClient(sim.credentials, rest_base_url=sim.rest_base_url) as client:
        yield client


def resting(**extra: str) -> m.PlaceOrderRequest:
    order: m.PlaceOrderRequest = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy",
                                  "ordType": "limit", "sz": "0.001", "px": "50000"}  # fmt: skip
    order.update(extra)  # type: ignore[typeddict-item]
    return order


async def test_public_data(sim: Simulator, rest: RestClient) -> None:
    assert abs(await rest.get_server_time() - sim.now_ms()) < 5_000
    spot = await rest.get_instruments({"instType": "SPOT"})
    assert {i["instId"] for i in spot} >= {"BTC-USDT", "ETH-USDT"}
    assert all(isinstance(i["instIdCode"], int) for i in spot)
    [ticker] = await rest.get_ticker({"instId": "BTC-USDT"})
    assert float(ticker["bidPx"]) < float(ticker["askPx"])
    [book] = await rest.get_order_book({"instId": "BTC-USDT"})
    assert book["bids"] and book["asks"]


async def test_order_lifecycle_and_reads(sim: Simulator, rest: RestClient) -> None:
    [placed] = await rest.submit_order(resting(clOrdId="rest1"))
    assert placed["sCode"] == "0" and placed["clOrdId"] == "rest1"
    [order] = await rest.get_order_details({"instId": "BTC-USDT", "clOrdId": "rest1"})
    assert order["state"] == "live" and order["ordId"] == placed["ordId"]
    assert [o["clOrdId"] for o in await rest.get_order_list({"instType": "SPOT"})] == ["rest1"]
    [amended] = await rest.amend_order({"instId": "BTC-USDT", "clOrdId": "rest1", "newPx": "50001"})
    assert amended["sCode"] == "0"
    [cancelled] = await rest.cancel_order({"instId": "BTC-USDT", "ordId": placed["ordId"]})
    assert cancelled["sCode"] == "0"
    [final] = await rest.get_order_details({"instId": "BTC-USDT", "ordId": placed["ordId"]})
    assert (final["state"], final["px"]) == ("canceled", "50001")
    with pytest.raises(OkxApiError) as info:
        await rest.get_order_details({"instId": "BTC-USDT", "clOrdId": "nosuch"})
    assert info.value.code == "51603" and not info.value.outcome_unknown
    [balance] = await rest.get_balance({"ccy": "USDT"})
    assert [d["ccy"] for d in balance["details"]] == ["USDT"]
    assert await rest.get_positions() == []


async def test_every_new_order_gets_a_client_order_id(sim: Simulator, rest: RestClient) -> None:
    placed = await rest.submit_multiple_orders([resting(), resting(clOrdId="mine")])
    ids = [p["clOrdId"] for p in placed]
    assert ids[0] and ids[0] != "mine" and ids[1] == "mine"
    cancelled = await rest.cancel_multiple_orders(
        [{"instId": "BTC-USDT", "clOrdId": cl} for cl in ids]
    )
    assert all(c["sCode"] == "0" for c in cancelled)


async def test_rejections_and_partial_batches(sim: Simulator, rest: RestClient) -> None:
    with pytest.raises(OkxApiError) as rejected:
        await rest.submit_order(resting(sz="100000000"))  # no such balance
    assert rejected.value.code == "1" and rejected.value.failed[0]["sCode"] == "51008"
    assert not rejected.value.outcome_unknown
    with pytest.raises(OkxPartialBatchError) as partial:
        await rest.submit_multiple_orders([resting(), resting(sz="100000000")])
    assert len(partial.value.succeeded) == 1 and len(partial.value.failed) == 1


async def test_bad_input_fails_before_sending(sim: Simulator, rest: RestClient) -> None:
    before = sim.rest_count()
    with pytest.raises(OkxValidationError, match="instId"):
        await rest.submit_order({"instIdCode": 100001, "tdMode": "cash", "side": "buy",
                                 "ordType": "market", "sz": "1"})  # fmt: skip
    with pytest.raises(OkxValidationError):
        await rest.submit_order(resting(px=5))  # type: ignore[arg-type]
    with pytest.raises(OkxValidationError):
        await rest.submit_multiple_orders(resting())  # type: ignore[arg-type]
    with pytest.raises(OkxValidationError):
        await rest.request("DELETE", "/api/v5/trade/order")
    with pytest.raises(OkxValidationError, match="private"):
        await RestClient(rest_base_url=sim.rest_base_url).get_balance()
    assert sim.rest_count() == before


async def test_signing_failures(sim: Simulator) -> None:
    wrong = ApiCredentials(sim.api_key, "not-the-secret", sim.api_pass)
    async with RestClient(wrong, rest_base_url=sim.rest_base_url) as rest:
        with pytest.raises(OkxAuthenticationError) as info:
            await rest.get_balance()
        assert info.value.code == "50113"
        assert "not-the-secret" not in str(info.value) and "not-the-secret" not in repr(rest)
    passphrase = ApiCredentials(sim.api_key, sim.api_secret, "wrong-pass")
    async with RestClient(passphrase, rest_base_url=sim.rest_base_url) as rest:
        with pytest.raises(OkxAuthenticationError) as info:
            await rest.get_balance()
        assert info.value.code == "50105"
    async with RestClient(sim.credentials, rest_base_url=sim.rest_base_url) as rest:
        rest.clock.set_offset_ms(-60_000)  # a timestamp outside OKX's 30 s window
        with pytest.raises(OkxAuthenticationError) as info:
            await rest.get_balance()
        assert info.value.code == "50102"


async def test_the_generic_request(sim: Simulator, rest: RestClient) -> None:
    [balance] = await rest.request("GET", "/api/v5/account/balance", {"ccy": "BTC"}, auth=True)
    assert balance["details"][0]["ccy"] == "BTC"
    data = await rest.request("GET", "/api/v5/public/instruments", {"instType": "SWAP"})
    assert [d["instId"] for d in data] == ["BTC-USDT-SWAP"]


async def test_spread_orders(sim: Simulator, rest: RestClient) -> None:
    spread = "BTC-USDT_BTC-USDT-SWAP"
    [placed] = await rest.submit_spread_order(
        {"sprdId": spread, "side": "buy", "ordType": "limit", "sz": "0.001", "px": "10"}
    )
    assert placed["sCode"] == "0" and placed["clOrdId"]
    [order] = await rest.get_spread_order({"clOrdId": placed["clOrdId"]})
    assert order["state"] == "live"
    assert [o["ordId"] for o in await rest.get_spread_active_orders()] == [placed["ordId"]]
    [amended] = await rest.update_spread_order({"ordId": placed["ordId"], "newPx": "11"})
    assert amended["sCode"] == "0"
    [cancelled] = await rest.cancel_spread_order({"ordId": placed["ordId"]})
    assert cancelled["sCode"] == "0"
    assert await rest.cancel_all_spread_orders() == [{"result": True}]


async def test_the_ws_client_shares_session_account_and_clock(
    sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    client: WebsocketAPIClient = make_api_client()
    rest = client.get_rest_client()
    assert rest is client.get_rest_client()
    assert rest.http is client.get_ws_client().http
    client.set_time_offset_ms(1234)
    assert rest.clock.offset_ms == 1234
    res = await client.submit_new_order(resting(clOrdId="shared1"))
    [order] = await rest.get_order_details({"instId": "BTC-USDT", "clOrdId": "shared1"})
    assert order["ordId"] == res["data"][0]["ordId"]  # WS and REST share one engine
    await rest.close()  # shared: the WS client closes the session
    assert await rest.get_server_time() > 0


@pytest.mark.parametrize("scheme", ["http", "socks5"])
async def test_through_a_proxy(sim: Simulator, scheme: str) -> None:
    async with ForwardingProxy() as proxy:
        async with RestClient(
            sim.credentials, rest_base_url=sim.rest_base_url, proxy=proxy.url(scheme)
        ) as rest:
            assert await rest.get_balance()
            assert await rest.get_server_time() > 0
        assert proxy.tunnels and all(t[0].endswith(str(sim.port)) for t in proxy.tunnels)
        assert {t[1] for t in proxy.tunnels} == {"http" if scheme == "http" else "socks5"}


async def test_health_figures_count_every_outcome(
    rest: RestClient, scripted_http: ScriptedHttp
) -> None:
    await rest.submit_order(resting(clOrdId="stats1"))
    with pytest.raises(OkxApiError):
        await rest.submit_order(resting(sz="1000000"))  # more than the account holds
    place = rest.stats()["/api/v5/trade/order"]
    assert (place["sent"], place["ok"], place["rejected"], place["unknown"]) == (2, 1, 1, 0)
    assert place["round_trip_ms"]["p50"] is not None and place["round_trip_ms"]["p50"] > 0

    # Failures with no OKX answer count too: an HTTP error page refuses a read (nothing
    # happened) and leaves a write's outcome unknown; a silent server times out.
    release = asyncio.Event()

    async def broken(request: web.Request) -> web.StreamResponse:
        if request.path.endswith("silent"):
            await release.wait()  # no answer within the client's deadline
        return web.Response(status=502, text="<html>Bad Gateway</html>")

    async with RestClient(
        ApiCredentials("k", "s", "p"), rest_base_url=await scripted_http(broken)
    ) as bad:
        with pytest.raises(OkxHttpError):
            await bad.request("GET", "/api/v5/public/time", auth=False)
        with pytest.raises(OkxHttpError) as write:
            await bad.request("POST", "/api/v5/trade/order", resting())
        assert write.value.outcome_unknown
        with pytest.raises(OkxRequestTimeoutError):
            await bad.request("GET", "/api/v5/silent", auth=False, timeout=0.2)
        release.set()
        figures = bad.stats()
    paths = ("/api/v5/public/time", "/api/v5/trade/order", "/api/v5/silent")
    read, wrote, silent = (figures[p] for p in paths)
    assert (read["sent"], read["rejected"], read["unknown"]) == (1, 1, 0)
    assert (wrote["sent"], wrote["rejected"], wrote["unknown"]) == (1, 0, 1)
    assert (silent["sent"], silent["timed_out"], silent["rejected"]) == (1, 1, 0)


def taker(sim: Simulator, **extra: str) -> m.PlaceOrderRequest:
    """A buy far above the market maker's asks: it fills at once."""
    return resting(px=str(int(sim.engine.mid_price("BTC-USDT") * 2)), sz="0.01", **extra)


async def test_history_fills_and_account(sim: Simulator, rest: RestClient) -> None:
    [placed] = await rest.submit_order(taker(sim, clOrdId="hist1"))
    [history] = await rest.get_order_history({"instType": "SPOT"})
    assert history == sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id="hist1")
    assert history["state"] == "filled"
    fills = await rest.get_fills({"instId": "BTC-USDT"})
    assert fills and all(f["ordId"] == placed["ordId"] for f in fills)
    assert sum(float(f["fillSz"]) for f in fills) == float(history["accFillSz"])
    with pytest.raises(OkxApiError) as info:
        await rest.get_order_history({})  # type: ignore[typeddict-item]
    assert info.value.code == "50014"
    [limits] = await rest.get_account_rate_limit()
    assert int(limits["accRateLimit"]) > 0
    [config] = await rest.get_account_configuration()
    assert config["uid"] == sim.uid and config["posMode"] == "net_mode"


async def test_batch_amend_and_cancel_all_after(sim: Simulator, rest: RestClient) -> None:
    sim.cancel_all_after_scale = 0.01
    await rest.submit_multiple_orders([resting(clOrdId="b1"), resting(clOrdId="b2")])
    amended = await rest.amend_multiple_orders(
        [{"instId": "BTC-USDT", "clOrdId": cl, "newPx": "49000"} for cl in ("b1", "b2")]
    )
    assert [a["sCode"] for a in amended] == ["0", "0"]
    with pytest.raises(OkxPartialBatchError):
        await rest.amend_multiple_orders(
            [{"instId": "BTC-USDT", "clOrdId": cl, "newPx": "49001"} for cl in ("b1", "nosuch")]
        )
    [armed] = await rest.cancel_all_after({"timeOut": "10"})
    assert int(armed["triggerTime"]) > 0
    await sim.wait_for(lambda: not sim.engine.pending_orders(sim.uid))
    [order] = await rest.get_order_details({"instId": "BTC-USDT", "clOrdId": "b1"})
    assert (order["state"], order["cancelSource"], order["px"]) == ("canceled", "20", "49001")
    with pytest.raises(OkxApiError) as info:
        await rest.cancel_all_after({"timeOut": "500"})
    assert info.value.code == "51000"


async def test_spread_history_and_trades(sim: Simulator, rest: RestClient) -> None:
    spread = "BTC-USDT_BTC-USDT-SWAP"
    px = str(int(sim.engine.mid_price(spread)) + 50)
    [placed] = await rest.submit_spread_order(
        {"sprdId": spread, "side": "buy", "ordType": "limit", "sz": "0.01", "px": px}
    )
    [done] = await rest.get_spread_orders_recent({"sprdId": spread})
    assert done == sim.engine.get_spread_order(sim.uid, ord_id=placed["ordId"])
    trades = await rest.get_spread_trades({"ordId": placed["ordId"]})
    assert trades and sum(float(t["fillSz"]) for t in trades) == float(done["accFillSz"])


async def test_mass_cancel(sim: Simulator, rest: RestClient) -> None:
    assert await rest.cancel_mass_order({"instType": "OPTION", "instFamily": "BTC-USD"}) == [
        {"result": True}
    ]


async def test_429_is_a_rate_limit_error(sim: Simulator, rest: RestClient) -> None:
    sim.faults.rest_rate_limit_next(op="/api/v5/account/balance")
    with pytest.raises(OkxRateLimitError) as info:
        await rest.get_balance()
    assert info.value.code == "50011" and not info.value.outcome_unknown
    sim.faults.rest_rate_limit_next(op="order")
    with pytest.raises(OkxRateLimitError):
        await rest.submit_order(resting(clOrdId="limited"))
    assert sim.engine.get_order(sim.uid, inst_id="BTC-USDT", cl_ord_id="limited") is None
    assert await rest.get_balance()  # the switch is spent


async def test_a_demo_key_needs_the_demo_environment(sim: Simulator) -> None:
    sim.add_account("demo-key", "demo-secret", "demo-pass", demo=True)
    creds = ApiCredentials("demo-key", "demo-secret", "demo-pass")
    async with RestClient(creds, rest_base_url=sim.rest_base_url) as rest:
        with pytest.raises(OkxAuthenticationError) as info:
            await rest.get_balance()
        assert info.value.code == "50101"
    async with RestClient(creds, rest_base_url=sim.rest_base_url, demo_trading=True) as rest:
        assert await rest.get_balance()
