"""What the simulator's trades feed: the public tape (``trades``, ``trades-all``,
``GET /api/v5/market/trades``), the candlesticks, and each account's ``fills``,
``positions`` and ``balance_and_position`` changes. Pure core: the engine reports every match
here and drains the events with its own.

Rules (okx-streams-rest.md sections 2 and 3.3-3.5):

- ``trades`` aggregates the matches of one taker order at one price into one item: ``sz`` the
  sum, ``count`` how many, ``tradeId`` the last one's; ``seqId`` is an integer.
  ``trades-all`` and REST carry one item per match.
- ``fills`` aggregates a taker's fills per price the same way; maker fills are not aggregated.
  ``clOrdId`` is the client id only if it is a positive int64, else ``"0"``.
- ``balance_and_position`` pushes once per operation that filled orders of the account
  (``eventType`` ``filled``): the cash of the currencies the fills moved, the positions they
  changed, and the trades.

https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-trades-channel,
https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-fills-channel
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, NamedTuple

from okxws.protocol.channels import CANDLE_BARS
from okxws.protocol.codec import encode

from .book import Book
from .candles import Candle, CandleSeries
from .instruments import Instrument, instrument_by_id
from .ledger import Ledger
from .orders import Fill, Order
from .render import fmt, positions_data

__all__ = [
    "TRADE_HISTORY",
    "AccountFills",
    "BalPosEvent",
    "Feeds",
    "FillsEvent",
    "InstrumentsEvent",
    "Match",
    "PositionsEvent",
    "TradeAgg",
    "TradeEvent",
    "balance_and_position_data",
    "fills_events",
    "funding_rate_data",
    "held_positions",
    "mark_price_data",
    "match_item",
    "position_item",
    "positions_push",
    "private_push",
    "trade_item",
]

#: Matches remembered per instrument for ``GET /api/v5/market/trades`` (OKX's ``limit`` max).
TRADE_HISTORY: Final = 500
# OKX's trade seqIds exceed 2**32: start there so clients must read them as integers.
_FIRST_SEQ_ID: Final = 10**10
_INT64_MAX: Final = 2**63 - 1


class Match(NamedTuple):
    """One match of the public tape (``trades-all``, ``GET /api/v5/market/trades``)."""

    trade_id: str
    px_ticks: int
    lots: int
    #: The taker bought.
    buy: bool
    ts: int


class TradeAgg:
    """The matches of one taker order at one price: one ``trades`` push."""

    __slots__ = ("buy", "count", "lots", "ord_id", "px_ticks", "seq_id", "trade_id", "ts")

    def __init__(self, ord_id: str, m: Match) -> None:
        self.ord_id = ord_id
        self.px_ticks = m.px_ticks
        self.buy = m.buy
        self.lots = m.lots
        self.count = 1
        self.trade_id = m.trade_id
        self.ts = m.ts
        self.seq_id = 0


class TradeEvent(NamedTuple):
    """The public trades of one instrument's ``book`` in one operation (``trades``,
    ``trades-all``) and the candles they closed (``closed``: ``(bar, candle)``; ``traded``: the
    current candles changed). Rendered only for subscribers (:func:`trade_item`,
    :func:`match_item`)."""

    inst_id: str
    book: Book[Order]
    trades: list[TradeAgg]
    matches: list[Match]
    closed: list[tuple[str, Candle]]
    traded: bool


def match_item(book: Book[Order], m: Match) -> dict[str, Any]:
    """A ``trades-all`` push item (also ``GET /api/v5/market/trades``).

    https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-all-trades-channel
    """
    return {
        "instId": book.key,
        "tradeId": m.trade_id,
        "px": fmt(m.px_ticks * book.tick),
        "sz": fmt(m.lots * book.lot),
        "side": "buy" if m.buy else "sell",
        "source": "0",
        "ts": str(m.ts),
    }


def trade_item(book: Book[Order], t: TradeAgg) -> dict[str, Any]:
    """A ``trades`` push item: the matches of one taker order at one price.

    https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-trades-channel
    """
    return {
        "instId": book.key,
        "tradeId": t.trade_id,
        "px": fmt(t.px_ticks * book.tick),
        "sz": fmt(t.lots * book.lot),
        "side": "buy" if t.buy else "sell",
        "ts": str(t.ts),
        "count": str(t.count),
        "source": "0",
        "seqId": t.seq_id,
    }


class InstrumentsEvent(NamedTuple):
    """Instruments of ``inst_type`` that changed (``instruments`` push items)."""

    inst_type: str
    data: list[dict[str, Any]]


class FillsEvent(NamedTuple):
    """One ``fills`` push data item of account ``uid``."""

    uid: str
    inst_id: str
    data: dict[str, Any]


class BalPosEvent(NamedTuple):
    """One ``balance_and_position`` push data item of account ``uid``."""

    uid: str
    data: dict[str, Any]


class PositionsEvent(NamedTuple):
    """The ``positions`` items (``(instrument, item)``) of account ``uid`` that changed."""

    uid: str
    items: list[tuple[Instrument, dict[str, str]]]


class _Agg:
    """Matches of one taker order at one price (a ``trades`` or ``fills`` item in the making)."""

    __slots__ = ("count", "key", "px", "sz", "trade_id")

    def __init__(self, key: tuple[str, str, Decimal], px: Decimal, sz: Decimal, tid: str) -> None:
        self.key = key
        self.px = px
        self.sz = sz
        self.count = 1
        self.trade_id = tid


class _Tape:
    """One instrument's matches since the last drain, and its candles."""

    __slots__ = ("aggs", "all", "book", "closed", "history", "seq_id", "series")

    def __init__(self, book: Book[Order]) -> None:
        self.book = book
        self.history: deque[Match] = deque(maxlen=TRADE_HISTORY)
        self.series = [CandleSeries(bar) for bar in CANDLE_BARS]
        self.seq_id = _FIRST_SEQ_ID
        self.aggs: list[TradeAgg] = []
        self.all: list[Match] = []
        self.closed: list[tuple[str, Candle]] = []


