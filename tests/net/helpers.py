"""Helpers shared by the net tests."""

from __future__ import annotations

import asyncio
from typing import Any

from okxws.net.client import WebsocketClient

BTC_USDT = 100001


def resting_buy(**extra: Any) -> dict[str, Any]:
    """A limit buy far below the market: it rests."""
    return {"instIdCode": BTC_USDT, "tdMode": "cash", "side": "buy", "ordType": "limit",
            "sz": "0.001", "px": "50000", **extra}  # fmt: skip


def event_waiter(client: WebsocketClient, event: Any) -> asyncio.Event:
    flag = asyncio.Event()
    client.on(event, lambda _payload: flag.set())
    return flag


async def wait(flag: asyncio.Event, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        await flag.wait()
