"""What the simulated exchange remembers of the past: fills, and queries over finished orders.

The engine records every fill of a user's order here (:meth:`FillLog.record`, a tuple, no
rendering on the hot path); the REST reads render on demand: ``GET /api/v5/trade/fills``,
``/api/v5/trade/orders-history``, ``/api/v5/sprd/orders-history`` and ``/api/v5/sprd/trades``.
Lists are newest first; ``after`` / ``before`` page by ``ordId`` (orders), ``billId`` (fills)
or ``tradeId`` (spread trades) as OKX documents, ``limit`` defaults to 100 (at most 100).
Pure: no I/O, no clock. okx-streams-rest.md section 4.5.5.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final, NamedTuple

from okxws.protocol.ops import OrderVenue

from .orders import PENDING_STATES, Fill, Order
from .render import fmt, order_data, spread_order_data

__all__ = [
    "FillLog",
    "FillRecord",
    "fills_data",
    "orders_history_data",
    "page_limit",
    "spread_trades_data",
]

_DEFAULT_LIMIT: Final = 100
#: billIds: a counter from a fixed start (like OKX's 18-digit ids).
_FIRST_BILL_ID: Final = 700_000_000_000_000_000


class FillRecord(NamedTuple):
    """One fill of one user order, as it happened (the order may have changed since)."""

    order: Order
    fill: Fill
    bill_id: str


class FillLog:
    """Every account's fills, oldest first, bounded to the last ``limit``."""

    __slots__ = ("_bill", "_fills")

    def __init__(self, limit: int = 100_000) -> None:
        self._fills: deque[FillRecord] = deque(maxlen=limit)
        self._bill = _FIRST_BILL_ID

    def record(self, o: Order, fill: Fill) -> None:
        """Remember one fill of ``o`` (called by the engine as it settles)."""
        self._bill += 1
        self._fills.append(FillRecord(o, fill, str(self._bill)))

    def of(self, uid: str, venue: OrderVenue) -> Iterator[FillRecord]:
        """``uid``'s fills on ``venue``, newest first."""
        for rec in reversed(self._fills):
            o = rec.order
            if o.uid == uid and o.venue == venue:
                yield rec


def page_limit(q: Mapping[str, str]) -> int:
    """The ``limit`` query parameter: 1-100, default 100 (a bad value counts as the default)."""
    raw = q.get("limit", "")
    return min(int(raw), _DEFAULT_LIMIT) if raw.isdigit() and int(raw) > 0 else _DEFAULT_LIMIT


def _paged(items: Iterable[dict[str, Any]], key: str, q: Mapping[str, str]) -> list[dict[str, Any]]:
    """Newest-first ``items`` paged by ``after`` (older than) / ``before`` (newer than) ``key``."""
    after, before = q.get("after", ""), q.get("before", "")
    limit = page_limit(q)
    out: list[dict[str, Any]] = []
    for d in items:
        ident = int(d[key]) if d[key].isdigit() else 0
        if after.isdigit() and ident >= int(after):
            continue
        if before.isdigit() and ident <= int(before):
            continue
        out.append(d)
        if len(out) >= limit:
            break
    return out


def _ms_window(q: Mapping[str, str], ts: str) -> bool:
    begin, end = q.get("begin", ""), q.get("end", "")
    return not (begin.isdigit() and int(ts) < int(begin)) and not (
        end.isdigit() and int(ts) > int(end)
    )


