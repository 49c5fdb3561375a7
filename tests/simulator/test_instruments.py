"""The reference data and its lookups."""

from __future__ import annotations

from okxws.simulator.instruments import (
    INSTRUMENTS,
    SPREADS,
    instrument_by_code,
    instrument_by_id,
    spread_by_id,
    usd_pair,
)

from .conftest import BTC, SPRD


def test_lookups() -> None:
    inst = instrument_by_code(BTC)
    assert inst is not None and inst.inst_id == "BTC-USDT" and inst.is_spot
    assert instrument_by_code(1) is None
    swap = instrument_by_id("BTC-USDT-SWAP")
    assert swap is not None and not swap.is_spot and swap.settle_ccy == "USDT"
    assert instrument_by_id("NOPE") is None
    sp = spread_by_id(SPRD)
    assert sp is not None and [leg for leg, _ in sp.legs] == ["BTC-USDT", "BTC-USDT-SWAP"]
    assert spread_by_id("NOPE") is None


def test_codes_and_ids_are_unique() -> None:
    assert len({i.inst_id_code for i in INSTRUMENTS}) == len(INSTRUMENTS)
    assert len({i.inst_id for i in INSTRUMENTS} | {s.sprd_id for s in SPREADS}) == 5


def test_usd_pair_prices_a_currency_in_usd() -> None:
    btc = usd_pair("BTC")
    assert btc is not None and btc.inst_id == "BTC-USDT"
    eth = usd_pair("ETH")
    assert eth is not None and eth.inst_id == "ETH-USDT"
    assert usd_pair("USDT") is None and usd_pair("DOGE") is None
