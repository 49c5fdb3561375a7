"""``okxws demo``: a trader's session, end to end, against the embedded simulator (or OKX).

Connect and log in; place, amend and cancel a resting order; a batch with one deliberate
failure; batch amend and cancel; mass cancel; a spread order placed, amended, cancelled and
mass-cancelled; ``orders`` pushes printed as they arrive; on the embedded simulator a forced
disconnect and the automatic recovery; then a summary table with each round trip in
microseconds, and the client's health figures (``client.stats()``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rich.table import Table

from .. import OkxApiError, OkxError, OkxPartialBatchError, WebsocketAPIClient
from ..net.streams import PushStream
from . import target
from .common import say
from .tables import new_table, show, stats_tables

SPOT = "BTC-USDT"
OPTION_FAMILY = "BTC-USD"
OPTION = "BTC-USD-261225-100000-C"
SPREAD = "BTC-USDT_BTC-USDT-SWAP"


@dataclass
class Row:
    operation: str
    outcome: str
    micros: int | None


class Demo:
    """Runs the walk-through and collects one summary row per operation."""

    def __init__(self, client: WebsocketAPIClient, out: Callable[[str], None]) -> None:
        self.client = client
        self.out = out
        self.rows: list[Row] = []

    async def step(self, name: str, call: Callable[[], Awaitable[Any]]) -> Any:
        started = time.perf_counter_ns()
        try:
            result = await call()
        except OkxPartialBatchError as exc:
            micros = (time.perf_counter_ns() - started) // 1000
            failed = ", ".join(f"{d.get('sCode')} {d.get('sMsg')}" for d in exc.failed)
            self._record(name, f"partial: {len(exc.succeeded)} ok, {len(exc.failed)} failed "
                               f"({failed})", micros)  # fmt: skip
            return exc.response
        except OkxApiError as exc:
            micros = (time.perf_counter_ns() - started) // 1000
            self._record(name, f"rejected: {exc}", micros)
            return None
        except OkxError as exc:
            self._record(name, f"error: {exc}", None)
            return None
        micros = (time.perf_counter_ns() - started) // 1000
        self._record(name, _describe(result), micros)
        return result

    def _record(self, name: str, outcome: str, micros: int | None) -> None:
        self.rows.append(Row(name, outcome, micros))
        timing = f"{micros:>8,} us" if micros is not None else " " * 11
        self.out(f"  {timing}  {name}: {outcome}")

    def table(self) -> Table:
        table = new_table("operation", "outcome", "> round trip (us)", title="summary")
        for r in self.rows:
            table.add_row(r.operation, r.outcome, f"{r.micros:,}" if r.micros is not None else "-")
        return table


def _describe(result: Any) -> str:
    if not isinstance(result, dict) or "data" not in result:
        return "ok"
    parts = []
    for item in result.get("data") or []:
        if "result" in item:
            parts.append(f"result={item['result']}")
        else:
            ident = item.get("ordId") or item.get("clOrdId") or ""
            parts.append(f"ordId {ident} sCode {item.get('sCode')}")
    return "ok: " + "; ".join(parts)


async def _print_pushes(stream: PushStream, out: Callable[[str], None]) -> None:
    async for push in stream:
        for order in push.get("data", []):
            ident = order.get("instId") or order.get("sprdId")
            out(f"    push {push['arg']['channel']}: {ident} {order.get('side')} "
                f"{order.get('sz')}@{order.get('px')} ordId {order.get('ordId')} -> "
                f"{order.get('state')}")  # fmt: skip


async def _reference_price(client: WebsocketAPIClient) -> Decimal:
    """The last BTC-USDT price, from the public tickers channel's first push."""
    ws = client.get_ws_client()
    async with ws.stream(["tickers"]) as stream:
        await ws.subscribe({"channel": "tickers", "instId": SPOT})
        async with asyncio.timeout(10):
            push = await anext(stream)
        await ws.unsubscribe({"channel": "tickers", "instId": SPOT})
    return Decimal(push["data"][0]["last"])


