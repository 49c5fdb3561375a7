"""Shared measurement loop for the Python peer drivers (run in bench/.peers/venv)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

PARAMS = {"instIdCode": 100001, "tdMode": "cash", "side": "buy", "ordType": "limit",
          "sz": "0.0001", "px": "50000"}  # fmt: skip


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ws", required=True, help="ws://127.0.0.1:PORT/ws/v5")
    ap.add_argument("--rest", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--seq", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--pipe", default="1:2000,10:10000,100:20000,1000:20000")
    ap.add_argument("--cold", type=int, default=3)
    ap.add_argument("--uvloop", action="store_true")
    args = ap.parse_args()
    args.pipe = [tuple(int(x) for x in p.split(":")) for p in args.pipe.split(",")]
    return args


async def measure(open_client, order, close_client, args, timeout: float = 60.0) -> dict:
    """open_client() -> client; order(client) -> awaitable result; close_client(client)."""
    out: dict = {}
    colds = []
    for _ in range(args.cold):
        t0 = time.perf_counter()
        c = await open_client()
        await asyncio.wait_for(order(c), timeout)
        colds.append((time.perf_counter() - t0) * 1e3)
        await close_client(c)
    out["cold_ms"] = sorted(colds)[len(colds) // 2]
    c = await open_client()
    for _ in range(args.warmup):
        await asyncio.wait_for(order(c), timeout)
    lat = []
    c0 = time.process_time()
    for _ in range(args.seq):
        t0 = time.perf_counter_ns()
        await asyncio.wait_for(order(c), timeout)
        lat.append(time.perf_counter_ns() - t0)
    cpu = time.process_time() - c0
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1e3  # noqa: E731
    out["seq"] = {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "cpu_us": cpu / args.seq * 1e6}
    for k, n in args.pipe:
        remaining = n
        failures = 0

        async def worker():
            nonlocal remaining, failures
            while remaining > 0:
                remaining -= 1
                try:
                    await asyncio.wait_for(order(c), timeout)
                except (asyncio.TimeoutError, TimeoutError):
                    failures += 1

        c0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(k)))
        wall = time.perf_counter() - t0
        out[f"pipe{k}"] = {"rps": (n - failures) / wall, "cpu_us": (time.process_time() - c0) / n * 1e6}
        if failures:
            out[f"pipe{k}"]["lost"] = failures
    await close_client(c)
    return out


def run(main_coro_fn, args) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    if args.uvloop:
        import uvloop

        res = uvloop.run(main_coro_fn())
    else:
        res = asyncio.run(main_coro_fn())
    print(json.dumps(res), flush=True)
    os._exit(0)  # skip interpreter teardown: ccxt's aiohttp objects complain about the closed loop
