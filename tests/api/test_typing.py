"""The type checker catches a misspelt field or a wrong type in typical user code."""

import subprocess
import sys
import textwrap
from pathlib import Path

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
    # A subprocess: mypy in-process would leave a huge object graph behind for every test.
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--cache-dir", str(tmp_path / ".mypy"), str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.stdout, done.returncode


def test_typical_user_code_type_checks(tmp_path: Path) -> None:
    stdout, status = _check(tmp_path, GOOD)
    assert status == 0, stdout


def test_mistakes_are_caught(tmp_path: Path) -> None:
    """One mypy run over every mistake, each in its own function: each must be reported."""
    lines = ["from okxws import WebsocketAPIClient", ""]
    spans: dict[str, range] = {}
    for n, (case, body) in enumerate(sorted(BAD.items())):
        start = len(lines) + 1
        lines.append(f"async def case_{n}(client: WebsocketAPIClient) -> None:")
        lines.extend(textwrap.indent(textwrap.dedent(body), "    ").splitlines())
        lines.append("")
        spans[case] = range(start, len(lines) + 1)
    stdout, status = _check(tmp_path, "\n".join(lines))
    assert status == 1, stdout
    error_lines = {int(line.split(":")[1]) for line in stdout.splitlines() if ": error:" in line}
    for case, span in spans.items():
        assert error_lines & set(span), f"mypy missed: {case}\n{stdout}"
