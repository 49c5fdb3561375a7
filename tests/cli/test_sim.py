"""``okxws sim`` as a subprocess: one JSON line, then serving until SIGTERM, exit 0."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import aiohttp
import pytest


async def test_sim_prints_one_json_line_and_exits_0_on_sigterm() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "okxws", "sim", "--port", "0", "--api-key", "kk",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    async with asyncio.timeout(20):
        line = await proc.stdout.readline()
    info = json.loads(line)
    assert set(info) == {"ws_base_url", "rest_base_url", "api_key", "api_secret", "api_pass", "pid"}
    assert info["api_key"] == "kk" and info["pid"] == proc.pid
    async with aiohttp.ClientSession() as http:
        async with http.get(info["rest_base_url"] + "/api/v5/public/time") as r:
            assert (await r.json())["code"] == "0"
        async with http.ws_connect(info["ws_base_url"] + "/ws/v5/public") as ws:
            await ws.send_str("ping")
            assert await ws.receive_str(timeout=5) == "pong"
    proc.send_signal(signal.SIGTERM)
    async with asyncio.timeout(20):
        rest, err = await proc.communicate()
    assert proc.returncode == 0, err
    assert rest == b""


def test_sim_rate_limit_flags() -> None:
    from okxws.cli import build_parser
    from okxws.cli.errors import Failure
    from okxws.cli.sim import limits_from_args

    default = limits_from_args(build_parser().parse_args(["sim"]))
    assert default.enabled and default.scale == 1.0 and default.ws_reply == "item"
    args = ["sim", "--no-rate-limits", "--rate-limit-scale", "0.5", "--rate-limit-reply", "top"]
    limits = limits_from_args(build_parser().parse_args(args))
    assert not limits.enabled and limits.scale == 0.5 and limits.ws_reply == "top"
    with pytest.raises(Failure, match="rate-limit-scale"):
        limits_from_args(build_parser().parse_args(["sim", "--rate-limit-scale", "0"]))
