#!/usr/bin/env python
"""okxws benchmarks: latency, throughput, cold start and memory vs the floor and the peers.

    .venv/bin/python bench/run.py [--quick] [--rounds N] [--asyncio-only | --uvloop-only]
                                  [--peers] [--no-sim] [--inst-id] [--okxws-src DIR] [--out FILE]

One run, interleaved rounds, ratios within each round (the machine is shared and noisy):

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
  python-okx, each in its own process pinned to CPU 0, against the same reply server;
* the simulator end to end (``okxws sim --port 0`` in its own process, pinned to CPU 1):
  okxws latency and throughput through it, and its capacity (orders/s with 100 in flight on
  one connection, driven by the floor client so the simulator is the bottleneck).
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
from typing import cast

BENCH = Path(__file__).resolve().parent


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
    ap.add_argument("--okxws-src", help="import okxws from this src/ directory (A/B of a patch)")
    ap.add_argument("--out", default=str(BENCH / "results" / "latest.md"),
                    help="the report; the raw numbers go beside it as .json")  # fmt: skip
    cfg = ap.parse_args(argv)
    loops = cfg.loops.split(",") if cfg.loops else ["asyncio", "uvloop"]
    loops = ["asyncio"] if cfg.asyncio_only else ["uvloop"] if cfg.uvloop_only else loops
    if not loops or set(loops) - {"asyncio", "uvloop"}:
        ap.error(f"--loops: asyncio and/or uvloop, not {cfg.loops!r}")
    cfg.loops = loops
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
    if cfg.okxws_src:
        sys.path.insert(0, str(Path(cfg.okxws_src).resolve()))
    sys.path.insert(0, str(BENCH))
    from harness.contenders import PeerSizes
    from harness.measures import Sizes
    from harness.procs import CLIENT_CPU, SERVER_CPU, LoopKind, pin, reply_server_cmd, running
    from harness.report import report
    from harness.rounds import WallClockConfig, wall_clock

    pin(CLIENT_CPU)
    import okxws

    print(f"okxws from {Path(okxws.__file__).parent}", flush=True)
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
    with running(reply_server_cmd(), SERVER_CPU) as (_server, ports):
        rounds = wall_clock(WallClockConfig(
            rounds=cfg.rounds or (2 if q else 7), loops=loops, sizes=Sizes.of(q),
            peers=PeerSizes.of(q) if cfg.peers else None, sim=not cfg.no_sim,
            by_inst_id=cfg.inst_id,
        ), ports)  # fmt: skip
    text = report(rounds, loops, machine)
    print("\n" + text)
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    raw = {"machine": machine, "rounds": rounds}
    out.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    print(f"written: {out} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
