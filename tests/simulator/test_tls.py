"""TLS with the generated CA (``wss://`` and ``https://`` on one port), and closing.
(``okxws sim`` itself: tests/cli/test_sim.py.)"""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp

from okxws.simulator import Simulator
from okxws.simulator.tls import make_tls_files


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


def test_tls_files_are_a_ca_and_a_leaf(tmp_path: Path) -> None:
    files = make_tls_files(tmp_path, ("127.0.0.1", "localhost"))
    ctx = ssl.create_default_context(cafile=str(files.ca_file))
    ctx.load_cert_chain(files.cert_file, files.key_file)
    assert files.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")


async def test_close_is_idempotent() -> None:
    sim = Simulator()
    await sim.start()
    await sim.close()
    await sim.close()
