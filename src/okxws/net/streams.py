"""Pushes as async iterators (``async for msg in client.stream(...)``) and their routing.

Each stream has a bounded queue and an explicit overflow policy, so a slow consumer can never
grow memory without bound nor stall the connection's reader. :class:`PushRouter` hands each
push only to the sinks that asked for its channel (or its channel and instrument), so a
client with many streams does not ask every stream about every push.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable, Iterable
from typing import Any, Literal

from ..protocol.exceptions import OkxStreamOverflowError, OkxValidationError

__all__ = ["OverflowPolicy", "PushRouter", "PushSink", "PushStream"]

OverflowPolicy = Literal["drop_oldest", "drop_newest", "error"]
#: Something that takes pushes without blocking (a stream's ``put``, an order book's ``apply``).
PushSink = Callable[[dict[str, Any]], None]
_log = logging.getLogger("okxws.streams")


def push_target(arg: dict[str, Any]) -> str | None:
    """The instrument a push is about: ``instId``, or ``sprdId`` for spread channels."""
    target = arg.get("instId")
    return target if target is not None else arg.get("sprdId")


class PushRouter:
    """Routes pushes by channel, or by channel and instrument, to registered sinks."""

    __slots__ = ("_all", "_by_channel", "_by_target")

    def __init__(self) -> None:
        self._all: list[PushSink] = []
        self._by_channel: dict[str, list[PushSink]] = {}
        self._by_target: dict[tuple[str, str], list[PushSink]] = {}

    def add(
        self, sink: PushSink, channels: Iterable[str] | None = None, target: str | None = None
    ) -> Callable[[], None]:
        """Deliver pushes of ``channels`` (all if None; of instrument ``target`` if given) to
        ``sink``; returns the function that stops it."""
        if channels is None:
            lists = [self._all]
        elif target is None:
            lists = [self._by_channel.setdefault(c, []) for c in channels]
        else:
            lists = [self._by_target.setdefault((c, target), []) for c in channels]
        for sinks in lists:
            sinks.append(sink)

        def remove() -> None:
            for sinks in lists:
                if sink in sinks:
                    sinks.remove(sink)

        return remove

    def route(self, msg: dict[str, Any]) -> None:
        """Hand ``msg`` to every sink that wants it (sinks never block)."""
        for sink in self._all:
            sink(msg)
        arg = msg["arg"]
        channel = arg.get("channel")
        sinks = self._by_channel.get(channel)
        if sinks:
            for sink in sinks:
                sink(msg)
        if self._by_target:
            target = push_target(arg)
            if target is not None:
                sinks = self._by_target.get((channel, target))
                if sinks:
                    for sink in sinks:
                        sink(msg)


class PushStream:
    """An async iterator of push messages (``{"arg": {...}, "data": [...]}``).

    ``overflow`` says what happens when ``maxsize`` pushes are waiting: ``"drop_oldest"``
    (default: the freshest data wins), ``"drop_newest"``, or ``"error"`` (the iterator raises
    :class:`~okxws.OkxStreamOverflowError`). ``dropped`` counts what was dropped.
    Iteration ends when the stream or its client is closed. Pushes are shared by every
    stream and handler: treat them as read-only.
    """

    def __init__(
        self,
        maxsize: int,
        overflow: OverflowPolicy,
        on_close: Callable[[PushStream], None],
    ) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise OkxValidationError("stream maxsize must be an int of at least 1")
        if overflow not in ("drop_oldest", "drop_newest", "error"):
            raise OkxValidationError(f"unknown overflow policy {overflow!r}")
        self._queue: collections.deque[dict[str, Any]] = collections.deque()
        self._maxsize = maxsize
        self._overflow = overflow
        self._on_close = on_close
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._overflowed = False
        self.dropped = 0

    def put(self, msg: dict[str, Any]) -> None:
        """Called by the client for every push it routes here (never blocks)."""
        if self._closed:
            return
        queue = self._queue
        if len(queue) >= self._maxsize:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                _log.warning(
                    "push stream full (%d): %d pushes dropped", self._maxsize, self.dropped
                )
            if self._overflow == "drop_newest":
                return
            if self._overflow == "error":
                self._overflowed = True
                self._wake()
                return
            queue.popleft()
        queue.append(msg)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __aiter__(self) -> PushStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while True:
            if self._overflowed:
                self.close()
                raise OkxStreamOverflowError(f"push stream overflowed ({self._maxsize} queued)")
            if self._queue:
                return self._queue.popleft()
            if self._closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def close(self) -> None:
        """Stop receiving; a pending ``async for`` ends after the queued pushes."""
        if not self._closed:
            self._closed = True
            self._on_close(self)
            self._wake()

    async def __aenter__(self) -> PushStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
