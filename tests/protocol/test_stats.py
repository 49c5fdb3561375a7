"""Health figures: counts, percentiles from a fixed-size ring."""

import pytest

from okxws.protocol.stats import SAMPLES, OpStats, PushStats, percentile


def test_percentiles_by_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) is None


def test_round_trip_okx_and_network_time_are_told_apart() -> None:
    stats = OpStats(sent=3)
    stats.answered(0.010, {"inTime": "1000000", "outTime": "1002000"}, ok=True)  # OKX 2 ms
    stats.answered(0.020, {}, ok=False)  # no gateway times
    summary = stats.summary()
    assert (summary["sent"], summary["ok"], summary["rejected"]) == (3, 1, 1)
    assert summary["round_trip_ms"]["max"] == 20.0
    assert summary["okx_ms"]["p50"] == 2.0
    assert summary["network_ms"]["p50"] == 8.0


def test_memory_is_bounded() -> None:
    stats, pushes = OpStats(), PushStats()
    for i in range(3 * SAMPLES):
        stats.answered(i / 1e6, {"inTime": "1", "outTime": "2"}, ok=True)
        pushes.received(float(i))
    assert len(stats.round_trips) == SAMPLES and len(pushes.ages) == SAMPLES
    assert stats.ok == 3 * SAMPLES and pushes.pushes == 3 * SAMPLES
    assert pushes.summary()["age_ms"]["max"] == 3 * SAMPLES - 1
    assert stats.summary()["round_trip_ms"]["max"] == pytest.approx((3 * SAMPLES - 1) / 1e3)
    # The ring holds the newest answers.
    assert min(stats.round_trips) == 2 * SAMPLES / 1e6
