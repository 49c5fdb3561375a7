"""The operations registry: one declaration per operation, everything else derived from it."""

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxws.protocol import messages as m
from okxws.protocol.ops import MAX_BATCH_ITEMS, OPS, is_valid_request_id


def test_eleven_ops_routed() -> None:
    assert set(OPS) == set(get_args(m.OpName))
    business = {name for name, spec in OPS.items() if spec.conn_kind == "business"}
    assert business == {"sprd-order", "sprd-amend-order", "sprd-cancel-order", "sprd-mass-cancel"}
    assert all(spec.conn_kind == "private" for n, spec in OPS.items() if n not in business)
    assert all(spec.venue == ("spread" if n in business else "book") for n, spec in OPS.items())


def test_batch_limits_and_exp_time() -> None:
    assert MAX_BATCH_ITEMS == 20
    assert {n for n, s in OPS.items() if s.is_batch} == {
        "batch-orders",
        "batch-cancel-orders",
        "batch-amend-orders",
    }
    assert all(s.max_items == (MAX_BATCH_ITEMS if s.is_batch else 1) for s in OPS.values())
    assert {n for n, s in OPS.items() if s.supports_exp_time} == {
        "order",
        "batch-orders",
        "amend-order",
        "batch-amend-orders",
    }
    assert OPS["order"].required == ("tdMode", "side", "ordType", "sz")
    assert OPS["cancel-order"].one_of == (("ordId", "clOrdId"),)
    assert all(spec.docs.startswith("https://www.okx.com/docs-v5/en/#") for spec in OPS.values())


def test_item_and_result_types() -> None:
    assert OPS["order"].args_type is m.PlaceOrderRequest
    assert OPS["batch-orders"].result_type is m.PlaceOrderResult
    assert OPS["sprd-mass-cancel"].result_type is m.MassCancelResult
    for spec in OPS.values():
        fields = spec.args_type.__required_keys__ | spec.args_type.__optional_keys__
        # Every required field and one-of group names a field of the item type.
        assert set(spec.required) <= fields, spec.name
        assert {f for group in spec.one_of for f in group} <= fields, spec.name
        assert spec.needs_inst == ("instIdCode" in fields), spec.name


def test_defaults_rest_twins_and_actions() -> None:
    assert {n for n, s in OPS.items() if s.fills_defaults} == {
        "order",
        "batch-orders",
        "sprd-order",
    }
    paths = [s.rest_path for s in OPS.values()]
    assert len(set(paths)) == len(paths)
    assert all(p.startswith(("/api/v5/trade/", "/api/v5/sprd/")) for p in paths)
    assert OPS["batch-cancel-orders"].rest_path == "/api/v5/trade/cancel-batch-orders"
    assert {n for n, s in OPS.items() if s.action == "place"} == {
        "order",
        "batch-orders",
        "sprd-order",
    }
    assert {n for n, s in OPS.items() if s.action == "mass_cancel"} == {
        "mass-cancel",
        "sprd-mass-cancel",
    }


def test_rate_limit_budgets() -> None:
    order, batch = OPS["order"].rate_limit, OPS["batch-orders"].rate_limit
    assert (order.limit, order.window_s, order.per_instrument, order.sub_account) == (
        60,
        2.0,
        True,
        True,
    )
    assert (batch.limit, batch.per_item, batch.single_item_op) == (300, True, "order")
    assert not OPS["cancel-order"].rate_limit.sub_account  # cancels are not counted
    # The three spread ops share one budget.
    sprd = {OPS[n].rate_limit for n in ("sprd-order", "sprd-amend-order", "sprd-cancel-order")}
    assert len(sprd) == 1
    for spec in OPS.values():
        single = spec.rate_limit.single_item_op
        if single is not None:
            assert spec.is_batch and OPS[single].action == spec.action


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
