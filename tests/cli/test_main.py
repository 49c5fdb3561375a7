"""The parser, start-up cost, and how errors end (one line, exit 1 or 2, never a traceback)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from okxws.cli import build_parser, main

from .conftest import Cli

COMMANDS = ("demo", "sim", "order", "orders", "balance", "positions", "book", "tail", "status")


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert all(command in out for command in COMMANDS), out


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "sim" in build_parser().format_help()
    capsys.readouterr()
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("okxws ")


def test_help_loads_no_client_simulator_or_terminal_library() -> None:
    code = (
        "import sys\nfrom okxws.cli import main\nmain(['--help'])\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    modules = set(out.split("MODULES", 1)[1].split())
    heavy = {"rich", "aiohttp", "picows", "asyncio", "okxws.api", "okxws.net", "okxws.simulator"}
    assert not heavy & modules, sorted(heavy & modules)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], "invalid choice"),
        (["demo", "--market", "EEA"], "--market selects an OKX API group"),
        (["demo", "--live", "--demo-trading"], "choose one target: --demo-trading or --live"),
        (["demo", "--sim-url", "ftp://x"], "--sim-url wants http(s):// or ws(s)://host:port"),
        (["demo", "--sim-ca-file", "/nonexistent"], "--sim-ca-file goes with --sim-url"),
        (["demo", "--live"], "this command needs an API key: set OKX_API_KEY"),
    ],
)
async def test_usage_errors_exit_2_with_one_line(cli: Cli, argv: list[str], message: str) -> None:
    result = await cli(*argv)
    assert result.code == 2, result
    assert message in result.err, result.err


async def test_half_an_okx_key_is_a_usage_error(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKX_API_KEY", "a-key")
    result = await cli("demo", "--demo-trading")
    assert result.code == 2
    assert result.err.strip() == (
        "okxws demo: error: OKX_API_SECRET, OKX_API_PASSPHRASE missing from the environment"
    )
    assert "a-key" not in result.out + result.err  # never echoed
