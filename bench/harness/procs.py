"""Processes: CPU pinning, the reply server and the simulator, event loops, server statistics.

The reply server (``bench/reply_server.py``) and the simulator run in their own processes
pinned to :data:`SERVER_CPU`; the clients run pinned to :data:`CLIENT_CPU`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import orjson
import picows

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
PEERS = BENCH / ".peers"
CLIENT_CPU, SERVER_CPU = 0, 1

LoopKind = Literal["asyncio", "uvloop"]
LOOPS: tuple[LoopKind, ...] = ("asyncio", "uvloop")
T = TypeVar("T")


def pin(cpu: int) -> None:
    """Pin this process to ``cpu`` (if the machine has it)."""
    count = os.cpu_count() or 1
    if hasattr(os, "sched_setaffinity") and cpu < count:
        os.sched_setaffinity(0, {cpu})


def loop_factory(kind: LoopKind) -> Callable[[], asyncio.AbstractEventLoop]:
    if kind == "uvloop":
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
        return factory
    return asyncio.new_event_loop


def run_in_loop(kind: LoopKind, coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run ``coro_fn()`` to completion in a fresh event loop of ``kind``."""

    async def main() -> T:
        return await coro_fn()

    with asyncio.Runner(loop_factory=loop_factory(kind)) as runner:
        return runner.run(main())


# --------------------------------------------------------------------------- server statistics
class StatsSource(Protocol):
    """Where a phase reads its server's CPU time and wall clock from (``"bench-stats"``)."""

    async def call(self, op: str) -> dict[str, Any]: ...


class Control:
    """A separate connection to the reply server for bench-stats / bench-hold / bench-release."""

    def __init__(self, transport: picows.WSTransport, waiters: list[asyncio.Future[Any]]) -> None:
        self.transport = transport
        self.waiters = waiters

    @classmethod
    async def connect(cls, url: str) -> Control:
        waiters: list[asyncio.Future[Any]] = []
        loads, text = orjson.loads, picows.WSMsgType.TEXT

        class Listener(picows.WSListener):
            def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
                if frame.msg_type is text and waiters:
                    waiters.pop(0).set_result(loads(frame.get_payload_as_bytes()))

        transport, _ = await picows.ws_connect(Listener, url)
        return cls(transport, waiters)

    async def call(self, op: str) -> dict[str, Any]:
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        self.transport.send(picows.WSMsgType.TEXT, orjson.dumps({"op": op}))
        return await fut

    async def close(self) -> None:
        self.transport.send_close(picows.WSCloseCode.OK)
        self.transport.disconnect()
        await self.transport.wait_disconnected()


class ProcStats:
    """CPU busy share of another process from /proc (for the simulator, which has no control op)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> dict[str, Any]:
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return {"cpu": (int(fields[11]) + int(fields[12])) / self.tick, "wall": time.monotonic()}

    async def call(self, op: str) -> dict[str, Any]:
        return self.read()


def busy(s0: dict[str, Any], s1: dict[str, Any]) -> float:
    """The share of the wall time between two readings that the server spent on a CPU."""
    wall: float = s1["wall"] - s0["wall"]
    return (s1["cpu"] - s0["cpu"]) / wall if wall > 0 else float("nan")


# --------------------------------------------------------------------------- server processes
def start(cmd: list[str], cpu: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start a server that prints one JSON line when it listens; returns it and that line."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, preexec_fn=lambda: pin(cpu))
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"{cmd[0]} did not start")
    info: dict[str, Any] = json.loads(line)
    return proc, info


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running(cmd: list[str], cpu: int) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    """:func:`start`, and :func:`stop` on the way out."""
    proc, info = start(cmd, cpu)
    try:
        yield proc, info
    finally:
        stop(proc)


def reply_server_cmd() -> list[str]:
    return [sys.executable, str(BENCH / "reply_server.py"), "--cpu", str(SERVER_CPU)]


def simulator_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "okxws"
    return [
        *([str(exe)] if exe.exists() else [sys.executable, "-m", "okxws"]),
        "sim",
        "--port",
        "0",
        # The run measures speed: OKX's 60 orders per 2 s per instrument would refuse nearly
        # every order (the clients' own budgets never wait either: bench_rate_limits()).
        "--no-rate-limits",
    ]


def ws_base(info: Mapping[str, Any]) -> str:
    """The reply server's WebSocket base URL (the floor appends ``/ws/v5/private``)."""
    return f"ws://127.0.0.1:{info['ws_port']}"


def rest_base(info: Mapping[str, Any]) -> str:
    """The reply server's REST base URL (``/api/v5/public/instruments`` for instId lookups)."""
    return f"http://127.0.0.1:{info['rest_port']}"
