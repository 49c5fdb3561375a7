#!/usr/bin/env python
"""okxws benchmarks: latency, throughput, cold start and memory vs the floor and the peers.

    .venv/bin/python bench/run.py [--quick] [--rounds N] [--asyncio-only | --uvloop-only]
                                  [--peers] [--no-sim] [--okxws-src DIR] [--out FILE]

One run, interleaved rounds, ratios within each round (the machine is shared and noisy):

* the reply server (bench/reply_server.py: picows + uvloop) runs in its own process pinned to
  CPU 1; this process is pinned to CPU 0. Its CPU busy share is printed for every phase, so
  you can see that it is never the bottleneck;
* contenders in this process, on the default asyncio loop and on uvloop:
  ``floor`` (bench/floor_client.py: picows + orjson + a dict of futures) and ``okxws``
  (``WebsocketAPIClient.submit_new_order`` with ``instIdCode``, ``attach_event_listeners=False``);
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
import asyncio
import base64
import contextlib
import gc
import hashlib
import hmac
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS = HERE / ".peers"
CLIENT_CPU, SERVER_CPU = 0, 1

# The order every contender sends: OKX docs' place-order example, with instIdCode (no REST).
PARAMS = {
    "instIdCode": 100001,
    "tdMode": "cash",
    "side": "buy",
    "ordType": "limit",
    "sz": "0.0001",
    "px": "50000",
}
LOGIN = {"apiKey": "bench-key", "passphrase": "bench-pass", "timestamp": "0", "sign": "x"}
CREDS = ("bench-key", "bench-secret", "bench-pass")


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and cpu < os.cpu_count():
        os.sched_setaffinity(0, {cpu})


def _pct(sorted_vals: list[float], q: float) -> float:
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


# --------------------------------------------------------------------------- server control
class Control:
    """A separate connection to the reply server for bench-stats / bench-hold / bench-release."""

    @classmethod
    async def connect(cls, url: str) -> Control:
        import orjson
        import picows

        self = cls()
        self.waiters = []
        waiters, loads = self.waiters, orjson.loads
        TEXT = picows.WSMsgType.TEXT

        class L(picows.WSListener):
            def on_ws_frame(self, transport, frame):
                if frame.msg_type is TEXT and waiters:
                    waiters.pop(0).set_result(loads(frame.get_payload_as_bytes()))

        self.transport, _ = await picows.ws_connect(L, url)
        self._send = lambda op: self.transport.send(TEXT, orjson.dumps({"op": op}))
        return self

    async def call(self, op: str) -> dict:
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        self._send(op)
        return await fut

    async def close(self) -> None:
        import picows

        self.transport.send_close(picows.WSCloseCode.OK)
        self.transport.disconnect()
        await self.transport.wait_disconnected()


class ProcStats:
    """CPU busy share of another process from /proc (for the simulator, which has no control op)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> dict:
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return {"cpu": (int(fields[11]) + int(fields[12])) / self.tick, "wall": time.monotonic()}

    async def call(self, op: str) -> dict:
        return self.read()


def _busy(s0: dict, s1: dict) -> float:
    wall = s1["wall"] - s0["wall"]
    return (s1["cpu"] - s0["cpu"]) / wall if wall > 0 else float("nan")


# --------------------------------------------------------------------------- contenders
class Floor:
    name = "floor"

    def __init__(self, url: str, login: dict = LOGIN) -> None:
        self.url, self.login = url + "/ws/v5/private", login

    async def open(self):
        from floor_client import FloorClient

        return await FloorClient.connect(self.url, self.login)

    def order_fn(self, client, params=PARAMS):
        args = [params]
        return lambda: client.request("order", args)

    async def close(self, client):
        await client.close()


class Okxws:
    name = "okxws"

    def __init__(self, url: str, creds: tuple[str, str, str] = CREDS) -> None:
        self.url, self.creds = url, creds

    async def open(self):
        from okxws import ApiCredentials, WebsocketAPIClient

        return WebsocketAPIClient(
            [ApiCredentials(*self.creds)], ws_base_url=self.url, attach_event_listeners=False
        )

    def order_fn(self, client, params=PARAMS):
        return lambda: client.submit_new_order(params)

    async def close(self, client):
        await client.close()


