"""Shared helpers for simulator tests: an aiohttp session and a small WebSocket test client, and
engine fixtures for the pure tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from okxws.protocol.auth import ApiCredentials, build_login_request
from okxws.simulator import Simulator
from okxws.simulator.book import Book
from okxws.simulator.engine import Engine, Event, OrderEvent
from okxws.simulator.orders import CancelSource, Order, OrderState

TIMEOUT = 5.0


#: Every WebSocket opened by :func:`connect` in the current test, closed by ``http``.
_open_sockets: list[aiohttp.ClientWebSocketResponse] = []


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s
        # Closing the session does not release a connection that an open WebSocket still
        # holds: left to the garbage collector, it warns "Unclosed connection" (ResourceWarning)
        # in whichever test happens to collect it.
        while _open_sockets:
            await _open_sockets.pop().close()


class Client:
    """A thin test client over aiohttp's WebSocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, msg: dict[str, Any] | str) -> None:
        await self.ws.send_str(msg if isinstance(msg, str) else orjson.dumps(msg).decode())

    async def recv_text(self) -> str:
        async with asyncio.timeout(TIMEOUT):
            m = await self.ws.receive()
        assert m.type is aiohttp.WSMsgType.TEXT, m
        assert isinstance(m.data, str)
        return m.data

    async def recv(self) -> dict[str, Any]:
        out = orjson.loads(await self.recv_text())
        assert isinstance(out, dict)
        return out

    async def recv_until(self, pred: Any) -> dict[str, Any]:
        while True:
            m = await self.recv()
            if pred(m):
                return m

    async def request(self, msg: dict[str, Any] | str) -> dict[str, Any]:
        await self.send(msg)
        return await self.recv()

    async def login(self, creds: ApiCredentials, now: float | None = None) -> dict[str, Any]:
        req = build_login_request(creds, time.time() if now is None else now)
        return await self.request(dict(req))

    async def expect_closed(self) -> aiohttp.WSMessage:
        async with asyncio.timeout(TIMEOUT):
            while True:
                m = await self.ws.receive()
                if m.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.CLOSING,
                    aiohttp.WSMsgType.ERROR,
                ):
                    return m


async def connect(http: aiohttp.ClientSession, sim: Simulator, kind: str, **kw: Any) -> Client:
    ws = await http.ws_connect(f"{sim.ws_base_url}/ws/v5/{kind}", **kw)
    _open_sockets.append(ws)
    return Client(ws)


async def private(http: aiohttp.ClientSession, sim: Simulator, kind: str = "private") -> Client:
    c = await connect(http, sim, kind)
    r = await c.login(sim.credentials)
    assert r["code"] == "0", r
    return c


def order_args(**kw: Any) -> dict[str, Any]:
    """A resting limit buy on BTC-USDT (instIdCode 100001), far below the market."""
    base: dict[str, Any] = {
        "instIdCode": 100001,
        "tdMode": "cash",
        "side": "buy",
        "ordType": "limit",
        "px": "50000",
        "sz": "0.01",
    }
    base.update(kw)
    return base


# ------------------------------------------------------------------ engine helpers (no loop)

BTC = 100001
ETH = 100002
SWAP = 200001
OPT = 300001
SPRD = "BTC-USDT_BTC-USDT-SWAP"


def limit(side: str, px: str, sz: str, code: int | str = BTC, **kw: Any) -> dict[str, Any]:
    """A limit order item on instrument ``code`` (cash for spot, cross for derivatives)."""
    td = "cash" if code in (BTC, ETH) else "cross"
    args: dict[str, Any] = {"instIdCode": code, "tdMode": td, "side": side, "ordType": "limit"}
    args.update(px=px, sz=sz, **kw)
    return args


def spread(side: str, px: str, sz: str, **kw: Any) -> dict[str, Any]:
    """A spread order item on the one spread."""
    return {"sprdId": SPRD, "side": side, "ordType": "limit", "px": px, "sz": sz, **kw}


def order_pushes(events: list[Event], uid: str | None = None) -> list[dict[str, Any]]:
    """The data of the order pushes among ``events`` (of ``uid``)."""
    return [e.data for e in events if isinstance(e, OrderEvent) and (uid is None or e.uid == uid)]


def balance_of(eng: Engine, uid: str, ccy: str) -> dict[str, str]:
    """The ``account`` details of ``ccy``."""
    for d in eng.balance(uid)["details"]:
        if d["ccy"] == ccy:
            return dict(d)
    raise KeyError(ccy)


class RecordingTrades:
    """A :class:`~okxws.simulator.matching.Trades` that records what matching reports and ends
    orders as the engine does (off the book)."""

    def __init__(self) -> None:
        self.log: list[tuple[object, ...]] = []
        self._trade = 0

    def new_trade_id(self) -> str:
        self._trade += 1
        return f"t{self._trade}"

    def filled(self, o: Order, px_ticks: int, lots: int, maker: bool, trade_id: str) -> None:
        self.log.append(("fill", o.ord_id, px_ticks, lots, maker, trade_id))

    def finish(self, o: Order, state: OrderState, source: CancelSource | None) -> None:
        if o.resting:
            o.book.remove(o)
        o.state = state
        self.log.append(("finish", o.ord_id, state, source))

    def market_changed(self, book: Book[Order]) -> None:
        self.log.append(("market", book.key))


@pytest.fixture
def eng() -> Engine:
    """An engine (seed 7) with three funded accounts u1, u2, u3."""
    e = Engine(seed=7)
    for uid in ("u1", "u2", "u3"):
        e.create_account(uid)
    return e
