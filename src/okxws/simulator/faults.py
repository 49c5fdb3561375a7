"""Fault switches for the simulator: make it misbehave on purpose, one request at a time.

Every switch is consumed synchronously on the event loop by the session that handles the
matching request, so a test that sets a switch and then sends a request cannot race it.
``op`` filters name a WS op (``"order"``, ``"login"``, ``"subscribe"``...); ``None`` matches any
WS API op (the 11 trading operations of okx-protocol.md section 4).

Error shapes follow okx-protocol.md section 3: top-level ``60xxx`` codes reject the envelope
(``data: []``); ``5xxxx`` codes become a per-item ``sCode`` with ``code: "1"``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Final

__all__ = ["FaultKind", "FaultRule", "Faults"]

_FOREVER: Final = -1


class FaultKind(enum.Enum):
    DROP = "drop"
    WITHHOLD = "withhold"
    REJECT = "reject"
    FAIL_ITEMS = "fail_items"
    ILLEGAL = "illegal"
    RATE_LIMIT = "rate_limit"
    TOO_FREQUENT = "too_frequent"
    FAIL_LOGIN = "fail_login"


@dataclass(slots=True)
class FaultRule:
    """One armed fault: fires for requests matching ``op`` until ``remaining`` reaches 0."""

    kind: FaultKind
    op: str | None
    remaining: int  # -1: forever
    code: str = ""
    items: dict[int, str] = field(default_factory=dict)
    abrupt: bool = True
    execute: bool = False


class Faults:
    """The simulator's fault switches (``sim.faults``).

    Plain attributes:

    - ``answer_pings`` (default True): when False neither the text ``ping`` nor RFC 6455
      control pings are answered (okx-protocol.md section 6).
    - ``reply_delay`` (seconds, default 0) and ``reply_delay_op`` (an op name or None for all):
      delay op responses; pushes are not delayed, so they may then precede the response.

    The login/subscribe budget of a connection (60014) is a rate limit: ``sim.limits``.
    """

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self.clear()

    # ------------------------------------------------------------------ arming

    def _arm(self, rule: FaultRule) -> FaultRule:
        self._rules.append(rule)
        return rule

    def drop_on_op(
        self, op: str | None = None, times: int = 1, *, abrupt: bool = True, execute: bool = False
    ) -> FaultRule:
        """Drop the connection when ``op`` arrives, before replying.

        ``abrupt``: abort the transport (no close frame, like OKX's 1006 drops in section 11a.3)
        instead of a close frame (1001). ``execute``: run the op on the exchange first, so the
        order exists although the client never hears of it (the "outcome unknown" case).
        """
        return self._arm(FaultRule(FaultKind.DROP, op, times, abrupt=abrupt, execute=execute))

    def withhold_replies(self, op: str | None = None, times: int | None = None) -> FaultRule:
        """Execute matching ops but never answer them (``times=None``: until :meth:`clear`)."""
        return self._arm(FaultRule(FaultKind.WITHHOLD, op, _FOREVER if times is None else times))

    def fail_next_login(self, code: str = "60009", times: int = 1) -> FaultRule:
        """Fail the next login(s) with an ``{"event":"error"}`` carrying ``code`` (section 2.4)."""
        return self._arm(FaultRule(FaultKind.FAIL_LOGIN, "login", times, code=code))

    def reject_next_op(self, code: str, op: str | None = None, times: int = 1) -> FaultRule:
        """Reject the next op without executing it.

        ``60xxx`` (and other non-5xxxx) codes: top-level ``code`` with ``data: []`` (section 3.2);
        ``5xxxx`` codes: ``code: "1"`` and every item ``sCode: code`` (section 3.3).
        """
        return self._arm(FaultRule(FaultKind.REJECT, op, times, code=code))

    def fail_batch_items(self, items: dict[int, str], op: str | None = None) -> FaultRule:
        """Fail the items at these indexes of the next op with the given ``sCode`` (others run).

        Gives ``code: "2"`` (or ``"1"`` when every item fails), section 3.3.
        """
        return self._arm(FaultRule(FaultKind.FAIL_ITEMS, op, 1, items=dict(items)))

    def illegal_request_next_op(self, op: str | None = None, times: int = 1) -> FaultRule:
        """Answer the next op with the id-less 60012 "Illegal request: {raw}" (section 3.2)."""
        return self._arm(FaultRule(FaultKind.ILLEGAL, op, times))

    def rate_limit_next(self, n: int = 1, op: str | None = None) -> FaultRule:
        """The next ``n`` ops get ``code: "1"`` and per-item ``sCode: "50011"`` (section 3.5)."""
        return self._arm(FaultRule(FaultKind.RATE_LIMIT, op, n, code="50011"))

    def too_frequent_next(self, n: int = 1, op: str | None = "subscribe") -> FaultRule:
        """The next ``n`` matching requests get ``{"event":"error","code":"60014"}`` (11a.3)."""
        return self._arm(FaultRule(FaultKind.TOO_FREQUENT, op, n, code="60014"))

    def clear(self) -> None:
        """Disarm every rule and restore the plain attributes to their defaults."""
        self._rules.clear()
        self.answer_pings: bool = True
        self.reply_delay: float = 0.0
        self.reply_delay_op: str | None = None

    # ------------------------------------------------------------------ consuming

    @property
    def armed(self) -> bool:
        """Cheap check for the per-frame fast path."""
        return bool(self._rules)

    def take(self, kinds: frozenset[FaultKind], op: str, is_trading_op: bool) -> FaultRule | None:
        """The first armed rule of one of ``kinds`` matching ``op``, consuming one use of it."""
        for i, rule in enumerate(self._rules):
            if rule.kind not in kinds:
                continue
            if rule.op is None:
                if not is_trading_op:
                    continue
            elif rule.op != op:
                continue
            if rule.remaining > 0:
                rule.remaining -= 1
                if rule.remaining == 0:
                    del self._rules[i]
            return rule
        return None

    def delay_for(self, op: str) -> float:
        """How long to hold back the reply to ``op`` (seconds)."""
        if self.reply_delay > 0 and (self.reply_delay_op is None or self.reply_delay_op == op):
            return self.reply_delay
        return 0.0
