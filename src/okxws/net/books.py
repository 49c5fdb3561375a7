"""Local order books kept in sequence with OKX: ``async with ws.order_book(...) as book``.

The book logic is :class:`okxws.protocol.books.LocalBook` (sans-I/O); this module feeds it
and acts on what it says, on the client's connections:

- each book is one subscription (channel + instId) routed to its book alone
  (:class:`~okxws.net.streams.PushRouter`);
- a gap, a duplicate or a malformed push (``prevSeqId`` is not the last ``seqId``: the only
  test, okx-streams-rest.md 1.4) stops serving the book and resubscribes that one channel:
  unsubscribe, then subscribe, for a fresh snapshot; resubscriptions due at the same moment
  on one connection go out as one request each way (no storm);
- a lost connection stops serving every book on it until the snapshots that follow the
  automatic resubscription;
- an update with no snapshot before it (OKX's announced snapshot-less mode) is spliced onto
  a ``GET /api/v5/market/books`` snapshot (section 1.8);
- a book that receives nothing for longer than OKX's ~60 s heartbeat promise plus a margin
  is resubscribed, and the ``exception`` event says so;
- deep books (50 or 400 levels) are spread over several public connections, fewer than 30 on
  each, as OKX recommends.

https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, Final, Protocol

from ..protocol.books import ApplyResult, BookState, Level, LocalBook, OkxBookItemError
from ..protocol.channels import channel_spec
from ..protocol.exceptions import (
    OkxApiError,
    OkxError,
    OkxRequestTimeoutError,
    OkxValidationError,
    nothing_sent,
)
from ..protocol.messages import ChannelArg
from .connection import Connection
from .events import EventName, Handler
from .http import HttpClient
from .streams import OverflowPolicy, PushSink, PushStream


class BookHost(Protocol):
    """What the books need of their client (``WebsocketClient``)."""

    @property
    def http(self) -> HttpClient: ...
    @property
    def request_timeout(self) -> float | None: ...
    def connection_for(
        self, arg: ChannelArg, account: int | None = None, shard: int = 0
    ) -> Connection: ...
    def add_push_sink(
        self, sink: PushSink, channels: Iterable[str] | None = None, target: str | None = None
    ) -> Callable[[], None]: ...
    def on(self, event: EventName, handler: Handler) -> None: ...


__all__ = ["DEFAULT_STALE_AFTER", "BookContext", "OrderBook"]

_log = logging.getLogger("okxws.books")

#: OKX sends a heartbeat update (or a snapshot) after about 60 s without a change; a book
#: silent for longer than this is presumed stalled and resubscribed.
DEFAULT_STALE_AFTER: Final = 75.0
#: "If you need to subscribe to many 50 or 400 depth level channels, it is recommended to
#: subscribe through multiple websocket connections, with each of less than 30 channels."
DEEP_BOOKS_PER_CONNECTION: Final = 29
#: Codes OKX answers a subscription the account may not have (they may follow the ack).
_ENTITLEMENT_CODES: Final = frozenset({"60011", "64003", "64004", "60029", "60030"})
_IN_SEQUENCE: Final = frozenset(
    {ApplyResult.SNAPSHOT, ApplyResult.UPDATE, ApplyResult.HEARTBEAT, ApplyResult.SPLICED}
)
_RESYNC: Final = frozenset({ApplyResult.GAP, ApplyResult.CHECKSUM_MISMATCH})
_SPLICE: Final = frozenset({ApplyResult.SPLICE_NEEDED, ApplyResult.SNAPSHOT_TOO_OLD})


class OrderBook:
    """A local order book kept in sequence with one OKX book channel.

    Read it only while :attr:`is_synced` (``await synced()`` waits for that): ``bids(n)`` and
    ``asks(n)`` are ``(price, size)`` strings as OKX sent them, best first. ``seq_id`` is the
    ``seqId`` of the last push applied, ``ts`` its time (ms), ``resyncs`` how many times the
    book had to be rebuilt (a gap, a lost connection, a stall). ``changes()`` iterates the
    updates as they are applied.
    """

    def __init__(
        self,
        books: _BookManager,
        conn: Connection,
        arg: ChannelArg,
        local: LocalBook,
        stale_after: float,
    ) -> None:
        self._books = books
        #: Seconds without a push after which the book is presumed stalled and resubscribed.
        self.stale_after = stale_after
        self.connection = conn
        self.arg = arg
        self.channel = local.channel
        self.inst_id = local.inst_id
        self._local = local
        self._synced = asyncio.Event()
        self._error: BaseException | None = None
        self._streams: set[PushStream] = set()
        self._lost = 0
        self._splice_task: asyncio.Task[None] | None = None
        #: Loop time of the last push (the staleness watchdog reads it).
        self.last_push = asyncio.get_running_loop().time()
        #: Pushes applied in sequence.
        self.updates = 0
        self._remove_sink = books.client.add_push_sink(self._on_push, [self.channel], self.inst_id)

    def __repr__(self) -> str:
        return (
            f"<OrderBook {self.channel} {self.inst_id} {self.state.value} "
            f"seqId={self.seq_id} resyncs={self.resyncs}>"
        )

    # -- reading ------------------------------------------------------------------------

    @property
    def state(self) -> BookState:
        """Where the book stands with OKX's sequence."""
        return self._local.state

    @property
    def is_synced(self) -> bool:
        """The book is in sequence with OKX and may be read."""
        return self._local.synced

    def bids(self, n: int | None = None) -> list[Level]:
        """The best ``n`` bids (all if None), ``(price, size)`` strings, best first."""
        return self._local.bids(n)

    def asks(self, n: int | None = None) -> list[Level]:
        """The best ``n`` asks (all if None), ``(price, size)`` strings, best first."""
        return self._local.asks(n)

    def best_bid(self) -> Level | None:
        return self._local.best_bid()

    def best_ask(self) -> Level | None:
        return self._local.best_ask()

    @property
    def seq_id(self) -> int:
        """``seqId`` of the last push applied (-1 before the first)."""
        return self._local.seq_id

    @property
    def ts(self) -> int:
        """OKX's time (ms) of the last push applied."""
        return self._local.ts

    @property
    def resyncs(self) -> int:
        """How many times the book was rebuilt from a fresh snapshot after a gap, a lost
        connection or a stall."""
        return self._local.resyncs + self._lost

    async def synced(self, timeout: float | None = 10.0) -> None:
        """Return once the book is in sequence with OKX (at once if it is).

        Raises the subscription's error (e.g. ``64003``: the account's fee tier may not read
        this channel) and :class:`~okxws.OkxRequestTimeoutError` after ``timeout`` seconds.
        """
        if self._error is not None:
            raise self._error
        if self._local.synced:
            return
        try:
            async with asyncio.timeout(timeout):
                await self._synced.wait()
        except TimeoutError:
            raise OkxRequestTimeoutError(
                f"{self.channel} {self.inst_id}: not in sequence within {timeout} s"
            ) from None
        if self._error is not None:
            raise self._error

    def changes(
        self, *, maxsize: int = 10_000, overflow: OverflowPolicy = "drop_oldest"
    ) -> PushStream:
        """An async iterator of the pushes applied to the book, in order (each the push as
        OKX sent it), with the overflow policies of ``WebsocketClient.stream()``."""
        stream = PushStream(maxsize, overflow, self._streams.discard)
        self._streams.add(stream)
        return stream

    # -- keeping it in sequence ---------------------------------------------------------

    def _on_push(self, msg: dict[str, Any]) -> None:
        self.last_push = self._books.loop.time()
        data = msg.get("data")
        try:
            if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
                raise OkxBookItemError(f"book push without one data item: {msg!r:.200}")
            result = self._local.apply(data[0], msg.get("action"))
        except OkxBookItemError as exc:
            _log.warning("%s %s: %s; resubscribing", self.channel, self.inst_id, exc)
            if self._local.state is not BookState.OUT_OF_SYNC:
                self._local.reset()
            self._resync("a malformed push")
            return
        if result in _IN_SEQUENCE:
            self.updates += 1
            if not self._synced.is_set():
                self._synced.set()
            for stream in self._streams:
                stream.put(msg)
        elif result in _RESYNC:
            self._resync(f"{result.value} at seqId {data[0].get('seqId')}")
        elif result in _SPLICE:
            self._start_splice()

    def _resync(self, why: str) -> None:
        self._synced.clear()
        self._books.resync(self, why)

    def _connection_lost(self) -> None:
        """The socket died: nothing is served until the snapshot after the resubscription."""
        if self._local.state is not BookState.AWAITING_SNAPSHOT:
            self._lost += 1
        self._local.reset()
        self._synced.clear()

    def _start_splice(self) -> None:
        if self._splice_task is None or self._splice_task.done():
            self._splice_task = asyncio.create_task(
                self._splice(), name=f"okxws splice {self.channel} {self.inst_id}"
            )

    async def _splice(self) -> None:
        """Fetch ``GET /api/v5/market/books`` until it bridges the buffered updates."""
        depth = self._local.spec.depth
        for attempt in range(5):
            try:
                reply = await self._books.client.http.request(
                    "GET", "/api/v5/market/books", params={"instId": self.inst_id, "sz": depth}
                )
                data = reply.body.get("data") if isinstance(reply.body, dict) else None
                if not data:
                    raise OkxError(f"no snapshot in {reply.body!r:.200}")
                result = self._local.splice(data[0])
            except (OkxError, TypeError, AttributeError) as exc:
                _log.warning("%s %s: REST snapshot failed: %s", self.channel, self.inst_id, exc)
                await asyncio.sleep(0.2 * 2**attempt)
                continue
            if result is not ApplyResult.SNAPSHOT_TOO_OLD:
                if self._local.synced:
                    self._synced.set()
                return
        self._resync("the REST snapshot never caught up with the stream")

    def _fail(self, error: BaseException) -> None:
        self._error = error
        self._synced.set()  # wakes synced(), which raises it

    async def aclose(self) -> None:
        """Stop keeping the book: unsubscribe (if connected), end its change streams."""
        self._remove_sink()
        for stream in list(self._streams):
            stream.close()
        if self._splice_task is not None:
            self._splice_task.cancel()
            await asyncio.gather(self._splice_task, return_exceptions=True)
        await self._books.remove(self)

    async def __aenter__(self) -> OrderBook:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class _BookManager:
    """Every order book of one client: placement on connections, resubscription, staleness."""

    def __init__(self, client: BookHost) -> None:
        self.client = client
        self.loop = asyncio.get_running_loop()
        self._books: dict[tuple[str, str], OrderBook] = {}
        self._by_conn: dict[Connection, set[OrderBook]] = {}
        self._resyncs_due: dict[Connection, dict[OrderBook, str]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._watchdog: asyncio.Task[None] | None = None
        self._listeners: dict[Connection, Callable[[], None]] = {}
        client.on("exception", self._on_exception)

    # -- opening and closing ------------------------------------------------------------

    def _place(self, channel: str, account: int | None) -> Connection:
        """The connection for one more book of ``channel``: deep books fill each public
        connection up to OKX's recommendation, then the next."""
        spec = channel_spec(channel)
        book = spec.book
        shard = 0
        if book is not None and book.depth >= 50 and spec.conn_kind == "public":
            while True:
                conn = self.client.connection_for({"channel": channel}, account, shard)
                deep = [b for b in self._by_conn.get(conn, ()) if b._local.spec.depth >= 50]
                if len(deep) < DEEP_BOOKS_PER_CONNECTION:
                    return conn
                shard += 1
        return self.client.connection_for({"channel": channel}, account, shard)

    async def open(
        self,
        inst_ids: Iterable[str],
        channel: str,
        *,
        account: int | None,
        timeout: float | None,
        verify_checksum: bool,
        stale_after: float,
    ) -> list[OrderBook]:
        """Subscribe to ``channel`` for every instrument (one request per connection) and
        wait until every book is in sequence."""
        spec = channel_spec(channel)
        if spec.book is None:
            raise OkxValidationError(f"{channel!r} is not an order-book channel")
        key_name = "sprdId" if channel.startswith("sprd-") else "instId"
        wanted = list(dict.fromkeys(inst_ids))
        if not wanted or not all(isinstance(i, str) and i for i in wanted):
            raise OkxValidationError("order books need instrument ids (non-empty strings)")
        for inst_id in wanted:
            if (channel, inst_id) in self._books:
                raise OkxValidationError(f"a {channel} book of {inst_id} is already open")
        books: list[OrderBook] = []
        groups: dict[Connection, list[OrderBook]] = {}
        for inst_id in wanted:
            conn = self._place(channel, account)
            arg: ChannelArg = {"channel": channel, key_name: inst_id}  # type: ignore[misc]
            local = LocalBook(channel, inst_id, verify_checksum=verify_checksum)
            book = OrderBook(self, conn, arg, local, stale_after)
            self._books[(channel, inst_id)] = book
            self._by_conn.setdefault(conn, set()).add(book)
            groups.setdefault(conn, []).append(book)
            books.append(book)
        for conn in groups:
            if conn not in self._listeners:
                self._listeners[conn] = listener = functools.partial(self._connection_lost, conn)
                conn.lost_listeners.append(listener)
        self._start_watchdog()
        try:
            await asyncio.gather(
                *(self._subscribe(conn, group, timeout) for conn, group in groups.items())
            )
            await asyncio.gather(*(b.synced(timeout) for b in books))
        except BaseException:
            await asyncio.gather(*(b.aclose() for b in books), return_exceptions=True)
            raise
        return books

    def _connection_lost(self, conn: Connection) -> None:
        for book in self._by_conn.get(conn, ()):
            book._connection_lost()

    async def _subscribe(
        self, conn: Connection, books: list[OrderBook], timeout: float | None
    ) -> None:
        sock = await conn.wait_ready(timeout)
        args = [b.arg for b in books]
        await conn.subscribe_on(sock, "subscribe", args, timeout)
        conn.subscriptions.add(args)

    async def remove(self, book: OrderBook) -> None:
        if self._books.get((book.channel, book.inst_id)) is not book:
            return
        del self._books[(book.channel, book.inst_id)]
        conn = book.connection
        self._by_conn.get(conn, set()).discard(book)
        self._resyncs_due.get(conn, {}).pop(book, None)
        conn.subscriptions.remove([book.arg])
        sock = conn.sock
        if sock is not None:
            try:
                await conn.subscribe_on(sock, "unsubscribe", [book.arg], 5.0)
            except OkxError as exc:  # the book is gone either way
                _log.debug("unsubscribing %s: %s", book.arg, exc)
        if not self._books and self._watchdog is not None:
            self._watchdog.cancel()

    # -- resubscribing ------------------------------------------------------------------

    def resync(self, book: OrderBook, why: str) -> None:
        """Resubscribe ``book`` soon; every book due on one connection goes in one request."""
        due = self._resyncs_due.setdefault(book.connection, {})
        if book in due:
            return
        due[book] = why
        if len(due) == 1:
            self._spawn(self._resubscribe(book.connection), f"okxws resync {book.connection.name}")

    async def _resubscribe(self, conn: Connection) -> None:
        await asyncio.sleep(0)  # gather every book that falls out of sequence this turn
        due = self._resyncs_due.pop(conn, {})
        if not due:
            return
        books = list(due)
        args = [b.arg for b in books]
        _log.warning("%s: resubscribing %d book(s): %s", conn.name, len(books),
                     "; ".join(f"{b.inst_id} {why}" for b, why in due.items()))  # fmt: skip
        try:
            sock = await conn.wait_ready(self.client.request_timeout)
            await conn.subscribe_on(sock, "unsubscribe", args, self.client.request_timeout)
            for book in books:  # before subscribing: the fresh snapshot may follow the ack
                book._local.reset()
            await conn.subscribe_on(sock, "subscribe", args, self.client.request_timeout)
        except OkxError as exc:
            # A lost connection resubscribes by itself; anything else is reported and retried
            # by the next gap or the watchdog.
            conn.emit_exception(exc)

    # -- staleness ----------------------------------------------------------------------

    def _start_watchdog(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = self.loop.create_task(self._watch(), name="okxws books watchdog")

    async def _watch(self) -> None:
        while self._books:
            await asyncio.sleep(min(1.0, *(b.stale_after / 4 for b in self._books.values())))
            now = self.loop.time()
            for book in list(self._books.values()):
                conn = book.connection
                if conn.sock is None or now - book.last_push <= book.stale_after:
                    continue
                book.last_push = now  # one resubscription per stall
                book._lost += 1
                error = OkxError(
                    f"{book.channel} {book.inst_id}: nothing received for "
                    f"{book.stale_after:g} s (OKX sends a heartbeat every ~60 s); resubscribing"
                )
                conn.emit_exception(error)
                book._resync("a stall")

    def stats(self) -> dict[str, Any]:
        """Per open book: whether it is in sequence, its seqId, updates applied, resyncs,
        and the age of its last push (s)."""
        now = self.loop.time()
        return {
            f"{b.channel} {b.inst_id}": {
                "synced": b.is_synced,
                "seq_id": b.seq_id,
                "updates": b.updates,
                "resyncs": b.resyncs,
                "last_push_age_s": round(now - b.last_push, 3),
                "connection": b.connection.name,
            }
            for b in self._books.values()
        }

    # -- errors -------------------------------------------------------------------------

    def _on_exception(self, payload: dict[str, Any]) -> None:
        """An id-less subscription error after the ack (``60011`` not logged in, ``64003``
        fee tier, ``64004`` conflicting books): fail the books still opening there."""
        error = payload.get("error")
        if not isinstance(error, OkxApiError) or error.code not in _ENTITLEMENT_CODES:
            return
        for book in self._books.values():
            conn = book.connection
            here = conn.kind == payload.get("connection") and conn.account == payload.get("account")
            if here and not book._local.synced:
                book._fail(nothing_sent(error))

    def _spawn(self, coro: Any, name: str) -> None:
        task = self.loop.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Cancel and await every task of the books (the client closes their connections)."""
        tasks = [*self._tasks, *(t for t in [self._watchdog] if t is not None)]
        for book in self._books.values():
            if book._splice_task is not None:
                tasks.append(book._splice_task)
            for stream in list(book._streams):
                stream.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._books.clear()


class BookContext:
    """What ``WebsocketClient.order_book()`` returns: ``async with`` opens the book (subscribe,
    then wait until it is in sequence) and closes it (unsubscribe) on the way out."""

    def __init__(
        self,
        manager: _BookManager,
        inst_id: str,
        channel: str,
        *,
        account: int | None,
        timeout: float | None,
        verify_checksum: bool,
        stale_after: float,
    ) -> None:
        self._manager = manager
        self._args = (inst_id, channel, account, timeout, verify_checksum, stale_after)
        self._book: OrderBook | None = None

    async def __aenter__(self) -> OrderBook:
        inst_id, channel, account, timeout, verify, stale_after = self._args
        [self._book] = await self._manager.open(
            [inst_id],
            channel,
            account=account,
            timeout=timeout,
            verify_checksum=verify,
            stale_after=stale_after,
        )
        return self._book

    async def __aexit__(self, *exc: object) -> None:
        if self._book is not None:
            await self._book.aclose()
