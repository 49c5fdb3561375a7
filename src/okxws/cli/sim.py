"""``okxws sim``: run the local OKX simulator until SIGINT/SIGTERM.

Prints ONE JSON line once listening (``ws_base_url``, ``rest_base_url``, ``api_key``,
``api_secret``, ``api_pass``, ``pid``, and ``ca_file`` with ``--tls``), then serves; exits 0
(design.md section 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from typing import TYPE_CHECKING

from .errors import Failure

if TYPE_CHECKING:
    from ..simulator import SimLimits


def limits_from_args(args: argparse.Namespace) -> SimLimits:
    """The simulator's rate limits from ``--no-rate-limits``, ``--rate-limit-scale`` and
    ``--rate-limit-reply`` (docs/simulator.md, "Rate limits")."""
    from ..simulator import SimLimits

    try:
        return SimLimits(
            enabled=args.rate_limits, scale=args.rate_limit_scale, ws_reply=args.rate_limit_reply
        )
    except ValueError as exc:
        raise Failure(f"--rate-limit-scale: {exc}") from exc


async def serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM."""
    from ..simulator import Simulator

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
            limits=limits_from_args(args),
        ) as sim:
            if args.market_tick > 0:
                sim.start_market(args.market_tick)
            sim.set_vip_tier(args.vip_tier)
            sim.book_settings.heartbeat_s = args.book_heartbeat
            sim.book_settings.legacy_checksum = args.legacy_checksum
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
    except RuntimeError as exc:  # e.g. --tls without cryptography
        raise Failure(str(exc)) from exc
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return 0
