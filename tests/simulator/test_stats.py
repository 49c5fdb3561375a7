"""The observation API: counters, request logs, wait_for woken by changes."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

import pytest

from okxws.simulator.stats import ReceivedOp, SimulatorStats


@dataclass
class _Conn:
    kind: str
    received: deque[ReceivedOp] = field(default_factory=deque)


def test_counters_and_request_logs() -> None:
    stats = SimulatorStats(history=2)
    conns = [_Conn("private"), _Conn("public"), _Conn("private")]
    for c in conns:
        stats.connection_opened(c)
    conns[1].received.append(ReceivedOp("subscribe", None, 1))
    conns[2].received.append(ReceivedOp("order", "a", 2, [{"x": 1}]))
    conns[2].received.append(ReceivedOp("order", "b", 3, [{"x": 2}]))
    assert [r.id for r in stats.received_ops("private")] == ["a", "b"]
    assert [r.op for r in stats.received_ops()] == ["subscribe", "order", "order"]
    assert stats.last_op_args("order") == [{"x": 2}]
    with pytest.raises(LookupError):
        stats.last_op_args("login")
    stats.count_login()
    stats.count_ping()
    stats.count_rest("/a")
    stats.count_rest("/a")
    stats.count_rest("/b")
    assert (stats.login_count, stats.ping_count, stats.rest_count(), stats.rest_count("/a")) == (
        1,
        1,
        3,
        2,
    )


async def test_wait_for_wakes_on_changes_and_times_out() -> None:
    stats = SimulatorStats()
    waiter = asyncio.ensure_future(stats.wait_for(lambda: stats.ping_count == 2))
    await asyncio.sleep(0)
    stats.count_ping()
    await asyncio.sleep(0)
    assert not waiter.done()
    stats.count_ping()
    await waiter
    with pytest.raises(TimeoutError):
        await stats.wait_for(lambda: False, timeout=0.01)
