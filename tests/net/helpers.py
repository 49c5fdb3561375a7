"""Helpers shared by the net tests."""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Callable
from typing import Any

import orjson

from okxws.net.client import WebsocketClient

BTC_USDT = 100001


def resting_buy(**extra: Any) -> dict[str, Any]:
    """A limit buy far below the market: it rests."""
    return {"instIdCode": BTC_USDT, "tdMode": "cash", "side": "buy", "ordType": "limit",
            "sz": "0.001", "px": "50000", **extra}  # fmt: skip


def event_waiter(client: WebsocketClient, event: Any) -> asyncio.Event:
    flag = asyncio.Event()
    client.on(event, lambda _payload: flag.set())
    return flag


async def wait(flag: asyncio.Event, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        await flag.wait()


class MemoryTransport:
    """An in-memory WebSocket for ``transport=``: records what the client sends; the test
    feeds frames with :meth:`deliver` and ends it with :meth:`drop`."""

    def __init__(
        self, on_message: Callable[[bytes], None], on_close: Callable[[int | None, str], None]
    ) -> None:
        self.sent: list[bytes] = []
        self._on_message = on_message
        self._on_close = on_close
        self._closed = asyncio.get_running_loop().create_future()
        self.sent_event = asyncio.Event()

    def send(self, data: bytes) -> None:
        self.sent.append(data)
        self.sent_event.set()

    @property
    def is_closed(self) -> bool:
        return self._closed.done()

    def deliver(self, frame: bytes) -> None:
        self._on_message(frame)

    def drop(self, code: int | None = None, reason: str = "") -> None:
        if not self._closed.done():
            self._closed.set_result(None)
            self._on_close(code, reason)

    def close(self, code: int = 1000) -> None:
        self.drop(code, "closed by client")

    def abort(self) -> None:
        self.drop()

    async def wait_closed(self) -> None:
        await self._closed


class MemoryNetwork:
    """The transport factory of a client under test: every socket it opens, in order."""

    def __init__(self) -> None:
        self.sockets: list[MemoryTransport] = []

    async def __call__(
        self,
        url: str,
        on_message: Callable[[bytes], None],
        on_close: Callable[[int | None, str], None],
        *,
        ssl_context: ssl.SSLContext | None,
        ping_interval: float,
        pong_timeout: float,
        handshake_timeout: float,
        proxy: str | None = None,
    ) -> MemoryTransport:
        transport = MemoryTransport(on_message, on_close)
        self.sockets.append(transport)
        self.opened(transport)
        return transport

    def opened(self, transport: MemoryTransport) -> None:
        """Called with every new socket (a subclass answers on it)."""


class FakeOkx(MemoryNetwork):
    """An in-memory OKX for the frame rules of a feature: answers login, subscribe and
    unsubscribe (one ack per channel, in OKX's shapes) and records every request; the test
    sends the pushes itself with :meth:`push`. ``on_subscribe`` may push right after an ack
    (e.g. a book snapshot), as OKX does."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict[str, Any]] = []
        self.on_subscribe: Callable[[MemoryTransport, dict[str, Any]], None] | None = None
        self.changed = asyncio.Event()

    def opened(self, transport: MemoryTransport) -> None:
        transport.send = functools.partial(self._answer, transport)  # type: ignore[method-assign]

    def _answer(self, transport: MemoryTransport, data: bytes) -> None:
        msg = orjson.loads(data)
        self.requests.append(msg)
        self.changed.set()
        loop = asyncio.get_running_loop()
        op = msg.get("op")
        if op == "login":
            frame = {"event": "login", "code": "0", "msg": "", "connId": "m"}
            loop.call_soon(transport.deliver, orjson.dumps(frame))
        elif op in ("subscribe", "unsubscribe"):
            for arg in msg["args"]:
                ack = {"id": msg["id"], "event": op, "arg": arg, "connId": "m"}
                loop.call_soon(transport.deliver, orjson.dumps(ack))
                if op == "subscribe" and self.on_subscribe is not None:
                    loop.call_soon(self.on_subscribe, transport, arg)

    def push(self, arg: dict[str, Any], item: dict[str, Any], action: str | None = None) -> None:
        """Deliver one push of ``arg`` on the newest socket."""
        msg: dict[str, Any] = {"arg": arg}
        if action is not None:
            msg["action"] = action
        msg["data"] = [item]
        self.sockets[-1].deliver(orjson.dumps(msg))

    def ops(self, op: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("op") == op]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()
