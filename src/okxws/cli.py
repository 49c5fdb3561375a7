"""The ``okxws`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okxws",
        description="okxws: asyncio SDK for OKX's v5 WebSocket API, with a local OKX simulator.",
    )
    parser.add_argument("--version", action="version", version=f"okxws {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="walk through every WS API operation against the embedded simulator",
        description="Start a simulator in-process and walk through a trader's session: every "
        "WS API operation, order pushes, a forced disconnect and the recovery, then a summary "
        "table. With --market/--demo-trading it targets OKX itself (credentials from "
        "OKX_API_KEY, OKX_API_SECRET, OKX_API_PASSPHRASE).",
    )
    from .demo import add_arguments

    add_arguments(demo)
    sim = sub.add_parser(
        "sim",
        help="run the local OKX simulator (WS + REST on one port)",
        description="Run the local OKX-compatible simulator. Prints ONE JSON line with its URLs "
        "and credentials once listening, then serves until SIGINT/SIGTERM.",
    )
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    sim.add_argument("--tls", action="store_true", help="serve wss:// and https:// (self-signed)")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--api-key")
    sim.add_argument("--api-secret")
    sim.add_argument("--api-pass")
    sim.add_argument("--idle-timeout", type=float, default=30.0, metavar="S")
    sim.add_argument(
        "--market-tick", type=float, default=0.0, metavar="SECONDS",
        help="move the market by a random walk every SECONDS (0: never)",
    )  # fmt: skip
    return parser


async def _serve_sim(args: argparse.Namespace) -> None:
    from .simulator import Simulator

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with Simulator(
            args.host,
            args.port,
            seed=args.seed,
            tls=args.tls,
            api_key=args.api_key,
            api_secret=args.api_secret,
            api_pass=args.api_pass,
            idle_timeout=args.idle_timeout,
        ) as sim:
            if args.market_tick > 0:
                sim.start_market(args.market_tick)
            info: dict[str, object] = {
                "ws_base_url": sim.ws_base_url,
                "rest_base_url": sim.rest_base_url,
                "api_key": sim.api_key,
                "api_secret": sim.api_secret,
                "api_pass": sim.api_pass,
            }
            if sim.ca_file is not None:
                info["ca_file"] = sim.ca_file
            info["pid"] = os.getpid()
            sys.stdout.write(json.dumps(info) + "\n")
            sys.stdout.flush()
            await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``okxws`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stdout)
        return 0
    if args.command == "sim":
        try:
            asyncio.run(_serve_sim(args))
        except RuntimeError as exc:  # e.g. --tls without cryptography
            print(f"okxws sim: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "demo":
        from .demo import main as demo_main

        return demo_main(args)
    return 0
