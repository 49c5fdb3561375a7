"""``okxws status``: a health check for cron or a container probe; exit 1 when unhealthy.

Checks, each with a deadline of ``--timeout`` seconds, run at once:

- each connection (public; private and business when there is an API key): connect (and log
  in), then one subscribe round trip (public: ``tickers`` of ``--inst-id``, whose first push
  must arrive too; private: ``orders``; business: ``sprd-orders``), then unsubscribe. That is
  2 of the 480 subscribe requests OKX allows per connection and hour;
- REST: OKX's server time (``sync_time()``): the round trip and the clock offset, which must
  be within ``--max-offset-ms``;
- OKX's order budget for the account (``GET /api/v5/trade/account-rate-limit``) where the
  server offers it, and the client-side budgets this process has spent (``stats()``).

``--max-rtt-ms`` also fails any round trip slower than that.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from rich.console import RenderableType
from rich.table import Table

from ..api.client import WebsocketAPIClient
from ..protocol.endpoints import ConnKind
from ..protocol.exceptions import OkxError, OkxHttpError
from ..protocol.messages import ChannelArg
from . import target
from .common import say
from .tables import fmt_ms, new_table, show

__all__ = ["Check", "run"]

#: The channel each connection's subscribe round trip uses (private ones need the login).
_PROBES: Final[dict[ConnKind, ChannelArg]] = {
    "private": {"channel": "orders", "instType": "ANY"},
    "business": {"channel": "sprd-orders"},
}


@dataclass(slots=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool = False
    detail: str = ""
    connect_ms: float | None = None
    round_trip_ms: float | None = None


#: Runs one check, filling in its :class:`Check`.
Probe = Callable[["Check"], Awaitable[None]]


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def run(args: argparse.Namespace) -> int:
    """Run every check; print the report; 0 when all passed, else 1."""
    async with target.connect(args, needs_account=False, sync_clock=False) as connected:
        client = connected.client
        ws = client.get_ws_client()
        kinds: list[ConnKind] = ["public", "private", "business"] if ws.has_accounts else ["public"]
        probes: dict[str, Probe] = {
            ws.connection(kind).name: _connection_probe(client, kind, args) for kind in kinds
        }
        probes["rest"] = lambda check: _clock(client, check, args.max_offset_ms)
        if ws.has_accounts:
            probes["rate-limit"] = lambda check: _account_rate_limit(client, check, args.timeout)
        checks = {name: Check(name) for name in probes}
        await asyncio.gather(*(_guard(probe, checks[name]) for name, probe in probes.items()))
        budgets = client.stats()["rate_limits"]
    if args.max_rtt_ms is not None:
        for check in checks.values():
            rtt = check.round_trip_ms
            if check.ok and rtt is not None and rtt > args.max_rtt_ms:
                check.ok = False
                check.detail += f"; slower than --max-rtt-ms {args.max_rtt_ms:g}"
    failed = [c.name for c in checks.values() if not c.ok]
    verdict = f"UNHEALTHY: {', '.join(failed)}" if failed else "healthy"
    show(_report(list(checks.values()), connected.target.describe()), _budgets(budgets))
    say(verdict)
    return 1 if failed else 0


async def _guard(probe: Probe, check: Check) -> None:
    """Run one probe; an error fails that check only."""
    try:
        await probe(check)
    except OkxError as exc:
        check.ok = False
        check.detail = f"{type(exc).__name__}: {exc}"


def _connection_probe(
    client: WebsocketAPIClient, kind: ConnKind, args: argparse.Namespace
) -> Probe:
    async def probe(check: Check) -> None:
        ws = client.get_ws_client()
        started = time.perf_counter()
        await ws.connection(kind).wait_ready(args.timeout)
        check.connect_ms = _ms_since(started)
        arg = _PROBES.get(kind) or {"channel": "tickers", "instId": args.inst_id}
        subscribed = f"subscribe {' '.join(str(v) for v in arg.values())} answered"
        async with ws.stream([arg["channel"]]) as pushes:
            started = time.perf_counter()
            await ws.subscribe(arg, timeout=args.timeout)
            check.round_trip_ms = _ms_since(started)
            if kind == "public":
                try:
                    async with asyncio.timeout(args.timeout):
                        await anext(pushes)
                except TimeoutError:
                    check.detail = f"{subscribed}, but no push within {args.timeout:g} s"
                    return
                subscribed += ", first push arrived"
        await ws.unsubscribe(arg, timeout=args.timeout)
        check.ok = True
        check.detail = f"{'connected' if kind == 'public' else 'logged in'}; {subscribed}"

    return probe


async def _clock(client: WebsocketAPIClient, check: Check, max_offset_ms: float) -> None:
    started = time.perf_counter()
    offset = await client.sync_time()
    check.round_trip_ms = _ms_since(started)
    check.ok = abs(offset) <= max_offset_ms
    check.detail = f"server time; clock offset {offset:+d} ms"
    if not check.ok:
        check.detail += f", more than --max-offset-ms {max_offset_ms:g}"


async def _account_rate_limit(client: WebsocketAPIClient, check: Check, timeout: float) -> None:
    started = time.perf_counter()
    try:
        [limit] = await client.get_rest_client().get_account_rate_limit(timeout=timeout)
    except OkxHttpError as exc:
        if exc.status != 404:
            raise
        check.ok = True
        check.detail = "not offered by this server (HTTP 404)"
        return
    check.round_trip_ms = _ms_since(started)
    check.ok = True
    check.detail = rate_limit_detail(limit)


def rate_limit_detail(limit: Mapping[str, Any]) -> str:
    """One line of OKX's account rate limit; its ``fillRatio`` is "" below VIP 5.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-account-rate-limit
    """
    fill_ratio = limit.get("fillRatio")
    ratio = f"fill ratio {fill_ratio}" if fill_ratio else "fill ratio not given below VIP 5"
    return (
        f"{limit.get('accRateLimit', '?')} new + amend orders per 2 s ({ratio}; "
        f"next {limit.get('nextAccRateLimit', '?')})"
    )


def _report(checks: list[Check], where: str) -> Table:
    table = new_table(
        "check",
        "status",
        "> connect ms",
        "> round trip ms",
        "detail",
        title=f"okxws status: {where}",
    )
    for c in checks:
        table.add_row(
            c.name,
            "ok" if c.ok else "FAIL",
            fmt_ms(c.connect_ms),
            fmt_ms(c.round_trip_ms),
            c.detail,
        )
    return table


def _budgets(limits: dict[str, Any]) -> RenderableType:
    budgets = limits["budgets"]
    title = f"client-side rate limits (mode {limits['mode']}; {limits['waits']} waits)"
    if not budgets:
        return f"{title}: no budget spent by this process"
    table = new_table("budget", "instrument", "> remaining", "> limit", "> window s", title=title)
    for b in budgets:
        table.add_row(
            b["bucket"],
            b["instrument"] or "-",
            str(b["remaining"]),
            str(b["limit"]),
            f"{b['window_s']:g}",
        )
    return table
