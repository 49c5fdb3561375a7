"""A server that misbehaves: the client survives, logs, and still matches replies by id.

The simulator speaks OKX faithfully, so this uses a tiny scripted WebSocket server instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web

from okxws import ApiCredentials, OkxApiError, WebsocketClient

from ..conftest import FAST

Script = Callable[[web.WebSocketResponse, dict[str, Any]], Awaitable[None]]


@pytest.fixture
async def scripted_server() -> AsyncIterator[Callable[[Script], Awaitable[str]]]:
    runners: list[web.AppRunner] = []

    async def start(script: Script) -> str:
        async def handler(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse(autoping=True)
            await ws.prepare(request)
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    if msg.data == "ping":
                        await ws.send_str("pong")
                        continue
                    request_msg = orjson.loads(msg.data)
                    if request_msg.get("op") == "login":
                        await ws.send_str('{"event":"login","msg":"","code":"0","connId":"1"}')
                    else:
                        await script(ws, request_msg)
            return ws

        app = web.Application()
        app.router.add_get("/ws/v5/{kind}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"ws://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def make(url: str) -> WebsocketClient:
    return WebsocketClient([ApiCredentials("k", "s", "p")], ws_base_url=url, **FAST)


ORDER = [{"instIdCode": 1, "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "1"}]


async def test_malformed_frames_are_logged_and_survived(
    scripted_server: Callable[[Script], Awaitable[str]], caplog: pytest.LogCaptureFixture
) -> None:
    async def script(ws: web.WebSocketResponse, req: dict[str, Any]) -> None:
        await ws.send_str("this is not json")
        await ws.send_str('{"event":"surprise"}')
        await ws.send_str("[1,2,3]")
        await ws.send_bytes(b"\x00\x01binary")
        await ws.send_str('{"id":"999999999","op":"order","code":"0","msg":"","data":[]}')
        # Near misses of an op response: no usable id or op.
        await ws.send_str('{"id":null,"op":"order","code":"0","msg":"","data":[]}')
        await ws.send_str(f'{{"id":"{req["id"]}","op":7,"code":"0","msg":"","data":[]}}')
        # A reply without inTime/outTime still resolves its request.
        reply = {"id": req["id"], "op": req["op"], "code": "0", "msg": "", "data": [{"sCode": "0"}]}
        await ws.send_str(orjson.dumps(reply).decode())

    url = await scripted_server(script)
    async with make(url) as client:
        with caplog.at_level(logging.WARNING, logger="okxws"):
            res = await client.send_ws_api_request("order", ORDER)
        assert res["code"] == "0"
        assert "inTime" not in res
        assert "malformed frame" in caplog.text
        again = await client.send_ws_api_request("order", ORDER)
        assert again["code"] == "0"


async def test_error_event_with_id_in_message_fails_the_request(
    scripted_server: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(ws: web.WebSocketResponse, req: dict[str, Any]) -> None:
        raw = orjson.dumps(req).decode()
        await ws.send_str(
            orjson.dumps(
                {"event": "error", "msg": f"Illegal request: {raw}", "code": "60012"}
            ).decode()
        )

    url = await scripted_server(script)
    async with make(url) as client:
        with pytest.raises(OkxApiError) as info:
            await client.send_ws_api_request("order", ORDER, timeout=None)
        assert info.value.code == "60012"


async def test_op_response_with_a_numeric_id_resolves_its_request(
    scripted_server: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(ws: web.WebSocketResponse, req: dict[str, Any]) -> None:
        # okxws sends string ids; a server echoing the id as a number is still matched.
        reply = {"id": int(req["id"]), "op": req["op"], "code": "0", "msg": "", "data": []}
        await ws.send_str(orjson.dumps(reply).decode())

    url = await scripted_server(script)
    async with make(url) as client:
        res = await client.send_ws_api_request("order", ORDER)
        assert res["code"] == "0"
        assert res["op"] == "order"
