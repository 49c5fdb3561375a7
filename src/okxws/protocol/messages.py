"""TypedDicts for every OKX WebSocket request, response, push and event.

Field names are OKX's own wire names, so an example from the OKX docs pastes straight in.
Fields OKX marks required are ``Required``; the rest are optional. Numbers are strings on the
wire except where noted (``instIdCode`` is an integer; ``reduceOnly``, ``banAmend``,
``cxlOnFail``, ``isElpTakerAccess`` are booleans). okx-protocol.md sections 2-5.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, NotRequired, Required, TypedDict, TypeVar

__all__ = [
    "AccountPush",
    "AmendOrderRequest",
    "AmendOrderResult",
    "CancelOrderRequest",
    "CancelOrderResult",
    "ChannelArg",
    "ChannelConnCountEvent",
    "ErrorEvent",
    "LoginArg",
    "LoginEvent",
    "LoginRequest",
    "MassCancelRequest",
    "MassCancelResult",
    "NoticeEvent",
    "OpName",
    "OpRequest",
    "OpResponse",
    "PlaceOrderRequest",
    "PlaceOrderResult",
    "PushMessage",
    "SpreadAmendOrderRequest",
    "SpreadAmendOrderResult",
    "SpreadCancelOrderRequest",
    "SpreadCancelOrderResult",
    "SpreadMassCancelRequest",
    "SpreadPlaceOrderRequest",
    "SpreadPlaceOrderResult",
    "SubscribeEvent",
    "SubscribeRequest",
    "WsApiResponse",
]

OpName = Literal[
    "order",
    "batch-orders",
    "cancel-order",
    "batch-cancel-orders",
    "amend-order",
    "batch-amend-orders",
    "mass-cancel",
    "sprd-order",
    "sprd-amend-order",
    "sprd-cancel-order",
    "sprd-mass-cancel",
]

# ---------------------------------------------------------------------------------- login


class LoginArg(TypedDict):
    """One account of a ``login`` request (https://www.okx.com/docs-v5/en/#overview-websocket-login)."""

    apiKey: str
    passphrase: str
    timestamp: str  # Unix epoch SECONDS
    sign: str


class LoginRequest(TypedDict):
    op: Literal["login"]
    args: list[LoginArg]


class LoginEvent(TypedDict, total=False):
    """``{"event":"login","msg":"","code":"0","connId":"..."}``."""

    event: Required[Literal["login"]]
    code: Required[str]
    msg: str
    connId: str


# ------------------------------------------------------------------------ WS API requests


class PlaceOrderRequest(TypedDict, total=False):
    """Args of ``order`` / items of ``batch-orders``.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order
    ``instIdCode`` is what OKX reads since 2026-03; okxws fills it in from ``instId``.
    """

    instIdCode: int
    instId: str  # okxws resolves it to instIdCode; OKX itself ignores it since 2026-03
    tdMode: Required[Literal["cash", "cross", "isolated", "spot_isolated"] | str]
    ccy: str
    clOrdId: str
    tag: str
    side: Required[Literal["buy", "sell"] | str]
    posSide: Literal["net", "long", "short"] | str
    ordType: Required[
        Literal[
            "market",
            "limit",
            "post_only",
            "fok",
            "ioc",
            "optimal_limit_ioc",
            "mmp",
            "mmp_and_post_only",
            "elp",
        ]
        | str
    ]
    sz: Required[str]
    px: str
    pxUsd: str
    pxVol: str
    speedBump: str
    outcome: str
    reduceOnly: bool
    tgtCcy: Literal["base_ccy", "quote_ccy"] | str
    banAmend: bool
    pxAmendType: str
    tradeQuoteCcy: str
    slippagePct: str
    stpMode: Literal["cancel_maker", "cancel_taker", "cancel_both"] | str
    isElpTakerAccess: bool


class CancelOrderRequest(TypedDict, total=False):
    """Args of ``cancel-order`` / items of ``batch-cancel-orders`` (one of ordId/clOrdId).

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-cancel-order
    """

    instIdCode: int
    instId: str
    ordId: str
    clOrdId: str


class AmendOrderRequest(TypedDict, total=False):
    """Args of ``amend-order`` / items of ``batch-amend-orders``.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-amend-order
    """

    instIdCode: int
    instId: str
    cxlOnFail: bool
    ordId: str
    clOrdId: str
    reqId: str
    newSz: str
    newPx: str
    newPxUsd: str
    newPxVol: str
    speedBump: str
    pxAmendType: str


class MassCancelRequest(TypedDict, total=False):
    """Args of ``mass-cancel`` (MMP orders of an option family).

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-mass-cancel-order
    """

    instType: Required[Literal["OPTION"] | str]
    instFamily: Required[str]
    lockInterval: str


class SpreadPlaceOrderRequest(TypedDict, total=False):
    """Args of ``sprd-order``.

    https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-place-order
    """

    sprdId: Required[str]
    clOrdId: str
    tag: str
    side: Required[Literal["buy", "sell"] | str]
    ordType: Required[Literal["market", "limit", "post_only", "ioc"] | str]
    sz: Required[str]
    px: str


class SpreadAmendOrderRequest(TypedDict, total=False):
    """Args of ``sprd-amend-order``.

    https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-amend-order
    """

    ordId: str
    clOrdId: str
    reqId: str
    newSz: str
    newPx: str


class SpreadCancelOrderRequest(TypedDict, total=False):
    """Args of ``sprd-cancel-order``.

    https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-cancel-order
    """

    ordId: str
    clOrdId: str


class SpreadMassCancelRequest(TypedDict, total=False):
    """Args of ``sprd-mass-cancel`` (no ``sprdId``: every spread).

    https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-cancel-all-orders
    """

    sprdId: str


class OpRequest(TypedDict):
    """The WS API envelope: ``{"id", "op", "args"[, "expTime"]}`` (section 3.1)."""

    id: str
    op: str
    args: list[Any]
    expTime: NotRequired[str]


# ----------------------------------------------------------------------- WS API results


class PlaceOrderResult(TypedDict, total=False):
    """A result item of ``order`` / ``batch-orders``."""

    ordId: str
    clOrdId: str
    tag: str
    ts: str
    sCode: str
    sMsg: str
    subCode: str


class CancelOrderResult(TypedDict, total=False):
    """A result item of ``cancel-order`` / ``batch-cancel-orders``."""

    ordId: str
    clOrdId: str
    ts: str
    sCode: str
    sMsg: str


class AmendOrderResult(TypedDict, total=False):
    """A result item of ``amend-order`` / ``batch-amend-orders``."""

    ordId: str
    clOrdId: str
    ts: str
    reqId: str
    sCode: str
    sMsg: str
    subCode: str


class MassCancelResult(TypedDict):
    """The result item of ``mass-cancel`` and ``sprd-mass-cancel`` (a JSON boolean)."""

    result: bool


class SpreadPlaceOrderResult(TypedDict, total=False):
    ordId: str
    clOrdId: str
    tag: str
    sCode: str
    sMsg: str


class SpreadAmendOrderResult(TypedDict, total=False):
    ordId: str
    clOrdId: str
    reqId: str
    sCode: str
    sMsg: str


class SpreadCancelOrderResult(TypedDict, total=False):
    ordId: str
    clOrdId: str
    sCode: str
    sMsg: str


T = TypeVar("T")


class WsApiResponse(TypedDict, Generic[T], total=False):
    """The whole OKX reply envelope (section 3.2), plus which connection answered.

    ``data`` holds one result per request item; ``inTime``/``outTime`` are OKX's gateway
    times in microseconds (absent on some operations).
    """

    id: Required[str]
    op: Required[str]
    code: Required[str]
    msg: str
    data: list[T]
    inTime: str
    outTime: str
    connection: Literal["private", "business"]


#: A reply envelope whose items are not typed (raw requests).
OpResponse = WsApiResponse[Any]


# ------------------------------------------------------------------- subscribe and push


class ChannelArg(TypedDict, total=False):
    """A channel of ``subscribe``/``unsubscribe`` (https://www.okx.com/docs-v5/en/#overview-websocket-subscribe)."""

    channel: Required[str]
    instType: str
    instFamily: str
    instId: str
    ccy: str
    sprdId: str
    extraParams: str
    uid: str


class SubscribeRequest(TypedDict):
    op: Literal["subscribe", "unsubscribe"]
    args: list[ChannelArg]
    id: NotRequired[str]


class SubscribeEvent(TypedDict, total=False):
    """``{"id"?, "event":"subscribe"|"unsubscribe", "arg":{...}, "connId"}``."""

    event: Required[Literal["subscribe", "unsubscribe"]]
    arg: Required[ChannelArg]
    id: str
    connId: str


class PushMessage(TypedDict, total=False):
    """``{"arg": {...}, "data": [...]}`` with ``action`` for order books (section 5.2)."""

    arg: Required[ChannelArg]
    data: Required[list[Any]]
    action: str
    eventType: str
    curPage: int
    lastPage: bool


class AccountPush(TypedDict, total=False):
    """One item of the ``account`` channel (https://www.okx.com/docs-v5/en/#trading-account-websocket-account-channel)."""

    uTime: str
    totalEq: str
    details: list[dict[str, str]]


class ErrorEvent(TypedDict, total=False):
    """``{"event":"error","msg":...,"code":...,"connId"?}``; ``id`` only for subscribe errors."""

    event: Required[Literal["error"]]
    code: Required[str]
    msg: str
    id: str
    connId: str


class NoticeEvent(TypedDict, total=False):
    """``{"event":"notice","code":"64008",...}``: the server will close soon (section 6)."""

    event: Required[Literal["notice"]]
    code: Required[str]
    msg: str
    connId: str


class ChannelConnCountEvent(TypedDict, total=False):
    """``channel-conn-count`` / ``channel-conn-count-error`` (section 5.3)."""

    event: Required[Literal["channel-conn-count", "channel-conn-count-error"]]
    channel: Required[str]
    connCount: Required[str]
    connId: str
