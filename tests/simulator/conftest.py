"""Shared helpers for simulator tests: an aiohttp session and a small WebSocket test client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from okxws.protocol.auth import ApiCredentials, build_login_request
from okxws.simulator import Simulator

TIMEOUT = 5.0


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


class Client:
    """A thin test client over aiohttp's WebSocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, msg: dict[str, Any] | str) -> None:
        await self.ws.send_str(msg if isinstance(msg, str) else orjson.dumps(msg).decode())

    async def recv_text(self) -> str:
        async with asyncio.timeout(TIMEOUT):
            m = await self.ws.receive()
        assert m.type is aiohttp.WSMsgType.TEXT, m
        assert isinstance(m.data, str)
        return m.data

    async def recv(self) -> dict[str, Any]:
        out = orjson.loads(await self.recv_text())
        assert isinstance(out, dict)
        return out

    async def recv_until(self, pred: Any) -> dict[str, Any]:
        while True:
            m = await self.recv()
            if pred(m):
                return m

    async def request(self, msg: dict[str, Any] | str) -> dict[str, Any]:
        await self.send(msg)
        return await self.recv()

    async def login(self, creds: ApiCredentials, now: float | None = None) -> dict[str, Any]:
        req = build_login_request(creds, time.time() if now is None else now)
        return await self.request(dict(req))

    async def expect_closed(self) -> aiohttp.WSMessage:
        async with asyncio.timeout(TIMEOUT):
            while True:
                m = await self.ws.receive()
                if m.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.CLOSING,
                    aiohttp.WSMsgType.ERROR,
                ):
                    return m


async def connect(http: aiohttp.ClientSession, sim: Simulator, kind: str, **kw: Any) -> Client:
    ws = await http.ws_connect(f"{sim.ws_base_url}/ws/v5/{kind}", **kw)
    return Client(ws)


async def private(http: aiohttp.ClientSession, sim: Simulator, kind: str = "private") -> Client:
    c = await connect(http, sim, kind)
    r = await c.login(sim.credentials)
    assert r["code"] == "0", r
    return c


def order_args(**kw: Any) -> dict[str, Any]:
    """A resting limit buy on BTC-USDT (instIdCode 100001), far below the market."""
    base: dict[str, Any] = {
        "instIdCode": 100001,
        "tdMode": "cash",
        "side": "buy",
        "ordType": "limit",
        "px": "50000",
        "sz": "0.01",
    }
    base.update(kw)
    return base
