"""A WebSocket server on raw asyncio streams, so that a test can send anything at all.

The simulator speaks OKX faithfully and aiohttp refuses to send broken frames; this server
writes bytes: broken JSON, invalid UTF-8, fragments, one byte at a time, bad close codes.
It answers the text ``ping``, control pings and logins like OKX, and hands every other
request to the test's script. Every connection task is owned and ended by :meth:`close`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson

from ..local_server import LocalServer

__all__ = [
    "BINARY",
    "CLOSE",
    "CONTINUATION",
    "PING",
    "PONG",
    "TEXT",
    "Handshake",
    "Script",
    "ScriptedServer",
    "ServerConn",
    "encode_frame",
    "ok_reply",
    "read_frame",
]

CONTINUATION: Final = 0x0
TEXT: Final = 0x1
BINARY: Final = 0x2
CLOSE: Final = 0x8
PING: Final = 0x9
PONG: Final = 0xA
_GUID: Final = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LOGIN_OK: Final = b'{"event":"login","msg":"","code":"0","connId":"scripted"}'


def encode_frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bytes | None = None
) -> bytes:
    """One RFC 6455 frame (servers send unmasked frames; ``mask`` makes a client's)."""
    head = bytearray([(0x80 if fin else 0) | (rsv << 4) | opcode])
    mask_bit = 0x80 if mask is not None else 0
    n = len(payload)
    if n < 126:
        head.append(mask_bit | n)
    elif n < 1 << 16:
        head += bytes([mask_bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", n)
    if mask is None:
        return bytes(head) + payload
    return bytes(head) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def read_frame(reader: asyncio.StreamReader) -> tuple[bool, int, bytes]:
    """``(fin, opcode, payload)`` of the next frame, unmasked."""
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    mask = await reader.readexactly(4) if b1 & 0x80 else None
    payload = await reader.readexactly(n)
    if mask is not None:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bool(b0 & 0x80), b0 & 0x0F, payload


def ok_reply(request: dict[str, Any], **fields: Any) -> bytes:
    """OKX's success envelope for ``request`` (okx-protocol.md 3.2), with ``fields`` on top."""
    reply = {"id": request["id"], "op": request["op"], "code": "0", "msg": "",
             "data": [{"sCode": "0", "sMsg": "", "ordId": "1", "clOrdId": ""}],
             "inTime": "1", "outTime": "2", **fields}  # fmt: skip
    return orjson.dumps(reply)


class ServerConn:
    """The server side of one connection, for scripts to write to."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        #: Every JSON request received (logins included), in order.
        self.requests: list[dict[str, Any]] = []

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send_frame(self, opcode: int, payload: bytes, **kw: Any) -> None:
        await self.write(encode_frame(opcode, payload, **kw))

    async def send_text(self, payload: bytes | str) -> None:
        await self.send_frame(TEXT, payload.encode() if isinstance(payload, str) else payload)

    async def send_close(self, code: int | None, reason: bytes = b"") -> None:
        """A close frame (``code`` None: an empty one), then the TCP close."""
        await self.send_frame(CLOSE, b"" if code is None else struct.pack("!H", code) + reason)
        self.writer.close()

    def reset(self) -> None:
        """Drop the TCP connection with a reset (no close frame, no FIN)."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def read_upgrade(self) -> bytes:
        """The client's HTTP upgrade request (headers)."""
        return await self.reader.readuntil(b"\r\n\r\n")

    async def accept_upgrade(self, request: bytes) -> None:
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        await self.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )


Script = Callable[[ServerConn, dict[str, Any]], Awaitable[None]]
#: Runs instead of the normal upgrade; return True to go on serving frames after it.
Handshake = Callable[[ServerConn], Awaitable[bool]]


class ScriptedServer(LocalServer):
    """``async with ScriptedServer(script) as server:`` then connect to ``server.url``."""

    def __init__(self, script: Script | None = None, *, handshake: Handshake | None = None):
        super().__init__()
        self._script = script
        self._handshake = handshake
        self.conns: list[ServerConn] = []
        self._changed = asyncio.Event()

    def drop_connections(self) -> None:
        for conn in self.conns:
            conn.writer.transport.abort()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds, re-checked whenever a connection or frame arrives."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = ServerConn(reader, writer)
        self.conns.append(conn)
        self._changed.set()
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            try:
                if self._handshake is not None:
                    if not await self._handshake(conn):
                        return
                else:
                    await conn.accept_upgrade(await conn.read_upgrade())
                await self._frames(conn)
            finally:
                conn.writer.close()

    async def _frames(self, conn: ServerConn) -> None:
        while True:
            _, opcode, payload = await read_frame(conn.reader)
            if opcode == PING:
                await conn.send_frame(PONG, payload)
            elif opcode == CLOSE:
                await conn.send_frame(CLOSE, payload[:2])
                return
            elif opcode == TEXT and payload == b"ping":
                await conn.send_text(b"pong")
            elif opcode == TEXT:
                request = orjson.loads(payload)
                conn.requests.append(request)
                self._changed.set()
                if request.get("op") == "login":
                    await conn.send_text(LOGIN_OK)
                elif self._script is not None:
                    await self._script(conn, request)
