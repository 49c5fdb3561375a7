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

from okxws.protocol.channels import CANDLE_BARS
from okxws.protocol.codec import encode

from .candles import candle_row
from .engine import Engine, Event, MarketEvent, OrderEvent
from .feeds import (
    BalPosEvent,
    FillsEvent,
    InstrumentsEvent,
    PositionsEvent,
    TradeEvent,
    match_item,
    positions_push,
    private_push,
    trade_item,
)
from .instruments import Instrument, instrument_by_id
from .market_books import SIM_BOOK_CHANNELS, BookFeeds
from .render import account_push, market_push, order_push

__all__ = [
    "CONN_COUNT_CHANNELS",
    "FEEDS",
    "MAX_CONN_PER_CHANNEL",
    "REGULAR_PUSH_MS",
    "SIM_BUSINESS_CHANNELS",
    "SIM_CHANNELS",
    "SIM_PRIVATE_CHANNELS",
    "SIM_PUBLIC_CHANNELS",
    "Router",
    "SimApiKey",
    "Subscriber",
]

_CANDLES: Final = tuple("candle" + bar for bar in CANDLE_BARS)
#: The public channels the simulator serves: market data of one ``instId`` (``instruments``:
#: one ``instType``); the order books are :mod:`.market_books`'s.
SIM_PUBLIC_CHANNELS: Final = frozenset(
    {"tickers", "trades", "mark-price", "funding-rate", "instruments"}
)
#: The private channels it serves.
SIM_PRIVATE_CHANNELS: Final = frozenset(
    {"orders", "account", "positions", "balance_and_position", "fills"}
)
SIM_BUSINESS_CHANNELS: Final = frozenset({"sprd-orders", "trades-all", *_CANDLES})
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

#: The data item of each public channel pushed on every change of a book, at a time.
_MARKET_DATA: Final[Mapping[str, Callable[[Engine, str, int], dict[str, Any]]]] = {
    "tickers": Engine.ticker,
}
#: How often ``mark-price`` (when unchanged) and ``funding-rate`` push regardless
#: (okx-streams-rest.md section 2: 10 s; 30 to 90 s).
REGULAR_PUSH_MS: Final = {"mark-price": 10_000, "funding-rate": 60_000}

_INST_TYPES: Final = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION", "EVENTS"})


def _instrument(key: str) -> bool:
    return instrument_by_id(key) is not None


def _swap(key: str) -> bool:
    inst = instrument_by_id(key)
    return inst is not None and inst.inst_type == "SWAP"


def _latest_candle(bar: str) -> Callable[[Engine, str, int], list[Any]]:
    def latest(engine: Engine, inst_id: str, now_ms: int) -> list[Any]:
        return engine.candle_rows(inst_id, bar, now_ms, limit=1)

    return latest


@dataclass(frozen=True, slots=True)
class Feed:
    """A public channel the simulator serves: the ``arg`` field naming its subject, which
    subjects exist, and the data it pushes on subscribe (``None``: nothing)."""

    key: str
    exists: Callable[[str], bool]
    snapshot: Callable[[Engine, str, int], list[Any]] | None


