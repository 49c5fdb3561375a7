#!/usr/bin/env python
"""okxws benchmarks: latency, throughput, cold start and memory vs the floor and the peers,
and instructions per order under callgrind.

    .venv/bin/python bench/run.py [--quick] [--rounds N] [--asyncio-only | --uvloop-only]
                                  [--peers] [--no-sim] [--inst-id] [--okxws-src DIR] [--out FILE]
    .venv/bin/python bench/run.py --count [--n N] [--loops asyncio,uvloop] [--breakdown]
                                  [--okxws-src DIR ...] [--wall-clock ...]

Wall clock (the default): one run, interleaved rounds, ratios within each round (the machine
is shared and noisy):

* the reply server (bench/reply_server.py: picows + uvloop) runs in its own process pinned to
  CPU 1; this process is pinned to CPU 0. Its CPU busy share is printed for every phase, so
  you can see that it is never the bottleneck;
* contenders in this process, on the default asyncio loop and on uvloop:
  ``floor`` (bench/floor_client.py: picows + orjson + a dict of futures) and ``okxws``
  (``WebsocketAPIClient.submit_new_order`` with ``instIdCode``, or with ``--inst-id`` the
  README's ``instId``; ``attach_event_listeners=False`` and rate-limit budgets that account
  every order but never wait, bench/harness/contenders.py);
* per contender and loop: cold start (constructor to the first acknowledged order, connect and
  login included), sequential latency p50/p90/p99 (caller's await to the parsed result),
  pipelined throughput with 1/10/100/1000 requests in flight on one connection, memory per
  request in flight with 10,000 in flight (tracemalloc; the server holds every reply until all
  10,000 requests have arrived, then releases them);
* per loop, also the 100-in-flight throughput of both contenders connected at once, in 8
  short bursts that alternate floor, okxws, okxws, floor, ...: the median of the per-pair
  ratios is less exposed to the machine's slow drifts than whole suites run one after the other;
* ``--peers`` (after ``bash bench/peers/setup.sh``): the Node SDK okx-api, ccxt pro and
  python-okx, each in its own process pinned to CPU 0, against the same reply server; and
  per loop the Node SDK in A/B bursts with the floor and okxws (floor, okxws, Node, Node,
  okxws, floor, ...; the Node process runs a burst whenever asked);
* the simulator end to end (``okxws sim --port 0`` in its own process, pinned to CPU 1):
  okxws latency and throughput through it, and its capacity (orders/s with 100 in flight on
  one connection, driven by the floor client so the simulator is the bottleneck).

``--count``: instructions per order of the client process under valgrind's callgrind, over
real sockets against the same reply server (bench/harness/counting.py): floor, okxws with
``instIdCode`` and okxws with ``instId``, per loop, sequential and ``--inflight`` in flight
(a few minutes). ``--breakdown`` adds where okxws's instructions go: cProfile calls per order
by Python function and callgrind's instructions per order by C function, against the floor
(the callgrind files stay in bench/.callgrind/). With ``--wall-clock`` the wall-clock rounds
run too, and the report holds both.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, cast

BENCH = Path(__file__).resolve().parent
#: Orders of each mode before a counted phase (the counts are differences: any will do that
#: reaches the steady state: caches filled, the instrument code looked up, code specialised).
COUNT_WARMUP = 200


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="okxws benchmarks (see the module docstring)")
    ap.add_argument("--quick", action="store_true", help="fewer requests and 2 rounds (smoke run)")
    ap.add_argument("--rounds", type=int, default=None)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--asyncio-only", action="store_true")
    g.add_argument("--uvloop-only", action="store_true")
    g.add_argument("--loops", help="comma-separated: asyncio,uvloop (the default: both)")
    ap.add_argument(
        "--peers", action="store_true", help="also run the peers (bench/peers/setup.sh)"
    )
    ap.add_argument("--no-sim", action="store_true", help="skip the simulator runs")
    ap.add_argument("--inst-id", action="store_true",
                    help="wall clock: okxws is given instId (the README's form), not instIdCode")  # fmt: skip
    ap.add_argument("--okxws-src", action="append", default=[],
                    help="import okxws from this src/ directory (A/B of a patch); --count: "
                    "may be given more than once, each tree is counted")  # fmt: skip
    ap.add_argument("--out", help="the report (default: bench/results/latest.md; --count "
                    "alone: bench/results/count.md); the raw numbers go beside it as .json")  # fmt: skip
    c = ap.add_argument_group("instruction counts")
    c.add_argument("--count", action="store_true", help="count instructions per order (callgrind)")
    c.add_argument("--wall-clock", action="store_true", help="with --count: the rounds as well")
    c.add_argument("--n", type=int, default=1000, help="orders per counted phase (default 1000)")
    c.add_argument("--inflight", type=int, default=100, help="orders in flight (default 100)")
    c.add_argument("--parallel", type=int, default=2, help="counted clients at once (default 2)")
    c.add_argument("--breakdown", action="store_true",
                   help="with --count: where okxws's instructions go, by function")  # fmt: skip
    cfg = ap.parse_args(argv)
    if cfg.breakdown and not cfg.count:
        ap.error("--breakdown needs --count")
    if cfg.wall_clock and not cfg.count:
        ap.error("--wall-clock goes with --count (without --count the run is wall clock only)")
    if len(cfg.okxws_src) > 1 and (not cfg.count or cfg.wall_clock):
        ap.error("several --okxws-src are for --count only (the wall clock imports one okxws)")
    loops = cfg.loops.split(",") if cfg.loops else ["asyncio", "uvloop"]
    loops = ["asyncio"] if cfg.asyncio_only else ["uvloop"] if cfg.uvloop_only else loops
    if not loops or set(loops) - {"asyncio", "uvloop"}:
        ap.error(f"--loops: asyncio and/or uvloop, not {cfg.loops!r}")
    cfg.loops = loops
    wall_clock = not cfg.count or cfg.wall_clock
    cfg.out = cfg.out or str(BENCH / "results" / ("latest.md" if wall_clock else "count.md"))
    return cfg


def _versions() -> str:
    libs = []
    for name in ("okxws", "picows", "orjson", "uvloop", "aiohttp"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            libs.append(f"{name} {metadata.version(name)}")
    return ", ".join(libs)


def _cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    srcs = [str(Path(s).resolve()) for s in cfg.okxws_src]
    if srcs:  # the wall clock runs okxws in this process; --count passes each to its clients
        sys.path.insert(0, srcs[0])
    sys.path.insert(0, str(BENCH))
    from harness.contenders import PeerSizes
    from harness.counting import CountConfig, count
    from harness.measures import Sizes
    from harness.procs import CLIENT_CPU, SERVER_CPU, LoopKind, pin, reply_server_cmd, running
    from harness.report import report
    from harness.rounds import WallClockConfig, wall_clock

    pin(CLIENT_CPU)
    import okxws

    print(f"okxws from {', '.join(srcs) or Path(okxws.__file__).parent}", flush=True)
    machine = {
        "when": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cmd": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "libs": _versions(),
    }
    loops = cast(list[LoopKind], cfg.loops)
    q = cfg.quick
    rounds: list[dict[str, Any]] = []
    counts = None
    with running(reply_server_cmd(), SERVER_CPU) as (_server, ports):
        if cfg.count:
            counts = count(CountConfig(
                n=cfg.n, warmup=COUNT_WARMUP, inflight=cfg.inflight, loops=loops,
                okxws_srcs=srcs or [None], parallel=cfg.parallel, breakdown=cfg.breakdown,
                server=ports,
            ))  # fmt: skip
        if not cfg.count or cfg.wall_clock:
            rounds = wall_clock(WallClockConfig(
                rounds=cfg.rounds or (2 if q else 7), loops=loops, sizes=Sizes.of(q),
                peers=PeerSizes.of(q) if cfg.peers else None, sim=not cfg.no_sim,
                by_inst_id=cfg.inst_id,
            ), ports)  # fmt: skip
    text = report(rounds, loops, machine, counts)
    print("\n" + text)
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    raw = {"machine": machine, "rounds": rounds, **({"counts": counts} if counts else {})}
    out.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    print(f"written: {out} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
