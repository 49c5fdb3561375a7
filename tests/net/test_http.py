"""The one HTTP boundary: keep-alive, signing, and every failure mapped into the okxws tree."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from okxws import (
    OkxAuthenticationError,
    OkxConnectError,
    OkxConnectionLostError,
    OkxHttpError,
    OkxRateLimitError,
    OkxRequestTimeoutError,
)
from okxws.net.http import HttpClient, HttpReply, okx_data
from okxws.net.options import ClientOptions
from okxws.protocol.exceptions import OkxApiError
from okxws.simulator import Simulator

from ..conftest import ScriptedHttp


def client_for(base_url: str, **options: object) -> HttpClient:
    opts = ClientOptions.of({"rest_base_url": base_url, "request_timeout": 2.0, **options})
    return HttpClient(opts, lambda: 0)


async def test_signed_requests_are_verified_by_the_simulator(sim: Simulator) -> None:
    opts = ClientOptions.of({"rest_base_url": sim.rest_base_url})
    http = HttpClient(opts, sim.now_ms)
    try:
        reply = await http.request(
            "GET",
            "/api/v5/account/balance",
            params={"ccy": "BTC,USDT"},
            credentials=sim.credentials,
        )
        [balance] = okx_data(reply, "balance")
        assert {d["ccy"] for d in balance["details"]} == {"BTC", "USDT"}
        # Keep-alive: a second call reuses the session.
        again = await http.request("GET", "/api/v5/public/time")
        assert int(okx_data(again, "time")[0]["ts"]) > 0
        assert sim.rest_count("/api/v5/public/time") == 1
    finally:
        await http.close()
        await http.close()  # idempotent
    with pytest.raises(OkxConnectError):
        await http.request("GET", "/api/v5/public/time")


async def test_a_wrong_signature_is_an_authentication_error(sim: Simulator) -> None:
    opts = ClientOptions.of({"rest_base_url": sim.rest_base_url})
    http = HttpClient(opts, lambda: sim.now_ms() - 120_000)  # an expired timestamp
    try:
        reply = await http.request("GET", "/api/v5/account/balance", credentials=sim.credentials)
        assert reply.status == 401
        with pytest.raises(OkxAuthenticationError) as info:
            okx_data(reply, "balance")
        assert info.value.code == "50102"
    finally:
        await http.close()


async def test_an_html_error_page_is_a_clear_error(
    scripted_http: ScriptedHttp,
) -> None:
    async def proxy_page(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad Gateway</html>", content_type="text/html")

    http = client_for(await scripted_http(proxy_page))
    try:
        with pytest.raises(OkxHttpError) as read:
            await http.request("GET", "/api/v5/trade/order")
        assert read.value.status == 502 and not read.value.outcome_unknown
        assert b"Bad Gateway" in read.value.body
        with pytest.raises(OkxHttpError) as write:
            await http.request("POST", "/api/v5/trade/order", body={"instId": "X"}, write=True)
        assert write.value.outcome_unknown  # the gateway may have passed it on
    finally:
        await http.close()


async def test_too_many_requests_is_a_rate_limit_error(
    scripted_http: ScriptedHttp,
) -> None:
    async def limited(request: web.Request) -> web.Response:
        return web.json_response({"msg": "Too Many Requests", "code": "50011"}, status=429)

    http = client_for(await scripted_http(limited))
    try:
        reply = await http.request("POST", "/api/v5/trade/order", body={}, write=True)
        with pytest.raises(OkxRateLimitError) as info:
            okx_data(reply, "order", write=True)
        assert not info.value.outcome_unknown and info.value.code == "50011"
    finally:
        await http.close()


def test_okx_codes_map_to_the_tree() -> None:
    ok = HttpReply(200, {"code": "0", "msg": "", "data": [{"a": 1}]})
    assert okx_data(ok, "x") == [{"a": 1}]
    with pytest.raises(OkxApiError) as info:
        okx_data(HttpReply(200, {"code": "51603", "msg": "Order does not exist", "data": []}), "x")
    assert info.value.code == "51603"
    unknown = HttpReply(200, {"code": "1", "data": [{"sCode": "51149", "sMsg": "timed out"}]})
    with pytest.raises(OkxApiError) as write:
        okx_data(unknown, "x", write=True)
    assert write.value.outcome_unknown
    with pytest.raises(OkxApiError) as read:
        okx_data(unknown, "x")
    assert not read.value.outcome_unknown  # a read executes nothing
    with pytest.raises(OkxHttpError):
        okx_data(HttpReply(200, ["no", "envelope"]), "x")
    with pytest.raises(OkxHttpError):
        okx_data(HttpReply(200, {"code": "0", "data": "not a list"}), "x")


async def test_nothing_listening_is_a_connect_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    http = client_for(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(OkxConnectError) as info:
            await http.request("POST", "/api/v5/trade/order", body={}, write=True)
        assert not info.value.outcome_unknown
    finally:
        await http.close()


async def test_a_silent_server_times_out_and_a_reset_loses_the_connection(
    scripted_http: ScriptedHttp,
) -> None:
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.path.endswith("silent"):
            await release.wait()
            return web.Response(text="{}")
        assert request.transport is not None
        request.transport.abort()  # a reset after the request arrived
        return web.Response()

    http = client_for(await scripted_http(handler))
    try:
        with pytest.raises(OkxRequestTimeoutError) as slow:
            await http.request("POST", "/silent", body={}, timeout=0.2, write=True)
        assert slow.value.outcome_unknown and "OUTCOME UNKNOWN" in str(slow.value)
        with pytest.raises(OkxRequestTimeoutError) as slow_read:
            await http.request("GET", "/silent", timeout=0.2)
        assert not slow_read.value.outcome_unknown
        with pytest.raises(OkxConnectionLostError) as reset:
            await http.request("POST", "/reset", body={}, write=True)
        assert reset.value.outcome_unknown
    finally:
        release.set()
        await http.close()
