"""Events and logging: watch the connection lifecycle through logging and your own handlers.

``attach_event_listeners=True`` (the default) logs open/reconnect/authenticated/... through the
``okxws`` logger; ``client.get_ws_client().on(event, handler)`` adds your own handlers, sync or
async. The simulator then drops every connection to show ``reconnect`` and ``reconnected``.

Run: python examples/events_and_logging.py [--okx]
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from common import SPOT, open_client, resting_bid_price

from okxws.net.events import EventName
from okxws.protocol.messages import PlaceOrderRequest


async def main() -> None:
    # Lifecycle logs go to stderr. Responses and pushes are never logged: use events for them.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("picows").setLevel(logging.WARNING)  # the WebSocket library's own logs

    async with open_client(__doc__ or "", attach_event_listeners=True) as (client, sim):
        ws = client.get_ws_client()
        both_back = asyncio.Event()
        back: set[str] = set()

        def on_lifecycle(event: str) -> Callable[[dict[str, Any]], None]:
            def handler(payload: dict[str, Any]) -> None:
                extra = payload.get("reason") or payload.get("url") or ""
                print(f"event {event}: {payload['connection']} connection {extra}".rstrip())
                if event == "reconnected":
                    back.add(payload["connection"])
                    if {"private", "business"} <= back:
                        both_back.set()

            return handler

        lifecycle: tuple[EventName, ...] = (
            "open",
            "authenticated",
            "reconnect",
            "reconnected",
            "close",
        )
        for event in lifecycle:
            ws.on(event, on_lifecycle(event))
        ws.on("exception", lambda p: print(f"event exception: {p['error']!r}"))

        async def on_response(response: dict[str, Any]) -> None:  # async handlers work too
            print(f"event response: op={response['op']} code={response['code']} "
                  f"on {response['connection']}")  # fmt: skip

        ws.on("response", on_response)

        await client.connect_ws_api()
        px = await resting_bid_price(client)
        order: PlaceOrderRequest = {
            "instId": SPOT, "tdMode": "cash", "side": "buy", "ordType": "limit",
            "sz": "0.0001", "px": px,
        }  # fmt: skip
        placed = await client.submit_new_order(order)
        await client.cancel_order({"instId": SPOT, "ordId": placed["data"][0]["ordId"]})
        if sim is not None:
            print("the simulator drops every connection")
            await sim.drop_connections()
            async with asyncio.timeout(10):
                await both_back.wait()
            placed = await client.submit_new_order(order)
            await client.cancel_order({"instId": SPOT, "ordId": placed["data"][0]["ordId"]})
    print("client closed")


if __name__ == "__main__":
    asyncio.run(main())
