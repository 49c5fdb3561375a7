"""An in-memory client <-> simulator pair: the client's sans-I/O ``ClientProtocol`` and the
simulator's sans-I/O ``Session``, wired byte for byte with no socket and no event loop.

Frame rules that involve both sides (what the simulator answers, and what the client makes of
it) are tested here in microseconds and deterministically; what needs a socket (keep-alive,
reconnects, TLS) is tested over real sockets elsewhere.
"""

from __future__ import annotations

from concurrent.futures import Future, InvalidStateError
from typing import Any

from okxws.protocol.auth import ApiCredentials, build_login_request
from okxws.protocol.client import ClientProtocol
from okxws.protocol.codec import encode
from okxws.simulator.router import SimApiKey
from okxws.simulator.session import Reply, Session, SessionContext

from .protocol.recording import Owner

CREDENTIALS = ApiCredentials("pair-key", "pair-secret", "pair-pass")
UID = "pair-uid"
#: The pair's clock (Unix µs): fixed unless a test moves it.
START_US = 1_767_225_600_000_000


class Pair:
    """One client connection of ``kind`` to one simulated exchange, in memory."""

    def __init__(self, kind: str = "private", seed: int = 7) -> None:
        self.now_us = START_US
        ctx = SessionContext.new(seed, lambda: self.now_us)
        self.engine, self.router, self.faults = ctx.engine, ctx.router, ctx.faults
        self.router.api_keys[CREDENTIALS.api_key] = SimApiKey(
            CREDENTIALS.api_key, CREDENTIALS.api_secret, CREDENTIALS.api_pass, UID
        )
        self.engine.create_account(UID)
        self.session = Session(ctx, kind)  # type: ignore[arg-type]  # a ConnKind literal
        self.owner = Owner()
        self.client = ClientProtocol(
            f"{kind}[0]", kind, self.owner, invalid_state=InvalidStateError
        )
        self._next_id = 0
        #: What the last frame made the server do (frames sent, drop or close).
        self.last_reply: Reply | None = None

    def deliver(self, raw: bytes) -> Reply:
        """Hand one client frame to the server; its answer and the pushes it caused (to this
        session) reach the client."""
        reply = self.session.handle(raw, self.now_us)
        self.last_reply = reply
        if reply.drop is None:
            for frame in reply.frames:
                self.client.receive(frame)
            events = self.engine.drain_events()
            for session, frame in self.router.route(events, self.now_us // 1000):
                if session is self.session:
                    self.client.receive(frame)
        return reply

    def login(self) -> dict[str, Any]:
        """Log in with the pair's key, signed as the client signs; the login event."""
        waiter: Future[Any] = Future()
        self.client.login_waiter = waiter
        self.deliver(encode(build_login_request(CREDENTIALS, self.now_us / 1e6)))
        result: dict[str, Any] = waiter.result(timeout=0)
        return result

    def request(
        self, op: str, args: list[Any], exp_time: str | None = None, acks: int = 1
    ) -> Future[Any]:
        """Send ``op`` as the client sends it; the future its caller would await."""
        self._next_id += 1
        rid = f"r{self._next_id}"
        msg: dict[str, Any] = {"id": rid, "op": op, "args": args}
        if exp_time is not None:
            msg["expTime"] = exp_time
        waiter: Future[Any] = Future()
        self.client.track(rid, waiter, op, args, exp_time, None, self.client.clock(), acks)
        self.deliver(encode(msg))
        return waiter
