"""The type checker catches a misspelt field or a wrong type in typical user code."""

import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

GOOD = """
    from okxws import ApiCredentials, WebsocketAPIClient

    async def trade(client: WebsocketAPIClient) -> str:
        res = await client.submit_new_order(
            {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit",
             "sz": "0.01", "px": "30000", "reduceOnly": False}
        )
        await client.amend_order({"instId": "BTC-USDT", "ordId": "1", "newPx": "1", "cxlOnFail": True})
        await client.cancel_multiple_orders([{"instIdCode": 100001, "clOrdId": "a1"}])
        await client.submit_spread_order(
            {"sprdId": "BTC-USDT_BTC-USDT-SWAP", "side": "buy", "ordType": "limit", "sz": "1", "px": "1"}
        )
        await client.mass_cancel_spread_orders()
        data = res["data"][0]
        return data["ordId"] + data["sCode"] + res["code"]

    creds = ApiCredentials(api_key="k", api_secret="s", api_pass="p")
"""

BAD = {
    "misspelt field": """
        await client.submit_new_order(
            {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordTyp": "limit", "sz": "1"}
        )
    """,
    "number instead of string": """
        await client.submit_new_order(
            {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "market", "sz": 1}
        )
    """,
    "missing required field": """
        await client.submit_new_order({"instId": "BTC-USDT", "side": "buy", "ordType": "market"})
    """,
    "string instead of bool": """
        await client.amend_order({"instId": "BTC-USDT", "ordId": "1", "newSz": "2", "cxlOnFail": "yes"})
    """,
    "misspelt result field": """
        res = await client.cancel_order({"instId": "BTC-USDT", "ordId": "1"})
        print(res["data"][0]["orderId"])
    """,
}


def _check(tmp_path: Path, body: str) -> tuple[str, int]:
    path = tmp_path / "user_code.py"
    path.write_text(textwrap.dedent(body))
    stdout, _, status = mypy_api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"), str(path)]
    )
    return stdout, status


def test_typical_user_code_type_checks(tmp_path: Path) -> None:
    stdout, status = _check(tmp_path, GOOD)
    assert status == 0, stdout


@pytest.mark.parametrize("case", sorted(BAD))
def test_mistakes_are_caught(tmp_path: Path, case: str) -> None:
    body = (
        "from okxws import WebsocketAPIClient\n\n"
        "async def trade(client: WebsocketAPIClient) -> None:\n"
        + textwrap.indent(textwrap.dedent(BAD[case]), "    ")
    )
    stdout, status = _check(tmp_path, body)
    assert status == 1, stdout
    assert "error:" in stdout
