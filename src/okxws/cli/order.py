"""``okxws order place|amend|cancel``: one order operation over the WebSocket API.

The options are OKX's field names in kebab case (``--ord-type`` is ``ordType``); ``--json``
adds any field. Every order gets a ``clOrdId`` (printed before sending), so that when the
outcome is unknown (the connection died or the deadline passed after sending) the command
looks the order up with ``client.resolve(exc)`` and says what happened. It never sends the
order again.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, cast

from ..api.client import WebsocketAPIClient
from ..protocol import messages as m
from ..protocol.exceptions import OkxApiError, OkxError
from . import target
from .common import json_object, say
from .errors import Failure

__all__ = ["amend", "cancel", "place"]

Action = Literal["place", "amend", "cancel"]
_DOING = {"place": "placing", "amend": "amending", "cancel": "cancelling"}
_OPS = {"place": "order", "amend": "amend-order", "cancel": "cancel-order"}
_DONE = {"place": "placed", "amend": "amend accepted", "cancel": "cancel accepted"}


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    """The OKX fields the options name, then those of ``--json`` (which win). The client
    checks them (names, types) before anything is sent."""
    fields = {f: getattr(args, f) for f in args.okx_fields if getattr(args, f) is not None}
    if args.json_fields is not None:
        fields.update(json_object(args.json_fields, "--json"))
    return fields


def _spot_pair(inst_id: str) -> bool:
    return inst_id.count("-") == 1  # BTC-USDT; swaps, futures and options have more parts


def _describe(item: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in item.items())


async def place(args: argparse.Namespace) -> int:
    """``okxws order place INST_ID SIDE SZ [--px ...]``."""
    item: dict[str, Any] = {"instId": args.inst_id, "side": args.side, "sz": args.sz}
    item.update(_fields(args))
    item.setdefault("ordType", "limit" if "px" in item else "market")
    item.setdefault("tdMode", "cash" if _spot_pair(args.inst_id) else "cross")
    return await _run(
        args,
        "place",
        item,
        lambda client: client.submit_new_order(
            cast(m.PlaceOrderRequest, item), expires_in=args.expires_in
        ),
    )


async def amend(args: argparse.Namespace) -> int:
    """``okxws order amend INST_ID --ord-id ID [--new-sz ...] [--new-px ...]``."""
    item: dict[str, Any] = {"instId": args.inst_id, **_fields(args)}
    return await _run(
        args, "amend", item, lambda client: client.amend_order(cast(m.AmendOrderRequest, item))
    )


async def cancel(args: argparse.Namespace) -> int:
    """``okxws order cancel INST_ID --ord-id ID`` (or ``--cl-ord-id``)."""
    item: dict[str, Any] = {"instId": args.inst_id, **_fields(args)}
    return await _run(
        args, "cancel", item, lambda client: client.cancel_order(cast(m.CancelOrderRequest, item))
    )


async def _run(
    args: argparse.Namespace,
    action: Action,
    item: dict[str, Any],
    send: Callable[[WebsocketAPIClient], Awaitable[Any]],
) -> int:
    """Connect, say what is sent, send it once; resolve an unknown outcome."""
    async with target.connect(args) as connected:
        client = connected.client
        if action == "place":  # known before sending, so that the order can be found
            item.setdefault("clOrdId", client.new_client_order_id())
        say(f"{_DOING[action]} on {connected.target.describe()}: {_describe(item)}")
        try:
            response = await send(client)
        except OkxError as exc:
            if exc.outcome_unknown:
                return await _resolve(client, action, exc)
            if isinstance(exc, OkxApiError):
                raise Failure(f"rejected: {_rejection(exc)}") from exc
            raise
        timing = _round_trip(client, action)
    result = response["data"][0]
    ids = " ".join(f"{k}={result[k]}" for k in ("ordId", "clOrdId", "reqId") if result.get(k))
    say(f"{_DONE[action]}: {ids} ({timing})")
    return 0


def _round_trip(client: WebsocketAPIClient, action: Action) -> str:
    """The request's round trip as the client measured it (``stats()``: from sending to the
    answer, without the ``instIdCode`` lookup that may precede a first order)."""
    for name, conn in client.stats()["connections"].items():
        figures = conn["ops"].get(_OPS[action])
        if figures is not None and figures["round_trip_ms"]["max"] is not None:
            return f"{figures['round_trip_ms']['max']:.3f} ms round trip on {name}"
    return "no round trip measured"


def _rejection(exc: OkxApiError) -> str:
    """OKX's reason: the item's ``sCode``/``sMsg``, else the envelope's ``code``/``msg``."""
    if exc.failed:
        item = exc.failed[0]
        return f"sCode {item.get('sCode')} {item.get('sMsg') or ''}".rstrip()
    return f"code {exc.code} {exc.msg}".rstrip()


async def _resolve(client: WebsocketAPIClient, action: Action, exc: OkxError) -> int:
    """Say what became of the order after an unknown outcome: 0 if the request took effect,
    else a :class:`Failure` that says so (and whether sending it again is safe)."""
    say(f"outcome unknown: {type(exc).__name__}: {exc}")
    say("looking the order up (okxws never sends it again) ...")
    try:
        [found] = await client.resolve(exc)
    except OkxError as error:
        raise Failure(f"outcome still unknown: {error}") from error
    order = found.order or {}
    record = " ".join(
        f"{k}={order[k]}" for k in ("ordId", "clOrdId", "state", "px", "sz") if order.get(k)
    )
    key = found.item.get("clOrdId") or found.item.get("ordId")
    if found.executed:
        what = {
            "place": "it was placed",
            "amend": "the amendment took effect",
            "cancel": "the order is canceled",
        }[action]
        say(f"resolved: {what}: {record}")
        return 0
    if not found.exists:
        safe = "; placing it again is safe" if action == "place" else ""
        raise Failure(f"resolved: OKX has no order {key}{safe}")
    raise Failure(f"resolved: the {action} did not take effect: {record}")
