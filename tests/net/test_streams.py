"""Push streams: overflow policies and routing."""

from __future__ import annotations

from typing import Any

import pytest

from okxws import (
    OkxStreamOverflowError,
)
from okxws.simulator import Simulator

from ..conftest import ClientFactory
from .helpers import resting_buy


async def test_stream_overflow_policies(sim: Simulator, make_client: ClientFactory) -> None:
    client = make_client()
    oldest = client.stream(["orders"], maxsize=2)
    newest = client.stream(["orders"], maxsize=2, overflow="drop_newest")
    strict = client.stream(["orders"], maxsize=2, overflow="error")
    await client.subscribe({"channel": "orders", "instType": "ANY"})
    for n in range(4):
        await client.send_ws_api_request("order", [resting_buy(clOrdId=f"ov{n}")])
    await sim.wait_for(lambda: oldest.dropped >= 2)
    assert [p["data"][0]["clOrdId"] async for p in _take(oldest, 2)] == ["ov2", "ov3"]
    assert [p["data"][0]["clOrdId"] async for p in _take(newest, 2)] == ["ov0", "ov1"]
    with pytest.raises(OkxStreamOverflowError):
        await anext(strict)


async def _take(stream: Any, n: int) -> Any:
    for _ in range(n):
        yield await anext(stream)
