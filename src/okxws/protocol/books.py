"""Local order books kept from OKX's book channels: sans-I/O, no clock, stdlib only.

One :class:`LocalBook` per (channel, instId). Feed it the ``data[0]`` item of each push (with the
push's ``action``) and act on the :class:`ApplyResult` it returns; it never does I/O itself.
OKX docs: `order book channel
<https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel>`_,
`spread order book channel
<https://www.okx.com/docs-v5/en/#spread-trading-websocket-public-channel-order-book-channel>`_,
`GET /api/v5/market/books
<https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-order-book>`_;
okx-streams-rest.md section 1.

Rules kept here (okx-streams-rest.md 1.4-1.8):

- **Incremental channels** (``books``, ``books-elp``, ``books-l2-tbt``, ``books50-l2-tbt``,
  ``sprd-books-l2-tbt``): a ``snapshot`` replaces the book; an ``update`` upserts levels (size
  ``"0"`` deletes one) and is in sequence only if its ``prevSeqId`` equals the ``seqId`` of the
  last push applied. That one test also admits OKX's two exceptions: the ~60 s heartbeat (empty
  ``asks``/``bids``, ``prevSeqId == seqId``) and the sequence reset after maintenance
  (``seqId < prevSeqId``). Anything else (a gap, a duplicate, a replay) is :attr:`ApplyResult.GAP`:
  the book empties itself and ignores updates until a fresh snapshot (resubscribe to get one).
- **Snapshot-only channels** (``books5``, ``bbo-tbt``, ``sprd-books5``, ``sprd-bbo-tbt``): every
  push is a complete top-N book and replaces the last one. They carry a ``seqId`` but no
  ``prevSeqId``, and OKX documents no ordering rule for them, so there is no continuity check:
  the latest push wins (the ``seqId`` is kept for reading; the 2022 ``books5`` shape had none).
- **No initial snapshot** (announced by OKX for some regions): the first update after
  :meth:`LocalBook.reset` (or creation) returns :attr:`ApplyResult.SPLICE_NEEDED` and the book
  buffers the stream; the caller fetches ``GET /api/v5/market/books`` and passes its ``data[0]``
  to :meth:`LocalBook.splice`, which applies OKX's documented procedure (section 1.8).
- **Checksum**: deprecated, fixed to ``0`` on ``books``/l2-tbt since 2026-06. ``0`` means absent,
  never "verified". With ``verify_checksum=True`` a non-zero checksum is compared with
  :func:`okx_checksum` of the book after the push.

Prices and sizes are kept as the exact strings OKX sent; the sort key is the price parsed as a
float. That is exact: a price with at most 15 significant digits parses to a float no other such
price parses to (``DBL_DIG``), and a price with more is rejected as malformed, so two price
strings share a key only if they are the same number (``"1.0"`` and ``"1"``: the latest string
is kept). A malformed item raises :class:`OkxBookItemError`: a snapshot (or a REST one) with
the book untouched; an update either before anything is applied or, when a later level is bad,
with the book emptied and out of sync: never half applied and still claiming to be in sequence.

Sorted structure, chosen by measurement (``bench/books_apply.py --structures --callgrind``: the
same already parsed deltas of a 400-level book applied, then the top 5 of each side read;
instructions per update on CPython 3.11, so no dependency is needed):

=================================  =========================  ==================================
structure per side                 ``books`` (3-8 levels)     ``books-l2-tbt`` (1-2 levels)
=================================  =========================  ==================================
two parallel lists, bisect, float  26,942 (chosen)            11,715 (chosen)
dict of levels + bisect key list   31,071                     19,859
same, Decimal keys                 61,407                     27,386
``sortedcontainers.SortedDict``    64,018                     44,495
``SortedDict``, Decimal keys       94,689                     52,102
=================================  =========================  ==================================

A list insert or delete moves at most 400 pointers (a memmove, cheaper than any tree at this
size); reading the top N is one slice.
"""

from __future__ import annotations

import enum
import zlib
from bisect import bisect_left
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, Final

