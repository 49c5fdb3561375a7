"""How many order operations per second one fast connection gets through the simulator.

Starts ``okxws sim`` in a subprocess, logs in on /ws/v5/private with aiohttp's client and keeps
``--inflight`` requests in flight, alternating ``order`` (a resting limit buy) and
``cancel-order`` of that order. Prints ops/s.

    .venv/bin/python bench/sim_capacity.py [--ops 200000] [--inflight 100] [--uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time

import aiohttp
import orjson

from okxws.protocol.auth import ApiCredentials, build_login_request


async def run(ops: int, inflight: int, url: str, creds: ApiCredentials) -> float:
    async with aiohttp.ClientSession() as http, http.ws_connect(url + "/ws/v5/private") as ws:
        await ws.send_bytes(orjson.dumps(build_login_request(creds, time.time())))
        login = orjson.loads((await ws.receive()).data)
        assert login["code"] == "0", login
        frames = []
        for i in range(ops):
            n = i // 2
            if i % 2 == 0:
                args = {
                    "instIdCode": 100001,
                    "tdMode": "cash",
                    "side": "buy",
                    "ordType": "limit",
                    "px": "50000",
                    "sz": "0.001",
                    "clOrdId": f"c{n}",
                }
                frames.append(orjson.dumps({"id": str(i), "op": "order", "args": [args]}).decode())
            else:
                args = {"instIdCode": 100001, "clOrdId": f"c{n}"}
                frames.append(
                    orjson.dumps({"id": str(i), "op": "cancel-order", "args": [args]}).decode()
                )
        sent = 0
        received = 0
        failed = 0
        t0 = time.perf_counter()
        while sent < min(inflight, ops):
            await ws.send_str(frames[sent])
            sent += 1
        while received < ops:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                raise RuntimeError(f"unexpected {msg}")
            reply = orjson.loads(msg.data)
            received += 1
            if reply["code"] != "0":
                failed += 1
            if sent < ops:
                await ws.send_str(frames[sent])
                sent += 1
        elapsed = time.perf_counter() - t0
        if failed:
            print(f"warning: {failed} replies with code != 0", file=sys.stderr)
        return ops / elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--ops", type=int, default=200_000)
    p.add_argument("--inflight", type=int, default=100)
    p.add_argument("--uvloop", action="store_true", help="client on uvloop (server: asyncio)")
    a = p.parse_args()
    proc = subprocess.Popen(
        [sys.executable, "-m", "okxws", "sim", "--port", "0", "--no-rate-limits"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        creds = ApiCredentials(info["api_key"], info["api_secret"], info["api_pass"])
        coro = run(a.ops, a.inflight, info["ws_base_url"], creds)
        if a.uvloop:
            import uvloop

            rate = uvloop.run(coro)
        else:
            rate = asyncio.run(coro)
        print(
            f"{a.ops} ops (order/cancel-order alternating), {a.inflight} in flight: "
            f"{rate:,.0f} orders/s"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