def orders_history_data(
    finished: Iterable[Order], venue: OrderVenue, uid: str, q: Mapping[str, str]
) -> list[dict[str, Any]]:
    """``GET /api/v5/trade/orders-history`` (``venue="book"``) or ``/api/v5/sprd/orders-history``.

    ``finished``: the engine's finished orders, newest first. Filters: ``instType``,
    ``instId``, ``ordType``, ``state`` (book); ``sprdId``, ``ordType``, ``state`` (spread).
    https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-history-last-7-days,
    https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-orders-last-21-days
    """
    render: Callable[[Order, Fill | None], dict[str, Any]] = (
        order_data if venue == "book" else spread_order_data
    )
    inst_key = "instId" if venue == "book" else "sprdId"
    wanted_inst = q.get(inst_key) or None
    inst_type = q.get("instType") or None
    ord_type = q.get("ordType") or None
    state = q.get("state") or None

    def matching() -> Iterator[dict[str, Any]]:
        for o in finished:
            if o.uid != uid or o.venue != venue or o.state in PENDING_STATES:
                continue
            inst = o.book.inst
            if inst_type is not None and (inst is None or inst.inst_type != inst_type):
                continue
            if wanted_inst is not None and o.book.key != wanted_inst:
                continue
            if ord_type is not None and o.ord_type != ord_type:
                continue
            if state is not None and o.state != state:
                continue
            d = render(o, o.last_fill)
            if _ms_window(q, d["cTime"]):
                yield d

    return _paged(matching(), "ordId", q)


def fills_data(log: FillLog, uid: str, q: Mapping[str, str]) -> list[dict[str, Any]]:
    """``GET /api/v5/trade/fills``: filters ``instType``, ``instId``, ``ordId``, ``begin``/``end``.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-days
    """
    inst_type, inst_id, ord_id = (q.get(k) or None for k in ("instType", "instId", "ordId"))

    def matching() -> Iterator[dict[str, Any]]:
        for rec in log.of(uid, "book"):
            o, f = rec.order, rec.fill
            inst = o.book.inst
            assert inst is not None
            if inst_type is not None and inst.inst_type != inst_type:
                continue
            if inst_id is not None and inst.inst_id != inst_id:
                continue
            if ord_id is not None and o.ord_id != ord_id:
                continue
            ts = str(f.time_ms)
            if not _ms_window(q, ts):
                continue
            yield {
                "instType": inst.inst_type,
                "instId": inst.inst_id,
                "tradeId": f.trade_id,
                "ordId": o.ord_id,
                "clOrdId": o.cl_ord_id,
                "billId": rec.bill_id,
                "subType": "1" if o.buy else "2",  # 1 buy, 2 sell (bill subtypes)
                "tag": o.tag,
                "fillPx": fmt(f.px),
                "fillSz": fmt(f.sz),
                "fillIdxPx": "",
                "fillPnl": fmt(f.pnl),
                "fillPxVol": "",
                "fillPxUsd": "",
                "fillMarkVol": "",
                "fillFwdPx": "",
                "fillMarkPx": "",
                "side": "buy" if o.buy else "sell",
                "posSide": "" if inst.is_spot else "net",
                "execType": "M" if f.maker else "T",
                "feeCcy": o.fee_ccy,
                "fee": fmt(-f.fee),
                "ts": ts,
                "fillTime": ts,
                "feeRate": "",
                "tradeQuoteCcy": "",
            }

    return _paged(matching(), "billId", q)


def spread_trades_data(log: FillLog, uid: str, q: Mapping[str, str]) -> list[dict[str, Any]]:
    """``GET /api/v5/sprd/trades``: filters ``sprdId``, ``ordId``, ``tradeId``, ``begin``/``end``.

    Legs are not modelled (spread fills settle no legs), so ``legs`` is empty.
    https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-trades-last-7-days
    """
    sprd_id, ord_id, trade_id = (q.get(k) or None for k in ("sprdId", "ordId", "tradeId"))

    def matching() -> Iterator[dict[str, Any]]:
        for rec in log.of(uid, "spread"):
            o, f = rec.order, rec.fill
            if sprd_id is not None and o.book.key != sprd_id:
                continue
            if ord_id is not None and o.ord_id != ord_id:
                continue
            if trade_id is not None and f.trade_id != trade_id:
                continue
            ts = str(f.time_ms)
            if not _ms_window(q, ts):
                continue
            yield {
                "sprdId": o.book.key,
                "tradeId": f.trade_id,
                "ordId": o.ord_id,
                "clOrdId": o.cl_ord_id,
                "tag": o.tag,
                "fillPx": fmt(f.px),
                "fillSz": fmt(f.sz),
                "side": "buy" if o.buy else "sell",
                "state": "filled",
                "execType": "M" if f.maker else "T",
                "ts": ts,
                "legs": [],
            }

    return _paged(matching(), "tradeId", q)
