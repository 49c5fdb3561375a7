"""Batches: place three orders (one deliberately too large), then amend and cancel the rest.

A batch in which some items fail raises OkxPartialBatchError; ``succeeded`` and ``failed``
say which. The succeeded orders exist on the exchange and must be managed like any other.

Run: python examples/batch_orders.py [--okx]
"""

from __future__ import annotations

import asyncio

from common import SPOT, open_client, resting_bid_price

from okxws import OkxPartialBatchError
from okxws.protocol.messages import PlaceOrderRequest


async def main() -> None:
    async with open_client(__doc__ or "") as (client, _sim):
        px = await resting_bid_price(client)

        def bid(sz: str) -> PlaceOrderRequest:
            return {"instId": SPOT, "tdMode": "cash", "side": "buy", "ordType": "limit",
                    "sz": sz, "px": px, "clOrdId": client.new_client_order_id()}  # fmt: skip

        try:
            placed = await client.submit_multiple_orders(
                [bid("0.0001"), bid("0.0001"), bid("1000000")]
            )
            ids = [item["ordId"] for item in placed["data"]]
        except OkxPartialBatchError as exc:  # code "2": some items succeeded, some failed
            for item in exc.failed:
                print(f"failed   clOrdId={item['clOrdId']} sCode={item['sCode']} {item['sMsg']}")
            for item in exc.succeeded:
                print(f"accepted clOrdId={item['clOrdId']} ordId={item['ordId']}")
            ids = [item["ordId"] for item in exc.succeeded]

        amended = await client.amend_multiple_orders(
            [{"instId": SPOT, "ordId": ord_id, "newSz": "0.0003"} for ord_id in ids]
        )
        print(f"amended  {len(amended['data'])} orders: {[d['sCode'] for d in amended['data']]}")
        cancelled = await client.cancel_multiple_orders([{"instId": SPOT, "ordId": i} for i in ids])
        print(f"cancelled {len(cancelled['data'])} orders")


if __name__ == "__main__":
    asyncio.run(main())
