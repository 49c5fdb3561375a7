"""The order-book channels the simulator serves, from the :data:`~okxws.protocol.channels.CHANNELS`
table's :class:`~okxws.protocol.channels.BookSpec` (depth, incremental or not, level width,
checksum, cadence, conflicts): pure, no I/O, no clock (time is an argument).

One :class:`_Feed` per (channel, instId or sprdId) that someone subscribed to, shared by all its
subscribers, so every connection sees the same ``seqId`` series. The ``seqId`` is the book's own
(:attr:`Book.seq_id <okxws.simulator.book.Book.seq_id>`): one series per instrument shared by all
its channels, advancing by the number of levels each batch changed (strides > 1). A feed keeps
the top ``depth`` levels its subscribers were last sent:

- incremental channels (``books``, ``books-l2-tbt``, ``books50-l2-tbt``, ``sprd-books-l2-tbt``):
  a new subscriber gets that view as a ``snapshot`` (``prevSeqId`` -1); then each ``update``
  carries every level the book's log says changed since the feed's ``seqId`` (so a REST
  snapshot taken in between splices exactly), plus the levels that crossed the depth boundary;
  ``prevSeqId`` is the previous push's ``seqId``;
- snapshot channels (``books5``, ``bbo-tbt``, ``sprd-books5``, ``sprd-bbo-tbt``): the whole top
  N with the book's ``seqId``, whenever it changed.

At most one push per ``interval_ms`` of the channel (the server's book pump sends what waited);
after :attr:`BookSettings.heartbeat_s` without a push, the heartbeat update (empty lists,
``prevSeqId == seqId``) or the snapshot again. ``checksum`` is 0 unless
:attr:`BookSettings.legacy_checksum`. :class:`BookFaults` are the switches that break the rules
on purpose. https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
(okx-streams-rest.md sections 1.1-1.9).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from okxws.protocol.books import okx_checksum
from okxws.protocol.channels import BOOK_CHANNELS, BOOK_PUSH_ORDER, CHANNELS, BookSpec
from okxws.protocol.codec import encode

from .book import Book, Level, Side
from .engine import Engine
from .instruments import instrument_by_id, spread_by_id
from .render import error_text, fmt

__all__ = [
    "REST_BOOKS_FULL_MAX",
    "REST_BOOKS_MAX",
    "SIM_BOOK_CHANNELS",
    "BookFaults",
    "BookFeeds",
    "BookSettings",
    "book_arg_key",
    "book_exists",
    "entitlement_error",
    "rest_books",
    "rest_books_full",
]

#: The book channels the simulator serves (it has no ELP orders, so no ``books-elp``).
SIM_BOOK_CHANNELS: Final = frozenset(BOOK_CHANNELS - {"books-elp"})
_RANK: Final = {name: i for i, name in enumerate(BOOK_PUSH_ORDER)}
_CHECKSUM_LEVELS: Final = 25
#: The channels whose ``checksum`` is still live: OKX's 2026 deprecation names only ``books``,
#: ``books-l2-tbt`` and ``books50-l2-tbt`` (okx-streams-rest.md 1.1, 1.6).
_LIVE_CHECKSUM: Final = frozenset({"sprd-books-l2-tbt"})
#: ``GET /api/v5/market/books`` ``sz`` limit, ``/market/books-full``'s (okx-streams-rest.md 1.9).
REST_BOOKS_MAX: Final = 400
REST_BOOKS_FULL_MAX: Final = 5000

SubT = TypeVar("SubT")
_Levels = dict[int, Level]


@dataclass(slots=True)
class BookSettings:
    """How the book channels behave (``sim.book_settings``).

    ``heartbeat_s``: quiet seconds before the heartbeat (OKX: "around 60 seconds").
    ``legacy_checksum``: send the CRC32 of the top 25 levels (okx-streams-rest.md 1.6) instead
    of the fixed ``0`` OKX sends since 2026-06 (``sprd-books-l2-tbt`` always sends it).
    ``cadence``: hold pushes to each channel's ``interval_ms`` (False: push every change at
    once).
    """

    heartbeat_s: float = 60.0
    legacy_checksum: bool = False
    cadence: bool = True


@dataclass(slots=True)
class _Rule:
    channel: str | None
    key: str | None
    remaining: int

    def matches(self, channel: str, key: str) -> bool:
        return (self.channel is None or self.channel == channel) and (
            self.key is None or self.key == key
        )


class BookFaults:
    """Switches that make the book channels misbehave (``sim.book_faults``).

    Each applies at the next push (or subscription) it matches; ``channel`` / ``inst_id``
    ``None`` match any. The sequence reset and the heartbeat apply at the next book pump round.
    A burst of updates is :meth:`Simulator.burst_book_updates
    <okxws.simulator.server.Simulator.burst_book_updates>` (it moves the market).
    """

    def __init__(self) -> None:
        self._gaps: list[_Rule] = []
        self._dups: list[_Rule] = []
        self._beats: list[_Rule] = []
        self.clear()

    def gap(self, channel: str | None = None, inst_id: str | None = None, times: int = 1) -> None:
        """Drop the next ``times`` update(s): the one after has a ``prevSeqId`` nobody saw."""
        self._gaps.append(_Rule(channel, inst_id, times))

    def duplicate(
        self, channel: str | None = None, inst_id: str | None = None, times: int = 1
    ) -> None:
        """Send the next ``times`` push(es) twice."""
        self._dups.append(_Rule(channel, inst_id, times))

    def heartbeat(self, channel: str | None = None, inst_id: str | None = None) -> None:
        """Send the quiet-period heartbeat now (incremental channels: empty lists and
        ``prevSeqId == seqId``; snapshot channels: the snapshot again)."""
        self._beats.append(_Rule(channel, inst_id, 1))

    def reset_sequence(self, inst_id: str | None = None) -> None:
        """Reset the ``seqId`` series of ``inst_id`` (every subscribed book if ``None``) to a
        smaller number, as after OKX maintenance: the next update has ``seqId < prevSeqId``."""
        self.resets.append(inst_id)

    def stall(self, seconds: float) -> None:
        """No book pushes (not even heartbeats) for ``seconds`` from the next pump round."""
        self.stall_s = seconds

    def no_snapshot(self, times: int = 1) -> None:
        """The next ``times`` book subscriptions get no initial snapshot (only updates follow:
        the client must splice a REST snapshot, okx-streams-rest.md 1.8)."""
        self.no_snapshots += times

    def clear(self) -> None:
        """Disarm every switch."""
        self._gaps.clear()
        self._dups.clear()
        self._beats.clear()
        self.resets: list[str | None] = []
        self.stall_s = 0.0
        self.no_snapshots = 0

    @property
    def armed(self) -> bool:
        return bool(self._gaps or self._dups or self._beats or self.resets or self.stall_s)

    def _take(self, rules: list[_Rule], channel: str, key: str) -> bool:
        for i, rule in enumerate(rules):
            if rule.matches(channel, key):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    del rules[i]
                return True
        return False


def book_arg_key(channel: str) -> str:
    """The argument naming the book: ``sprdId`` for the spread channels, else ``instId``."""
    return "sprdId" if channel.startswith("sprd-") else "instId"


def book_exists(channel: str, key: object) -> bool:
    """Whether the simulator has the instrument (or spread) a book subscription names."""
    if not isinstance(key, str):
        return False
    if channel.startswith("sprd-"):
        return spread_by_id(key) is not None
    return instrument_by_id(key) is not None


def entitlement_error(
    channel: str,
    key: str,
    *,
    logged_in: bool,
    tier: int,
    subscribed: Callable[[str], bool],
) -> tuple[str, str] | None:
    """``(code, msg)`` OKX sends after the ack when this connection may not have the book:
    ``60011`` not logged in, ``64003`` fee tier below the channel's, ``64004`` a conflicting
    book of the same instrument (``subscribed(channel)``); okx-streams-rest.md 1.1."""
    spec = CHANNELS[channel]
    if spec.needs_login and not logged_in:
        return "60011", error_text("60011")
    if tier < spec.vip_tier:
        return "64003", error_text("64003")
    book = spec.book
    assert book is not None
    for other in book.conflicts:
        if subscribed(other):
            name = other if channel == "books-l2-tbt" else channel
            return "64004", error_text("64004").format(name, key)
    return None


def _level_row(book: Book[Any], lv: Level, width: int) -> list[str]:
    px = fmt(lv.px_ticks * book.tick)
    sz = fmt(lv.lots * book.lot) if lv.lots else "0"
    if width == 3:
        return [px, sz, str(lv.orders)]
    return [px, sz, "0", str(lv.orders)]


def _rows(book: Book[Any], levels: Iterable[Level], width: int) -> list[list[str]]:
    return [_level_row(book, lv, width) for lv in levels]


class _Feed(Generic[SubT]):
    """One subscribed (channel, book): its subscribers and what they were last sent."""

    __slots__ = (
        "arg_key",
        "asks",
        "bids",
        "book",
        "channel",
        "key",
        "last_ms",
        "seq",
        "spec",
        "subs",
        "top",
        "whole",
    )

    def __init__(self, channel: str, spec: BookSpec, book: Book[Any], now_ms: int) -> None:
        self.channel = channel
        self.spec = spec
        self.book = book
        self.key = book.key
        self.arg_key = book_arg_key(channel)
        self.subs: list[tuple[SubT, Mapping[str, Any]]] = []
        self.last_ms = now_ms
        bids, asks = book.depth(spec.depth)
        #: The incremental view, by price (ticks).
        self.bids: _Levels = {lv.px_ticks: lv for lv in bids}
        self.asks: _Levels = {lv.px_ticks: lv for lv in asks}
        #: The snapshot channels' last top N, best first.
        self.top = (bids, asks)
        #: Whether the view holds the whole side (bids, asks): no level beyond the depth.
        self.whole = (len(book.bids.prices) <= spec.depth, len(book.asks.prices) <= spec.depth)
        self.seq = book.seq_id

    # -- rendering ----------------------------------------------------------------------

    def _best_first(self) -> tuple[list[Level], list[Level]]:
        return (
            sorted(self.bids.values(), reverse=True),
            sorted(self.asks.values()),
        )

    def _checksum(self, settings: BookSettings) -> int:
        if not settings.legacy_checksum and self.channel not in _LIVE_CHECKSUM:
            return 0
        bids, asks = self._best_first()
        w = self.spec.level_width
        n = _CHECKSUM_LEVELS
        return okx_checksum(_rows(self.book, bids[:n], w), _rows(self.book, asks[:n], w))

    def _frame(self, data: dict[str, Any], action: str | None) -> bytes:
        arg = {"channel": self.channel, self.arg_key: self.key}
        if action is None:
            return encode({"arg": arg, "data": [data]})
        return encode({"arg": arg, "action": action, "data": [data]})

    def snapshot(self, now_ms: int, settings: BookSettings) -> bytes:
        """What a new subscriber (or the heartbeat of a snapshot channel) gets."""
        spec, book = self.spec, self.book
        w = spec.level_width
        if not spec.incremental:
            bids, asks = self.top
            data: dict[str, Any] = {"asks": _rows(book, asks, w), "bids": _rows(book, bids, w)}
            if self.channel == "books5":
                data["instId"] = self.key  # only books5 data names its instrument (1.3)
            data["ts"] = str(now_ms)
            data["seqId"] = self.seq
            return self._frame(data, None)
        bids, asks = self._best_first()
        data = {"asks": _rows(book, asks, w), "bids": _rows(book, bids, w), "ts": str(now_ms)}
        if spec.checksum:
            data["checksum"] = self._checksum(settings)
        data["prevSeqId"] = -1
        data["seqId"] = self.seq
        return self._frame(data, "snapshot")

    def heartbeat(self, now_ms: int, settings: BookSettings) -> bytes:
        """OKX's quiet-period push (okx-streams-rest.md 1.4 exception 1)."""
        if not self.spec.incremental:
            return self.snapshot(now_ms, settings)
        data: dict[str, Any] = {"asks": [], "bids": [], "ts": str(now_ms)}
        if self.spec.checksum:
            data["checksum"] = self._checksum(settings)
        data["prevSeqId"] = self.seq
        data["seqId"] = self.seq
        return self._frame(data, "update")

    def update(self, now_ms: int, settings: BookSettings) -> bytes | None:
        """The push for what changed since the last one, or ``None`` if nothing visible did."""
        book, spec = self.book, self.spec
        n = spec.depth
        w = spec.level_width
        if not spec.incremental:
            top = book.depth(n)
            if top == self.top:
                return None
            self.top = top
            self.seq = book.seq_id
            bids, asks = top
            data: dict[str, Any] = {"asks": _rows(book, asks, w), "bids": _rows(book, bids, w)}
            if self.channel == "books5":
                data["instId"] = self.key
            data["ts"] = str(now_ms)
            data["seqId"] = self.seq
            return self._frame(data, None)
        seq = book.seq_id
        if seq == self.seq:
            return None
        delta = book.changes_since(self.seq)
        whole = self.whole
        bids = _side_delta(
            self.bids, book.bids, n, None if delta is None else delta.bids, whole[0], True
        )
        asks = _side_delta(
            self.asks, book.asks, n, None if delta is None else delta.asks, whole[1], False
        )
        self.whole = (len(book.bids.prices) <= n, len(book.asks.prices) <= n)
        prev = self.seq
        if not bids and not asks and seq > prev:
            return None  # changes deeper than this channel's depth: nothing to tell yet
        self.seq = seq
        data = {"asks": _rows(book, asks, w), "bids": _rows(book, bids, w), "ts": str(now_ms)}
        if spec.checksum:
            data["checksum"] = self._checksum(settings)
        data["prevSeqId"] = prev
        data["seqId"] = seq
        return self._frame(data, "update")


