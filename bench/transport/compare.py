#!/usr/bin/env python
"""Client WebSocket transport comparison for okxws: picows vs aiohttp (optionally websockets).

    python bench/transport/compare.py [--uvloop] [--rounds N] [--transports picows,aiohttp[,websockets]]

A picows + uvloop reply server runs in a separate process pinned to CPU 1; the client
(this process) is pinned to CPU 0.  The server parses each ~300-byte OKX-style order request
with orjson and answers with an OKX-style envelope.

For each client transport (orjson on both sides, text frames, no compression) we measure:
  * sequential round trip latency p50/p90/p99 (one request outstanding, per-request timing)
  * pipelined throughput with 1 / 10 / 100 requests in flight (N worker coroutines, each
    send -> await its future; replies are matched by "id" through a dict of futures)

Both transports go through the SAME request/dispatch code (class Rpc) -- only the small
adapter classes differ, which is exactly the part okxws would keep behind one interface.

Rounds are interleaved (A B, B A, A B, ...) so that drift on a shared noisy machine hits both
transports alike; the table reports medians across rounds and the median of per-round ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import inspect
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from importlib import metadata
from typing import Any

import orjson

OnMessage = Callable[[Any], None]
Result = dict[str, float]

SERVER_CPU = 1
CLIENT_CPU = 0

ORDER_ARGS = [
    {
        "instId": "BTC-USDT-SWAP",
        "tdMode": "cross",
        "ccy": "USDT",
        "clOrdId": "b15e3f7a9c2d4e6f8a0b",
        "tag": "okxws",
        "side": "buy",
        "posSide": "long",
        "ordType": "limit",
        "sz": "2",
        "px": "26401.5",
        "reduceOnly": False,
        "tgtCcy": "base_ccy",
        "banAmend": False,
        "stpMode": "cancel_maker",
        "expTime": "1695190491421",
    }
]
ORDER_DATA = {
    "clOrdId": "",
    "ordId": "12345689",
    "tag": "",
    "ts": "1695190491421",
    "sCode": "0",
    "sMsg": "Order successfully placed.",
    "subCode": "",
}


# ----------------------------------------------------------------------------- server
def serve() -> None:
    """Reply server: picows + uvloop, one core.  Prints its port on stdout when ready."""
    os.sched_setaffinity(0, {SERVER_CPU})
    import picows
    import uvloop

    TEXT, CLOSE = picows.WSMsgType.TEXT, picows.WSMsgType.CLOSE
    loads, dumps = orjson.loads, orjson.dumps
    data = [ORDER_DATA]

    class ServerListener(picows.WSListener):
        def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
            mt = frame.msg_type
            if mt == TEXT or mt == picows.WSMsgType.BINARY:
                req = loads(frame.get_payload_as_memoryview())
                in_time = str(time.time_ns() // 1000)
                transport.send(
                    TEXT,
                    dumps(
                        {
                            "id": req["id"],
                            "op": req["op"],
                            "code": "0",
                            "msg": "",
                            "data": data,
                            "inTime": in_time,
                            "outTime": str(time.time_ns() // 1000),
                        }
                    ),
                )
            elif mt == CLOSE:
                transport.send_close(frame.get_close_code(), frame.get_close_message())
                transport.disconnect()

    async def main() -> None:
        server = await picows.ws_create_server(lambda _req: ServerListener(), "127.0.0.1", 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    uvloop.run(main())


# ----------------------------------------------------------------------------- adapters
# Each adapter: connect(url, on_message) / send(bytes) / close().  send is sync for picows
# (transport.send never blocks; it buffers) and a coroutine for aiohttp/websockets.


class Adapter:
    name: str
    async_send: bool
    send: Callable[[bytes], Any]

    async def connect(self, url: str, on_message: OnMessage) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class PicowsAdapter(Adapter):
    name = "picows"
    async_send = False

    async def connect(self, url: str, on_message: OnMessage) -> None:
        import picows

        TEXT, CLOSE = picows.WSMsgType.TEXT, picows.WSMsgType.CLOSE

        class Listener(picows.WSListener):
            def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
                if frame.msg_type == TEXT:
                    # memoryview is valid only inside this callback; on_message parses it at once
                    on_message(frame.get_payload_as_memoryview())
                elif frame.msg_type == CLOSE:
                    transport.send_close(frame.get_close_code())
                    transport.disconnect()

        self.transport, _ = await picows.ws_connect(Listener, url, enable_auto_pong=True)
        self.send = partial(self.transport.send, TEXT)

    async def close(self) -> None:
        import picows

        self.transport.send_close(picows.WSCloseCode.OK)
        await asyncio.wait_for(self.transport.wait_disconnected(), 5)


class AiohttpAdapter(Adapter):
    name = "aiohttp"
    async_send = True

    async def connect(self, url: str, on_message: OnMessage) -> None:
        import aiohttp

        self.session = aiohttp.ClientSession()
        # compress=0: do not offer permessage-deflate (same as picows); decode_text=False: TEXT
        # payloads arrive as bytes, skipping a UTF-8 decode that orjson would redo anyway.
        self.ws = await self.session.ws_connect(url, autoping=True, compress=0, decode_text=False)
        self.send = partial(self.ws.send_frame, opcode=aiohttp.WSMsgType.TEXT)
        self.reader = asyncio.create_task(self._read(on_message, aiohttp.WSMsgType.TEXT))

    async def _read(self, on_message: OnMessage, TEXT: Any) -> None:
        receive = self.ws.receive
        while True:
            msg = await receive()
            if msg.type is TEXT:
                on_message(msg.data)
            else:  # CLOSE / CLOSING / CLOSED / ERROR (ping/pong handled by autoping)
                return

    async def close(self) -> None:
        await self.ws.close()
        await self.reader
        await self.session.close()


class WebsocketsAdapter(Adapter):
    name = "websockets"
    async_send = True
    ws: Any  # websockets is optional (not a dev dependency): untyped here

    async def connect(self, url: str, on_message: OnMessage) -> None:
        connect = importlib.import_module("websockets.asyncio.client").connect
        self.ws = await connect(url, compression=None, max_size=None)
        self.send = partial(self.ws.send, text=True)  # bytes sent as a TEXT frame
        self.reader = asyncio.create_task(self._read(on_message))

    async def _read(self, on_message: OnMessage) -> None:
        websockets = importlib.import_module("websockets")
        try:
            while True:
                on_message(await self.ws.recv(decode=False))
        except websockets.ConnectionClosed:
            return

    async def close(self) -> None:
        await self.ws.close()
        await self.reader


ADAPTERS: dict[str, type[Adapter]] = {
    a.name: a for a in (PicowsAdapter, AiohttpAdapter, WebsocketsAdapter)
}


# ----------------------------------------------------------------------------- common RPC layer
class Rpc:
    """What okxws would do on top of any transport: string ids, dict of futures, orjson."""

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter
        self.futs: dict[str, asyncio.Future[Any]] = {}
        self.next_id = 0
        self.loop = asyncio.get_running_loop()

    def on_message(self, payload: Any) -> None:
        msg = orjson.loads(payload)
        fut = self.futs.pop(msg.get("id"), None)
        if fut is not None and not fut.done():
            fut.set_result(msg)

    async def call(self, args: list[dict[str, Any]]) -> Any:
        self.next_id += 1
        rid = str(self.next_id)
        fut = self.loop.create_future()
        self.futs[rid] = fut
        payload = orjson.dumps({"id": rid, "op": "order", "args": args})
        if self.adapter.async_send:
            await self.adapter.send(payload)
        else:
            self.adapter.send(payload)
        return await fut


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(sorted_vals: list[int], p: float) -> int:
    return sorted_vals[min(len(sorted_vals) - 1, round(p / 100 * (len(sorted_vals) - 1)))]


async def measure(name: str, url: str, args: argparse.Namespace, server_pid: int) -> Result:
    adapter = ADAPTERS[name]()
    rpc: Rpc | None = None

    def on_message(payload: Any) -> None:
        assert rpc is not None
        rpc.on_message(payload)

    await adapter.connect(url, on_message)
    rpc = Rpc(adapter)
    res: Result = {}
    for _ in range(args.warmup):
        reply = await rpc.call(ORDER_ARGS)
    assert reply["data"][0]["sCode"] == "0", reply

    gc.collect()
    pc = time.perf_counter_ns
    lat: list[int] = []
    cpu0 = time.process_time()
    for _ in range(args.seq):
        t0 = pc()
        await rpc.call(ORDER_ARGS)
        lat.append(pc() - t0)
    res["cpu_seq_us"] = (time.process_time() - cpu0) / args.seq * 1e6
    lat.sort()
    for p in (50, 90, 99):
        res[f"p{p}_us"] = pct(lat, p) / 1000

    for depth in (1, 10, 100):
        total = args.pipe if depth > 1 else args.pipe // 2
        remaining = total

        async def worker(rpc: Rpc) -> None:
            nonlocal remaining
            call = rpc.call
            while remaining > 0:
                remaining -= 1
                await call(ORDER_ARGS)

        gc.collect()
        c0 = cpu_seconds(server_pid)
        cc0 = time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(worker(rpc) for _ in range(depth)))
        dt = time.perf_counter() - start
        res[f"cpu_{depth}_us"] = (time.process_time() - cc0) / total * 1e6
        res[f"rps_{depth}"] = total / dt
        res[f"srv_cpu_{depth}"] = (cpu_seconds(server_pid) - c0) / dt
    assert not rpc.futs
    await adapter.close()
    return res


METRICS: list[tuple[str, str, bool | None]] = [  # key, label, higher_is_better
    ("p50_us", "seq RTT p50 (us)", False),
    ("p90_us", "seq RTT p90 (us)", False),
    ("p99_us", "seq RTT p99 (us)", False),
    ("rps_1", "pipelined 1 in flight (req/s)", True),
    ("rps_10", "pipelined 10 in flight (req/s)", True),
    ("rps_100", "pipelined 100 in flight (req/s)", True),
    ("cpu_seq_us", "client CPU per request, sequential (us)", False),
    ("cpu_100_us", "client CPU per request, 100 in flight (us)", False),
    ("srv_cpu_100", "server CPU busy @100 in flight", None),
]


def fmt(key: str, v: float) -> str:
    if key.startswith("rps"):
        return f"{v:,.0f}"
    if key.startswith("srv_cpu"):
        return f"{v * 100:.0f}%"
    return f"{v:.1f}"


async def run(
    args: argparse.Namespace, url: str, server_pid: int
) -> tuple[list[str], list[dict[str, Result]]]:
    names: list[str] = args.transports.split(",")
    rounds: list[dict[str, Result]] = []
    for r in range(args.rounds):
        order = names if r % 2 == 0 else names[::-1]
        results = {}
        for name in order:
            results[name] = await measure(name, url, args, server_pid)
        rounds.append(results)
        line = "  ".join(
            f"{n}: p50 {results[n]['p50_us']:.1f}us rps100 {results[n]['rps_100']:,.0f}"
            for n in names
        )
        print(
            f"round {r + 1}/{args.rounds} ({','.join(order)}): {line}", file=sys.stderr, flush=True
        )
    return names, rounds


def report(args: argparse.Namespace, names: list[str], rounds: list[dict[str, Result]]) -> str:
    loop = "uvloop" if args.uvloop else "asyncio (default loop)"
    a = names[0]
    out = [
        f"### Client loop: {loop} -- {args.rounds} interleaved rounds, medians",
        "",
        "| metric | "
        + " | ".join(names)
        + " | "
        + " | ".join(f"{b}/{a} (median of per-round ratios)" for b in names[1:])
        + " |",
        "|---" * (1 + len(names) + len(names) - 1) + "|",
    ]
    for key, label, _hib in METRICS:
        cells = [fmt(key, statistics.median(rd[n][key] for rd in rounds)) for n in names]
        ratios = []
        for b in names[1:]:
            ratios.append(f"{statistics.median(rd[b][key] / rd[a][key] for rd in rounds):.2f}x")
        out.append(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    out.append("")
    out.append(
        "Per-round ratios (p50 latency, 100-in-flight throughput) "
        + ", ".join(
            f"{b}/{a}: "
            + " ".join(
                f"{rd[b]['p50_us'] / rd[a]['p50_us']:.2f}/{rd[b]['rps_100'] / rd[a]['rps_100']:.2f}"
                for rd in rounds
            )
            for b in names[1:]
        )
    )
    return "\n".join(out)


def versions() -> str:
    vs = []
    for p in ("picows", "aiohttp", "websockets", "orjson", "uvloop"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            vs.append(f"{p} {metadata.version(p)}")
    return ", ".join(vs)


def adapter_loc() -> str:
    parts = []
    for a in ADAPTERS.values():
        src = [
            l
            for l in inspect.getsource(a).splitlines()
            if l.strip() and not l.strip().startswith("#")
        ]
        parts.append(f"{a.name} {len(src)}")
    return "adapter lines (non-blank, non-comment): " + ", ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--uvloop", action="store_true", help="run the client on uvloop")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--transports", default="picows,aiohttp")
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--seq", type=int, default=5000)
    ap.add_argument(
        "--pipe", type=int, default=30000, help="requests per pipelined run (half at depth 1)"
    )
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve()
        return

    server = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--serve"], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    try:
        port = int(server.stdout.readline())
        os.sched_setaffinity(0, {CLIENT_CPU})
        url = f"ws://127.0.0.1:{port}/ws/v5/private"
        if args.uvloop:
            import uvloop

            names, rounds = uvloop.run(run(args, url, server.pid))
        else:
            names, rounds = asyncio.run(run(args, url, server.pid))
    finally:
        server.terminate()
        server.wait()

    print(f"# {' '.join(['python', 'bench/transport/compare.py', *sys.argv[1:]])}")
    print(f"# nproc {os.cpu_count()}, Python {platform.python_version()}, {versions()}")
    print(
        f"# client CPU {CLIENT_CPU}, server (picows+uvloop+orjson) CPU {SERVER_CPU}; "
        f"warmup {args.warmup}, seq {args.seq}, pipelined {args.pipe} (depth 1: {args.pipe // 2})"
    )
    print(f"# {adapter_loc()}")
    print()
    print(report(args, names, rounds))


if __name__ == "__main__":
    main()
