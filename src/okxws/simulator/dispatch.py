"""One trading operation on the engine, for the WebSocket API and REST alike.

What to call and how its items look follow from the operation's
:class:`~okxws.protocol.ops.OpSpec`: its ``action`` picks the engine call, ``action`` and
``venue`` the shape of each result item, ``needs_inst`` whether a REST item names its
instrument by ``instId``. okx-protocol.md sections 3.3 (envelope codes) and 4.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from okxws.protocol.ops import OpAction, OpSpec, OrderVenue

from .engine import Engine
from .orders import EngineArgError, ItemResult
from .render import MASS_CANCEL_OK, error_text, failed_item, item_shape

__all__ = ["execute_op", "fail_all", "op_envelope_code"]

_ItemCall = Callable[..., ItemResult]
#: The engine call of each kind of item operation.
_ITEM_CALLS: Final[Mapping[OpAction, _ItemCall]] = {
    "place": Engine.place,
    "amend": Engine.amend,
    "cancel": Engine.cancel,
}
#: Two items of one batch naming the same order: by ``clOrdId`` for places, by order for amends.
_DUPLICATE_CODES: Final[Mapping[OpAction, str]] = {"place": "51016", "amend": "51512"}


def op_envelope_code(data: list[dict[str, Any]]) -> str:
    """``"0"`` all items ok, ``"1"`` all failed, ``"2"`` partial (okx-protocol.md 3.3)."""
    if len(data) == 1:  # the common case, without the generator
        return "0" if data[0].get("sCode") == "0" else "1"
    ok = sum(1 for item in data if item.get("sCode") == "0")
    if ok == len(data):
        return "0"
    return "1" if ok == 0 else "2"


def fail_all(
    spec: OpSpec[Any, Any], items: list[dict[str, Any]], code: str, now_ms: int
) -> list[dict[str, Any]]:
    """Every item failed with ``code``, none executed (expired ``expTime``, a fault switch)."""
    ts = str(now_ms)
    return [failed_item(spec.action, spec.venue, item, code, ts) for item in items]


def _batch_key(action: OpAction, item: Mapping[str, Any]) -> str:
    if action == "place":
        cl = item.get("clOrdId")
        return cl if isinstance(cl, str) else ""
    oid = item.get("ordId")
    if isinstance(oid, str) and oid:
        return "o" + oid
    cl = item.get("clOrdId")
    return "c" + cl if isinstance(cl, str) and cl else ""


def _rest_inst_id(item: Mapping[str, Any]) -> str | None:
    # REST names the instrument by instId; an item with neither field reports instId missing.
    v = item.get("instId")
    if isinstance(v, str):
        return v
    return "" if item.get("instIdCode") is None else None


def execute_op(
    engine: Engine,
    uid: str,
    spec: OpSpec[Any, Any],
    items: list[dict[str, Any]],
    now_ms: int,
    *,
    rest: bool = False,
    fail_items: Mapping[int, str] | None = None,
) -> tuple[str, str, list[dict[str, Any]]]:
    """Run one (validated) trading operation for ``uid``: returns ``(code, msg, data)``.

    ``rest``: items name instruments by ``instId`` (REST) instead of ``instIdCode`` (WS since
    2026-03: an item with only ``instId`` is missing its code and gets ``sCode`` 50014, section
    4.0), and a failure has REST's envelope ``msg``. ``fail_items``: index -> ``sCode`` of items
    failed without executing them (a fault switch).
    """
    action: OpAction = spec.action
    venue: OrderVenue = spec.venue
    if action == "mass_cancel":
        try:
            engine.mass_cancel(venue, uid, items[0], now_ms)
        except EngineArgError as exc:
            return exc.code, exc.msg, []
        return "0", "", [dict(MASS_CANCEL_OK)]
    call = _ITEM_CALLS[action]
    shape = item_shape(action, venue)  # once per operation, not per item
    ts = str(now_ms)
    data: list[dict[str, Any]] = []
    dup_code = _DUPLICATE_CODES.get(action) if len(items) > 1 else None
    seen: set[str] = set()
    for i, item in enumerate(items):
        if fail_items and i in fail_items:
            data.append(failed_item(action, venue, item, fail_items[i], ts))
            continue
        if dup_code is not None:
            key = _batch_key(action, item)
            if key:
                if key in seen:
                    data.append(failed_item(action, venue, item, dup_code, ts))
                    continue
                seen.add(key)
        inst_id = _rest_inst_id(item) if rest and spec.needs_inst else None
        result = call(engine, venue, uid, item, now_ms, inst_id=inst_id)
        data.append(shape(result, ts))
    code = op_envelope_code(data)
    if rest and code != "0":
        return code, "All operations failed" if code == "1" else error_text("2"), data
    return code, "", data
