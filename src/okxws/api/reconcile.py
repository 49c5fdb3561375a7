"""Turning "outcome unknown" into a known outcome: find what OKX did with each order.

:func:`resolve` takes an error whose ``outcome_unknown`` is true (or the request it carries,
``exc.request``) and, for every order the request named, reports whether OKX has it and its
current record. It only reads: it never places, amends or cancels anything.

How (okx-protocol.md section 3.4, okx-streams-rest.md sections 4.5.5 and 8):

1. It waits until the request can no longer execute: past its ``expTime`` when one was sent
   (OKX drops a request that arrives later, so what is found then is final), else for a
   grace period (:data:`DEFAULT_GRACE_S`). The wait ends early for an order already seen on
   the ``orders`` / ``sprd-orders`` channel (the fast path, when subscribed).
2. It looks each order up by REST, to be sure: order-book orders by ``ordId`` or
   ``clOrdId`` with ``GET /api/v5/trade/order`` (``51603``: OKX has no such order), spread
   orders with ``GET /api/v5/sprd/order``; batches item by item. A lookup that fails on the
   way (network, HTTP 5xx, rate limit) is a read, so it is retried within the deadline.

A place without a ``clOrdId`` cannot be found by what the caller knows; okxws gives every
order one by default (``auto_client_order_id=True``).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Protocol

from ..protocol import rest as r
from ..protocol.errors import error_info
from ..protocol.exceptions import (
    OkxApiError,
    OkxConnectError,
    OkxConnectionLostError,
    OkxError,
    OkxHttpError,
    OkxRateLimitError,
    OkxRequestTimeoutError,
    OkxValidationError,
)
from ..protocol.ops import OPS, OpSpec


class OrderSource(Protocol):
    """What :func:`resolve` asks of OKX's REST API (a :class:`~okxws.RestClient` is one)."""

    def server_time_ms(self) -> int: ...

    async def get_order_details(
        self, params: r.OrderDetailsParams, *, timeout: float | None = None
    ) -> list[r.Order]: ...

    async def get_spread_order(
        self, params: r.SpreadOrderDetailsParams, *, timeout: float | None = None
    ) -> list[r.SpreadOrder]: ...


class InstIdLookup(Protocol):
    """Maps an ``instIdCode`` back to its ``instId`` (an ``InstrumentCodes`` is one)."""

    async def inst_id_of(self, code: int) -> str | None: ...


__all__ = ["DEFAULT_GRACE_S", "OrderLookup", "RecentOrders", "resolve"]

_log = logging.getLogger("okxws.api")

#: Without an ``expTime``, how long after the call a request is given to land before the
#: lookup counts as final. OKX executes what reaches its gateway within milliseconds; the
#: grace covers a request still queued on the way.
DEFAULT_GRACE_S: Final = 2.0
#: Margin over ``expTime`` for clock skew between okxws's server-time estimate and OKX.
_EXP_MARGIN_MS: Final = 1000
_NOT_FOUND: Final = "51603"
#: Failures of a lookup worth another try (it is a read).
_TRANSIENT: Final = (
    OkxConnectError,
    OkxConnectionLostError,
    OkxRequestTimeoutError,
    OkxHttpError,
    OkxRateLimitError,
)


@dataclass(frozen=True, slots=True)
class OrderLookup:
    """What OKX has of one order a request named.

    ``exists``: OKX has the order (for a place: the request was executed). ``order``: its
    record (``GET /api/v5/trade/order`` / ``/api/v5/sprd/order`` shape) or None.
    ``state``: e.g. ``"live"``, ``"filled"``, ``"canceled"``; None when it does not exist.
    ``executed``: whether this request itself took effect, as far as the record shows: a
    place exists; a cancel left the order canceled; an amend left it with the ``reqId`` sent
    and a successful ``amendResult`` (without a ``reqId``: with the new price and size).
    """

    op: str
    #: The request item as sent.
    item: Mapping[str, Any]
    exists: bool
    order: dict[str, Any] | None
    state: str | None
    executed: bool


