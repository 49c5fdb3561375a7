"""TLS with the generated CA, and closing. (``okxws sim`` itself: tests/cli/test_sim.py.)"""

from __future__ import annotations

import ssl

import aiohttp

from okxws.simulator import Simulator


async def test_tls_with_ca_file() -> None:
    async with Simulator(tls=True) as sim:
        assert sim.ws_base_url.startswith("wss://") and sim.ca_file is not None
        ctx = ssl.create_default_context(cafile=sim.ca_file)
        async with aiohttp.ClientSession() as http:
            async with http.get(sim.rest_base_url + "/api/v5/public/time", ssl=ctx) as r:
                assert (await r.json())["code"] == "0"
            async with http.ws_connect(sim.ws_base_url + "/ws/v5/public", ssl=ctx) as ws:
                await ws.send_str("ping")
                assert await ws.receive_str(timeout=5) == "pong"


async def test_close_is_idempotent() -> None:
    sim = Simulator()
    await sim.start()
    await sim.close()
    await sim.close()
