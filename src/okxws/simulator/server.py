"""The simulator's network side: one aiohttp app serving REST and the three WebSocket URLs.

``/ws/v5/public``, ``/ws/v5/private``, ``/ws/v5/business`` (query strings ignored) and the REST
endpoints of :mod:`okxws.simulator.rest`, all on one port, over the same
:class:`~okxws.simulator.engine.Engine` state. :class:`Simulator` owns the lifecycle, the
connections and their tasks, and the market task; what tests observe is ``sim.stats``
(:mod:`okxws.simulator.stats`). See okx-protocol.md sections 1, 6 and 8.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import shutil
import ssl
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from aiohttp import WSMsgType, web

from okxws.protocol.auth import ApiCredentials
from okxws.protocol.endpoints import CONN_KINDS, ConnKind

from .limits import SimLimits
from .market_books import BookFaults, BookSettings
from .render import notice_frame
from .rest import add_rest_routes
from .router import SimApiKey, Subscriber
from .session import Reply, Session, SessionContext
from .stats import ReceivedOp
from .tls import make_server_context, make_tls_files

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_PASS",
    "DEFAULT_API_SECRET",
    "IDLE_CLOSE_CODE",
    "IDLE_CLOSE_REASON",
    "Simulator",
]

log = logging.getLogger("okxws.simulator")

DEFAULT_API_KEY: Final = "okxws-sim-api-key"
DEFAULT_API_SECRET: Final = "okxws-sim-api-secret"
DEFAULT_API_PASS: Final = "okxws-sim-Passphrase1"
#: Close frame OKX sends after 30 s without traffic (okx-protocol.md sections 6 and 11a.3).
IDLE_CLOSE_CODE: Final = 4004
IDLE_CLOSE_REASON: Final = "No data received in 30s."
_TEXT: Final = WSMsgType.TEXT
#: How often the server looks for regular pushes (``mark-price``, ``funding-rate``) and closes
#: candles whose period ended.
FEEDS_TICK_S: Final = 1.0


class _Conn:
    """One live WebSocket connection: its socket, session and owned tasks."""

    __slots__ = ("idle_handle", "kind", "last_traffic", "session", "tasks", "transport", "ws")

    def __init__(
        self, ws: web.WebSocketResponse, session: Session, transport: asyncio.Transport | None
    ) -> None:
        self.ws = ws
        self.session = session
        self.kind: ConnKind = session.kind
        self.transport = transport
        self.last_traffic = 0.0
        self.idle_handle: asyncio.TimerHandle | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def send(self, frame: bytes) -> None:
        # The peer may be gone; its own handler cleans up.
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.send_frame(frame, _TEXT)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def abort(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


class Simulator:
    """A local OKX-compatible exchange: WebSocket API, streams and REST on one port.

    ``async with Simulator() as sim:`` then point a client at ``sim.ws_base_url`` /
    ``sim.rest_base_url`` with ``sim.credentials``. Credentials default to the environment
    variables ``OKXWS_SIM_API_KEY`` / ``OKXWS_SIM_API_SECRET`` / ``OKXWS_SIM_API_PASS``, else
    fixed test values. ``clock_offset`` (seconds) shifts the server clock for skew tests.
    ``engine``, ``faults`` and ``stats`` are the exchange, its fault switches and what it saw;
    ``limits`` (:class:`~okxws.simulator.limits.SimLimits`, on by default) its rate limits.
    OKX docs: https://www.okx.com/docs-v5/en/#overview-websocket
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 0,
        tls: bool = False,
        api_key: str | None = None,
        api_secret: str | None = None,
        api_pass: str | None = None,
        idle_timeout: float = 30.0,
        limits: SimLimits | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.idle_timeout = idle_timeout
        self.clock_offset = 0.0
        self.api_key = api_key or _env("OKXWS_SIM_API_KEY", DEFAULT_API_KEY)
        self.api_secret = api_secret or _env("OKXWS_SIM_API_SECRET", DEFAULT_API_SECRET)
        self.api_pass = api_pass or _env("OKXWS_SIM_API_PASS", DEFAULT_API_PASS)
        self.credentials = ApiCredentials(self.api_key, self.api_secret, self.api_pass)
        self.ca_file: str | None = None
        self._ctx = ctx = SessionContext.new(seed, self.clock_us, limits)
        self.engine = ctx.engine
        self.faults = ctx.faults
        self.stats = ctx.stats
        #: OKX's rate limits, enforced on REST and WS together (simulator/limits.py).
        self.limits = ctx.limits
        self._uid_rng = random.Random(seed)
        self._router = ctx.router
        self._conns: dict[str, _Conn] = {}
        self._runner: web.AppRunner | None = None
        self._tmpdir: str | None = None
        self._market_task: asyncio.Task[None] | None = None
        self._book_task: asyncio.Task[None] | None = None
        #: Server-owned work that outlives a request: delayed executions, fired timers.
        self._tasks: set[asyncio.Task[None]] = set()
        #: Armed cancel-all-after timers by (uid, tag).
        self._dead_man: dict[tuple[str, str], asyncio.TimerHandle] = {}
        #: Real seconds per cancel-all-after ``timeOut`` second (tests shorten OKX's 10 s minimum).
        self.cancel_all_after_scale = 1.0
        self._closing = asyncio.Event()
        self._feeds_task: asyncio.Task[None] | None = None
        self._closed = False
        self.uid = self.add_account(self.api_key, self.api_secret, self.api_pass)

    # ------------------------------------------------------------------ accounts, clock

    def add_account(
        self,
        api_key: str,
        api_secret: str,
        api_pass: str,
        *,
        demo: bool | None = None,
        vip_tier: int = 0,
    ) -> str:
        """Register another API key with its own engine account; returns its ``uid``.

        ``demo``: the key is a demo-trading key (True: REST requests must carry
        ``x-simulated-trading: 1``), a live one (False: they must not), or either (None).
        ``vip_tier``: the account's fee tier (``fills`` needs VIP4, else ``64003``).
        """
        uid = str(self._uid_rng.randrange(10**17, 10**18))
        key = SimApiKey(api_key, api_secret, api_pass, uid, demo=demo, vip_tier=vip_tier)
        self._router.api_keys[api_key] = key
        self.engine.create_account(uid)
        return uid

    def set_vip_tier(self, tier: int, api_key: str | None = None) -> None:
        """Set the trading-fee tier of an API key's account (default key; VIP0 unless set):
        the l2-tbt books and ``fills`` need VIP4, else ``64003`` (okx-streams-rest.md 1.1)."""
        keys = self._router.api_keys
        name = api_key or self.api_key
        keys[name] = dataclasses.replace(keys[name], vip_tier=tier)

    @property
    def book_settings(self) -> BookSettings:
        """How the order-book channels behave: heartbeat interval, legacy checksum, cadence."""
        return self._router.books.settings

    @property
    def book_faults(self) -> BookFaults:
        """The order-book channels' fault switches (gap, duplicate, reset, heartbeat, stall,
        no snapshot); a burst is :meth:`burst_book_updates`."""
        return self._router.books.faults

    @property
    def api_keys(self) -> Mapping[str, SimApiKey]:
        """The registered API keys, by key."""
        return self._router.api_keys

    def clock_us(self) -> int:
        """Server time in Unix µs (shifted by :attr:`clock_offset`)."""
        return time.time_ns() // 1000 + int(self.clock_offset * 1e6)

    def now_ms(self) -> int:
        """Server time in Unix ms (what ``GET /api/v5/public/time`` returns)."""
        return self.clock_us() // 1000

    @property
    def allow_repeated_login(self) -> bool:
        """Answer a second login with the same key on one connection with success, not 60031.

        okx-api (Node) sends login twice when a request races the connect
        (docs/dev/foreign-clients.md); default True. False answers 60031 (inferred from its text).
        """
        return self._router.allow_repeated_login

    @allow_repeated_login.setter
    def allow_repeated_login(self, value: bool) -> None:
        self._router.allow_repeated_login = value

    # ------------------------------------------------------------------ lifecycle

    @property
    def ws_base_url(self) -> str:
        """``ws://host:port`` (``wss://`` with TLS): append ``/ws/v5/{public,private,business}``."""
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}"

    @property
    def rest_base_url(self) -> str:
        """``http://host:port`` (``https://`` with TLS)."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    async def start(self) -> None:
        """Bind and start serving (``port=0`` picks a free port; see :attr:`port`)."""
        if self._runner is not None:
            return
        app = web.Application(middlewares=[self._count_rest])
        app.router.add_get("/ws/v5/{kind}", self._ws_handler)
        add_rest_routes(app, self)
        ssl_ctx: ssl.SSLContext | None = None
        if self.tls:
            self._tmpdir = tempfile.mkdtemp(prefix="okxws-sim-tls-")
            files = make_tls_files(Path(self._tmpdir), (self.host, "localhost"))
            self.ca_file = str(files.ca_file)
            ssl_ctx = make_server_context(files)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, ssl_context=ssl_ctx)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self._feeds_task = asyncio.get_running_loop().create_task(self._feeds())
        log.info("simulator listening on %s", self.ws_base_url)

    async def close(self) -> None:
        """Stop serving; drops every connection. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._closing.set()  # ends every held REST answer and delayed execution
        await self.stop_market()
        task, self._book_task = self._book_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for handle in self._dead_man.values():
            handle.cancel()
        self._dead_man.clear()
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        task, self._feeds_task = self._feeds_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for conn in list(self._conns.values()):
            conn.abort()
            for t in list(conn.tasks):
                t.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        self.stats.changed()  # wake every waiter: it re-checks its predicate once more

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ market

    def start_market(self, interval: float) -> None:
        """Move the market (seeded random walk) every ``interval`` seconds until closed."""
        if self._market_task is None:
            self._market_task = asyncio.get_running_loop().create_task(self._market(interval))

    async def stop_market(self) -> None:
        """Stop the market task of :meth:`start_market` (if any) and wait for it."""
        task, self._market_task = self._market_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _market(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.tick_market()
            await self.flush_events()

    async def _feeds(self) -> None:
        while True:
            await asyncio.sleep(FEEDS_TICK_S)
            now = self.now_ms()
            self.engine.feeds.roll(now)
            await self._send_pushes(self._router.regular(now))
            await self.flush_events()

    def tick_market(self) -> None:
        """One market random-walk step (pushes go out on the next :meth:`flush_events`)."""
        self.engine.tick_market(self.now_ms())

    async def burst_book_updates(self, n: int) -> None:
        """Fault switch: move the market ``n`` times back to back and push every book update
        at once, ignoring the channels' intervals (a burst for a client to keep up with)."""
        for _ in range(n):
            self.tick_market()
            now = self.now_ms()
            events = self.engine.drain_events()
            await self._send_pushes(self._router.route(events, now, force_books=True))

    def _start_book_pump(self) -> None:
        if self._book_task is None and not self._closed:
            self._book_task = asyncio.get_running_loop().create_task(self._book_pump())

    async def _book_pump(self) -> None:
        """Send the book pushes that waited for their channel's interval, and heartbeats."""
        books = self._router.books
        while True:
            await asyncio.sleep(books.tick_s())
            if books.active:
                try:
                    pushes = books.publish(self.now_ms())
                except Exception:  # a bug must not silence every book for good
                    log.exception("book pump")
                    continue
                if pushes:
                    await self._send_pushes(pushes)

    async def flush_events(self) -> None:
        """Send the pushes for everything the engine did since the last flush."""
        events = self.engine.drain_events()
        if events:
            await self._send_pushes(self._router.route(events, self.now_ms()))

    async def _send_pushes(self, pushes: list[tuple[Subscriber, bytes]]) -> None:
        conns = self._conns
        now = asyncio.get_running_loop().time()
        for s, frame in pushes:
            conn = conns.get(s.conn_id)
            if conn is not None:
                # OKX closes a connection only when no data flowed for 30 s either way:
                # pushes keep a busy stream open (okx-protocol.md section 6).
                conn.last_traffic = now
                await conn.send(frame)

    # ------------------------------------------------------------------ server-owned timers

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def hold(self, seconds: float) -> bool:
        """Wait ``seconds`` (a REST fault switch); False if the simulator closed meanwhile."""
        if self._closed:
            return False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(seconds, 0.0)):
                await self._closing.wait()
        return not self._closed

    def cancel_all_after(self, uid: str, tag: str, seconds: int) -> int:
        """Arm (``seconds`` > 0) or disarm (0) ``uid``'s dead man's switch for ``tag``: when it
        fires, the account's pending order-book orders (with that tag, if any) are cancelled.
        Returns the trigger time in ms (0: disarmed).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-all-after
        """
        old = self._dead_man.pop((uid, tag), None)
        if old is not None:
            old.cancel()
        if seconds <= 0 or self._closed:
            return 0
        loop = asyncio.get_running_loop()
        wait = seconds * self.cancel_all_after_scale
        self._dead_man[(uid, tag)] = loop.call_later(wait, self._dead_man_fired, uid, tag)
        return self.now_ms() + int(wait * 1000)

    @property
    def cancel_all_after_armed(self) -> int:
        """How many cancel-all-after timers are armed (all are cancelled at close)."""
        return len(self._dead_man)

    def _dead_man_fired(self, uid: str, tag: str) -> None:
        self._dead_man.pop((uid, tag), None)
        self.engine.cancel_all(uid, self.now_ms(), tag)
        self._spawn(self.flush_events())
        self.stats.changed()

    async def _land_later(self, conn: _Conn, out: Reply) -> None:
        """A delayed execution (fault switch): runs even if its connection has gone."""
        await asyncio.sleep(out.delay)
        assert out.deferred is not None
        now = self.clock_us()
        frames = out.deferred(now)
        self.stats.changed()
        events = self.engine.drain_events()
        if conn.session.conn_id in self._conns:
            for frame in frames:
                await conn.send(frame)
        if events:
            await self._send_pushes(self._router.route(events, now // 1000))

    # ------------------------------------------------------------------ observation

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true, re-checking on every simulator state change.

        State changes: connections opening/closing, logins, every received request,
        subscriptions and REST calls. Raises :class:`TimeoutError` after ``timeout`` seconds.
        """
        await self.stats.wait_for(predicate, timeout)

    def connections(self, kind: str | None = None) -> list[Session]:
        """Live connections' sessions (``kind``: public/private/business or None for all)."""
        return [c.session for c in self._conns.values() if kind is None or c.kind == kind]

    def connection_count(self, kind: str | None = None) -> int:
        """How many WebSocket connections are open (of ``kind``)."""
        if kind is None:
            return len(self._conns)
        return sum(1 for c in self._conns.values() if c.kind == kind)

    @property
    def login_count(self) -> int:
        """Successful logins since start (all connections)."""
        return self.stats.login_count

    @property
    def ping_count(self) -> int:
        """Pings received since start: text ``ping`` and RFC 6455 control pings, answered or not."""
        return self.stats.ping_count

    def rest_count(self, path: str | None = None) -> int:
        """REST requests received (for ``path``, e.g. ``"/api/v5/public/instruments"``)."""
        return self.stats.rest_count(path)

    def last_op_args(self, op: str) -> list[Any]:
        """The ``args`` of the most recent WS request ``op`` (any connection).

        Raises :class:`LookupError` if no such request arrived.
        """
        return self.stats.last_op_args(op)

    def received_ops(self, kind: str | None = None) -> list[ReceivedOp]:
        """Every JSON request received (last 1000 connections), oldest connection first."""
        return self.stats.received_ops(kind)

    # ------------------------------------------------------------------ faults needing I/O

    async def drop_connections(self, kind: str | None = None, *, abrupt: bool = True) -> int:
        """Drop the live connections (of ``kind``) now; returns how many.

        ``abrupt``: abort the TCP connection with no close frame (what OKX did after 64008
        notices, okx-protocol.md 11a.3 #7); else a 1001 close frame.
        """
        conns = [c for c in self._conns.values() if kind is None or c.kind == kind]
        if abrupt:
            for c in conns:
                c.abort()
        else:
            await asyncio.gather(*(self._close(c, 1001, "Going away") for c in conns))
        return len(conns)

    async def broadcast_notice(self, kind: str | None = None) -> int:
        """Send the 64008 service-upgrade notice to the live connections (of ``kind``)."""
        conns = [c for c in self._conns.values() if kind is None or c.kind == kind]
        for c in conns:
            await c.send(notice_frame(c.session.conn_id))
        return len(conns)

    async def _close(self, conn: _Conn, code: int, reason: str) -> None:
        try:
            await conn.ws.close(code=code, message=reason.encode())
        except (ConnectionError, RuntimeError):
            conn.abort()

    @web.middleware
    async def _count_rest(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        path = request.path
        if path.startswith("/api/"):
            self.stats.count_rest(path)
        return await handler(request)

    # ------------------------------------------------------------------ WebSocket

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        kind = request.match_info["kind"]
        if kind not in CONN_KINDS:
            raise web.HTTPNotFound()
        ws = web.WebSocketResponse(
            autoping=False, compress=False, decode_text=False, timeout=2.0, max_msg_size=1 << 20
        )
        try:
            await ws.prepare(request)
        except ConnectionResetError:
            # The client left during the handshake: nothing to serve. Not the unprepared ws
            # (aiohttp would close it and log "Call .prepare() first"); a plain answer, which
            # aiohttp drops quietly on the closed connection.
            return web.Response(status=400, text="the client left during the handshake")
        session = Session(self._ctx, kind)
        transport = request.transport
        conn = _Conn(ws, session, transport)
        self._conns[session.conn_id] = conn
        loop = asyncio.get_running_loop()
        conn.last_traffic = loop.time()
        if self.idle_timeout > 0:
            conn.idle_handle = loop.call_later(self.idle_timeout, self._idle_check, conn)
        self.stats.connection_opened(session)
        try:
            await self._serve(conn, loop)
        finally:
            if conn.idle_handle is not None:
                conn.idle_handle.cancel()
            for t in list(conn.tasks):
                t.cancel()
            if conn.tasks:
                await asyncio.gather(*conn.tasks, return_exceptions=True)
            self._conns.pop(session.conn_id, None)
            self._router.remove(session)
            self.limits.connection_closed(session.conn_id)
            self.stats.changed()
        return ws

    async def _serve(self, conn: _Conn, loop: asyncio.AbstractEventLoop) -> None:
        ws = conn.ws
        session = conn.session
        engine = self.engine
        faults = self.faults
        clock = self.clock_us
        while True:
            msg = await ws.receive()
            mtype = msg.type
            if mtype is WSMsgType.TEXT or mtype is WSMsgType.BINARY:
                conn.last_traffic = loop.time()
                now = clock()
                out = session.handle(msg.data, now)
                if self._book_task is None and self._router.books.active:
                    self._start_book_pump()
                # Drain before any await so this op's pushes follow its own reply.
                events = engine.drain_events()
                if out.drop is not None:
                    if out.drop:
                        conn.abort()
                    else:
                        await self._close(conn, 1001, "Going away")
                    if events:
                        await self._send_pushes(self._router.route(events, now // 1000))
                    return
                if out.deferred is not None:
                    self._spawn(self._land_later(conn, out))
                elif out.frames:
                    if out.delay > 0:
                        conn.spawn(self._send_later(conn, out.frames, out.delay))
                    else:
                        for frame in out.frames:
                            await ws.send_frame(frame, _TEXT)
                if events:
                    await self._send_pushes(self._router.route(events, now // 1000))
            elif mtype is WSMsgType.PING:
                conn.last_traffic = loop.time()
                self.stats.count_ping()
                if faults.answer_pings:
                    await ws.pong(msg.data)
            elif mtype is WSMsgType.PONG:
                conn.last_traffic = loop.time()
            else:  # CLOSE / CLOSING / CLOSED / ERROR
                if mtype is WSMsgType.CLOSE:
                    await ws.close()
                return

    async def _send_later(self, conn: _Conn, frames: tuple[bytes, ...], delay: float) -> None:
        await asyncio.sleep(delay)
        for frame in frames:
            await conn.send(frame)

    def _idle_check(self, conn: _Conn) -> None:
        loop = asyncio.get_running_loop()
        remaining = conn.last_traffic + self.idle_timeout - loop.time()
        if remaining > 0:
            conn.idle_handle = loop.call_later(remaining, self._idle_check, conn)
            return
        conn.idle_handle = None
        conn.spawn(self._close(conn, IDLE_CLOSE_CODE, IDLE_CLOSE_REASON))