async def walk_through(
    client: WebsocketAPIClient,
    out: Callable[[str], None],
    drop_connections: Callable[[], Awaitable[object]] | None,
) -> Demo:
    """The trader's session; ``drop_connections`` forces a disconnect (simulator only)."""
    demo = Demo(client, out)
    ws = client.get_ws_client()
    recovered: set[str] = set()
    trading_ready = asyncio.Event()

    def on_reconnected(payload: dict[str, Any]) -> None:
        out(f"    event reconnected: {payload['connection']}")
        recovered.add(payload["connection"])
        if {"private", "business"} <= recovered:
            trading_ready.set()

    ws.on("reconnect", lambda p: out(f"    event reconnect: {p['connection']} ({p['reason']})"))
    ws.on("reconnected", on_reconnected)

    out("connect and log in (private + business)")
    await demo.step("connect_ws_api", client.connect_ws_api)
    stream = ws.stream(["orders", "sprd-orders"])
    printer = asyncio.create_task(_print_pushes(stream, out), name="okxws demo pushes")
    try:
        await demo.step(
            "subscribe orders + sprd-orders",
            lambda: ws.subscribe([{"channel": "orders", "instType": "ANY"},
                                  {"channel": "sprd-orders"}]),
        )  # fmt: skip
        last = await _reference_price(client)
        px = str((last * Decimal("0.6")).quantize(Decimal("0.1")))
        out(f"BTC-USDT last {last}; resting bids at {px}")

        def buy(**extra: Any) -> Any:
            return {"instId": SPOT, "tdMode": "cash", "side": "buy", "ordType": "limit",
                    "sz": "0.0001", "px": px, **extra}  # fmt: skip

        out("single order: place, amend, cancel")
        placed = await demo.step(
            "submit_new_order (first: instIdCode lookup)", lambda: client.submit_new_order(buy())
        )
        if placed:
            ord_id = placed["data"][0]["ordId"]
            await demo.step("amend_order", lambda: client.amend_order(
                {"instId": SPOT, "ordId": ord_id, "newSz": "0.0002"}))  # fmt: skip
            await demo.step("cancel_order", lambda: client.cancel_order(
                {"instId": SPOT, "ordId": ord_id}))  # fmt: skip

        out("batch: three orders, one deliberately too large for the balance")
        batch = await demo.step("submit_multiple_orders", lambda: client.submit_multiple_orders(
            [buy(), buy(), buy(sz="1000000")]))  # fmt: skip
        ids = [d["ordId"] for d in (batch or {}).get("data", []) if d.get("sCode") == "0"]
        if ids:
            await demo.step("amend_multiple_orders", lambda: client.amend_multiple_orders(
                [{"instId": SPOT, "ordId": i, "newSz": "0.0003"} for i in ids]))  # fmt: skip
            await demo.step("cancel_multiple_orders", lambda: client.cancel_multiple_orders(
                [{"instId": SPOT, "ordId": i} for i in ids]))  # fmt: skip

        out("mass cancel: an option order, then cancel the family's MMP orders")
        await demo.step("submit_new_order (option)", lambda: client.submit_new_order(
            {"instId": OPTION, "tdMode": "isolated", "side": "buy", "ordType": "limit",
             "sz": "1", "px": "0.0005"}))  # fmt: skip
        await demo.step("mass_cancel_orders", lambda: client.mass_cancel_orders(
            {"instType": "OPTION", "instFamily": OPTION_FAMILY}))  # fmt: skip

        out("spread order: place, amend, cancel, mass cancel")
        spread_bid: Any = {"sprdId": SPREAD, "side": "buy", "ordType": "limit", "sz": "0.001",
                           "px": "1"}  # fmt: skip
        sprd = await demo.step(
            "submit_spread_order", lambda: client.submit_spread_order(spread_bid)
        )
        if sprd:
            sprd_id = sprd["data"][0]["ordId"]
            await demo.step("amend_spread_order", lambda: client.amend_spread_order(
                {"ordId": sprd_id, "newPx": "2"}))  # fmt: skip
            await demo.step("cancel_spread_order", lambda: client.cancel_spread_order(
                {"ordId": sprd_id}))  # fmt: skip
        await demo.step("submit_spread_order", lambda: client.submit_spread_order(spread_bid))
        await demo.step("mass_cancel_spread_orders",
                        lambda: client.mass_cancel_spread_orders({"sprdId": SPREAD}))  # fmt: skip

        if drop_connections is not None:
            out("forced disconnect: the simulator drops every connection")
            recovered.clear()
            trading_ready.clear()
            await drop_connections()

            async def recover() -> None:
                async with asyncio.timeout(10):
                    await trading_ready.wait()

            await demo.step("automatic reconnect + login", recover)
            again = await demo.step("submit_new_order (after recovery)",
                                    lambda: client.submit_new_order(buy()))  # fmt: skip
            if again:
                await demo.step("cancel_order (after recovery)", lambda: client.cancel_order(
                    {"instId": SPOT, "ordId": again["data"][0]["ordId"]}))  # fmt: skip
        # Let the last pushes print before the table.
        await asyncio.sleep(0.05)
    finally:
        stream.close()
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
    return demo


async def run(args: argparse.Namespace) -> int:
    """Entry point of ``okxws demo``."""
    async with target.connect(args) as connected:
        say(f"okxws demo against {connected.target.describe()}")
        sim = connected.sim
        drop = (lambda: sim.drop_connections()) if sim is not None else None
        demo = await walk_through(connected.client, say, drop)
        stats = connected.client.stats()
    say("")
    show(demo.table(), *stats_tables(stats))
    return 0
