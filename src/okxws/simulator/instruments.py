"""The simulator's reference data: the instruments and Nitro spreads it lists, and their lookups.

Four instruments (two SPOT pairs, one linear SWAP, one BTC-USD OPTION) and one spread, each
order-book instrument with the integer ``instIdCode`` the WS order operations use since 2026
(https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order). Their REST rendering
is in :mod:`okxws.simulator.render`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

__all__ = [
    "CURRENCIES",
    "INSTRUMENTS",
    "SPREADS",
    "USD_LIKE",
    "Instrument",
    "Spread",
    "instrument_by_code",
    "instrument_by_id",
    "spread_by_id",
    "usd_pair",
]


@dataclass(frozen=True, slots=True)
class Instrument:
    """An order-book instrument, as listed by ``GET /api/v5/public/instruments``.

    ``mid_px`` is where the market maker starts quoting; ``lever`` the leverage its orders use.
    https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments
    """

    inst_id: str
    inst_id_code: int
    inst_type: str
    base_ccy: str
    quote_ccy: str
    settle_ccy: str
    ct_val: Decimal
    tick_sz: Decimal
    lot_sz: Decimal
    min_sz: Decimal
    inst_family: str
    mid_px: Decimal
    state: str = "live"
    ct_val_ccy: str = ""
    opt_type: str = ""
    stk: str = ""
    exp_time: str = ""
    lever: Decimal = Decimal(1)
    max_lever: str = ""
    #: SPOT: cash trading, no positions (derived from ``inst_type``).
    is_spot: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_spot", self.inst_type == "SPOT")


@dataclass(frozen=True, slots=True)
class Spread:
    """A Nitro spread, as listed by ``GET /api/v5/sprd/spreads``.

    https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-spreads-public
    """

    sprd_id: str
    legs: tuple[tuple[str, str], ...]
    tick_sz: Decimal
    lot_sz: Decimal
    min_sz: Decimal
    base_ccy: str
    quote_ccy: str
    sz_ccy: str
    mid_px: Decimal
    state: str = "live"
    sprd_type: str = "linear"


INSTRUMENTS: Final[tuple[Instrument, ...]] = (
    Instrument(
        inst_id="BTC-USDT", inst_id_code=100001, inst_type="SPOT",
        base_ccy="BTC", quote_ccy="USDT", settle_ccy="", ct_val=Decimal(1),
        tick_sz=Decimal("0.1"), lot_sz=Decimal("0.00000001"), min_sz=Decimal("0.00001"),
        inst_family="", mid_px=Decimal(95000), max_lever="10",
    ),
    Instrument(
        inst_id="ETH-USDT", inst_id_code=100002, inst_type="SPOT",
        base_ccy="ETH", quote_ccy="USDT", settle_ccy="", ct_val=Decimal(1),
        tick_sz=Decimal("0.01"), lot_sz=Decimal("0.000001"), min_sz=Decimal("0.0001"),
        inst_family="", mid_px=Decimal(3500), max_lever="10",
    ),
    Instrument(
        inst_id="BTC-USDT-SWAP", inst_id_code=200001, inst_type="SWAP",
        base_ccy="", quote_ccy="", settle_ccy="USDT", ct_val=Decimal("0.01"),
        tick_sz=Decimal("0.1"), lot_sz=Decimal("0.01"), min_sz=Decimal("0.01"),
        inst_family="BTC-USDT", mid_px=Decimal(95050), ct_val_ccy="BTC",
        lever=Decimal(10), max_lever="100",
    ),
    Instrument(
        inst_id="BTC-USD-261225-100000-C", inst_id_code=300001, inst_type="OPTION",
        base_ccy="", quote_ccy="", settle_ccy="BTC", ct_val=Decimal("0.01"),
        tick_sz=Decimal("0.0005"), lot_sz=Decimal(1), min_sz=Decimal(1),
        inst_family="BTC-USD", mid_px=Decimal("0.05"), ct_val_ccy="BTC",
        opt_type="C", stk="100000", exp_time="1798185600000",
    ),
)  # fmt: skip

SPREADS: Final[tuple[Spread, ...]] = (
    Spread(
        sprd_id="BTC-USDT_BTC-USDT-SWAP", legs=(("BTC-USDT", "sell"), ("BTC-USDT-SWAP", "buy")),
        tick_sz=Decimal("0.1"), lot_sz=Decimal("0.0001"), min_sz=Decimal("0.0001"),
        base_ccy="BTC", quote_ccy="USDT", sz_ccy="BTC", mid_px=Decimal(50),
    ),
)  # fmt: skip

#: ``(ccy, name)`` of the currencies ``GET /api/v5/asset/currencies`` lists.
CURRENCIES: Final = (("BTC", "Bitcoin"), ("ETH", "Ethereum"), ("USDT", "Tether"))

#: Currencies valued at 1 USD (``coinUsdPrice`` ``"1"``).
USD_LIKE: Final = frozenset({"USDT", "USDC", "USD"})

_BY_CODE: Final = {i.inst_id_code: i for i in INSTRUMENTS}
_BY_ID: Final = {i.inst_id: i for i in INSTRUMENTS}
_SPREAD_BY_ID: Final = {s.sprd_id: s for s in SPREADS}
# The spot pair that prices a currency in a USD-like currency (the first listed wins).
_USD_PAIRS: Final = {
    i.base_ccy: i
    for i in reversed(INSTRUMENTS)
    if i.is_spot and i.quote_ccy in USD_LIKE and i.base_ccy not in USD_LIKE
}


def instrument_by_code(code: int) -> Instrument | None:
    """The instrument whose ``instIdCode`` is ``code`` (``None`` if unknown)."""
    return _BY_CODE.get(code)


def instrument_by_id(inst_id: str) -> Instrument | None:
    """The instrument named ``inst_id`` (``None`` if unknown)."""
    return _BY_ID.get(inst_id)


def spread_by_id(sprd_id: str) -> Spread | None:
    """The spread named ``sprd_id`` (``None`` if unknown)."""
    return _SPREAD_BY_ID.get(sprd_id)


def usd_pair(ccy: str) -> Instrument | None:
    """The spot instrument quoting ``ccy`` in a USD-like currency (e.g. BTC -> BTC-USDT)."""
    return _USD_PAIRS.get(ccy)
