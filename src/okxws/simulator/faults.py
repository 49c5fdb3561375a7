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
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = ["FaultKind", "FaultRule", "Faults", "Via"]

_FOREVER: Final = -1
#: Where a rule applies: WebSocket requests, REST requests, or both (``None``).
Via = Literal["ws", "rest"] | None
#: How long a REST request with no answer is held (unless the simulator closes first).
NO_ANSWER_HOLD_S: Final = 30.0


class FaultKind(enum.Enum):
    DROP = "drop"
    WITHHOLD = "withhold"
    REJECT = "reject"
    FAIL_ITEMS = "fail_items"
    ILLEGAL = "illegal"
    RATE_LIMIT = "rate_limit"
    TOO_FREQUENT = "too_frequent"
    FAIL_LOGIN = "fail_login"
    UNKNOWN_OUTCOME = "unknown_outcome"
    DELAY_EXECUTION = "delay_execution"
    NO_ANSWER = "no_answer"
    HTTP_ERROR = "http_error"
    HTTP_RATE_LIMIT = "http_rate_limit"


@dataclass(slots=True)
class FaultRule:
    """One armed fault: fires for requests matching ``op`` until ``remaining`` reaches 0."""

    kind: FaultKind
    op: str | None
    remaining: int  # -1: forever
    code: str = ""
    items: dict[int, str] = field(default_factory=dict)
    abrupt: bool = True
    #: Run the operation anyway: all its items (True), none (False) or those at these indexes.
    execute: bool | Collection[int] = False
    via: Via = "ws"
    #: Seconds: how late a delayed execution lands / how long a REST answer is held.
    delay: float = 0.0
    #: HTTP status of an ``HTTP_ERROR`` answer; ``html``: an HTML page instead of JSON.
    status: int = 0
    html: bool = False
    #: A delayed execution still answers (late) when True; else its answer is withheld.
    reply: bool = True

    def executes(self, index: int) -> bool:
        """Whether item ``index`` of the faulted request is executed."""
        ex = self.execute
        return ex if isinstance(ex, bool) else index in ex

    @property
    def executes_any(self) -> bool:
        ex = self.execute
        return ex if isinstance(ex, bool) else bool(ex)


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

    # ------------------------------------------------------------------ unknown outcomes

    def reply_outcome_unknown(
        self,
        code: str = "50004",
        op: str | None = None,
        *,
        execute: bool | Collection[int] = False,
        times: int = 1,
        via: Via = None,
    ) -> FaultRule:
        """Answer the next trading op with an "outcome unknown" code, after running it or not.

        ``50004`` ("API endpoint request timeout"): top-level code, ``data: []`` (REST: HTTP
        400); ``51149`` ("Order timed out"): ``code: "1"``, every item ``sCode: "51149"``
        (okx-streams-rest.md 4.3, okx-protocol.md 3.4). ``execute``: True runs every item,
        a collection of indexes only those items (a batch where some executed).
        ``via``: ``"ws"``, ``"rest"`` or both (None). ``op`` names the WS op (REST: its twin).
        """
        return self._arm(
            FaultRule(FaultKind.UNKNOWN_OUTCOME, op, times, code=code, execute=execute, via=via)
        )

    def delay_execution(
        self,
        seconds: float,
        op: str | None = None,
        *,
        reply: bool = True,
        times: int = 1,
        via: Via = None,
    ) -> FaultRule:
        """Execute the next trading op ``seconds`` after it arrived (a server-owned timer).

        The answer comes after the execution (``reply=False``: never). An op that carries an
        ``expTime`` the landing time has passed fails with ``50037`` instead and executes
        nothing, as OKX does; choose ``seconds`` shorter than the ``expTime`` for "a delayed
        execution that lands before expTime".
        """
        return self._arm(
            FaultRule(
                FaultKind.DELAY_EXECUTION, op, times, delay=seconds, reply=reply, via=via,
                execute=True,
            )
        )  # fmt: skip

    def rest_no_answer(
        self,
        op: str | None = None,
        *,
        execute: bool | Collection[int] = False,
        times: int = 1,
        hold: float = NO_ANSWER_HOLD_S,
    ) -> FaultRule:
        """REST: hold the next matching request unanswered for ``hold`` seconds (the client
        times out first; the simulator closing ends the hold), after running it or not.

        ``op``: a WS op name (matches its REST twin), a REST path, or None (any trading POST).
        After the hold the answer is ``50004`` (HTTP 400).
        """
        return self._arm(
            FaultRule(FaultKind.NO_ANSWER, op, times, execute=execute, via="rest", delay=hold)
        )

    def rest_http_error(
        self,
        status: int = 502,
        op: str | None = None,
        *,
        html: bool = False,
        execute: bool | Collection[int] = False,
        times: int = 1,
    ) -> FaultRule:
        """REST: answer the next matching request with HTTP ``status`` after running it or not.

        ``html``: a gateway's HTML error page (not JSON); else OKX's JSON for that status
        (503: ``50001`` "Service temporarily unavailable", other 5xx: ``50026`` "System
        error"). ``op`` as for :meth:`rest_no_answer`.
        """
        return self._arm(
            FaultRule(
                FaultKind.HTTP_ERROR, op, times, execute=execute, via="rest", status=status,
                html=html,
            )
        )  # fmt: skip

    def rest_rate_limit_next(self, n: int = 1, op: str | None = None) -> FaultRule:
        """REST: the next ``n`` matching requests get OKX's per-endpoint limit answer, HTTP 429
        ``{"msg":"Too Many Requests","code":"50011"}``, and execute nothing (okx-streams-rest.md
        5.5). ``op``: a WS op name, a REST path (reads too), or None (any trading POST)."""
        return self._arm(FaultRule(FaultKind.HTTP_RATE_LIMIT, op, n, code="50011", via="rest"))

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

    def take(
        self,
        kinds: frozenset[FaultKind],
        op: str,
        is_trading_op: bool,
        *,
        via: Literal["ws", "rest"] = "ws",
        path: str | None = None,
    ) -> FaultRule | None:
        """The first armed rule of one of ``kinds`` matching ``op`` (or the REST ``path``)
        and ``via``, consuming one use of it."""
        for i, rule in enumerate(self._rules):
            if rule.kind not in kinds or (rule.via is not None and rule.via != via):
                continue
            if rule.op is None:
                if not is_trading_op:
                    continue
            elif rule.op != op and rule.op != path:
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
