"""Pushes as an async iterator: ``async for msg in client.stream(...)``.

Each stream has a bounded queue and an explicit overflow policy, so a slow consumer can never
grow memory without bound nor stall the connection's reader.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Any, Literal

from ..protocol.exceptions import OkxStreamOverflowError, OkxValidationError

__all__ = ["OverflowPolicy", "PushStream"]

OverflowPolicy = Literal["drop_oldest", "drop_newest", "error"]
_log = logging.getLogger("okxws.streams")


class PushStream:
    """An async iterator of push messages (``{"arg": {...}, "data": [...]}``).

    ``overflow`` says what happens when ``maxsize`` pushes are waiting: ``"drop_oldest"``
    (default: the freshest data wins), ``"drop_newest"``, or ``"error"`` (the iterator raises
    :class:`~okxws.OkxStreamOverflowError`). ``dropped`` counts what was dropped.
    Iteration ends when the stream or its client is closed.
    """

    def __init__(
        self,
        maxsize: int,
        overflow: OverflowPolicy,
        accept: Callable[[dict[str, Any]], bool] | None,
        on_close: Callable[[PushStream], None],
    ) -> None:
        if maxsize < 1:
            raise OkxValidationError("stream maxsize must be at least 1")
        if overflow not in ("drop_oldest", "drop_newest", "error"):
            raise OkxValidationError(f"unknown overflow policy {overflow!r}")
        self._queue: collections.deque[dict[str, Any]] = collections.deque()
        self._maxsize = maxsize
        self._overflow = overflow
        self._accept = accept
        self._on_close = on_close
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._overflowed = False
        self.dropped = 0

    def put(self, msg: dict[str, Any]) -> None:
        """Called by the client for every push (never blocks)."""
        if self._closed or (self._accept is not None and not self._accept(msg)):
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
