"""``okxws orders``, ``okxws balance``, ``okxws positions``: tables read over REST."""

from __future__ import annotations

from okxws.simulator import Simulator

from .conftest import Cli, at


async def test_orders_lists_open_orders(cli: Cli, sim: Simulator) -> None:
    assert (await cli("orders", *at(sim))).out == "no open orders\n"
    for cl in ("acct1", "acct2"):
        placed = await cli("order", "place", "BTC-USDT", "buy", "0.01", "--px", "30000",
                           "--cl-ord-id", cl, *at(sim))  # fmt: skip
        assert placed.code == 0, placed.err
    result = await cli("orders", "--inst-id", "BTC-USDT", *at(sim))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "open orders"
    assert lines[1].split() == ["instId", "side", "ordType", "px", "sz", "filled", "state",
                                "ordId", "clOrdId", "tag", "created"]  # fmt: skip
    rows = [line.split() for line in lines[3:]]
    assert [row[8] for row in rows] == ["acct2", "acct1"]  # newest first
    assert rows[0][:7] == ["BTC-USDT", "buy", "limit", "30000", "0.01", "0", "live"]


async def test_balance(cli: Cli, sim: Simulator) -> None:
    result = await cli("balance", *at(sim))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("balance (total equity ")
    assert lines[1].split() == ["ccy", "equity", "cash", "available", "frozen", "equity", "USD"]
    assert any(line.split()[0] == "USDT" for line in lines[3:]), result.out
    only_btc = await cli("balance", "--ccy", "BTC", *at(sim))
    assert [line.split()[0] for line in only_btc.out.splitlines()[3:]] == ["BTC"]


async def test_positions(cli: Cli, sim: Simulator) -> None:
    result = await cli("positions", *at(sim))
    assert (result.code, result.out) == (0, "no open positions\n")
    placed = await cli("order", "place", "BTC-USDT-SWAP", "buy", "1", *at(sim))  # market
    assert placed.code == 0, placed.err
    result = await cli("positions", *at(sim))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "open positions"
    assert lines[3].split()[:2] == ["BTC-USDT-SWAP", "SWAP"], result.out
