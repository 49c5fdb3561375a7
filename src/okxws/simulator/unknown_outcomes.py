"""The unknown-outcome fault switches' effects on the exchange, for WS and REST alike (pure).

A faulted request may still be executed, wholly or item by item (:attr:`FaultRule.execute
<okxws.simulator.faults.FaultRule.execute>`), and then answered with something that does not
say so: ``50004`` / ``51149``, an HTTP 5xx, a gateway's HTML page, or nothing.
okx-protocol.md section 3.4, okx-streams-rest.md sections 4.3 and 4.5.5.
"""

from __future__ import annotations

from typing import Any, Final

from okxws.protocol.ops import OpSpec

from .dispatch import execute_op, fail_all
from .engine import Engine
from .faults import FaultRule
from .render import error_text

__all__ = [
    "HTML_CONTENT_TYPE",
    "execute_faulted",
    "html_error_page",
    "http_error_body",
    "landed_late",
    "unknown_outcome_answer",
]

HTML_CONTENT_TYPE: Final = "text/html"
_HTTP_REASONS: Final = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}
#: The placeholder ``sCode`` of items a fault keeps from executing (their results are dropped).
_NOT_RUN: Final = "50004"


def execute_faulted(
    engine: Engine,
    uid: str,
    spec: OpSpec[Any, Any],
    items: list[dict[str, Any]],
    now_ms: int,
    rule: FaultRule,
    *,
    rest: bool,
) -> None:
    """Run the items of a faulted request that ``rule`` lets execute; the results are lost."""
    if not rule.executes_any:
        return
    skip = {i: _NOT_RUN for i in range(len(items)) if not rule.executes(i)}
    if spec.action == "mass_cancel" and skip:
        return
    execute_op(engine, uid, spec, items, now_ms, rest=rest, fail_items=skip or None)


def unknown_outcome_answer(
    spec: OpSpec[Any, Any], items: list[dict[str, Any]], code: str, now_ms: int
) -> tuple[str, str, list[dict[str, Any]], int]:
    """``(code, msg, data, http_status)`` of an "outcome unknown" answer with ``code``.

    An item-level code (``51149``, ``51054``) fails every item (``code: "1"``, HTTP 200);
    any other (``50004``) is the top-level code with ``data: []`` and its HTTP status from
    OKX's REST error table (``50004``: 400).
    """
    if code.startswith("51") and spec.action != "mass_cancel":
        return "1", "All operations failed", fail_all(spec, items, code, now_ms), 200
    return code, error_text(code), [], 400 if code == "50004" else 200


def landed_late(
    engine: Engine,
    uid: str,
    spec: OpSpec[Any, Any],
    items: list[dict[str, Any]],
    exp_ms: int | None,
    now_ms: int,
    *,
    rest: bool,
) -> tuple[str, str, list[dict[str, Any]]]:
    """A delayed request landing at ``now_ms``: executed, or ``50037`` if past its expTime.

    https://www.okx.com/docs-v5/en/#overview-rest-authentication (``expTime``)
    """
    if exp_ms is not None and now_ms > exp_ms:
        data = fail_all(spec, items, "50037", now_ms)
        return "1", "All operations failed" if rest else "", data
    return execute_op(engine, uid, spec, items, now_ms, rest=rest)


def http_error_body(status: int) -> dict[str, Any]:
    """OKX's JSON for a 5xx: 503 ``50001``, any other ``50026`` (okx-streams-rest.md 4.3)."""
    code = "50001" if status == 503 else "50026"
    return {"msg": error_text(code), "code": code}


def html_error_page(status: int) -> bytes:
    """A gateway's error page, as a CDN in front of OKX answers (not JSON)."""
    reason = _HTTP_REASONS.get(status, "Error")
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()
