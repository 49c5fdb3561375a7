"""Every piece of OKX JSON the simulator sends, from the domain records, in the key order of the
recorded frames (``tests/fixtures/okx-frames/``, okx-protocol.md section 11a).

Numbers are OKX strings: plain notation, no trailing zeros, ``"0"`` for zero (:func:`fmt`);
fees carry OKX's sign (a charged fee is negative). The ``StrEnum`` members of
:mod:`okxws.simulator.orders` are OKX's words and go in as they are (they are ``str``; their
``.value`` descriptor costs more than the rest of a field). Nothing here changes state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from okxws.protocol.codec import encode
from okxws.protocol.errors import ERROR_CODES
from okxws.protocol.ops import OpAction, OrderVenue

from .book import Book, Level
from .instruments import CURRENCIES, INSTRUMENTS, SPREADS, USD_LIKE, instrument_by_id
from .ledger import Ledger
from .orders import PENDING_STATES, Fill, ItemResult, Order

__all__ = [
    "MASS_CANCEL_OK",
    "account_data",
    "account_push",
    "books5",
    "currencies_as_rest",
    "error_text",
    "event_frame",
    "failed_item",
    "fmt",
    "instruments_as_rest",
    "item_shape",
    "market_push",
    "not_exist_msg",
    "notice_frame",
    "op_reply",
    "order_data",
    "order_push",
    "positions_data",
    "spread_order_data",
    "spreads_as_rest",
    "ticker",
]

_D0: Final = Decimal(0)
_D1: Final = Decimal(1)
_Q12: Final = Decimal("1e-12")
_LIST_TIME: Final = "1700000000000"

# Texts of recorded frames win over the docs table (okx-protocol.md 11a.5).
_TEXTS: Final = {code: info.msg for code, info in ERROR_CODES.items()}
_TEXTS["60032"] = "API key doesn't exist"  # login-fail-apikey-not-exist.json has no period
_NOT_EXIST: Final = (
    "Wrong URL or channel:{},{}:{} doesn't exist. "
    "Please use the correct URL, channel and parameters referring to API document."
)

#: The one item of a successful ``mass-cancel`` / ``sprd-mass-cancel``.
MASS_CANCEL_OK: Final = {"result": True}


def fmt(d: Decimal) -> str:
    """OKX-style number string: plain notation, no trailing zeros, ``"0"`` for zero."""
    if not d:
        return "0"
    s = str(d)  # plain notation unless the exponent is large; half the cost of format(d, "f")
    if "E" in s:
        s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def error_text(code: str) -> str:
    """OKX's message for ``code`` (``""`` if the table does not know it)."""
    return _TEXTS.get(code, "")


# ---------------------------------------------------------------------------- reference data


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
                "ctVal": fmt(i.ct_val) if deriv else "",
                "ctValCcy": i.ct_val_ccy,
                "expTime": i.exp_time,
                "instFamily": i.inst_family,
                "instId": i.inst_id,
                "instIdCode": i.inst_id_code,
                "instType": i.inst_type,
                "lever": i.max_lever,
                "listTime": _LIST_TIME,
                "lotSz": fmt(i.lot_sz),
                "maxIcebergSz": "9999999999",
                "maxLmtAmt": "20000000",
                "maxLmtSz": "9999999999",
                "maxMktAmt": "1000000",
                "maxMktSz": "1000000",
                "maxStopSz": "1000000",
                "maxTriggerSz": "9999999999",
                "maxTwapSz": "9999999999",
                "minSz": fmt(i.min_sz),
                "optType": i.opt_type,
                "quoteCcy": i.quote_ccy,
                "ruleType": "normal",
                "settleCcy": i.settle_ccy,
                "state": i.state,
                "stk": i.stk,
                "tickSz": fmt(i.tick_sz),
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
            "tickSz": fmt(s.tick_sz),
            "minSz": fmt(s.min_sz),
            "lotSz": fmt(s.lot_sz),
            "listTime": _LIST_TIME,
            "legs": [{"instId": leg, "side": side} for leg, side in s.legs],
            "expTime": "",
            "uTime": _LIST_TIME,
        }
        for s in SPREADS
    ]