class RecentOrders:
    """The last pushes of the ``orders`` and ``sprd-orders`` channels, by ``clOrdId`` and
    ``ordId`` (bounded): the fast path of :func:`resolve` while those channels are
    subscribed. A push sink (see :class:`okxws.net.streams.PushRouter`)."""

    __slots__ = ("_by_key", "_changed", "_maxlen")

    CHANNELS: Final = ("orders", "sprd-orders")

    def __init__(self, maxlen: int = 10_000) -> None:
        self._by_key: collections.OrderedDict[str, dict[str, Any]] = collections.OrderedDict()
        self._maxlen = maxlen
        self._changed: asyncio.Event | None = None

    def __call__(self, msg: dict[str, Any]) -> None:
        for order in msg.get("data") or ():
            if not isinstance(order, dict):
                continue
            for key in (order.get("clOrdId"), order.get("ordId")):
                if isinstance(key, str) and key:
                    self._by_key[key] = order
                    self._by_key.move_to_end(key)
        while len(self._by_key) > self._maxlen:
            self._by_key.popitem(last=False)
        if self._changed is not None:
            self._changed.set()

    def get(self, key: str) -> dict[str, Any] | None:
        return self._by_key.get(key)

    async def wait_change(self, timeout: float) -> None:
        """Return at the next push (or after ``timeout`` seconds)."""
        if self._changed is None:
            self._changed = asyncio.Event()
        self._changed.clear()
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                await self._changed.wait()
        except TimeoutError:
            pass


def _request_of(target: Any) -> dict[str, Any]:
    request = target.request if isinstance(target, OkxError) else target
    if isinstance(target, OkxError) and request is None:
        raise OkxValidationError(f"this error names no request to resolve: {target}")
    if not isinstance(request, Mapping) or not isinstance(request.get("op"), str):
        raise OkxValidationError("resolve() takes an OkxError or its request dict ({op, args})")
    args = request.get("args")
    if not isinstance(args, list) or not all(isinstance(a, Mapping) for a in args):
        raise OkxValidationError("the request's args must be a list of dicts")
    return dict(request)


def _key(spec: OpSpec[Any, Any], item: Mapping[str, Any]) -> tuple[str, str]:
    """How to find the order an item names: ``("ordId"|"clOrdId", value)``."""
    ord_id, cl = item.get("ordId"), item.get("clOrdId")
    if spec.action != "place" and isinstance(ord_id, str) and ord_id:
        return "ordId", ord_id
    if isinstance(cl, str) and cl:
        return "clOrdId", cl
    raise OkxValidationError(
        f"{spec.name}: an order without a clOrdId (or ordId) cannot be found; "
        "give every order a clOrdId (auto_client_order_id=True)"
    )


