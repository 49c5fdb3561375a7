"""The ``okxws`` command line: argparse wiring only.

Each command lives in its own module of this package, imported only when it runs
(:func:`okxws.cli.runner.run`), so ``okxws --help`` loads no client, simulator or terminal
library. Where a command talks to: :mod:`okxws.cli.target`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TypeAlias

from .. import __version__
from . import target

__all__ = ["build_parser", "main"]

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
#: (option, OKX field, help) of an order's fields: the option is the field in kebab case.
Fields = tuple[tuple[str, str, str], ...]

_PLACE_FIELDS: Fields = (
    ("--px", "px", "limit price"),
    ("--ord-type", "ordType", "limit, market, post_only, fok, ioc ... (default: limit with "
     "--px, else market)"),
    ("--td-mode", "tdMode", "cash, cross, isolated ... (default: cash for a spot pair such as "
     "BTC-USDT, else cross)"),
    ("--cl-ord-id", "clOrdId", "client order id (default: a fresh one, so that the order can "
     "be found when the outcome is unknown)"),
    ("--tag", "tag", "order tag"),
    ("--pos-side", "posSide", "net, long, short"),
    ("--tgt-ccy", "tgtCcy", "base_ccy or quote_ccy (what a market order's SZ counts)"),
    ("--ccy", "ccy", "margin currency"),
)  # fmt: skip
_ORDER_ID_FIELDS: Fields = (
    ("--ord-id", "ordId", "OKX order id"),
    ("--cl-ord-id", "clOrdId", "client order id"),
)
_AMEND_FIELDS: Fields = (
    *_ORDER_ID_FIELDS,
    ("--new-sz", "newSz", "new size"),
    ("--new-px", "newPx", "new price"),
    ("--req-id", "reqId", "client request id of the amendment"),
)


def _command(
    sub: Subcommands,
    name: str,
    parents: list[argparse.ArgumentParser],
    handler: str,
    summary: str,
    description: str | None = None,
    **defaults: Any,
) -> argparse.ArgumentParser:
    """A subcommand run by ``handler`` (``"module:function"``, see :mod:`.runner`)."""
    parser = sub.add_parser(name, parents=parents, help=summary, description=description or summary)
    parser.set_defaults(handler=handler, **defaults)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The ``okxws`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="okxws",
        description="okxws: asyncio SDK for OKX's v5 API, with a local OKX simulator. Every "
        "command but `sim` runs against a simulator started in-process unless told otherwise "
        "(--sim-url, --demo-trading, --live).",
    )
    parser.add_argument("--version", action="version", version=f"okxws {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--verbose", action="store_true", help="log connection events; tracebacks on errors"
    )
    on_a_target = argparse.ArgumentParser(add_help=False, parents=[common])
    target.add_arguments(on_a_target)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo(sub, [on_a_target])
    _add_sim(sub, [common])
    _add_order(sub, [on_a_target])
    _add_account(sub, [on_a_target])
    _add_book(sub, [on_a_target])
    _add_tail(sub, [on_a_target])
    _add_status(sub, [on_a_target])
    return parser


def _add_demo(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    _command(
        sub, "demo", parents, "demo:run",
        "walk through every WS API operation, then the health figures",
        "Walk through a trader's session: every WS API operation, order pushes, a forced "
        "disconnect and the recovery (embedded simulator only), then a summary table and the "
        "client's health figures (stats()).",
    )  # fmt: skip


def _add_sim(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    sim = _command(
        sub, "sim", parents, "sim:serve", "run the local OKX simulator (WS + REST on one port)",
        "Run the local OKX-compatible simulator. Prints ONE JSON line with its URLs and "
        "credentials once listening, then serves until SIGINT/SIGTERM.",
    )  # fmt: skip
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    sim.add_argument("--tls", action="store_true", help="serve wss:// and https:// (self-signed)")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--api-key")
    sim.add_argument("--api-secret")
    sim.add_argument("--api-pass")
    sim.add_argument("--idle-timeout", type=float, default=30.0, metavar="S")
    sim.add_argument("--market-tick", type=float, default=0.0, metavar="SECONDS",
                     help="move the market by a random walk every SECONDS (0: never)")  # fmt: skip
    sim.add_argument("--vip-tier", type=int, default=0, metavar="N",
                     help="the API key's fee tier (l2-tbt books need 4)")  # fmt: skip
    sim.add_argument("--book-heartbeat", type=float, default=60.0, metavar="S",
                     help="quiet seconds before a book heartbeat")  # fmt: skip
    sim.add_argument("--legacy-checksum", action="store_true",
                     help="send the old CRC32 book checksum instead of OKX's fixed 0")  # fmt: skip
    sim.add_argument("--no-rate-limits", dest="rate_limits", action="store_false",
                     help="admit everything (by default OKX's rate limits apply)")  # fmt: skip
    sim.add_argument("--rate-limit-scale", type=float, default=1.0, metavar="X",
                     help="multiply every rate-limit window by X (default 1: OKX's)")  # fmt: skip
    sim.add_argument("--rate-limit-reply", choices=["item", "top"], default="item",
                     help="WS op over a limit: per-item sCode (default) or top code")  # fmt: skip


def _add_order(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    order = sub.add_parser(
        "order",
        help="place, amend or cancel an order (WS API)",
        description="Place, amend or cancel one order over the WebSocket API. Options are "
        "OKX's field names in kebab case; --json passes any field. When the outcome is "
        "unknown (connection lost, timeout) the order is looked up, never sent again.",
    )
    actions = order.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, summary: str, fields: Fields, flags: Fields = ()) -> Any:
        parser = _command(actions, name, parents, f"order:{name}", summary,
                          okx_fields=[field for _, field, _ in fields + flags])  # fmt: skip
        parser.add_argument("inst_id", metavar="INST_ID", help="instrument, e.g. BTC-USDT")
        for option, field, text in fields:
            parser.add_argument(option, dest=field, metavar=field, help=text)
        for option, field, text in flags:
            parser.add_argument(option, dest=field, action="store_const", const=True, help=text)
        parser.add_argument("--json", metavar="FIELDS", dest="json_fields",
                            help="more OKX fields as a JSON object (they win)")  # fmt: skip
        return parser

    place = action("place", "place an order", _PLACE_FIELDS,
                   (("--reduce-only", "reduceOnly", "only reduce a position"),))  # fmt: skip
    place.add_argument("side", choices=["buy", "sell"])
    place.add_argument("sz", metavar="SZ", help="size")
    place.add_argument("--expires-in", type=float, metavar="S",
                       help="OKX drops the request if it arrives later than S seconds from now "
                       "(expTime)")  # fmt: skip
    action("amend", "amend an order's size or price", _AMEND_FIELDS,
           (("--cxl-on-fail", "cxlOnFail", "cancel the order if the amendment fails"),),
    )  # fmt: skip
    action("cancel", "cancel an order", _ORDER_ID_FIELDS)


def _add_account(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    for name, summary, types in (
        ("orders", "the account's open orders, newest first (REST)", "SPOT, SWAP, FUTURES ..."),
        ("positions", "the account's open positions (REST)", "MARGIN, SWAP, FUTURES, OPTION"),
    ):
        parser = _command(sub, name, parents, f"account:{name}", summary)
        parser.add_argument("--inst-type", metavar="TYPE", help=types)
        parser.add_argument("--inst-id", metavar="INST_ID")
    balance = _command(sub, "balance", parents, "account:balance",
                       "equity and balances per currency (REST)")  # fmt: skip
    balance.add_argument("--ccy", metavar="CCY,...", help="only these currencies")


def _add_book(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    book = _command(
        sub, "book", parents, "book:run", "live view of a local order book",
        "Keep a local order book in sequence with OKX and redraw it in place: best levels, "
        "spread, seqId, resyncs, update age. Ctrl-C stops it.",
        stops_on_interrupt=True,
    )  # fmt: skip
    book.add_argument("inst_id", metavar="INST_ID")
    book.add_argument("--channel", default="books",
                      help="books, books5, bbo-tbt, books-l2-tbt, books50-l2-tbt, sprd-books5 "
                      "... (default books)")  # fmt: skip
    book.add_argument("--depth", type=int, default=10, help="levels per side (default 10)")
    book.add_argument("--count", type=int, metavar="N", help="stop after N redraws")


def _add_tail(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    tail = _command(
        sub, "tail", parents, "tail:run", "print a channel's pushes",
        "Subscribe to a channel and print its pushes, one readable line each (or JSON lines "
        "with --json). Ctrl-C stops it.",
        stops_on_interrupt=True,
    )  # fmt: skip
    tail.add_argument("channel", metavar="CHANNEL", help="tickers, trades, orders, account ...")
    tail.add_argument("--inst-id", metavar="INST_ID")
    tail.add_argument("--inst-type", metavar="TYPE", help="e.g. SPOT, SWAP, ANY (orders: ANY)")
    tail.add_argument("--inst-family", metavar="FAMILY")
    tail.add_argument("--arg", metavar="JSON", help="more channel-arg fields as a JSON object")
    tail.add_argument("--json", action="store_true", help="one JSON object per push")
    tail.add_argument("--count", type=int, metavar="N", help="stop after N pushes")


def _add_status(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    status = _command(
        sub, "status", parents, "status:run", "health check: connections, clock, rate limits",
        "Connect and log in to each connection, measure the round trips, the clock offset and "
        "the rate-limit budget left. Exits 1 when something is wrong (for cron or a container "
        "probe).",
    )  # fmt: skip
    status.add_argument("--inst-id", default="BTC-USDT",
                        help="instrument whose tickers push proves the public feed (default "
                        "BTC-USDT)")  # fmt: skip
    status.add_argument("--max-offset-ms", type=float, default=1000.0, metavar="MS",
                        help="fail when the clock is off by more (default 1000)")  # fmt: skip
    status.add_argument("--max-rtt-ms", type=float, default=None, metavar="MS",
                        help="fail when a round trip takes longer")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``okxws`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stdout)
        return 0
    from .runner import run

    return run(args, args.handler)