def currencies_as_rest() -> list[dict[str, Any]]:
    """``GET /api/v5/asset/currencies`` data items.

    https://www.okx.com/docs-v5/en/#funding-account-rest-api-get-currencies
    """
    return [
        {
            "ccy": ccy,
            "name": name,
            "chain": f"{ccy}-{name}",
            "canDep": True,
            "canWd": True,
            "canInternal": True,
            "minWd": "0.0001",
            "maxWd": "1000000",
            "wdTickSz": "8",
            "minFee": "0",
            "maxFee": "0",
            "fee": "0",
            "mainNet": True,
            "logoLink": "",
            "minDep": "0.00000001",
        }
        for ccy, name in CURRENCIES
    ]


# ---------------------------------------------------------------------------- orders


def _avg_px(o: Order) -> str:
    if not o.filled_lots:
        return "0"
    avg = o.fill_value / (o.filled_lots * o.book.lot)
    return fmt(avg.quantize(_Q12) if avg != avg.to_integral_value() else avg)


def order_data(o: Order, fill: Fill | None) -> dict[str, Any]:
    """An ``orders`` push data item (also ``GET /api/v5/trade/order``); ``fill``: the fill it
    reports (``None``: a state change).

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-order-channel
    """
    book = o.book
    inst = book.inst
    assert inst is not None
    if fill is None:
        f_px = f_tid = f_exec = f_time = f_notional = f_fee_ccy = ""
        f_sz = f_fee = f_pnl = "0"
    else:
        f_px, f_sz, f_tid = fmt(fill.px), fmt(fill.sz), fill.trade_id
        f_fee, f_pnl, f_fee_ccy = fmt(-fill.fee), fmt(fill.pnl), o.fee_ccy
        f_exec, f_notional, f_time = (
            "M" if fill.maker else "T",
            fmt(fill.notional),
            str(fill.time_ms),
        )
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
        "px": "" if o.px is None else fmt(o.px),
        "sz": fmt(o.sz),
        "notionalUsd": "" if o.notional_usd is None else fmt(o.notional_usd),
        "ordType": o.ord_type,
        "side": "buy" if o.buy else "sell",
        "posSide": "" if inst.is_spot else "net",
        "tdMode": o.td_mode,
        "accFillSz": fmt(o.filled_lots * book.lot) if o.filled_lots else "0",
        "fillNotionalUsd": f_notional,
        "avgPx": _avg_px(o),
        "state": o.state,
        "lever": "0" if o.lever is None else fmt(o.lever),
        "pnl": fmt(o.pnl),
        "feeCcy": o.fee_ccy,
        "fee": fmt(-o.fee),
        "rebateCcy": o.rebate_ccy,
        "rebate": "0",
        "category": "normal",
        "uTime": str(o.u_time),
        "cTime": str(o.c_time),
        "source": "",
        "reduceOnly": "true" if o.reduce_only else "false",
        "cancelSource": o.cancel_source or "",
        "quickMgnType": "",
        "stpId": "",
        "stpMode": o.stp_mode,
        "attachAlgoClOrdId": "",
        "lastPx": fmt(book.last_or_mid * book.tick),
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
        "amendResult": "0" if o.amended else "",
        "code": "0",
        "msg": "",
        "pxType": "",
        "pxUsd": "",
        "pxVol": "",
        "linkedAlgoOrd": {"algoId": ""},
        "attachAlgoOrds": [],
    }


