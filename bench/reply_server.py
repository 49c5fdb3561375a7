#!/usr/bin/env python
"""A fast OKX v5 WS API reply server for client benchmarks (not the simulator).

    python bench/reply_server.py [--cpu 1] [--host 127.0.0.1] [--port 0] [--rest-port 0]

picows + uvloop in its own process, pinned to one core. Prints ONE JSON line on stdout when
listening: ``{"ws_port", "rest_port", "pid"}``. Serves every path (``/ws/v5/private`` etc.).

It does what a real OKX gateway does to each frame, minus the matching engine:
  * text ``ping`` -> text ``pong`` (okx-protocol section 6);
  * ``login`` -> ``{"event":"login","code":"0","msg":"","connId":...}`` (args parsed, sign not
    checked; the id is echoed when given);
  * ``subscribe``/``unsubscribe`` -> one ack per channel;
  * every WS API op -> the OKX envelope ``{id, op, code:"0", msg:"", data:[...], inTime,
    outTime}``, one data item per arg shaped for that op (clOrdId/tag echoed), request
    parsed with orjson.

Bench control frames (sent by bench/run.py on its own connection, never by a client):
  * ``{"op":"bench-hold"}``: from now on, buffer every op reply instead of sending it;
  * ``{"op":"bench-release"}``: send every buffered reply (then stop holding);
  * ``{"op":"bench-stats"}``: reply ``{"event":"bench-stats","cpu":<process CPU s>,
    "wall":<monotonic s>,"frames":<frames received>}`` so the harness can print how busy
    this server was during each measured phase.

REST (tiny aiohttp app on ``rest_port``, for peers that load markets at startup, e.g. ccxt):
``/api/v5/public/instruments`` (BTC-USDT spot with ``instIdCode`` 100001; other types empty),
``/api/v5/asset/currencies`` (empty), ``/api/v5/public/time``; anything else ``code:"0"``,
``data:[]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any, cast

import orjson

Item = dict[str, Any]

INST_ID = "BTC-USDT"
INST_ID_CODE = 100001

_SPOT_INSTRUMENT = {
    "alias": "",
    "baseCcy": "BTC",
    "category": "1",
    "ctMult": "",
    "ctType": "",
    "ctVal": "",
    "ctValCcy": "",
    "expTime": "",
    "instFamily": "",
    "instId": INST_ID,
    "instIdCode": INST_ID_CODE,
    "instType": "SPOT",
    "lever": "10",
    "listTime": "1606468572000",
    "lotSz": "0.00000001",
    "maxLmtAmt": "20000000",
    "maxLmtSz": "9999999999",
    "maxMktAmt": "1000000",
    "maxMktSz": "1000000",
    "minSz": "0.00001",
    "optType": "",
    "quoteCcy": "USDT",
    "settleCcy": "",
    "state": "live",
    "stk": "",
    "tickSz": "0.1",
    "uly": "",
}


def _order_item(arg: Item, ord_id: str, ts: str) -> Item:
    return {
        "clOrdId": arg.get("clOrdId", ""),
        "ordId": ord_id,
        "tag": arg.get("tag", ""),
        "ts": ts,
        "sCode": "0",
        "sMsg": "Order placed",
        "subCode": "",
    }


def _cancel_item(arg: Item, ord_id: str, ts: str) -> Item:
    return {
        "clOrdId": arg.get("clOrdId", ""),
        "ordId": arg.get("ordId", ord_id),
        "ts": ts,
        "sCode": "0",
        "sMsg": "",
        "subCode": "",
    }


def _amend_item(arg: Item, ord_id: str, ts: str) -> Item:
    return {
        "clOrdId": arg.get("clOrdId", ""),
        "ordId": arg.get("ordId", ord_id),
        "reqId": arg.get("reqId", ""),
        "ts": ts,
        "sCode": "0",
        "sMsg": "",
        "subCode": "",
    }


def _mass_item(arg: Item, ord_id: str, ts: str) -> Item:
    return {"result": True}


_SHAPES: dict[str, Callable[[Item, str, str], Item]] = {
    "order": _order_item,
    "batch-orders": _order_item,
    "cancel-order": _cancel_item,
    "batch-cancel-orders": _cancel_item,
    "amend-order": _amend_item,
    "batch-amend-orders": _amend_item,
    "mass-cancel": _mass_item,
    "sprd-order": _order_item,
    "sprd-amend-order": _amend_item,
    "sprd-cancel-order": _cancel_item,
    "sprd-mass-cancel": _mass_item,
}


def serve(args: argparse.Namespace) -> None:
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    import picows
    import uvloop
    from aiohttp import web

    TEXT, BINARY, CLOSE = picows.WSMsgType.TEXT, picows.WSMsgType.BINARY, picows.WSMsgType.CLOSE
    loads, dumps = orjson.loads, orjson.dumps
    time_ns = time.time_ns
    shapes = _SHAPES
    state: dict[str, Any] = {"hold": False, "held": [], "frames": 0, "ord_id": 0, "conn": 0}

    class Listener(picows.WSListener):
        def on_ws_connected(self, transport: picows.WSTransport) -> None:
            state["conn"] += 1
            self.conn_id = f"bench{state['conn']}"
            self.out: list[bytes] = []
            self.raw = transport.underlying_transport
            self.loop = asyncio.get_running_loop()

        def queue(self, payload: bytes) -> None:
            # Replies to the requests of one read go out in one write (one syscall, not one
            # per reply): server frames are unmasked, so the header is 2, 4 or 10 bytes.
            n = len(payload)
            if n < 126:
                head = bytes((0x81, n))
            elif n < 65536:
                head = b"\x81\x7e" + n.to_bytes(2, "big")
            else:
                head = b"\x81\x7f" + n.to_bytes(8, "big")
            if not self.out:
                self.loop.call_soon(self.flush)
            self.out.append(head)
            self.out.append(payload)

        def flush(self) -> None:
            out, self.out = self.out, []
            if not self.raw.is_closing():
                self.raw.write(b"".join(out))

        def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
            mt = frame.msg_type
            if mt is TEXT or mt is BINARY:
                state["frames"] += 1
                raw = frame.get_payload_as_memoryview()
                if raw.nbytes == 4 and bytes(raw) == b"ping":
                    transport.send(TEXT, b"pong")
                    return
                in_time = str(time_ns() // 1000)
                try:
                    req = loads(raw)
                    op = req["op"]
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    transport.send(
                        TEXT, b'{"event":"error","code":"60012","msg":"Illegal request"}'
                    )
                    return
                shape = shapes.get(op)
                if shape is not None:
                    data = []
                    ts = in_time[:-3]
                    for arg in req["args"]:
                        state["ord_id"] += 1
                        data.append(shape(arg, str(state["ord_id"]), ts))
                    reply = dumps(
                        {
                            "id": req.get("id", ""),
                            "op": op,
                            "code": "0",
                            "msg": "",
                            "data": data,
                            "inTime": in_time,
                            "outTime": str(time_ns() // 1000),
                        }
                    )
                    if state["hold"]:
                        state["held"].append((transport, reply))
                    else:
                        self.queue(reply)
                elif op == "login":
                    cred = req["args"][0]
                    _ = (cred["apiKey"], cred["passphrase"], cred["timestamp"], cred["sign"])
                    event = {"event": "login", "msg": "", "code": "0", "connId": self.conn_id}
                    if "id" in req:
                        event["id"] = req["id"]
                    transport.send(TEXT, dumps(event))
                elif op in ("subscribe", "unsubscribe"):
                    for arg in req.get("args", []):
                        ack = {"event": op, "arg": arg, "connId": self.conn_id}
                        if "id" in req:
                            ack["id"] = req["id"]
                        transport.send(TEXT, dumps(ack))
                elif op == "bench-hold":
                    state["hold"] = True
                    transport.send(TEXT, dumps({"event": op, "id": req.get("id", "")}))
                elif op == "bench-release":
                    held, state["held"], state["hold"] = state["held"], [], False
                    for t, reply in held:
                        if not t.is_disconnected:
                            t.send(TEXT, reply)
                    transport.send(TEXT, dumps({"event": op, "released": len(held)}))
                elif op == "bench-stats":
                    stats = {
                        "event": op,
                        "cpu": time.process_time(),
                        "wall": time.monotonic(),
                        "frames": state["frames"],
                    }
                    transport.send(TEXT, dumps(stats))
                else:
                    transport.send(
                        TEXT,
                        dumps({"id": req.get("id", ""), "op": op, "code": "60012",
                               "msg": f"Illegal request: unknown op {op}", "data": [],
                               "inTime": in_time, "outTime": in_time}),
                    )  # fmt: skip
            elif mt is CLOSE:
                transport.send_close(frame.get_close_code(), frame.get_close_message())
                transport.disconnect()

    def ok(data: list[Any]) -> web.Response:
        return web.Response(body=dumps({"code": "0", "msg": "", "data": data}),
                            content_type="application/json")  # fmt: skip

    async def instruments(request: web.Request) -> web.Response:
        if request.query.get("instType", "SPOT") == "SPOT":
            return ok([_SPOT_INSTRUMENT])
        return ok([])

    async def server_time(request: web.Request) -> web.Response:
        return ok([{"ts": str(time.time_ns() // 1_000_000)}])

    async def anything(request: web.Request) -> web.Response:
        return ok([])

    async def main() -> None:
        server = await picows.ws_create_server(
            lambda _req: Listener(), args.host, args.port, enable_auto_pong=True
        )
        app = web.Application()
        app.router.add_get("/api/v5/public/instruments", instruments)
        app.router.add_get("/api/v5/public/time", server_time)
        app.router.add_route("*", "/{tail:.*}", anything)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, args.host, args.rest_port)
        await site.start()
        rest_port = cast(Any, site._server).sockets[0].getsockname()[1]  # a uvloop Server
        info = {
            "ws_port": server.sockets[0].getsockname()[1],
            "rest_port": rest_port,
            "pid": os.getpid(),
        }
        print(json.dumps(info), flush=True)
        await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(main())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--cpu", type=int, default=1, help="core to pin to (-1: no pinning)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rest-port", type=int, default=0)
    serve(p.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
