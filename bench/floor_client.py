"""THE FLOOR: the least a client can do on okxws's transport (picows) and JSON library (orjson).

Sends the same frame as ``WebsocketAPIClient.submit_new_order`` and matches replies by id with
a dict of futures. No validation, no timeouts, no reconnects, no login state machine.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, cast

import orjson
import picows

TEXT = picows.WSMsgType.TEXT
_loads, _dumps = orjson.loads, orjson.dumps


class FloorClient(picows.WSListener):
    transport: picows.WSTransport
    new_future: Any  # the loop's create_future
    login_fut: asyncio.Future[dict[str, Any]]

    def __init__(self) -> None:
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.ids = itertools.count(1)

    @classmethod
    async def connect(cls, url: str, login_args: dict[str, Any] | None = None) -> FloorClient:
        transport, listener = await picows.ws_connect(cls, url, enable_auto_pong=True)
        self = cast(FloorClient, listener)
        self.transport = transport
        # Bound once: get_running_loop() costs a getpid() syscall per call on CPython 3.11.
        self.new_future = asyncio.get_running_loop().create_future
        if login_args is not None:  # one login, answered with an event (no id needed)
            self.login_fut = asyncio.get_running_loop().create_future()
            transport.send(TEXT, _dumps({"op": "login", "args": [login_args]}))
            if (await self.login_fut).get("code") != "0":
                raise RuntimeError("login failed")
        return self

    def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
        if frame.msg_type is TEXT:
            # bytes, not a memoryview: for frames of this size the copy is cheaper than
            # the view (callgrind: ~540 instructions less per reply).
            msg = _loads(frame.get_payload_as_bytes())
            fut = self.pending.pop(msg.get("id"), None)
            if fut is not None:
                fut.set_result(msg)
            elif msg.get("event") == "login":
                self.login_fut.set_result(msg)

    async def request(self, op: str, args: list[Any]) -> dict[str, Any]:
        rid = str(next(self.ids))
        fut = self.new_future()
        self.pending[rid] = fut
        self.transport.send(TEXT, _dumps({"id": rid, "op": op, "args": args}))
        msg: dict[str, Any] = await fut
        if msg["code"] != "0":
            raise RuntimeError(msg)
        return msg

    async def close(self) -> None:
        self.transport.send_close(picows.WSCloseCode.OK)
        self.transport.disconnect()
        await self.transport.wait_disconnected()
