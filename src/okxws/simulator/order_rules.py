"""Argument checks of the order operations: each failure is a :class:`Reject` carrying OKX's
``sCode``, ``sMsg`` and ``subCode``, checked in the order OKX reports them.

The order book and Nitro spreads share the checks that look the same on OKX; where they
differ (which fields are required, whether a price may be negative, which texts answer an amend
or cancel of a missing or finished order) :data:`VENUES` says so. Checks that need the account
(duplicate ``clOrdId``, reduce-only, funds) are the engine's and the ledger's.
https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order,
https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-place-order
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final, NamedTuple

from okxws.protocol.ops import OrderVenue

from .book import Book
from .instruments import Instrument, Spread, instrument_by_code, instrument_by_id, spread_by_id
from .orders import MARKET_TYPES, EngineArgError, OrderState, OrdType, Reject

__all__ = [
    "AMEND_NO_FUNDS",
    "AMEND_WOULD_TAKE",
    "DUPLICATE_CL_ORD_ID",
    "MSG_NO_INST",
    "VENUES",
    "NewOrder",
    "VenueRules",
    "amend_values",
    "arg_text",
    "as_bool",
    "check_amend",
    "check_cancel",
    "check_place",
    "mass_cancel_scope",
    "resolve_instrument",
]

MSG_NO_INST: Final = "Instrument ID, Instrument ID code or Spread ID doesn't exist."
_MSG_LOT: Final = "Order quantity must be a multiple of the lot size."
_MSG_MIN: Final = "Your order should meet or exceed the minimum order amount."
_MSG_ACCT_MODE: Final = "You can't complete this request under your current account mode."
_MSG_NO_ID: Final = "Either client order ID or order ID is required."
_MSG_NO_AMEND: Final = "You must enter a price, quantity, or TP/SL"

_TD_MODES: Final = frozenset({"cash", "cross", "isolated", "spot_isolated"})
_ORD_TYPES: Final = {t.value: t for t in OrdType}
_SPREAD_ORD_TYPES: Final = {
    t.value: t for t in (OrdType.MARKET, OrdType.LIMIT, OrdType.POST_ONLY, OrdType.IOC)
}

_Code = tuple[str, str]  # (sCode, sMsg)

#: The ``clOrdId`` names a pending order of the account.
DUPLICATE_CL_ORD_ID: Final = ("51016", "Duplicated client order ID")
#: The new price of a post-only order would take liquidity.
AMEND_WOULD_TAKE: Final = (
    "51511",
    "Modification failed as the order price did not meet the requirement for Post Only.",
)
#: The amended order needs more funds than are available: ``(sCode, sMsg, subCode)``.
AMEND_NO_FUNDS: Final = ("51502", "Unable to edit order: insufficient balance or margin.", "1030")


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueRules:
    """What differs between the order book and Nitro spreads, as OKX answers."""

    venue: OrderVenue
    #: ``sMsg`` of an accepted order.
    placed_msg: str
    #: The item names an order that is not (or no longer) known.
    amend_missing: _Code
    cancel_missing: _Code
    #: Answers naming a finished order by its state (with ``finds_finished``).
    amend_finished: Mapping[OrderState, _Code] = field(default_factory=dict)
    cancel_finished: Mapping[OrderState, _Code] = field(default_factory=dict)
    #: Amends and cancels find finished orders and answer by their state (``*_finished``);
    #: otherwise only pending orders count and a finished one is missing.
    finds_finished: bool = False
    #: Amends honour ``cxlOnFail`` (cancel the order if the amend fails).
    cancel_on_fail: bool = False
    #: Prices may be zero or negative (a spread's basis).
    any_price: bool = False


VENUES: Final[Mapping[OrderVenue, VenueRules]] = {
    "book": VenueRules(
        venue="book",
        placed_msg="Order successfully placed.",
        amend_missing=("51503", "Your order has already been filled or canceled."),
        cancel_missing=(
            "51400",
            "Order cancellation failed as the order has been filled, canceled or does not exist.",
        ),
        cancel_on_fail=True,
    ),
    "spread": VenueRules(
        venue="spread",
        placed_msg="",
        amend_missing=("51503", "Order modification failed as the order does not exist."),
        amend_finished={
            OrderState.CANCELED: ("51509", "Modification failed as the order has been canceled."),
            OrderState.FILLED: ("51510", "Modification failed as the order has been completed."),
        },
        cancel_missing=("51400", "Cancellation failed as the order does not exist."),
        finds_finished=True,
        cancel_finished={
            OrderState.CANCELED: ("51401", "Cancellation failed as the order is already canceled."),
            OrderState.FILLED: ("51402", "Cancellation failed as the order is already completed."),
        },
        any_price=True,
    ),
}


# ---------------------------------------------------------------------------- reading args


def arg_text(args: Mapping[str, object], key: str) -> str:
    """``args[key]`` as text (``""`` when absent)."""
    v = args.get(key)
    if v is None:
        return ""
    return v if isinstance(v, str) else str(v)


def as_bool(v: object) -> bool:
    """OKX booleans arrive as JSON booleans or as ``"true"``/``"false"``."""
    if isinstance(v, bool):
        return v
    return isinstance(v, str) and v.lower() == "true"


def _is_id(s: str, n: int) -> bool:
    return 0 < len(s) <= n and s.isascii() and s.isalnum()


def _decimal(v: str) -> Decimal | None:
    if not v or "_" in v:
        return None
    try:
        d = Decimal(v)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _units(d: Decimal, unit: Decimal) -> int | None:
    """``d / unit`` as an int, or ``None`` when ``d`` is not a whole multiple of ``unit``."""
    q = d / unit
    i = int(q)
    return i if q == i else None


def _required(args: Mapping[str, object], names: tuple[str, ...]) -> list[str]:
    values: list[str] = []
    for name in names:
        value = arg_text(args, name)
        if not value:
            raise Reject("50014", f"Parameter {name} can not be empty")
        values.append(value)
    return values


def _price(raw: str, tick: Decimal, name: str, *, any_sign: bool) -> int:
    """A price in ticks (``51000 Parameter {name} error`` unless a positive tick multiple)."""
    px = _decimal(raw)
    if px is None or (px <= 0 and not any_sign):
        raise Reject("51000", f"Parameter {name} error")
    ticks = _units(px, tick)
    if ticks is None:
        raise Reject("51000", f"Parameter {name} error")
    return ticks


def _lots(sz: Decimal, lot: Decimal) -> int:
    lots = _units(sz, lot)
    if lots is None:
        raise Reject("51121", _MSG_LOT)
    return lots


# ---------------------------------------------------------------------------- place


class NewOrder(NamedTuple):
    """The checked arguments of a new order."""

    #: The book it goes to (instId or sprdId).
    key: str
    inst: Instrument | None
    cl_ord_id: str
    tag: str
    buy: bool
    ord_type: OrdType
    #: ``None`` for market orders.
    px_ticks: int | None
    sz: Decimal
    #: 0 for a quote-sized spot market order (the book decides how much it buys).
    sz_lots: int
    td_mode: str = ""
    tgt_ccy: str = ""
    reduce_only: bool = False
    stp_mode: str = "cancel_maker"


def check_place(
    venue: OrderVenue, args: Mapping[str, object], inst_id: str | None = None
) -> NewOrder:
    """Check a place item (``inst_id``: REST names the instrument by ``instId``)."""
    cl = arg_text(args, "clOrdId")
    tag = arg_text(args, "tag")
    if cl and not _is_id(cl, 32):
        raise Reject("51000", "Parameter clOrdId error")
    if tag and not _is_id(tag, 16):
        raise Reject("51000", "Parameter tag error")
    if venue == "spread":
        return _check_spread_place(args, cl, tag)
    return _check_book_place(args, inst_id, cl, tag)


def resolve_instrument(args: Mapping[str, object], inst_id: str | None) -> Instrument:
    """The instrument an item names: by ``instIdCode`` (WS since 2026-03), or by ``inst_id``."""
    if inst_id is not None:
        if not inst_id:
            raise Reject("50014", "Parameter instId can not be empty")
        inst = instrument_by_id(inst_id)
    else:
        code = args.get("instIdCode")
        if code is None or code == "":
            raise Reject("50014", "Parameter instIdCode can not be empty")
        if isinstance(code, str) and code.isdigit():
            code = int(code)
        if not isinstance(code, int) or isinstance(code, bool):
            raise Reject("51000", "Parameter instIdCode error")
        inst = instrument_by_code(code)
    if inst is None:
        raise Reject("51001", MSG_NO_INST)
    return inst


def _side_and_type(side: str, ord_type: str, types: Mapping[str, OrdType]) -> tuple[bool, OrdType]:
    if side != "buy" and side != "sell":
        raise Reject("51000", "Parameter side error")
    t = types.get(ord_type)
    if t is None:
        raise Reject("51000", "Parameter ordType error")
    return side == "buy", t


def _size(raw: str) -> Decimal:
    sz = _decimal(raw)
    if sz is None or sz <= 0:
        raise Reject("51000", "Parameter sz error")
    return sz


def _check_book_place(
    args: Mapping[str, object], inst_id: str | None, cl: str, tag: str
) -> NewOrder:
    inst = resolve_instrument(args, inst_id)
    td, side, ord_type_raw, sz_raw = _required(args, ("tdMode", "side", "ordType", "sz"))
    if td not in _TD_MODES:
        raise Reject("51000", "Parameter tdMode error")
    buy, ord_type = _side_and_type(side, ord_type_raw, _ORD_TYPES)
    spot = inst.is_spot
    if spot:
        if td != "cash":
            raise Reject("51010", _MSG_ACCT_MODE)
    elif td == "cash" or td == "spot_isolated":
        raise Reject("51000", "Parameter tdMode error")
    sz = _size(sz_raw)
    px_ticks: int | None = None
    if ord_type not in MARKET_TYPES:
        px_raw = arg_text(args, "px")
        if not px_raw:
            raise Reject("50014", "Parameter px can not be empty")
        px_ticks = _price(px_raw, inst.tick_sz, "px", any_sign=False)
    if not spot and arg_text(args, "posSide") not in ("", "net"):
        raise Reject("51000", "Parameter posSide error")
    tgt = ""
    if spot and ord_type is OrdType.MARKET:
        tgt = arg_text(args, "tgtCcy") or ("quote_ccy" if buy else "base_ccy")
        if tgt != "quote_ccy" and tgt != "base_ccy":
            raise Reject("51000", "Parameter tgtCcy error")
    sz_lots = 0
    if tgt != "quote_ccy":
        sz_lots = _lots(sz, inst.lot_sz)
        if sz < inst.min_sz:
            raise Reject("51020", _MSG_MIN)
    return NewOrder(
        key=inst.inst_id,
        inst=inst,
        cl_ord_id=cl,
        tag=tag,
        buy=buy,
        ord_type=ord_type,
        px_ticks=px_ticks,
        sz=sz,
        sz_lots=sz_lots,
        td_mode=td,
        tgt_ccy=tgt,
        reduce_only=as_bool(args.get("reduceOnly")),
        stp_mode=arg_text(args, "stpMode") or "cancel_maker",
    )


def _check_spread_place(args: Mapping[str, object], cl: str, tag: str) -> NewOrder:
    sprd_id = arg_text(args, "sprdId")
    if not sprd_id:
        raise Reject("50014", "Parameter sprdId can not be empty")
    sp: Spread | None = spread_by_id(sprd_id)
    if sp is None:
        raise Reject("51001", MSG_NO_INST)
    side, ord_type_raw, sz_raw = _required(args, ("side", "ordType", "sz"))
    buy, ord_type = _side_and_type(side, ord_type_raw, _SPREAD_ORD_TYPES)
    sz = _size(sz_raw)
    sz_lots = _lots(sz, sp.lot_sz)
    if sz < sp.min_sz:
        raise Reject("51020", _MSG_MIN)
    px_ticks: int | None = None
    if ord_type not in MARKET_TYPES:
        px_raw = arg_text(args, "px")
        if not px_raw:
            raise Reject("50014", "Parameter px can not be empty")
        px_ticks = _price(px_raw, sp.tick_sz, "px", any_sign=True)
    return NewOrder(
        key=sp.sprd_id,
        inst=None,
        cl_ord_id=cl,
        tag=tag,
        buy=buy,
        ord_type=ord_type,
        px_ticks=px_ticks,
        sz=sz,
        sz_lots=sz_lots,
    )


# ---------------------------------------------------------------------------- amend, cancel


def check_cancel(args: Mapping[str, object]) -> tuple[str, str]:
    """A cancel (and an amend) names its order: ``(ordId, clOrdId)``."""
    ord_id = arg_text(args, "ordId")
    cl = arg_text(args, "clOrdId")
    if not ord_id and not cl:
        raise Reject("51003", _MSG_NO_ID)
    return ord_id, cl


def check_amend(args: Mapping[str, object]) -> tuple[str, str, str, str]:
    """An amend names its order and a change: ``(ordId, clOrdId, newSz, newPx)``."""
    ord_id, cl = check_cancel(args)
    req = arg_text(args, "reqId")
    if req and not _is_id(req, 32):
        raise Reject("51000", "Parameter reqId error")
    sz_raw = arg_text(args, "newSz")
    px_raw = arg_text(args, "newPx")
    if not sz_raw and not px_raw:
        raise Reject("51500", _MSG_NO_AMEND)
    return ord_id, cl, sz_raw, px_raw


def amend_values(
    book: Book[Any], lots: int, ticks: int, sz_raw: str, px_raw: str
) -> tuple[int, int]:
    """The amended ``(sz_lots, px_ticks)`` of an order now at ``(lots, ticks)``.

    ``newSz`` includes what is already filled.
    """
    if sz_raw:
        sz = _decimal(sz_raw)
        if sz is None or sz <= 0:
            raise Reject("51000", "Parameter newSz error")
        lots = _lots(sz, book.lot)
    if px_raw:
        ticks = _price(px_raw, book.tick, "newPx", any_sign=VENUES[book.venue].any_price)
    return lots, ticks


# ---------------------------------------------------------------------------- mass cancel


def mass_cancel_scope(venue: OrderVenue, args: Mapping[str, object]) -> Callable[[Book[Any]], bool]:
    """Which books a mass cancel clears; argument errors raise :class:`EngineArgError`.

    Order book (MMP): ``instType`` ``OPTION`` + ``instFamily`` only, as on OKX; ``lockInterval``
    is checked but the lock is not modelled. Spreads: every spread, or ``sprdId``'s.
    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-mass-cancel-order
    """
    if venue == "spread":
        sprd_id = arg_text(args, "sprdId")
        if sprd_id and spread_by_id(sprd_id) is None:
            raise EngineArgError("51001", MSG_NO_INST)
        return lambda book: not sprd_id or book.key == sprd_id
    inst_type = arg_text(args, "instType")
    family = arg_text(args, "instFamily")
    if not inst_type:
        raise EngineArgError("50014", "Parameter instType can not be empty")
    if not family:
        raise EngineArgError("50014", "Parameter instFamily can not be empty")
    if inst_type != "OPTION":
        raise EngineArgError("51000", "Parameter instType error")
    lock = arg_text(args, "lockInterval")
    if lock and (not lock.isdigit() or int(lock) > 10_000):
        raise EngineArgError("51000", "Parameter lockInterval error")

    def in_scope(book: Book[Any]) -> bool:
        inst = book.inst
        return inst is not None and inst.inst_type == inst_type and inst.inst_family == family

    return in_scope
