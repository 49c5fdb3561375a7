"""What tests observe of a simulator (``sim.stats``): counters, the requests received, and
:meth:`SimulatorStats.wait_for`, woken on every state change instead of polled."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["ReceivedOp", "SimulatorStats"]


@dataclass(frozen=True, slots=True)
class ReceivedOp:
    """One JSON request a connection received (for tests to observe)."""

    op: str
    id: str | None
    t_us: int
    #: The request's ``args`` as received (not copied).
    args: list[Any] = field(default_factory=list, compare=False)


class _Connection(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def received(self) -> Sequence[ReceivedOp]: ...


class SimulatorStats:
    """Counters and request logs of one simulator; every change wakes :meth:`wait_for`.

    ``history`` bounds how many connections' request logs are kept (oldest dropped first).
    """

    def __init__(self, history: int = 1000) -> None:
        #: Successful logins since start (all connections).
        self.login_count = 0
        #: Pings received: text ``ping`` and RFC 6455 control pings, answered or not.
        self.ping_count = 0
        self._rest_counts: dict[str, int] = {}
        self._connections: deque[_Connection] = deque(maxlen=history)
        self._waiters: set[asyncio.Future[None]] = set()

    # ------------------------------------------------------------------ recording

    def changed(self) -> None:
        """Something observable changed: re-check every :meth:`wait_for` predicate."""
        if self._waiters:
            for fut in self._waiters:
                if not fut.done():
                    fut.set_result(None)
            self._waiters.clear()

    def connection_opened(self, conn: _Connection) -> None:
        self._connections.append(conn)
        self.changed()

    def count_login(self) -> None:
        self.login_count += 1
        self.changed()

    def count_ping(self) -> None:
        self.ping_count += 1
        self.changed()

    def count_rest(self, path: str) -> None:
        self._rest_counts[path] = self._rest_counts.get(path, 0) + 1
        self.changed()

    # ------------------------------------------------------------------ observing

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true, re-checking on every recorded change.

        Raises :class:`TimeoutError` after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            while not predicate():
                fut: asyncio.Future[None] = loop.create_future()
                self._waiters.add(fut)
                try:
                    await fut
                finally:
                    self._waiters.discard(fut)

    def rest_count(self, path: str | None = None) -> int:
        """REST requests received (for ``path``, e.g. ``"/api/v5/public/instruments"``)."""
        if path is None:
            return sum(self._rest_counts.values())
        return self._rest_counts.get(path, 0)

    def last_op_args(self, op: str) -> list[Any]:
        """The ``args`` of the most recent WS request ``op`` (any connection).

        Raises :class:`LookupError` if no such request arrived.
        """
        for conn in reversed(self._connections):
            for r in reversed(conn.received):
                if r.op == op:
                    return r.args
        raise LookupError(f"no {op!r} request received")

    def received_ops(self, kind: str | None = None) -> list[ReceivedOp]:
        """Every JSON request received (kept connections), oldest connection first."""
        return [r for c in self._connections if kind is None or c.kind == kind for r in c.received]