def spread_order_data(o: Order, fill: Fill | None) -> dict[str, Any]:
    """A ``sprd-orders`` push data item (also ``GET /api/v5/sprd/order``).

    https://www.okx.com/docs-v5/en/#spread-trading-websocket-private-channel-order-channel
    """
    lot = o.book.lot
    pending = o.state in PENDING_STATES
    return {
        "sprdId": o.book.key,
        "ordId": o.ord_id,
        "clOrdId": o.cl_ord_id,
        "tag": o.tag,
        "px": "" if o.px is None else fmt(o.px),
        "sz": fmt(o.sz),
        "ordType": o.ord_type,
        "side": "buy" if o.buy else "sell",
        "fillSz": "0" if fill is None else fmt(fill.sz),
        "fillPx": "" if fill is None else fmt(fill.px),
        "tradeId": "" if fill is None else fill.trade_id,
        "accFillSz": fmt(o.filled_lots * lot),
        "pendingFillSz": fmt((o.sz_lots - o.filled_lots) * lot) if pending else "0",
        "pendingSettleSz": "0",
        "canceledSz": fmt(o.canceled_lots * lot),
        "avgPx": _avg_px(o),
        "state": o.state,
        "cancelSource": o.cancel_source or "",
        "reqId": o.req_id,
        "amendResult": "0" if o.amended else "",
        "code": "0",
        "msg": "",
        "uTime": str(o.u_time),
        "cTime": str(o.c_time),
    }


# ---------------------------------------------------------------------------- account


