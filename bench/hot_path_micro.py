#!/usr/bin/env python
"""okxws's own CPU cost per request, without sockets: the A/B tool for hot-path changes.

    python bench/hot_path_micro.py [--n 200000] [--inflight 100] [--repeat 5] [--uvloop]
                                   [--okxws-src DIR [--okxws-src DIR2 ...]] [--callgrind]
                                   [--inst-id]

The network is replaced in-process by a fake transport (okxws: through its ``transport=``
option; the floor: the same dict-of-futures logic as bench/floor_client.py over the same fake).
Each sent frame is answered on the next loop iteration with a prebuilt reply carrying its id,
so what is measured is the client's Python work per request: building and encoding the
request, the future, the dispatch of the reply and the wake-up of the caller. On this shared,
noisy machine this is far more repeatable than a socket benchmark, so use it to A/B a patch:
``--okxws-src /tmp/copy/src`` imports okxws from a patched copy (several may be given; each
runs in its own subprocess, interleaved).

``--callgrind`` counts instructions instead of timing (valgrind's callgrind): each contender
runs twice, with ``--n`` and ``3 * --n`` requests, and the difference gives the instructions
per request, the same figure on every run whatever else the machine is doing. Use it when the
timings are too noisy to see a change of a few percent; ``--n 5000`` is plenty.

``--inst-id``: okxws is given the README's ``instId`` instead of the ``instIdCode`` (its code
is looked up once, through a stand-in for the REST instrument list, before the measurement).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from harness.contenders import PARAMS, PARAMS_INST_ID, bench_rate_limits
from harness.measures import run_pipelined, run_sequential
from harness.procs import CLIENT_CPU, LoopKind, pin, run_in_loop

HERE = Path(__file__).resolve().parent
MessageHandler = Callable[[bytes], None]
CloseHandler = Callable[[int | None, str], None]
_HEAD = b'{"id":"'
_TAIL = (b'","op":"order","code":"0","msg":"","data":[{"clOrdId":"","ordId":"12345","tag":"",'
         b'"ts":"1795673677280","sCode":"0","sMsg":"Order placed","subCode":""}],'
         b'"inTime":"1795673677280552","outTime":"1795673677280563"}')  # fmt: skip
_LOGIN_OK = b'{"event":"login","msg":"","code":"0","connId":"fake"}'


def reply_for(frame: bytes) -> bytes:
    """The server's answer to one request frame (same cost for every contender)."""
    if frame.startswith(_HEAD):
        return _HEAD + frame[7 : frame.index(b'"', 7)] + _TAIL
    return _LOGIN_OK


class FakeTransport:
    """Stands in for okxws.net.transport.WsTransport: replies on the next loop iteration."""

    def __init__(self, on_message: MessageHandler, on_close: CloseHandler) -> None:
        self._on_message, self._on_close = on_message, on_close
        self._call_soon = asyncio.get_running_loop().call_soon
        self._closed = asyncio.get_running_loop().create_future()
        self.url = "fake"

    def send(self, data: bytes) -> None:
        self._call_soon(self._on_message, reply_for(data))

    @property
    def is_closed(self) -> bool:
        return self._closed.done()

    def close(self, code: int = 1000) -> None:
        if not self._closed.done():
            self._closed.set_result(None)
            self._call_soon(self._on_close, code, "")

    abort = close

    async def wait_closed(self) -> None:
        await self._closed


class FloorFake:
    """bench/floor_client.py's request/dispatch logic over the fake transport."""

    def __init__(self) -> None:
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.ids = itertools.count(1)
        self.transport = FakeTransport(self.on_message, lambda *a: None)
        self.new_future = asyncio.get_running_loop().create_future

    def on_message(self, raw: bytes) -> None:
        msg = orjson.loads(raw)
        fut = self.pending.pop(msg.get("id"), None)
        if fut is not None:
            fut.set_result(msg)

    async def request(self, op: str, args: list[Any]) -> dict[str, Any]:
        rid = str(next(self.ids))
        fut = self.new_future()
        self.pending[rid] = fut
        self.transport.send(orjson.dumps({"id": rid, "op": op, "args": args}))
        msg: dict[str, Any] = await fut
        if msg["code"] != "0":
            raise RuntimeError(msg)
        return msg


async def _measure(order: Callable[[], Awaitable[Any]], n: int, inflight: int) -> float:
    await run_sequential(order, 2000)
    gc.collect()
    c0 = time.process_time()
    await run_pipelined(order, inflight, n)
    return (time.process_time() - c0) / n * 1e6


