"""The contenders: the floor and okxws in the bench's own process, the peers in theirs.

A contender opens a :class:`Session` (connected and logged in); ``session.order_fn()`` is
the zero-argument coroutine function that places one order and returns the parsed answer.
okxws is imported when a session opens, so that ``--okxws-src`` can put a patched copy on
``sys.path`` first.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Protocol

from .procs import BENCH, CLIENT_CPU, PEERS, pin

if TYPE_CHECKING:
    from floor_client import FloorClient

    from okxws import WebsocketAPIClient
    from okxws.protocol.ops import RateLimit

#: The order every contender sends: OKX docs' place-order example. The floor (and okxws by
#: default) give the ``instIdCode`` OKX reads; the README's form gives the ``instId``, which
#: okxws turns into the code by a REST lookup (cached after the first order).
PARAMS: Final[Mapping[str, Any]] = {
    "instIdCode": 100001,
    "tdMode": "cash",
    "side": "buy",
    "ordType": "limit",
    "sz": "0.0001",
    "px": "50000",
}
PARAMS_INST_ID: Final[Mapping[str, Any]] = {
    "instId": "BTC-USDT",
    **{k: v for k, v in PARAMS.items() if k != "instIdCode"},
}
#: The reply server checks that login has these fields, not the signature.
CREDS: Final = ("bench-key", "bench-secret", "bench-pass")

#: Places one order. A partial, not a lambda: no frame of the bench's own in any count.
Order = Callable[[], Awaitable[Any]]


class Session(Protocol):
    """One connected, logged-in client."""

    def order_fn(self, overrides: Mapping[str, Any] | None = None) -> Order:
        """Places one order of the contender's params (with ``overrides``) per call."""
        ...

    async def close(self) -> None: ...


class Contender(Protocol):
    @property
    def name(self) -> str:
        """The key of its results (``floor`` / ``okxws``)."""
        ...

    async def open(self) -> Session: ...


def bench_rate_limits() -> dict[str, RateLimit]:
    """Budgets for okxws's default rate limiting that the bench never exhausts: every order is
    accounted (keyed as OKX keys it, per instrument and sub-account) but none ever waits.

    OKX's own counts (60 orders per instrument, 1,000 per sub-account) per microsecond
    instead of per 2 s: waiting is not what the bench measures, and the client holds the
    rings a user's client holds (a ring of 10,000 would cycle 320 KB per order through the
    cache, a load no user's client has)."""
    from okxws.protocol.ops import OPS, SUB_ACCOUNT_ORDER_LIMIT

    return {
        rule.bucket: replace(rule, window_s=1e-6)
        for rule in (OPS["order"].rate_limit, SUB_ACCOUNT_ORDER_LIMIT)
    }


# --------------------------------------------------------------------------- the floor
class Floor:
    """``bench/floor_client.py``: picows + orjson + a dict of futures."""

    name = "floor"

    def __init__(self, url: str, creds: tuple[str, str, str] = CREDS) -> None:
        self.url = url + "/ws/v5/private"
        self.creds = creds

    async def open(self) -> FloorSession:
        from floor_client import FloorClient

        from okxws.protocol.auth import ApiCredentials, build_login_request

        # Signed at each login, as okxws does (the simulator checks the timestamp).
        login = build_login_request(ApiCredentials(*self.creds), time.time())["args"][0]
        return FloorSession(await FloorClient.connect(self.url, dict(login)))


class FloorSession:
    def __init__(self, client: FloorClient) -> None:
        self.client = client

    def order_fn(self, overrides: Mapping[str, Any] | None = None) -> Order:
        args = [{**PARAMS, **(overrides or {})}]
        request = self.client.request
        return partial(request, "order", args)

    async def close(self) -> None:
        await self.client.close()


# --------------------------------------------------------------------------- okxws
@dataclass(frozen=True)
class Okxws:
    """``WebsocketAPIClient.submit_new_order`` with the library's defaults (validation,
    deadlines, ``clOrdId`` generation, rate-limit accounting, health figures), except the
    lifecycle log listeners (``attach_event_listeners=False``) and :func:`bench_rate_limits`.

    ``by_inst_id``: the README's form, ``instId`` (looked up once over REST at ``rest_url``)."""

    url: str
    creds: tuple[str, str, str] = CREDS
    by_inst_id: bool = False
    rest_url: str | None = None
    name: str = "okxws"

    async def open(self) -> OkxwsSession:
        from okxws import ApiCredentials, WebsocketAPIClient

        client = WebsocketAPIClient(
            [ApiCredentials(*self.creds)],
            ws_base_url=self.url,
            rest_base_url=self.rest_url,
            attach_event_listeners=False,
            rate_limits=bench_rate_limits(),
        )
        return OkxwsSession(client, PARAMS_INST_ID if self.by_inst_id else PARAMS)


