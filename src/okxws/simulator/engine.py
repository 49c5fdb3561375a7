"""Pure, deterministic OKX-compatible exchange engine (no I/O, no clocks, stdlib only).

Model
-----
* A fixed instrument table (two SPOT pairs, one linear SWAP, one BTC-USD OPTION) and one Nitro
  spread, each with an ``instIdCode`` (the integer WS order ops use since 2026, see
  https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order).
* One price-time-priority limit book per instrument and per spread. Prices are integer ticks and
  sizes integer lots internally; money (balances, fees, margin) is :class:`decimal.Decimal`.
* A synthetic market maker (internal account :data:`MM_UID`, never pushed) quotes ``mm_levels``
  levels per side around a mid price. It tops its levels up at the end of any operation that hit
  it; :meth:`Engine.tick_market` moves every mid by a seeded random walk and re-quotes (the new
  quotes may fill users' resting orders, as makers).
* Accounts: SPOT trades in ``cash`` mode move base/quote balances (limit buys reserve ``px*sz``
  quote, sells reserve base); SWAP/OPTION trade in ``cross``/``isolated`` margin in the settle
  currency with net positions, initial margin = notional / lever (SWAP lever 10, OPTION 1), and
  realised PnL on reduction. Fees: maker 0.08 %, taker 0.1 % (SPOT: on the received currency);
  OKX's sign convention is used on the wire (a charged fee is negative).
* Self-trade prevention is always ``cancel_maker`` (the taker cancels the user's own resting
  order, ``cancelSource`` ``"32"``); ``stpMode`` is only echoed.
* Nitro spread orders match on their own book and report on ``sprd-orders``; leg settlement is
  not modelled (spread fills do not move balances).
* Time is an argument (``now_ms``); randomness comes only from ``random.Random(seed)``, so the
  same seed and the same calls give the same ids, prices and events.

Every operation returns the per-item result dict exactly as OKX puts it in the WS op response
``data`` (key order of the recorded frames) and appends push-worthy changes to an outbox read by
:meth:`Engine.drain_events`: one :class:`OrderEvent` per ``orders``/``sprd-orders`` push as it
happens, then (coalesced per drain) one :class:`BalanceEvent` per user with the currencies that
changed and one :class:`MarketEvent` per book that changed.

Lifecycle of pushes (from recorded traffic): an accepted order pushes ``live``; each fill as taker
pushes ``partially_filled`` with ``execType`` ``T``; a taker that completes (or whose IOC/FOK/market
remainder is cancelled) gets a separate state-only ``filled``/``canceled`` push. A resting order
filled as maker pushes the real state with ``execType`` ``M``. A ``post_only`` order that would
take liquidity is accepted (``sCode`` ``"0"``) and then cancelled with ``cancelSource`` ``"31"``;
an unfillable FOK is cancelled with ``"13"``, an IOC/market remainder with ``"14"``.

Argument errors of ``mass-cancel`` / ``sprd-mass-cancel`` raise :class:`EngineArgError`, which the
caller turns into an envelope error; every other rejection is a per-item ``sCode``.
"""

from __future__ import annotations

import bisect
import random
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

__all__ = [
    "INSTRUMENTS",
    "MM_UID",
    "SPREADS",
    "BalanceEvent",
    "Engine",
    "EngineArgError",
    "Event",
    "Instrument",
    "MarketEvent",
    "OrderEvent",
    "Spread",
    "instruments_as_rest",
    "resolve_inst_id",
    "resolve_inst_id_code",
    "resolve_spread",
    "spreads_as_rest",
]

MM_UID: Final = "__mm__"
"""Uid of the internal market-maker account (never pushed, never balance-checked)."""

MAKER_FEE_RATE: Final = Decimal("0.0008")
TAKER_FEE_RATE: Final = Decimal("0.001")

_D0: Final = Decimal(0)
_D1: Final = Decimal(1)
_USD_LIKE: Final = frozenset({"USDT", "USDC", "USD"})
_Q12: Final = Decimal("1e-12")
_LIST_TIME: Final = "1700000000000"

_ORDER_TYPES: Final = frozenset(
    {"market", "limit", "post_only", "fok", "ioc", "optimal_limit_ioc", "mmp", "mmp_and_post_only"}
)
_PX_TYPES: Final = frozenset({"limit", "post_only", "fok", "ioc", "mmp", "mmp_and_post_only"})
_MARKET_TYPES: Final = frozenset({"market", "optimal_limit_ioc"})
_POST_ONLY_TYPES: Final = frozenset({"post_only", "mmp_and_post_only"})
_SPRD_TYPES: Final = frozenset({"market", "limit", "post_only", "ioc"})
_TD_MODES: Final = frozenset({"cash", "cross", "isolated", "spot_isolated"})

_MSG_PLACED: Final = "Order successfully placed."
_MSG_NO_INST: Final = "Instrument ID, Instrument ID code or Spread ID doesn't exist."
_MSG_DUP_CL: Final = "Duplicated client order ID"
_MSG_LOT: Final = "Order quantity must be a multiple of the lot size."
_MSG_MIN: Final = "Your order should meet or exceed the minimum order amount."
_MSG_ACCT_MODE: Final = "You can't complete this request under your current account mode."
_MSG_NO_ID: Final = "Either client order ID or order ID is required."
_MSG_NO_AMEND: Final = "You must enter a price, quantity, or TP/SL"
_MSG_AMEND_GONE: Final = "Your order has already been filled or canceled."
_MSG_AMEND_PO: Final = (
    "Modification failed as the order price did not meet the requirement for Post Only."
)
_MSG_AMEND_BAL: Final = "Unable to edit order: insufficient balance or margin."
_MSG_CANCEL_GONE: Final = (
    "Order cancellation failed as the order has been filled, canceled or does not exist."
)
_MSG_REDUCE: Final = (
    "Order failed because you don't have any positions in this direction for this contract "
    "to reduce or close."
)


# --------------------------------------------------------------------------------------------
# Static reference data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Instrument:
    """An order-book instrument, as listed by ``GET /api/v5/public/instruments``.

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

    @property
    def is_spot(self) -> bool:
        """True for SPOT instruments (cash trading, no positions)."""
        return self.inst_type == "SPOT"


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

_BY_CODE: Final = {i.inst_id_code: i for i in INSTRUMENTS}
_BY_ID: Final = {i.inst_id: i for i in INSTRUMENTS}
_SPRD_BY_ID: Final = {s.sprd_id: s for s in SPREADS}

# market-maker quoting: (half spread ticks, level gap ticks, base size lots, random-walk ticks)
_MM_CONF: Final[dict[str, tuple[int, int, int, int]]] = {
    "BTC-USDT": (1, 1, 50_000_000, 50),
    "ETH-USDT": (1, 1, 5_000_000, 50),
    "BTC-USDT-SWAP": (1, 1, 5_000, 50),
    "BTC-USD-261225-100000-C": (2, 1, 100, 1),
    "BTC-USDT_BTC-USDT-SWAP": (1, 1, 5_000, 3),
}


def resolve_inst_id_code(code: int) -> Instrument | None:
    """Return the instrument whose ``instIdCode`` is ``code`` (``None`` if unknown).

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order
    """
    return _BY_CODE.get(code)


def resolve_inst_id(inst_id: str) -> Instrument | None:
    """Return the instrument named ``inst_id`` (``None`` if unknown)."""
    return _BY_ID.get(inst_id)


def resolve_spread(sprd_id: str) -> Spread | None:
    """Return the spread named ``sprd_id`` (``None`` if unknown)."""
    return _SPRD_BY_ID.get(sprd_id)


def _fmt(d: Decimal) -> str:
    """OKX-style number string: plain notation, no trailing zeros, ``"0"`` for zero."""
    if not d:
        return "0"
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def instruments_as_rest(inst_type: str | None = None) -> list[dict[str, Any]]:
    """``GET /api/v5/public/instruments`` data items (all strings but integer ``instIdCode``).

    https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments
    """
    out: list[dict[str, Any]] = []
    for i in INSTRUMENTS:
        if inst_type is not None and i.inst_type != inst_type:
            continue
        deriv = not i.is_spot
        out.append(
            {
                "alias": "",
                "auctionEndTime": "",
                "baseCcy": i.base_ccy,
                "category": "1",
                "ctMult": "1" if deriv else "",
                "ctType": "linear" if i.inst_type == "SWAP" else "",
                "ctVal": _fmt(i.ct_val) if deriv else "",
                "ctValCcy": i.ct_val_ccy,
                "expTime": i.exp_time,
                "instFamily": i.inst_family,
                "instId": i.inst_id,
                "instIdCode": i.inst_id_code,
                "instType": i.inst_type,
                "lever": i.max_lever,
                "listTime": _LIST_TIME,
                "lotSz": _fmt(i.lot_sz),
                "maxIcebergSz": "9999999999",
                "maxLmtAmt": "20000000",
                "maxLmtSz": "9999999999",
                "maxMktAmt": "1000000",
                "maxMktSz": "1000000",
                "maxStopSz": "1000000",
                "maxTriggerSz": "9999999999",
                "maxTwapSz": "9999999999",
                "minSz": _fmt(i.min_sz),
                "optType": i.opt_type,
                "quoteCcy": i.quote_ccy,
                "ruleType": "normal",
                "settleCcy": i.settle_ccy,
                "state": i.state,
                "stk": i.stk,
                "tickSz": _fmt(i.tick_sz),
                "uly": i.inst_family,
            }
        )
    return out


def spreads_as_rest() -> list[dict[str, Any]]:
    """``GET /api/v5/sprd/spreads`` data items.

    https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-spreads-public
    """
    return [
        {
            "sprdId": s.sprd_id,
            "sprdType": s.sprd_type,
            "state": s.state,
            "baseCcy": s.base_ccy,
            "szCcy": s.sz_ccy,
            "quoteCcy": s.quote_ccy,
            "tickSz": _fmt(s.tick_sz),
            "minSz": _fmt(s.min_sz),
            "lotSz": _fmt(s.lot_sz),
            "listTime": _LIST_TIME,
            "legs": [{"instId": leg, "side": side} for leg, side in s.legs],
            "expTime": "",
            "uTime": _LIST_TIME,
        }
        for s in SPREADS
    ]


# --------------------------------------------------------------------------------------------
# Events and errors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One ``orders`` (or ``sprd-orders``) push: ``data`` is the full order object.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-order-channel
    """

    uid: str
    channel: Literal["orders", "sprd-orders"]
    inst_type: str
    inst_id: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BalanceEvent:
    """One ``account`` push data item for ``uid`` (``details`` = the currencies that changed).

    https://www.okx.com/docs-v5/en/#trading-account-websocket-account-channel
    """

    uid: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MarketEvent:
    """The book / ticker of ``inst_id`` (an instId or a sprdId) changed."""

    inst_id: str


