"""Shared set-up for the examples: the local simulator by default, OKX demo trading on request.

    python examples/place_amend_cancel.py          # against an in-process simulator
    python examples/place_amend_cancel.py --okx    # against OKX demo trading; credentials from
                                                   # OKX_API_KEY, OKX_API_SECRET, OKX_API_PASSPHRASE

The examples never place live orders: ``--okx`` always means OKX *demo* trading.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from okxws import ApiCredentials, WebsocketAPIClient
from okxws.simulator import Simulator

SPOT = "BTC-USDT"


@contextlib.asynccontextmanager
async def open_client(
    description: str, **options: Any
) -> AsyncIterator[tuple[WebsocketAPIClient, Simulator | None]]:
    """A logged-in-on-demand client, and the simulator behind it (None on OKX)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--okx", action="store_true", help="use OKX demo trading instead of the local simulator"
    )
    parser.add_argument("--market", choices=["prod", "EEA", "US"], default="prod")
    args = parser.parse_args()
    options.setdefault("attach_event_listeners", False)

    if not args.okx:
        async with (
            Simulator() as sim,
            WebsocketAPIClient(
                [sim.credentials],
                ws_base_url=sim.ws_base_url,
                rest_base_url=sim.rest_base_url,
                **options,
            ) as client,
        ):
            yield client, sim
        return

    names = ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE")
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise SystemExit(f"--okx needs {', '.join(missing)} in the environment")
    creds = ApiCredentials(*(os.environ[name] for name in names))
    async with WebsocketAPIClient(
        [creds], market=args.market, demo_trading=True, **options
    ) as client:
        await client.sync_time()  # login timestamps and expires_in use OKX's clock
        yield client, None


async def resting_bid_price(client: WebsocketAPIClient, inst_id: str = SPOT) -> str:
    """A price well below the market (40 % under the last trade), so a bid rests on the book."""
    ws = client.get_ws_client()
    async with ws.stream(["tickers"]) as stream:
        await ws.subscribe({"channel": "tickers", "instId": inst_id})
        async with asyncio.timeout(10):
            push = await anext(stream)
        await ws.unsubscribe({"channel": "tickers", "instId": inst_id})
    last = Decimal(push["data"][0]["last"])
    return str((last * Decimal("0.6")).quantize(Decimal("0.1")))