def _same_number(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return False


def _executed(
    spec: OpSpec[Any, Any], item: Mapping[str, Any], order: dict[str, Any] | None
) -> bool:
    if order is None:
        return False
    if spec.action == "place":
        return True
    if spec.action == "cancel":
        return order.get("state") in ("canceled", "mmp_canceled")
    req_id = item.get("reqId")
    if req_id:
        return order.get("reqId") == req_id and order.get("amendResult") in ("0", "")
    wanted = [("newPx", "px"), ("newSz", "sz")]
    checks = [(item[n], order.get(f)) for n, f in wanted if item.get(n)]
    return bool(checks) and all(_same_number(a, b) for a, b in checks)


async def resolve(
    rest: OrderSource,
    target: Any,
    *,
    timeout: float = 30.0,
    grace: float = DEFAULT_GRACE_S,
    codes: InstIdLookup | None = None,
    recent: RecentOrders | None = None,
) -> list[OrderLookup]:
    """One :class:`OrderLookup` per order ``target`` (an error or its request) named.

    ``codes`` maps a WS request's ``instIdCode`` back to its ``instId`` (REST lookups need
    it); ``recent`` is the ``orders`` channel's fast path. Raises
    :class:`~okxws.OkxValidationError` for a request that names no findable order (a mass
    cancel, a place without ``clOrdId``) and :class:`~okxws.OkxRequestTimeoutError` when
    OKX could not be asked within ``timeout`` seconds.
    https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details
    """
    request = _request_of(target)
    spec = OPS.get(request["op"])
    if spec is None:
        raise OkxValidationError(f"unknown operation {request['op']!r}")
    if spec.action == "mass_cancel":
        raise OkxValidationError(
            f"{spec.name} names no order: list the open orders (get_order_list) instead"
        )
    items: list[Mapping[str, Any]] = request["args"]
    keys = [_key(spec, item) for item in items]
    inst_ids = [await _inst_id(spec, item, codes) for item in items]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    now_ms = rest.server_time_ms
    exp = request.get("expTime")
    if exp is not None and str(exp).isdigit():
        settle_at = loop.time() + max(int(exp) + _EXP_MARGIN_MS - now_ms(), 0) / 1000
    else:
        settle_at = loop.time() + grace
    if settle_at > deadline:
        raise OkxValidationError(
            f"the request stays executable for {settle_at - loop.time():.1f} s, longer than "
            f"timeout={timeout}: resolve later or with a longer timeout"
        )
    # Wait until the request can no longer execute, unless the orders channel has shown
    # every order already (a place that exists needs no wait: it cannot exist twice).
    while (remaining := settle_at - loop.time()) > 0:
        if recent is not None and _all_seen(spec, items, keys, recent):
            break
        if recent is None:
            await asyncio.sleep(remaining)
        else:
            await recent.wait_change(remaining)
    found = await asyncio.gather(
        *(
            _lookup(rest, spec, field, value, inst_id, deadline)
            for (field, value), inst_id in zip(keys, inst_ids, strict=True)
        )
    )
    return [
        OrderLookup(
            op=spec.name,
            item=item,
            exists=order is not None,
            order=order,
            state=str(order.get("state")) if order is not None else None,
            executed=_executed(spec, item, order),
        )
        for item, order in zip(items, found, strict=True)
    ]


def _all_seen(
    spec: OpSpec[Any, Any],
    items: list[Mapping[str, Any]],
    keys: list[tuple[str, str]],
    recent: RecentOrders,
) -> bool:
    """Whether the orders channel already shows every item took effect."""
    return all(
        _executed(spec, item, recent.get(value))
        for item, (_, value) in zip(items, keys, strict=True)
    )


async def _inst_id(
    spec: OpSpec[Any, Any], item: Mapping[str, Any], codes: InstIdLookup | None
) -> str | None:
    if spec.venue == "spread":
        return None
    inst_id = item.get("instId")
    if isinstance(inst_id, str) and inst_id:
        return inst_id
    code = item.get("instIdCode")
    if isinstance(code, int) and codes is not None:
        found = await codes.inst_id_of(code)
        if found is not None:
            return found
    raise OkxValidationError(
        f"{spec.name}: cannot tell the instId of instIdCode {code!r}; pass the request with "
        "its instId (REST looks orders up by instId)"
    )


async def _lookup(
    rest: OrderSource,
    spec: OpSpec[Any, Any],
    field: str,
    value: str,
    inst_id: str | None,
    deadline: float,
) -> dict[str, Any] | None:
    """The order's record, or None if OKX has no such order; retried until ``deadline``."""
    loop = asyncio.get_running_loop()
    attempt = 0
    while True:
        left = deadline - loop.time()
        if left <= 0:
            raise OkxRequestTimeoutError(
                f"could not look up {field}={value} within the deadline; its outcome is "
                "still unknown"
            )
        try:
            if spec.venue == "spread":
                data: list[Any] = await rest.get_spread_order(
                    {field: value},  # type: ignore[misc]
                    timeout=min(left, 10.0),
                )
            else:
                assert inst_id is not None
                data = await rest.get_order_details(
                    {"instId": inst_id, field: value},  # type: ignore[misc]
                    timeout=min(left, 10.0),
                )
        except OkxApiError as exc:
            if exc.code == _NOT_FOUND or error_info(exc.code).code == _NOT_FOUND:
                return None
            raise
        except _TRANSIENT as exc:
            attempt += 1
            delay = min(0.1 * 2**attempt, 2.0, max(deadline - loop.time(), 0.0))
            _log.warning(
                "order lookup %s=%s failed (%s); retrying in %.1f s", field, value, exc, delay
            )
            await asyncio.sleep(delay)
            continue
        if not data or not isinstance(data[0], dict):
            return None
        return data[0]
