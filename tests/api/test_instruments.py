"""The instId -> instIdCode cache over the client's REST session."""

from __future__ import annotations

import asyncio
import socket

import pytest

from okxws import OkxConnectError, OkxValidationError
from okxws.api.instruments import InstrumentCodes, inst_type_of
from okxws.api.rest import RestClient
from okxws.simulator import Simulator


def rest_for(base_url: str) -> RestClient:
    return RestClient(rest_base_url=base_url, request_timeout=2.0)


@pytest.mark.parametrize(
    ("inst_id", "kind"),
    [
        ("BTC-USDT", ("SPOT", None)),
        ("BTC-USDT-SWAP", ("SWAP", None)),
        ("BTC-USD-261225", ("FUTURES", None)),
        ("BTC-USD-261225-100000-C", ("OPTION", "BTC-USD")),
    ],
)
def test_instrument_type_of_an_inst_id(inst_id: str, kind: tuple[str, str | None]) -> None:
    assert inst_type_of(inst_id) == kind


async def test_one_fetch_per_type_shared_by_concurrent_callers(sim: Simulator) -> None:
    rest = rest_for(sim.rest_base_url)
    codes = InstrumentCodes(rest.get_instruments)
    try:
        results = await asyncio.gather(*(codes.resolve("BTC-USDT") for _ in range(20)))
        assert set(results) == {100001}
        assert codes.get("ETH-USDT") == 100002  # the whole SPOT list is cached
        assert sim.rest_count("/api/v5/public/instruments") == 1
        assert await codes.resolve("BTC-USDT-SWAP") == 200001
        assert sim.rest_count("/api/v5/public/instruments") == 2
        with pytest.raises(OkxValidationError, match="unknown instId 'NOPE-USDT'"):
            await codes.resolve("NOPE-USDT")  # refreshed recently: not fetched again
        assert sim.rest_count("/api/v5/public/instruments") == 2
    finally:
        await codes.aclose()
        await rest.close()


async def test_a_failed_lookup_says_nothing_was_sent() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rest = rest_for(f"http://127.0.0.1:{port}")
    codes = InstrumentCodes(rest.get_instruments)
    try:
        with pytest.raises(OkxConnectError) as info:
            await codes.resolve("BTC-USDT")
        assert not info.value.outcome_unknown
    finally:
        await codes.aclose()
        await rest.close()
