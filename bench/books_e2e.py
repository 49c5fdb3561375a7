"""End to end order books: the simulator (own process) pushing ``books-l2-tbt`` updates over 20
instruments to one okxws client keeping 20 order books; the client's CPU and its latency.

Usage: python bench/books_e2e.py [--rate 5000] [--seconds 10] [--books 20] [--no-pin]

The simulator process (``--serve``, started by this script) adds instruments to its four (the
bench needs 20; see ``_add_instruments``), turns the per-channel cadence off so every change is
pushed at once, and every ``1 / (rate / books)`` s changes one level of every book (an order
of its own placed or cancelled near the top: a one-level ``books-l2-tbt`` delta), recording
``time.time_ns()`` just before it hands the frames to the sockets. The client records
``time.time_ns()`` when each update reaches ``OrderBook.changes()`` (the book already reflects
it). Both clocks are the same machine's ``CLOCK_REALTIME``, so send -> reflected latency is a
difference of the two. Client CPU is its process CPU time over the wall time of the run
(fraction of one core). With ``--no-pin`` absent the simulator runs on CPU 1 and the client on
CPU 0 (a 2-core machine). Results go to stdout; ``--write`` also updates docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
CHANNEL = "books-l2-tbt"


def _add_instruments(sim: Any, n: int) -> list[str]:
    """Give the simulator ``n`` spot books in all (the bench's own BTC-USDT copies).

    The simulator lists four instruments; the bench patches its instrument index and engine in
    this process only (no public API adds instruments).
    """
    from okxws.simulator import instruments, market_maker
    from okxws.simulator.book import Book

    base = instruments.instrument_by_id("BTC-USDT")
    assert base is not None
    ids = ["BTC-USDT", "ETH-USDT"]
    engine = sim.engine
    for i in range(n - len(ids)):
        inst = dataclasses.replace(base, inst_id=f"B{i:02d}-USDT", inst_id_code=190000 + i)
        instruments._BY_ID[inst.inst_id] = inst
        instruments._BY_CODE[inst.inst_id_code] = inst
        market_maker.MM_CONFIGS[inst.inst_id] = market_maker.MM_CONFIGS["BTC-USDT"]
        book: Book[Any] = Book.of_instrument(inst)
        engine._books[inst.inst_id] = book
        engine._mm.requote(book, engine, 0)
        book.commit()
        ids.append(inst.inst_id)
    engine.drain_events()
    return ids[:n]


async def serve(rate: float, seconds: float, books: int, out: str) -> None:
    """The simulator process: print its URL, wait for ``go``, push, write the send times."""
    from okxws.simulator import Simulator

    async with Simulator(seed=1) as sim:
        ids = _add_instruments(sim, books)
        sim.set_vip_tier(5)
        sim.book_settings.cadence = False
        uid = sim.uid
        sim.engine.create_account(uid, {"USDT": "1000000000000", "BTC": "1000", "ETH": "1000"})
        print(json.dumps({"ws": sim.ws_base_url, "rest": sim.rest_base_url, "ids": ids}),
              flush=True)  # fmt: skip
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.readline)  # "go"
        engine = sim.engine
        codes = {i: 100001 if i == "BTC-USDT" else 100002 if i == "ETH-USDT" else 0 for i in ids}
        for i in ids:
            if not codes[i]:
                inst = sim.engine.book(i).inst
                assert inst is not None
                codes[i] = inst.inst_id_code
        resting: dict[str, str] = {}
        sent: list[tuple[str, int, int]] = []
        period = books / rate
        start, cpu0 = time.perf_counter(), time.process_time()
        step = 0
        while (now := time.perf_counter()) - start < seconds:
            for k, inst_id in enumerate(ids):
                book = engine.book(inst_id)
                ord_id = resting.pop(inst_id, None)
                if ord_id is not None:
                    engine.cancel("book", uid, {"instIdCode": codes[inst_id], "ordId": ord_id}, 0)
                else:
                    bid = book.bids.best()
                    assert bid is not None
                    px = (bid - 1 - (step + k) % 3) * book.tick  # just below the best bid
                    r = engine.place("book", uid, {"instIdCode": codes[inst_id], "tdMode": "cash",
                                                   "side": "buy", "ordType": "limit",
                                                   "px": str(px), "sz": "0.01"}, 0)  # fmt: skip
                    assert r.code == "0", r
                    resting[inst_id] = r.ord_id
            # The seqId each update will carry: the flush commits one id per changed level.
            seqs = [(i, (b := engine.book(i)).seq_id + b.pending_changes) for i in ids]
            t_send = time.time_ns()
            sent.extend((i, seq, t_send) for i, seq in seqs)
            await sim.flush_events()
            step += 1
            delay = start + step * period - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            del now
        with open(out, "w") as f:  # noqa: ASYNC230 (after the measured part)
            wall = time.perf_counter() - start
            json.dump({"sent": sent, "wall": wall, "cpu": (time.process_time() - cpu0) / wall}, f)
        print("done", flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)  # "bye": the client closed first


async def client(args: argparse.Namespace) -> dict[str, Any]:
    from okxws import ApiCredentials, WebsocketClient
    from okxws.simulator import DEFAULT_API_KEY, DEFAULT_API_PASS, DEFAULT_API_SECRET

    out = ROOT / "bench" / ".books_e2e_sent.json"
    cmd = [sys.executable, __file__, "--serve", "--rate", str(args.rate), "--seconds",
           str(args.seconds), "--books", str(args.books), "--out", str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    # Started before the measured part: blocking here costs nothing measured.
    proc = subprocess.Popen(  # noqa: ASYNC220
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        if not args.no_pin and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(proc.pid, {1})
            os.sched_setaffinity(0, {0})
        info = json.loads(proc.stdout.readline())
        creds = ApiCredentials(DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_API_PASS)
        received: dict[tuple[str, int], int] = {}
        async with WebsocketClient(
            [creds], ws_base_url=info["ws"], rest_base_url=info["rest"],
            attach_event_listeners=False,
        ) as ws:  # fmt: skip
            books = await ws.order_books(info["ids"], CHANNEL)

            async def consume(book: Any) -> None:
                async for push in book.changes():
                    received[(book.inst_id, push["data"][0]["seqId"])] = time.time_ns()

            tasks = [asyncio.create_task(consume(b)) for b in books]
            cpu0, wall0 = time.process_time(), time.perf_counter()
            proc.stdin.write("go\n")
            proc.stdin.flush()
            loop = asyncio.get_running_loop()
            line = await loop.run_in_executor(None, proc.stdout.readline)
            assert line.strip() == "done", line
            await asyncio.sleep(0.2)  # the last frames in flight (the run is over: not a test)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            resyncs = sum(b.resyncs for b in books)
            synced = all(b.is_synced for b in books)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        proc.stdin.write("bye\n")
        proc.stdin.flush()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    data = json.loads(out.read_text())
    out.unlink()
    sent = data["sent"]
    lat = [(received[(i, s)] - t) / 1000 for i, s, t in sent if (i, s) in received]
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    return {
        "books": args.books,
        "target_rate": args.rate,
        "sent": len(sent),
        "applied": len(lat),
        "rate": len(sent) / data["wall"],
        "client_cpu": cpu / wall,
        "sim_cpu": data["cpu"],
        "p50_us": q[49],
        "p99_us": q[98],
        "resyncs": resyncs,
        "synced": synced,
        "loadavg": os.getloadavg()[0],
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _table(r: dict[str, Any], argv: str) -> str:
    return (
        f"### Order books end to end (`python bench/books_e2e.py {argv}`)\n\n"
        f"The simulator (own process, CPU 1) changes one level of each of {r['books']} "
        f"`{CHANNEL}` books per step; one okxws client (CPU 0) keeps the {r['books']} books.\n\n"
        "| metric | value |\n|---|---|\n"
        f"| updates/s pushed (target {r['target_rate']:,.0f}) | {r['rate']:,.0f} |\n"
        f"| updates applied / sent | {r['applied']:,} / {r['sent']:,} |\n"
        f"| client CPU (fraction of one core) | {r['client_cpu']:.2f} |\n"
        f"| simulator CPU (fraction of one core) | {r['sim_cpu']:.2f} |\n"
        f"| latency send -> book reflects, p50 (us) | {r['p50_us']:,.0f} |\n"
        f"| latency send -> book reflects, p99 (us) | {r['p99_us']:,.0f} |\n"
        f"| resyncs / all books in sequence at the end | {r['resyncs']} / {r['synced']} |\n"
        f"\n{r['when']}; 1-minute load average {r['loadavg']:.1f} on the 2 shared cores during "
        "the run (other work competed for them: the latency tail is the machine's).\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rate", type=float, default=5000.0, help="updates/s over all books")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--books", type=int, default=20)
    ap.add_argument("--no-pin", action="store_true", help="do not pin the two processes")
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.rate, args.seconds, args.books, args.out))
        return
    r = asyncio.run(client(args))
    print(json.dumps(r, indent=1))
    argv = " ".join(sys.argv[1:]).replace("--write", "").strip()
    table = _table(r, argv)
    print(table)
    if args.write:
        text = DOC.read_text()
        pattern = re.compile(r"### Order books end to end .*?(?=\n## |\n### |\Z)", re.S)
        if pattern.search(text):
            text = pattern.sub(table.rstrip("\n") + "\n", text)
        else:
            text = text.replace("\n## Targets (issue 6)", "\n" + table + "\n## Targets (issue 6)")
        DOC.write_text(text)


if __name__ == "__main__":
    main()