from .channels import CHANNELS, BookSpec
from .exceptions import OkxDecodeError, OkxValidationError

__all__ = [
    "CHECKSUM_DEPTH",
    "ApplyResult",
    "BookState",
    "Level",
    "LocalBook",
    "OkxBookItemError",
    "okx_checksum",
]

#: One price level as OKX sent it: ``(price, size)``, both wire strings.
Level = tuple[str, str]
#: Levels per side that enter the checksum (okx-streams-rest.md 1.6).
CHECKSUM_DEPTH: Final = 25
#: Price strings this short have at most 15 digits, so their float is exact (see module doc).
_SHORT_PRICE: Final = 15


class OkxBookItemError(OkxDecodeError):
    """A book push item (or REST snapshot) is malformed; see :meth:`LocalBook.apply` for what
    became of the book."""


class BookState(enum.Enum):
    """Where a :class:`LocalBook` stands with OKX's sequence."""

    #: Nothing applied since creation or :meth:`LocalBook.reset`.
    AWAITING_SNAPSHOT = "awaiting_snapshot"
    #: In sequence with OKX: the book can be served.
    SYNCED = "synced"
    #: A gap (or checksum mismatch) was seen: updates are dropped until a fresh snapshot.
    OUT_OF_SYNC = "out_of_sync"
    #: No snapshot came: updates are buffered until :meth:`LocalBook.splice` bridges them.
    SPLICING = "splicing"


class ApplyResult(enum.Enum):
    """What one push (or :meth:`LocalBook.splice`) did, and what the caller must do next."""

    #: The book was replaced by a snapshot; in sequence.
    SNAPSHOT = "snapshot"
    #: An update was applied in sequence.
    UPDATE = "update"
    #: An in-sequence update without levels (OKX's ~60 s heartbeat): nothing changed.
    HEARTBEAT = "heartbeat"
    #: ``prevSeqId`` is not the last ``seqId`` (gap, duplicate or replay). The book is now empty
    #: and out of sync: resubscribe the channel (unsubscribe, subscribe) for a fresh snapshot.
    GAP = "gap"
    #: ``verify_checksum`` is on and the push's non-zero checksum disagrees: as for ``GAP``.
    CHECKSUM_MISMATCH = "checksum_mismatch"
    #: Ignored: an update while out of sync (a resubscription is already due), or a REST
    #: snapshot the book does not need (it is not splicing). Nothing to do.
    DROPPED = "dropped"
    #: An update came with no snapshot before it: fetch ``GET /api/v5/market/books`` and pass
    #: its ``data[0]`` to :meth:`LocalBook.splice`. Any snapshot fetched before this is void.
    SPLICE_NEEDED = "splice_needed"
    #: Kept for the splice (or already covered by the spliced snapshot). Nothing to do.
    BUFFERED = "buffered"
    #: The REST snapshot and the buffered updates are joined: in sequence.
    SPLICED = "spliced"
    #: The REST snapshot is newer than every buffered update: installed, and the first update
    #: past it will complete the splice. Nothing to do.
    SPLICE_PENDING = "splice_pending"
    #: The REST snapshot is older than the buffered stream: fetch it again.
    SNAPSHOT_TOO_OLD = "snapshot_too_old"


_SYNCED: Final = BookState.SYNCED  # a module global is cheaper than an enum attribute lookup
_UPDATE: Final = ApplyResult.UPDATE
_HEARTBEAT: Final = ApplyResult.HEARTBEAT
#: The ways a malformed item fails while it is read (a missing key, a short level, a wrong type
#: or a number that does not parse).
_MALFORMED: Final = (KeyError, IndexError, TypeError, ValueError, AttributeError)

#: A validated ``update`` item, as buffered for a splice: ``(prevSeqId, seqId, ts, bids, asks)``
#: with the levels as OKX sent them (a NamedTuple would cost a Python-level ``__new__``).
_Update = tuple[int, int, str, list[Any], list[Any]]
#: Both sides of a book: bid keys, bids, ask keys, asks (the keys parallel to the levels).
_Sides = tuple[list[float], list[Level], list[float], list[Level]]