class AccountFills:
    """One account's fills since the last drain: ``fills`` items, the currencies and positions
    they moved, the trades (``balance_and_position``'s ``trades``)."""

    __slots__ = ("ccys", "fills", "positions", "trades")

    def __init__(self) -> None:
        self.fills: list[tuple[_Agg | None, Order, Fill]] = []
        self.ccys: dict[str, None] = {}
        self.positions: dict[str, Instrument] = {}
        self.trades: list[dict[str, str]] = []


class Feeds:
    """The tape, candles and per-account fill records of one engine."""

    def __init__(self) -> None:
        self._tapes: dict[str, _Tape] = {}
        self._dirty: dict[str, _Tape] = {}
        self._accounts: dict[str, AccountFills] = {}

    @property
    def has_fills(self) -> bool:
        """Accounts filled since the last :meth:`drain_accounts`."""
        return bool(self._accounts)

    @property
    def has_trades(self) -> bool:
        """Trades (or closed candles) since the last :meth:`drain_trades`."""
        return bool(self._dirty)

    # ------------------------------------------------------------------ recording

    def trade(
        self, book: Book[Order], taker: Order, px_ticks: int, lots: int, trade_id: str, now: int
    ) -> None:
        """One match on an instrument's book (spreads have their own channels: ignored)."""
        inst = book.inst
        if inst is None:
            return
        key = book.key
        tape = self._tapes.get(key)
        if tape is None:
            tape = self._tapes[key] = _Tape(book)
        self._dirty[key] = tape
        m = Match(trade_id, px_ticks, lots, taker.buy, now)
        tape.all.append(m)
        tape.history.append(m)
        aggs = tape.aggs
        last = aggs[-1] if aggs else None
        if last is not None and last.ord_id == taker.ord_id and last.px_ticks == px_ticks:
            last.lots += lots
            last.count += 1
            last.trade_id = trade_id
        else:
            aggs.append(TradeAgg(taker.ord_id, m))
        value = px_ticks * lots
        for series in tape.series:  # every trade updates 27 candles: the common case inline
            cs = series.candles
            cur = cs[-1] if cs else None
            if cur is not None and now < cur.end:
                if px_ticks > cur.high:
                    cur.high = px_ticks
                elif px_ticks < cur.low:
                    cur.low = px_ticks
                cur.close = px_ticks
                cur.lots += lots
                cur.value += value
            else:
                closed = series.trade(px_ticks, lots, now)
                if closed is not None:
                    tape.closed.append((series.bar, closed))

    def user_fill(self, o: Order, fill: Fill) -> None:
        """A fill of a user's order (after the ledger booked it)."""
        acct = self._accounts.get(o.uid)
        if acct is None:
            acct = self._accounts[o.uid] = AccountFills()
        inst = o.book.inst
        assert inst is not None
        if not fill.maker:
            key = (o.ord_id, "T", fill.px)
            prev = acct.fills[-1][0] if acct.fills else None
            if prev is not None and prev.key == key:
                prev.sz += fill.sz
                prev.count += 1
                prev.trade_id = fill.trade_id
                acct.fills[-1] = (prev, o, fill)
            else:
                acct.fills.append((_Agg(key, fill.px, fill.sz, fill.trade_id), o, fill))
        else:
            acct.fills.append((None, o, fill))
        if inst.is_spot:
            acct.ccys[inst.base_ccy] = None
            acct.ccys[inst.quote_ccy] = None
        else:
            acct.ccys[inst.settle_ccy] = None
            acct.positions[inst.inst_id] = inst
        acct.trades.append({"instId": inst.inst_id, "tradeId": fill.trade_id})

    def roll(self, now: int) -> None:
        """Close the candles whose period ended by ``now`` (pushed with ``confirm`` ``"1"``)."""
        for key, tape in self._tapes.items():
            for series in tape.series:
                c = series.closed(now)
                if c is not None:
                    tape.closed.append((series.bar, c))
                    self._dirty[key] = tape

    # ------------------------------------------------------------------ draining

    def drain_accounts(self) -> list[tuple[str, AccountFills]]:
        """Each account that filled since the last drain, with its fills; forgets them."""
        out = list(self._accounts.items())
        self._accounts = {}
        return out

    def drain_trades(self) -> list[TradeEvent]:
        """The public trade events since the last drain."""
        out: list[TradeEvent] = []
        for key, tape in self._dirty.items():
            for agg in tape.aggs:
                tape.seq_id += 1
                agg.seq_id = tape.seq_id
            out.append(TradeEvent(key, tape.book, tape.aggs, tape.all, tape.closed, bool(tape.all)))
            tape.aggs = []
            tape.all = []
            tape.closed = []
        self._dirty = {}
        return out

    # ------------------------------------------------------------------ queries

    def recent_trades(self, inst_id: str, limit: int) -> list[dict[str, Any]]:
        """``GET /api/v5/market/trades``: the last ``limit`` matches, newest first.

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-trades
        """
        tape = self._tapes.get(inst_id)
        if tape is None:
            return []
        h = tape.history
        return [match_item(tape.book, h[-1 - i]) for i in range(min(limit, len(h)))]

    def candles(self, inst_id: str, bar: str) -> CandleSeries | None:
        """The candles of ``inst_id`` at ``bar`` (``None``: no trade yet)."""
        tape = self._tapes.get(inst_id)
        if tape is None:
            return None
        return next((s for s in tape.series if s.bar == bar), None)


