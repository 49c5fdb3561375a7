"""A local forwarding proxy for tests: HTTP CONNECT, plain HTTP (absolute-form) and SOCKS5.

It serves on 127.0.0.1 (port 0), records every tunnel it opened (``tunnels``: the target
``host:port`` and the scheme used) and pipes the bytes both ways until either side closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import struct
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit


class ForwardingProxy:
    """``async with ForwardingProxy() as proxy:`` then ``proxy.url("http")`` or ``"socks5"``."""

    def __init__(self) -> None:
        self.tunnels: list[tuple[str, str]] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await reader.readexactly(1)
            if first == b"\x05":
                target = await self._socks5(reader, writer)
                head = b""
                scheme = "socks5"
            else:
                line = first + await reader.readline()
                method, uri, _ = line.decode().split(" ", 2)
                headers = await reader.readuntil(b"\r\n\r\n")
                if method == "CONNECT":
                    target, head, scheme = uri, b"", "connect"
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                else:  # absolute-form: one request, forwarded in origin-form, then closed
                    parts = urlsplit(uri)
                    target = f"{parts.hostname}:{parts.port or 80}"
                    origin = parts.path + (f"?{parts.query}" if parts.query else "")
                    kept = [h for h in headers.split(b"\r\n") if h and not h.lower().startswith(
                        (b"connection:", b"proxy-connection:", b"keep-alive:"))]  # fmt: skip
                    head = f"{method} {origin} HTTP/1.1\r\n".encode() + b"\r\n".join(
                        [*kept, b"Connection: close", b"", b""]
                    )
                    scheme = "http"
            self.tunnels.append((target, scheme))
            host, port = target.rsplit(":", 1)
            up_reader, up_writer = await asyncio.open_connection(host.strip("[]"), int(port))
            try:
                up_writer.write(head)
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            finally:
                await _close(up_writer)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            await _close(writer)

    async def _socks5(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
        n_methods = (await reader.readexactly(1))[0]
        await reader.readexactly(n_methods)
        writer.write(b"\x05\x00")  # no authentication
        version, command, _, address_type = await reader.readexactly(4)
        if version != 5 or command != 1:
            raise ValueError("only SOCKS5 CONNECT")
        if address_type == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif address_type == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        else:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        writer.write(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
        return f"{host}:{port}"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError, RuntimeError):
        writer.write_eof()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
