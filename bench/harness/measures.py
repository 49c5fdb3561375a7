"""Wall-clock measurements: cold start, sequential latency, pipelined throughput, memory per
request in flight, the A/B bursts (the floor and okxws; with the Node SDK), the simulator's
end-to-end figures.

Results are plain dicts (TypedDicts) so that a run's raw rounds go to JSON as they are.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import statistics
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from .contenders import Contender, Floor, NodeBursts, Okxws, Order
from .procs import Control, ProcStats, StatsSource, busy


@dataclass(frozen=True)
class Sizes:
    """How many requests each measurement makes (``pipe``: (in flight, requests) pairs)."""

    cold: int
    warmup: int
    seq: int
    pipe: list[tuple[int, int]]
    mem: int
    ab_n: int
    ab_seq: int
    ab_chunks: int
    sim_seq: int
    sim_pipe: int

    @classmethod
    def of(cls, quick: bool) -> Sizes:
        if quick:
            pipe = [(1, 1000), (10, 5000), (100, 10000), (1000, 10000)]
            return cls(3, 300, 1000, pipe, 10_000, 3000, 250, 4, 500, 3000)
        pipe = [(1, 3000), (10, 20000), (100, 30000), (1000, 30000)]
        return cls(5, 1000, 5000, pipe, 10_000, 5000, 625, 8, 2000, 10000)


class SeqResult(TypedDict):
    p50: float
    p90: float
    p99: float
    cpu_us: float


class PipeResult(TypedDict):
    rps: float
    cpu_us: float
    srv_busy: float


class MemResult(TypedDict):
    bytes_per_req: float


class ABResult(TypedDict):
    floor_rps: float
    okxws_rps: float
    ratio: float
    seq: dict[str, dict[str, float]]
    p50_ratio: float
    p99_ratio: float


def pct(sorted_vals: list[int], q: float) -> float:
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


# --------------------------------------------------------------------------- the workloads
async def run_sequential(order: Order, n: int) -> None:
    """``n`` orders, one at a time (also the counted workload: nothing else per order)."""
    for _ in range(n):
        await order()


async def run_pipelined(order: Order, inflight: int, n: int) -> None:
    """``n`` orders from ``inflight`` workers, each awaiting its order before the next."""
    remaining = n

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await order()

    await asyncio.gather(*(worker() for _ in range(inflight)))


# --------------------------------------------------------------------------- measurements
async def cold_start(c: Contender) -> float:
    """Constructor to the first acknowledged order (connect + login + order), in ms."""
    t0 = time.perf_counter()
    session = await c.open()
    await session.order_fn()()
    dt = time.perf_counter() - t0
    await session.close()
    return dt * 1e3


async def time_calls(order: Order, n: int, lat: list[int]) -> None:
    """Append the latency (ns) of ``n`` sequential calls to ``lat``."""
    append, perf = lat.append, time.perf_counter_ns
    for _ in range(n):
        t0 = perf()
        await order()
        append(perf() - t0)


async def sequential(order: Order, n: int, warmup: int) -> SeqResult:
    await run_sequential(order, warmup)
    gc.collect()
    lat: list[int] = []
    c0 = time.process_time()
    await time_calls(order, n, lat)
    cpu = time.process_time() - c0
    lat.sort()
    us = 1e-3
    return {
        "p50": pct(lat, 0.50) * us,
        "p90": pct(lat, 0.90) * us,
        "p99": pct(lat, 0.99) * us,
        "cpu_us": cpu / n * 1e6,
    }


async def pipelined(order: Order, inflight: int, n: int, stats: StatsSource) -> PipeResult:
    gc.collect()
    s0 = await stats.call("bench-stats")
    c0, t0 = time.process_time(), time.perf_counter()
    await run_pipelined(order, inflight, n)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s1 = await stats.call("bench-stats")
    return {"rps": n / wall, "cpu_us": cpu / n * 1e6, "srv_busy": busy(s0, s1)}


async def memory(order: Order, n: int, ctl: Control) -> MemResult:
    """Bytes per request in flight: n requests sent, every reply held by the server."""
    await ctl.call("bench-hold")
    base_frames = (await ctl.call("bench-stats"))["frames"]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tasks = [asyncio.ensure_future(order()) for _ in range(n)]
    # wait until the server has every request (nothing left in our write buffers)
    polls = 1
    while (await ctl.call("bench-stats"))["frames"] - polls < base_frames + n:
        polls += 1
        await asyncio.sleep(0.005)
    gc.collect()
    during = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    await ctl.call("bench-release")
    results = await asyncio.gather(*tasks, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise RuntimeError(f"{len(errors)} failed in the memory run: {errors[0]!r}")
    del tasks, results
    return {"bytes_per_req": (during - before) / n}


#: One burst of a contender: (in flight, orders, sequential calls) -> (orders/s of the
#: pipelined orders, latencies in ns of the sequential calls after them).
Burst = Callable[[int, int, int], Awaitable[tuple[float, list[int]]]]


def local_burst(order: Order, stats: StatsSource) -> Burst:
    """The :data:`Burst` of a contender in this process."""

    async def burst(inflight: int, n: int, seq: int) -> tuple[float, list[int]]:
        rps = (await pipelined(order, inflight, n, stats))["rps"]
        lat: list[int] = []
        await time_calls(order, seq, lat)
        return rps, lat

    return burst


async def alternate(
    bursts: Mapping[str, Burst], sizes: Sizes, inflight: int
) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
    """``ab_chunks`` rounds of one burst each, in the given order, then in reverse, then in
    the given order, ...: every pair of contenders meets the machine's drifts alike.

    Returns the orders/s of each burst by contender, and the p50 and p99 (us) of each
    contender's pooled sequential calls."""
    names = list(bursts)
    rps: dict[str, list[float]] = {name: [] for name in names}
    lat: dict[str, list[int]] = {name: [] for name in names}
    for i in range(sizes.ab_chunks):
        for name in names if i % 2 == 0 else names[::-1]:
            r, calls = await bursts[name](inflight, sizes.ab_n, sizes.ab_seq)
            rps[name].append(r)
            lat[name] += calls
    seq = {}
    for name, vals in lat.items():
        vals.sort()
        seq[name] = {"p50": pct(vals, 0.50) * 1e-3, "p99": pct(vals, 0.99) * 1e-3}
    return rps, seq