def fills_events(uid: str, acct: AccountFills) -> list[FillsEvent]:
    """The ``fills`` push items of one drained account."""
    return [FillsEvent(uid, o.book.key, _fill_item(agg, o, fill)) for agg, o, fill in acct.fills]


def _fill_item(agg: _Agg | None, o: Order, fill: Fill) -> dict[str, Any]:
    cl = o.cl_ord_id
    cl_int = cl if cl.isdigit() and 0 < int(cl) <= _INT64_MAX and cl[0] != "0" else "0"
    return {
        "instId": o.book.key,
        "fillSz": fmt(fill.sz if agg is None else agg.sz),
        "fillPx": fmt(fill.px),
        "side": "buy" if o.buy else "sell",
        "ts": str(fill.time_ms),
        "ordId": o.ord_id,
        "clOrdId": cl_int,
        "tradeId": fill.trade_id if agg is None else agg.trade_id,
        "execType": "M" if fill.maker else "T",
        "count": "1" if agg is None else str(agg.count),
    }


def position_item(ledger: Ledger, inst: Instrument, mark_px: Decimal, now: int) -> dict[str, str]:
    """A ``positions`` push item of ``inst`` (``pos`` ``"0"`` once closed).

    https://www.okx.com/docs-v5/en/#trading-account-websocket-positions-channel
    """
    for item in positions_data(ledger):
        if item["instId"] == inst.inst_id:
            break
    else:
        item = {
            "instType": inst.inst_type,
            "instId": inst.inst_id,
            "mgnMode": "cross",
            "posSide": "net",
            "pos": "0",
            "avgPx": "",
            "ccy": inst.settle_ccy,
            "imr": "0",
            "lever": fmt(inst.lever),
        }
    return {
        **item,
        "posId": str(inst.inst_id_code),
        "posCcy": "",
        "markPx": fmt(mark_px),
        "uTime": str(now),
    }


