"""The exception tree, wired to the error-code table."""

from typing import Any

from okxws.protocol.exceptions import (
    OkxApiError,
    OkxError,
    OkxPartialBatchError,
    OkxRateLimitError,
    OkxResponseShapeError,
    api_error,
    nothing_sent,
)


def reply(code: str, *items: dict[str, Any], msg: str = "") -> dict[str, Any]:
    return {"id": "1", "op": "batch-orders", "code": code, "msg": msg, "data": list(items)}


def item(s_code: str, cl: str) -> dict[str, Any]:
    return {"clOrdId": cl, "ordId": "", "sCode": s_code, "sMsg": "x"}


def test_a_plain_rejection_is_outcome_known() -> None:
    error = api_error(reply("1", item("51008", "a")))
    assert type(error) is OkxApiError
    assert not error.outcome_unknown and not error.retryable
    assert [d["clOrdId"] for d in error.failed] == ["a"]
    assert error.unknown == []


def test_okx_neither_success_nor_failure_codes_say_outcome_unknown() -> None:
    for code in ("50004", "51054", "51149"):
        top = api_error({"id": "1", "op": "order", "code": code, "msg": "", "data": []})
        assert top.outcome_unknown, code
        assert "OUTCOME UNKNOWN" in str(top)
        per_item = api_error(reply("1", item(code, "b")))
        assert per_item.outcome_unknown, code


def test_a_partial_batch_names_its_unknown_items() -> None:
    error = api_error(reply("2", item("0", "ok"), item("51149", "maybe"), item("51008", "no")))
    assert isinstance(error, OkxPartialBatchError)
    assert error.outcome_unknown
    assert [d["clOrdId"] for d in error.succeeded] == ["ok"]
    assert [d["clOrdId"] for d in error.unknown] == ["maybe"]
    assert [d["clOrdId"] for d in error.failed] == ["maybe", "no"]


def test_rate_limit_answers_raise_rate_limit_errors() -> None:
    top = api_error({"id": "1", "op": "order", "code": "60014", "msg": "Requests too frequent"})
    assert isinstance(top, OkxRateLimitError) and top.code == "60014"
    per_item = api_error(reply("1", item("50011", "a"), item("50061", "b")))
    assert isinstance(per_item, OkxRateLimitError)
    assert not per_item.outcome_unknown and per_item.retryable
    assert per_item.response is not None and len(per_item.data) == 2
    # Mixed with an ordinary rejection it stays an API error.
    assert type(api_error(reply("1", item("50011", "a"), item("51008", "b")))) is OkxApiError


def test_shapes_and_flags() -> None:
    assert OkxResponseShapeError("bad").outcome_unknown
    odd = api_error({"code": "1", "data": "not a list"})
    assert isinstance(odd, OkxApiError) and odd.data == []
    error = nothing_sent(OkxResponseShapeError("x"))
    assert isinstance(error, OkxError) and not error.outcome_unknown
