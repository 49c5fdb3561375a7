"""A hostile server: every call still ends within its deadline with its correct result or an
``OkxError``, the client keeps working, and nothing reaches the loop's exception handler.

The server (:mod:`.scripted_server`) writes raw bytes, so it can send what OKX never would:
broken JSON and UTF-8, binary, huge and absurdly nested frames, wrong types, unknown ids,
duplicates, fragments, byte-by-byte drips, late replies, push floods, bad close frames and
protocol violations. Each case misbehaves on the first request and answers the next one
normally, so that the test also sees the client recover.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson
import pytest

from okxws import (
    ApiCredentials,
    OkxApiError,
    OkxConnectionLostError,
    OkxDecodeError,
    OkxError,
    OkxRequestTimeoutError,
    WebsocketClient,
)

from ..conftest import FAST
from .scripted_server import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    TEXT,
    Handshake,
    Script,
    ScriptedServer,
    ServerConn,
    encode_frame,
    ok_reply,
)

ORDER: Final = [{"instIdCode": 1, "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "1"}]
CREDS: Final = [ApiCredentials("k", "s", "p")]
#: How far past its deadline a call may end (a loaded 2-core machine).
MARGIN: Final = 0.5

Outcome = dict[str, Any] | OkxError


async def timed_call(client: WebsocketClient, timeout: float) -> Outcome:
    """One order request; its response or its error, checked to end within its deadline."""
    started = time.monotonic()
    try:
        return dict(await client.send_ws_api_request("order", ORDER, timeout=timeout))
    except OkxError as exc:
        return exc
    finally:
        assert time.monotonic() - started <= timeout + MARGIN


async def misbehave_once(
    bad: Script, *, timeout: float = 2.0, between: Callable[[], Awaitable[None]] | None = None
) -> tuple[Outcome, Outcome, ScriptedServer]:
    """Run ``bad`` on the first request and answer the second normally; both outcomes."""
    requests = 0

    async def script(conn: ServerConn, request: dict[str, Any]) -> None:
        nonlocal requests
        requests += 1
        if requests == 1:
            await bad(conn, request)
        else:
            await conn.send_text(ok_reply(request))

    async with ScriptedServer(script) as server:
        client = WebsocketClient(CREDS, ws_base_url=server.url, **FAST)
        try:
            first = await timed_call(client, timeout)
            if between is not None:
                await between()
            second = await timed_call(client, 5.0)
        finally:
            await client.close()
    return first, second, server


def frames(*parts: bytes) -> Script:
    """A script that writes ``parts`` (whole frames or any bytes), then the real reply."""

    async def script(conn: ServerConn, request: dict[str, Any]) -> None:
        for part in parts:
            await conn.write(part)
        await conn.send_text(ok_reply(request))

    return script


def text(payload: bytes) -> bytes:
    return encode_frame(TEXT, payload)


# ------------------------------------------------- junk the client ignores, then the reply

NESTED: Final = b"[" * 100_000 + b"]" * 100_000
JUNK: Final[dict[str, Script]] = {
    "invalid JSON": frames(text(b"this is not json"), text(b'{"id":"1",')),
    "invalid UTF-8": frames(text(b'{"id":"\xff\xfe","op":"order"}'), text(b"\xc3\x28")),
    "binary frames": frames(encode_frame(BINARY, b"\x00\x01binary"), encode_frame(BINARY, b"")),
    "empty text": frames(text(b"")),
    "JSON that is not an object": frames(
        text(b"[1,2,3]"), text(b'"s"'), text(b"null"), text(b"1e999"), text(b"true")
    ),
    "absurdly nested JSON": frames(text(NESTED), text(b'{"a":' * 50_000 + b"1" + b"}" * 50_000)),
    "huge junk (4 MB)": frames(text(b'{"arg":{"channel":"x"},"data":"' + b"x" * (4 << 20) + b'"}')),
    "unknown event": frames(text(b'{"event":"surprise"}'), text(b'{"event":7}')),
    "unsolicited pong and notice": frames(
        text(b"pong"), text(b'{"event":"notice","code":"1","msg":"hello"}')
    ),
    "reply to an unknown id": frames(
        text(b'{"id":"999999999","op":"order","code":"0","msg":"","data":[]}'),
        text(b'{"id":"999999998","op":"order","code":"1","msg":"","data":[{"sCode":"5"}]}'),
    ),
    "near misses of an op response": frames(
        text(b'{"id":null,"op":"order","code":"0","msg":"","data":[]}'),
        text(b'{"id":[1],"op":"order","code":"0","msg":"","data":[]}'),
        text(b'{"id":true,"op":"order","code":"0","data":[]}'),
    ),
    "pushes of every shape": frames(
        text(b'{"arg":{"channel":"tickers","instId":"X"},"data":[{"last":"1"}]}'),
        text(b'{"arg":{"channel":"tickers"},"data":"not a list"}'),
        text(b'{"arg":"not an object","data":[]}'),
    ),
    "control pings": frames(*(encode_frame(PING, b"x" * 125) for _ in range(50))),
    # picows lets these protocol violations through; okxws finds nothing in them.
    "reserved bits set": frames(encode_frame(TEXT, b"{}", rsv=0b100)),
    "continuation without a start": frames(encode_frame(CONTINUATION, b"{}")),
}


@pytest.mark.parametrize("junk", JUNK.values(), ids=JUNK.keys())
async def test_junk_is_ignored_and_the_real_reply_still_resolves_the_call(junk: Script) -> None:
    first, second, _ = await misbehave_once(junk)
    assert isinstance(first, dict), first
    assert first["code"] == "0"
    assert isinstance(second, dict), second


async def test_a_malformed_frame_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="okxws"):
        first, _, _ = await misbehave_once(frames(text(b"this is not json")))
    assert isinstance(first, dict)
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.name == "okxws.net"
    assert "malformed frame" in record.getMessage()


# ------------------------------------------------------ the reply, delivered the hard way


def fragmented(request: dict[str, Any]) -> bytes:
    reply = ok_reply(request)
    third = len(reply) // 3
    return (
        encode_frame(TEXT, reply[:third], fin=False)
        + encode_frame(PING, b"in between")  # control frames may interleave (RFC 6455 5.4)
        + encode_frame(CONTINUATION, reply[third : 2 * third], fin=False)
        + encode_frame(CONTINUATION, reply[2 * third :])
    )


async def send_fragmented(conn: ServerConn, request: dict[str, Any]) -> None:
    await conn.write(fragmented(request))


async def drip(conn: ServerConn, request: dict[str, Any]) -> None:
    for byte in fragmented(request):
        await conn.write(bytes([byte]))


async def flood_then_reply(conn: ServerConn, request: dict[str, Any]) -> None:
    push = text(b'{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"last":"1"}]}')
    await conn.write(push * 20_000)
    await conn.send_text(ok_reply(request))


async def reply_twice(conn: ServerConn, request: dict[str, Any]) -> None:
    await conn.send_text(ok_reply(request, data=[{"sCode": "0", "ordId": "first"}]))
    await conn.send_text(ok_reply(request, data=[{"sCode": "0", "ordId": "second"}]))


DELIVERIES: Final[dict[str, Script]] = {
    "fragmented": send_fragmented,
    "dripped byte by byte": drip,
    "after a flood of 20,000 pushes": flood_then_reply,
    "duplicated": reply_twice,
}


@pytest.mark.parametrize("deliver", DELIVERIES.values(), ids=DELIVERIES.keys())
async def test_the_reply_however_delivered_resolves_the_call(deliver: Script) -> None:
    first, second, server = await misbehave_once(deliver)
    assert isinstance(first, dict), first
    assert first["code"] == "0"
    if deliver is reply_twice:
        assert first["data"][0]["ordId"] == "first"  # the duplicate is dropped
    assert isinstance(second, dict), second
    assert len(server.conns) == 1


async def test_a_late_reply_is_dropped_and_the_client_carries_on() -> None:
    timed_out = asyncio.Event()
    sent_late = asyncio.Event()

    async def late(conn: ServerConn, request: dict[str, Any]) -> None:
        await timed_out.wait()
        await conn.send_text(ok_reply(request))
        sent_late.set()

    async def between() -> None:
        timed_out.set()
        async with asyncio.timeout(5):
            await sent_late.wait()

    first, second, _ = await misbehave_once(late, timeout=0.3, between=between)
    assert isinstance(first, OkxRequestTimeoutError)
    assert first.outcome_unknown
    assert isinstance(second, dict), second


async def test_an_error_event_with_the_request_id_fails_that_request() -> None:
    async def reject(conn: ServerConn, request: dict[str, Any]) -> None:
        event = {"event": "error", "id": request["id"], "code": "60012", "msg": "nope"}
        await conn.send_text(orjson.dumps(event))

    first, second, _ = await misbehave_once(reject)
    assert isinstance(first, OkxApiError)
    assert (first.code, first.outcome_unknown) == ("60012", False)
    assert isinstance(second, dict)


async def test_an_idless_illegal_request_echo_fails_its_request() -> None:
    async def illegal(conn: ServerConn, request: dict[str, Any]) -> None:
        echo = f"Illegal request: {orjson.dumps(request).decode()}"
        await conn.send_text(orjson.dumps({"event": "error", "msg": echo, "code": "60012"}))

    first, _, _ = await misbehave_once(illegal)
    assert isinstance(first, OkxApiError)
    assert first.code == "60012"


async def test_a_reply_with_a_numeric_id_or_without_times_resolves_its_request() -> None:
    async def numeric(conn: ServerConn, request: dict[str, Any]) -> None:
        reply = {"id": int(request["id"]), "op": "order", "code": "0", "msg": "", "data": []}
        await conn.send_text(orjson.dumps(reply))

    first, _, _ = await misbehave_once(numeric)
    assert isinstance(first, dict)
    assert (first["op"], "inTime" in first) == ("order", False)


# ------------------------------------------- replies of the wrong shape (issue 17, bug 3)

WRONG_SHAPES: Final[dict[str, dict[str, Any]]] = {
    "code 0, data an object": {"code": "0", "data": {"ordId": "1"}},
    "code 0, data a string": {"code": "0", "data": "[]"},
    "code 0, data null": {"code": "0", "data": None},
    "code 0, no data": {"code": "0"},
    "code 0, data of numbers": {"code": "0", "data": [1, 2]},
    "code 0, one good item and one bad": {"code": "0", "data": [{"sCode": "0"}, "x"]},
    "code a number": {"code": 0, "data": []},
    "no code": {"data": [{"sCode": "0"}]},
    "code 1, data a number": {"code": "1", "data": 5},
}


@pytest.mark.parametrize("shape", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
async def test_a_reply_without_okx_shape_fails_its_call_as_outcome_unknown(
    shape: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    async def malformed_then_real(conn: ServerConn, request: dict[str, Any]) -> None:
        bad = {"id": request["id"], "op": request["op"], "msg": "", **shape}
        await conn.send_text(orjson.dumps(bad))
        await conn.send_text(ok_reply(request))  # the real reply, too late: dropped

    with caplog.at_level(logging.DEBUG, logger="okxws"):
        first, second, _ = await misbehave_once(malformed_then_real)
    assert isinstance(first, OkxDecodeError), first
    assert first.outcome_unknown
    assert "malformed reply to order request" in str(first)
    assert first.request is not None
    assert first.request["args"] == ORDER
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert ["malformed reply" in r.getMessage() for r in warnings] == [True]
    assert "response to unknown or expired request" in caplog.text
    assert isinstance(second, dict), second


async def test_a_malformed_reply_does_not_reach_the_response_event() -> None:
    responses: list[dict[str, Any]] = []

    async def malformed(conn: ServerConn, request: dict[str, Any]) -> None:
        await conn.send_text(orjson.dumps({"id": request["id"], "op": "order", "code": "0",
                                           "data": {}}))  # fmt: skip

    async with ScriptedServer(malformed) as server:
        client = WebsocketClient(CREDS, ws_base_url=server.url, **FAST)
        client.on("response", responses.append)
        try:
            assert isinstance(await timed_call(client, 2.0), OkxDecodeError)
        finally:
            await client.close()
    assert responses == []


# ------------------------------------------ the connection dies: outcome unknown, reconnect


def close_frame(payload: bytes) -> Script:
    async def script(conn: ServerConn, request: dict[str, Any]) -> None:
        await conn.send_frame(CLOSE, payload)
        conn.writer.close()

    return script


async def reset_mid_frame(conn: ServerConn, request: dict[str, Any]) -> None:
    await conn.write(text(ok_reply(request))[:20])
    conn.reset()


async def too_big(conn: ServerConn, request: dict[str, Any]) -> None:
    await conn.write(text(b" " * (11 << 20)))  # over picows's 10 MB frame limit


async def fin_mid_frame(conn: ServerConn, request: dict[str, Any]) -> None:
    await conn.write(text(ok_reply(request))[:-3])
    conn.writer.close()


DEATHS: Final[dict[str, Script]] = {
    "close 1002": close_frame(struct.pack("!H", 1002) + b"protocol error"),
    "close 4004": close_frame(struct.pack("!H", 4004) + b"No data received in 30s."),
    "close with an invalid code (999)": close_frame(struct.pack("!H", 999)),
    "close with an invalid code (65535)": close_frame(struct.pack("!H", 65535)),
    "close with a one-byte payload": close_frame(b"\x03"),
    "close with an empty payload": close_frame(b""),
    "close with an invalid UTF-8 reason": close_frame(struct.pack("!H", 1000) + b"\xff\xfe"),
    "reset in the middle of the reply": reset_mid_frame,
    "clean TCP close in the middle of the reply": fin_mid_frame,
    "a frame over the size limit": too_big,
    "unknown opcode": frames(encode_frame(0x3, b"{}")),
    "masked server frame": frames(encode_frame(TEXT, b"{}", mask=b"abcd")),
    "control frame over 125 bytes": frames(encode_frame(PING, b"x" * 200)),
    "fragmented control frame": frames(encode_frame(PING, b"x", fin=False)),
}


@pytest.mark.parametrize("death", DEATHS.values(), ids=DEATHS.keys())
async def test_a_dead_connection_fails_in_flight_calls_and_the_client_reconnects(
    death: Script,
) -> None:
    first, second, server = await misbehave_once(death)
    # The reply may or may not have been on its way: never re-sent, outcome unknown.
    assert isinstance(first, OkxConnectionLostError), first
    assert first.outcome_unknown
    assert isinstance(second, dict), second
    assert len(server.conns) == 2
    assert [len([r for r in c.requests if r["op"] == "order"]) for c in server.conns] == [1, 1]


# ------------------------------------------------------------ a broken WebSocket handshake


def answer_badly(response: bytes, *, then_serve: bool = False) -> Handshake:
    async def handshake(conn: ServerConn) -> bool:
        await conn.read_upgrade()
        await conn.write(response)
        return then_serve

    return handshake


async def accept_then_reset(conn: ServerConn) -> bool:
    await conn.accept_upgrade(await conn.read_upgrade())
    conn.reset()
    return False


async def accept_then_garbage(conn: ServerConn) -> bool:
    await conn.accept_upgrade(await conn.read_upgrade())
    await conn.write(b"\xff" * 64)
    return True


BROKEN_HANDSHAKES: Final[dict[str, Handshake]] = {
    "HTTP 500": answer_badly(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"),
    "not HTTP": answer_badly(b"garbage\r\n\r\n"),
    "101 with a wrong accept key": answer_badly(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: d3Jvbmc=\r\n\r\n"
    ),
    "half a status line, then close": answer_badly(b"HTTP/1.1 10"),
    "101, then a reset": accept_then_reset,
    "101, then garbage frames": accept_then_garbage,
}


@pytest.mark.parametrize("broken", BROKEN_HANDSHAKES.values(), ids=BROKEN_HANDSHAKES.keys())
async def test_a_broken_handshake_is_retried(broken: Handshake) -> None:
    async def handshake(conn: ServerConn) -> bool:
        if len(server.conns) == 1:
            return await broken(conn)
        await conn.accept_upgrade(await conn.read_upgrade())
        return True

    async def answer(conn: ServerConn, request: dict[str, Any]) -> None:
        await conn.send_text(ok_reply(request))

    async with ScriptedServer(answer, handshake=handshake) as server:
        client = WebsocketClient(CREDS, ws_base_url=server.url, **FAST)
        try:
            outcome = await timed_call(client, 5.0)
        finally:
            await client.close()
    assert isinstance(outcome, dict), outcome
    assert len(server.conns) == 2