async def _instruments(params: Any) -> Any:
    """The REST instrument list, as far as the benchmark's order needs it."""
    return [{"instId": PARAMS_INST_ID["instId"], "instIdCode": PARAMS["instIdCode"]}]


async def one(client: str, n: int, inflight: int, inst_id: bool) -> float:
    if client == "floor":
        f = FloorFake()
        args = [PARAMS]
        return await _measure(lambda: f.request("order", args), n, inflight)
    from okxws import ApiCredentials, WebsocketAPIClient

    async def fake_open_ws(
        url: str, on_message: MessageHandler, on_close: CloseHandler, **kw: Any
    ) -> FakeTransport:
        return FakeTransport(on_message, on_close)

    c = WebsocketAPIClient(
        [ApiCredentials("k", "s", "p")],
        ws_base_url="ws://fake",
        attach_event_listeners=False,
        transport=fake_open_ws,  # the library's transport seam
        rate_limits=bench_rate_limits(),  # accounting on, budgets this loop never exhausts
    )
    params: Any = PARAMS
    if inst_id:
        params = PARAMS_INST_ID
        c._codes._fetch_instruments = _instruments  # no REST server here
    try:
        return await _measure(lambda: c.submit_new_order(params), n, inflight)
    finally:
        await c.close()


def child(args: argparse.Namespace) -> None:
    if args.okxws_src:
        sys.path.insert(0, args.okxws_src[0])
    pin(CLIENT_CPU)
    loop: LoopKind = "uvloop" if args.uvloop else "asyncio"
    print(
        json.dumps(
            {"us": run_in_loop(loop, lambda: one(args.client, args.n, args.inflight, args.inst_id))}
        )
    )


def _child_cmd(args: argparse.Namespace, client: str, src: str | None, n: int) -> list[str]:
    cmd = [sys.executable, __file__, "--client", client, "--n", str(n),
           "--inflight", str(args.inflight)]  # fmt: skip
    if src:
        cmd += ["--okxws-src", src]
    if args.uvloop:
        cmd.append("--uvloop")
    if args.inst_id:
        cmd.append("--inst-id")
    return cmd


def _instructions(cmd: list[str]) -> int:
    """Instructions executed by ``cmd`` under callgrind (hash seed fixed: same count each run)."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    return int(out.stderr.rsplit("Collected : ", 1)[1].split()[0])


def callgrind(args: argparse.Namespace, variants: list[tuple[str, str | None]]) -> None:
    print(f"instructions per request, {args.inflight} in flight, fake transport "
          f"({'uvloop' if args.uvloop else 'asyncio'}"
          f"{', okxws with instId' if args.inst_id else ''}), callgrind:")  # fmt: skip
    floor = 0.0
    for client, src in variants:
        small = _instructions(_child_cmd(args, client, src, args.n))
        large = _instructions(_child_cmd(args, client, src, 3 * args.n))
        per = (large - small) / (2 * args.n)
        floor = floor or per
        name = f"{client} {src or ''}".strip()
        print(f"  {name:40s} {per:9,.0f}  ({per / floor:.2f}x the floor)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--inflight", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--uvloop", action="store_true")
    ap.add_argument("--okxws-src", action="append", default=[])
    ap.add_argument("--callgrind", action="store_true", help="count instructions instead")
    ap.add_argument("--inst-id", action="store_true", help="okxws's orders name instId")
    ap.add_argument("--client", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.client:
        child(args)
        return 0
    variants = [
        ("floor", None),
        *(("okxws", s) for s in (args.okxws_src or [str(HERE.parent / "src")])),
    ]
    if args.callgrind:
        callgrind(args, variants)
        return 0
    results: dict[str, list[float]] = {}
    for i in range(args.repeat):
        order = variants if i % 2 == 0 else variants[::-1]
        for client, src in order:
            cmd = _child_cmd(args, client, src, args.n)
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            us = json.loads(out.stdout.strip().splitlines()[-1])["us"]
            results.setdefault(f"{client} {src or ''}".strip(), []).append(us)
    floor = statistics.median(results["floor"])
    print(f"client CPU per request, {args.inflight} in flight, fake transport "
          f"({'uvloop' if args.uvloop else 'asyncio'}), median of {args.repeat}:")  # fmt: skip
    for name, vals in results.items():
        med = statistics.median(vals)
        print(
            f"  {name:40s} {med:6.2f} us  (+{med - floor:5.2f} us over the floor, "
            f"{med / floor:.2f}x)  runs: {' '.join(f'{v:.2f}' for v in vals)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
