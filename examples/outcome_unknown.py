"""Outcome unknown: the connection dies after OKX received an order. Find out; never re-send blind.

okxws never re-sends an order operation. When the socket dies (or a deadline passes) with a
request in flight, the call raises an error whose ``outcome_unknown`` is true: the order may or
may not exist. ``await client.resolve(exc)`` finds out: it waits out the request's ``expTime``
(after it OKX will not execute the request, so the answer is final), looks every order the
request named up by its ``clOrdId`` (okxws gives every order one) and reports whether OKX has
it. It never places, amends or cancels anything itself. This example makes the simulator drop
the connection twice: once after executing the order, once before.

Run: python examples/outcome_unknown.py   (simulator only: it uses its fault switches)
"""

from __future__ import annotations

import asyncio

from common import SPOT, open_client

from okxws import OkxError, WebsocketAPIClient
from okxws.protocol.messages import PlaceOrderRequest


async def place(client: WebsocketAPIClient, order: PlaceOrderRequest) -> str:
    """Place ``order`` and return its ordId, whatever happens to the socket."""
    try:
        placed = await client.submit_new_order(order, expires_in=1.0)
        return placed["data"][0]["ordId"]
    except OkxError as exc:
        if not exc.outcome_unknown:
            raise  # rejected or never sent: the outcome is known
        print(f"outcome unknown: {type(exc).__name__}")
        [found] = await client.resolve(exc)  # waits out the expTime, then looks it up
    if found.exists and found.order is not None:
        print(f"found by clOrdId={found.order['clOrdId']}: ordId={found.order['ordId']} "
              f"state={found.state} -> not placing it again")  # fmt: skip
        return str(found.order["ordId"])
    print(f"clOrdId={found.item['clOrdId']} does not exist -> safe to place it again")
    placed = await client.submit_new_order({**order, "clOrdId": found.item["clOrdId"]})
    return placed["data"][0]["ordId"]


async def main() -> None:
    async with open_client(__doc__ or "") as (client, sim):
        if sim is None:
            raise SystemExit(
                "this example needs the simulator's fault switches: run it without --okx"
            )
        await client.connect_ws_api()
        for execute in (True, False):
            print(
                f"-- the connection drops {'after' if execute else 'before'} OKX executes the order"
            )
            sim.faults.drop_on_op("order", execute=execute)
            order: PlaceOrderRequest = {
                "instId": SPOT, "tdMode": "cash", "side": "buy", "ordType": "limit",
                "sz": "0.0001", "px": "50000",
            }  # fmt: skip
            ord_id = await place(client, order)
            await client.cancel_order({"instId": SPOT, "ordId": ord_id})
            print(f"ordId={ord_id} cancelled: exactly one order was placed")


if __name__ == "__main__":
    asyncio.run(main())