Event = OrderEvent | BalanceEvent | MarketEvent


class EngineArgError(Exception):
    """Request-level argument error; the caller answers with an envelope ``code``/``msg``."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg


class _Reject(Exception):
    def __init__(self, code: str, msg: str, sub: str = "") -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.sub = sub


# --------------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------------

# (fillPx, fillSz, tradeId, fee charged, pnl, execType, fill notional, fillTime)
_Fill = tuple[str, str, str, Decimal, Decimal, str, str, str]


class _Order:
    __slots__ = (
        "amend_result",
        "book",
        "buy",
        "c_time",
        "cancel_source",
        "canceled_lots",
        "ccy",
        "cl_ord_id",
        "fee",
        "fee_ccy",
        "fill_value",
        "filled_lots",
        "is_mm",
        "last_fill",
        "lever",
        "notional",
        "ord_id",
        "ord_type",
        "pnl",
        "px",
        "px_str",
        "px_ticks",
        "rebate_ccy",
        "reduce_only",
        "req_id",
        "res_ccy",
        "reserved",
        "resting",
        "state",
        "stp_mode",
        "sz_lots",
        "sz_str",
        "tag",
        "td_mode",
        "tgt_ccy",
        "u_time",
        "uid",
    )

    def __init__(
        self,
        uid: str,
        ord_id: str,
        book: _Book,
        buy: bool,
        ord_type: str,
        px_ticks: int,
        sz_lots: int,
        now: int,
    ) -> None:
        self.uid = uid
        self.ord_id = ord_id
        self.book = book
        self.buy = buy
        self.ord_type = ord_type
        self.px_ticks = px_ticks  # -1 for market orders
        self.px: Decimal | None = None if px_ticks < 0 else px_ticks * book.tick
        self.px_str = "" if self.px is None else _fmt(self.px)
        self.sz_lots = sz_lots
        self.sz_str = ""
        self.filled_lots = 0
        self.canceled_lots = 0
        self.fill_value = _D0
        self.fee = _D0
        self.pnl = _D0
        self.reserved = _D0
        self.res_ccy = ""
        self.state = "live"
        self.c_time = now
        self.u_time = now
        self.cl_ord_id = ""
        self.tag = ""
        self.td_mode = ""
        self.tgt_ccy = ""
        self.ccy = ""
        self.fee_ccy = ""
        self.rebate_ccy = ""
        self.lever = "0"
        self.notional = ""
        self.reduce_only = "false"
        self.stp_mode = "cancel_maker"
        self.req_id = ""
        self.amend_result = ""
        self.cancel_source = ""
        self.is_mm = uid == MM_UID
        self.resting = False
        self.last_fill: _Fill | None = None


class _Side:
    """One side of a book: ``prices`` ascending, each level an insertion-ordered dict."""

    __slots__ = ("is_bid", "levels", "prices")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[int, dict[str, _Order]] = {}
        self.prices: list[int] = []

    def best(self) -> int | None:
        p = self.prices
        if not p:
            return None
        return p[-1] if self.is_bid else p[0]

    def add(self, o: _Order) -> None:
        lvl = self.levels.get(o.px_ticks)
        if lvl is None:
            lvl = self.levels[o.px_ticks] = {}
            bisect.insort(self.prices, o.px_ticks)
        lvl[o.ord_id] = o
        o.resting = True

    def remove(self, o: _Order) -> None:
        lvl = self.levels[o.px_ticks]
        del lvl[o.ord_id]
        o.resting = False
        if not lvl:
            del self.levels[o.px_ticks]
            p = self.prices
            del p[bisect.bisect_left(p, o.px_ticks)]

    def best_first(self) -> Iterable[int]:
        return reversed(self.prices) if self.is_bid else iter(self.prices)


class _Book:
    __slots__ = (
        "asks",
        "bids",
        "high",
        "inst",
        "key",
        "last_lots",
        "last_ticks",
        "lot",
        "low",
        "mid",
        "min_sz",
        "mm",
        "mm_conf",
        "open_ticks",
        "spread",
        "tick",
        "vol_ccy",
        "vol_lots",
    )

    def __init__(self, key: str, inst: Instrument | None, spread: Spread | None) -> None:
        self.key = key
        self.inst = inst
        self.spread = spread
        src: Instrument | Spread | None = inst if inst is not None else spread
        assert src is not None
        self.tick = src.tick_sz
        self.lot = src.lot_sz
        self.min_sz = src.min_sz
        self.mid = int(src.mid_px / src.tick_sz)
        self.bids = _Side(True)
        self.asks = _Side(False)
        self.mm: dict[tuple[bool, int], _Order] = {}
        self.mm_conf = _MM_CONF[key]
        self.open_ticks = self.mid
        self.last_ticks: int | None = None
        self.last_lots = 0
        self.high = self.mid
        self.low = self.mid
        self.vol_lots = 0
        self.vol_ccy = _D0


class _Bal:
    __slots__ = ("cash", "ord", "pos", "u_time")

    def __init__(self, cash: Decimal, now: int) -> None:
        self.cash = cash
        self.ord = _D0  # reserved by open orders
        self.pos = _D0  # initial margin of open positions
        self.u_time = now


class _Pos:
    __slots__ = ("cost", "margin", "qty")

    def __init__(self) -> None:
        self.qty = _D0  # signed contracts
        self.cost = _D0  # |entry value| in settle ccy
        self.margin = _D0


class _Account:
    __slots__ = (
        "bal",
        "cl_last",
        "pending",
        "pending_cl",
        "pos",
        "sprd_cl_last",
        "sprd_pending",
        "sprd_pending_cl",
        "uid",
    )

    def __init__(self, uid: str) -> None:
        self.uid = uid
        self.bal: dict[str, _Bal] = {}
        self.pos: dict[str, _Pos] = {}
        self.pending: dict[str, _Order] = {}
        self.pending_cl: dict[str, _Order] = {}
        self.cl_last: dict[str, _Order] = {}
        self.sprd_pending: dict[str, _Order] = {}
        self.sprd_pending_cl: dict[str, _Order] = {}
        self.sprd_cl_last: dict[str, _Order] = {}


def _place_item(
    tag: str, ts: str, ord_id: str, cl: str, code: str, msg: str, sub: str
) -> dict[str, str]:
    """A place result item, keys in the order of recorded replies (okx-protocol.md 11a.3)."""
    return {"tag": tag, "ts": ts, "ordId": ord_id, "clOrdId": cl, "sCode": code, "sMsg": msg,
            "subCode": sub}  # fmt: skip


def _s(args: Mapping[str, object], key: str) -> str:
    v = args.get(key)
    if v is None:
        return ""
    return v if isinstance(v, str) else str(v)


def _alnum(s: str, n: int) -> bool:
    return 0 < len(s) <= n and s.isascii() and s.isalnum()


def _bool(v: object) -> bool:
    if isinstance(v, bool):
        return v
    return isinstance(v, str) and v.lower() == "true"


def _dec(v: str) -> Decimal | None:
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


DEFAULT_BALANCES: Final[dict[str, str]] = {"USDT": "1000000", "BTC": "10", "ETH": "100"}


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------


class Engine:
    """The exchange: books, accounts, matching and the push outbox.

    ``seed`` fixes the id counters and the market random walk. ``history_limit`` bounds how many
    finished orders stay queryable. https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws
    """

    def __init__(self, seed: int = 0, *, history_limit: int = 100_000, mm_levels: int = 5) -> None:
        self._rng = random.Random(seed)
        self._next_ord = self._rng.randrange(2_000_000_000_000_000, 3_000_000_000_000_000)
        self._next_trade = self._rng.randrange(1_000_000_000_000_000, 2_000_000_000_000_000)
        self._history_limit = history_limit
        self._mm_levels = mm_levels
        self._now = 0
        self._accounts: dict[str, _Account] = {}
        self._orders: dict[str, _Order] = {}
        self._done: deque[str] = deque()
        self._events: list[Event] = []
        self._dirty_bal: dict[str, dict[str, None]] = {}
        self._dirty_mkt: dict[str, None] = {}
        self._mm_dirty: dict[str, _Book] = {}
        self._books: dict[str, _Book] = {}
        for inst in INSTRUMENTS:
            self._books[inst.inst_id] = _Book(inst.inst_id, inst, None)
        for sp in SPREADS:
            self._books[sp.sprd_id] = _Book(sp.sprd_id, None, sp)
        for book in self._books.values():
            self._requote(book)
        self._dirty_mkt.clear()

    # ---------------------------------------------------------------- accounts / ids / events

    def create_account(self, uid: str, balances: Mapping[str, str | Decimal] | None = None) -> None:
        """Create (or reset the balances of) account ``uid``; default 1M USDT, 10 BTC, 100 ETH."""
        if uid == MM_UID:
            raise ValueError("reserved uid")
        acct = self._accounts.get(uid)
        if acct is None:
            acct = self._accounts[uid] = _Account(uid)
        src = DEFAULT_BALANCES if balances is None else balances
        for ccy, amt in src.items():
            acct.bal[ccy] = _Bal(Decimal(amt), self._now)

    def has_account(self, uid: str) -> bool:
        """Whether ``uid`` has an account."""
        return uid in self._accounts

    def _acct(self, uid: str) -> _Account:
        acct = self._accounts.get(uid)
        if acct is None:
            self.create_account(uid)
            acct = self._accounts[uid]
        return acct

    def _bal(self, acct: _Account, ccy: str) -> _Bal:
        b = acct.bal.get(ccy)
        if b is None:
            b = acct.bal[ccy] = _Bal(_D0, self._now)
        return b

    def _touch(self, uid: str, ccy: str, b: _Bal) -> None:
        b.u_time = self._now
        d = self._dirty_bal.get(uid)
        if d is None:
            self._dirty_bal[uid] = {ccy: None}
        else:
            d[ccy] = None

    def _new_id(self) -> str:
        self._next_ord += 1
        return str(self._next_ord)

    def _new_trade_id(self) -> str:
        self._next_trade += 1
        return str(self._next_trade)

    def drain_events(self) -> list[Event]:
        """Return and clear the outbox: order pushes in order, then balance and market changes."""
        out = self._events
        self._events = []
        if self._dirty_bal:
            for uid, ccys in self._dirty_bal.items():
                out.append(BalanceEvent(uid, self._account_data(uid, ccys)))
            self._dirty_bal = {}
        if self._dirty_mkt:
            out.extend(MarketEvent(k) for k in self._dirty_mkt)
            self._dirty_mkt = {}
        return out

    # ---------------------------------------------------------------- resolution helpers

    def resolve_inst_id_code(self, code: int) -> Instrument | None:
        """Same as the module function :func:`resolve_inst_id_code`."""
        return _BY_CODE.get(code)

    def _resolve(self, args: Mapping[str, object], inst_id: str | None) -> _Book:
        if inst_id is not None:
            if not inst_id:
                raise _Reject("50014", "Parameter instId can not be empty")
            inst = _BY_ID.get(inst_id)
        else:
            code = args.get("instIdCode")
            if code is None or code == "":
                raise _Reject("50014", "Parameter instIdCode can not be empty")
            if isinstance(code, bool):
                raise _Reject("51000", "Parameter instIdCode error")
            if isinstance(code, str):
                if not code.isdigit():
                    raise _Reject("51000", "Parameter instIdCode error")
                code = int(code)
            if not isinstance(code, int):
                raise _Reject("51000", "Parameter instIdCode error")
            inst = _BY_CODE.get(code)
        if inst is None:
            raise _Reject("51001", _MSG_NO_INST)
        return self._books[inst.inst_id]

    # ---------------------------------------------------------------- place

    def place_order(
        self, uid: str, args: Mapping[str, object], now_ms: int, *, inst_id: str | None = None
    ) -> dict[str, str]:
        """WS ``order`` (one item of ``batch-orders``): validate, reserve, match, rest.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order
        """
        self._now = now_ms
        cl = _s(args, "clOrdId")
        tag = _s(args, "tag")
        ts = str(now_ms)
        try:
            o = self._new_order(uid, args, inst_id)
        except _Reject as r:
            return _place_item(tag, ts, "", cl, r.code, r.msg, r.sub)
        self._push(o, None)
        self._run_taker(o)
        self._flush_mm()
        return _place_item(tag, ts, o.ord_id, cl, "0", _MSG_PLACED, "")

    def _new_order(self, uid: str, args: Mapping[str, object], inst_id: str | None) -> _Order:
        cl = _s(args, "clOrdId")
        tag = _s(args, "tag")
        if cl and not _alnum(cl, 32):
            raise _Reject("51000", "Parameter clOrdId error")
        if tag and not _alnum(tag, 16):
            raise _Reject("51000", "Parameter tag error")
        book = self._resolve(args, inst_id)
        inst = book.inst
        assert inst is not None
        td = _s(args, "tdMode")
        side = _s(args, "side")
        ord_type = _s(args, "ordType")
        sz_raw = _s(args, "sz")
        for name, val in (("tdMode", td), ("side", side), ("ordType", ord_type), ("sz", sz_raw)):
            if not val:
                raise _Reject("50014", f"Parameter {name} can not be empty")
        if td not in _TD_MODES:
            raise _Reject("51000", "Parameter tdMode error")
        if side != "buy" and side != "sell":
            raise _Reject("51000", "Parameter side error")
        if ord_type not in _ORDER_TYPES:
            raise _Reject("51000", "Parameter ordType error")
        spot = inst.is_spot
        if spot:
            if td != "cash":
                raise _Reject("51010", _MSG_ACCT_MODE)
        elif td == "cash" or td == "spot_isolated":
            raise _Reject("51000", "Parameter tdMode error")
        sz = _dec(sz_raw)
        if sz is None or sz <= 0:
            raise _Reject("51000", "Parameter sz error")
        buy = side == "buy"
        market = ord_type in _MARKET_TYPES
        px_ticks = -1
        if ord_type in _PX_TYPES:
            px_raw = _s(args, "px")
            if not px_raw:
                raise _Reject("50014", "Parameter px can not be empty")
            px = _dec(px_raw)
            if px is None or px <= 0:
                raise _Reject("51000", "Parameter px error")
            t = _units(px, book.tick)
            if t is None:
                raise _Reject("51000", "Parameter px error")
            px_ticks = t
        pos_side = _s(args, "posSide")
        if not spot and pos_side not in ("", "net"):
            raise _Reject("51000", "Parameter posSide error")
        tgt = ""
        if spot and ord_type == "market":
            tgt = _s(args, "tgtCcy") or ("quote_ccy" if buy else "base_ccy")
            if tgt != "quote_ccy" and tgt != "base_ccy":
                raise _Reject("51000", "Parameter tgtCcy error")
        quote_sized = tgt == "quote_ccy"
        sz_lots = 0
        if not quote_sized:
            lots = _units(sz, book.lot)
            if lots is None:
                raise _Reject("51121", _MSG_LOT)
            if sz < book.min_sz:
                raise _Reject("51020", _MSG_MIN)
            sz_lots = lots
        acct = self._acct(uid)
        if cl and cl in acct.pending_cl:
            raise _Reject("51016", _MSG_DUP_CL)
        reduce_only = _bool(args.get("reduceOnly"))
        if reduce_only and not spot:
            p = acct.pos.get(inst.inst_id)
            if p is None or not p.qty or (p.qty > 0) == buy:
                raise _Reject("51169", _MSG_REDUCE)

        # ---- reservation
        if spot:
            res_ccy = inst.quote_ccy if buy else inst.base_ccy
            if market:
                if quote_sized:
                    lots, value = self._preview(book, buy, uid, None, None, sz)
                    sz_lots = lots
                    need = sz if buy else lots * book.lot
                    res = value if buy else need
                else:
                    lots, value = self._preview(book, buy, uid, None, sz_lots, None)
                    need = res = value if buy else sz
            else:
                need = res = px_ticks * book.tick * sz if buy else sz
            sub, what = "1000", "balance"
        else:
            res_ccy = inst.settle_ccy
            if market:
                lots, value = self._preview(book, buy, uid, None, sz_lots, None)
                need = res = value * inst.ct_val / inst.lever
            else:
                need = res = px_ticks * book.tick * sz * inst.ct_val / inst.lever
            sub, what = "1001", "margin"
        bal = self._bal(acct, res_ccy)
        if need > bal.cash - bal.ord - bal.pos:
            raise _Reject("51008", f"Order failed. Insufficient {res_ccy} {what} in account.", sub)

        o = _Order(uid, self._new_id(), book, buy, ord_type, px_ticks, sz_lots, self._now)
        o.sz_str = _fmt(sz)
        o.cl_ord_id = cl
        o.tag = tag
        o.td_mode = td
        o.tgt_ccy = tgt
        o.reduce_only = "true" if reduce_only else "false"
        o.stp_mode = _s(args, "stpMode") or "cancel_maker"
        o.res_ccy = res_ccy
        o.reserved = res
        if spot:
            o.fee_ccy, o.rebate_ccy = (
                (inst.base_ccy, inst.quote_ccy) if buy else (inst.quote_ccy, inst.base_ccy)
            )
            ref = o.px if o.px is not None else book.mid * book.tick
            o.notional = _fmt(sz if quote_sized else sz * ref)
        else:
            o.ccy = o.fee_ccy = o.rebate_ccy = inst.settle_ccy
            o.lever = _fmt(inst.lever)
            ref = o.px if o.px is not None else book.mid * book.tick
            n = sz * inst.ct_val * ref
            if inst.settle_ccy == "BTC":
                n *= self._books["BTC-USDT"].mid * self._books["BTC-USDT"].tick
            o.notional = _fmt(n)
        self._orders[o.ord_id] = o
        acct.pending[o.ord_id] = o
        if cl:
            acct.pending_cl[cl] = o
            acct.cl_last[cl] = o
        if res:
            bal.ord += res
            self._touch(uid, res_ccy, bal)
        return o

    def _preview(
        self,
        book: _Book,
        buy: bool,
        uid: str,
        limit: int | None,
        max_lots: int | None,
        budget: Decimal | None,
    ) -> tuple[int, Decimal]:
        """Lots and quote value a taker could fill now (own orders skipped: STP)."""
        opp = book.asks if buy else book.bids
        unit = book.tick * book.lot
        lots = 0
        value = _D0
        for p in opp.best_first():
            if limit is not None and (p > limit if buy else p < limit):
                break
            for m in opp.levels[p].values():
                if m.uid == uid:
                    continue
                q = m.sz_lots - m.filled_lots
                if max_lots is not None:
                    q = min(q, max_lots - lots)
                if budget is not None:
                    q = min(q, int((budget - value) / (p * unit)))
                if q <= 0:
                    return lots, value
                lots += q
                value += p * q * unit
                if max_lots is not None and lots >= max_lots:
                    return lots, value
        return lots, value

    def _crosses(self, book: _Book, buy: bool, px_ticks: int) -> bool:
        if buy:
            a = book.asks.best()
            return a is not None and a <= px_ticks
        b = book.bids.best()
        return b is not None and b >= px_ticks

    def _run_taker(self, o: _Order) -> None:
        """Match ``o`` as taker, then rest it or finish it (post_only/FOK checks first)."""
        book = o.book
        if o.ord_type in _POST_ONLY_TYPES and self._crosses(book, o.buy, o.px_ticks):
            self._finish(o, "canceled", "31")
            return
        if o.ord_type == "fok":
            lots, _ = self._preview(book, o.buy, o.uid, o.px_ticks, o.sz_lots, None)
            if lots < o.sz_lots - o.filled_lots:
                self._finish(o, "canceled", "13")
                return
        market = o.px_ticks < 0
        if market or self._crosses(book, o.buy, o.px_ticks):
            self._match(o, None if market else o.px_ticks)
        if o.filled_lots >= o.sz_lots:
            if o.sz_lots == 0 and not o.filled_lots:
                self._finish(o, "canceled", "14")
            else:
                self._finish(o, "filled", "")
        elif market or o.ord_type in ("ioc", "fok"):
            self._finish(o, "canceled", "14")
        else:
            (book.bids if o.buy else book.asks).add(o)
            self._dirty_mkt[book.key] = None

    def _match(self, t: _Order, limit: int | None) -> None:
        book = t.book
        opp = book.asks if t.buy else book.bids
        buy = t.buy
        while t.filled_lots < t.sz_lots:
            best = opp.best()
            if best is None or (limit is not None and (best > limit if buy else best < limit)):
                break
            for m in list(opp.levels[best].values()):
                if m.uid == t.uid and not t.is_mm:
                    self._finish(m, "canceled", "32")
                    continue
                q = min(t.sz_lots - t.filled_lots, m.sz_lots - m.filled_lots)
                self._trade(t, m, best, q)
                if t.filled_lots >= t.sz_lots:
                    break
        self._dirty_mkt[book.key] = None

    def _trade(self, t: _Order, m: _Order, px_ticks: int, q: int) -> None:
        book = t.book
        now = self._now
        p = px_ticks * book.tick
        qty = q * book.lot
        trade_id = self._new_trade_id()
        m.filled_lots += q
        t.filled_lots += q
        book.last_ticks = px_ticks
        book.last_lots = q
        book.vol_lots += q
        if px_ticks > book.high:
            book.high = px_ticks
        if px_ticks < book.low:
            book.low = px_ticks
        inst = book.inst
        book.vol_ccy += p * qty if inst is None or inst.is_spot else qty * inst.ct_val
        if m.filled_lots >= m.sz_lots:
            (book.asks if t.buy else book.bids).remove(m)
            if m.is_mm:
                m.state = "filled"
        elif m.is_mm:
            m.state = "partially_filled"
        if m.is_mm:
            self._mm_dirty[book.key] = book
        else:
            done = m.filled_lots >= m.sz_lots
            m.state = "filled" if done else "partially_filled"
            m.u_time = now
            self._settle(m, p, qty, True, trade_id)
            if done:
                self._finish(m, "filled", "", push=False)
        if not t.is_mm:
            t.state = "partially_filled"
            t.u_time = now
            self._settle(t, p, qty, False, trade_id)

    def _settle(self, o: _Order, p: Decimal, qty: Decimal, maker: bool, trade_id: str) -> None:
        """Book one fill of ``o`` (balances, position, fee) and push it."""
        o.fill_value += p * qty
        inst = o.book.inst
        rate = MAKER_FEE_RATE if maker else TAKER_FEE_RATE
        pnl = _D0
        if inst is None:  # spread: no leg settlement
            fee = _D0
            notional = p * qty
        else:
            acct = self._accounts[o.uid]
            uid = o.uid
            if inst.is_spot:
                notional = value = p * qty
                qb = self._bal(acct, inst.quote_ccy)
                bb = self._bal(acct, inst.base_ccy)
                if o.buy:
                    rel = value if o.px is None else o.px * qty
                    if rel > o.reserved:
                        rel = o.reserved
                    o.reserved -= rel
                    qb.ord -= rel
                    qb.cash -= value
                    fee = qty * rate
                    bb.cash += qty - fee
                else:
                    rel = qty if qty <= o.reserved else o.reserved
                    o.reserved -= rel
                    bb.ord -= rel
                    bb.cash -= qty
                    fee = value * rate
                    qb.cash += value - fee
                self._touch(uid, inst.quote_ccy, qb)
                self._touch(uid, inst.base_ccy, bb)
            else:
                lever = inst.lever
                notional = p * qty * inst.ct_val
                b = self._bal(acct, inst.settle_ccy)
                rel = notional / lever if o.px is None else o.px * qty * inst.ct_val / lever
                if rel > o.reserved:
                    rel = o.reserved
                o.reserved -= rel
                b.ord -= rel
                fee = notional * rate
                pos = acct.pos.get(inst.inst_id)
                if pos is None:
                    pos = acct.pos[inst.inst_id] = _Pos()
                signed = qty if o.buy else -qty
                if not pos.qty or (pos.qty > 0) == o.buy:
                    pos.qty += signed
                    pos.cost += notional
                    mg = notional / lever
                    pos.margin += mg
                    b.pos += mg
                else:
                    held = abs(pos.qty)
                    close = qty if qty <= held else held
                    if close == held:
                        basis, mrel = pos.cost, pos.margin
                    else:
                        basis = (pos.cost * close / held).quantize(_Q12)
                        mrel = (pos.margin * close / held).quantize(_Q12)
                    exit_val = p * close * inst.ct_val
                    pnl = exit_val - basis if pos.qty > 0 else basis - exit_val
                    pos.cost -= basis
                    pos.margin -= mrel
                    b.pos -= mrel
                    pos.qty += close if pos.qty < 0 else -close
                    rest = qty - close
                    if rest:
                        val = p * rest * inst.ct_val
                        pos.qty = rest if o.buy else -rest
                        pos.cost = val
                        mg = val / lever
                        pos.margin = mg
                        b.pos += mg
                b.cash += pnl - fee
                o.pnl += pnl
                self._touch(uid, inst.settle_ccy, b)
        o.fee += fee
        fill: _Fill = (
            _fmt(p),
            _fmt(qty),
            trade_id,
            fee,
            pnl,
            "M" if maker else "T",
            _fmt(notional),
            str(self._now),
        )
        o.last_fill = fill
        self._push(o, fill)

    def _finish(self, o: _Order, state: str, cancel_source: str, *, push: bool = True) -> None:
        """Move ``o`` to a terminal state: unrest, release reservation, unindex, push."""
        book = o.book
        if o.resting:
            (book.bids if o.buy else book.asks).remove(o)
            self._dirty_mkt[book.key] = None
        o.state = state
        o.u_time = self._now
        if o.is_mm:
            return
        if state == "canceled":
            o.cancel_source = cancel_source
            o.canceled_lots = max(o.sz_lots - o.filled_lots, 0)
        acct = self._accounts[o.uid]
        if o.reserved:
            b = acct.bal[o.res_ccy]
            b.ord -= o.reserved
            o.reserved = _D0
            self._touch(o.uid, o.res_ccy, b)
        if book.spread is not None:
            acct.sprd_pending.pop(o.ord_id, None)
            if o.cl_ord_id and acct.sprd_pending_cl.get(o.cl_ord_id) is o:
                del acct.sprd_pending_cl[o.cl_ord_id]
        else:
            acct.pending.pop(o.ord_id, None)
            if o.cl_ord_id and acct.pending_cl.get(o.cl_ord_id) is o:
                del acct.pending_cl[o.cl_ord_id]
        done = self._done
        done.append(o.ord_id)
        if len(done) > self._history_limit:
            old = self._orders.pop(done.popleft(), None)
            if old is not None and old.cl_ord_id:
                a = self._accounts[old.uid]
                last = a.sprd_cl_last if old.book.spread is not None else a.cl_last
                if last.get(old.cl_ord_id) is old:
                    del last[old.cl_ord_id]
        if push:
            self._push(o, None)

    # ---------------------------------------------------------------- amend

    def _pending_order(self, uid: str, ord_id: str, cl: str, book: _Book) -> _Order | None:
        """The user's live order on ``book`` by ``ordId`` (which wins) or ``clOrdId``."""
        acct = self._accounts.get(uid)
        if acct is None:
            return None
        o = acct.pending.get(ord_id) if ord_id else acct.pending_cl.get(cl)
        return o if o is not None and o.book is book else None

    def amend_order(
        self, uid: str, args: Mapping[str, object], now_ms: int, *, inst_id: str | None = None
    ) -> dict[str, str]:
        """WS ``amend-order``: ``newSz`` (includes filled) / ``newPx``, ``cxlOnFail``, ``reqId``.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-amend-order
        """
        self._now = now_ms
        ord_id = _s(args, "ordId")
        cl = _s(args, "clOrdId")
        req = _s(args, "reqId")
        ts = str(now_ms)
        o: _Order | None = None
        try:
            book = self._resolve(args, inst_id)
            if not ord_id and not cl:
                raise _Reject("51003", _MSG_NO_ID)
            if req and not _alnum(req, 32):
                raise _Reject("51000", "Parameter reqId error")
            new_sz_raw = _s(args, "newSz")
            new_px_raw = _s(args, "newPx")
            if not new_sz_raw and not new_px_raw:
                raise _Reject("51500", _MSG_NO_AMEND)
            o = self._pending_order(uid, ord_id, cl, book)
            if o is None:
                raise _Reject("51503", _MSG_AMEND_GONE)
            self._amend(self._accounts[uid], o, new_sz_raw, new_px_raw, req)
        except _Reject as r:
            if o is not None and _bool(args.get("cxlOnFail")):
                o.req_id = req
                o.amend_result = ""
                self._finish(o, "canceled", "1")
                self._flush_mm()
            return {
                "ordId": o.ord_id if o is not None else ord_id,
                "clOrdId": o.cl_ord_id if o is not None else cl,
                "sCode": r.code,
                "sMsg": r.msg,
                "reqId": req,
                "ts": ts,
                "subCode": r.sub,
            }
        self._flush_mm()
        return {
            "ordId": o.ord_id,
            "clOrdId": o.cl_ord_id,
            "sCode": "0",
            "sMsg": "",
            "reqId": req,
            "ts": ts,
            "subCode": "",
        }

    def _amend(self, acct: _Account, o: _Order, sz_raw: str, px_raw: str, req: str) -> None:
        book = o.book
        new_lots = o.sz_lots
        new_ticks = o.px_ticks
        if sz_raw:
            sz = _dec(sz_raw)
            if sz is None or sz <= 0:
                raise _Reject("51000", "Parameter newSz error")
            lots = _units(sz, book.lot)
            if lots is None:
                raise _Reject("51121", _MSG_LOT)
            new_lots = lots
        if px_raw:
            px = _dec(px_raw)
            if px is None or (px <= 0 and book.spread is None):
                raise _Reject("51000", "Parameter newPx error")
            t = _units(px, book.tick)
            if t is None:
                raise _Reject("51000", "Parameter newPx error")
            new_ticks = t
        o.req_id = req
        if new_lots <= o.filled_lots:
            o.amend_result = "0"
            o.sz_lots = new_lots
            o.sz_str = _fmt(new_lots * book.lot)
            self._finish(o, "filled", "")
            return
        price_changed = new_ticks != o.px_ticks
        if (
            price_changed
            and o.ord_type in _POST_ONLY_TYPES
            and self._crosses(book, o.buy, new_ticks)
        ):
            raise _Reject("51511", _MSG_AMEND_PO)
        diff = _D0
        bal: _Bal | None = None
        inst = book.inst
        if inst is not None:
            rem = (new_lots - o.filled_lots) * book.lot
            if inst.is_spot:
                new_res = new_ticks * book.tick * rem if o.buy else rem
            else:
                new_res = new_ticks * book.tick * rem * inst.ct_val / inst.lever
            diff = new_res - o.reserved
            bal = acct.bal[o.res_ccy]
            if diff > 0 and diff > bal.cash - bal.ord - bal.pos:
                raise _Reject("51502", _MSG_AMEND_BAL, "1030")
        requeue = price_changed or new_lots > o.sz_lots
        if requeue and o.resting:
            (book.bids if o.buy else book.asks).remove(o)
        if price_changed:
            o.px_ticks = new_ticks
            o.px = new_ticks * book.tick
            o.px_str = _fmt(o.px)
        if new_lots != o.sz_lots:
            o.sz_lots = new_lots
            o.sz_str = _fmt(new_lots * book.lot)
        if bal is not None and diff:
            o.reserved += diff
            bal.ord += diff
            self._touch(o.uid, o.res_ccy, bal)
        o.amend_result = "0"
        o.u_time = self._now
        self._dirty_mkt[book.key] = None
        self._push(o, None)
        if requeue:
            self._run_taker(o)

    # ---------------------------------------------------------------- cancel

    def cancel_order(
        self, uid: str, args: Mapping[str, object], now_ms: int, *, inst_id: str | None = None
    ) -> dict[str, str]:
        """WS ``cancel-order``; ``ts`` is the processing time (as in recorded replies).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-cancel-order
        """
        self._now = now_ms
        ord_id = _s(args, "ordId")
        cl = _s(args, "clOrdId")
        ts = str(now_ms)
        try:
            book = self._resolve(args, inst_id)
            if not ord_id and not cl:
                raise _Reject("51003", _MSG_NO_ID)
            o = self._pending_order(uid, ord_id, cl, book)
            if o is None:
                raise _Reject("51400", _MSG_CANCEL_GONE)
        except _Reject as r:
            return {"ts": ts, "ordId": ord_id, "clOrdId": cl, "sCode": r.code, "sMsg": r.msg}
        self._finish(o, "canceled", "1")
        return {"ts": ts, "ordId": o.ord_id, "clOrdId": o.cl_ord_id, "sCode": "0", "sMsg": ""}

    def mass_cancel(self, uid: str, args: Mapping[str, object], now_ms: int) -> dict[str, bool]:
        """WS ``mass-cancel`` (MMP): cancel pending orders of ``instType`` + ``instFamily``.

        Only ``instType`` ``OPTION`` is accepted, as on OKX. Argument errors raise
        :class:`EngineArgError` (``50014`` empty / ``51000`` bad value). ``lockInterval`` is
        validated but the lock is not modelled.
        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-mass-cancel-order
        """
        self._now = now_ms
        inst_type = _s(args, "instType")
        fam = _s(args, "instFamily")
        if not inst_type:
            raise EngineArgError("50014", "Parameter instType can not be empty")
        if not fam:
            raise EngineArgError("50014", "Parameter instFamily can not be empty")
        if inst_type != "OPTION":
            raise EngineArgError("51000", "Parameter instType error")
        lock = _s(args, "lockInterval")
        if lock and (not lock.isdigit() or int(lock) > 10_000):
            raise EngineArgError("51000", "Parameter lockInterval error")
        acct = self._accounts.get(uid)
        if acct is not None:
            for o in list(acct.pending.values()):
                inst = o.book.inst
                if inst is not None and inst.inst_type == inst_type and inst.inst_family == fam:
                    self._finish(o, "canceled", "1")
        return {"result": True}

    # ---------------------------------------------------------------- spreads

    def place_spread_order(
        self, uid: str, args: Mapping[str, object], now_ms: int
    ) -> dict[str, str]:
        """WS ``sprd-order`` (business URL).

        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-place-order
        """
        self._now = now_ms
        cl = _s(args, "clOrdId")
        tag = _s(args, "tag")
        try:
            o = self._new_spread_order(uid, args)
        except _Reject as r:
            return {"clOrdId": cl, "ordId": "", "tag": tag, "sCode": r.code, "sMsg": r.msg}
        self._push(o, None)
        self._run_taker(o)
        self._flush_mm()
        return {"clOrdId": cl, "ordId": o.ord_id, "tag": tag, "sCode": "0", "sMsg": ""}

    def _new_spread_order(self, uid: str, args: Mapping[str, object]) -> _Order:
        cl = _s(args, "clOrdId")
        tag = _s(args, "tag")
        if cl and not _alnum(cl, 32):
            raise _Reject("51000", "Parameter clOrdId error")
        if tag and not _alnum(tag, 16):
            raise _Reject("51000", "Parameter tag error")
        sprd_id = _s(args, "sprdId")
        if not sprd_id:
            raise _Reject("50014", "Parameter sprdId can not be empty")
        sp = _SPRD_BY_ID.get(sprd_id)
        if sp is None:
            raise _Reject("51001", _MSG_NO_INST)
        book = self._books[sp.sprd_id]
        side = _s(args, "side")
        ord_type = _s(args, "ordType")
        sz_raw = _s(args, "sz")
        for name, val in (("side", side), ("ordType", ord_type), ("sz", sz_raw)):
            if not val:
                raise _Reject("50014", f"Parameter {name} can not be empty")
        if side != "buy" and side != "sell":
            raise _Reject("51000", "Parameter side error")
        if ord_type not in _SPRD_TYPES:
            raise _Reject("51000", "Parameter ordType error")
        sz = _dec(sz_raw)
        if sz is None or sz <= 0:
            raise _Reject("51000", "Parameter sz error")
        lots = _units(sz, book.lot)
        if lots is None:
            raise _Reject("51121", _MSG_LOT)
        if sz < book.min_sz:
            raise _Reject("51020", _MSG_MIN)
        px_ticks = -1
        if ord_type != "market":
            px_raw = _s(args, "px")
            if not px_raw:
                raise _Reject("50014", "Parameter px can not be empty")
            px = _dec(px_raw)  # spread prices may be negative (basis)
            if px is None:
                raise _Reject("51000", "Parameter px error")
            t = _units(px, book.tick)
            if t is None:
                raise _Reject("51000", "Parameter px error")
            px_ticks = t
        acct = self._acct(uid)
        if cl and cl in acct.sprd_pending_cl:
            raise _Reject("51016", _MSG_DUP_CL)
        o = _Order(uid, self._new_id(), book, side == "buy", ord_type, px_ticks, lots, self._now)
        o.sz_str = _fmt(sz)
        o.cl_ord_id = cl
        o.tag = tag
        self._orders[o.ord_id] = o
        acct.sprd_pending[o.ord_id] = o
        if cl:
            acct.sprd_pending_cl[cl] = o
            acct.sprd_cl_last[cl] = o
        return o

    def _find_spread(self, uid: str, ord_id: str, cl: str) -> _Order | None:
        acct = self._accounts.get(uid)
        if acct is None:
            return None
        if ord_id:
            o = self._orders.get(ord_id)
            return o if o is not None and o.uid == uid and o.book.spread is not None else None
        return acct.sprd_pending_cl.get(cl) or acct.sprd_cl_last.get(cl)

    def amend_spread_order(
        self, uid: str, args: Mapping[str, object], now_ms: int
    ) -> dict[str, str]:
        """WS ``sprd-amend-order``: ``newSz`` (includes filled) / ``newPx``, ``reqId`` echoed.

        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-amend-order
        """
        self._now = now_ms
        ord_id = _s(args, "ordId")
        cl = _s(args, "clOrdId")
        req = _s(args, "reqId")
        o: _Order | None = None
        try:
            if not ord_id and not cl:
                raise _Reject("51003", _MSG_NO_ID)
            if req and not _alnum(req, 32):
                raise _Reject("51000", "Parameter reqId error")
            sz_raw = _s(args, "newSz")
            px_raw = _s(args, "newPx")
            if not sz_raw and not px_raw:
                raise _Reject("51500", _MSG_NO_AMEND)
            o = self._find_spread(uid, ord_id, cl)
            if o is None:
                raise _Reject("51503", "Order modification failed as the order does not exist.")
            if o.state == "canceled":
                raise _Reject("51509", "Modification failed as the order has been canceled.")
            if o.state == "filled":
                raise _Reject("51510", "Modification failed as the order has been completed.")
            self._amend(self._accounts[uid], o, sz_raw, px_raw, req)
        except _Reject as r:
            return {
                "clOrdId": o.cl_ord_id if o is not None else cl,
                "ordId": o.ord_id if o is not None else ord_id,
                "reqId": req,
                "sCode": r.code,
                "sMsg": r.msg,
            }
        self._flush_mm()
        return {"clOrdId": o.cl_ord_id, "ordId": o.ord_id, "reqId": req, "sCode": "0", "sMsg": ""}

    def cancel_spread_order(
        self, uid: str, args: Mapping[str, object], now_ms: int
    ) -> dict[str, str]:
        """WS ``sprd-cancel-order`` (51400 / 51401 / 51402 per the Nitro spread texts).

        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-cancel-order
        """
        self._now = now_ms
        ord_id = _s(args, "ordId")
        cl = _s(args, "clOrdId")
        try:
            if not ord_id and not cl:
                raise _Reject("51003", _MSG_NO_ID)
            o = self._find_spread(uid, ord_id, cl)
            if o is None:
                raise _Reject("51400", "Cancellation failed as the order does not exist.")
            if o.state == "canceled":
                raise _Reject("51401", "Cancellation failed as the order is already canceled.")
            if o.state == "filled":
                raise _Reject("51402", "Cancellation failed as the order is already completed.")
        except _Reject as r:
            return {"clOrdId": cl, "ordId": ord_id, "sCode": r.code, "sMsg": r.msg}
        self._finish(o, "canceled", "1")
        return {"clOrdId": o.cl_ord_id, "ordId": o.ord_id, "sCode": "0", "sMsg": ""}

    def mass_cancel_spread_orders(
        self, uid: str, args: Mapping[str, object], now_ms: int | None = None
    ) -> dict[str, bool]:
        """WS ``sprd-mass-cancel``: cancel all pending spread orders (of ``sprdId`` if given).

        An unknown ``sprdId`` raises :class:`EngineArgError` ``51001``.
        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-cancel-all-orders
        """
        if now_ms is not None:
            self._now = now_ms
        sprd_id = _s(args, "sprdId")
        if sprd_id and sprd_id not in _SPRD_BY_ID:
            raise EngineArgError("51001", _MSG_NO_INST)
        acct = self._accounts.get(uid)
        if acct is not None:
            for o in list(acct.sprd_pending.values()):
                if not sprd_id or o.book.key == sprd_id:
                    self._finish(o, "canceled", "1")
        return {"result": True}

    # ---------------------------------------------------------------- market maker

    def tick_market(self, now_ms: int) -> None:
        """Advance every mid by a seeded random step and re-quote the market maker.

        New quotes that cross users' resting orders fill them (users are makers).
        """
        self._now = now_ms
        for book in self._books.values():
            half, gap, _, walk = book.mm_conf
            floor = half + gap * self._mm_levels + 1
            book.mid = max(floor, book.mid + self._rng.randint(-walk, walk))
            self._requote(book)
        self._mm_dirty.clear()

    def _flush_mm(self) -> None:
        while self._mm_dirty:
            books = list(self._mm_dirty.values())
            self._mm_dirty.clear()
            for b in books:
                self._requote(b)

    def _requote(self, book: _Book) -> None:
        half, gap, size, _ = book.mm_conf
        mid = book.mid
        targets: dict[tuple[bool, int], int] = {}
        for k in range(self._mm_levels):
            targets[(False, mid + half + k * gap)] = size * (k + 1)
            targets[(True, mid - half - k * gap)] = size * (k + 1)
        changed = False
        for key, o in list(book.mm.items()):
            if key not in targets or not o.resting:
                if o.resting:
                    (book.bids if o.buy else book.asks).remove(o)
                del book.mm[key]
                changed = True
        for key, lots in targets.items():
            cur = book.mm.get(key)
            if cur is not None:
                if cur.sz_lots - cur.filled_lots != lots:
                    cur.sz_lots = cur.filled_lots + lots
                    changed = True
                continue
            buy, px = key
            o = _Order(MM_UID, self._new_id(), book, buy, "limit", px, lots, self._now)
            changed = True
            if self._crosses(book, buy, px):
                self._match(o, px)
                if o.filled_lots >= o.sz_lots:
                    o.sz_lots = o.filled_lots + lots  # refill the level after crossing users
            (book.bids if buy else book.asks).add(o)
            book.mm[key] = o
        if changed:
            self._dirty_mkt[book.key] = None

    # ---------------------------------------------------------------- push builders

    def _push(self, o: _Order, fill: _Fill | None) -> None:
        if o.is_mm:
            return
        book = o.book
        if book.spread is not None:
            self._events.append(
                OrderEvent(o.uid, "sprd-orders", "", book.key, self._sprd_data(o, fill))
            )
        else:
            inst = book.inst
            assert inst is not None
            self._events.append(
                OrderEvent(o.uid, "orders", inst.inst_type, inst.inst_id, self._order_data(o, fill))
            )

    def _avg_px(self, o: _Order) -> str:
        if not o.filled_lots:
            return "0"
        avg = o.fill_value / (o.filled_lots * o.book.lot)
        return _fmt(avg.quantize(_Q12) if avg != avg.to_integral_value() else avg)

    def _order_data(self, o: _Order, fill: _Fill | None) -> dict[str, Any]:
        book = o.book
        inst = book.inst
        assert inst is not None
        spot = inst.is_spot
        if fill is None:
            f_px = f_sz = f_tid = f_exec = f_time = f_notional = ""
            f_sz = "0"
            f_fee = f_pnl = "0"
            f_fee_ccy = ""
        else:
            f_px, f_sz, f_tid, fee, pnl, f_exec, f_notional, f_time = fill
            f_fee = _fmt(-fee)
            f_pnl = _fmt(pnl)
            f_fee_ccy = o.fee_ccy
        last = book.last_ticks if book.last_ticks is not None else book.mid
        return {
            "instType": inst.inst_type,
            "instId": inst.inst_id,
            "tgtCcy": o.tgt_ccy,
            "ccy": o.ccy,
            "tradeQuoteCcy": "",
            "ordId": o.ord_id,
            "clOrdId": o.cl_ord_id,
            "algoClOrdId": "",
            "algoId": "",
            "tag": o.tag,
            "px": o.px_str,
            "sz": o.sz_str,
            "notionalUsd": o.notional,
            "ordType": o.ord_type,
            "side": "buy" if o.buy else "sell",
            "posSide": "" if spot else "net",
            "tdMode": o.td_mode,
            "accFillSz": _fmt(o.filled_lots * book.lot) if o.filled_lots else "0",
            "fillNotionalUsd": f_notional,
            "avgPx": self._avg_px(o),
            "state": o.state,
            "lever": o.lever,
            "pnl": _fmt(o.pnl),
            "feeCcy": o.fee_ccy,
            "fee": _fmt(-o.fee),
            "rebateCcy": o.rebate_ccy,
            "rebate": "0",
            "category": "normal",
            "uTime": str(o.u_time),
            "cTime": str(o.c_time),
            "source": "",
            "reduceOnly": o.reduce_only,
            "cancelSource": o.cancel_source,
            "quickMgnType": "",
            "stpId": "",
            "stpMode": o.stp_mode,
            "attachAlgoClOrdId": "",
            "lastPx": _fmt(last * book.tick),
            "outcome": "",
            "isTpLimit": "false",
            "slTriggerPx": "",
            "slTriggerPxType": "",
            "tpOrdPx": "",
            "tpTriggerPx": "",
            "tpTriggerPxType": "",
            "slOrdPx": "",
            "fillPx": f_px,
            "tradeId": f_tid,
            "fillSz": f_sz,
            "fillTime": f_time,
            "fillPnl": f_pnl,
            "fillFee": f_fee,
            "fillFeeCcy": f_fee_ccy,
            "execType": f_exec,
            "fillPxVol": "",
            "fillPxUsd": "",
            "fillMarkVol": "",
            "fillFwdPx": "",
            "fillMarkPx": "",
            "fillIdxPx": "",
            "amendSource": "",
            "reqId": o.req_id,
            "amendResult": o.amend_result,
            "code": "0",
            "msg": "",
            "pxType": "",
            "pxUsd": "",
            "pxVol": "",
            "linkedAlgoOrd": {"algoId": ""},
            "attachAlgoOrds": [],
        }

    def _sprd_data(self, o: _Order, fill: _Fill | None) -> dict[str, Any]:
        lot = o.book.lot
        pending = o.state in ("live", "partially_filled")
        return {
            "sprdId": o.book.key,
            "ordId": o.ord_id,
            "clOrdId": o.cl_ord_id,
            "tag": o.tag,
            "px": o.px_str,
            "sz": o.sz_str,
            "ordType": o.ord_type,
            "side": "buy" if o.buy else "sell",
            "fillSz": fill[1] if fill is not None else "0",
            "fillPx": fill[0] if fill is not None else "",
            "tradeId": fill[2] if fill is not None else "",
            "accFillSz": _fmt(o.filled_lots * lot),
            "pendingFillSz": _fmt((o.sz_lots - o.filled_lots) * lot) if pending else "0",
            "pendingSettleSz": "0",
            "canceledSz": _fmt(o.canceled_lots * lot),
            "avgPx": self._avg_px(o),
            "state": o.state,
            "cancelSource": o.cancel_source,
            "reqId": o.req_id,
            "amendResult": o.amend_result,
            "code": "0",
            "msg": "",
            "uTime": str(o.u_time),
            "cTime": str(o.c_time),
        }

    def _usd_px(self, ccy: str) -> Decimal:
        if ccy in _USD_LIKE:
            return _D1
        book = self._books.get(f"{ccy}-USDT")
        return book.mid * book.tick if book is not None else _D0

    def _account_data(self, uid: str, ccys: Iterable[str]) -> dict[str, Any]:
        acct = self._accounts[uid]
        details: list[dict[str, str]] = []
        total = _D0
        ord_froz = _D0
        for ccy in ccys:
            b = acct.bal.get(ccy)
            if b is None:
                continue
            frozen = b.ord + b.pos
            usd = self._usd_px(ccy)
            eq_usd = b.cash * usd
            total += eq_usd
            ord_froz += b.ord * usd
            avail_s = _fmt(b.cash - frozen)
            cash_s = _fmt(b.cash)
            eq_usd_s = cash_s if usd is _D1 else _fmt(eq_usd)
            details.append(
                {
                    "availBal": avail_s,
                    "availEq": avail_s,
                    "cashBal": cash_s,
                    "ccy": ccy,
                    "coinUsdPrice": "1" if usd is _D1 else _fmt(usd),
                    "crossLiab": "0",
                    "disEq": eq_usd_s,
                    "eq": cash_s,
                    "eqUsd": eq_usd_s,
                    "frozenBal": _fmt(frozen),
                    "imr": _fmt(b.pos),
                    "interest": "0",
                    "isoEq": "0",
                    "isoLiab": "0",
                    "isoUpl": "0",
                    "liab": "0",
                    "maxLoan": "0",
                    "mgnRatio": "",
                    "notionalLever": "0",
                    "ordFrozen": _fmt(b.ord),
                    "stgyEq": "0",
                    "twap": "0",
                    "uTime": str(b.u_time),
                    "upl": "0",
                }
            )
        return {
            "adjEq": "",
            "details": details,
            "imr": "",
            "isoEq": "0",
            "mgnRatio": "",
            "mmr": "",
            "notionalUsd": "",
            "ordFroz": _fmt(ord_froz),
            "totalEq": _fmt(total),
            "uTime": str(self._now),
        }

    # ---------------------------------------------------------------- queries (REST)

    def _lookup(self, uid: str, ord_id: str | None, cl_ord_id: str | None) -> _Order | None:
        acct = self._accounts.get(uid)
        if acct is None:
            return None
        if ord_id:
            o = self._orders.get(ord_id)
            return o if o is not None and o.uid == uid else None
        if cl_ord_id:
            return acct.pending_cl.get(cl_ord_id) or acct.cl_last.get(cl_ord_id)
        return None

    def get_order(
        self, uid: str, *, inst_id: str, ord_id: str | None = None, cl_ord_id: str | None = None
    ) -> dict[str, Any] | None:
        """``GET /api/v5/trade/order``: the full order object (orders-push shape, last fill).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details
        """
        o = self._lookup(uid, ord_id, cl_ord_id)
        if o is None or o.book.key != inst_id or o.book.inst is None:
            return None
        return self._order_data(o, o.last_fill)

    def pending_orders(
        self, uid: str, inst_type: str | None = None, inst_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/trade/orders-pending``: newest first.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-list
        """
        acct = self._accounts.get(uid)
        if acct is None:
            return []
        out: list[dict[str, Any]] = []
        for o in reversed(acct.pending.values()):
            inst = o.book.inst
            assert inst is not None
            if inst_type is not None and inst.inst_type != inst_type:
                continue
            if inst_id is not None and inst.inst_id != inst_id:
                continue
            out.append(self._order_data(o, o.last_fill))
        return out

    def get_spread_order(
        self, uid: str, *, ord_id: str | None = None, cl_ord_id: str | None = None
    ) -> dict[str, Any] | None:
        """``GET /api/v5/sprd/order``: the spread order object (sprd-orders shape)."""
        o = self._find_spread(uid, ord_id or "", cl_ord_id or "")
        return None if o is None else self._sprd_data(o, o.last_fill)

    def pending_spread_orders(self, uid: str, sprd_id: str | None = None) -> list[dict[str, Any]]:
        """``GET /api/v5/sprd/orders-pending``: newest first."""
        acct = self._accounts.get(uid)
        if acct is None:
            return []
        return [
            self._sprd_data(o, o.last_fill)
            for o in reversed(acct.sprd_pending.values())
            if sprd_id is None or o.book.key == sprd_id
        ]

    def balance(self, uid: str) -> dict[str, Any]:
        """``GET /api/v5/account/balance`` data item (same shape as the ``account`` push).

        https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance
        """
        acct = self._acct(uid)
        return self._account_data(uid, list(acct.bal))

    def positions(self, uid: str) -> list[dict[str, str]]:
        """Open net positions (subset of ``GET /api/v5/account/positions`` fields)."""
        acct = self._accounts.get(uid)
        if acct is None:
            return []
        out: list[dict[str, str]] = []
        for inst_id, p in acct.pos.items():
            if not p.qty:
                continue
            inst = _BY_ID[inst_id]
            avg = p.cost / (abs(p.qty) * inst.ct_val)
            out.append(
                {
                    "instType": inst.inst_type,
                    "instId": inst_id,
                    "mgnMode": "cross",
                    "posSide": "net",
                    "pos": _fmt(p.qty),
                    "avgPx": _fmt(avg.quantize(_Q12)),
                    "ccy": inst.settle_ccy,
                    "imr": _fmt(p.margin),
                    "lever": _fmt(inst.lever),
                }
            )
        return out

    def _book(self, inst_id: str) -> _Book:
        book = self._books.get(inst_id)
        if book is None:
            raise KeyError(inst_id)
        return book

    def ticker(self, inst_id: str, now_ms: int) -> dict[str, str]:
        """``tickers`` push data item for an instrument (or a spread, keyed by sprdId).

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-tickers-channel
        """
        book = self._book(inst_id)
        tick = book.tick
        lot = book.lot
        bb, ba = book.bids.best(), book.asks.best()
        last = book.last_ticks if book.last_ticks is not None else book.mid
        open_px = _fmt(book.open_ticks * tick)
        inst = book.inst
        return {
            "instType": inst.inst_type if inst is not None else "SPREAD",
            "instId": inst_id,
            "last": _fmt(last * tick),
            "lastSz": _fmt(book.last_lots * lot),
            "askPx": "" if ba is None else _fmt(ba * tick),
            "askSz": "" if ba is None else _fmt(self._level_sz(book.asks, ba) * lot),
            "bidPx": "" if bb is None else _fmt(bb * tick),
            "bidSz": "" if bb is None else _fmt(self._level_sz(book.bids, bb) * lot),
            "open24h": open_px,
            "high24h": _fmt(book.high * tick),
            "low24h": _fmt(book.low * tick),
            "sodUtc0": open_px,
            "sodUtc8": open_px,
            "volCcy24h": _fmt(book.vol_ccy),
            "vol24h": _fmt(book.vol_lots * lot),
            "ts": str(now_ms),
        }

    @staticmethod
    def _level_sz(side: _Side, px: int) -> int:
        return sum(o.sz_lots - o.filled_lots for o in side.levels[px].values())

    def books5(self, inst_id: str, now_ms: int) -> dict[str, Any]:
        """``books5`` push data item: 5 levels of ``[px, sz, "0", numOrders]`` per side.

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
        """
        book = self._book(inst_id)
        return {
            "asks": self._levels(book, book.asks, 5),
            "bids": self._levels(book, book.bids, 5),
            "instId": inst_id,
            "ts": str(now_ms),
        }

    def _levels(self, book: _Book, side: _Side, n: int) -> list[list[str]]:
        out: list[list[str]] = []
        for p in side.best_first():
            lvl = side.levels[p]
            lots = sum(o.sz_lots - o.filled_lots for o in lvl.values())
            out.append([_fmt(p * book.tick), _fmt(lots * book.lot), "0", str(len(lvl))])
            if len(out) >= n:
                break
        return out

    def mid_price(self, inst_id: str) -> Decimal:
        """Current market-maker mid of an instrument or spread."""
        book = self._book(inst_id)
        return book.mid * book.tick

    # ---------------------------------------------------------------- self-check

    def audit(self) -> None:
        """Raise ``AssertionError`` if internal invariants are broken (for tests).

        Checks: order reservations add up to each ``ordFrozen``, position margins to the rest of
        ``frozenBal``, no negative cash/frozen/available, books hold exactly the resting orders.
        """
        for uid, acct in self._accounts.items():
            res: dict[str, Decimal] = {}
            for o in acct.pending.values():
                assert o.state in ("live", "partially_filled"), o.state
                res[o.res_ccy] = res.get(o.res_ccy, _D0) + o.reserved
            pm: dict[str, Decimal] = {}
            for inst_id, pos in acct.pos.items():
                c = _BY_ID[inst_id].settle_ccy
                pm[c] = pm.get(c, _D0) + pos.margin
            for ccy, b in acct.bal.items():
                assert b.ord == res.get(ccy, _D0), (uid, ccy, b.ord, res.get(ccy))
                assert b.pos == pm.get(ccy, _D0), (uid, ccy, b.pos, pm.get(ccy))
                assert b.cash >= 0 and b.ord >= 0 and b.pos >= 0, (uid, ccy)
                assert b.cash - b.ord - b.pos >= 0, (uid, ccy)
        for book in self._books.values():
            for side in (book.bids, book.asks):
                assert side.prices == sorted(side.levels), book.key
                for p, lvl in side.levels.items():
                    assert lvl, (book.key, p)
                    for o in lvl.values():
                        assert o.resting and o.px_ticks == p and o.filled_lots < o.sz_lots
            bb, ba = book.bids.best(), book.asks.best()
            assert bb is None or ba is None or bb < ba, (book.key, bb, ba)
