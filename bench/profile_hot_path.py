#!/usr/bin/env python
"""Profile okxws's hot path: submit_new_order with 100 in flight against the reply server.

    python bench/profile_hot_path.py [--seconds 20] [--inflight 100] [--uvloop] [--cprofile]
                                     [--client floor|okxws] [--okxws-src DIR]
    # sampling profile (py-spy lives in the bench-only env, see bench/peers/setup.sh):
    bench/.peers/venv/bin/py-spy record -r 2000 -f speedscope -o /tmp/okxws.json -- \\
        .venv/bin/python bench/profile_hot_path.py --seconds 20

Prints requests/s and client CPU per request; with ``--cprofile`` also the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--inflight", type=int, default=100)
    ap.add_argument("--uvloop", action="store_true")
    ap.add_argument("--cprofile", action="store_true")
    ap.add_argument("--client", choices=("okxws", "floor"), default="okxws")
    ap.add_argument("--okxws-src")
    args = ap.parse_args()
    if args.okxws_src:
        sys.path.insert(0, str(Path(args.okxws_src).resolve()))
    from harness.contenders import Contender, Floor, Okxws
    from harness.procs import (
        CLIENT_CPU,
        SERVER_CPU,
        pin,
        reply_server_cmd,
        run_in_loop,
        running,
        ws_base,
    )

    pin(CLIENT_CPU)
    prof = cProfile.Profile() if args.cprofile else None

    async def go(url: str) -> None:
        c: Contender = Okxws(url) if args.client == "okxws" else Floor(url)
        session = await c.open()
        order = session.order_fn()
        for _ in range(2000):
            await order()
        stop = time.perf_counter() + args.seconds
        count = 0

        async def worker() -> None:
            nonlocal count
            while time.perf_counter() < stop:
                await order()
                count += 1

        c0, t0 = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        await asyncio.gather(*(worker() for _ in range(args.inflight)))
        if prof:
            prof.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"{args.client}: {count / wall:,.0f} req/s, {cpu / count * 1e6:.2f} us CPU/request")
        await session.close()

    with running(reply_server_cmd(), SERVER_CPU) as (_server, info):
        run_in_loop("uvloop" if args.uvloop else "asyncio", lambda: go(ws_base(info)))
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
