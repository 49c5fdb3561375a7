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
_FORMATS: Final = {"clOrdId": _ALNUM_32, "reqId": _ALNUM_32, "tag": _ALNUM_16}


def _fields(typed_dict: Any) -> frozenset[str]:
    return frozenset(typed_dict.__required_keys__ | typed_dict.__optional_keys__)


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
_KNOWN_FIELDS: Final = {op: _fields(td) for op, td in _ARG_TYPES.items()}


def _check_item(spec: OpSpec, known: frozenset[str], item: Mapping[str, Any], where: str) -> None:
    if not isinstance(item, Mapping):
        raise OkxValidationError(
            f"{where}: expected a dict of OKX fields, got {type(item).__name__}"
        )
    for field, value in item.items():
        if field not in known:
            raise OkxValidationError(f"{where}: unknown field {field!r} for {spec.name}")
        if field in _BOOL_FIELDS:
            if not isinstance(value, bool):
                raise OkxValidationError(f"{where}: {field} must be a bool, not {value!r}")
        elif field == "instIdCode":
            if isinstance(value, bool) or not isinstance(value, int):
                raise OkxValidationError(f"{where}: instIdCode must be an int, not {value!r}")
        elif not isinstance(value, str):
            raise OkxValidationError(
                f"{where}: {field} must be a string (OKX sends numbers as strings), not {value!r}"
            )
        else:
            pattern = _FORMATS.get(field)
            if pattern is not None and pattern.fullmatch(value) is None:
                limit = 16 if field == "tag" else 32
                raise OkxValidationError(f"{where}: {field} must be 1-{limit} letters or digits")
    for field in spec.required:
        if not item.get(field):
            raise OkxValidationError(f"{where}: {field} is required for {spec.name}")
    for group in spec.one_of:
        if not any(item.get(field) for field in group):
            raise OkxValidationError(f"{where}: one of {', '.join(group)} is required")
    if spec.needs_inst and "instIdCode" not in item and not item.get("instId"):
        raise OkxValidationError(f"{where}: instIdCode (or instId to look it up) is required")


def validate_items(op: str, items: list[Mapping[str, Any]]) -> None:
    """Raise :class:`OkxValidationError` for anything OKX would refuse in ``items``."""
    spec = OPS[op]
    if not items:
        raise OkxValidationError(f"{op}: nothing to send")
    if len(items) > spec.max_items:
        raise OkxValidationError(
            f"{op}: at most {spec.max_items} items per request, got {len(items)}"
        )
    known = _KNOWN_FIELDS[op]
    batch = spec.is_batch
    for index, item in enumerate(items):
        _check_item(spec, known, item, f"{op}[{index}]" if batch else op)
    if op in ("batch-orders",):
        ids = [i["clOrdId"] for i in items if i.get("clOrdId")]
        if len(ids) != len(set(ids)):
            raise OkxValidationError(f"{op}: clOrdId must be unique within the batch")
