"""Place a resting limit order, amend it, cancel it: the three single-order operations.

Run: python examples/place_amend_cancel.py [--okx]
"""

from __future__ import annotations

import asyncio

from common import SPOT, open_client, resting_bid_price


async def main() -> None:
    async with open_client(__doc__ or "") as (client, _sim):
        await client.connect_ws_api()  # optional warm-up: connect and log in now
        px = await resting_bid_price(client)
        cl_ord_id = client.new_client_order_id()  # your own id: the order can always be found

        placed = await client.submit_new_order(
            {"instId": SPOT, "tdMode": "cash", "side": "buy", "ordType": "limit",
             "sz": "0.0001", "px": px, "clOrdId": cl_ord_id},
            expires_in=5.0,  # OKX drops the request if it arrives more than 5 s from now
        )  # fmt: skip
        order = placed["data"][0]
        print(f"placed  ordId={order['ordId']} clOrdId={order['clOrdId']} sCode={order['sCode']}")
        print(f"        OKX gateway time: in {placed.get('inTime')} out {placed.get('outTime')}")

        amended = await client.amend_order(
            {"instId": SPOT, "ordId": order["ordId"], "newSz": "0.0002"}
        )
        print(f"amended ordId={amended['data'][0]['ordId']} sCode={amended['data'][0]['sCode']}")

        # Cancel by clOrdId this time: either id works for amend and cancel.
        cancelled = await client.cancel_order({"instId": SPOT, "clOrdId": cl_ord_id})
        print(f"cancel accepted ordId={cancelled['data'][0]['ordId']} (the final state arrives "
              "on the orders channel)")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
