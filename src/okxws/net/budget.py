"""Waiting for OKX budget within a request's deadline (the asyncio side of rate limiting).

The counting is :mod:`okxws.protocol.ratelimit`; this module only decides, for a request
that found a budget spent, whether to wait (``rate_limit="wait"``, when the budget comes back
before the request's deadline and ``expTime``) or to fail at once with
:class:`~okxws.OkxRateLimitError` (nothing sent), and does the waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..protocol.exceptions import OkxRateLimitError
from ..protocol.ops import OpSpec
from ..protocol.ratelimit import RateLimiter

__all__ = ["wait_for_budget"]


async def wait_for_budget(
    limiter: RateLimiter,
    spec: OpSpec[Any, Any],
    items: Sequence[Mapping[str, object]],
    account: int,
    delay: float,
    *,
    timeout: float | None,
    exp_time_ms: int | None,
    server_time_ms: Callable[[], int],
    waits: bool,
) -> float | None:
    """Wait until the request's budgets have room and charge them; return what is left of
    ``timeout``. Raises :class:`OkxRateLimitError` (nothing was sent) when the client does
    not wait, or the budget would come back after the deadline or the ``expTime``."""
    started = time.monotonic()
    while delay:
        left = None if timeout is None else timeout - (time.monotonic() - started)
        expires = exp_time_ms is not None and server_time_ms() + delay * 1000 > exp_time_ms
        if not waits or expires or (left is not None and delay > left):
            why = "" if not waits else " than the request can wait"
            raise OkxRateLimitError(
                f"{spec.name}: OKX's {spec.rate_limit.bucket!r} budget is spent for "
                f"{delay:.3f} s more{why}; nothing was sent",
                retry_after=delay,
            )
        await asyncio.sleep(delay)
        delay = limiter.acquire_request(spec, items, account, time.monotonic())
    return None if timeout is None else max(timeout - (time.monotonic() - started), 0.0)
