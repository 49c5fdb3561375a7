"""Subscribe to the private ``orders`` channel and print its pushes while placing an order.

``stream()`` gives pushes as an async iterator with a bounded queue; ``subscribe()`` picks the
connection (``orders`` is private: it logs in first) and restores the channel after reconnects.

Run: python examples/stream_orders.py [--okx]
"""

from __future__ import annotations

import asyncio

from common import SPOT, open_client, resting_bid_price

from okxws import PushStream


async def print_pushes(stream: PushStream, done: asyncio.Event) -> None:
    async for push in stream:
        for order in push["data"]:
            print(f"push {push['arg']['channel']}: {order['side']} {order['sz']} {order['instId']}"
                  f" @ {order['px']} ordId={order['ordId']} state={order['state']}")  # fmt: skip
            if order["state"] == "canceled":
                done.set()


async def main() -> None:
    async with open_client(__doc__ or "") as (client, _sim):
        ws = client.get_ws_client()
        px = await resting_bid_price(client)
        done = asyncio.Event()
        async with ws.stream(["orders"], maxsize=1000, overflow="drop_oldest") as stream:
            printer = asyncio.create_task(print_pushes(stream, done))
            await ws.subscribe({"channel": "orders", "instType": "SPOT", "instId": SPOT})
            print("subscribed to orders")

            placed = await client.submit_new_order(
                {"instId": SPOT, "tdMode": "cash", "side": "buy", "ordType": "limit",
                 "sz": "0.0001", "px": px}
            )  # fmt: skip
            ord_id = placed["data"][0]["ordId"]
            print(f"placed ordId={ord_id}")
            await client.cancel_order({"instId": SPOT, "ordId": ord_id})
            print(f"cancel accepted ordId={ord_id}")

            async with asyncio.timeout(10):
                await done.wait()  # the canceled push: the order's final state
            await ws.unsubscribe({"channel": "orders", "instType": "SPOT", "instId": SPOT})
        await printer  # the stream is closed: the loop ends


if __name__ == "__main__":
    asyncio.run(main())