class OkxwsSession:
    def __init__(self, client: WebsocketAPIClient, params: Mapping[str, Any]) -> None:
        self.client = client
        self.params = params

    def order_fn(self, overrides: Mapping[str, Any] | None = None) -> Order:
        params: Any = {**self.params, **(overrides or {})}
        submit = self.client.submit_new_order
        return partial(submit, params)

    def rate_limit_waits(self) -> int:
        """How many orders waited for budget (not through ``stats()``, whose cost depends
        on how many answers it has samples of: a counted run must not pay it)."""
        limiter = self.client.get_ws_client().limiter
        return 0 if limiter is None else limiter.waits

    async def close(self) -> None:
        await self.client.close()


# --------------------------------------------------------------------------- peers
NODE_PEER: Final = "okx-api (Node)"
PEER_NAMES: Final = (NODE_PEER, "ccxt", "python-okx")


@dataclass(frozen=True)
class PeerSizes:
    """How many requests a peer's run makes (``pipe``: (in flight, requests) pairs)."""

    seq: int
    warmup: int
    pipe: list[tuple[int, int]]

    @classmethod
    def of(cls, quick: bool) -> PeerSizes:
        if quick:
            return cls(500, 200, [(1, 500), (10, 2000), (100, 5000), (1000, 5000)])
        return cls(2000, 500, [(1, 2000), (10, 10000), (100, 20000), (1000, 20000)])


NODE_BENCH: Final = BENCH / "peers" / "okx_api_bench.mjs"


def _peer_env() -> dict[str, str]:
    """The environment of a peer's process (Node finds okx-api in bench/.peers/node)."""
    return {**os.environ, "NODE_PATH": str(PEERS / "node" / "node_modules")}


def run_peer(name: str, ports: Mapping[str, Any], sizes: PeerSizes) -> dict[str, Any] | None:
    """One peer's whole run in its own process (pinned to the client CPU); None if it failed."""
    ws = f"ws://127.0.0.1:{ports['ws_port']}/ws/v5"
    rest = f"http://127.0.0.1:{ports['rest_port']}"
    pipe = ",".join(f"{k}:{n}" for k, n in sizes.pipe)
    common = ["--ws", ws, "--rest", rest, "--seq", str(sizes.seq), "--warmup",
              str(sizes.warmup), "--pipe", pipe]  # fmt: skip
    py = str(PEERS / "venv" / "bin" / "python")
    cmd = {
        NODE_PEER: ["node", str(NODE_BENCH), *common],
        "ccxt": [py, str(BENCH / "peers" / "ccxt_bench.py"), *common],
        "python-okx": [py, str(BENCH / "peers" / "pyokx_bench.py"), *common],
    }[name]
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=600, env=_peer_env(),
            preexec_fn=lambda: pin(CLIENT_CPU),
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"  peer {name}: {exc}", file=sys.stderr)
        return None
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        print(f"  peer {name} failed ({out.returncode}): {out.stderr[-800:]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(lines[-1])
    return result


class NodeBursts:
    """The Node SDK in its own process (pinned to the client CPU, connected and warmed up),
    running one burst each time :meth:`burst` asks (``okx_api_bench.mjs --serve``), so that
    its bursts can alternate with those of the contenders in this process."""

    #: Seconds any one answer of the Node process may take (a burst is well under one).
    DEADLINE: Final = 60.0

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, ports: Mapping[str, Any], warmup: int) -> NodeBursts:
        ws = f"ws://127.0.0.1:{ports['ws_port']}/ws/v5"
        proc = await asyncio.create_subprocess_exec(
            "node", str(NODE_BENCH), "--serve", "--ws", ws, "--warmup", str(warmup),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=_peer_env(),
            preexec_fn=lambda: pin(CLIENT_CPU),
        )  # fmt: skip
        node = cls(proc)
        try:
            await node._answer()  # {"ready": true}: connected, logged in, warmed up
        except BaseException:
            await node.close()
            raise
        return node

    async def _answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        async with asyncio.timeout(self.DEADLINE):
            line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the Node SDK's bench process ended ({await self.proc.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def burst(self, inflight: int, n: int, seq: int) -> tuple[float, list[int]]:
        """``n`` orders ``inflight`` in flight, then ``seq`` sequential: (orders/s, latencies
        of the sequential ones in ns)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(
            json.dumps({"inflight": inflight, "n": n, "seq": seq}).encode() + b"\n"
        )
        answer = await self._answer()
        return answer["rps"], [int(us * 1e3) for us in answer["lat_us"]]

    async def close(self) -> None:
        if self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write(b'{"quit": true}\n')
            try:
                async with asyncio.timeout(10):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
