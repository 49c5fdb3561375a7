"""The simulator's rate limits: OKX's budgets, counted as OKX counts them, for REST and the
WebSocket API together (``sim.limits``; no I/O).

Nothing here restates OKX's numbers or keying: which budget an operation draws from and how
much is :mod:`okxws.protocol.ops` (``OpSpec.rate_limit``, ``SUB_ACCOUNT_ORDER_LIMIT``); the
per-connection ``login``/``subscribe``/``unsubscribe`` budget is
:data:`~okxws.protocol.ratelimit.CONTROL_LIMIT`; the keying (account x operation kind x
instrument, options by family) and the sliding windows are the client's own
:class:`~okxws.protocol.ratelimit.RateLimiter`. This module decides what is refused and
records it; the session and the REST handlers answer as OKX does (okx-streams-rest.md
section 5.4): a WS op over a limit gets ``code "1"`` and per-item ``sCode`` ``50011`` (or
``50061`` for the sub-account budget), or with ``ws_reply="top"`` a top-level ``code``; REST
gets HTTP 429 ``{"msg":"Too Many Requests","code":"50011"}`` (``50061``: HTTP 200, top level);
a login/subscribe flood gets the ``60014`` error event. A refused request is never executed
and costs nothing.

A WS batch in ``"item"`` mode is admitted item by item, in order: the items whose budgets are
spent fail, the others execute (``code "2"``). OKX does not document this; it is what a
per-item ``sCode`` can express. In ``"top"`` mode, and on REST, a request is all or nothing.

The simulator sees arrival times, the client its send times: a burst the client spaced
exactly one window apart can arrive a little closer. ``grace_s`` shortens every window by that
much (never below half), so a client that keeps OKX's budgets is never refused.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from okxws.protocol.ops import OPS, SUB_ACCOUNT_ORDER_LIMIT, OpSpec, RateLimit
from okxws.protocol.ratelimit import (
    CONTROL_LIMIT,
    BudgetKey,
    BudgetState,
    RateLimiter,
    SlidingWindow,
    instrument_key,
)

from .instruments import instrument_by_code

__all__ = ["RATE_LIMIT_CODE", "SUB_ACCOUNT_CODE", "TOO_FREQUENT_CODE", "Refusal", "SimLimits"]

#: OKX's answer to a request over an operation's budget (okx-streams-rest.md 5.1).
RATE_LIMIT_CODE: Final = "50011"
#: ... over the sub-account budget of new and amended orders.
SUB_ACCOUNT_CODE: Final = "50061"
#: ... to a login/subscribe/unsubscribe flood on one connection.
TOO_FREQUENT_CODE: Final = "60014"

WsReply = Literal["item", "top"]
_DEFAULT_GRACE_S: Final = 0.1


@dataclass(frozen=True, slots=True)
class Refusal:
    """One request (or batch item) the simulator refused for a rate limit."""

    #: ``"ws"`` or ``"rest"``.
    via: str
    #: The operation (``"order"``...) or ``"login"``/``"subscribe"``/``"unsubscribe"``.
    op: str
    #: What was answered: ``50011``, ``50061`` or ``60014``.
    code: str
    #: The budget that was spent (``"place"``, ``"sub-account"``, ``"control"``...).
    bucket: str
    #: The account's uid, or the connection's ``connId`` for the control budget.
    owner: str
    #: The instrument key of a per-instrument budget.
    key: str | int | None = None


def _inst_key(item: Mapping[str, object]) -> str | int | None:
    """An item's per-instrument budget key: its ``instId`` (options: family) however the item
    names the instrument, so that REST (``instId``) and WS (``instIdCode``) share it."""
    code = item.get("instIdCode")
    if "instId" not in item and isinstance(code, int) and not isinstance(code, bool):
        inst = instrument_by_code(code)
        if inst is not None:
            return inst.inst_family if inst.inst_type == "OPTION" else inst.inst_id
    return instrument_key(item)


def _account_number(uid: str) -> int:
    return int(uid) if uid.isdigit() else hash(uid)


class SimLimits:
    """Every rate-limit budget of one simulator (``sim.limits``), on by default as on OKX.

    ``enabled``: False admits everything (benchmarks that blast the simulator). ``scale``
    multiplies every window (``0.25``: OKX's 2-s windows last 0.5 s, the hour of the
    control budget 15 min). ``limits`` overrides budgets by bucket name, as the client's
    ``rate_limits=`` does (their ``limit`` and ``window_s``; the keying stays OKX's).
    ``ws_reply``: ``"item"`` (default) answers a WS op over a limit with ``code "1"`` and
    per-item ``sCode``; ``"top"`` with a top-level ``code`` and ``data: []``. ``grace_s``: how
    much shorter than the client's the simulator's windows are (see the module docs).
    ``clock``: seconds, monotonic.
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        scale: float = 1.0,
        limits: Mapping[str, RateLimit] | None = None,
        ws_reply: WsReply = "item",
        grace_s: float = _DEFAULT_GRACE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if scale <= 0 or grace_s < 0:
            raise ValueError("scale must be > 0 and grace_s >= 0")
        if ws_reply not in ("item", "top"):
            raise ValueError("ws_reply must be 'item' or 'top'")
        self.enabled = enabled
        self.ws_reply: WsReply = ws_reply
        self.clock = clock
        self._scale = scale
        self._grace_s = grace_s
        self._overrides: dict[str, RateLimit] = dict(limits or {})
        #: The limiter's integer account of each uid.
        self._accounts: dict[str, int] = {}
        for bucket in self._overrides:
            self._known(bucket)
        #: Every refusal, newest last (bounded), and how many of each code.
        self.refusals: deque[Refusal] = deque(maxlen=10_000)
        self.refused: Counter[str] = Counter()
        self.reset()

    # ------------------------------------------------------------------ configuration

    @staticmethod
    def okx_limits() -> dict[str, RateLimit]:
        """OKX's published budgets by bucket (from :mod:`okxws.protocol.ops`)."""
        out = {spec.rate_limit.bucket: spec.rate_limit for spec in OPS.values()}
        out[SUB_ACCOUNT_ORDER_LIMIT.bucket] = SUB_ACCOUNT_ORDER_LIMIT
        out[CONTROL_LIMIT.bucket] = CONTROL_LIMIT
        return out

    def _known(self, bucket: str) -> RateLimit:
        base = self.okx_limits().get(bucket)
        if base is None:
            raise ValueError(f"no budget {bucket!r}; OKX's are {sorted(self.okx_limits())}")
        return base

    def limit(self, bucket: str) -> RateLimit:
        """The budget ``bucket`` as configured (before ``scale`` and ``grace_s``)."""
        base = self._known(bucket)
        rule = self._overrides.get(bucket)
        return base if rule is None else replace(base, limit=rule.limit, window_s=rule.window_s)

    def effective(self, bucket: str) -> RateLimit:
        """The budget ``bucket`` as enforced: its window scaled and shortened by the grace."""
        rule = self.limit(bucket)
        window = rule.window_s * self._scale
        return replace(rule, window_s=max(window - self._grace_s, window / 2))

    def set_limit(self, bucket: str, limit: int, window_s: float | None = None) -> None:
        """Change one budget (``window_s`` None: keep its window); the counts so far stay."""
        old = self.limit(bucket)
        window = old.window_s if window_s is None else window_s
        self._overrides[bucket] = replace(old, limit=limit, window_s=window)
        rule = self.effective(bucket)
        if bucket == CONTROL_LIMIT.bucket:
            for win in self._control.values():
                win.resize(rule.limit, rule.window_s)
        else:
            self._limiter.set_limit(bucket, rule.limit, rule.window_s)

    @property
    def scale(self) -> float:
        return self._scale

    @scale.setter
    def scale(self, value: float) -> None:
        """Scale every window; the counts so far are forgotten (:meth:`reset`)."""
        if value <= 0:
            raise ValueError("scale must be > 0")
        self._scale = value
        self.reset()

    def reset(self) -> None:
        """Forget every count (every budget full again); the record of refusals stays."""
        buckets = self.okx_limits()
        enforced = {b: self.effective(b) for b in buckets if b != CONTROL_LIMIT.bucket}
        self._limiter = RateLimiter(enforced, inst_key=_inst_key)
        #: The control budget of each open connection, by ``connId``.
        self._control: dict[str, SlidingWindow] = {}

    # ------------------------------------------------------------------ trading ops

    def _account(self, uid: str) -> int:
        """The limiter's account number of ``uid`` (made on first use)."""
        account = self._accounts.get(uid)
        if account is None:
            account = self._accounts[uid] = _account_number(uid)
        return account

    def refuse_request(
        self, spec: OpSpec[Any, Any], items: Sequence[Mapping[str, object]], uid: str, via: str
    ) -> str | None:
        """Admit a whole request and charge its budgets, or refuse it: the code to answer
        (``50011``, or ``50061`` when only the sub-account budget is spent)."""
        if not self.enabled:
            return None
        account = self._account(uid)
        now = self.clock()
        limiter = self._limiter
        if limiter.acquire_request(spec, items, account, now) == 0.0:
            return None
        charges = limiter.charges(spec, items, account)
        return self._refused(limiter.blocking(charges, now), spec.name, uid, via)

    def refuse_items(
        self, spec: OpSpec[Any, Any], items: Sequence[Mapping[str, object]], uid: str, via: str
    ) -> dict[int, str]:
        """Admit a request item by item: ``{index: code}`` of the items refused (the others
        are admitted and charged); empty when all fit."""
        if not self.enabled:
            return {}
        account = self._account(uid)
        now = self.clock()
        limiter = self._limiter
        if limiter.acquire_request(spec, items, account, now) == 0.0:
            return {}
        refused: dict[int, str] = {}
        for i, charges in enumerate(limiter.item_charges(spec, items, account)):
            if limiter.acquire(charges, now) > 0.0:
                refused[i] = self._refused(limiter.blocking(charges, now), spec.name, uid, via)
        return refused

    def _refused(self, spent: list[BudgetKey], op: str, uid: str, via: str) -> str:
        # The operation's own budget names the refusal; the sub-account one only when alone.
        own = [k for k in spent if k[0] != SUB_ACCOUNT_ORDER_LIMIT.bucket]
        bucket, _, key = (own or spent)[0] if spent else (op, 0, None)
        code = SUB_ACCOUNT_CODE if bucket == SUB_ACCOUNT_ORDER_LIMIT.bucket else RATE_LIMIT_CODE
        self._record(Refusal(via, op, code, bucket, uid, key))
        return code

    # ------------------------------------------------------------------ connections

    def refuse_control(self, conn_id: str, op: str) -> bool:
        """Charge one ``login``/``subscribe``/``unsubscribe`` to connection ``conn_id``; True
        when its budget is spent (answer ``60014``; nothing charged)."""
        if not self.enabled:
            return False
        win = self._control.get(conn_id)
        if win is None:
            rule = self.effective(CONTROL_LIMIT.bucket)
            win = self._control[conn_id] = SlidingWindow(rule.limit, rule.window_s)
        now = self.clock()
        if win.wait_for(now) > 0.0:
            self._record(Refusal("ws", op, TOO_FREQUENT_CODE, CONTROL_LIMIT.bucket, conn_id))
            return True
        win.charge(now)
        return False

    def connection_closed(self, conn_id: str) -> None:
        """Forget a closed connection's control budget (a new connection starts afresh)."""
        self._control.pop(conn_id, None)

    # ------------------------------------------------------------------ observing

    def _record(self, refusal: Refusal) -> None:
        self.refusals.append(refusal)
        self.refused[refusal.code] += 1

    @property
    def refused_count(self) -> int:
        """How many requests (batch items one by one) were refused since start."""
        return sum(self.refused.values())

    def budgets(self) -> list[BudgetState]:
        """Every account budget used so far, with what is left of it now."""
        return self._limiter.budgets(self.clock())
