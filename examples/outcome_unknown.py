"""Outcome unknown: the connection dies after OKX received an order. Find it; never re-send blind.

okxws never re-sends an order operation. When the socket dies (or a deadline passes) with a
request in flight, the call raises an error whose ``outcome_unknown`` is true: the order may or
may not exist. The recipe: give every order your own ``clOrdId`` and an ``expTime``; on an
unknown outcome wait until the ``expTime`` has passed (OKX will not execute it after that),
then look the order up by ``clOrdId`` (REST ``GET /api/v5/trade/order``) and act on what you
find. This example makes the simulator drop the connection twice: once after executing the
order, once before.

Run: python examples/outcome_unknown.py   (simulator only: it uses its fault switches)
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from common import SPOT, open_client

from okxws import ApiCredentials, OkxError, WebsocketAPIClient
from okxws.protocol.auth import rest_headers
from okxws.protocol.messages import PlaceOrderRequest


async def find_order(
    client: WebsocketAPIClient, creds: ApiCredentials, inst_id: str, cl_ord_id: str
) -> dict[str, Any] | None:
    """The order with this clOrdId, via REST (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details)."""
    ws = client.get_ws_client()
    path = f"/api/v5/trade/order?instId={inst_id}&clOrdId={cl_ord_id}"
    headers = rest_headers(creds, ws.server_time_ms(), "GET", path, demo=ws.demo_trading)
    async with (
        aiohttp.ClientSession() as http,
        http.get(ws.rest_base_url + path, headers=headers) as resp,
    ):
        reply = await resp.json()
    if reply["code"] == "51603":  # "Order does not exist"
        return None
    if reply["code"] != "0":
        raise RuntimeError(f"order lookup failed: {reply}")
    order: dict[str, Any] = reply["data"][0]
    return order


async def place(client: WebsocketAPIClient, creds: ApiCredentials, order: PlaceOrderRequest) -> str:
    """Place ``order`` (it has a clOrdId) and return its ordId, whatever happens to the socket."""
    ws = client.get_ws_client()
    exp_time = ws.server_time_ms() + 1000  # OKX drops the request if it arrives later than this
    try:
        placed = await client.submit_new_order(order, exp_time=exp_time)
        return placed["data"][0]["ordId"]
    except OkxError as exc:
        if not exc.outcome_unknown:
            raise  # rejected or never sent: the outcome is known
        print(f"outcome unknown: {type(exc).__name__}")
    # Past expTime OKX can no longer execute the request: what we find now is final.
    await asyncio.sleep(max(exp_time - ws.server_time_ms(), 0) / 1000 + 0.1)
    found = await find_order(client, creds, SPOT, order["clOrdId"])
    if found is not None:
        print(f"found by clOrdId={found['clOrdId']}: ordId={found['ordId']} state={found['state']}"
              " -> not placing it again")  # fmt: skip
        return str(found["ordId"])
    print(f"clOrdId={order['clOrdId']} does not exist -> safe to place it again")
    placed = await client.submit_new_order(order, expires_in=1.0)
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
                "sz": "0.0001", "px": "50000", "clOrdId": client.new_client_order_id(),
            }  # fmt: skip
            ord_id = await place(client, sim.credentials, order)
            await client.cancel_order({"instId": SPOT, "ordId": ord_id})
            print(f"ordId={ord_id} cancelled: exactly one order was placed")


if __name__ == "__main__":
    asyncio.run(main())
