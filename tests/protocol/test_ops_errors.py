"""The operations registry and the error-code table."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxws.protocol.channels import channel_conn_kind, channel_needs_login
from okxws.protocol.errors import (
    ERROR_CODES,
    LOGIN_FAILURE_CODES,
    error_info,
    is_auth_failure,
    is_outcome_unknown,
    is_rate_limit,
    is_retryable,
)
from okxws.protocol.ops import MAX_BATCH_ITEMS, OPS, is_valid_request_id


def test_eleven_ops_routed() -> None:
    assert len(OPS) == 11
    business = {name for name, spec in OPS.items() if spec.conn_kind == "business"}
    assert business == {"sprd-order", "sprd-amend-order", "sprd-cancel-order", "sprd-mass-cancel"}
    assert all(spec.conn_kind == "private" for n, spec in OPS.items() if n not in business)


def test_batch_limits_and_exp_time() -> None:
    assert MAX_BATCH_ITEMS == 20
    assert {n for n, s in OPS.items() if s.is_batch} == {
        "batch-orders",
        "batch-cancel-orders",
        "batch-amend-orders",
    }
    assert {n for n, s in OPS.items() if s.supports_exp_time} == {
        "order",
        "batch-orders",
        "amend-order",
        "batch-amend-orders",
    }
    assert OPS["order"].required == ("tdMode", "side", "ordType", "sz")
    assert OPS["cancel-order"].one_of == (("ordId", "clOrdId"),)
    assert all(spec.docs.startswith("https://www.okx.com/docs-v5/en/#") for spec in OPS.values())


@pytest.mark.parametrize("rid", ["1", "1512", "DMOJTjjLqh8HSFO5jUUGob1vF45BYv", "a" * 32])
def test_valid_ids(rid: str) -> None:
    assert is_valid_request_id(rid)


@pytest.mark.parametrize("rid", ["", "a" * 33, "a-b", "a_b", "é", 12, None, "1 2"])
def test_invalid_ids(rid: object) -> None:
    assert not is_valid_request_id(rid)


@given(st.text(max_size=40))
def test_id_rule_property(rid: str) -> None:
    expected = 1 <= len(rid) <= 32 and all(c.isascii() and c.isalnum() for c in rid)
    assert is_valid_request_id(rid) == expected


@pytest.mark.parametrize(
    ("channel", "kind", "login"),
    [
        ("tickers", "public", False),
        ("books5", "public", False),
        ("books-l2-tbt", "public", True),
        ("orders", "private", True),
        ("account", "private", True),
        ("sprd-orders", "business", True),
        ("candle1m", "business", False),
        ("trades-all", "business", False),
        ("deposit-info", "business", True),
    ],
)
def test_channel_routing(channel: str, kind: str, login: bool) -> None:
    assert channel_conn_kind(channel) == kind
    assert channel_needs_login(channel) is login


def test_error_classes() -> None:
    assert is_auth_failure("60009") and is_auth_failure("60024") and is_auth_failure("60032")
    assert is_rate_limit("50011") and is_rate_limit("60014")
    assert is_retryable("50013") and not is_retryable("51008")
    assert is_outcome_unknown("51149") and is_outcome_unknown("50004")
    assert error_info("51008_1000").code == "51008"
    assert error_info("99999").code == ""
    assert "60011" not in LOGIN_FAILURE_CODES  # "Please log in" is not a failed login
    assert {"60004", "60005", "60006", "60007", "60009", "60024", "60032"} <= LOGIN_FAILURE_CODES
    assert all(code == info.code for code, info in ERROR_CODES.items())
