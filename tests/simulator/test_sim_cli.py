"""The ``okxws sim`` command contract: one JSON line, exit 0 on SIGTERM.

(It tests ``okxws.cli``; its place is ``tests/test_cli.py`` once the CLI gets its own tests.)
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import aiohttp

from okxws.cli import build_parser, main


async def test_cli_prints_one_json_line_and_exits_0_on_sigterm() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "okxws",
        "sim",
        "--port",
        "0",
        "--api-key",
        "kk",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
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


def test_cli_help_and_version(capsys: object) -> None:
    assert main([]) == 0
    assert "sim" in build_parser().format_help()