# --------------------------------------------------------------------------- measurements
async def cold_start(c, params=PARAMS) -> float:
    """Constructor to the first acknowledged order (connect + login + order), in ms."""
    t0 = time.perf_counter()
    client = await c.open()
    await c.order_fn(client, params)()
    dt = time.perf_counter() - t0
    await c.close(client)
    return dt * 1e3


async def _time_calls(order, n: int, lat: list[int]) -> None:
    """Append the latency (ns) of ``n`` sequential calls to ``lat``."""
    append, perf = lat.append, time.perf_counter_ns
    for _ in range(n):
        t0 = perf()
        await order()
        append(perf() - t0)


async def sequential(order, n: int, warmup: int) -> dict:
    for _ in range(warmup):
        await order()
    gc.collect()
    lat: list[int] = []
    c0 = time.process_time()
    await _time_calls(order, n, lat)
    cpu = time.process_time() - c0
    lat.sort()
    us = 1e-3
    return {
        "p50": _pct(lat, 0.50) * us,
        "p90": _pct(lat, 0.90) * us,
        "p99": _pct(lat, 0.99) * us,
        "cpu_us": cpu / n * 1e6,
    }


async def pipelined(order, inflight: int, n: int, stats) -> dict:
    remaining = n

    async def worker():
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await order()

    gc.collect()
    s0 = await stats.call("bench-stats")
    c0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(inflight)))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s1 = await stats.call("bench-stats")
    return {"rps": n / wall, "cpu_us": cpu / n * 1e6, "srv_busy": _busy(s0, s1)}


async def memory(order, n: int, ctl: Control) -> dict:
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


async def ab_bursts(url: str, inflight: int, n: int, seq_n: int, chunks: int) -> dict:
    """The floor and okxws, both connected at once, in short bursts that alternate floor,
    okxws, okxws, floor, ...: a slow spell of the shared machine then hits both alike.

    Pipelined throughput (``n`` requests, ``inflight`` in flight, per burst): the medians, and
    the median of the per-pair ratios. Sequential latency (``seq_n`` calls per burst): p50 and
    p99 of each contender's pooled calls, and their ratios."""
    ctl = await Control.connect(url + "/ws/v5/private")
    contenders = {c.name: c for c in (Floor(url), Okxws(url))}
    clients = {name: await c.open() for name, c in contenders.items()}
    orders = {name: contenders[name].order_fn(clients[name]) for name in contenders}
    try:
        for order in orders.values():
            for _ in range(1000):
                await order()
        rps: dict[str, list[float]] = {"floor": [], "okxws": []}
        lat: dict[str, list[int]] = {"floor": [], "okxws": []}
        for i in range(chunks):
            for name in ("floor", "okxws") if i % 2 == 0 else ("okxws", "floor"):
                rps[name].append((await pipelined(orders[name], inflight, n, ctl))["rps"])
                await _time_calls(orders[name], seq_n, lat[name])
        ratios = [o / f for f, o in zip(rps["floor"], rps["okxws"], strict=True)]
        pct = {}
        for name, vals in lat.items():
            vals.sort()
            pct[name] = {"p50": _pct(vals, 0.50) * 1e-3, "p99": _pct(vals, 0.99) * 1e-3}
        return {
            "floor_rps": statistics.median(rps["floor"]),
            "okxws_rps": statistics.median(rps["okxws"]),
            "ratio": statistics.median(ratios),
            "seq": pct,
            "p50_ratio": pct["okxws"]["p50"] / pct["floor"]["p50"],
            "p99_ratio": pct["okxws"]["p99"] / pct["floor"]["p99"],
        }
    finally:
        for name, c in contenders.items():
            await c.close(clients[name])
        await ctl.close()


async def suite(c, url: str, cfg) -> dict:
    res: dict = {}
    ctl = await Control.connect(url + "/ws/v5/private")
    try:
        colds = [await cold_start(c) for _ in range(cfg.cold)]
        res["cold_ms"] = statistics.median(colds)
        client = await c.open()
        order = c.order_fn(client)
        await order()
        res["seq"] = await sequential(order, cfg.seq, cfg.warmup)
        for k, n in cfg.pipe:
            res[f"pipe{k}"] = await pipelined(order, k, n, ctl)
        res["mem"] = await memory(order, cfg.mem, ctl)
        await c.close(client)
    finally:
        await ctl.close()
    return res


