"""The chaos suite, short and seeded (a few seconds): see workload.py for what it checks.

The long soak is ``python -m tests.chaos`` (docs/reliability.md has its figures).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from okxws.simulator import Simulator

from .workload import ChaosConfig, Outcome, run_chaos


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(host="127.0.0.1", port=0, seed=17) as simulator:
        yield simulator


@pytest.mark.timeout(120)
async def test_the_client_survives_a_hostile_network_and_server(sim: Simulator) -> None:
    report = await run_chaos(sim, ChaosConfig(seed=1))
    print("\n".join(report.lines()))
    assert report.violations == [], "\n".join(report.lines())
    # The run really was hostile: every kind of outcome happened, faults on both sides.
    assert report.outcomes[Outcome.OK] > 0
    assert report.outcomes[Outcome.UNKNOWN] > 0
    assert report.unknown_executed > 0
    assert report.unknown_executed < report.unknown_items
    assert report.resolved == report.unknown_items == report.resolved_agreeing
    assert report.outcomes[Outcome.REJECTED] > 0
    assert report.reconnects > 0
    assert len(report.network_faults) >= 5
