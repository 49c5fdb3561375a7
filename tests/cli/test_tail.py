"""``okxws tail``: pushes as readable lines or JSON lines; stops after --count or a signal."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys

import pytest

from okxws.simulator import Simulator

from ..conftest import ApiClientFactory
from .conftest import Cli, at


async def test_readable_lines(cli: Cli) -> None:
    result = await cli("tail", "tickers", "--inst-id", "BTC-USDT", "--count", "3")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} tickers BTC-USDT last=[\d.]+ lastSz=\S+ "
                            r"bidPx=[\d.]+ bidSz=\S+ askPx=[\d.]+ askSz=\S+ vol24h=\S+",
                            line), line  # fmt: skip


async def test_json_lines(cli: Cli) -> None:
    result = await cli("tail", "books5", "--inst-id", "BTC-USDT", "--count", "2", "--json")
    assert result.code == 0, result.err
    pushes = [json.loads(line) for line in result.out.splitlines()]
    assert len(pushes) == 2
    assert all(p["arg"] == {"channel": "books5", "instId": "BTC-USDT"} for p in pushes)
    assert all(len(p["data"][0]["bids"]) == 5 for p in pushes)


async def test_a_private_channel(
    cli: Cli, sim: Simulator, make_api_client: ApiClientFactory
) -> None:
    tail = asyncio.create_task(cli("tail", "orders", "--count", "2", *at(sim)))

    def subscribed() -> bool:
        return any(r.op == "subscribe" and r.args[0].get("channel") == "orders"
                   for r in sim.received_ops("private"))  # fmt: skip

    await sim.wait_for(subscribed, timeout=20)
    client = make_api_client()
    placed = await client.submit_new_order({"instId": "BTC-USDT", "tdMode": "cash",
                                            "side": "buy", "ordType": "limit", "sz": "0.01",
                                            "px": "30000", "clOrdId": "tail1"})  # fmt: skip
    await client.cancel_order({"instId": "BTC-USDT", "clOrdId": "tail1"})
    result = await tail
    assert result.code == 0, result.err
    ord_id = placed["data"][0]["ordId"]
    states = []
    for line in result.out.splitlines():
        assert f" orders BTC-USDT ordId={ord_id} clOrdId=tail1 side=buy ordType=limit " in line
        states.append(line.rsplit("state=", 1)[1])
    assert states == ["live", "canceled"]
    [arg] = sim.last_op_args("subscribe")
    assert arg == {"channel": "orders", "instType": "ANY"}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_a_signal_stops_it_with_exit_0(sig: signal.Signals) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKX_", "OKXWS_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "okxws", "tail", "tickers", "--inst-id", "BTC-USDT",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    async with asyncio.timeout(20):
        first = await proc.stdout.readline()
    assert b" tickers BTC-USDT last=" in first
    proc.send_signal(sig)
    async with asyncio.timeout(20):
        _, err = await proc.communicate()
    assert proc.returncode == 0, err
    assert b"Traceback" not in err


async def test_count_must_be_positive(cli: Cli) -> None:
    result = await cli("tail", "tickers", "--count", "0")
    assert (result.code, result.err) == (2, "okxws tail: error: --count must be at least 1\n")
