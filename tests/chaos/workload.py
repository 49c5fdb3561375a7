"""The chaos run: many callers trading through a hostile network against the simulator, and
the invariants checked against the simulator's own record of what it received and executed.

A run has three parts:

1. **chaos**: ``callers`` tasks place, amend and cancel orders (and place and cancel pairs in
   batches) through a :class:`~.proxy.FaultProxy`, while a driver arms one of the
   simulator's fault switches every ``server_fault_every`` calls (drops before or after
   executing, silent ops, 64008 notices, dropped connections, rejections, slow replies,
   partial batches);
2. **recovery**: the faults stop; once one call has succeeded every further call must;
3. **checks** (:class:`Ledger`): every call ended within its deadline plus ``margin``; only
   ``OkxError`` escaped; nothing reached the server twice; every success was executed; no
   error that says "outcome known" was executed; memory stayed flat.

:func:`close_at_any_moment` then closes clients at seeded moments, mid-handshake included,
and checks that nothing is left running or open.

For every unknown outcome the ledger knows whether the simulator executed it
(:meth:`Ledger.unknown_outcomes`): :func:`check_resolutions` then asks ``resolve()`` about
each one (a client straight to the simulator, once the faults have stopped) and checks that it
agrees with the simulator's record, item by item.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import gc
import logging
import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from okxws import OkxApiError, OkxError, OkxPartialBatchError, WebsocketAPIClient
from okxws.protocol.messages import AmendOrderRequest, CancelOrderRequest, PlaceOrderRequest
from okxws.protocol.ops import OPS
from okxws.simulator import Simulator

from ..open_sockets import tcp_connections_to
from .proxy import Fault, FaultProxy, FaultRates

__all__ = [
    "ChaosConfig",
    "ChaosReport",
    "Ledger",
    "Outcome",
    "close_at_any_moment",
    "run_chaos",
]

BTC_USDT: Final = 100001
INST_ID: Final = "BTC-USDT"
#: Client timings: a dead link is noticed within ping_interval + pong_timeout.
CLIENT_OPTIONS: Final[dict[str, Any]] = {
    "ping_interval": 1.0,
    "pong_timeout": 0.5,
    "reconnect_timeout": 0.05,
    "max_reconnect_delay": 0.4,
    "connect_timeout": 1.5,
    "attach_event_listeners": False,
}
#: How many connections the simulator keeps in the record ``received_ops()`` reads.
SIMULATOR_HISTORY: Final = 1000
#: Where the client's own allocations are made (the memory check looks only at these).
CLIENT_CODE: Final = ("/okxws/net/", "/okxws/api/")


@dataclass(frozen=True, slots=True)
class ChaosConfig:
    """One chaos run; the defaults are the short, seeded CI run."""

    seed: int = 1
    calls: int = 900
    callers: int = 16
    request_timeout: float = 1.0
    #: How far past its deadline a call may end (a loaded 2-core machine).
    margin: float = 1.0
    server_fault_every: int = 20
    recovery_calls: int = 60
    #: How long the client may take to recover once the faults stop.
    recovery_window: float = 15.0
    rates: FaultRates = field(default_factory=FaultRates)
    track_memory: bool = True
    #: Also measure at each quarter of the chaos part (a trend for the soak; each takes a
    #: pause of the event loop that grows with the heap).
    memory_trend: bool = False
    #: Allowed growth of the client's own allocations between warm-up and the end.
    max_memory_growth: int = 64 * 1024
    close_rounds: int = 20
    #: At most this many unknown-outcome calls are resolved afterwards (all of them in the
    #: short run; REST's lookup budget paces the soak's).
    max_resolves: int = 2_000


class Outcome(enum.Enum):
    OK = "succeeded"
    REJECTED = "rejected (outcome known)"
    PARTIAL = "partial batch (outcome known per item)"
    NOT_SENT = "not sent (outcome known)"
    UNKNOWN = "outcome unknown"
    FOREIGN = "not an OkxError"


@dataclass(slots=True)
class Item:
    """One order a request names: its clOrdId, and for an amend its reqId and new price."""

    cl_ord_id: str
    req_id: str | None = None
    new_px: str | None = None


@dataclass(slots=True)
class Call:
    """One public-method call and how it ended."""

    op: str
    items: list[Item]
    timeout: float
    phase: str
    started: float
    ended: float = 0.0
    outcome: Outcome | None = None
    request_id: str | None = None
    #: What the call raised, if anything (as text: see :func:`_own`).
    error: str = ""
    #: The request as sent, from the error (what a later ``resolve()`` will be given).
    request: dict[str, Any] | None = None
    #: The clOrdIds a partial batch placed.
    succeeded: frozenset[str] = frozenset()


class Progress:
    """Calls finished so far; tasks wait for a count without polling."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    def add(self) -> None:
        self.count += 1
        self._changed.set()

    async def reached(self, count: int) -> None:
        while self.count < count:
            self._changed.clear()
            await self._changed.wait()


