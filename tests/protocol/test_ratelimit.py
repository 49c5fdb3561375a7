"""Rate-limit budgets: exact sliding windows, keyed as OKX keys its limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxws.protocol.ops import OPS, RateLimit
from okxws.protocol.ratelimit import RateLimiter, SlidingWindow, instrument_key


def test_a_window_admits_its_limit_then_waits_for_the_oldest() -> None:
    win = SlidingWindow(3, 2.0)
    for t in (0.0, 0.5, 1.0):
        assert win.wait_for(t) == 0.0
        win.charge(t)
    assert win.wait_for(1.5) == pytest.approx(0.5)  # the unit of t=0 leaves at t=2
    assert win.wait_for(2.0) == 0.0
    assert win.wait_for(2.0, units=3) == pytest.approx(1.0)  # t=1 leaves at 3
    assert win.wait_for(0.0, units=4) == float("inf")
    assert win.used(1.9) == 3 and win.used(2.6) == 1


@given(st.lists(st.floats(min_value=0, max_value=10, allow_nan=False), max_size=200))
def test_no_span_of_the_window_ever_holds_more_than_the_limit(times: list[float]) -> None:
    win = SlidingWindow(5, 1.0)
    admitted: list[float] = []
    for t in sorted(times):
        if win.wait_for(t) == 0.0:
            win.charge(t)
            admitted.append(t)
    for i, start in enumerate(admitted):
        assert sum(1 for t in admitted[i:] if t < start + 1.0) <= 5


def test_block_and_resize() -> None:
    win = SlidingWindow(2, 2.0)
    win.block_until(5.0)
    assert win.wait_for(4.0) == pytest.approx(1.0)
    assert win.wait_for(5.0) == 0.0
    win.charge(5.0)
    win.resize(4, 2.0)
    assert win.used(5.5) == 1 and win.wait_for(5.5, 3) == 0.0
    win.resize(1, 2.0)
    assert win.wait_for(5.5) == pytest.approx(1.5)


def order(inst: str | int) -> dict[str, object]:
    key = "instId" if isinstance(inst, str) else "instIdCode"
    return {key: inst, "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "1"}


def test_charges_follow_okx_keying() -> None:
    lim = RateLimiter()
    place = lim.charges(OPS["order"], [order("BTC-USDT")], 0)
    assert place == {("place", 0, "BTC-USDT"): 1, ("sub-account", 0, None): 1}
    # A one-item batch counts as a single order; a batch counts per item and instrument.
    assert lim.charges(OPS["batch-orders"], [order("BTC-USDT")], 0) == place
    batch = lim.charges(OPS["batch-orders"], [order("A-B"), order("A-B"), order("C-D")], 1)
    assert batch == {
        ("batch-place", 1, "A-B"): 2,
        ("batch-place", 1, "C-D"): 1,
        ("sub-account", 1, None): 3,
    }
    # Cancels are not in the sub-account budget; options share their family's budget.
    cancel = lim.charges(OPS["cancel-order"], [{"instId": "BTC-USD-261225-100000-C"}], 0)
    assert cancel == {("cancel", 0, "BTC-USD"): 1}
    assert lim.charges(OPS["sprd-order"], [{"sprdId": "X"}], 0) == {("sprd", 0, None): 1}
    assert lim.charges(OPS["mass-cancel"], [{}], 0) == {("mass-cancel", 0, None): 1}
    assert instrument_key({"instIdCode": 7}) == 7


def test_a_request_is_admitted_only_when_every_budget_has_room() -> None:
    lim = RateLimiter({"sub-account": RateLimit(bucket="sub-account", limit=3, window_s=2.0)})
    for i, inst in enumerate(["A-B", "C-D", "E-F"]):
        assert lim.acquire_request(OPS["order"], [order(inst)], 0, now=float(i) / 10) == 0.0
    # Each instrument has room, the sub-account has none: nothing is charged.
    assert lim.acquire_request(OPS["order"], [order("G-H")], 0, now=0.3) == pytest.approx(1.7)
    assert [b.used for b in lim.budgets(0.3) if b.key[2] == "G-H"] in ([], [0])
    assert lim.recent_waits[-1] == pytest.approx(1.7)
    # Another account has budgets of its own.
    assert lim.acquire_request(OPS["order"], [order("G-H")], 1, now=0.3) == 0.0


def test_the_single_item_path_agrees_with_the_general_one() -> None:
    fast, general = RateLimiter(), RateLimiter()
    for i in range(70):
        t = i / 100
        a = fast.acquire_request(OPS["order"], [order(100001)], 0, t)
        b = general.acquire(general.charges(OPS["order"], [order(100001)], 0), t)
        assert a == pytest.approx(b)
    assert fast.recent_waits and list(fast.recent_waits) == pytest.approx(
        list(general.recent_waits)
    )


def test_set_limit_changes_live_budgets() -> None:
    lim = RateLimiter()
    lim.acquire_request(OPS["order"], [order(1)], 0, 0.0)
    lim.set_limit("sub-account", 1)
    assert lim.limit("sub-account").limit == 1
    assert lim.acquire_request(OPS["order"], [order(2)], 0, 0.1) > 0


def test_item_charges_sum_to_the_request_s_charges() -> None:
    lim = RateLimiter()
    batch = [{"instId": "BTC-USDT"}, {"instId": "ETH-USDT"}, {"instId": "BTC-USDT"}]
    for op in ("batch-orders", "batch-cancel-orders", "batch-amend-orders"):
        spec = OPS[op]
        for items in (batch, batch[:1]):
            total: dict[object, int] = {}
            for charge in lim.item_charges(spec, items, 7):
                for key, units in charge.items():
                    total[key] = total.get(key, 0) + units
            assert total == lim.charges(spec, items, 7)
    assert lim.item_charges(OPS["batch-orders"], batch[:1], 7) == [
        {("place", 7, "BTC-USDT"): 1, ("sub-account", 7, None): 1}
    ]


def test_blocking_names_the_spent_budgets() -> None:
    lim = RateLimiter({"place": RateLimit(bucket="place", limit=1)})
    charges = lim.charges(OPS["order"], [{"instId": "BTC-USDT"}], 1)
    assert lim.blocking(charges, 0.0) == []
    assert lim.acquire(charges, 0.0) == 0.0
    assert lim.blocking(charges, 1.0) == [("place", 1, "BTC-USDT")]
    assert lim.blocking(charges, 2.0) == []