def balance_and_position_data(
    event_type: str,
    ledger: Ledger,
    ccys: Iterable[str],
    positions: Iterable[Instrument],
    trades: list[dict[str, str]],
    now: int,
) -> dict[str, Any]:
    """A ``balance_and_position`` push data item (``eventType`` inside it).

    https://www.okx.com/docs-v5/en/#trading-account-websocket-balance-and-position-channel
    """
    bal = []
    for ccy in ccys:
        b = ledger.balances.get(ccy)
        if b is not None:
            bal.append({"ccy": ccy, "cashBal": fmt(b.cash), "uTime": str(b.u_time)})
    pos = []
    held = {p["instId"]: p for p in positions_data(ledger)}
    for inst in positions:
        p = held.get(inst.inst_id)
        pos.append(
            {
                "posId": str(inst.inst_id_code),
                "tradeId": trades[-1]["tradeId"] if trades else "",
                "instId": inst.inst_id,
                "instType": inst.inst_type,
                "mgnMode": "cross",
                "posSide": "net",
                "pos": "0" if p is None else p["pos"],
                "ccy": inst.settle_ccy,
                "posCcy": "",
                "avgPx": "" if p is None else p["avgPx"],
                "nonSettleAvgPx": "",
                "settledPnl": "0",
                "uTime": str(now),
            }
        )
    return {"pTime": str(now), "eventType": event_type, "balData": bal, "posData": pos,
            "trades": trades}  # fmt: skip


def held_positions(ledger: Ledger) -> list[Instrument]:
    """The instruments ``ledger`` holds a non-zero position in."""
    out = []
    for inst_id, p in ledger.positions.items():
        inst = instrument_by_id(inst_id)
        if p.qty and inst is not None:
            out.append(inst)
    return out


_D0: Final = Decimal(0)
_FUNDING_INTERVAL_MS: Final = 8 * 3600 * 1000
_INTEREST: Final = Decimal("0.0001")
_CLAMP: Final = Decimal("0.0005")
_MAX_RATE: Final = Decimal("0.00375")
_Q8: Final = Decimal("0.00000001")


def mark_price_data(inst: Instrument, mark_px: Decimal, now: int) -> dict[str, str]:
    """A ``mark-price`` push item (a spot pair's mark is its ``MARGIN`` one).

    https://www.okx.com/docs-v5/en/#public-data-websocket-mark-price-channel
    """
    inst_type = "MARGIN" if inst.is_spot else inst.inst_type
    return {"instType": inst_type, "instId": inst.inst_id, "markPx": fmt(mark_px), "ts": str(now)}


def funding_rate_data(
    inst: Instrument, mark_px: Decimal, index_px: Decimal, now: int
) -> dict[str, str]:
    """A ``funding-rate`` push item of a SWAP: OKX's formula over the premium of the mark over
    the index, every 8 hours (``fundingTime`` the next settlement).

    https://www.okx.com/docs-v5/en/#public-data-websocket-funding-rate-channel
    """
    premium = (mark_px - index_px) / index_px if index_px else _D0
    premium = premium.quantize(_Q8)
    rate = premium + max(-_CLAMP, min(_CLAMP, _INTEREST - premium))
    rate = max(-_MAX_RATE, min(_MAX_RATE, rate)).quantize(_Q8)
    funding_time = (now // _FUNDING_INTERVAL_MS + 1) * _FUNDING_INTERVAL_MS
    return {
        "formulaType": "withRate",
        "fundingRate": fmt(rate),
        "fundingTime": str(funding_time),
        "impactValue": "20000",
        "instId": inst.inst_id,
        "instType": inst.inst_type,
        "interestRate": fmt(_INTEREST),
        "maxFundingRate": fmt(_MAX_RATE),
        "method": "current_period",
        "minFundingRate": fmt(-_MAX_RATE),
        "nextFundingRate": "",
        "nextFundingTime": str(funding_time + _FUNDING_INTERVAL_MS),
        "premium": fmt(premium),
        "settFundingRate": fmt(rate),
        "settState": "settled",
        "ts": str(now),
    }


def private_push(arg: Mapping[str, Any], uid: str, data: list[Any]) -> bytes:
    """A ``fills`` / ``balance_and_position`` push: the subscription's ``arg`` plus ``uid``."""
    return encode({"arg": {**arg, "uid": uid}, "data": data})


def positions_push(arg: Mapping[str, Any], uid: str, data: list[Any], snapshot: bool) -> bytes:
    """A ``positions`` push: a one-page ``snapshot`` (on subscribe) or an ``event_update``.

    https://www.okx.com/docs-v5/en/#trading-account-websocket-positions-channel
    """
    head: dict[str, Any] = {"arg": {**arg, "uid": uid}}
    if snapshot:
        head.update(eventType="snapshot", curPage=1, lastPage=True)
    else:
        head["eventType"] = "event_update"
    head["data"] = data
    return encode(head)
