"""``okxws book INST_ID``: a live view of a local order book, redrawn in place.

The book is ``ws.order_book(...)`` (kept in sequence with OKX, resynced after a gap); the view
shows the best levels, the spread, the last ``seqId``, the resyncs and the age of the last
update, redrawn on every change (at most :data:`MAX_FPS` times a second) and once a second
while the book is quiet, so the age keeps counting. On a terminal it redraws in place; into a
pipe it prints the last frame when it stops (``--count 1``: one snapshot).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Final

from rich.console import Group
from rich.live import Live
from rich.text import Text

from ..net.books import OrderBook
from ..net.client import WebsocketClient
from ..protocol.exceptions import OkxApiError
from . import target
from .errors import Failure, UsageError
from .tables import console, new_table, show

__all__ = ["MAX_FPS", "render", "run"]

#: Redraws per second at most: a tick-by-tick book changes far faster than anyone reads.
MAX_FPS: Final = 20
#: A quiet book is redrawn this often (seconds), so that its age is current.
QUIET_REDRAW_S: Final = 1.0


async def run(args: argparse.Namespace) -> int:
    """Show the book until Ctrl-C or ``--count`` redraws."""
    if args.depth < 1:
        raise UsageError("--depth must be at least 1")
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    async with target.connect(args, needs_account=False, moving_market=True) as conn:
        ws = conn.client.get_ws_client()
        where = conn.target.describe()
        try:
            async with ws.order_book(args.inst_id, channel=args.channel) as book:
                await _view(ws, book, where, args.depth, args.count)
        except OkxApiError as exc:
            hint = ""
            if exc.code == "60018" and conn.target.kind in ("embedded", "sim"):
                hint = " (the simulator serves every book channel but books-elp)"
            elif exc.code == "64003" and conn.target.kind == "sim":
                hint = " (start the simulator with --vip-tier 4)"
            raise Failure(f"{args.channel} {args.inst_id}: {exc}{hint}") from exc
    return 0


async def _view(
    ws: WebsocketClient, book: OrderBook, where: str, depth: int, count: int | None
) -> None:
    screen = console()
    if not screen.is_terminal:  # a pipe: no cursor movement, the last frame at the end
        frame = await _redraw(ws, book, where, depth, count, lambda _: None)
        show(frame)
        return
    with Live(console=screen, auto_refresh=False, redirect_stdout=False) as live:
        await _redraw(ws, book, where, depth, count, lambda f: live.update(f, refresh=True))


async def _redraw(
    ws: WebsocketClient,
    book: OrderBook,
    where: str,
    depth: int,
    count: int | None,
    draw: Callable[[Group], None],
) -> Group:
    """Draw on every change (at most :data:`MAX_FPS` a second) and when quiet; return the
    last frame after ``count`` redraws (else run until cancelled)."""
    loop = asyncio.get_running_loop()
    # Only "something changed" matters: one queued change is enough to redraw.
    changes = book.changes(maxsize=1, overflow="drop_oldest")
    redraws = 0
    while True:
        frame = render(book, ws.server_time_ms(), where, depth)
        draw(frame)
        redraws += 1
        if count is not None and redraws >= count:
            return frame
        drawn_at = loop.time()
        try:
            async with asyncio.timeout(QUIET_REDRAW_S):
                await anext(changes)
        except TimeoutError:
            continue
        await asyncio.sleep(max(drawn_at + 1 / MAX_FPS - loop.time(), 0.0))


def render(book: OrderBook, now_ms: int, where: str, depth: int) -> Group:
    """One frame: a header line and the ladder (bids left, asks right, best first)."""
    age = f"{now_ms - book.ts:,} ms" if book.ts > 0 else "-"
    header = Text.assemble(
        (f"{book.inst_id} {book.channel}", "bold"),
        f" on {where}   seqId {book.seq_id}   updates {book.updates}   resyncs {book.resyncs}"
        f"   last update {age} ago",
    )
    if not book.is_synced:
        return Group(
            header,
            Text(
                f"out of sequence ({book.state.value}): waiting for a fresh snapshot",
                style="bold red",
            ),
        )
    bids, asks = book.bids(depth), book.asks(depth)
    table = new_table("> bid size", "> bid", "> ask", "> ask size")
    for i in range(max(len(bids), len(asks))):
        bid = bids[i] if i < len(bids) else ("", "")
        ask = asks[i] if i < len(asks) else ("", "")
        table.add_row(bid[1], Text(bid[0], style="green"), Text(ask[0], style="red"), ask[1])
    return Group(
        header, Text(_spread(bids[0][0] if bids else None, asks[0][0] if asks else None)), table
    )


def _spread(bid: str | None, ask: str | None) -> str:
    if bid is None or ask is None:
        return "spread -"
    try:
        best_bid, best_ask = Decimal(bid), Decimal(ask)
    except InvalidOperation:
        return "spread -"
    spread = best_ask - best_bid
    mid = (best_ask + best_bid) / 2
    bps = spread / mid * 10_000 if mid else Decimal(0)
    return f"spread {spread} ({bps:.2f} bp)   mid {mid.normalize():f}"
