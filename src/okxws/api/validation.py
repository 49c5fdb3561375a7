"""Checks every WS API argument before anything is sent (okx-protocol.md section 4).

Field sets come from the request ``TypedDict``s, so a field OKX does not document for an
operation is refused here instead of earning an "Illegal request" from OKX.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from ..protocol import messages as m
from ..protocol.exceptions import OkxValidationError
from ..protocol.ops import OPS, OpSpec

__all__ = ["validate_items"]

_ALNUM_32: Final = re.compile(r"[A-Za-z0-9]{1,32}")
_ALNUM_16: Final = re.compile(r"[A-Za-z0-9]{1,16}")
_BOOL_FIELDS: Final = frozenset({"reduceOnly", "banAmend", "cxlOnFail", "isElpTakerAccess"})

# What each field must be; one dict lookup per field keeps validation off the latency budget.
_STR, _BOOL, _INT, _ID32, _ID16 = range(5)


def _kinds(typed_dict: Any) -> dict[str, int]:
    fields = typed_dict.__required_keys__ | typed_dict.__optional_keys__
    special = {"instIdCode": _INT, "clOrdId": _ID32, "reqId": _ID32, "tag": _ID16}
    return {f: _BOOL if f in _BOOL_FIELDS else special.get(f, _STR) for f in fields}


_ARG_TYPES: Final = {
    "order": m.PlaceOrderRequest,
    "batch-orders": m.PlaceOrderRequest,
    "cancel-order": m.CancelOrderRequest,
    "batch-cancel-orders": m.CancelOrderRequest,
    "amend-order": m.AmendOrderRequest,
    "batch-amend-orders": m.AmendOrderRequest,
    "mass-cancel": m.MassCancelRequest,
    "sprd-order": m.SpreadPlaceOrderRequest,
    "sprd-amend-order": m.SpreadAmendOrderRequest,
    "sprd-cancel-order": m.SpreadCancelOrderRequest,
    "sprd-mass-cancel": m.SpreadMassCancelRequest,
}
_FIELD_KINDS: Final = {op: _kinds(td) for op, td in _ARG_TYPES.items()}


def _fields_of_kind(kind: int) -> dict[str, frozenset[str]]:
    return {
        op: frozenset(f for f, k in kinds.items() if k == kind)
        for op, kinds in _FIELD_KINDS.items()
    }


#: Per operation, the fields whose value may be any string, and the int fields (instIdCode):
#: the fast path of the check, which leaves only the other fields to :func:`_check_field`.
_STR_FIELDS: Final = _fields_of_kind(_STR)
_INT_FIELDS: Final = _fields_of_kind(_INT)


def _bad_value(where: str, field: str, kind: int, value: object) -> OkxValidationError:
    if kind == _BOOL:
        return OkxValidationError(f"{where}: {field} must be a bool, not {value!r}")
    if kind == _INT:
        return OkxValidationError(f"{where}: {field} must be an int, not {value!r}")
    if kind in (_ID32, _ID16) and isinstance(value, str):
        limit = 16 if kind == _ID16 else 32
        return OkxValidationError(f"{where}: {field} must be 1-{limit} letters or digits")
    return OkxValidationError(
        f"{where}: {field} must be a string (OKX sends numbers as strings), not {value!r}"
    )


def _check_field(spec: OpSpec, kinds: dict[str, int], field: str, value: Any, where: str) -> None:
    kind = kinds.get(field)
    if kind is None:
        raise OkxValidationError(f"{where}: unknown field {field!r} for {spec.name}")
    if kind == _STR:
        if not isinstance(value, str):
            raise _bad_value(where, field, kind, value)
    elif kind == _BOOL:
        if value is not True and value is not False:
            raise _bad_value(where, field, kind, value)
    elif kind == _INT:
        if type(value) is not int:
            raise _bad_value(where, field, kind, value)
    else:
        pattern = _ALNUM_16 if kind == _ID16 else _ALNUM_32
        if not isinstance(value, str) or pattern.fullmatch(value) is None:
            raise _bad_value(where, field, kind, value)


def _check_item(
    spec: OpSpec,
    kinds: dict[str, int],
    str_fields: frozenset[str],
    int_fields: frozenset[str],
    item: Any,
    where: str,
) -> None:
    if type(item) is not dict and not isinstance(item, Mapping):
        kind_name = type(item).__name__
        raise OkxValidationError(f"{where}: expected a dict of OKX fields, got {kind_name}")
    for field, value in item.items():
        value_type = type(value)
        if value_type is str:
            if field in str_fields:
                continue  # most fields: one type check and one set lookup
        elif value_type is int and field in int_fields:
            continue
        _check_field(spec, kinds, field, value, where)
    for field in spec.required:
        if not item.get(field):
            raise OkxValidationError(f"{where}: {field} is required for {spec.name}")
    for group in spec.one_of:
        if not any(item.get(field) for field in group):
            raise OkxValidationError(f"{where}: one of {', '.join(group)} is required")
    if spec.needs_inst and "instIdCode" not in item and not item.get("instId"):
        raise OkxValidationError(f"{where}: instIdCode (or instId to look it up) is required")


def validate_items(op: str, items: list[Any]) -> None:
    """Raise :class:`OkxValidationError` for anything OKX would refuse in ``items``."""
    spec = OPS[op]
    if not items:
        raise OkxValidationError(f"{op}: nothing to send")
    if len(items) > spec.max_items:
        raise OkxValidationError(
            f"{op}: at most {spec.max_items} items per request, got {len(items)}"
        )
    kinds, str_fields, int_fields = _FIELD_KINDS[op], _STR_FIELDS[op], _INT_FIELDS[op]
    if spec.max_items == 1:
        _check_item(spec, kinds, str_fields, int_fields, items[0], op)
        return
    for index, item in enumerate(items):
        _check_item(spec, kinds, str_fields, int_fields, item, f"{op}[{index}]")
    if op == "batch-orders":
        ids = [i["clOrdId"] for i in items if i.get("clOrdId")]
        if len(ids) != len(set(ids)):
            raise OkxValidationError(f"{op}: clOrdId must be unique within the batch")