def okx_checksum(bids: Sequence[Sequence[str]], asks: Sequence[Sequence[str]]) -> int:
    """OKX's book checksum (okx-streams-rest.md 1.6): the first 25 levels of each side, best
    first, interleaved ``bid px:bid sz:ask px:ask sz:...`` (a side that runs out is skipped),
    wire strings verbatim, joined by ``:``, CRC-32 as a signed 32-bit int.

    ``bids``/``asks`` hold levels whose first two elements are price and size (wire lists or
    :data:`Level` tuples). An empty book gives ``0``, the same as OKX's deprecated field.
    """
    parts: list[str] = []
    top_bids, top_asks = bids[:CHECKSUM_DEPTH], asks[:CHECKSUM_DEPTH]
    for i in range(max(len(top_bids), len(top_asks))):
        if i < len(top_bids):
            parts += top_bids[i][:2]
        if i < len(top_asks):
            parts += top_asks[i][:2]
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def _significant_digits(number: str) -> int:
    mantissa = number.lower().partition("e")[0]
    return len("".join(c for c in mantissa if c.isdigit()).strip("0"))


def _update_side(keys: list[float], levels: list[Level], rows: list[Any], sign: float) -> None:
    """Upsert OKX levels ``[px, sz, ...]`` into one side, validating each before storing it;
    size 0 deletes. ``keys`` holds ``sign * price``, ascending, so the best level is first.

    Raises (``_MALFORMED``) at the first bad level, with the levels before it applied.
    """
    if type(rows) is not list:
        raise TypeError("levels are not a list")
    for row in rows:
        if type(row) is not list:
            raise TypeError(f"level {row!r} is not a list")
        px = row[0]
        sz = row[1]
        if type(sz) is not str:
            raise TypeError(f"level {row!r}: the size must be a string")
        # The price needs no type check: float() and len() below both accept only a string.
        key = sign * float(px)
        if key - key:  # nan or inf (x - x is 0.0 for every finite x): cheaper than two compares
            raise ValueError(f"level {row!r}: the price is not finite")
        if len(px) > _SHORT_PRICE and _significant_digits(px) > _SHORT_PRICE:
            raise ValueError(f"level {row!r}: more than 15 significant digits")
        if sz == "0":  # how OKX writes a delete: skip the parse
            size = 0.0
        else:
            size = float(sz)
            if size < 0.0 or size - size:
                raise ValueError(f"level {row!r}: the size is negative or not finite")
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            if size:
                levels[i] = (px, sz)
            else:
                del keys[i]
                del levels[i]
        elif size:
            keys.insert(i, key)
            levels.insert(i, (px, sz))


def _malformed(what: str, item: object, exc: Exception) -> OkxBookItemError:
    return OkxBookItemError(f"malformed {what}: {exc}", repr(item))


def _parse_snapshot(item: Mapping[str, Any], need_seq_id: bool) -> tuple[int, str, _Sides]:
    """A snapshot's ``seqId``, ``ts`` and both sides, built aside (the book stays untouched)."""
    bid_keys: list[float] = []
    bids: list[Level] = []
    ask_keys: list[float] = []
    asks: list[Level] = []
    try:
        seq_id = item["seqId"] if need_seq_id else item.get("seqId", -1)
        if type(seq_id) is not int:
            raise TypeError("seqId must be an integer")
        ts = item["ts"]
        if type(ts) is not str or not ts.isdecimal():
            raise ValueError("ts is not a string of digits")
        _update_side(bid_keys, bids, item["bids"], -1.0)
        _update_side(ask_keys, asks, item["asks"], 1.0)
    except _MALFORMED as exc:
        raise _malformed("book snapshot", item, exc) from exc
    return seq_id, ts, (bid_keys, bids, ask_keys, asks)


