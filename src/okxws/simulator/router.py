"""Who hears what: the API keys, the logged-in sessions by account, the subscriptions, and the
routing of engine events to ``(session, frame)`` pushes.

Which URL serves a channel, and whether it needs a login, is :mod:`okxws.protocol.channels`';
the channels the simulator implements are :data:`SIM_CHANNELS`. The frames come from
:mod:`okxws.simulator.render`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from .engine import Engine, Event, MarketEvent, OrderEvent
from .instruments import instrument_by_id
from .market_books import SIM_BOOK_CHANNELS, BookFeeds
from .render import account_push, market_push, order_push

__all__ = [
    "CONN_COUNT_CHANNELS",
    "MAX_CONN_PER_CHANNEL",
    "SIM_BUSINESS_CHANNELS",
    "SIM_CHANNELS",
    "SIM_PRIVATE_CHANNELS",
    "SIM_PUBLIC_CHANNELS",
    "Router",
    "SimApiKey",
    "Subscriber",
]

#: The public channels the simulator serves: market data of one ``instId`` (and the order
#: books of :mod:`.market_books`).
SIM_PUBLIC_CHANNELS: Final = frozenset({"tickers"})
#: The private channels it accepts (``positions`` and ``balance_and_position`` never push).
SIM_PRIVATE_CHANNELS: Final = frozenset({"orders", "account", "positions", "balance_and_position"})
SIM_BUSINESS_CHANNELS: Final = frozenset({"sprd-orders"})
#: Every channel the simulator serves; others get OKX's 60018 "doesn't exist".
SIM_CHANNELS: Final = (
    SIM_PUBLIC_CHANNELS | SIM_PRIVATE_CHANNELS | SIM_BUSINESS_CHANNELS | SIM_BOOK_CHANNELS
)
#: Private channels with the per-sub-account connection cap (okx-protocol.md section 5.3).
CONN_COUNT_CHANNELS: Final = frozenset(
    {
        "orders",
        "account",
        "positions",
        "balance_and_position",
        "liquidation-warning",
        "account-greeks",
    }
)
MAX_CONN_PER_CHANNEL: Final = 30

#: The data item of each public channel, for an instrument, at a time.
_MARKET_DATA: Final[Mapping[str, Callable[[Engine, str, int], dict[str, Any]]]] = {
    "tickers": Engine.ticker,
}


@dataclass(frozen=True, slots=True)
class SimApiKey:
    """One API key of the simulated exchange and the engine account (``uid``) behind it."""

    api_key: str
    api_secret: str = field(repr=False)
    api_pass: str = field(repr=False)
    uid: str
    #: A demo-trading key (True), a live one (False) or either (None): REST checks the
    #: ``x-simulated-trading`` header against it (50101).
    demo: bool | None = None


class Subscriber(Protocol):
    """What the router needs of a session."""

    @property
    def conn_id(self) -> str: ...

    @property
    def account(self) -> SimApiKey | None:
        """The API key it logged in with."""

    @property
    def subs(self) -> Mapping[str, list[dict[str, Any]]]: ...


class Router:
    """The sessions of one simulator and what each subscribed to; turns events into pushes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.api_keys: dict[str, SimApiKey] = {}
        # okx-api (Node) may send its login twice on one socket; OKX evidently accepts a
        # repeat of the same key (docs/dev/foreign-clients.md), so the default does too.
        self.allow_repeated_login = True
        self._conn_ids: set[str] = set()
        self._by_uid: dict[str, list[Subscriber]] = {}
        self._market: dict[tuple[str, str], list[tuple[Subscriber, dict[str, Any]]]] = {}
        self._conn_count: dict[tuple[str, str], set[str]] = {}
        #: The order-book channels' feeds (:mod:`.market_books`).
        self.books: BookFeeds[Subscriber] = BookFeeds(engine)
        #: Trading-fee tier by ``uid`` (VIP0 unless set): the l2-tbt books need VIP4.
        self.vip_tiers: dict[str, int] = {}

    # ------------------------------------------------------------------ sessions

    def new_conn_id(self) -> str:
        """A ``connId`` no open session has (8 hex digits, as OKX's)."""
        while True:
            cid = secrets.token_hex(4)
            if cid not in self._conn_ids:
                return cid

    def add(self, s: Subscriber) -> None:
        """A session opened."""
        self._conn_ids.add(s.conn_id)

    def logged_in(self, s: Subscriber) -> None:
        """``s`` logged in: it hears its account's pushes."""
        assert s.account is not None
        self._by_uid.setdefault(s.account.uid, []).append(s)

    def remove(self, s: Subscriber) -> None:
        """Forget a closed session's login and subscriptions."""
        self._conn_ids.discard(s.conn_id)
        if s.account is not None:
            lst = self._by_uid.get(s.account.uid)
            if lst and s in lst:
                lst.remove(s)
            for conns in self._conn_count.values():
                conns.discard(s.conn_id)
        for key, subs in self._market.items():
            if any(x[0] is s for x in subs):
                self._market[key] = [x for x in subs if x[0] is not s]
        self.books.remove_subscriber(s)

    # ------------------------------------------------------------------ subscriptions

    def conn_count(self, uid: str, channel: str, conn_id: str, add: bool) -> int:
        """Add (or remove) a connection of ``uid`` on ``channel``; how many it has now."""
        conns = self._conn_count.setdefault((uid, channel), set())
        if add:
            conns.add(conn_id)
        else:
            conns.discard(conn_id)
        return len(conns)

    def add_market_sub(self, s: Subscriber, arg: dict[str, Any]) -> None:
        self._market.setdefault((arg["channel"], arg["instId"]), []).append((s, arg))

    def remove_market_sub(self, s: Subscriber, arg: Mapping[str, Any]) -> None:
        key = (arg["channel"], arg["instId"])
        subs = self._market.get(key)
        if subs:
            self._market[key] = [x for x in subs if x[0] is not s]

    def listens(self, uid: str, channel: str) -> bool:
        """Whether a session of ``uid`` subscribed to ``channel`` (the engine's audience)."""
        for s in self._by_uid.get(uid, ()):  # noqa: SIM110 (a loop: cheaper than any(generator))
            if s.subs.get(channel):
                return True
        return False

    def market_data(self, channel: str, inst_id: str, now_ms: int) -> dict[str, Any]:
        """The current data item of a public channel for ``inst_id``."""
        return _MARKET_DATA[channel](self.engine, inst_id, now_ms)

    # ------------------------------------------------------------------ pushes

    def route(
        self, events: Iterable[Event], now_ms: int, *, force_books: bool = False
    ) -> list[tuple[Subscriber, bytes]]:
        """The pushes engine ``events`` cause: ``(session, frame)`` in the order to send them.

        Book pushes not yet due (their channel's interval) wait for the server's book pump;
        ``force_books`` sends them now (a burst)."""
        out: list[tuple[Subscriber, bytes]] = []
        books = self.books
        for ev in events:
            if isinstance(ev, MarketEvent):
                books.mark(ev.inst_id)
                for channel in _MARKET_DATA:
                    subs = self._market.get((channel, ev.inst_id))
                    if subs:
                        data = self.market_data(channel, ev.inst_id, now_ms)
                        out.extend((s, market_push(arg, data)) for s, arg in subs)
                continue
            sessions = self._by_uid.get(ev.uid)
            if not sessions:
                continue
            if isinstance(ev, OrderEvent):
                for s in sessions:
                    for arg in s.subs.get(ev.channel, ()):
                        if _order_matches(arg, ev):
                            out.append((s, order_push(arg, ev.uid, ev.data)))
            else:
                frame: bytes | None = None
                for s in sessions:
                    if s.subs.get("account"):
                        if frame is None:
                            frame = account_push(ev.uid, ev.data, "event_update")
                        out.append((s, frame))
        if books.active:
            out += books.publish(now_ms, force=force_books)
        return out


def _order_matches(arg: Mapping[str, Any], ev: OrderEvent) -> bool:
    if ev.channel == "sprd-orders":
        sp = arg.get("sprdId")
        return not sp or sp == ev.inst_id
    it = arg.get("instType")
    if it != "ANY" and it != ev.inst_type:
        return False
    iid = arg.get("instId")
    if iid and iid != ev.inst_id:
        return False
    fam = arg.get("instFamily")
    if fam:
        inst = instrument_by_id(ev.inst_id)
        return inst is not None and inst.inst_family == fam
    return True
