"""``okxws order place|amend|cancel`` against a simulator, and unknown outcomes resolved."""

from __future__ import annotations

import re

import pytest

from okxws.simulator import Simulator

from ..conftest import op_count
from .conftest import Cli, at


def _placed_id(out: str) -> str:
    placed = r"^placed: ordId=(\d+) clOrdId=(\w+) \([\d.]+ ms round trip on private\[0\]\)$"
    match = re.search(placed, out, re.MULTILINE)
    assert match, out
    return match.group(1)


async def test_place_amend_cancel_with_okx_field_options(cli: Cli, sim: Simulator) -> None:
    placed = await cli("order", "place", "BTC-USDT", "buy", "0.01", "--px", "30000",
                       "--cl-ord-id", "cli1", "--tag", "desk7", *at(sim))  # fmt: skip
    assert placed.code == 0, placed.err
    assert placed.out.startswith(
        f"placing on the simulator at {sim.rest_base_url}: instId=BTC-USDT side=buy sz=0.01 "
        "px=30000 clOrdId=cli1 tag=desk7 ordType=limit tdMode=cash\n"
    ), placed.out
    ord_id = _placed_id(placed.out)
    [sent] = sim.last_op_args("order")
    assert {k: sent[k] for k in ("side", "sz", "px", "ordType", "tdMode", "clOrdId", "tag")} == {
        "side": "buy", "sz": "0.01", "px": "30000", "ordType": "limit", "tdMode": "cash",
        "clOrdId": "cli1", "tag": "desk7",
    }  # fmt: skip

    amended = await cli("order", "amend", "BTC-USDT", "--ord-id", ord_id, "--new-px", "31000",
                        "--req-id", "r1", *at(sim))  # fmt: skip
    assert amended.code == 0, amended.err
    assert f"amend accepted: ordId={ord_id} clOrdId=cli1 reqId=r1 (" in amended.out
    assert sim.last_op_args("amend-order")[0]["newPx"] == "31000"

    cancelled = await cli("order", "cancel", "BTC-USDT", "--cl-ord-id", "cli1", *at(sim))
    assert cancelled.code == 0, cancelled.err
    assert f"cancel accepted: ordId={ord_id} clOrdId=cli1 (" in cancelled.out


async def test_defaults_and_json_fields(cli: Cli, sim: Simulator) -> None:
    result = await cli("order", "place", "BTC-USDT-SWAP", "sell", "1",
                       "--json", '{"posSide": "net", "ordType": "ioc", "px": "1000000"}',
                       *at(sim))  # fmt: skip
    [sent] = sim.last_op_args("order")
    assert sent["tdMode"] == "cross"  # not a spot pair
    assert sent["ordType"] == "ioc" and sent["posSide"] == "net"
    assert sent["clOrdId"]  # always one, so that an unknown outcome can be resolved
    assert result.code in (0, 1), result  # the simulator may reject an ioc that cannot fill
    market = await cli("order", "place", "BTC-USDT", "buy", "0.001", *at(sim))
    assert market.code == 0, market.err
    assert sim.last_op_args("order")[0]["ordType"] == "market"


async def test_unknown_outcome_resolved_as_placed(cli: Cli, sim: Simulator) -> None:
    sim.faults.drop_on_op("order", execute=True)  # executed, but the answer never comes
    result = await cli("order", "place", "BTC-USDT", "buy", "0.01", "--px", "30000",
                       "--cl-ord-id", "lost1", *at(sim))  # fmt: skip
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[1].startswith("outcome unknown: OkxConnectionLostError"), lines
    assert lines[2] == "looking the order up (okxws never sends it again) ..."
    assert re.fullmatch(r"resolved: it was placed: ordId=\d+ clOrdId=lost1 state=live "
                        r"px=30000 sz=0.01", lines[3]), lines  # fmt: skip
    assert op_count(sim, "order") == 1  # looked up, never re-sent
    orders = await cli("orders", *at(sim))
    assert "lost1" in orders.out


async def test_unknown_outcome_resolved_as_not_placed(cli: Cli, sim: Simulator) -> None:
    sim.faults.drop_on_op("order", execute=False)
    result = await cli("order", "place", "BTC-USDT", "buy", "0.01", "--px", "30000",
                       "--cl-ord-id", "lost2", *at(sim))  # fmt: skip
    assert result.code == 1
    assert "outcome unknown: OkxConnectionLostError" in result.out
    assert result.err == (
        "okxws order place: resolved: OKX has no order lost2; placing it again is safe\n"
    )
    assert op_count(sim, "order") == 1


async def test_rejected_cancel(cli: Cli, sim: Simulator) -> None:
    result = await cli("order", "cancel", "BTC-USDT", "--ord-id", "123", *at(sim))
    assert result.code == 1
    assert result.err.startswith("okxws order cancel: rejected: sCode 5")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["place", "BTC-USDT", "buy"], "required: SZ"),
        (["place", "BTC-USDT", "buy", "1", "--json", "{x"], "--json is not JSON"),
        (["place", "BTC-USDT", "buy", "1", "--json", "[1]"], "wants a JSON object"),
        (["place", "BTC-USDT", "buy", "1", "--json", '{"sz": 1}'], "sz must be a string"),
        (["cancel", "BTC-USDT"], "one of ordId, clOrdId is required"),
    ],
)
async def test_usage_errors_exit_2(cli: Cli, argv: list[str], message: str) -> None:
    result = await cli("order", *argv)
    assert result.code == 2, result
    assert message in result.err, result.err


async def test_a_rejection_is_one_line_and_exit_1(cli: Cli) -> None:
    result = await cli("order", "place", "BTC-USDT", "buy", "1000000", "--px", "30000")
    assert result.code == 1
    assert result.err == (
        "okxws order place: rejected: sCode 51008 Order failed. Insufficient USDT balance in "
        "account.\n"
    )
