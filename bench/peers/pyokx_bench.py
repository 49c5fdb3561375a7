"""python-okx (WsPrivateAsync) against the bench reply server.

python-okx's WS API methods (``place_order`` ...) only SEND: replies reach one callback as raw
strings, with no request/response matching, no timeout. This driver adds the least a user must
write: json.loads in the callback and a dict of futures by id (as in bench/floor_client.py).
ws:// needs a runtime patch: its WebSocketFactory always passes an SSL context, which the
``websockets`` library refuses for ws:// (docs/dev/foreign-clients.md section 2.1).
"""

from __future__ import annotations

import asyncio
import itertools
import json

import websockets
from okx.websocket import WebSocketFactory as _factory
from okx.websocket.WsPrivateAsync import WsPrivateAsync

from _common import PARAMS, measure, parse_args, run


async def _plain_connect(self):
    self.websocket = await websockets.connect(self.url)
    return self.websocket


_factory.WebSocketFactory.connect = _plain_connect


class Client:
    def __init__(self, url: str) -> None:
        self.ws = WsPrivateAsync(apiKey="bench-key", passphrase="bench-pass",
                                 secretKey="bench-secret", url=url)  # fmt: skip
        self.pending: dict[str, asyncio.Future] = {}
        self.ids = itertools.count(1)
        self.login = asyncio.get_running_loop().create_future()

    def on_message(self, raw: str) -> None:
        msg = json.loads(raw)
        fut = self.pending.pop(msg.get("id"), None)
        if fut is not None:
            fut.set_result(msg)
        elif msg.get("event") == "login" and not self.login.done():
            self.login.set_result(msg)

    async def open(self) -> Client:
        self.consumer = await self.ws.start()
        self.ws.callback = self.on_message
        await self.ws.login()
        await self.login  # python-okx itself does not wait for the login reply
        return self

    async def order(self) -> dict:
        rid = f"b{next(self.ids)}"
        fut = asyncio.get_running_loop().create_future()
        self.pending[rid] = fut
        await self.ws.place_order([PARAMS], id=rid)
        msg = await fut
        if msg["code"] != "0":
            raise RuntimeError(msg)
        return msg

    async def close(self) -> None:
        await self.ws.stop()
        self.consumer.cancel()


async def main(args):
    url = args.ws + "/private"

    async def open_client():
        return await Client(url).open()

    res = await measure(open_client, lambda c: c.order(), lambda c: c.close(), args)
    import okx

    res["version"] = getattr(okx, "__version__", "0.4.4")
    res["note"] = ("python-okx only sends WS API requests; replies arrive as raw strings on one "
                   "callback, so the driver matches them by id itself (json.loads + dict of futures)")  # fmt: skip
    return res


if __name__ == "__main__":
    a = parse_args()
    run(lambda: main(a), a)
