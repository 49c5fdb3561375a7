"""The transport adapter owns its socket from the first byte; the supervisor survives anything.

Regression tests for issue 17's first two bugs: a connection lost during the WebSocket
handshake killed the connection's task (picows returns no listener, an ``assert`` failed), and
``close()`` during the handshake left a live socket behind (picows does not abort its transport
when ``ws_connect`` is cancelled while it waits for the ``101``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from okxws import (
    ApiCredentials,
    OkxConnectError,
    OkxConnectionLostError,
    OkxError,
    OkxRequestTimeoutError,
    OkxStateError,
    WebsocketAPIClient,
    WebsocketClient,
)
from okxws.net.transport import WsTransport, open_ws

from ..conftest import FAST
from ..open_sockets import tcp_connections_to
from .scripted_server import Handshake, ScriptedServer, ServerConn, ok_reply, read_frame

ORDER = [{"instIdCode": 1, "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "1"}]
CREDS = [ApiCredentials("k", "s", "p")]


async def answer(conn: ServerConn, request: dict[str, Any]) -> None:
    await conn.send_text(ok_reply(request))


async def cut_short(conn: ServerConn) -> bool:
    """Read the upgrade request, then close without answering it."""
    await conn.read_upgrade()
    return False


def exceptions_of(client: WebsocketClient) -> list[BaseException]:
    errors: list[BaseException] = []
    client.on("exception", lambda payload: errors.append(payload["error"]))
    return errors


async def open_to(
    url: str,
    *,
    handshake_timeout: float = 5.0,
    on_close: Callable[[int | None, str], None] = lambda _code, _reason: None,
) -> WsTransport:
    return await open_ws(
        url + "/ws/v5/private",
        lambda _raw: None,
        on_close,
        ssl_context=None,
        ping_interval=5.0,
        pong_timeout=2.0,
        handshake_timeout=handshake_timeout,
    )


# --------------------------------------------------------- bug 1: lost during the handshake


async def test_open_ws_raises_transport_error_when_the_handshake_is_cut_short() -> None:
    async with ScriptedServer(handshake=cut_short) as server:
        with pytest.raises(OkxConnectError, match="during the WebSocket handshake"):
            await open_to(server.url)
        assert tcp_connections_to(server.port) == 0


async def test_connection_lost_during_the_handshake_reconnects() -> None:
    first = True

    async def handshake(conn: ServerConn) -> bool:
        nonlocal first
        request = await conn.read_upgrade()
        if first:
            first = False
            return False  # the first connection dies before its 101
        await conn.accept_upgrade(request)
        return True

    async with ScriptedServer(answer, handshake=handshake) as server:
        client = WebsocketClient(CREDS, ws_base_url=server.url, **FAST)
        errors = exceptions_of(client)
        try:
            res = await client.send_ws_api_request("order", ORDER, timeout=5.0)
            assert res["code"] == "0"
        finally:
            await client.close()
        assert len(server.conns) == 2
        assert [type(e) for e in errors] == [OkxConnectError]


async def test_a_server_that_always_cuts_the_handshake_short_is_retried_not_fatal() -> None:
    async with ScriptedServer(handshake=cut_short) as server:
        client = WebsocketClient(CREDS, ws_base_url=server.url, **FAST)
        errors = exceptions_of(client)
        try:
            with pytest.raises(OkxRequestTimeoutError, match="nothing was sent") as info:
                await client.send_ws_api_request("order", ORDER, timeout=0.5)
            assert not info.value.outcome_unknown
            await server.wait_for(lambda: len(server.conns) >= 3)  # still reconnecting
        finally:
            await client.close()  # returns, and raises nothing
        assert errors
        assert all(isinstance(e, OkxConnectError) for e in errors)


async def test_the_supervisor_survives_any_exception_from_below(
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_open_ws = open_ws
    failures = 1

    async def flaky_open_ws(*args: Any, **kwargs: Any) -> WsTransport:
        nonlocal failures
        if failures:
            failures -= 1
            raise AssertionError("a bug below the connection")
        return await real_open_ws(*args, **kwargs)

    async with ScriptedServer(answer) as server:
        client = WebsocketClient(CREDS, ws_base_url=server.url, transport=flaky_open_ws, **FAST)
        errors = exceptions_of(client)
        try:
            with caplog.at_level(logging.ERROR, logger="okxws"):
                res = await client.send_ws_api_request("order", ORDER, timeout=5.0)
            assert res["code"] == "0"
        finally:
            await client.close()
    [error] = errors
    assert isinstance(error, OkxConnectError)
    assert isinstance(error.__cause__, AssertionError)
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name == "okxws.net"
    assert "unexpected error while connecting" in record.getMessage()


# ----------------------------------------------- bug 2: close or cancel during the handshake


def withhold_101(reached: asyncio.Event, release: asyncio.Event) -> Handshake:
    """Read the upgrade, then answer it only once ``release`` is set."""

    async def handshake(conn: ServerConn) -> bool:
        request = await conn.read_upgrade()
        reached.set()
        await release.wait()
        await conn.accept_upgrade(request)
        return True

    return handshake


def withhold_login(reached: asyncio.Event, release: asyncio.Event) -> Handshake:
    """Answer the upgrade, read the login, and leave it unanswered until ``release``."""

    async def handshake(conn: ServerConn) -> bool:
        await conn.accept_upgrade(await conn.read_upgrade())
        await read_frame(conn.reader)  # the login request
        reached.set()
        await release.wait()
        return True

    return handshake


@pytest.mark.parametrize("hold", [withhold_101, withhold_login], ids=["handshake", "login"])
async def test_close_while_connecting_leaves_no_socket(
    hold: Callable[[asyncio.Event, asyncio.Event], Handshake],
) -> None:
    reached, release = asyncio.Event(), asyncio.Event()
    async with ScriptedServer(answer, handshake=hold(reached, release)) as server:
        client = WebsocketAPIClient(accounts=CREDS, ws_base_url=server.url, **FAST)
        connecting = asyncio.ensure_future(client.connect_ws_api())
        async with asyncio.timeout(5):
            await reached.wait()
        await client.close()
        assert tcp_connections_to(server.port) == 0
        with pytest.raises(OkxStateError):
            await connecting
        # What the server sends now finds the client gone: it reads EOF, never a ping.
        release.set()
        for conn in server.conns:
            async with asyncio.timeout(5):
                assert await conn.reader.read() == b""


async def test_cancelling_open_ws_mid_handshake_closes_its_socket() -> None:
    upgrade_seen, release = asyncio.Event(), asyncio.Event()
    async with ScriptedServer(handshake=withhold_101(upgrade_seen, release)) as server:
        opening = asyncio.ensure_future(open_to(server.url))
        async with asyncio.timeout(5):
            await upgrade_seen.wait()
        opening.cancel()
        with pytest.raises(asyncio.CancelledError):
            await opening
        assert tcp_connections_to(server.port) == 0
        release.set()


async def test_a_handshake_without_an_answer_times_out_and_leaves_no_socket() -> None:
    upgrade_seen, never = asyncio.Event(), asyncio.Event()
    async with ScriptedServer(handshake=withhold_101(upgrade_seen, never)) as server:
        with pytest.raises(OkxConnectError, match=r"not open within 0\.2 s"):
            await open_to(server.url, handshake_timeout=0.2)
        assert tcp_connections_to(server.port) == 0


async def test_a_rejected_upgrade_is_a_transport_error() -> None:
    async def reject(conn: ServerConn) -> bool:
        await conn.read_upgrade()
        await conn.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        return False

    async with ScriptedServer(handshake=reject) as server:
        with pytest.raises(OkxConnectError, match="403"):
            await open_to(server.url)
        assert tcp_connections_to(server.port) == 0


async def test_a_refused_connection_is_a_transport_error() -> None:
    async with ScriptedServer() as server:
        url = server.url
    with pytest.raises(OkxConnectError, match="cannot open"):
        await open_to(url)


# ------------------------------------------------------------- sending on a dying socket


async def test_nothing_is_sent_on_a_socket_that_is_closing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closes: list[int | None] = []
    async with ScriptedServer() as server:
        ws = await open_to(server.url, on_close=lambda code, _reason: closes.append(code))
        ws.abort()  # the transport is closing now; picows hears of it a loop turn later
        assert closes == []
        with caplog.at_level(logging.DEBUG):
            for _ in range(10):  # aiofastnet warns from the 5th write after connection lost
                with pytest.raises(OkxConnectionLostError, match="nothing was sent") as info:
                    ws.send(b"{}")
                assert not info.value.outcome_unknown
        # The first send found the socket closing and reported it gone (once), so that
        # requests wait for the next socket instead of failing one after another.
        assert closes == [None]
        ws.close()  # no close frame on a dead socket, and no error
        await ws.wait_closed()
        assert closes == [None]
    assert [r for r in caplog.records if not r.name.startswith("okxws")] == []
    assert isinstance(info.value, OkxError)
