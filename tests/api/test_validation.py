"""Validation before anything is sent (pure: no event loop)."""

from typing import Any

import pytest

from okxws import OkxValidationError
from okxws.api.instruments import inst_type_of
from okxws.api.validation import (
    HAS_CL_ORD_ID,
    HAS_CODE,
    HAS_TAG,
    NAMES_INST_ID,
    OP_RULES,
    validate_items,
)

ORDER: dict[str, Any] = {
    "instIdCode": 100001,
    "tdMode": "cash",
    "side": "buy",
    "ordType": "limit",
    "sz": "0.01",
    "px": "30000",
}


def test_valid_order_passes() -> None:
    validate_items("order", [ORDER])
    by_inst_id = {k: v for k, v in ORDER.items() if k != "instIdCode"} | {"instId": "BTC-USDT"}
    validate_items("order", [by_inst_id])


@pytest.mark.parametrize("missing", ["tdMode", "side", "ordType", "sz"])
def test_missing_required_field(missing: str) -> None:
    item = {k: v for k, v in ORDER.items() if k != missing}
    with pytest.raises(OkxValidationError, match=f"{missing} is required"):
        validate_items("order", [item])


@pytest.mark.parametrize("empty", ["tdMode", "sz"])
def test_empty_required_field(empty: str) -> None:
    with pytest.raises(OkxValidationError, match=f"{empty} is required"):
        validate_items("order", [{**ORDER, empty: ""}])


def test_reports_whether_an_item_names_its_instrument_by_inst_id() -> None:
    by_inst_id = {k: v for k, v in ORDER.items() if k != "instIdCode"} | {"instId": "BTC-USDT"}

    def names_inst_id(op: str, items: list[Any]) -> list[bool]:
        return [bool(flags & NAMES_INST_ID) for flags in validate_items(op, items)]

    assert names_inst_id("order", [ORDER]) == [False]
    assert names_inst_id("order", [by_inst_id]) == [True]
    assert names_inst_id("batch-orders", [ORDER, by_inst_id]) == [False, True]
    assert names_inst_id("batch-orders", [ORDER, ORDER]) == [False, False]


@pytest.mark.parametrize(
    "extra",
    [{}, {"clOrdId": "abc1"}, {"tag": "t1"}, {"clOrdId": "abc1", "tag": "t1"}, {"instId": "X-Y"}],
)
def test_flags_say_what_an_item_has(extra: dict[str, str]) -> None:
    """check_item's flags (what the request path fills in) say what the dict has."""
    item = {**ORDER, **extra}
    flags = OP_RULES["order"].check_item(item, "order")
    assert validate_items("batch-orders", [item, ORDER]) == [flags, HAS_CODE]
    assert bool(flags & HAS_CL_ORD_ID) == ("clOrdId" in item)
    assert bool(flags & HAS_TAG) == ("tag" in item)
    assert flags & HAS_CODE
    assert bool(flags & NAMES_INST_ID) == ("instId" in item)


def test_accepts_ids_and_str_subclasses() -> None:
    class Price(str):
        pass

    validate_items("order", [{**ORDER, "clOrdId": "a" * 32, "tag": "T1", "px": Price("1")}])
    validate_items("order", [{**ORDER, "sz": Price("2"), "reduceOnly": False}])


def test_missing_instrument() -> None:
    item = {k: v for k, v in ORDER.items() if k != "instIdCode"}
    with pytest.raises(OkxValidationError, match="instIdCode"):
        validate_items("order", [item])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sz", 0.01, "must be a string"),
        ("instIdCode", "100001", "must be an int"),
        ("instIdCode", True, "must be an int"),
        ("reduceOnly", "true", "must be a bool"),
        ("clOrdId", "has-dash", "1-32 letters or digits"),
        ("clOrdId", "x" * 33, "1-32 letters or digits"),
        ("clOrdId", "", "1-32 letters or digits"),
        ("clOrdId", "caf\u00e9", "1-32 letters or digits"),
        ("clOrdId", 12, "must be a string"),
        ("tag", "t" * 17, "1-16 letters or digits"),
        ("postOnly", True, "unknown field 'postOnly'"),
    ],
)
def test_wrong_types_and_formats(field: str, value: object, message: str) -> None:
    with pytest.raises(OkxValidationError, match=message):
        validate_items("order", [{**ORDER, field: value}])


def test_batch_limit_and_duplicates() -> None:
    validate_items("batch-orders", [dict(ORDER) for _ in range(20)])
    with pytest.raises(OkxValidationError, match="at most 20"):
        validate_items("batch-orders", [dict(ORDER) for _ in range(21)])
    with pytest.raises(OkxValidationError, match="unique"):
        validate_items("batch-orders", [{**ORDER, "clOrdId": "a1"}, {**ORDER, "clOrdId": "a1"}])
    with pytest.raises(OkxValidationError, match="nothing to send"):
        validate_items("batch-orders", [])
    with pytest.raises(OkxValidationError, match=r"batch-orders\[1\]"):
        validate_items("batch-orders", [ORDER, {**ORDER, "sz": 1}])


@pytest.mark.parametrize("op", ["cancel-order", "amend-order", "sprd-cancel-order"])
def test_cancel_or_amend_needs_an_order_id(op: str) -> None:
    item: dict[str, Any] = {"newSz": "1"} if "amend" in op else {}
    if not op.startswith("sprd"):
        item["instIdCode"] = 1
    with pytest.raises(OkxValidationError, match="one of ordId, clOrdId"):
        validate_items(op, [item])


def test_amend_needs_a_change() -> None:
    with pytest.raises(OkxValidationError, match="newSz"):
        validate_items("amend-order", [{"instIdCode": 1, "ordId": "1"}])
    validate_items(
        "amend-order", [{"instIdCode": 1, "ordId": "1", "newPx": "1", "cxlOnFail": True}]
    )


def test_mass_cancel_and_spreads() -> None:
    validate_items("mass-cancel", [{"instType": "OPTION", "instFamily": "BTC-USD"}])
    with pytest.raises(OkxValidationError, match="instFamily is required"):
        validate_items("mass-cancel", [{"instType": "OPTION"}])
    validate_items("sprd-mass-cancel", [{}])
    validate_items(
        "sprd-order",
        [
            {
                "sprdId": "BTC-USDT_BTC-USDT-SWAP",
                "side": "buy",
                "ordType": "limit",
                "sz": "1",
                "px": "5",
            }
        ],
    )
    with pytest.raises(OkxValidationError, match="unknown field 'instIdCode'"):
        validate_items("sprd-cancel-order", [{"ordId": "1", "instIdCode": 5}])


def test_not_a_dict() -> None:
    with pytest.raises(OkxValidationError, match="expected a dict"):
        validate_items("order", ["BTC-USDT"])


@pytest.mark.parametrize(
    ("inst_id", "expected"),
    [
        ("BTC-USDT", ("SPOT", None)),
        ("BTC-USDT-SWAP", ("SWAP", None)),
        ("BTC-USD-261225", ("FUTURES", None)),
        ("BTC-USD-261225-100000-C", ("OPTION", "BTC-USD")),
    ],
)
def test_inst_type_of(inst_id: str, expected: tuple[str, str | None]) -> None:
    assert inst_type_of(inst_id) == expected