def _side_delta(
    view: _Levels, side: Side[Any], n: int, touched: list[Level] | None, whole: bool, is_bid: bool
) -> list[Level]:
    """The levels of one side to send (best first), updating ``view`` to the book's top ``n``.

    ``touched``: the levels the book's log says changed (current sizes); all of them within
    the top ``n`` are sent, even if unchanged since the last push, and so are deletions, so
    that a REST snapshot taken in between splices exactly. ``None`` (the log no longer
    reaches back): a full comparison. ``whole``: the view held the whole side.
    """
    if touched is not None and whole and len(side.prices) <= n:
        # The side was and is within the depth: the log is the whole story.
        for lv in touched:
            if lv.lots:
                view[lv.px_ticks] = lv
            else:
                view.pop(lv.px_ticks, None)
        return touched
    top = {lv.px_ticks: lv for lv in side.depth(n)}
    marked = {lv.px_ticks for lv in touched} if touched is not None else set()
    out = [lv for px, lv in top.items() if px in marked or view.get(px) != lv]
    out += [Level(px, 0, 0) for px in view if px not in top]
    if touched is not None:
        out += [lv for lv in touched if not lv.lots and lv.px_ticks not in view]
    view.clear()
    view.update(top)
    out.sort(reverse=is_bid)
    return out


