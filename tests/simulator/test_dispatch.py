"""execute_op: every operation of the registry, envelope codes, batches, REST naming."""

from __future__ import annotations

from typing import Any

import pytest

from okxws.protocol.ops import OPS
from okxws.simulator.dispatch import execute_op, fail_all, op_envelope_code
from okxws.simulator.engine import Engine

from .conftest import BTC, limit, spread

_SAMPLE: dict[str, list[dict[str, Any]]] = {
    "order": [limit("buy", "90000", "0.01")],
    "batch-orders": [limit("buy", "90000", "0.01"), limit("buy", "90001", "0.01")],
    "cancel-order": [{"instIdCode": BTC, "ordId": "1"}],
    "batch-cancel-orders": [{"instIdCode": BTC, "ordId": "1"}],
    "amend-order": [{"instIdCode": BTC, "ordId": "1", "newSz": "1"}],
    "batch-amend-orders": [{"instIdCode": BTC, "ordId": "1", "newSz": "1"}],
    "mass-cancel": [{"instType": "OPTION", "instFamily": "BTC-USD"}],
    "sprd-order": [spread("buy", "40", "0.01")],
    "sprd-amend-order": [{"ordId": "1", "newPx": "1"}],
    "sprd-cancel-order": [{"ordId": "1"}],
    "sprd-mass-cancel": [{}],
}


def test_envelope_code() -> None:
    assert op_envelope_code([{"sCode": "0"}, {"sCode": "0"}]) == "0"
    assert op_envelope_code([{"sCode": "0"}, {"sCode": "1"}]) == "2"
    assert op_envelope_code([{"sCode": "5"}]) == "1"


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_operation_dispatches(eng: Engine, op: str) -> None:
    code, msg, data = execute_op(eng, "u1", OPS[op], _SAMPLE[op], 5)
    if OPS[op].action == "mass_cancel":
        assert (code, msg, data) == ("0", "", [{"result": True}])
    elif OPS[op].action == "place":
        assert code == "0" and all(d["ordId"] for d in data)
    else:
        assert code == "1" and {d["sCode"] for d in data} <= {"51400", "51503"}  # no order "1"


def test_batch_duplicates_fail_without_running(eng: Engine) -> None:
    items = [limit("buy", "90000", "0.01", clOrdId="d")] * 2
    code, _, data = execute_op(eng, "u1", OPS["batch-orders"], items, 5)
    assert code == "2" and [d["sCode"] for d in data] == ["0", "51016"]
    oid = data[0]["ordId"]
    amends = [{"instIdCode": BTC, "ordId": oid, "newSz": "0.02"}] * 2
    code, _, data = execute_op(eng, "u1", OPS["batch-amend-orders"], amends, 6)
    assert [d["sCode"] for d in data] == ["0", "51512"]
    cancels = [{"instIdCode": BTC, "ordId": oid}] * 2  # cancels are not de-duplicated
    _, _, data = execute_op(eng, "u1", OPS["batch-cancel-orders"], cancels, 7)
    assert [d["sCode"] for d in data] == ["0", "51400"]


def test_fail_items_and_fail_all(eng: Engine) -> None:
    items = [limit("buy", "90000", "0.01", clOrdId=f"f{i}") for i in range(3)]
    code, _, data = execute_op(eng, "u1", OPS["batch-orders"], items, 5, fail_items={1: "51008"})
    assert code == "2" and [d["sCode"] for d in data] == ["0", "51008", "0"]
    assert (data[1]["clOrdId"], data[1]["ordId"]) == ("f1", "")
    assert len(eng.pending_orders("u1")) == 2
    expired = fail_all(OPS["amend-order"], [{"ordId": "3", "reqId": "q"}], "50036", 9)
    assert expired == [
        {
            "ordId": "3",
            "clOrdId": "",
            "sCode": "50036",
            "sMsg": expired[0]["sMsg"],
            "reqId": "q",
            "ts": "9",
            "subCode": "",
        }
    ]


def test_rest_names_instruments_by_inst_id(eng: Engine) -> None:
    by_id = {**limit("buy", "90000", "0.01"), "instId": "BTC-USDT"}
    del by_id["instIdCode"]
    assert execute_op(eng, "u1", OPS["order"], [by_id], 5, rest=True)[0] == "0"
    code, msg, data = execute_op(eng, "u1", OPS["order"], [by_id], 5)  # WS needs instIdCode
    assert (code, msg, data[0]["sCode"]) == ("1", "", "50014")
    bare = {k: v for k, v in by_id.items() if k != "instId"}
    code, msg, data = execute_op(eng, "u1", OPS["order"], [bare], 5, rest=True)
    assert (code, msg) == ("1", "All operations failed")
    assert data[0]["sMsg"] == "Parameter instId can not be empty"
    both = [by_id, {**by_id, "sz": "-1"}]
    assert execute_op(eng, "u1", OPS["batch-orders"], both, 5, rest=True)[:2] == (
        "2",
        "Bulk operation partially succeeded.",
    )


def test_mass_cancel_argument_errors_are_envelope_errors(eng: Engine) -> None:
    assert execute_op(eng, "u1", OPS["mass-cancel"], [{"instType": "SPOT"}], 5) == (
        "50014",
        "Parameter instFamily can not be empty",
        [],
    )
    assert execute_op(eng, "u1", OPS["sprd-mass-cancel"], [{"sprdId": "X"}], 5)[0] == "51001"
