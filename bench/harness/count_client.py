"""The client processes of the counting mode (run by :mod:`harness.counting`, under valgrind).

    PYTHONPATH=bench python -m harness.count_client --ws URL --rest URL --warmup W
        [--inflight 100] [--parallel 1] [--okxws-src DIR] [--profile DIR] JOB [JOB ...]

    JOB = CONTENDER:LOOP:SEQ:PIPE, e.g. okxws-inst-id:uvloop:3000:1000

A fork server: this process imports everything once (okxws, the floor, uvloop; start-up is
most of the instructions of a short run under valgrind), then forks one child per job. Each
child connects its contender to the reply server, warms up (``W`` orders one at a time and
``W`` with ``--inflight`` in flight), places ``SEQ`` orders one at a time and ``PIPE`` with
``--inflight`` in flight, prints one JSON line (its job's index, pid, orders placed, okxws's
rate-limit waits) and exits. Under callgrind each child's count is the parent's up to the
fork plus the child's own work, so the difference of two jobs is the difference of their
orders. The orders are the bare loops of :mod:`harness.measures`: nothing is timed.

With ``--profile DIR`` (not under valgrind) cProfile records each job's two measured phases
into ``DIR/<index>-seq.pstats`` and ``DIR/<index>-pipe.pstats``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, cast

#: ``okxws``: with ``instIdCode``; ``okxws-inst-id``: with ``instId`` (the README's form).
CONTENDERS: Final = ("floor", "okxws", "okxws-inst-id")


@dataclass(frozen=True)
class Job:
    contender: str
    loop: Literal["asyncio", "uvloop"]
    seq: int
    pipe: int

    def __str__(self) -> str:
        return f"{self.contender}:{self.loop}:{self.seq}:{self.pipe}"

    @classmethod
    def parse(cls, text: str) -> Job:
        contender, loop, seq, pipe = text.split(":")
        if contender not in CONTENDERS or loop not in ("asyncio", "uvloop"):
            raise ValueError(f"not a job: {text!r}")
        return cls(contender, cast(Literal["asyncio", "uvloop"], loop), int(seq), int(pipe))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="counted client runs (see harness.counting)")
    ap.add_argument("--ws", required=True, help="the reply server, ws://127.0.0.1:PORT")
    ap.add_argument("--rest", required=True, help="its REST app, http://127.0.0.1:PORT")
    ap.add_argument("--warmup", type=int, required=True)
    ap.add_argument("--inflight", type=int, default=100)
    ap.add_argument("--parallel", type=int, default=1, help="children running at once")
    ap.add_argument("--okxws-src")
    ap.add_argument("--profile", type=Path, help="write cProfile stats of each phase here")
    ap.add_argument("jobs", nargs="+", type=Job.parse)
    return ap.parse_args(argv)


async def workload(args: argparse.Namespace, job: Job, index: int) -> dict[str, Any]:
    from .contenders import Contender, Floor, Okxws, OkxwsSession
    from .measures import run_pipelined, run_sequential

    contender: Contender = (
        Floor(args.ws)
        if job.contender == "floor"
        else Okxws(args.ws, by_inst_id=job.contender == "okxws-inst-id", rest_url=args.rest)
    )
    session = await contender.open()
    order = session.order_fn()
    await run_sequential(order, args.warmup)
    await run_pipelined(order, args.inflight, args.warmup)
    phases: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("seq", lambda: run_sequential(order, job.seq)),
        ("pipe", lambda: run_pipelined(order, args.inflight, job.pipe)),
    ]
    for name, phase in phases:
        gc.collect()
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        await phase()
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile / f"{index}-{name}.pstats")
    waits = session.rate_limit_waits() if isinstance(session, OkxwsSession) else None
    await session.close()
    return {"orders": 2 * args.warmup + job.seq + job.pipe, "rate_limit_waits": waits}


def child(args: argparse.Namespace, job: Job, index: int) -> int:
    from .procs import run_in_loop

    try:
        result = run_in_loop(job.loop, lambda: workload(args, job, index))
    except BaseException:
        traceback.print_exc()
        return 1
    # One write: children running at once share the parent's stdout.
    os.write(1, (json.dumps({"index": index, "pid": os.getpid(), **result}) + "\n").encode())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.okxws_src:
        sys.path.insert(0, str(Path(args.okxws_src).resolve()))
    # Everything a child needs, imported before the first fork (okxws imports its parts on
    # first use: ``okxws.WebsocketAPIClient`` brings in the client, aiohttp and the rest).
    import floor_client  # noqa: F401
    import uvloop  # noqa: F401

    from okxws import ApiCredentials, WebsocketAPIClient  # noqa: F401
    from okxws.protocol.ops import RateLimit  # noqa: F401

    from . import contenders, measures, procs  # noqa: F401

    running: dict[int, int] = {}  # pid -> job index
    failed = 0

    def reap() -> None:
        nonlocal failed
        pid, status = os.wait()
        index = running.pop(pid)
        if status != 0:
            failed += 1
            os.write(1, (json.dumps({"index": index, "pid": pid, "error": status}) + "\n").encode())

    for index, job in enumerate(args.jobs):
        while len(running) >= args.parallel:
            reap()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os._exit(child(args, job, index))  # no interpreter shutdown: nothing to count
        running[pid] = index
    while running:
        reap()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
