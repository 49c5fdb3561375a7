"""Checks every WS API argument before anything is sent (okx-protocol.md section 4).

Field sets come from the request ``TypedDict``s, so a field OKX does not document for an
operation is refused here instead of earning an "Illegal request" from OKX.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final

from ..protocol.endpoints import ConnKind
from ..protocol.exceptions import OkxValidationError
from ..protocol.ops import OPS, OpSpec

__all__ = [
    "HAS_CL_ORD_ID",
    "HAS_CODE",
    "HAS_TAG",
    "NAMES_INST_ID",
    "OP_RULES",
    "FieldKind",
    "OpRules",
    "check_tag",
    "validate_items",
]


class FieldKind(enum.Enum):
    """What the value of one request field must be."""

    STR = "str"  # OKX sends numbers as strings
    BOOL = "bool"
    INT = "int"  # instIdCode
    ID32 = "id32"  # clOrdId, reqId: 1-32 letters or digits
    ID16 = "id16"  # tag: 1-16 letters or digits


_BOOL_FIELDS: Final = frozenset({"reduceOnly", "banAmend", "cxlOnFail", "isElpTakerAccess"})
_SPECIAL: Final = {
    "instIdCode": FieldKind.INT,
    "clOrdId": FieldKind.ID32,
    "reqId": FieldKind.ID32,
    "tag": FieldKind.ID16,
}
_ID_LIMITS: Final = {FieldKind.ID32: 32, FieldKind.ID16: 16}


def _kinds(typed_dict: Any) -> dict[str, FieldKind]:
    """The kind of every field of a request ``TypedDict`` (the operation's ``args_type``)."""
    fields = typed_dict.__required_keys__ | typed_dict.__optional_keys__
    return {
        f: FieldKind.BOOL if f in _BOOL_FIELDS else _SPECIAL.get(f, FieldKind.STR) for f in fields
    }


def _is_id(value: str, limit: int) -> bool:
    """1 to ``limit`` ASCII letters or digits (clOrdId, reqId, tag)."""
    return value.isascii() and value.isalnum() and len(value) <= limit


#: What the per-field loop of :meth:`OpRules.check_item` makes of a field, by name: one
#: dict lookup per field. 16 and 32 are also the length limits of those id fields.
_STR: Final = 0  # a plain string (OKX sends numbers as strings)
_REQUIRED: Final = 1  # a plain string the operation requires
_INST_ID: Final = 2  # instId, which okxws turns into instIdCode
_INT: Final = 3  # instIdCode
_BOOL: Final = 4
_CL_ORD_ID: Final = 5
_TAG: Final = 6
_UNKNOWN: Final = -1

#: What :meth:`OpRules.check_item` reports of an item it accepted, as bit flags: what the
#: request path fills in (instIdCode, clOrdId, tag) then takes no second look for.
NAMES_INST_ID: Final = 1  # an instId for okxws to turn into instIdCode (needs_inst ops)
HAS_CODE: Final = 2  # its own instIdCode
HAS_CL_ORD_ID: Final = 4  # its own clOrdId
HAS_TAG: Final = 8  # its own tag
_LOOP_CODES: Final = {FieldKind.STR: _STR, FieldKind.BOOL: _BOOL, FieldKind.INT: _INT,
                      FieldKind.ID16: 16, FieldKind.ID32: 32}  # fmt: skip


class OpRules:
    """What the items of one operation must look like, laid out for the per-field loop.

    Each field of the usual order takes one type check and one dict lookup; only the
    others go through :meth:`_check_field`, which also words the error. ``name`` and
    ``conn_kind`` are the spec's, read here by the compiled request path (an attribute
    of the interpreted ``OpSpec`` costs a generic lookup per order).
    """

    __slots__ = (
        "conn_kind",
        "fills_defaults",
        "kinds",
        "loop_codes",
        "max_items",
        "name",
        "needs_inst",
        "one_of",
        "required",
        "required_count",
        "spec",
    )

    def __init__(self, spec: OpSpec[Any, Any], kinds: dict[str, FieldKind]) -> None:
        self.spec = spec
        self.name: str = spec.name
        self.conn_kind: ConnKind = spec.conn_kind
        self.kinds = kinds
        self.max_items = spec.max_items
        self.required = spec.required
        self.one_of = spec.one_of
        self.needs_inst = spec.needs_inst
        self.fills_defaults = spec.fills_defaults
        # Required fields are all plain strings: counting those seen non-empty in the loop
        # replaces a second pass over them.
        assert all(kinds.get(f) is FieldKind.STR for f in spec.required), spec.name
        self.required_count = len(set(spec.required))
        self.loop_codes: dict[str, int] = {f: _LOOP_CODES[k] for f, k in kinds.items()}
        for f in spec.required:
            self.loop_codes[f] = _REQUIRED
        if spec.needs_inst and kinds.get("instId") is FieldKind.STR:
            self.loop_codes["instId"] = _INST_ID
        if kinds.get("clOrdId") is FieldKind.ID32:
            self.loop_codes["clOrdId"] = _CL_ORD_ID
        if kinds.get("tag") is FieldKind.ID16:
            self.loop_codes["tag"] = _TAG

    def check_item(self, item: Any, where: str) -> int:
        """Raise for anything OKX would refuse in ``item``; else its flags
        (:data:`NAMES_INST_ID`, :data:`HAS_CODE`, :data:`HAS_CL_ORD_ID`, :data:`HAS_TAG`)."""
        # Typed as a dict, the loop below compiles to CPython's dict iteration (no tuple
        # per field); another Mapping is checked as a copy.
        fields: dict[str, Any]
        if type(item) is dict:
            fields = item
        elif isinstance(item, Mapping):
            fields = dict(item)
        else:
            kind_name = type(item).__name__
            raise OkxValidationError(f"{where}: expected a dict of OKX fields, got {kind_name}")
        loop_codes = self.loop_codes
        required_seen = 0
        inst_id: str | None = None
        flags = 0
        for field, value in fields.items():
            code = loop_codes.get(field, _UNKNOWN)
            if type(value) is str:
                if code == _STR:
                    continue  # most fields: one type check and one dict lookup
                if code == _REQUIRED:
                    if value:
                        required_seen += 1
                        continue
                elif code == _INST_ID:
                    inst_id = value
                    continue
                elif code == _CL_ORD_ID:
                    if _is_id(value, 32):
                        flags |= HAS_CL_ORD_ID
                        continue
                elif code == _TAG:
                    if _is_id(value, 16):
                        flags |= HAS_TAG
                        continue
                elif code >= 16 and _is_id(value, code):
                    continue
            elif type(value) is int and code == _INT:
                flags |= HAS_CODE
                continue
            self._check_field(field, value, where)
            if code == _INST_ID:  # a str subclass, accepted by _check_field
                inst_id = value
            elif code == _CL_ORD_ID:
                flags |= HAS_CL_ORD_ID
            elif code == _TAG:
                flags |= HAS_TAG
        if required_seen != self.required_count:
            for field in self.required:
                if not fields.get(field):
                    raise OkxValidationError(f"{where}: {field} is required for {self.name}")
        for group in self.one_of:
            if not any(fields.get(field) for field in group):
                raise OkxValidationError(f"{where}: one of {', '.join(group)} is required")
        if inst_id is not None:
            flags |= NAMES_INST_ID
        if self.needs_inst and not inst_id and not flags & HAS_CODE:
            raise OkxValidationError(f"{where}: instIdCode (or instId to look it up) is required")
        return flags

    def _check_field(self, field: str, value: Any, where: str) -> None:
        """Accept what the loop's fast path did not (a str subclass, say), or raise."""
        kind = self.kinds.get(field)
        if kind is None:
            raise OkxValidationError(f"{where}: unknown field {field!r} for {self.name}")
        if kind is FieldKind.BOOL:
            if value is not True and value is not False:
                raise OkxValidationError(f"{where}: {field} must be a bool, not {value!r}")
        elif kind is FieldKind.INT:
            if type(value) is not int:
                raise OkxValidationError(f"{where}: {field} must be an int, not {value!r}")
        elif not isinstance(value, str):
            raise OkxValidationError(
                f"{where}: {field} must be a string (OKX sends numbers as strings), not {value!r}"
            )
        elif kind in _ID_LIMITS and not _is_id(value, _ID_LIMITS[kind]):
            limit = _ID_LIMITS[kind]
            raise OkxValidationError(f"{where}: {field} must be 1-{limit} letters or digits")


def check_tag(value: object, where: str) -> None:
    """Raise unless ``value`` is a valid order ``tag`` (1-16 letters or digits)."""
    if not isinstance(value, str) or not value or not _is_id(value, 16):
        raise OkxValidationError(f"{where} must be 1-16 letters or digits")


#: The rules of each operation; ``OP_RULES[op].check_item(item, op)`` checks one item.
OP_RULES: Final = {op: OpRules(spec, _kinds(spec.args_type)) for op, spec in OPS.items()}


def validate_items(op: str, items: list[Any]) -> list[int]:
    """Raise :class:`OkxValidationError` for anything OKX would refuse in ``items``.

    Returns each item's :meth:`OpRules.check_item` flags (:data:`NAMES_INST_ID` when it
    names its instrument by ``instId``, looked up, then sent as ``instIdCode``).
    Fields and types follow the request ``TypedDict``s, which follow
    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order and its siblings.
    """
    rules = OP_RULES[op]
    if len(items) == 1:  # a single operation (the WS hot path calls check_item itself)
        return [rules.check_item(items[0], op)]
    if not items:
        raise OkxValidationError(f"{op}: nothing to send")
    if len(items) > rules.max_items:
        raise OkxValidationError(
            f"{op}: at most {rules.max_items} items per request, got {len(items)}"
        )
    flags = [rules.check_item(item, f"{op}[{index}]") for index, item in enumerate(items)]
    if op == "batch-orders":
        ids = [i["clOrdId"] for i in items if i.get("clOrdId")]
        if len(ids) != len(set(ids)):
            raise OkxValidationError(f"{op}: clOrdId must be unique within the batch")
    return flags
