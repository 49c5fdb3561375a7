"""Shared fixtures: a real simulator on 127.0.0.1 (port 0) and clients closed after each test."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest
from aiohttp import web

from okxws import WebsocketAPIClient, WebsocketClient
from okxws.simulator import Simulator

C = TypeVar("C", WebsocketClient, WebsocketAPIClient)
ClientFactory = Callable[..., WebsocketClient]
ApiClientFactory = Callable[..., WebsocketAPIClient]

# Short timings keep the suite fast; every wait still has a deadline.
FAST: dict[str, Any] = {
    "ping_interval": 5.0,
    "pong_timeout": 2.0,
    "reconnect_timeout": 0.05,
    "request_timeout": 5.0,
    "connect_timeout": 5.0,
    "attach_event_listeners": False,
}


@pytest.fixture(autouse=True)
async def no_loop_errors() -> AsyncIterator[None]:
    """Fail a test that leaves "Task was destroyed but it is pending", "Future exception was
    never retrieved" or any other error reported to the event loop's exception handler."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield
    gc.collect()  # destroyed-while-pending tasks and unretrieved futures report on collection
    # What survived belongs to the suite (modules, caches, pytest's records): frozen, so the
    # next test's collection scans only what that test made (a full scan of the whole heap
    # after every test cost more than half the suite's time).
    gc.freeze()
    await asyncio.sleep(0)
    loop.set_exception_handler(None)
    assert not errors, [e.get("message") for e in errors]


def op_count(sim: Simulator, op: str) -> int:
    """How many ``op`` requests the simulator has received."""
    return sum(1 for r in sim.received_ops() if r.op == op)


@pytest.fixture
def sim_seed() -> int:
    """The seed of the ``sim`` fixture; a test module that needs another one overrides this."""
    return 7


@pytest.fixture
async def sim(sim_seed: int) -> AsyncIterator[Simulator]:
    """A running simulator on 127.0.0.1 (port 0), the one simulator fixture of the suite."""
    async with Simulator(host="127.0.0.1", port=0, seed=sim_seed) as simulator:
        yield simulator


def client_options(sim: Simulator, **overrides: Any) -> dict[str, Any]:
    """The options of a client of ``sim`` with the suite's fast timings (overridable)."""
    return {**FAST, "accounts": [sim.credentials], "ws_base_url": sim.ws_base_url,
            "rest_base_url": sim.rest_base_url, **overrides}  # fmt: skip


@asynccontextmanager
async def _factory(sim: Simulator, cls: type[C]) -> AsyncIterator[Callable[..., C]]:
    """Clients of ``cls`` pointed at ``sim`` (options overridable), all closed afterwards."""
    clients: list[C] = []

    def factory(**overrides: Any) -> C:
        client = cls(**client_options(sim, **overrides))
        clients.append(client)
        return client

    try:
        yield factory
    finally:
        for client in clients:
            await client.close()


@pytest.fixture
async def make_client(sim: Simulator) -> AsyncIterator[ClientFactory]:
    async with _factory(sim, WebsocketClient) as factory:
        yield factory


@pytest.fixture
async def make_api_client(sim: Simulator) -> AsyncIterator[ApiClientFactory]:
    async with _factory(sim, WebsocketAPIClient) as factory:
        yield factory


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ScriptedHttp = Callable[[Handler], Awaitable[str]]


@pytest.fixture
async def scripted_http() -> AsyncIterator[ScriptedHttp]:
    """Starts HTTP servers on 127.0.0.1 (port 0) that answer every path with ``handler``;
    returns each one's base URL. For answers no simulator gives (a proxy's error page)."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    yield start
    for runner in runners:
        await runner.cleanup()