def account_data(
    ledger: Ledger, ccys: Iterable[str], usd_price: Callable[[str], Decimal], now: int
) -> dict[str, Any]:
    """An ``account`` push data item (also ``GET /api/v5/account/balance``) with the
    ``details`` of ``ccys``; ``usd_price`` values a currency in USD.

    https://www.okx.com/docs-v5/en/#trading-account-websocket-account-channel
    """
    details: list[dict[str, str]] = []
    total = _D0
    ord_froz = _D0
    for ccy in ccys:
        b = ledger.balances.get(ccy)
        if b is None:
            continue
        frozen = b.on_orders + b.margin
        usd_like = ccy in USD_LIKE
        usd = _D1 if usd_like else usd_price(ccy)
        eq_usd = b.cash * usd
        total += eq_usd
        ord_froz += b.on_orders * usd
        avail_s = fmt(b.cash - frozen)
        cash_s = fmt(b.cash)
        eq_usd_s = cash_s if usd_like else fmt(eq_usd)
        details.append(
            {
                "availBal": avail_s,
                "availEq": avail_s,
                "cashBal": cash_s,
                "ccy": ccy,
                "coinUsdPrice": "1" if usd_like else fmt(usd),
                "crossLiab": "0",
                "disEq": eq_usd_s,
                "eq": cash_s,
                "eqUsd": eq_usd_s,
                "frozenBal": fmt(frozen),
                "imr": fmt(b.margin),
                "interest": "0",
                "isoEq": "0",
                "isoLiab": "0",
                "isoUpl": "0",
                "liab": "0",
                "maxLoan": "0",
                "mgnRatio": "",
                "notionalLever": "0",
                "ordFrozen": fmt(b.on_orders),
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
        "ordFroz": fmt(ord_froz),
        "totalEq": fmt(total),
        "uTime": str(now),
    }


def positions_data(ledger: Ledger) -> list[dict[str, str]]:
    """Open net positions (a subset of the ``GET /api/v5/account/positions`` fields).

    https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions
    """
    out: list[dict[str, str]] = []
    for inst_id, p in ledger.positions.items():
        if not p.qty:
            continue
        inst = instrument_by_id(inst_id)
        assert inst is not None
        avg = p.cost / (abs(p.qty) * inst.ct_val)
        out.append(
            {
                "instType": inst.inst_type,
                "instId": inst_id,
                "mgnMode": "cross",
                "posSide": "net",
                "pos": fmt(p.qty),
                "avgPx": fmt(avg.quantize(_Q12)),
                "ccy": inst.settle_ccy,
                "imr": fmt(p.margin),
                "lever": fmt(inst.lever),
            }
        )
    return out


# ---------------------------------------------------------------------------- market data


def ticker(book: Book[Order], now_ms: int) -> dict[str, str]:
    """A ``tickers`` push data item (also ``GET /api/v5/market/ticker``).

    https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-tickers-channel
    """
    tick = book.tick
    lot = book.lot
    bb, ba = book.bids.best(), book.asks.best()
    open_px = fmt(book.open_ticks * tick)
    inst = book.inst
    return {
        "instType": "SPREAD" if inst is None else inst.inst_type,
        "instId": book.key,
        "last": fmt(book.last_or_mid * tick),
        "lastSz": fmt(book.last_lots * lot),
        "askPx": "" if ba is None else fmt(ba * tick),
        "askSz": "" if ba is None else fmt(book.asks.level(ba).lots * lot),
        "bidPx": "" if bb is None else fmt(bb * tick),
        "bidSz": "" if bb is None else fmt(book.bids.level(bb).lots * lot),
        "open24h": open_px,
        "high24h": fmt(book.high * tick),
        "low24h": fmt(book.low * tick),
        "sodUtc0": open_px,
        "sodUtc8": open_px,
        "volCcy24h": fmt(book.vol_ccy),
        "vol24h": fmt(book.vol_lots * lot),
        "ts": str(now_ms),
    }


def _levels(book: Book[Order], levels: list[Level]) -> list[list[str]]:
    tick, lot = book.tick, book.lot
    return [[fmt(lv.px_ticks * tick), fmt(lv.lots * lot), "0", str(lv.orders)] for lv in levels]


def books5(book: Book[Order], now_ms: int) -> dict[str, Any]:
    """A ``books5`` push data item: 5 levels of ``[px, sz, "0", numOrders]`` per side.

    https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
    """
    bids, asks = book.depth(5)
    return {
        "asks": _levels(book, asks),
        "bids": _levels(book, bids),
        "instId": book.key,
        "ts": str(now_ms),
    }


# ---------------------------------------------------------------------------- op results

_ItemShape = Callable[[ItemResult, str], dict[str, str]]

# Each operation's result item, keys in the order of recorded replies (section 11a.3).
_ITEM_SHAPES: Final[dict[tuple[OpAction, OrderVenue], _ItemShape]] = {
    ("place", "book"): lambda r, ts: {
        "tag": r.tag, "ts": ts, "ordId": r.ord_id, "clOrdId": r.cl_ord_id, "sCode": r.code,
        "sMsg": r.msg, "subCode": r.sub_code,
    },
    ("amend", "book"): lambda r, ts: {
        "ordId": r.ord_id, "clOrdId": r.cl_ord_id, "sCode": r.code, "sMsg": r.msg,
        "reqId": r.req_id, "ts": ts, "subCode": r.sub_code,
    },
    ("cancel", "book"): lambda r, ts: {
        "ts": ts, "ordId": r.ord_id, "clOrdId": r.cl_ord_id, "sCode": r.code, "sMsg": r.msg,
    },
    ("place", "spread"): lambda r, ts: {
        "clOrdId": r.cl_ord_id, "ordId": r.ord_id, "tag": r.tag, "sCode": r.code, "sMsg": r.msg,
    },
    ("amend", "spread"): lambda r, ts: {
        "clOrdId": r.cl_ord_id, "ordId": r.ord_id, "reqId": r.req_id, "sCode": r.code,
        "sMsg": r.msg,
    },
    ("cancel", "spread"): lambda r, ts: {
        "clOrdId": r.cl_ord_id, "ordId": r.ord_id, "sCode": r.code, "sMsg": r.msg,
    },
}  # fmt: skip


def item_shape(action: OpAction, venue: OrderVenue) -> Callable[[ItemResult, str], dict[str, str]]:
    """The renderer of one result item of a place / amend / cancel operation: ``(result, ts)``
    (``ts``: the processing time) -> the item."""
    return _ITEM_SHAPES[(action, venue)]


def _echo(item: Mapping[str, Any], key: str) -> str:
    v = item.get(key)
    return v if isinstance(v, str) else ""


def failed_item(
    action: OpAction, venue: OrderVenue, item: Mapping[str, Any], code: str, ts: str
) -> dict[str, str]:
    """A result item failing with ``code`` before the engine saw it (a fault, ``expTime``, a
    duplicate in the batch): it echoes the item's own ids."""
    r = ItemResult(
        ord_id="" if action == "place" else _echo(item, "ordId"),
        cl_ord_id=_echo(item, "clOrdId"),
        tag=_echo(item, "tag"),
        req_id=_echo(item, "reqId"),
        code=code,
        msg=error_text(code),
    )
    return _ITEM_SHAPES[(action, venue)](r, ts)


# ---------------------------------------------------------------------------- frames


def event_frame(event: str, msg: str, code: str, conn_id: str, rid: str | None = None) -> bytes:
    """``{"event", "msg", "code", "connId"}`` (login results, errors, notices), ``id`` first
    when the request had one."""
    if rid is None:
        return encode({"event": event, "msg": msg, "code": code, "connId": conn_id})
    return encode({"id": rid, "event": event, "msg": msg, "code": code, "connId": conn_id})


def ack_frame(event: str, arg: Mapping[str, Any], conn_id: str, rid: str | None) -> bytes:
    """A ``subscribe`` / ``unsubscribe`` acknowledgement of one channel."""
    ack: dict[str, Any] = {"event": event, "arg": arg, "connId": conn_id}
    return encode(ack if rid is None else {"id": rid, **ack})


def conn_count_frame(event: str, channel: str, count: int, conn_id: str) -> bytes:
    """``channel-conn-count`` (or ``-error``): connections of the account on a channel."""
    return encode({"event": event, "channel": channel, "connCount": str(count), "connId": conn_id})


def op_reply(
    rid: str, op: str, code: str, msg: str, data: list[dict[str, Any]], in_us: int, out_us: int
) -> bytes:
    """A WS API operation response (okx-protocol.md section 3)."""
    return encode(
        {
            "id": rid,
            "op": op,
            "code": code,
            "msg": msg,
            "data": data,
            "inTime": str(in_us),
            "outTime": str(out_us),
        }
    )


def market_push(arg: Mapping[str, Any], data: Mapping[str, Any]) -> bytes:
    """A public push (``tickers``, ``books5``): the subscription's ``arg`` and one item."""
    return encode({"arg": arg, "data": [data]})


def order_push(arg: Mapping[str, Any], uid: str, data: Mapping[str, Any]) -> bytes:
    """An ``orders`` / ``sprd-orders`` push: the subscription's ``arg`` plus ``uid``."""
    return encode({"arg": {**arg, "uid": uid}, "data": [data]})


def account_push(uid: str, data: Mapping[str, Any], event_type: str) -> bytes:
    """An ``account`` push (https://www.okx.com/docs-v5/en/#trading-account-websocket-account-channel)."""
    return encode(
        {
            "arg": {"channel": "account", "uid": uid},
            "eventType": event_type,
            "curPage": 1,
            "lastPage": True,
            "data": [data],
        }
    )


def notice_frame(conn_id: str) -> bytes:
    """The 64008 service-upgrade notice (https://www.okx.com/docs-v5/en/#overview-websocket-notification)."""
    return event_frame("notice", error_text("64008"), "64008", conn_id)


def not_exist_msg(arg: Mapping[str, Any]) -> str:
    """The 60018 text naming the channel and its first identifying field."""
    ch = arg.get("channel", "")
    for key in ("instId", "instType", "instFamily", "sprdId", "ccy"):
        if key in arg:
            return _NOT_EXIST.format(ch, key, arg[key])
    return _NOT_EXIST.format(ch, "instId", "")
