"""Nitro Spread orders on the business connection: place, amend, cancel, mass cancel.

Run: python examples/spread_orders.py [--okx]
"""

from __future__ import annotations

import asyncio

from common import open_client

SPREAD = "BTC-USDT_BTC-USDT-SWAP"


async def main() -> None:
    async with open_client(__doc__ or "") as (client, _sim):
        placed = await client.submit_spread_order(
            {"sprdId": SPREAD, "side": "buy", "ordType": "limit", "sz": "0.001", "px": "1"}
        )
        ord_id = placed["data"][0]["ordId"]
        print(f"placed  ordId={ord_id} on the {placed.get('connection')} connection")

        amended = await client.amend_spread_order({"ordId": ord_id, "newPx": "2"})
        print(f"amended ordId={amended['data'][0]['ordId']} sCode={amended['data'][0]['sCode']}")

        cancelled = await client.cancel_spread_order({"ordId": ord_id})
        print(f"cancel accepted ordId={cancelled['data'][0]['ordId']}")

        for px in ("1", "1.5"):
            await client.submit_spread_order(
                {"sprdId": SPREAD, "side": "buy", "ordType": "limit", "sz": "0.001", "px": px}
            )
        result = await client.mass_cancel_spread_orders({"sprdId": SPREAD})
        print(f"mass cancel result={result['data'][0]['result']}")


if __name__ == "__main__":
    asyncio.run(main())
