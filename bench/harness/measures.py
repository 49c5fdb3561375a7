"""Wall-clock measurements: cold start, sequential latency, pipelined throughput, memory per
request in flight, the floor/okxws A/B bursts, the simulator's end-to-end figures.

Results are plain dicts (TypedDicts) so that a run's raw rounds go to JSON as they are.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
import tracemalloc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from .contenders import Contender, Floor, Okxws, Order
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


async def ab_bursts(okxws: Okxws, url: str, sizes: Sizes, inflight: int = 100) -> ABResult:
    """The floor and okxws, both connected at once, in short bursts that alternate floor,
    okxws, okxws, floor, ...: a slow spell of the shared machine then hits both alike.

    Pipelined throughput (``ab_n`` requests, ``inflight`` in flight, per burst): the medians,
    and the median of the per-pair ratios. Sequential latency (``ab_seq`` calls per burst):
    p50 and p99 of each contender's pooled calls, and their ratios."""
    ctl = await Control.connect(url + "/ws/v5/private")
    contenders: list[Contender] = [Floor(url), okxws]
    sessions = {c.name: await c.open() for c in contenders}
    orders = {name: s.order_fn() for name, s in sessions.items()}
    try:
        for order in orders.values():
            await run_sequential(order, 1000)
        rps: dict[str, list[float]] = {"floor": [], "okxws": []}
        lat: dict[str, list[int]] = {"floor": [], "okxws": []}
        for i in range(sizes.ab_chunks):
            for name in ("floor", "okxws") if i % 2 == 0 else ("okxws", "floor"):
                rps[name].append((await pipelined(orders[name], inflight, sizes.ab_n, ctl))["rps"])
                await time_calls(orders[name], sizes.ab_seq, lat[name])
        ratios = [o / f for f, o in zip(rps["floor"], rps["okxws"], strict=True)]
        by_name = {}
        for name, vals in lat.items():
            vals.sort()
            by_name[name] = {"p50": pct(vals, 0.50) * 1e-3, "p99": pct(vals, 0.99) * 1e-3}
        return {
            "floor_rps": statistics.median(rps["floor"]),
            "okxws_rps": statistics.median(rps["okxws"]),
            "ratio": statistics.median(ratios),
            "seq": by_name,
            "p50_ratio": by_name["okxws"]["p50"] / by_name["floor"]["p50"],
            "p99_ratio": by_name["okxws"]["p99"] / by_name["floor"]["p99"],
        }
    finally:
        for session in sessions.values():
            await session.close()
        await ctl.close()


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
