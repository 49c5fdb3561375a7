"""ccxt pro okx ``create_order_ws`` against the bench reply server (rate limiter off).

Markets come from the reply server's REST port (``load_markets``: instruments with
``instIdCode``, so ccxt sends ``instIdCode`` instead of ``instId`` as okxws does). ccxt's
default WS order op is ``batch-orders``; ``options.createOrderWs.op = "order"`` makes it send
the same op as the other clients.
"""

from __future__ import annotations

import ccxt.pro as ccxtpro

from _common import measure, parse_args, run


async def main(args):
    async def open_client():
        ex = ccxtpro.okx({
            "apiKey": "bench-key", "secret": "bench-secret", "password": "bench-pass",
            "enableRateLimit": False,
            "options": {"fetchMarkets": {"types": ["spot"]}, "createOrderWs": {"op": "order"}},
        })  # fmt: skip
        ex.urls["api"] = {"rest": args.rest, "ws": args.ws}
        await ex.load_markets()
        return ex

    def order(ex):
        return ex.create_order_ws("BTC/USDT", "limit", "buy", 0.0001, 50000, {"tdMode": "cash"})

    async def close(ex):
        await ex.close()

    res = await measure(open_client, order, close, args)
    res["version"] = ccxtpro.__version__
    res["note"] = "cold start includes load_markets (REST instruments + currencies) before the WS login"
    return res


if __name__ == "__main__":
    a = parse_args()
    run(lambda: main(a), a)