def _loop_factory(kind: str):
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def run_in_loop(kind: str, coro_fn):
    with asyncio.Runner(loop_factory=_loop_factory(kind)) as runner:
        return runner.run(coro_fn())


# --------------------------------------------------------------------------- simulator
def _sign(secret: str, ts: str) -> str:
    mac = hmac.new(secret.encode(), f"{ts}GET/users/self/verify".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


async def sim_suite(info: dict, pid: int, cfg, kind: str) -> dict:
    url = info["ws_base_url"]
    creds = (info["api_key"], info["api_secret"], info["api_pass"])
    ts = str(int(time.time()))
    floor = Floor(url, {"apiKey": creds[0], "passphrase": creds[2], "timestamp": ts,
                        "sign": _sign(creds[1], ts)})  # fmt: skip
    okx = Okxws(url, creds)
    stats = ProcStats(pid)
    res: dict = {}
    params = {**PARAMS, "sz": "0.00001", "px": "10000"}  # rests far below the simulator's mid
    client = await okx.open()
    order = okx.order_fn(client, params)
    await order()
    res["okxws_seq"] = await sequential(order, cfg.sim_seq, cfg.warmup // 2)
    res["okxws_pipe100"] = await pipelined(order, 100, cfg.sim_pipe, stats)
    await okx.close(client)
    fc = await floor.open()
    forder = floor.order_fn(fc, params)
    await forder()
    res["floor_seq"] = await sequential(forder, cfg.sim_seq, cfg.warmup // 2)
    res["floor_pipe100"] = await pipelined(forder, 100, cfg.sim_pipe, stats)
    await floor.close(fc)
    return res


# --------------------------------------------------------------------------- peers
def run_peer(name: str, ports: dict, cfg) -> dict | None:
    ws = f"ws://127.0.0.1:{ports['ws_port']}/ws/v5"
    rest = f"http://127.0.0.1:{ports['rest_port']}"
    pipe = ",".join(f"{k}:{n}" for k, n in cfg.peer_pipe)
    common = ["--ws", ws, "--rest", rest, "--seq", str(cfg.peer_seq), "--warmup",
              str(cfg.peer_warmup), "--pipe", pipe]  # fmt: skip
    py = str(PEERS / "venv" / "bin" / "python")
    cmd = {
        "okx-api (Node)": ["node", str(HERE / "peers" / "okx_api_bench.mjs"), *common],
        "ccxt": [py, str(HERE / "peers" / "ccxt_bench.py"), *common],
        "python-okx": [py, str(HERE / "peers" / "pyokx_bench.py"), *common],
    }[name]
    env = {**os.environ, "NODE_PATH": str(PEERS / "node" / "node_modules")}
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=600, env=env,
            preexec_fn=lambda: _pin(CLIENT_CPU),
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"  peer {name}: {exc}", file=sys.stderr)
        return None
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        print(f"  peer {name} failed ({out.returncode}): {out.stderr[-800:]}", file=sys.stderr)
        return None
    return json.loads(lines[-1])


PEER_NAMES = ("okx-api (Node)", "ccxt", "python-okx")


# --------------------------------------------------------------------------- report
def _med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def _get(d, path):
    for p in path:
        if d is None or p not in d:
            return None
        d = d[p]
    return d


def _fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if unit == "x":
        return f"**{v:.2f}x**"
    if unit == "%":
        return f"{v * 100:.0f}%"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}"


METRICS = [  # (label, path, unit, higher_is_better)
    ("seq latency p50 (us)", ("seq", "p50"), "", False),
    ("seq latency p90 (us)", ("seq", "p90"), "", False),
    ("seq latency p99 (us)", ("seq", "p99"), "", False),
    ("client CPU / request, sequential (us)", ("seq", "cpu_us"), "", False),
    ("pipelined, 1 in flight (req/s)", ("pipe1", "rps"), "", True),
    ("pipelined, 10 in flight (req/s)", ("pipe10", "rps"), "", True),
    ("pipelined, 100 in flight (req/s)", ("pipe100", "rps"), "", True),
    ("pipelined, 1000 in flight (req/s)", ("pipe1000", "rps"), "", True),
    ("client CPU / request, 100 in flight (us)", ("pipe100", "cpu_us"), "", False),
    ("cold start: constructor to first ack (ms)", ("cold_ms",), "", False),
    ("memory per in-flight request, 10k in flight (bytes)", ("mem", "bytes_per_req"), "", False),
]
BUSY = [
    (f"reply server CPU busy, {k} in flight", (f"pipe{k}", "srv_busy")) for k in (1, 10, 100, 1000)
]


def ratio_col(rounds, kind, a, b, path):
    """Median over rounds of b/a (same round)."""
    rs = []
    for r in rounds:
        va, vb = _get(r.get(kind, {}).get(a), path), _get(r.get(kind, {}).get(b), path)
        if va and vb:
            rs.append(vb / va)
    return _med(rs), sum(1 for x in rs if x <= 1.0), len(rs)


def report(rounds: list[dict], cfg, machine: dict) -> str:
    out = []
    w = out.append
    w(f"# okxws benchmark results\n\n{machine['when']}: `{machine['cmd']}`\n")
    w(f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['os']}; Python "
      f"{machine['python']}; {machine['libs']}. {len(rounds)} interleaved rounds; "
      "tables show the median across rounds of each value and the **median of the per-round "
      "ratios** (okxws / floor, in the same round and loop).\n")  # fmt: skip
    for kind in cfg.loops:
        w(f"\n## {kind}: okxws vs the floor (reply server)\n")
        w("| metric | floor | okxws | **okxws / floor** | okxws better in |")
        w("|---|---|---|---|---|")
        for label, path, _, hib in METRICS:
            f = _med([_get(r.get(kind, {}).get("floor"), path) for r in rounds])
            o = _med([_get(r.get(kind, {}).get("okxws"), path) for r in rounds])
            ratio, le, n = ratio_col(rounds, kind, "floor", "okxws", path)
            better = (n - le) if hib else le
            w(f"| {label} | {_fmt(f)} | {_fmt(o)} | {_fmt(ratio, 'x')} | {better}/{n} rounds |")
        abs_ = [r[kind]["ab100"] for r in rounds if "ab100" in r.get(kind, {})]
        if abs_:
            ratios = [a["ratio"] for a in abs_]
            w(f"| pipelined, 100 in flight, A/B bursts (req/s) | "
              f"{_fmt(_med([a['floor_rps'] for a in abs_]))} | "
              f"{_fmt(_med([a['okxws_rps'] for a in abs_]))} | {_fmt(_med(ratios), 'x')} | "
              f"{sum(1 for x in ratios if x > 1)}/{len(ratios)} rounds |")  # fmt: skip
        for q in ("p50", "p99"):
            abs_ = [r[kind]["ab100"] for r in rounds if "seq" in r.get(kind, {}).get("ab100", {})]
            if abs_:
                ratios = [a[f"{q}_ratio"] for a in abs_]
                w(f"| seq latency {q}, A/B bursts (us) | "
                  f"{_fmt(_med([a['seq']['floor'][q] for a in abs_]))} | "
                  f"{_fmt(_med([a['seq']['okxws'][q] for a in abs_]))} | "
                  f"{_fmt(_med(ratios), 'x')} | "
                  f"{sum(1 for x in ratios if x <= 1)}/{len(ratios)} rounds |")  # fmt: skip
        for label, path in BUSY:
            f = _med([_get(r.get(kind, {}).get("floor"), path) for r in rounds])
            o = _med([_get(r.get(kind, {}).get("okxws"), path) for r in rounds])
            w(f"| {label} | {_fmt(f, '%')} | {_fmt(o, '%')} | | |")
    if any("peers" in r for r in rounds):
        w("\n## Peers (default asyncio loop for the Python clients; Node's own loop)\n")
        w("Each peer ran in its own process pinned to CPU 0 in every round, against the same "
          "reply server. Ratio columns: peer / okxws (asyncio) in the same round; for latency "
          ">1 means okxws is faster, for throughput <1 means okxws is faster.\n")  # fmt: skip
        names = [p for p in PEER_NAMES if any(_get(r, ("peers", p)) for r in rounds)]
        hdr = "| metric | floor | okxws | " + " | ".join(f"{p} | {p} / okxws" for p in names) + " |"
        w(hdr)
        w("|---" * (3 + 2 * len(names)) + "|")
        for label, path, _, _hib in [*METRICS[:8], METRICS[9]]:
            f = _med([_get(r.get("asyncio", {}).get("floor"), path) for r in rounds])
            o = _med([_get(r.get("asyncio", {}).get("okxws"), path) for r in rounds])
            cells = []
            for p in names:
                v = _med([_get(r, ("peers", p, *path)) for r in rounds])
                rs = []
                for r in rounds:
                    pv, ov = (
                        _get(r, ("peers", p, *path)),
                        _get(r.get("asyncio", {}).get("okxws"), path),
                    )
                    if pv and ov:
                        rs.append(pv / ov)
                cells += [_fmt(v), _fmt(_med(rs), "x")]
            w(f"| {label} | {_fmt(f)} | {_fmt(o)} | " + " | ".join(cells) + " |")
        notes = {p: _get(r, ("peers", p, "note")) for r in rounds for p in names}
        for p, note in notes.items():
            if note:
                w(f"\n- {p}: {note}")
    if any("sim" in r for r in rounds):
        for kind in cfg.loops:
            sims = [r["sim"].get(kind) for r in rounds if r.get("sim", {}).get(kind)]
            if not sims:
                continue
            w(f"\n## {kind}: end to end against the simulator (`okxws sim`, own process, CPU 1)\n")
            w("| metric | floor client | okxws | okxws / floor |")
            w("|---|---|---|---|")
            for label, fp, op in [
                ("seq latency p50 (us)", ("floor_seq", "p50"), ("okxws_seq", "p50")),
                ("seq latency p99 (us)", ("floor_seq", "p99"), ("okxws_seq", "p99")),
                (
                    "orders/s, 100 in flight, one connection",
                    ("floor_pipe100", "rps"),
                    ("okxws_pipe100", "rps"),
                ),
                (
                    "simulator CPU busy, 100 in flight",
                    ("floor_pipe100", "srv_busy"),
                    ("okxws_pipe100", "srv_busy"),
                ),
            ]:
                f, o = _med([_get(s, fp) for s in sims]), _med([_get(s, op) for s in sims])
                rs = [_get(s, op) / _get(s, fp) for s in sims if _get(s, fp) and _get(s, op)]
                unit = "%" if "busy" in label else ""
                w(
                    f"| {label} | {_fmt(f, unit)} | {_fmt(o, unit)} | {'' if unit else _fmt(_med(rs), 'x')} |"
                )
    w("\n## Targets (issue 6)\n")
    w("| target | measured | met? |")
    w("|---|---|---|")
    for kind in cfg.loops:
        p50 = ratio_col(rounds, kind, "floor", "okxws", ("seq", "p50"))[0]
        p99 = ratio_col(rounds, kind, "floor", "okxws", ("seq", "p99"))[0]
        thr = ratio_col(rounds, kind, "floor", "okxws", ("pipe100", "rps"))[0]
        ab = [r[kind]["ab100"] for r in rounds if "ab100" in r.get(kind, {})]
        thr_ab = _med([a["ratio"] for a in ab])
        p50_ab = _med([a["p50_ratio"] for a in ab if "p50_ratio" in a])
        p99_ab = _med([a["p99_ratio"] for a in ab if "p99_ratio" in a])
        mem = _med([_get(r.get(kind, {}).get("okxws"), ("mem", "bytes_per_req")) for r in rounds])
        for name, v, ok in [
            (f"{kind}: p50 <= 1.25x floor", p50, p50 is not None and p50 <= 1.25),
            (
                f"{kind}: the same, in alternating A/B bursts",
                p50_ab,
                p50_ab is not None and p50_ab <= 1.25,
            ),
            (f"{kind}: p99 <= 1.5x floor", p99, p99 is not None and p99 <= 1.5),
            (
                f"{kind}: the same, in alternating A/B bursts",
                p99_ab,
                p99_ab is not None and p99_ab <= 1.5,
            ),
            (
                f"{kind}: 100-in-flight throughput >= 0.8x floor",
                thr,
                thr is not None and thr >= 0.8,
            ),
            (
                f"{kind}: the same, in alternating A/B bursts",
                thr_ab,
                thr_ab is not None and thr_ab >= 0.8,
            ),
        ]:
            shown = f"**{v:.3f}x**" if v is not None else "n/a"  # 3 decimals: 0.796 is not 0.8
            w(f"| {name} | {shown} | {'yes' if ok else 'NO'} |")
        w(f"| {kind}: memory per in-flight request < 2048 B | {_fmt(mem)} B | "
          f"{'yes' if mem is not None and mem < 2048 else 'NO'} |")  # fmt: skip
    node = "okx-api (Node)"
    if any(_get(r, ("peers", node)) for r in rounds):
        for label, path, hib in [("p50 latency", ("seq", "p50"), False),
                                 ("100-in-flight throughput", ("pipe100", "rps"), True)]:  # fmt: skip
            rs = [_get(r, ("peers", node, *path)) / _get(r["asyncio"]["okxws"], path)
                  for r in rounds if _get(r, ("peers", node, *path)) and "asyncio" in r]  # fmt: skip
            v = _med(rs)
            ok = v is not None and (v < 1 if hib else v > 1)
            w(f"| faster than the Node SDK on {label} (asyncio loop; Node / okxws) | "
              f"{_fmt(v, 'x')} | {'yes' if ok else 'NO'} |")  # fmt: skip
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main
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


