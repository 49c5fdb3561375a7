"""OKX's rate limits as budgets keyed the way OKX keys them (no I/O: time is passed in).

What draws from which budget is in :mod:`okxws.protocol.ops` (``OpSpec.rate_limit``); this
module counts. OKX does not document whether its 2-second windows are fixed or sliding, so
every budget here is a sliding window (the stricter reading): no span of ``window_s``
seconds ever holds more than ``limit`` units. A request is admitted only when every budget it
draws from has room, and then all of them are charged at once, so a refused request costs
nothing.

A window is a ring of the last ``limit`` spending times: a new unit fits exactly when the
unit ``limit`` places back was spent at least ``window_s`` ago. That is an O(1) check and
store per request, which keeps client-side limiting off the order's latency budget.

okx-streams-rest.md section 5 (quoted rules, the keying table, what OKX returns).
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from .ops import OPS, SUB_ACCOUNT_ORDER_LIMIT, OpSpec, RateLimit

__all__ = [
    "CONNECT_LIMIT",
    "CONTROL_LIMIT",
    "BudgetKey",
    "BudgetState",
    "RateLimiter",
    "SlidingWindow",
    "instrument_key",
]

#: New WebSocket connections: 3 per second (per IP).
CONNECT_LIMIT: Final = RateLimit(bucket="connect", limit=3, window_s=1.0)
#: login + subscribe + unsubscribe requests: 480 per hour on each connection.
CONTROL_LIMIT: Final = RateLimit(bucket="control", limit=480, window_s=3600.0)

#: ``(bucket, account, instrument)``: instrument is None for budgets not per instrument.
BudgetKey = tuple[str, int, "str | int | None"]
_NEVER: Final = float("-inf")


class SlidingWindow:
    """At most ``limit`` units in any ``window_s`` seconds; times are the caller's clock."""

    __slots__ = ("_next", "_ring", "limit", "window_s")

    def __init__(self, limit: int, window_s: float) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("a budget needs a limit >= 1 and a window > 0")
        self.limit = limit
        self.window_s = window_s
        #: When each of the last ``limit`` units was spent (``-inf``: never), oldest at
        #: ``_next``.
        self._ring: list[float] = [_NEVER] * limit
        self._next = 0

    def wait_for(self, now: float, units: int = 1) -> float:
        """Seconds until ``units`` fit (0.0: they fit now). ``inf`` if they never can."""
        if units > self.limit:
            return float("inf")
        # The ``units``-th oldest spending must have left the window.
        oldest = self._ring[(self._next + units - 1) % self.limit]
        wait = oldest + self.window_s - now
        return wait if wait > 0.0 else 0.0

    def charge(self, now: float, units: int = 1) -> None:
        """Spend ``units`` at ``now`` (after :meth:`wait_for` said they fit)."""
        ring, limit, i = self._ring, self.limit, self._next
        for _ in range(units):
            ring[i] = now
            i = (i + 1) % limit
        self._next = i

    def used(self, now: float) -> int:
        """Units spent within the last ``window_s`` seconds."""
        start = now - self.window_s
        return sum(1 for t in self._ring if t > start)

    def block_until(self, until: float) -> None:
        """Treat the window as full until ``until`` (OKX said the budget is spent)."""
        self._ring = [until - self.window_s] * self.limit
        self._next = 0

    def resize(self, limit: int, window_s: float) -> None:
        """Change the limit, keeping the most recent spending times."""
        recent = self._ring[self._next :] + self._ring[: self._next]  # oldest first
        recent = (
            recent[-limit:] if limit <= len(recent) else [_NEVER] * (limit - len(recent)) + recent
        )
        self._ring, self._next, self.limit, self.window_s = recent, 0, limit, window_s


@dataclass(frozen=True, slots=True)
class BudgetState:
    """One budget as it stands (for logs, metrics and ``okxws status``)."""

    key: BudgetKey
    limit: int
    window_s: float
    used: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


