"""OKX's REST endpoints that okxws covers: one table, and the types of their parameters and data.

Each :class:`Endpoint` names its HTTP method and path, whether it is signed, whether it
writes (then a failure after sending leaves the outcome unknown), the ``TypedDict`` of its
parameters and of one item of its ``data``, and its OKX docs section. The trading writes are
the REST twins of the WS API operations (:data:`okxws.protocol.ops.OPS`, ``rest_path``) and
take the same item types. Field names are OKX's own, so docs examples paste straight in; all
numbers are strings on the wire unless noted.

okx-streams-rest.md sections 4 (REST), 4.4 (summary table), 7.1 (the Node SDK's names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, Required, TypedDict, TypeVar

from .ops import OPS

__all__ = [
    "ENDPOINTS",
    "AccountConfig",
    "AccountRateLimit",
    "Balance",
    "BalanceDetail",
    "BalanceParams",
    "CancelAllAfterParams",
    "CancelAllAfterResult",
    "Candle",
    "CandlesParams",
    "Endpoint",
    "Fill",
    "FillsParams",
    "Instrument",
    "InstrumentsParams",
    "Order",
    "OrderBook",
    "OrderBookParams",
    "OrderDetailsParams",
    "OrderHistoryParams",
    "OrderListParams",
    "Position",
    "PositionsParams",
    "ServerTime",
    "SpreadOrder",
    "SpreadOrderDetailsParams",
    "SpreadOrderListParams",
    "SpreadTrade",
    "SpreadTradesParams",
    "Ticker",
    "TickerParams",
    "TickersParams",
    "Trade",
    "TradesParams",
]

ParamsT = TypeVar("ParamsT")
DataT = TypeVar("DataT")
_DOCS: Final = "https://www.okx.com/docs-v5/en/#"

# ------------------------------------------------------------------------------ parameters


class InstrumentsParams(TypedDict, total=False):
    """``GET /api/v5/public/instruments``."""

    instType: Required[Literal["SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION", "EVENTS"] | str]
    instFamily: str
    instId: str


class TickerParams(TypedDict):
    instId: str


class TickersParams(TypedDict, total=False):
    instType: Required[str]
    instFamily: str


class OrderBookParams(TypedDict, total=False):
    instId: Required[str]
    #: Depth per side, at most 400 (default 1).
    sz: str


class CandlesParams(TypedDict, total=False):
    instId: Required[str]
    #: ``1m`` ... ``1D``; default ``1m``.
    bar: str
    after: str
    before: str
    limit: str


class TradesParams(TypedDict, total=False):
    instId: Required[str]
    #: At most 500 (default 100).
    limit: str


class OrderDetailsParams(TypedDict, total=False):
    """``GET /api/v5/trade/order``: ``instId`` and one of ``ordId``/``clOrdId``."""

    instId: Required[str]
    ordId: str
    clOrdId: str


class OrderListParams(TypedDict, total=False):
    """``GET /api/v5/trade/orders-pending``."""

    instType: str
    instFamily: str
    instId: str
    ordType: str
    state: Literal["live", "partially_filled"] | str
    after: str
    before: str
    limit: str


class OrderHistoryParams(TypedDict, total=False):
    """``GET /api/v5/trade/orders-history`` (last 7 days; ``instType`` required)."""

    instType: Required[str]
    instFamily: str
    instId: str
    ordType: str
    state: Literal["canceled", "filled", "mmp_canceled"] | str
    category: str
    after: str
    before: str
    begin: str
    end: str
    limit: str


class FillsParams(TypedDict, total=False):
    """``GET /api/v5/trade/fills`` (last 3 days)."""

    instType: str
    instFamily: str
    instId: str
    ordId: str
    subType: str
    after: str
    before: str
    begin: str
    end: str
    limit: str


class CancelAllAfterParams(TypedDict, total=False):
    """``POST /api/v5/trade/cancel-all-after``: ``timeOut`` seconds (0 disarms; 10-120)."""

    timeOut: Required[str]
    tag: str


class BalanceParams(TypedDict, total=False):
    #: Up to 20 currencies, comma separated.
    ccy: str


class PositionsParams(TypedDict, total=False):
    instType: str
    instId: str
    posId: str


class SpreadOrderDetailsParams(TypedDict, total=False):
    ordId: str
    clOrdId: str


class SpreadOrderListParams(TypedDict, total=False):
    sprdId: str
    ordType: str
    state: str
    beginId: str
    endId: str
    limit: str


class SpreadTradesParams(TypedDict, total=False):
    sprdId: str
    tradeId: str
    ordId: str
    beginId: str
    endId: str
    begin: str
    end: str
    limit: str


# ---------------------------------------------------------------------------------- data


class ServerTime(TypedDict):
    ts: str


class Instrument(TypedDict, total=False):
    """An instrument (``instIdCode`` is a JSON integer, or null when not generated)."""

    instType: str
    instId: str
    instIdCode: int | None
    instFamily: str
    uly: str
    baseCcy: str
    quoteCcy: str
    settleCcy: str
    ctVal: str
    ctMult: str
    ctValCcy: str
    ctType: str
    optType: str
    stk: str
    listTime: str
    expTime: str
    lever: str
    tickSz: str
    lotSz: str
    minSz: str
    maxLmtSz: str
    maxMktSz: str
    maxLmtAmt: str
    maxMktAmt: str
    state: str
    ruleType: str


class Ticker(TypedDict, total=False):
    instType: str
    instId: str
    last: str
    lastSz: str
    askPx: str
    askSz: str
    bidPx: str
    bidSz: str
    open24h: str
    high24h: str
    low24h: str
    volCcy24h: str
    vol24h: str
    sodUtc0: str
    sodUtc8: str
    ts: str


class OrderBook(TypedDict, total=False):
    """Levels ``[px, sz, "0", numOrders]``, best first; ``seqId`` an integer."""

    asks: list[list[str]]
    bids: list[list[str]]
    ts: str
    seqId: int


#: ``[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]``.
Candle = list[str]


class Trade(TypedDict, total=False):
    """One match (``GET /api/v5/market/trades``, the ``trades-all`` channel's item)."""

    instId: str
    tradeId: str
    px: str
    sz: str
    #: The taker's side.
    side: str
    source: str
    ts: str


class Order(TypedDict, total=False):
    """An order as ``GET /api/v5/trade/order`` returns it (also the list endpoints)."""

    instType: str
    instId: str
    ordId: str
    clOrdId: str
    tag: str
    px: str
    sz: str
    notionalUsd: str
    ordType: str
    side: str
    posSide: str
    tdMode: str
    tgtCcy: str
    ccy: str
    accFillSz: str
    fillPx: str
    fillSz: str
    fillTime: str
    tradeId: str
    avgPx: str
    state: Literal["live", "partially_filled", "filled", "canceled", "mmp_canceled"] | str
    lever: str
    fee: str
    feeCcy: str
    rebate: str
    rebateCcy: str
    pnl: str
    category: str
    reduceOnly: str
    cancelSource: str
    stpMode: str
    reqId: str
    amendResult: str
    uTime: str
    cTime: str


class Fill(TypedDict, total=False):
    instType: str
    instId: str
    tradeId: str
    ordId: str
    clOrdId: str
    billId: str
    subType: str
    tag: str
    fillPx: str
    fillSz: str
    side: str
    posSide: str
    execType: str
    feeCcy: str
    fee: str
    ts: str
    fillTime: str


class CancelAllAfterResult(TypedDict, total=False):
    triggerTime: str
    tag: str
    ts: str


class AccountRateLimit(TypedDict, total=False):
    """The sub-account's new + amend budget per 2 s and the fill ratio it is based on."""

    fillRatio: str
    mainFillRatio: str
    accRateLimit: str
    nextAccRateLimit: str
    ts: str


class BalanceDetail(TypedDict, total=False):
    ccy: str
    eq: str
    cashBal: str
    availBal: str
    availEq: str
    frozenBal: str
    ordFrozen: str
    eqUsd: str
    uTime: str


class Balance(TypedDict, total=False):
    totalEq: str
    adjEq: str
    imr: str
    mmr: str
    ordFroz: str
    details: list[BalanceDetail]
    uTime: str


class Position(TypedDict, total=False):
    instType: str
    instId: str
    mgnMode: str
    posId: str
    posSide: str
    pos: str
    avgPx: str
    ccy: str
    imr: str
    lever: str
    upl: str
    uTime: str


class AccountConfig(TypedDict, total=False):
    uid: str
    mainUid: str
    acctLv: str
    posMode: Literal["long_short_mode", "net_mode"] | str
    autoLoan: bool
    level: str
    perm: str
    label: str


class SpreadOrder(TypedDict, total=False):
    sprdId: str
    ordId: str
    clOrdId: str
    tag: str
    px: str
    sz: str
    ordType: str
    side: str
    fillSz: str
    fillPx: str
    tradeId: str
    accFillSz: str
    pendingFillSz: str
    pendingSettleSz: str
    canceledSz: str
    avgPx: str
    state: str
    cancelSource: str
    uTime: str
    cTime: str


class SpreadTrade(TypedDict, total=False):
    sprdId: str
    tradeId: str
    ordId: str
    clOrdId: str
    tag: str
    fillPx: str
    fillSz: str
    side: str
    state: str
    execType: str
    ts: str
    legs: list[dict[str, str]]


# -------------------------------------------------------------------------------- table


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint(Generic[ParamsT, DataT]):
    """One REST endpoint: ``ParamsT`` types its parameters (a JSON array of them for the
    batch writes), ``DataT`` one item of its ``data``."""

    name: str
    method: Literal["GET", "POST"]
    path: str
    params_type: type[ParamsT]
    data_type: type[DataT]
    auth: bool
    #: It may change state on OKX (a failure after sending leaves the outcome unknown).
    write: bool = False
    #: The body is a JSON array of items (the batch writes).
    batch: bool = False
    docs: str


def _get(
    name: str, path: str, params: Any, data: Any, anchor: str, *, auth: bool
) -> Endpoint[Any, Any]:
    return Endpoint(
        name=name,
        method="GET",
        path=path,
        params_type=params,
        data_type=data,
        auth=auth,
        docs=_DOCS + anchor,
    )


def _twin(op: str, name: str, anchor: str) -> Endpoint[Any, Any]:
    """The REST twin of a WS API operation: same items, same results."""
    spec = OPS[op]
    return Endpoint(
        name=name,
        method="POST",
        path=spec.rest_path,
        params_type=spec.args_type,
        data_type=spec.result_type,
        auth=True,
        write=True,
        batch=spec.is_batch,
        docs=_DOCS + anchor,
    )


_SPRD_DOCS: Final = "spread-trading-rest-api-"

#: Every endpoint a ``RestClient`` method calls, by its (snake_case Node SDK) method name.
ENDPOINTS: Final[dict[str, Endpoint[Any, Any]]] = {
    e.name: e
    for e in (
        _get(
            "get_system_time",
            "/api/v5/public/time",
            dict,
            ServerTime,
            "public-data-rest-api-get-system-time",
            auth=False,
        ),
        _get(
            "get_instruments",
            "/api/v5/public/instruments",
            InstrumentsParams,
            Instrument,
            "public-data-rest-api-get-instruments",
            auth=False,
        ),
        _get(
            "get_ticker",
            "/api/v5/market/ticker",
            TickerParams,
            Ticker,
            "order-book-trading-market-data-get-ticker",
            auth=False,
        ),
        _get(
            "get_tickers",
            "/api/v5/market/tickers",
            TickersParams,
            Ticker,
            "order-book-trading-market-data-get-tickers",
            auth=False,
        ),
        _get(
            "get_order_book",
            "/api/v5/market/books",
            OrderBookParams,
            OrderBook,
            "order-book-trading-market-data-get-order-book",
            auth=False,
        ),
        _get(
            "get_candles",
            "/api/v5/market/candles",
            CandlesParams,
            list,
            "order-book-trading-market-data-get-candlesticks",
            auth=False,
        ),
        _get(
            "get_history_candles",
            "/api/v5/market/history-candles",
            CandlesParams,
            list,
            "order-book-trading-market-data-get-candlesticks-history",
            auth=False,
        ),
        _get(
            "get_trades",
            "/api/v5/market/trades",
            TradesParams,
            Trade,
            "order-book-trading-market-data-get-trades",
            auth=False,
        ),
        _twin("order", "submit_order", "order-book-trading-trade-post-place-order"),
        _twin(
            "batch-orders",
            "submit_multiple_orders",
            "order-book-trading-trade-post-place-multiple-orders",
        ),
        _twin("cancel-order", "cancel_order", "order-book-trading-trade-post-cancel-order"),
        _twin(
            "batch-cancel-orders",
            "cancel_multiple_orders",
            "order-book-trading-trade-post-cancel-multiple-orders",
        ),
        _twin("amend-order", "amend_order", "order-book-trading-trade-post-amend-order"),
        _twin(
            "batch-amend-orders",
            "amend_multiple_orders",
            "order-book-trading-trade-post-amend-multiple-orders",
        ),
        _twin(
            "mass-cancel", "cancel_mass_order", "order-book-trading-trade-post-mass-cancel-order"
        ),
        _get(
            "get_order_details",
            "/api/v5/trade/order",
            OrderDetailsParams,
            Order,
            "order-book-trading-trade-get-order-details",
            auth=True,
        ),
        _get(
            "get_order_list",
            "/api/v5/trade/orders-pending",
            OrderListParams,
            Order,
            "order-book-trading-trade-get-order-list",
            auth=True,
        ),
        _get(
            "get_order_history",
            "/api/v5/trade/orders-history",
            OrderHistoryParams,
            Order,
            "order-book-trading-trade-get-order-history-last-7-days",
            auth=True,
        ),
        _get(
            "get_fills",
            "/api/v5/trade/fills",
            FillsParams,
            Fill,
            "order-book-trading-trade-get-transaction-details-last-3-days",
            auth=True,
        ),
        Endpoint(
            name="cancel_all_after",
            method="POST",
            path="/api/v5/trade/cancel-all-after",
            params_type=CancelAllAfterParams,
            data_type=CancelAllAfterResult,
            auth=True,
            write=True,
            docs=_DOCS + "order-book-trading-trade-post-cancel-all-after",
        ),
        _get(
            "get_account_rate_limit",
            "/api/v5/trade/account-rate-limit",
            dict,
            AccountRateLimit,
            "order-book-trading-trade-get-account-rate-limit",
            auth=True,
        ),
        _get(
            "get_balance",
            "/api/v5/account/balance",
            BalanceParams,
            Balance,
            "trading-account-rest-api-get-balance",
            auth=True,
        ),
        _get(
            "get_positions",
            "/api/v5/account/positions",
            PositionsParams,
            Position,
            "trading-account-rest-api-get-positions",
            auth=True,
        ),
        _get(
            "get_account_configuration",
            "/api/v5/account/config",
            dict,
            AccountConfig,
            "trading-account-rest-api-get-account-configuration",
            auth=True,
        ),
        _twin("sprd-order", "submit_spread_order", "spread-trading-rest-api-place-order"),
        _twin("sprd-amend-order", "update_spread_order", "spread-trading-rest-api-amend-order"),
        _twin("sprd-cancel-order", "cancel_spread_order", "spread-trading-rest-api-cancel-order"),
        _twin(
            "sprd-mass-cancel",
            "cancel_all_spread_orders",
            "spread-trading-rest-api-cancel-all-orders",
        ),
        _get(
            "get_spread_order",
            "/api/v5/sprd/order",
            SpreadOrderDetailsParams,
            SpreadOrder,
            _SPRD_DOCS + "get-order-details",
            auth=True,
        ),
        _get(
            "get_spread_active_orders",
            "/api/v5/sprd/orders-pending",
            SpreadOrderListParams,
            SpreadOrder,
            _SPRD_DOCS + "get-active-orders",
            auth=True,
        ),
        _get(
            "get_spread_orders_recent",
            "/api/v5/sprd/orders-history",
            SpreadOrderListParams,
            SpreadOrder,
            _SPRD_DOCS + "get-orders-last-21-days",
            auth=True,
        ),
        _get(
            "get_spread_trades",
            "/api/v5/sprd/trades",
            SpreadTradesParams,
            SpreadTrade,
            _SPRD_DOCS + "get-trades-last-7-days",
            auth=True,
        ),
    )
}