def _start(cmd: list[str], cpu: int) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, preexec_fn=lambda: _pin(cpu))
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"{cmd[0]} did not start")
    return proc, json.loads(line)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="okxws benchmarks (see the module docstring)")
    ap.add_argument("--quick", action="store_true", help="fewer requests and 2 rounds (smoke run)")
    ap.add_argument("--rounds", type=int, default=None)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--asyncio-only", action="store_true")
    g.add_argument("--uvloop-only", action="store_true")
    ap.add_argument(
        "--peers", action="store_true", help="also run the peers (bench/peers/setup.sh)"
    )
    ap.add_argument("--no-sim", action="store_true", help="skip the simulator runs")
    ap.add_argument("--okxws-src", help="import okxws from this src/ directory (A/B of a patch)")
    ap.add_argument("--out", default=str(HERE / "results" / "latest.md"))
    cfg = ap.parse_args(argv)
    if cfg.okxws_src:
        sys.path.insert(0, str(Path(cfg.okxws_src).resolve()))
    sys.path.insert(0, str(HERE))
    cfg.loops = (
        ["asyncio"]
        if cfg.asyncio_only
        else ["uvloop"]
        if cfg.uvloop_only
        else ["asyncio", "uvloop"]
    )
    q = cfg.quick
    cfg.rounds = cfg.rounds or (2 if q else 7)
    cfg.cold = 3 if q else 5
    cfg.warmup = 300 if q else 1000
    cfg.seq = 1000 if q else 5000
    cfg.pipe = [(1, 1000), (10, 5000), (100, 10000), (1000, 10000)] if q else \
               [(1, 3000), (10, 20000), (100, 30000), (1000, 30000)]  # fmt: skip
    cfg.mem = 10_000
    cfg.ab_n, cfg.ab_seq, cfg.ab_chunks = (3000, 250, 4) if q else (5000, 625, 8)
    cfg.peer_seq = 500 if q else 2000
    cfg.peer_warmup = 200 if q else 500
    cfg.peer_pipe = [(1, 500), (10, 2000), (100, 5000), (1000, 5000)] if q else \
                    [(1, 2000), (10, 10000), (100, 20000), (1000, 20000)]  # fmt: skip
    cfg.sim_seq = 500 if q else 2000
    cfg.sim_pipe = 3000 if q else 10000

    _pin(CLIENT_CPU)
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
    server, ports = _start(
        [sys.executable, str(HERE / "reply_server.py"), "--cpu", str(SERVER_CPU)], SERVER_CPU
    )
    sim = sim_info = None
    if not cfg.no_sim:
        exe = Path(sys.executable).parent / "okxws"
        sim_cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "okxws"]
        sim, sim_info = _start([*sim_cmd, "sim", "--port", "0"], SERVER_CPU)
    url = f"ws://127.0.0.1:{ports['ws_port']}"
    rounds: list[dict] = []
    try:
        for i in range(cfg.rounds):
            rnd: dict = {}
            loops = cfg.loops if i % 2 == 0 else cfg.loops[::-1]
            contenders = [Floor(url), Okxws(url)]
            if i % 2:
                contenders.reverse()
            for kind in loops:
                rnd[kind] = {}
                for c in contenders:
                    rnd[kind][c.name] = run_in_loop(kind, lambda c=c: suite(c, url, cfg))
                ab = run_in_loop(
                    kind, lambda: ab_bursts(url, 100, cfg.ab_n, cfg.ab_seq, cfg.ab_chunks)
                )
                rnd[kind]["ab100"] = ab
                o, f = rnd[kind]["okxws"], rnd[kind]["floor"]
                print(
                    f"round {i + 1} {kind:7s}: p50 {f['seq']['p50']:.1f}/{o['seq']['p50']:.1f} us "
                    f"p99 {f['seq']['p99']:.1f}/{o['seq']['p99']:.1f} | "
                    + " ".join(f"{k}:{f[f'pipe{k}']['rps']:,.0f}/{o[f'pipe{k}']['rps']:,.0f}"
                               f" (srv {o[f'pipe{k}']['srv_busy'] * 100:.0f}%)" for k, _ in cfg.pipe)
                    + f" | cold {f['cold_ms']:.2f}/{o['cold_ms']:.2f} ms"
                    f" | mem {f['mem']['bytes_per_req']:.0f}/{o['mem']['bytes_per_req']:.0f} B"
                    f" | A/B 100: {ab['floor_rps']:,.0f}/{ab['okxws_rps']:,.0f} ({ab['ratio']:.2f}x)"
                    f" p50 {ab['seq']['floor']['p50']:.1f}/{ab['seq']['okxws']['p50']:.1f} us"
                    f" ({ab['p50_ratio']:.2f}x)"
                    "   (floor/okxws)",
                    flush=True,
                )  # fmt: skip
            if sim is not None:
                rnd["sim"] = {}
                for kind in loops:
                    s = run_in_loop(kind, lambda kind=kind: sim_suite(sim_info, sim.pid, cfg, kind))
                    rnd["sim"][kind] = s
                    print(
                        f"round {i + 1} sim {kind:7s}: okxws p50 {s['okxws_seq']['p50']:.0f} us, "
                        f"{s['okxws_pipe100']['rps']:,.0f}/s; floor {s['floor_seq']['p50']:.0f} us, "
                        f"{s['floor_pipe100']['rps']:,.0f}/s (sim busy {s['floor_pipe100']['srv_busy'] * 100:.0f}%)",
                        flush=True,
                    )  # fmt: skip
            if cfg.peers:
                rnd["peers"] = {}
                names = PEER_NAMES if i % 2 == 0 else PEER_NAMES[::-1]
                for name in names:
                    p = run_peer(name, ports, cfg)
                    rnd["peers"][name] = p
                    if p:
                        pipes = " ".join(
                            f"{k}:{_get(p, (f'pipe{k}', 'rps')) or 0:,.0f}"
                            for k, _ in cfg.peer_pipe
                        )
                        print(f"round {i + 1} peer {name}: p50 {_get(p, ('seq', 'p50')) or 0:.1f} us "
                              f"p99 {_get(p, ('seq', 'p99')) or 0:.1f} us | {pipes} | cold {p.get('cold_ms', 0) or 0:.1f} ms", flush=True)  # fmt: skip
            rounds.append(rnd)
    finally:
        _stop(server)
        if sim is not None:
            _stop(sim)
    text = report(rounds, cfg, machine)
    print("\n" + text)
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(
        json.dumps({"machine": machine, "rounds": rounds}, indent=1)
    )
    print(f"written: {out} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
