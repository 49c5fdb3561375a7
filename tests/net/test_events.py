"""Event handlers and the default logging listeners."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from okxws import (
    OkxValidationError,
)
from okxws.simulator import Simulator

from ..conftest import ClientFactory
from .helpers import event_waiter, resting_buy, wait


async def test_handlers_may_raise_or_be_async(make_client: ClientFactory) -> None:
    client = make_client()
    seen: list[str] = []

    def broken(_payload: dict[str, Any]) -> None:
        raise RuntimeError("handler bug")

    async def async_handler(payload: dict[str, Any]) -> None:
        seen.append(payload["op"])

    client.on("response", broken)
    client.on("response", async_handler)
    res = await client.send_ws_api_request("order", [resting_buy()])
    assert res["code"] == "0"
    await asyncio.sleep(0)  # let the async handler task run
    assert seen == ["order"]
    with pytest.raises(OkxValidationError):
        client.on("nope", broken)  # type: ignore[arg-type]


async def test_default_listeners_log_the_lifecycle(
    sim: Simulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="okxws")
    client = make_client(attach_event_listeners=True)
    reconnected = event_waiter(client, "reconnected")
    await client.connect_ws_api()
    await sim.drop_connections("private")
    await wait(reconnected)
    text = caplog.text
    assert "private connection (account 0) open" in text
    assert "private connection (account 0) authenticated" in text
    assert "private connection (account 0) reconnecting" in text
    assert "private connection (account 0) reconnected" in text