def pair_ratio(rps: Mapping[str, list[float]], a: str, b: str) -> float:
    """The median over bursts of b's orders/s / a's (the bursts next to each other)."""
    return statistics.median(vb / va for va, vb in zip(rps[a], rps[b], strict=True))


@contextlib.asynccontextmanager
async def _floor_and_okxws(okxws: Okxws, url: str) -> AsyncIterator[dict[str, Burst]]:
    """The floor and okxws connected at once and warmed up: their :data:`Burst` by name."""
    ctl = await Control.connect(url + "/ws/v5/private")
    contenders: list[Contender] = [Floor(url), okxws]
    sessions = {c.name: await c.open() for c in contenders}
    try:
        bursts: dict[str, Burst] = {}
        for name, session in sessions.items():
            order = session.order_fn()
            await run_sequential(order, 1000)
            bursts[name] = local_burst(order, ctl)
        yield bursts
    finally:
        for session in sessions.values():
            await session.close()
        await ctl.close()


async def ab_bursts(okxws: Okxws, url: str, sizes: Sizes, inflight: int = 100) -> ABResult:
    """The floor and okxws, both connected at once, in short bursts that alternate floor,
    okxws, okxws, floor, ...: a slow spell of the shared machine then hits both alike.

    Pipelined throughput (``ab_n`` requests, ``inflight`` in flight, per burst): the medians,
    and the median of the per-pair ratios. Sequential latency (``ab_seq`` calls per burst):
    p50 and p99 of each contender's pooled calls, and their ratios."""
    async with _floor_and_okxws(okxws, url) as bursts:
        rps, seq = await alternate(bursts, sizes, inflight)
    return {
        "floor_rps": statistics.median(rps["floor"]),
        "okxws_rps": statistics.median(rps["okxws"]),
        "ratio": pair_ratio(rps, "floor", "okxws"),
        "seq": seq,
        "p50_ratio": seq["okxws"]["p50"] / seq["floor"]["p50"],
        "p99_ratio": seq["okxws"]["p99"] / seq["floor"]["p99"],
    }


async def node_ab_bursts(
    okxws: Okxws, url: str, ports: Mapping[str, Any], sizes: Sizes, inflight: int = 100
) -> dict[str, Any]:
    """The Node SDK (its own process, :class:`NodeBursts`), okxws and the floor in
    alternating bursts (floor, okxws, Node, Node, okxws, floor, ...), as :func:`ab_bursts`:
    the Node SDK's throughput and p50 against okxws's (and the floor's) in the same
    moments, not in phases minutes apart."""
    async with _floor_and_okxws(okxws, url) as bursts:
        node = await NodeBursts.start(ports, warmup=1000)
        try:
            rps, seq = await alternate({**bursts, "node": node.burst}, sizes, inflight)
        finally:
            await node.close()
    return {
        "rps": {name: statistics.median(v) for name, v in rps.items()},
        "seq": seq,
        "node_ratio": pair_ratio(rps, "okxws", "node"),
        "node_p50_ratio": seq["node"]["p50"] / seq["okxws"]["p50"],
        "node_floor_ratio": pair_ratio(rps, "floor", "node"),
        "node_floor_p50_ratio": seq["node"]["p50"] / seq["floor"]["p50"],
    }


async def suite(c: Contender, url: str, sizes: Sizes) -> dict[str, Any]:
    """Every single-contender measurement: cold start, latency, throughput, memory."""
    res: dict[str, Any] = {}
    ctl = await Control.connect(url + "/ws/v5/private")
    try:
        colds = [await cold_start(c) for _ in range(sizes.cold)]
        res["cold_ms"] = statistics.median(colds)
        session = await c.open()
        order = session.order_fn()
        await order()
        res["seq"] = await sequential(order, sizes.seq, sizes.warmup)
        for k, n in sizes.pipe:
            res[f"pipe{k}"] = await pipelined(order, k, n, ctl)
        res["mem"] = await memory(order, sizes.mem, ctl)
        await session.close()
    finally:
        await ctl.close()
    return res


# --------------------------------------------------------------------------- simulator
async def sim_suite(
    info: Mapping[str, Any], pid: int, sizes: Sizes, by_inst_id: bool = False
) -> dict[str, Any]:
    """okxws and the floor end to end through the simulator (``okxws sim``), one at a time."""
    url = info["ws_base_url"]
    creds = (info["api_key"], info["api_secret"], info["api_pass"])
    contenders: list[Contender] = [
        Okxws(url, creds, by_inst_id=by_inst_id, rest_url=info.get("rest_base_url")),
        Floor(url, creds),
    ]
    stats = ProcStats(pid)
    overrides = {"sz": "0.00001", "px": "10000"}  # rests far below the simulator's mid
    res: dict[str, Any] = {}
    for c in contenders:
        session = await c.open()
        order = session.order_fn(overrides)
        await order()
        res[f"{c.name}_seq"] = await sequential(order, sizes.sim_seq, sizes.warmup // 2)
        res[f"{c.name}_pipe100"] = await pipelined(order, 100, sizes.sim_pipe, stats)
        await session.close()
    return res
