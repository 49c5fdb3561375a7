"""docs/rate-limits.md's table of budgets says what protocol/ops.py and ratelimit.py hold."""

from __future__ import annotations

import re
from pathlib import Path

from okxws.protocol.ratelimit import CONNECT_LIMIT
from okxws.simulator.limits import SimLimits

DOC = Path(__file__).resolve().parent.parent / "docs" / "rate-limits.md"
_ROW = re.compile(r"^\| `([a-z-]+)` \| [^|]+ \| ([^|]+) \| [^|]+ \|$")
_LIMIT = re.compile(r"^([\d,]+) (?:[a-z]+ )?/ (?:([\d.]+) )?(s|hour)\b")


def documented() -> dict[str, tuple[int, float]]:
    out: dict[str, tuple[int, float]] = {}
    for line in DOC.read_text().splitlines():
        row = _ROW.match(line)
        if row is None:
            continue
        limit = _LIMIT.match(row.group(2).strip())
        assert limit is not None, line
        count, span, unit = limit.groups()
        seconds = float(span or 1) * (3600 if unit == "hour" else 1)
        out[row.group(1)] = (int(count.replace(",", "")), seconds)
    return out


def test_the_budget_table_matches_the_registry() -> None:
    registry = {b: (r.limit, r.window_s) for b, r in SimLimits.okx_limits().items()}
    registry[CONNECT_LIMIT.bucket] = (CONNECT_LIMIT.limit, CONNECT_LIMIT.window_s)
    assert documented() == registry
