"""``okxws status``: healthy on a simulator, exit 1 when it is stopped or the clock is off."""

from __future__ import annotations

from okxws.cli.status import rate_limit_detail
from okxws.simulator import Simulator

from .conftest import Cli, at


def _rows(out: str) -> dict[str, list[str]]:
    lines = out.splitlines()
    end = lines.index("")
    # A long detail folds onto lines of its own, which start blank.
    return {line.split()[0]: line.split()[1:] for line in lines[3:end] if line[0] != " "}


async def test_healthy(cli: Cli) -> None:
    result = await cli("status")
    assert result.code == 0, result.out + result.err
    lines = result.out.splitlines()
    assert lines[0] == "okxws status: the embedded simulator"
    rows = _rows(result.out)
    assert list(rows) == ["public", "private[0]", "business[0]", "rest", "rate-limit"]
    assert all(row[0] == "ok" for row in rows.values()), result.out
    assert " ".join(rows["public"][3:]) == (
        "connected; subscribe tickers BTC-USDT answered, first push arrived"
    )
    assert " ".join(rows["private[0]"][3:]) == "logged in; subscribe orders ANY answered"
    assert float(rows["public"][1]) > 0 and float(rows["public"][2]) > 0  # connect, round trip
    assert "server time; clock offset" in result.out
    # GET trade/account-rate-limit (the simulator is a sub-account below VIP 5)
    assert "1000 new + amend orders per 2 s (fill ratio not given below VIP 5;" in result.out
    assert "client-side rate limits (mode wait; 0 waits)" in result.out
    assert lines[-1] == "healthy"


def test_rate_limit_detail_shows_a_fill_ratio_okx_gives() -> None:
    limit = {"accRateLimit": "2000", "fillRatio": "0.5234", "nextAccRateLimit": "2000"}
    assert rate_limit_detail(limit) == (
        "2000 new + amend orders per 2 s (fill ratio 0.5234; next 2000)"
    )
    assert (
        rate_limit_detail({})
        == "? new + amend orders per 2 s (fill ratio not given below VIP 5; next ?)"
    )


async def test_a_stopped_simulator_is_unhealthy(cli: Cli) -> None:
    async with Simulator() as sim:
        options = at(sim)
    result = await cli("status", *options[:2], "--timeout", "1")
    assert result.code == 1
    rows = _rows(result.out)
    assert {name: row[0] for name, row in rows.items()} == {
        "public": "FAIL", "private[0]": "FAIL", "business[0]": "FAIL", "rest": "FAIL",
        "rate-limit": "FAIL",
    }  # fmt: skip
    assert "not connected within 1.0 s" in result.out
    assert result.out.splitlines()[-1] == (
        "UNHEALTHY: public, private[0], business[0], rest, rate-limit"
    )


async def test_a_clock_off_by_more_than_allowed_is_unhealthy(cli: Cli, sim: Simulator) -> None:
    sim.clock_offset = 3.0  # seconds
    result = await cli("status", "--max-offset-ms", "1000", *at(sim))
    assert result.code == 1
    assert "more than --max-offset-ms 1000" in result.out
    assert result.out.splitlines()[-1] == "UNHEALTHY: rest"


async def test_tls_simulator_with_its_ca(cli: Cli) -> None:
    async with Simulator(tls=True) as sim:
        assert sim.ca_file is not None
        result = await cli("status", "--sim-url", sim.rest_base_url, "--sim-ca-file",
                           sim.ca_file)  # fmt: skip
    assert result.code == 0, result.out + result.err
    assert result.out.splitlines()[0] == f"okxws status: the simulator at {sim.rest_base_url}"