class BookFeeds(Generic[SubT]):
    """Every subscribed book channel of one simulator, and the pushes they are due.

    ``add`` / ``remove`` / ``remove_subscriber`` follow the subscriptions; ``mark`` notes a book
    that changed; :meth:`publish` returns the ``(subscriber, frame)`` pushes due at a time, in
    OKX's per-instrument channel order.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings = BookSettings()
        self.faults = BookFaults()
        self._feeds: dict[str, list[_Feed[SubT]]] = {}
        self._dirty: dict[str, None] = {}
        self._stalled_until = 0

    @property
    def active(self) -> bool:
        """Someone subscribed to a book channel (the server then runs its book pump)."""
        return bool(self._feeds)

    def tick_s(self) -> float:
        """How often the pump should look (the shortest interval of the subscribed channels)."""
        ms = min((f.spec.interval_ms for fs in self._feeds.values() for f in fs), default=100)
        return ms / 1000

    # -- subscriptions ------------------------------------------------------------------

    def add(self, sub: SubT, arg: Mapping[str, Any], now_ms: int) -> list[bytes]:
        """Subscribe ``sub``: the frames it gets now (the snapshot, unless a fault says no)."""
        channel: str = arg["channel"]
        key: str = arg[book_arg_key(channel)]
        spec = CHANNELS[channel].book
        assert spec is not None
        feeds = self._feeds.setdefault(key, [])
        feed = next((f for f in feeds if f.channel == channel), None)
        if feed is None:
            feed = _Feed[SubT](channel, spec, self.engine.book(key), now_ms)
            feeds.append(feed)
            feeds.sort(key=lambda f: _RANK.get(f.channel, len(_RANK)))
        if not any(x[0] is sub for x in feed.subs):
            feed.subs.append((sub, arg))
        if self.faults.no_snapshots > 0:
            self.faults.no_snapshots -= 1
            # Whatever changed before the next update is in it: it bridges a REST snapshot.
            return []
        return [feed.snapshot(now_ms, self.settings)]

    def remove(self, sub: SubT, arg: Mapping[str, Any]) -> None:
        """Unsubscribe ``sub`` from one book channel."""
        channel = arg["channel"]
        key = arg.get(book_arg_key(channel))
        feeds = self._feeds.get(key) if isinstance(key, str) else None
        if not feeds:
            return
        for feed in feeds:
            if feed.channel == channel:
                feed.subs = [x for x in feed.subs if x[0] is not sub]
        self._prune(key)  # type: ignore[arg-type]

    def remove_subscriber(self, sub: SubT) -> None:
        """A session closed: drop it from every feed."""
        for key, feeds in list(self._feeds.items()):
            for feed in feeds:
                if any(x[0] is sub for x in feed.subs):
                    feed.subs = [x for x in feed.subs if x[0] is not sub]
            self._prune(key)

    def _prune(self, key: str) -> None:
        feeds = [f for f in self._feeds.get(key, ()) if f.subs]
        if feeds:
            self._feeds[key] = feeds
        else:
            self._feeds.pop(key, None)
            self._dirty.pop(key, None)

    # -- pushes -------------------------------------------------------------------------

    def mark(self, key: str) -> None:
        """The book ``key`` changed (an engine :class:`~.engine.MarketEvent`)."""
        if key in self._feeds:
            self._dirty[key] = None

    def publish(self, now_ms: int, *, force: bool = False) -> list[tuple[SubT, bytes]]:
        """The pushes due at ``now_ms``: changed books whose channel interval has passed (all,
        with ``force``), the heartbeats of feeds quiet for ``heartbeat_s``, the fault switches'."""
        faults = self.faults
        if faults.armed and self._apply_faults(now_ms):
            return []
        if now_ms < self._stalled_until:
            return []
        out: list[tuple[SubT, bytes]] = []
        settings = self.settings
        cadence = settings.cadence and not force
        beat_ms = settings.heartbeat_s * 1000
        dirty = self._dirty
        for key, feeds in self._feeds.items():
            changed = key in dirty
            waiting = False
            for feed in feeds:
                frame: bytes | None = None
                beat = False
                if changed:
                    if cadence and now_ms - feed.last_ms < feed.spec.interval_ms:
                        waiting = True
                    else:
                        frame = feed.update(now_ms, settings)
                if frame is None and (
                    now_ms - feed.last_ms >= beat_ms
                    or (faults.armed and faults._take(faults._beats, feed.channel, key))
                ):
                    frame = feed.heartbeat(now_ms, settings)
                    beat = True
                if frame is None:
                    continue
                feed.last_ms = now_ms
                if faults.armed:
                    # A gap drops an update (a dropped heartbeat would leave no trace).
                    gap = not beat and feed.spec.incremental
                    if gap and faults._take(faults._gaps, feed.channel, key):
                        continue
                    if faults._take(faults._dups, feed.channel, key):
                        out.extend((s, frame) for s, _ in feed.subs)
                out.extend((s, frame) for s, _ in feed.subs)
            if changed and not waiting:
                del dirty[key]
        return out

    def _apply_faults(self, now_ms: int) -> bool:
        """Consume the reset and stall switches; ``True`` while stalled."""
        faults = self.faults
        if faults.stall_s:
            self._stalled_until = now_ms + int(faults.stall_s * 1000)
            faults.stall_s = 0.0
        resets, faults.resets = faults.resets, []
        for key in resets:
            keys = list(self._feeds) if key is None else [key]
            for k in keys:
                try:
                    book = self.engine.book(k)
                except KeyError:
                    continue  # no such book: nothing to reset
                low = min([f.seq for f in self._feeds.get(k, [])] + [book.seq_id])
                book.reset_seq(low // 2)
                self.mark(k)
        return now_ms < self._stalled_until


def rest_books(book: Book[Any], sz: int, now_ms: int) -> dict[str, Any]:
    """``GET /api/v5/market/books`` data item: ``sz`` levels per side and the book's ``seqId``
    (the same series as the streams: a snapshot to splice with them).

    https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-order-book
    """
    bids, asks = book.depth(sz)
    return {
        "asks": _rows(book, asks, 4),
        "bids": _rows(book, bids, 4),
        "ts": str(now_ms),
        "seqId": book.seq_id,
    }


def rest_books_full(book: Book[Any], sz: int, now_ms: int) -> dict[str, Any]:
    """``GET /api/v5/market/books-full`` data item: levels ``[px, sz, numOrders]``.

    https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-full-order-book
    """
    bids, asks = book.depth(sz)
    return {"asks": _rows(book, asks, 3), "bids": _rows(book, bids, 3), "ts": str(now_ms)}
