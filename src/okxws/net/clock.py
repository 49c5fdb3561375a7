"""OKX's clock as the client estimates it: local time plus a measured offset.

One :class:`ServerClock` per client, shared by its WebSocket logins (timestamps in seconds),
its REST signatures (ISO-8601 ms) and relative ``expTime``\\ s, so they all agree; set from
``GET /api/v5/public/time`` (``sync_time()``) or by hand (``set_time_offset_ms()``).
https://www.okx.com/docs-v5/en/#public-data-rest-api-get-system-time
"""

from __future__ import annotations

import time

from ..protocol.exceptions import OkxValidationError

__all__ = ["ServerClock"]


class ServerClock:
    """Local time corrected by ``offset_ms`` (server time minus local time)."""

    __slots__ = ("offset_ms",)

    def __init__(self) -> None:
        self.offset_ms = 0

    def __repr__(self) -> str:
        return f"ServerClock(offset_ms={self.offset_ms})"

    def set_offset_ms(self, offset_ms: float) -> None:
        if isinstance(offset_ms, bool) or not isinstance(offset_ms, int | float):
            raise OkxValidationError("offset_ms must be a number of milliseconds")
        self.offset_ms = int(offset_ms)

    def now_ms(self) -> int:
        """Server time in epoch milliseconds."""
        return int(time.time() * 1000) + self.offset_ms

    def now_s(self) -> float:
        """Server time in epoch seconds (the WebSocket login timestamp)."""
        return time.time() + self.offset_ms / 1000

    def set_from_server(self, server_ms: int, sent_ms: float, received_ms: float) -> int:
        """Set the offset from a server timestamp read between ``sent_ms`` and
        ``received_ms`` (local ms; the midpoint is taken); returns it."""
        self.offset_ms = round(server_ms - (sent_ms + received_ms) / 2)
        return self.offset_ms