class LocalBook:
    """The local order book of one (channel, instId), kept in sequence with OKX.

    Feed every push of the subscription to :meth:`apply` in arrival order and act on the
    result: ``GAP``/``CHECKSUM_MISMATCH`` -> resubscribe; ``SPLICE_NEEDED`` -> REST snapshot and
    :meth:`splice`; ``SNAPSHOT_TOO_OLD`` -> fetch again; everything else needs nothing.
    Read :attr:`synced` before serving :meth:`bids`/:meth:`asks`.

    The book holds every level OKX sent and did not delete; it does not cut itself to the
    channel's depth (``spec.depth``): read the top ``n`` you need.
    """

    __slots__ = (
        "_ask_keys",
        "_asks",
        "_bid_keys",
        "_bids",
        "_buffer",
        "_buffer_start",
        "_incremental",
        "_max_buffered",
        "_resyncs",
        "_seq_id",
        "_splice_seq_id",
        "_state",
        "_ts",
        "_verify_checksum",
        "channel",
        "inst_id",
        "spec",
    )

    def __init__(
        self,
        channel: str,
        inst_id: str = "",
        *,
        verify_checksum: bool = False,
        max_buffered: int = 1000,
    ) -> None:
        """``channel`` is an order-book channel of :data:`~okxws.protocol.channels.CHANNELS`.

        ``verify_checksum``: compare a push's non-zero ``checksum`` with the book's (off by
        default: OKX sends ``0`` since 2026-06; useful for ``sprd-books-l2-tbt``).
        ``max_buffered``: updates kept while waiting for a REST snapshot (oldest dropped first).
        """
        spec = CHANNELS[channel].book if channel in CHANNELS else None
        if spec is None:
            raise OkxValidationError(f"{channel!r} is not an order-book channel")
        #: The channel and instrument (or spread) id this book is for.
        self.channel, self.inst_id = channel, inst_id
        #: How the channel pushes: depth, incremental or not, level width, checksum.
        self.spec: BookSpec = spec
        self._incremental = spec.incremental
        self._verify_checksum = verify_checksum
        self._max_buffered = max_buffered
        self._resyncs = 0
        self._bid_keys: list[float] = []  # -price, ascending: best bid first
        self._bids: list[Level] = []  # parallel to _bid_keys
        self._ask_keys: list[float] = []  # price, ascending: best ask first
        self._asks: list[Level] = []
        self._buffer: deque[_Update] = deque()
        self.reset()

    def reset(self) -> None:
        """Forget everything but :attr:`resyncs`: call it when the (re)subscription is
        acknowledged, so that a first push without a snapshot starts a splice."""
        self._clear_levels()
        self._state = BookState.AWAITING_SNAPSHOT
        self._seq_id = -1
        self._ts = "0"  # the wire string: int() when read (~1,400 instructions per update saved)
        self._buffer.clear()
        self._buffer_start = -1
        self._splice_seq_id: int | None = None

    # ------------------------------------------------------------------ reading

    @property
    def state(self) -> BookState:
        """Where the book stands with OKX's sequence."""
        return self._state

    @property
    def synced(self) -> bool:
        """True while the book is in sequence with OKX (only then is it OKX's book)."""
        return self._state is BookState.SYNCED

    @property
    def seq_id(self) -> int:
        """The ``seqId`` of the last push applied (or seen, while splicing); -1 before any."""
        return self._seq_id

    @property
    def ts(self) -> int:
        """The ``ts`` of the last push applied: OKX's book generation time, ms; 0 before any."""
        return int(self._ts)

    @property
    def resyncs(self) -> int:
        """How many times the book lost sequence (``GAP`` or ``CHECKSUM_MISMATCH``)."""
        return self._resyncs

    def bids(self, n: int | None = None) -> list[Level]:
        """The best ``n`` bids (all if ``None``), best first, as ``(price, size)`` strings."""
        return self._bids[:n]

    def asks(self, n: int | None = None) -> list[Level]:
        """The best ``n`` asks (all if ``None``), best first, as ``(price, size)`` strings."""
        return self._asks[:n]

    def best_bid(self) -> Level | None:
        """The best bid, or ``None`` when there is none."""
        return self._bids[0] if self._bids else None

    def best_ask(self) -> Level | None:
        """The best ask, or ``None`` when there is none."""
        return self._asks[0] if self._asks else None

    def checksum(self) -> int:
        """:func:`okx_checksum` of the book as it stands (reads only the top 25 per side)."""
        return okx_checksum(self._bids, self._asks)

    # ------------------------------------------------------------------ applying

    def apply(self, item: Mapping[str, Any], action: str | None = None) -> ApplyResult:
        """Apply one push: ``item`` is its ``data[0]``, ``action`` its ``action`` (``snapshot``
        or ``update`` on incremental channels; absent on snapshot-only channels).

        Raises :class:`OkxBookItemError` for a malformed item or action. A snapshot leaves the
        book unchanged; after a malformed update the book is out of sync (unless it was not in
        sequence anyway): resubscribe as for ``GAP``.
        """
        if action != "update" or not self._incremental:
            if action == "snapshot" or (action is None and not self._incremental):
                return self.apply_snapshot(item)
            raise OkxBookItemError(f"unexpected action {action!r} on channel {self.channel!r}")
        # The update path is written here rather than called: a call costs ~3 % of an update.
        try:
            prev_seq_id = item["prevSeqId"]
            seq_id = item["seqId"]
            ts = item["ts"]
            bids = item["bids"]
            asks = item["asks"]
            if type(seq_id) is not int:  # prevSeqId: below (in sequence only if it equals an int)
                raise TypeError("seqId must be an integer")
            if type(ts) is not str or not ts.isdecimal():
                raise ValueError("ts is not a string of digits")
        except _MALFORMED as exc:
            raise _malformed("book update", item, exc) from exc
        state = self._state
        if state is _SYNCED:
            if prev_seq_id != self._seq_id:
                return self._lose_sync(ApplyResult.GAP)
            if not (bids or asks) and type(bids) is type(asks) is list:
                self._seq_id, self._ts = seq_id, ts
                return _HEARTBEAT
            try:  # a tick-by-tick update often changes one side only: skip the other's call
                if bids or type(bids) is not list:
                    _update_side(self._bid_keys, self._bids, bids, -1.0)
                if asks or type(asks) is not list:
                    _update_side(self._ask_keys, self._asks, asks, 1.0)
            except _MALFORMED as exc:
                # Part of the update may be in: the book cannot be trusted until a snapshot.
                self._lose_sync(ApplyResult.GAP)
                raise _malformed("book update", item, exc) from exc
            self._seq_id, self._ts = seq_id, ts
            if self._verify_checksum and self._checksum_fails(item):
                return self._lose_sync(ApplyResult.CHECKSUM_MISMATCH)
            return _UPDATE
        if state is BookState.OUT_OF_SYNC:
            return ApplyResult.DROPPED
        try:  # validate it now, on scratch sides, so that a splice cannot fail later
            if type(prev_seq_id) is not int:
                raise TypeError("prevSeqId must be an integer")
            _update_side([], [], bids, -1.0)
            _update_side([], [], asks, 1.0)
        except _MALFORMED as exc:
            raise _malformed("book update", item, exc) from exc
        update = (prev_seq_id, seq_id, ts, bids, asks)
        if state is BookState.AWAITING_SNAPSHOT:
            return self._start_buffer(update)
        return self._splice_next(update)

    def apply_snapshot(self, item: Mapping[str, Any]) -> ApplyResult:
        """Replace the whole book with a snapshot push (``data[0]``); in sequence from here."""
        seq_id, ts, sides = _parse_snapshot(item, self._incremental)
        self._bid_keys, self._bids, self._ask_keys, self._asks = sides
        self._buffer.clear()
        self._splice_seq_id = None
        self._state = BookState.SYNCED
        self._seq_id, self._ts = seq_id, ts
        if self._verify_checksum and self._checksum_fails(item):
            return self._lose_sync(ApplyResult.CHECKSUM_MISMATCH)
        return ApplyResult.SNAPSHOT

    def apply_update(self, item: Mapping[str, Any]) -> ApplyResult:
        """``apply(item, "update")``: an ``update`` push of an incremental channel."""
        return self.apply(item, "update")

    def splice(self, snapshot: Mapping[str, Any]) -> ApplyResult:
        """Join a REST snapshot (``GET /api/v5/market/books`` ``data[0]``, with its ``seqId``)
        to the buffered updates (okx-streams-rest.md 1.8).

        Updates with ``seqId <= snapshot seqId`` are discarded; the first one kept must satisfy
        ``prevSeqId <= snapshot seqId < seqId``. Returns ``SPLICED`` (in sequence),
        ``SPLICE_PENDING`` (the snapshot is ahead of the stream), ``SNAPSHOT_TOO_OLD`` (fetch
        again) or ``DROPPED`` (the book is not splicing, e.g. a WebSocket snapshot came first).
        """
        if self._state is not BookState.SPLICING or self._splice_seq_id is not None:
            return ApplyResult.DROPPED
        seq_id, ts, sides = _parse_snapshot(snapshot, need_seq_id=True)
        if seq_id < self._buffer_start:
            return ApplyResult.SNAPSHOT_TOO_OLD
        kept = [u for u in self._buffer if u[1] > seq_id]
        if kept and not kept[0][0] <= seq_id < kept[0][1]:
            return ApplyResult.SNAPSHOT_TOO_OLD  # the buffer is contiguous: cannot happen
        self._bid_keys, self._bids, self._ask_keys, self._asks = sides
        self._buffer.clear()
        self._ts = ts
        if not kept:
            self._splice_seq_id = seq_id
            return ApplyResult.SPLICE_PENDING
        for update in kept:
            self._apply(update)
        self._ts = kept[-1][2]
        self._state = BookState.SYNCED
        return ApplyResult.SPLICED

    # ------------------------------------------------------------------ internals

    def _apply(self, update: _Update) -> None:
        """Apply a buffered update (validated when it arrived: this cannot raise)."""
        _update_side(self._bid_keys, self._bids, update[3], -1.0)
        _update_side(self._ask_keys, self._asks, update[4], 1.0)

    def _clear_levels(self) -> None:
        self._bid_keys, self._bids, self._ask_keys, self._asks = [], [], [], []

    def _lose_sync(self, result: ApplyResult) -> ApplyResult:
        self._clear_levels()
        self._state = BookState.OUT_OF_SYNC
        self._resyncs += 1
        return result

    def _checksum_fails(self, item: Mapping[str, Any]) -> bool:
        expected = item.get("checksum")
        return type(expected) is int and expected != 0 and expected != self.checksum()

    def _start_buffer(self, update: _Update) -> ApplyResult:
        """Start buffering the stream at ``update`` (no snapshot, or the buffer broke)."""
        self._clear_levels()
        self._state = BookState.SPLICING
        self._buffer.clear()
        self._splice_seq_id = None
        prev_seq_id, seq_id = update[0], update[1]
        self._seq_id = seq_id
        if seq_id < prev_seq_id:
            # A sequence reset: the stream is known from its new seqId on, and a snapshot must
            # include the reset update itself.
            self._buffer_start = seq_id
        else:
            self._buffer_start = prev_seq_id
            self._buffer.append(update)
        return ApplyResult.SPLICE_NEEDED

    def _splice_next(self, update: _Update) -> ApplyResult:
        """An update while splicing: buffer it, skip it, or complete a pending splice."""
        prev_seq_id, seq_id = update[0], update[1]
        if prev_seq_id != self._seq_id or seq_id < prev_seq_id:
            return self._start_buffer(update)  # a gap or a reset in the buffer: start again
        self._seq_id = seq_id
        pending = self._splice_seq_id
        if pending is None:
            if len(self._buffer) == self._max_buffered:
                self._buffer_start = self._buffer.popleft()[1]
            self._buffer.append(update)
            return ApplyResult.BUFFERED
        if seq_id <= pending:
            return ApplyResult.BUFFERED  # already in the installed snapshot
        self._apply(update)
        self._ts = update[2]
        self._splice_seq_id = None
        self._state = BookState.SYNCED
        return ApplyResult.SPLICED
