"""A seeded fault-injecting TCP proxy on 127.0.0.1, between the client and the simulator.

Each connection draws its fate from the proxy's seeded generator when it is accepted: a reset
while the WebSocket handshake is still in progress, a reset while it logs in, or a life with a
fault every few kilobytes, at a byte offset that usually falls in the middle of a frame, in
either direction: a reset (RST to both peers), a clean close (FIN to both), a half-open stall
(nothing forwarded any more, nothing closed), or a latency spike (forwarding pauses, then goes
on). ``faults_on = False`` stops new faults, so that a test can watch the client recover.

Every task is owned by the proxy and ended by its ``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
import socket
import struct
from collections import Counter
from dataclasses import dataclass
from typing import Final

from ..local_server import LocalServer

__all__ = ["Fault", "FaultProxy", "FaultRates"]

_CHUNK: Final = 65536
_HEADERS_END: Final = b"\r\n\r\n"


class Fault(enum.Enum):
    HANDSHAKE_RESET = "reset during the WebSocket handshake"
    LOGIN_RESET = "reset during login"
    RESET_TO_SERVER = "reset mid-stream, client to server"
    RESET_TO_CLIENT = "reset mid-stream, server to client"
    CLEAN_CLOSE = "clean close"
    STALL = "half-open stall"
    LATENCY = "latency spike"


#: Faults that end a connection, and their weights, for a connection that got through login.
_MID_STREAM: Final[tuple[tuple[Fault, int], ...]] = (
    (Fault.RESET_TO_SERVER, 3),
    (Fault.RESET_TO_CLIENT, 3),
    (Fault.CLEAN_CLOSE, 1),
    (Fault.STALL, 1),
    (Fault.LATENCY, 3),
)


@dataclass(frozen=True, slots=True)
class FaultRates:
    """How often each fault strikes."""

    #: Share of connections reset while the upgrade request or the 101 is in transit.
    handshake_reset: float = 0.08
    #: Share of connections reset right after the 101, while the login is in transit.
    login_reset: float = 0.08
    #: Mean bytes (both directions) between two mid-stream faults on one connection.
    mean_bytes_between_faults: int = 20_000
    #: A latency spike pauses forwarding for up to this many seconds.
    max_latency: float = 0.4


class _Link:
    """One proxied connection: the client's socket, the server's, and its fault plan."""

    def __init__(
        self,
        proxy: FaultProxy,
        rng: random.Random,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        server: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self.proxy = proxy
        self.rng = rng
        self.client_reader, self.client_writer = client
        self.server_reader, self.server_writer = server
        self.forwarded = 0
        self.stalled = False
        self.closed = False
        self.resume = asyncio.Event()
        self.resume.set()
        #: The byte offset (both directions together) of the next fault, and which one.
        self.next_at, self.next_fault = self._plan_first()
        #: Where the client's upgrade request ends (known once seen).
        self.headers_end: int | None = None

    def _plan_first(self) -> tuple[int, Fault | None]:
        rates = self.proxy.rates
        draw = self.rng.random()
        if draw < rates.handshake_reset:
            return self.rng.randrange(1, 300), Fault.HANDSHAKE_RESET  # ~ the upgrade + 101
        if draw < rates.handshake_reset + rates.login_reset:
            return -1, Fault.LOGIN_RESET  # placed once the upgrade request has been seen
        return self._plan_next(0)

    def _plan_next(self, now: int) -> tuple[int, Fault | None]:
        mean = self.proxy.rates.mean_bytes_between_faults
        gap = int(self.rng.expovariate(1 / mean)) + 1
        kinds = [kind for kind, _ in _MID_STREAM]
        weights = [weight for _, weight in _MID_STREAM]
        return now + gap, self.rng.choices(kinds, weights)[0]

    async def pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, to_server: bool
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while not self.closed:
                data = await reader.read(_CHUNK)
                if not data:
                    break
                if to_server and self.headers_end is None:
                    end = data.find(_HEADERS_END)  # the upgrade request is the first chunk
                    if end >= 0:
                        self.headers_end = self.forwarded + end + len(_HEADERS_END)
                        if self.next_fault is Fault.LOGIN_RESET:
                            self.next_at = self.headers_end + 160 + self.rng.randrange(1, 260)
                while data and not self.closed:
                    await self.resume.wait()  # a latency spike holds both directions
                    if self.stalled:
                        break  # half-open: read on (to see the client go), forward nothing
                    if self.next_fault is None or self.next_at < 0:
                        cut = len(data)
                    else:
                        cut = max(self.next_at - self.forwarded, 0)
                    part, data = data[:cut], data[cut:]
                    if part and not writer.is_closing():
                        writer.write(part)
                        await writer.drain()
                    self.forwarded += len(part)
                    self.proxy.on_forwarded(len(part))
                    if data:
                        self._strike()
        self.close(reset=False)

    def _strike(self) -> None:
        fault = self.next_fault
        assert fault is not None
        if not self.proxy.faults_on:
            self.next_at, self.next_fault = self._plan_next(self.forwarded)
            return
        self.proxy.injected[fault] += 1
        if fault is Fault.LATENCY:
            self.resume.clear()
            loop = asyncio.get_running_loop()
            loop.call_later(self.rng.uniform(0.02, self.proxy.rates.max_latency), self.resume.set)
            self.next_at, self.next_fault = self._plan_next(self.forwarded)
        elif fault is Fault.STALL:
            self.stalled = True
            self.next_fault = None
        else:
            self.close(reset=fault is not Fault.CLEAN_CLOSE)

    def close(self, *, reset: bool) -> None:
        if self.closed:
            return
        self.closed = True
        self.resume.set()
        for writer in (self.client_writer, self.server_writer):
            if reset:
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    linger = struct.pack("ii", 1, 0)
                    with contextlib.suppress(OSError):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                writer.transport.abort()
            else:
                writer.close()


class FaultProxy(LocalServer):
    """``async with FaultProxy(upstream_port, seed=1) as proxy:`` then connect to ``proxy.url``."""

    def __init__(self, upstream_port: int, *, seed: int, rates: FaultRates | None = None) -> None:
        super().__init__()
        self.upstream_port = upstream_port
        self.rates = rates or FaultRates()
        self.faults_on = True
        self.connections = 0
        self.injected: Counter[Fault] = Counter()
        self.forwarded = 0
        self._rng = random.Random(seed)
        self._links: set[_Link] = set()
        self._watchers: list[tuple[int, asyncio.Event]] = []

    def drop_connections(self) -> None:
        for link in list(self._links):
            link.close(reset=True)

    def after_bytes(self, count: int) -> asyncio.Event:
        """An event set once ``count`` more bytes have been forwarded (both directions)."""
        event = asyncio.Event()
        self._watchers.append((self.forwarded + count, event))
        self.on_forwarded(0)
        return event

    def on_forwarded(self, count: int) -> None:
        self.forwarded += count
        if self._watchers:
            due = [w for w in self._watchers if w[0] <= self.forwarded]
            for watcher in due:
                watcher[1].set()
                self._watchers.remove(watcher)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        rng = random.Random(self._rng.random())  # drawn in accept order: seeded per connection
        try:
            upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        link = _Link(self, rng, (reader, writer), upstream)
        self._links.add(link)
        try:
            await asyncio.gather(
                link.pump(reader, upstream[1], to_server=True),
                link.pump(upstream[0], writer, to_server=False),
            )
        finally:
            link.close(reset=True)
            self._links.discard(link)