def instrument_key(item: Mapping[str, object]) -> str | int | None:
    """What an item's per-instrument budget is keyed by when nothing better is known: its
    ``instId`` (for options their family, ``BTC-USD`` of ``BTC-USD-261225-100000-C``), else
    its ``instIdCode``."""
    inst_id = item.get("instId")
    if isinstance(inst_id, str):
        parts = inst_id.split("-")
        if len(parts) == 5 and parts[-1] in ("C", "P"):
            return f"{parts[0]}-{parts[1]}"
        return inst_id
    code = item.get("instIdCode")
    return code if isinstance(code, int | str) else None


class RateLimiter:
    """Every budget of one client (REST and WebSocket share them, as on OKX).

    ``limits`` overrides OKX's published limits by bucket name (``"place"``, ``"batch-place"``,
    ``"cancel"``, ``"amend"``, ``"sub-account"``, ``"sprd"``, ...): their ``limit`` and
    ``window_s`` count, the keying stays OKX's. ``inst_key`` maps an item
    to its per-instrument key; a client that knows ``instId`` <-> ``instIdCode`` gives one
    that names an instrument the same way however the item does (and options by family).
    """

    def __init__(
        self,
        limits: Mapping[str, RateLimit] | None = None,
        inst_key: Callable[[Mapping[str, object]], str | int | None] = instrument_key,
    ) -> None:
        self._limits: dict[str, RateLimit] = {
            spec.rate_limit.bucket: spec.rate_limit for spec in OPS.values()
        }
        self._limits[SUB_ACCOUNT_ORDER_LIMIT.bucket] = SUB_ACCOUNT_ORDER_LIMIT
        for bucket, rule in (limits or {}).items():  # a new limit and window; OKX's keying
            old = self._limits.get(bucket)
            self._limits[bucket] = (
                rule if old is None else replace(old, limit=rule.limit, window_s=rule.window_s)
            )
        self.inst_key = inst_key
        self._windows: dict[BudgetKey, SlidingWindow] = {}
        #: The windows of a single-item request by op, account and instIdCode: the hot path
        #: (three lookups by a str and two ints cost less than a tuple key built, hashed and
        #: compared per order).
        self._single: dict[str, dict[int, dict[object, tuple[SlidingWindow, ...]]]] = {}
        #: The last waits (seconds) callers were asked to make, newest last, and how many.
        self.recent_waits: collections.deque[float] = collections.deque(maxlen=256)
        self.waits = 0

    def limit(self, bucket: str) -> RateLimit:
        return self._limits[bucket]

    def set_limit(self, bucket: str, limit: int, window_s: float | None = None) -> None:
        """Change one budget (e.g. the sub-account budget of a fill-ratio tier)."""
        old = self._limits[bucket]
        window = old.window_s if window_s is None else window_s
        self._limits[bucket] = replace(old, limit=limit, window_s=window)
        for key, win in self._windows.items():
            if key[0] == bucket:
                win.resize(limit, window)

    def _window(self, key: BudgetKey) -> SlidingWindow:
        win = self._windows.get(key)
        if win is None:
            rule = self._limits[key[0]]
            win = self._windows[key] = SlidingWindow(rule.limit, rule.window_s)
        return win

    def charges(
        self, spec: OpSpec[Any, Any], items: Sequence[Mapping[str, object]], account: int
    ) -> dict[BudgetKey, int]:
        """The units one request draws from each budget (a one-item batch counts as single;
        the items of a batch count one by one, each on its own instrument's budget)."""
        rule = spec.rate_limit
        if rule.single_item_op is not None and len(items) == 1:
            rule = OPS[rule.single_item_op].rate_limit
        out: dict[BudgetKey, int] = {}
        if rule.per_instrument:
            for item in items:
                key: BudgetKey = (rule.bucket, account, self.inst_key(item))
                out[key] = out.get(key, 0) + 1 if rule.per_item else 1
        else:
            out[(rule.bucket, account, None)] = len(items) if rule.per_item else 1
        if rule.sub_account:
            out[(SUB_ACCOUNT_ORDER_LIMIT.bucket, account, None)] = len(items)
        return out

    def item_charges(
        self, spec: OpSpec[Any, Any], items: Sequence[Mapping[str, object]], account: int
    ) -> list[dict[BudgetKey, int]]:
        """What each item of a request draws on its own, keyed as in :meth:`charges` (whose
        sum they are), for a server that admits a batch's items one by one."""
        if len(items) == 1:  # a one-item batch counts as single
            return [self.charges(spec, items, account)]
        rule = spec.rate_limit
        out: list[dict[BudgetKey, int]] = []
        for item in items:
            key = self.inst_key(item) if rule.per_instrument else None
            charge: dict[BudgetKey, int] = {(rule.bucket, account, key): 1}
            if rule.sub_account:
                charge[(SUB_ACCOUNT_ORDER_LIMIT.bucket, account, None)] = 1
            out.append(charge)
        return out

    def blocking(self, charges: Mapping[BudgetKey, int], now: float) -> list[BudgetKey]:
        """The budgets among ``charges`` without room for their units now."""
        return [key for key, units in charges.items() if self._window(key).wait_for(now, units)]

    def acquire(self, charges: Mapping[BudgetKey, int], now: float) -> float:
        """Charge every budget if all have room (returns 0.0); else charge none and return
        how long to wait before asking again."""
        windows = [(self._window(key), units) for key, units in charges.items()]
        wait = max(win.wait_for(now, units) for win, units in windows)
        if wait > 0.0:
            self.recent_waits.append(wait)
            self.waits += 1
            return wait
        for win, units in windows:
            win.charge(now, units)
        return 0.0

    def acquire_request(
        self,
        spec: OpSpec[Any, Any],
        items: Sequence[Mapping[str, object]],
        account: int,
        now: float,
    ) -> float:
        """:meth:`acquire` of a request's :meth:`charges`. A single item that names its
        instrument by ``instIdCode`` (every WebSocket order) takes a cached path: its
        windows are found with one lookup and checked inline, one unit each."""
        return self.acquire_op(spec.name, spec, items, account, now)

    def acquire_op(
        self,
        op: str,
        spec: OpSpec[Any, Any],
        items: Sequence[Mapping[str, object]],
        account: int,
        now: float,
    ) -> float:
        """:meth:`acquire_request` given ``op``, the name of ``spec`` (the compiled order
        path has it at hand, and an attribute of the interpreted spec costs a lookup)."""
        if len(items) == 1:
            item = items[0]
            # isinstance narrows to a dict: compiled, its get() is a direct dict lookup.
            code = item.get("instIdCode") if isinstance(item, dict) else None
            if code is not None:
                by_account = self._single.get(op)
                by_code = None if by_account is None else by_account.get(account)
                windows = None if by_code is None else by_code.get(code)
                if windows is None:
                    charges = self.charges(spec, items, account)
                    windows = tuple(self._window(k) for k in charges)
                    self._single.setdefault(op, {}).setdefault(account, {})[code] = windows
                for win in windows:  # SlidingWindow.wait_for(now, 1), inline
                    wait = win._ring[win._next] + win.window_s - now
                    if wait > 0.0:
                        self.recent_waits.append(wait)
                        self.waits += 1
                        return wait
                for win in windows:  # SlidingWindow.charge(now, 1), inline
                    i = win._next
                    win._ring[i] = now
                    win._next = i + 1 if i + 1 < win.limit else 0
                return 0.0
        return self.acquire(self.charges(spec, items, account), now)

    def block(self, charges: Mapping[BudgetKey, int], seconds: float, now: float) -> None:
        """OKX answered "rate limit": treat those budgets as spent for ``seconds``."""
        for key in charges:
            self._window(key).block_until(now + seconds)

    def budgets(self, now: float) -> list[BudgetState]:
        """Every budget used so far, with what is left of it now."""
        return [
            BudgetState(key, win.limit, win.window_s, win.used(now))
            for key, win in self._windows.items()
        ]
