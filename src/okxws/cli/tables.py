"""Tables for the terminal, drawn with rich: the health figures (``stats()``) and account
records (orders, balances, positions).

rich costs ~80 ms to import, so only the commands that draw tables import this module (and
``okxws --help`` never does).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from rich import box
from rich.console import Console, RenderableType
from rich.table import Column, Table

__all__ = [
    "BALANCE_COLUMNS",
    "ORDER_COLUMNS",
    "POSITION_COLUMNS",
    "console",
    "fmt_ms",
    "fmt_time",
    "new_table",
    "records_table",
    "show",
    "stats_tables",
]

#: Width of output that is not a terminal (a pipe, a file, a test): wide enough that tables
#: are never wrapped, and a table only takes the width it needs.
_PIPE_WIDTH = 200


def console() -> Console:
    """A console on the current ``sys.stdout`` (colours only on a terminal; no guessing at
    what to highlight)."""
    out = sys.stdout
    width = None if out.isatty() else _PIPE_WIDTH
    return Console(file=out, width=width, highlight=False, emoji=False, soft_wrap=False)


def show(*renderables: RenderableType) -> None:
    """Print to ``sys.stdout``: styled on a terminal; elsewhere plain text with no trailing
    blanks (rich pads every line of a table to its width)."""
    screen = console()

    def draw() -> None:
        for i, renderable in enumerate(renderables):
            if i:
                screen.print()
            screen.print(renderable)

    if screen.is_terminal:
        draw()
        return
    with screen.capture() as captured:
        draw()
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def new_table(*columns: str, title: str | None = None) -> Table:
    """A table in the house style; a column named ``"> name"`` holds figures (right-aligned)."""
    cols = [
        Column(c[2:], justify="right") if c.startswith("> ") else Column(c, overflow="fold")
        for c in columns
    ]
    return Table(
        *cols,
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )


def fmt_ms(value: float | None) -> str:
    """Milliseconds with microsecond resolution; ``-`` before the first sample."""
    if value is None:
        return "-"
    return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"


def fmt_time(ms: object) -> str:
    """An OKX epoch-ms string as local time (``-`` when absent)."""
    if not isinstance(ms, str | int) or not str(ms).isdigit():
        return "-"
    seconds = int(ms) / 1000
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


# -- health figures ---------------------------------------------------------------------


def stats_tables(stats: Mapping[str, Any]) -> list[Table]:
    """``client.stats()`` (documented in docs/logging-and-events.md) as tables: connections,
    operations with their round trips, pushes, books, rate limits."""
    tables = [_connections(stats["connections"]), _operations(stats)]
    if stats["pushes"]:
        tables.append(_pushes(stats["pushes"]))
    if stats["books"]:
        tables.append(_books(stats["books"]))
    tables.append(_rate_limits(stats["rate_limits"], stats["clock_offset_ms"]))
    return tables


def _connections(connections: Mapping[str, Any]) -> Table:
    table = new_table(
        "connection",
        "state",
        "> reconnects",
        "lost because",
        "> logins",
        "> resubscriptions",
        "> in flight",
        title="connections",
    )
    for name, conn in connections.items():
        reasons: dict[str, int] = {}
        for why in conn["lost_reasons"]:
            reasons[why] = reasons.get(why, 0) + 1
        lost = ", ".join(f"{why} x{n}" if n > 1 else why for why, n in reasons.items())
        table.add_row(
            name,
            conn["state"],
            str(conn["reconnects"]),
            lost or "-",
            str(conn["logins"]),
            str(conn["resubscriptions"]),
            str(conn["in_flight"]),
        )
    return table


def _operations(stats: Mapping[str, Any]) -> Table:
    table = new_table(
        "connection",
        "operation",
        "> sent",
        "> ok",
        "> rejected",
        "> unknown",
        "> timed out",
        "> p50 ms",
        "> p99 ms",
        "> max ms",
        "> OKX p50",
        "> OKX p99",
        "> network p50",
        title="operations (round trip, OKX gateway time, network time)",
    )
    rows: list[tuple[str, str, Mapping[str, Any]]] = [
        (name, op, figures)
        for name, conn in stats["connections"].items()
        for op, figures in conn["ops"].items()
    ]
    rows += [("rest", path, figures) for path, figures in stats.get("rest", {}).items()]
    for name, op, s in rows:
        rtt, okx, network = s["round_trip_ms"], s["okx_ms"], s["network_ms"]
        table.add_row(
            name,
            op,
            *(str(s[k]) for k in ("sent", "ok", "rejected", "unknown", "timed_out")),
            fmt_ms(rtt["p50"]),
            fmt_ms(rtt["p99"]),
            fmt_ms(rtt["max"]),
            fmt_ms(okx["p50"]),
            fmt_ms(okx["p99"]),
            fmt_ms(network["p50"]),
        )
    return table


def _pushes(pushes: Mapping[str, Any]) -> Table:
    table = new_table(
        "channel",
        "> pushes",
        "> age p50 ms",
        "> age p99 ms",
        "> age max ms",
        title="pushes (age: received - OKX ts)",
    )
    for channel, s in pushes.items():
        age = s["age_ms"]
        table.add_row(
            channel, str(s["pushes"]), fmt_ms(age["p50"]), fmt_ms(age["p99"]), fmt_ms(age["max"])
        )
    return table


def _books(books: Mapping[str, Any]) -> Table:
    table = new_table(
        "book",
        "connection",
        "synced",
        "> seqId",
        "> updates",
        "> resyncs",
        "> last push s ago",
        title="order books",
    )
    for name, b in books.items():
        table.add_row(
            name,
            b["connection"],
            "yes" if b["synced"] else "NO",
            str(b["seq_id"]),
            str(b["updates"]),
            str(b["resyncs"]),
            f"{b['last_push_age_s']:.3f}",
        )
    return table


def _rate_limits(limits: Mapping[str, Any], clock_offset_ms: int) -> Table:
    waits = limits["recent_waits_ms"]
    title = (
        f"rate limits (mode {limits['mode']}; {limits['waits']} waits, p50 "
        f"{fmt_ms(waits['p50'])} / max {fmt_ms(waits['max'])} ms; clock offset "
        f"{clock_offset_ms:+d} ms)"
    )
    table = new_table(
        "budget", "> account", "instrument", "> remaining", "> limit", "> window s", title=title
    )
    for b in limits["budgets"]:
        account = "-" if b["account"] is None else str(b["account"])
        table.add_row(
            b["bucket"],
            account,
            b["instrument"] or "-",
            str(b["remaining"]),
            str(b["limit"]),
            f"{b['window_s']:g}",
        )
    return table


# -- account ----------------------------------------------------------------------------

#: (column, OKX field) of each account table; a ``"> "`` column holds figures.
ORDER_COLUMNS: Final = (
    ("instId", "instId"), ("side", "side"), ("ordType", "ordType"), ("> px", "px"),
    ("> sz", "sz"), ("> filled", "accFillSz"), ("state", "state"), ("ordId", "ordId"),
    ("clOrdId", "clOrdId"), ("tag", "tag"), ("created", "cTime"),
)  # fmt: skip
BALANCE_COLUMNS: Final = (
    ("ccy", "ccy"), ("> equity", "eq"), ("> cash", "cashBal"), ("> available", "availBal"),
    ("> frozen", "frozenBal"), ("> equity USD", "eqUsd"),
)  # fmt: skip
POSITION_COLUMNS: Final = (
    ("instId", "instId"), ("instType", "instType"), ("mgnMode", "mgnMode"),
    ("posSide", "posSide"), ("> pos", "pos"), ("> avgPx", "avgPx"), ("> upl", "upl"),
    ("> lever", "lever"), ("ccy", "ccy"),
)  # fmt: skip


def records_table(
    title: str, columns: Sequence[tuple[str, str]], records: Iterable[Mapping[str, Any]]
) -> Table:
    """OKX records (orders, balances, positions) as rows; ``...Time`` fields as local time."""
    table = new_table(*(column for column, _ in columns), title=title)
    for record in records:
        table.add_row(
            *(
                fmt_time(record.get(field))
                if field.endswith("Time")
                else str(record.get(field) or "-")
                for _, field in columns
            )
        )
    return table
