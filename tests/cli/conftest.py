"""Running the real ``okxws`` command line in-process: ``main(argv)`` in a worker thread (it
runs its own event loop, as from a shell) with stdout and stderr captured, against the
embedded simulator or a test's own :class:`~okxws.simulator.Simulator` (``--sim-url``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import pytest

from okxws.cli import main
from okxws.cli.target import OKX_ENV, SIM_ENV
from okxws.simulator import Simulator


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


Cli = Callable[..., Coroutine[Any, Any, CliResult]]


@pytest.fixture(autouse=True)
def no_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands read OKX and simulator credentials from the environment: none here."""
    for name in (*OKX_ENV, *SIM_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> Cli:
    """``await cli("order", "place", ...)``: the exit code and what the command printed.

    Fails on an error the command's own event loop logged (a task destroyed while pending, an
    exception never retrieved) and on a traceback in its output."""

    async def run(*argv: str) -> CliResult:
        capsys.readouterr()
        code = await asyncio.wait_for(asyncio.to_thread(main, list(argv)), timeout=60)
        captured = capsys.readouterr()
        loop_errors = [r.getMessage() for r in caplog.records
                       if r.name == "asyncio" and r.levelno >= logging.ERROR]  # fmt: skip
        assert not loop_errors, loop_errors
        assert "Traceback" not in captured.out + captured.err, captured.err
        return CliResult(code, captured.out, captured.err)

    return run


def at(sim: Simulator) -> list[str]:
    """The options that point a command at ``sim``."""
    return ["--sim-url", sim.rest_base_url, "--timeout", "5"]
