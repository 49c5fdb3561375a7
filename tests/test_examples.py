"""Every script in examples/ runs to completion against the simulator and says what it did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# script -> lines (substrings) its output must contain
EXPECTED: dict[str, tuple[str, ...]] = {
    "place_amend_cancel.py": ("placed  ordId=", "amended ordId=", "cancel accepted ordId="),
    "batch_orders.py": ("failed   clOrdId=", "sCode=51008", "accepted clOrdId=", "cancelled 2"),
    "order_book.py": (
        "synced books BTC-USDT",
        "update prevSeqId=",
        "is in the book",
        "left the book; resyncs=0",
        "book closed",
    ),
    "stream_orders.py": ("subscribed to orders", "state=live", "state=canceled"),
    "spread_orders.py": ("on the business connection", "amended ordId=", "mass cancel result=True"),
    "outcome_unknown.py": (
        "outcome unknown: OkxConnectionLostError",
        "-> not placing it again",
        "-> safe to place it again",
        "exactly one order was placed",
    ),
    "events_and_logging.py": (
        "event authenticated: private",
        "event response: op=order code=0",
        "event reconnected: private",
        "event reconnected: business",
        "client closed",
    ),
}


def test_every_example_is_tested() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py")} - {"common.py"}
    assert scripts == set(EXPECTED)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs(script: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKX_")}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=EXAMPLES.parent,
        check=False,
    )
    assert proc.returncode == 0, f"{script} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    for expected in EXPECTED[script]:
        assert expected in proc.stdout, f"{script}: {expected!r} missing from\n{proc.stdout}"
    assert "Traceback" not in proc.stderr, proc.stderr