#: Every public (and business) market-data channel, by name.
FEEDS: Final[Mapping[str, Feed]] = {
    "tickers": Feed("instId", _instrument, lambda e, k, now: [e.ticker(k, now)]),
    "trades": Feed("instId", _instrument, None),
    "trades-all": Feed("instId", _instrument, None),
    "mark-price": Feed("instId", _instrument, lambda e, k, now: [e.mark_price(k, now)]),
    "funding-rate": Feed("instId", _swap, lambda e, k, now: [e.funding_rate(k, now)]),
    "instruments": Feed("instType", _INST_TYPES.__contains__,
                        lambda e, k, now: e.instruments(k)),
    **{"candle" + bar: Feed("instId", _instrument, _latest_candle(bar)) for bar in CANDLE_BARS},
}  # fmt: skip


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
    #: The account's OKX trading-fee tier (VIP level): channels above it answer ``64003``.
    vip_tier: int = 0


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
        self._marks: dict[str, str] = {}
        self._tickers: dict[str, list[str]] = {}
        self._regular_due: dict[str, int] = {}
        #: The order-book channels' feeds (:mod:`.market_books`).
        self.books: BookFeeds[Subscriber] = BookFeeds(engine)

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
        ch = arg["channel"]
        self._market.setdefault((ch, arg[FEEDS[ch].key]), []).append((s, arg))

    def remove_market_sub(self, s: Subscriber, arg: Mapping[str, Any]) -> None:
        ch = arg["channel"]
        key = (ch, arg[FEEDS[ch].key])
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

    def feed_snapshot(self, arg: Mapping[str, Any], now_ms: int) -> bytes | None:
        """The push a new subscription to a public channel gets at once, if any."""
        feed = FEEDS[arg["channel"]]
        if feed.snapshot is None:
            return None
        data = feed.snapshot(self.engine, arg[feed.key], now_ms)
        if arg["channel"] == "mark-price":
            self._marks[arg["instId"]] = data[0]["markPx"]
        elif arg["channel"] == "tickers":
            self._ticker_changed(arg["instId"], data[0])
        return encode({"arg": arg, "data": data}) if data else None

    def regular(self, now_ms: int) -> list[tuple[Subscriber, bytes]]:
        """The pushes due regardless of changes (:data:`REGULAR_PUSH_MS`) at ``now_ms``."""
        out: list[tuple[Subscriber, bytes]] = []
        for channel, every in REGULAR_PUSH_MS.items():
            due = self._regular_due.get(channel)
            if due is None or now_ms >= due:
                self._regular_due[channel] = now_ms + every
                if due is not None:
                    self._push_all(channel, now_ms, out)
        return out

    def _push_all(self, channel: str, now_ms: int, out: list[tuple[Subscriber, bytes]]) -> None:
        snapshot = FEEDS[channel].snapshot
        assert snapshot is not None
        for (ch, key), subs in self._market.items():
            if ch == channel and subs:
                data = snapshot(self.engine, key, now_ms)
                out.extend((s, encode({"arg": arg, "data": data})) for s, arg in subs)

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
                        if channel == "tickers" and not self._ticker_changed(ev.inst_id, data):
                            continue
                        out.extend((s, market_push(arg, data)) for s, arg in subs)
                subs = self._market.get(("mark-price", ev.inst_id))
                if subs:
                    self._mark_changed(ev.inst_id, subs, now_ms, out)
                continue
            if isinstance(ev, TradeEvent):
                self._trades(ev, now_ms, out)
                continue
            if isinstance(ev, InstrumentsEvent):
                subs = self._market.get(("instruments", ev.inst_type))
                if subs and ev.data:
                    out.extend((s, encode({"arg": arg, "data": ev.data})) for s, arg in subs)
                continue
            sessions = self._by_uid.get(ev.uid)
            if not sessions:
                continue
            if isinstance(ev, OrderEvent):
                for s in sessions:
                    for arg in s.subs.get(ev.channel, ()):
                        if _order_matches(arg, ev):
                            out.append((s, order_push(arg, ev.uid, ev.data)))
            elif isinstance(ev, FillsEvent):
                for s in sessions:
                    for arg in s.subs.get("fills", ()):
                        if arg.get("instId") in (None, "", ev.inst_id):
                            out.append((s, private_push(arg, ev.uid, [ev.data])))
            elif isinstance(ev, BalPosEvent):
                for s in sessions:
                    for arg in s.subs.get("balance_and_position", ()):
                        out.append((s, private_push(arg, ev.uid, [ev.data])))
            elif isinstance(ev, PositionsEvent):
                for s in sessions:
                    for arg in s.subs.get("positions", ()):
                        items = [d for inst, d in ev.items if position_matches(arg, inst)]
                        if items:
                            out.append((s, positions_push(arg, ev.uid, items, False)))
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

    def _ticker_changed(self, inst_id: str, data: Mapping[str, str]) -> bool:
        """OKX pushes ``tickers`` on a trade or a change of the best bid or ask only (every
        other field but ``ts`` moves with those)."""
        values = [v for k, v in data.items() if k != "ts"]
        if self._tickers.get(inst_id) == values:
            return False
        self._tickers[inst_id] = values
        return True

    def _mark_changed(
        self,
        inst_id: str,
        subs: list[tuple[Subscriber, dict[str, Any]]],
        now_ms: int,
        out: list[tuple[Subscriber, bytes]],
    ) -> None:
        data = self.engine.mark_price(inst_id, now_ms)
        if self._marks.get(inst_id) != data["markPx"]:
            self._marks[inst_id] = data["markPx"]
            out.extend((s, market_push(arg, data)) for s, arg in subs)

    def _trades(self, ev: TradeEvent, now_ms: int, out: list[tuple[Subscriber, bytes]]) -> None:
        market = self._market
        iid = ev.inst_id
        subs = market.get(("trades", iid))
        book = ev.book
        if subs:  # one push per aggregated trade
            for t in ev.trades:
                item = trade_item(book, t)
                out.extend((s, market_push(arg, item)) for s, arg in subs)
        subs = market.get(("trades-all", iid))
        if subs:
            for m in ev.matches:
                item = match_item(book, m)
                out.extend((s, market_push(arg, item)) for s, arg in subs)
        for channel in _CANDLES:
            subs = market.get((channel, iid))
            if not subs:
                continue
            bar = channel[6:]
            rows = [candle_row(c, book, now_ms) for b, c in ev.closed if b == bar]
            if ev.traded:
                rows += self.engine.candle_rows(iid, bar, now_ms, limit=1)
            for row in rows:
                out.extend((s, encode({"arg": arg, "data": [row]})) for s, arg in subs)


def position_matches(arg: Mapping[str, Any], inst: Instrument) -> bool:
    """Whether a ``positions`` subscription (``instType``, ``instFamily``, ``instId``) covers
    ``inst`` (``instId`` wins over ``instFamily``)."""
    it = arg.get("instType")
    if it != "ANY" and it != inst.inst_type:
        return False
    iid = arg.get("instId")
    if iid:
        return bool(iid == inst.inst_id)
    fam = arg.get("instFamily")
    return not fam or fam == inst.inst_family


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