def _own(value: Any) -> Any:
    """A deep copy made here: what the ledger keeps must not count as memory the client keeps
    (tracemalloc charges an object to the code that allocated it). Strings are copied too."""
    if isinstance(value, str):
        return value.encode().decode()
    if isinstance(value, dict):
        return {_own(k): _own(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_own(v) for v in value]
    return value


class Ledger:
    """Every call of a run, checked against what the simulator received and executed."""

    def __init__(self, sim: Simulator, margin: float) -> None:
        self.sim = sim
        self.margin = margin
        self.calls: list[Call] = []
        self.progress = Progress()
        #: When the test itself held the event loop (memory checkpoints), as (start, end).
        self.pauses: list[tuple[float, float]] = []

    def overrun(self, call: Call) -> float:
        """How far past its deadline ``call`` ended, not counting the test's own pauses."""
        paused = sum(max(0.0, min(end, call.ended) - max(start, call.started))
                     for start, end in self.pauses)  # fmt: skip
        return call.ended - call.started - paused - call.timeout

    async def call(
        self, op: str, items: list[Item], timeout: float, phase: str, send: Awaitable[Any]
    ) -> Call:
        """Await ``send`` (one public method call) and record how it ended."""
        record = Call(op, items, timeout, phase, time.monotonic())
        self.calls.append(record)
        try:
            response = await send
        except asyncio.CancelledError:
            raise
        except OkxError as exc:
            record.error = repr(exc)
            record.request = _own(exc.request)
            record.request_id = record.request["id"] if record.request else None
            if isinstance(exc, OkxPartialBatchError):
                record.outcome = Outcome.PARTIAL
                record.succeeded = frozenset(_own(str(d["clOrdId"])) for d in exc.succeeded)
            elif exc.outcome_unknown:
                record.outcome = Outcome.UNKNOWN
            elif isinstance(exc, OkxApiError):
                record.outcome = Outcome.REJECTED
            else:
                record.outcome = Outcome.NOT_SENT
        except BaseException as exc:  # recorded as a violation, never raised
            record.outcome, record.error = Outcome.FOREIGN, repr(exc)
        else:
            record.outcome, record.request_id = Outcome.OK, _own(response["id"])
        finally:
            record.ended = time.monotonic()
            self.progress.add()
        return record

    # -- what the simulator did ------------------------------------------------------------

    def _order(self, item: Item) -> dict[str, Any] | None:
        return self.sim.engine.get_order(self.sim.uid, inst_id=INST_ID, cl_ord_id=item.cl_ord_id)

    def executed(self, op: str, item: Item) -> bool:
        """Whether the simulator executed ``op`` for ``item`` (from its order book)."""
        order = self._order(item)
        if order is None:
            return False
        if op in ("order", "batch-orders"):
            return True
        if op == "amend-order":
            assert item.new_px is not None
            return order["reqId"] == item.req_id and Decimal(order["px"]) == Decimal(item.new_px)
        return bool(order["state"] == "canceled")  # cancel-order, batch-cancel-orders

    def unknown_outcomes(self) -> Iterator[tuple[Call, Item, bool]]:
        """Every item of every call whose outcome is unknown, and whether it was executed."""
        for call in self.calls:
            if call.outcome is Outcome.UNKNOWN:
                for item in call.items:
                    yield call, item, self.executed(call.op, item)

    # -- the invariants ---------------------------------------------------------------------

    def violations(self) -> list[str]:
        """Every broken invariant, one line each (empty when the run was clean)."""
        found: list[str] = []
        received = [r for r in self.sim.received_ops() if r.op in OPS]
        ids = Counter(r.id for r in received if r.id is not None)
        found += [f"request {rid} reached the server {n} times" for rid, n in ids.items() if n > 1]
        placed = Counter(
            arg.get("clOrdId")
            for r in received
            if r.op in ("order", "batch-orders")
            for arg in r.args
            if isinstance(arg, dict)
        )
        found += [f"order {cl} was placed {n} times" for cl, n in placed.items() if n > 1]
        for call in self.calls:
            what = f"{call.phase} {call.op} {[i.cl_ord_id for i in call.items]}"
            overrun = self.overrun(call)
            if overrun > self.margin:
                found.append(f"{what} outlived its deadline by {overrun:.2f} s")
            if call.outcome is Outcome.FOREIGN:
                found.append(f"{what} raised {call.error}, not an OkxError")
            elif call.outcome is Outcome.OK:
                if call.request_id not in ids:
                    found.append(f"{what} succeeded but the server has no record of it")
                found += [
                    f"{what} succeeded but {i.cl_ord_id} was not executed"
                    for i in call.items
                    if not self.executed(call.op, i)
                ]
            elif call.outcome in (Outcome.REJECTED, Outcome.NOT_SENT, Outcome.PARTIAL):
                for item in call.items:
                    done = self.executed(call.op, item)
                    should = call.outcome is Outcome.PARTIAL and item.cl_ord_id in call.succeeded
                    if done != should:
                        found.append(f"{what} said {call.outcome.value}: {item.cl_ord_id} "
                                     f"executed={done}, {call.error}")  # fmt: skip
        return found

    def outcomes(self) -> Counter[Outcome]:
        return Counter(c.outcome for c in self.calls if c.outcome is not None)


@dataclass(slots=True)
class ChaosReport:
    """What a run did and found (the figures in docs/reliability.md)."""

    seed: int
    calls: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    unknown_items: int = 0
    unknown_executed: int = 0
    unknown_by_op: Counter[str] = field(default_factory=Counter)
    unknown_executed_by_op: Counter[str] = field(default_factory=Counter)
    #: Orders of unknown outcome that resolve() looked up, and how many it got right.
    resolved: int = 0
    resolved_agreeing: int = 0
    network_faults: Counter[Fault] = field(default_factory=Counter)
    server_faults: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    reconnects: int = 0
    max_overrun: float = 0.0
    memory_growth: int | None = None
    #: (calls finished, bytes the client's code holds) at each quarter of the chaos part.
    memory_checkpoints: list[tuple[int, int]] = field(default_factory=list)
    seconds: float = 0.0
    close_rounds: int = 0
    foreign_log_records: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as text, one figure a line."""
        outcomes = ", ".join(f"{o.value}: {n}" for o, n in _by_name(self.outcomes))
        network = ", ".join(f"{f.value} {n}" for f, n in _by_name(self.network_faults))
        server = ", ".join(f"{k} {n}" for k, n in sorted(self.server_faults.items()))
        unknown = ", ".join(
            f"{op} {n} ({self.unknown_executed_by_op[op]} executed)"
            for op, n in sorted(self.unknown_by_op.items())
        )
        memory = "not tracked" if self.memory_growth is None else f"{self.memory_growth} bytes"
        return [
            f"seed {self.seed}: {self.calls} calls in {self.seconds:.1f} s",
            f"outcomes: {outcomes}",
            f"unknown outcomes: {self.unknown_items} orders, {self.unknown_executed} executed "
            f"by the simulator ({unknown})",
            f"resolve() after the run: {self.resolved_agreeing} of {self.resolved} looked-up "
            "orders agree with the simulator's record",
            f"network faults injected: {sum(self.network_faults.values())} ({network})",
            f"server faults armed: {sum(self.server_faults.values())} ({server})",
            f"connections through the proxy: {self.connections}; reconnects: {self.reconnects}",
            f"largest overrun of a deadline: {self.max_overrun:.3f} s",
            f"growth of the client's own memory after warm-up: {memory}",
            "client memory during the run (calls: bytes): "
            + ", ".join(f"{n}: {b}" for n, b in self.memory_checkpoints),
            f"close() at a random moment: {self.close_rounds} rounds",
            f"log records outside the okxws tree: {len(self.foreign_log_records)}",
            f"violations: {len(self.violations)}",
            *(f"  {v}" for v in self.violations[:50]),
        ]


def _by_name(counts: Counter[Any]) -> list[tuple[Any, int]]:
    return sorted(counts.items(), key=lambda kv: str(kv[0].value))


# --------------------------------------------------------------------------------- callers


def order(cl_ord_id: str, px: str) -> PlaceOrderRequest:
    """A limit buy far below the market (it rests): the simulator never fills it."""
    return {"instIdCode": BTC_USDT, "tdMode": "cash", "side": "buy", "ordType": "limit",
            "sz": "0.001", "px": px, "clOrdId": cl_ord_id}  # fmt: skip


def cancel(cl_ord_id: str) -> CancelOrderRequest:
    return {"instIdCode": BTC_USDT, "clOrdId": cl_ord_id}


class Budget:
    """The number of calls the callers may still start."""

    def __init__(self, calls: int) -> None:
        self.left = calls

    def take(self, n: int = 1) -> bool:
        if self.left < n:
            return False
        self.left -= n
        return True


async def trade(
    client: WebsocketAPIClient,
    ledger: Ledger,
    budget: Budget,
    rng: random.Random,
    name: str,
    timeout: float,
    phase: str,
) -> None:
    """One caller: order lifecycles (place, amend, cancel; or a batch pair) until the budget
    runs out. Every step goes ahead whatever the last one said, as a trader's would."""
    n = 0
    while budget.take(3):
        n += 1
        cl = f"{name}n{n}"
        px = str(40_000 + rng.randrange(5_000))
        if rng.random() < 0.2:
            pair = [Item(cl + "a"), Item(cl + "b")]
            places = [order(i.cl_ord_id, px) for i in pair]
            send: Awaitable[Any] = client.submit_multiple_orders(places, timeout=timeout)
            await ledger.call("batch-orders", pair, timeout, phase, send)
            cancels = [cancel(i.cl_ord_id) for i in pair]
            send = client.cancel_multiple_orders(cancels, timeout=timeout)
            await ledger.call("batch-cancel-orders", pair, timeout, phase, send)
            continue
        send = client.submit_new_order(order(cl, px), timeout=timeout)
        await ledger.call("order", [Item(cl)], timeout, phase, send)
        new_px, req_id = str(int(px) - 1 - rng.randrange(100)), f"{cl}r"
        amend: AmendOrderRequest = {"instIdCode": BTC_USDT, "clOrdId": cl, "newPx": new_px,
                                    "reqId": req_id}  # fmt: skip
        send = client.amend_order(amend, timeout=timeout)
        await ledger.call("amend-order", [Item(cl, req_id, new_px)], timeout, phase, send)
        send = client.cancel_order(cancel(cl), timeout=timeout)
        await ledger.call("cancel-order", [Item(cl)], timeout, phase, send)


# ---------------------------------------------------------------------- server-side faults

_TRADING_OPS: Final = ("order", "amend-order", "cancel-order", "batch-orders")


async def arm_server_fault(sim: Simulator, rng: random.Random, timeout: float) -> str:
    """Arm one of the simulator's fault switches (or act now); returns what it was."""
    faults = sim.faults
    faults.reply_delay = 0.0  # a slow-reply spell lasts until the next fault
    op = rng.choice(_TRADING_OPS)
    kind = rng.choice(
        ["drop executed", "drop not executed", "silent op", "notice 64008", "drop connections",
         "reject", "rate limit", "illegal request", "slow replies", "partial batch"]
    )  # fmt: skip
    if kind == "drop executed" or kind == "drop not executed":
        faults.drop_on_op(op, abrupt=rng.random() < 0.5, execute=kind == "drop executed")
    elif kind == "silent op":
        faults.withhold_replies(op, times=1)
    elif kind == "notice 64008":
        await sim.broadcast_notice("private")
    elif kind == "drop connections":
        await sim.drop_connections("private", abrupt=rng.random() < 0.5)
    elif kind == "reject":
        faults.reject_next_op("60013", op)
    elif kind == "rate limit":
        faults.rate_limit_next(1, op)
    elif kind == "illegal request":
        faults.illegal_request_next_op(op)
    elif kind == "slow replies":
        faults.reply_delay = rng.uniform(0.05, 1.5 * timeout)
        faults.reply_delay_op = op
    else:
        faults.fail_batch_items({1: "51008"}, op="batch-orders")
    return kind


async def drive_server_faults(
    sim: Simulator, progress: Progress, config: ChaosConfig, counts: Counter[str]
) -> None:
    rng = random.Random(config.seed * 7919)
    due = 0
    while True:
        due += config.server_fault_every
        await progress.reached(due)
        counts[await arm_server_fault(sim, rng, config.request_timeout)] += 1


# --------------------------------------------------------------------------------- helpers


class ForeignRecords(logging.Handler):
    """Collects log records (WARNING and up) from loggers outside the ``okxws`` tree that the
    client's transport would feed: picows, aiofastnet, asyncio."""

    WATCHED: Final = ("picows", "aiofastnet", "asyncio")

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in self.WATCHED:
            self.records.append(f"{record.name}: {record.getMessage()}")


@contextlib.contextmanager
def foreign_records() -> Iterator[ForeignRecords]:
    handler = ForeignRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def client_memory() -> int:
    """Bytes of the live objects that the client's own code allocated (tracemalloc).

    Live means reachable from an object the collector tracks: the blocks that CPython's free
    lists keep (tuples, dicts, frames...) still carry the trace of the line that first
    allocated them, so a plain tracemalloc total would count memory that nobody holds.
    """
    gc.collect()
    tracked = gc.get_objects()
    seen: set[int] = set()
    size = 0
    for holder in tracked:
        for obj in (holder, *gc.get_referents(holder)):
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            trace = tracemalloc.get_object_traceback(obj)
            if trace is not None and any(part in trace[0].filename for part in CLIENT_CODE):
                size += sys.getsizeof(obj)
    return size


def client_tasks() -> list[asyncio.Task[Any]]:
    """Tasks still running that belong to a client (its supervisors, picows's ping loops)."""
    found = []
    for task in asyncio.all_tasks():
        if task.done():
            continue
        coro = task.get_coro()
        code = getattr(coro, "cr_code", None)
        where = code.co_filename if code is not None else repr(coro)
        if task.get_name().startswith("okxws ") or any(
            part in where for part in (*CLIENT_CODE, "picows", "WSProtocol")
        ):
            found.append(task)
    return found


def make_client(proxy: FaultProxy, sim: Simulator, timeout: float) -> WebsocketAPIClient:
    return WebsocketAPIClient(accounts=[sim.credentials], ws_base_url=proxy.url,
                              rest_base_url=sim.rest_base_url, request_timeout=timeout,
                              **CLIENT_OPTIONS)  # fmt: skip


async def close_checked(
    client: WebsocketAPIClient,
    proxy: FaultProxy,
    found: list[str],
    callers: Iterable[asyncio.Future[Any]] = (),
) -> None:
    """Close ``client``; it must raise nothing and leave no task and no socket behind
    (``callers``: the test's own tasks, which may still be finishing their last call)."""
    try:
        await client.close()
    except BaseException as exc:  # what close() raises is the finding
        found.append(f"close() raised {exc!r}")
    tasks = [t for t in client_tasks() if t not in set(callers)]
    if tasks:
        found.append(f"close() left tasks running: {tasks}")
    sockets = tcp_connections_to(proxy.port)
    if sockets:
        found.append(f"close() left {sockets} sockets open")


# ------------------------------------------------------------------------------------- runs


async def run_chaos(sim: Simulator, config: ChaosConfig) -> ChaosReport:
    """The chaos run (see the module docstring); returns its report, violations included."""
    started = time.monotonic()
    report = ChaosReport(config.seed)
    sim.engine.create_account(sim.uid, {"USDT": "1000000000000", "BTC": "1000"})
    ledger = Ledger(sim, config.margin)
    tracking = config.track_memory and not tracemalloc.is_tracing()
    if tracking:
        tracemalloc.start()
    try:
        async with FaultProxy(sim.port, seed=config.seed, rates=config.rates) as proxy:
            with foreign_records() as foreign:
                await _chaos_and_recovery(sim, proxy, ledger, config, report)
                await close_at_any_moment(sim, proxy, ledger, config, report.violations)
            report.foreign_log_records = foreign.records
            report.network_faults = proxy.injected
            report.connections = proxy.connections
    finally:
        if tracking:
            tracemalloc.stop()
    report.close_rounds = config.close_rounds
    report.calls = len(ledger.calls)
    report.outcomes = ledger.outcomes()
    for call, _, executed in ledger.unknown_outcomes():
        report.unknown_items += 1
        report.unknown_by_op[call.op] += 1
        if executed:
            report.unknown_executed += 1
            report.unknown_executed_by_op[call.op] += 1
    await check_resolutions(sim, ledger, config, report)
    report.max_overrun = max((ledger.overrun(c) for c in ledger.calls), default=0.0)
    report.violations[:0] = ledger.violations()
    if report.connections >= SIMULATOR_HISTORY:
        incomplete = f"the simulator remembers {SIMULATOR_HISTORY}: its record is incomplete"
        report.violations.insert(0, f"{report.connections} connections; {incomplete}")
    report.violations += [f"logged outside okxws: {r}" for r in report.foreign_log_records]
    if report.memory_growth is not None and report.memory_growth > config.max_memory_growth:
        report.violations.append(f"the client's memory grew by {report.memory_growth} bytes")
    report.seconds = time.monotonic() - started
    return report


async def check_resolutions(
    sim: Simulator, ledger: Ledger, config: ChaosConfig, report: ChaosReport
) -> None:
    """``resolve()`` every unknown outcome (up to ``config.max_resolves`` calls): each order's
    ``executed`` must be what the simulator's record says."""
    calls = [c for c in ledger.calls if c.outcome is Outcome.UNKNOWN and c.request is not None]
    client = WebsocketAPIClient(accounts=[sim.credentials], ws_base_url=sim.ws_base_url,
                                rest_base_url=sim.rest_base_url, **CLIENT_OPTIONS)  # fmt: skip
    lookups_at_once = asyncio.Semaphore(8)

    async def check(call: Call) -> None:
        what = f"resolve() of {call.phase} {call.op} {[i.cl_ord_id for i in call.items]}"
        async with lookups_at_once:
            try:
                # grace 0: the faults have stopped, whatever the simulator executes has been
                lookups = await client.resolve(call.request, grace=0.0, timeout=60.0)
            except OkxError as exc:
                report.violations.append(f"{what} raised {exc!r}")
                return
        if len(lookups) != len(call.items):
            report.violations.append(f"{what}: {len(lookups)} answers")
            return
        for item, lookup in zip(call.items, lookups, strict=True):
            report.resolved += 1
            truth = ledger.executed(call.op, item)
            if lookup.executed is truth:
                report.resolved_agreeing += 1
            else:
                report.violations.append(
                    f"{what}: {item.cl_ord_id} executed={lookup.executed}, the simulator: {truth}"
                )

    try:
        await asyncio.gather(*(check(c) for c in calls[: config.max_resolves]))
    finally:
        await client.close()


async def trade_all(
    client: WebsocketAPIClient,
    ledger: Ledger,
    rngs: list[random.Random],
    calls: int,
    timeout: float,
    phase: str,
) -> None:
    """Every caller trades until ``calls`` calls have been started."""
    budget = Budget(calls)
    async with asyncio.TaskGroup() as group:
        for i, rng in enumerate(rngs):
            group.create_task(trade(client, ledger, budget, rng, f"{phase[0]}{i}", timeout, phase))


async def _chaos_and_recovery(
    sim: Simulator,
    proxy: FaultProxy,
    ledger: Ledger,
    config: ChaosConfig,
    report: ChaosReport,
) -> None:
    client = make_client(proxy, sim, config.request_timeout)
    reconnects = 0

    def count_reconnect(_payload: dict[str, Any]) -> None:
        nonlocal reconnects
        reconnects += 1

    client.get_ws_client().on("reconnect", count_reconnect)
    rngs = [random.Random(config.seed * 1000 + i) for i in range(config.callers)]
    timeout = config.request_timeout
    # Warm-up without faults: memory is measured from the client's steady state on.
    proxy.faults_on = False
    await trade_all(client, ledger, rngs, max(config.calls // 10, 3), timeout, "warm-up")
    baseline = client_memory() if config.track_memory else None
    proxy.faults_on = True
    helpers = [drive_server_faults(sim, ledger.progress, config, report.server_faults)]
    if baseline is not None and config.memory_trend:
        helpers.append(_memory_checkpoints(ledger, config.calls, report))
    running = [asyncio.ensure_future(helper) for helper in helpers]
    try:
        await trade_all(client, ledger, rngs, config.calls, timeout, "chaos")
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    # Recovery: no more faults; once one call has succeeded, every call must.
    proxy.faults_on = False
    sim.faults.clear()
    if await _first_success(client, ledger, config):
        first = len(ledger.calls)
        await trade_all(client, ledger, rngs, config.recovery_calls, timeout, "recovery")
        report.violations += [
            f"after recovery, {c.op} {[i.cl_ord_id for i in c.items]}: {c.outcome}, {c.error}"
            for c in ledger.calls[first:]
            if c.outcome is not Outcome.OK
        ]
    else:
        report.violations.append(
            f"no call succeeded within {config.recovery_window} s of the faults stopping"
        )
    if baseline is not None:
        end = client_memory()
        report.memory_checkpoints[:0] = [(0, baseline)]
        report.memory_checkpoints.append((ledger.progress.count, end))
        report.memory_growth = end - baseline
    report.reconnects = reconnects
    await close_checked(client, proxy, report.violations)
    proxy.faults_on = True


async def _memory_checkpoints(ledger: Ledger, calls: int, report: ChaosReport) -> None:
    """Measure at each quarter of the chaos part (with calls in flight: a trend, no more)."""
    start = ledger.progress.count
    for quarter in (1, 2, 3):
        await ledger.progress.reached(start + calls * quarter // 4)
        paused = time.monotonic()
        report.memory_checkpoints.append((ledger.progress.count, client_memory()))
        ledger.pauses.append((paused, time.monotonic()))


async def _first_success(client: WebsocketAPIClient, ledger: Ledger, config: ChaosConfig) -> bool:
    deadline = time.monotonic() + config.recovery_window
    timeout = config.request_timeout
    n = 0
    while time.monotonic() < deadline:
        n += 1
        cl = f"settle{n}"
        send = client.submit_new_order(order(cl, "40000"), timeout=timeout)
        if (await ledger.call("order", [Item(cl)], timeout, "settle", send)).outcome is Outcome.OK:
            return True
    return False


async def close_at_any_moment(
    sim: Simulator, proxy: FaultProxy, ledger: Ledger, config: ChaosConfig, found: list[str]
) -> None:
    """Close a trading client the moment a seeded number of bytes has crossed the proxy, with
    the proxy's faults on: before, during and after its handshake and login, with calls in
    flight. ``close()`` must raise nothing and leave no task and no socket; the calls go into
    ``ledger`` like any other (so they must end with their result or an ``OkxError``)."""
    rng = random.Random(config.seed * 104729)
    for round_ in range(config.close_rounds):
        client = make_client(proxy, sim, config.request_timeout)
        # Most rounds close within the first kilobyte or so: handshake, login, first orders.
        threshold = rng.randrange(0, 1200) if rng.random() < 0.6 else rng.randrange(0, 30_000)
        moment = proxy.after_bytes(threshold)
        budget = Budget(10**9)
        rngs = [random.Random(round_ * 31 + i) for i in range(4)]
        callers = [
            asyncio.ensure_future(trade(client, ledger, budget, r, f"z{round_}x{i}",
                                        config.request_timeout, "close"))
            for i, r in enumerate(rngs)
        ]  # fmt: skip
        warmup = asyncio.ensure_future(client.connect_ws_api())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10.0):
                await moment.wait()
        budget.left = 0  # the callers stop after the call they are in
        await close_checked(client, proxy, found, [warmup, *callers])
        ends = await asyncio.gather(warmup, *callers, return_exceptions=True)
        found += [
            f"close round {round_}: {end!r} is not an OkxError"
            for end in ends
            if isinstance(end, BaseException) and not isinstance(end, OkxError)
        ]
