"""``okxws demo`` on the embedded simulator: exit 0, the walk-through, then the figures."""

from __future__ import annotations

import pytest

from .conftest import Cli


@pytest.mark.timeout(90)
async def test_demo_walks_through_and_shows_the_health_figures(cli: Cli) -> None:
    result = await cli("demo")
    assert result.code == 0, result.err
    out = result.out
    assert out.startswith("okxws demo against the embedded simulator\n")
    for step in ("submit_new_order (first: instIdCode lookup): ok", "partial: 2 ok, 1 failed",
                 "mass_cancel_spread_orders: ok", "automatic reconnect + login: ok",
                 "cancel_order (after recovery): ok"):  # fmt: skip
        assert step in out, step
    tables = out.split("\n\n")
    titles = [t.splitlines()[0] for t in tables[1:]]
    assert titles[:3] == ["summary", "connections", "operations (round trip, OKX gateway "
                          "time, network time)"], titles  # fmt: skip
    assert "pushes (age: received - OKX ts)" in titles
    assert any(t.startswith("rate limits (mode wait;") for t in titles), titles
    connections = tables[titles.index("connections") + 1].splitlines()
    # Every connection was dropped once by the simulator and came back.
    assert {line.split()[0]: line.split()[1:3] for line in connections[3:]} == {
        "private[0]": ["ready", "1"], "business[0]": ["ready", "1"], "public": ["ready", "1"],
    }, connections  # fmt: skip
    operations = tables[titles.index(titles[2]) + 1].splitlines()
    order = next(line.split() for line in operations if line.split()[:2] == ["private[0]",
                                                                              "order"])  # fmt: skip
    assert order[2:7] == ["3", "3", "0", "0", "0"]  # sent, ok, rejected, unknown, timed out
    assert all(float(v) > 0 for v in order[7:13]), order  # round trips and OKX times, ms
