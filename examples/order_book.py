"""Keep a local order book of ``books`` (400 levels) in sequence, watch it move, and see one of
our own orders appear in it and leave it.

``ws.order_book()`` subscribes, applies the snapshot and every ``seqId``-checked update, and
resubscribes by itself on a gap, a lost connection or a stall; read it while ``is_synced``.
Against the local simulator the market is set moving; on OKX it moves by itself.
https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel

Run: python examples/order_book.py [--okx]
"""

from __future__ import annotations

import asyncio

from common import SPOT, open_client, resting_bid_price


async def main() -> None:
    async with open_client(__doc__ or "") as (client, sim):
        if sim is not None:
            sim.start_market(0.05)  # a random walk of the simulator's market maker
        ws = client.get_ws_client()
        async with ws.order_book(SPOT, channel="books") as book:
            print(f"synced {book.channel} {SPOT} at seqId={book.seq_id}: "
                  f"best bid {book.best_bid()} best ask {book.best_ask()}")  # fmt: skip
            changes = book.changes()
            async with asyncio.timeout(10):
                for _ in range(5):
                    push = await anext(changes)
                    item = push["data"][0]
                    print(f"update prevSeqId={item['prevSeqId']} seqId={item['seqId']}: "
                          f"{len(item['bids'])} bid(s), {len(item['asks'])} ask(s) changed; "
                          f"top {book.bids(1)} / {book.asks(1)}")  # fmt: skip
            px = await resting_bid_price(client)
            placed = await client.submit_new_order(
                {"instId": SPOT, "tdMode": "cash", "side": "buy", "ordType": "limit",
                 "sz": "0.0001", "px": px}
            )  # fmt: skip
            ord_id = placed["data"][0]["ordId"]

            def our_level() -> bool:
                return any(level_px == px for level_px, _ in book.bids())

            async with asyncio.timeout(10):
                while not our_level():
                    await anext(changes)
            print(f"our bid at {px} is in the book")
            await client.cancel_order({"instId": SPOT, "ordId": ord_id})
            async with asyncio.timeout(10):
                while our_level():
                    await anext(changes)
            print(f"our bid at {px} left the book; resyncs={book.resyncs}")
            changes.close()
        print("book closed (unsubscribed)")


if __name__ == "__main__":
    asyncio.run(main())
