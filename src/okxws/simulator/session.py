"""Server-role OKX WebSocket protocol: one :class:`Session` per connection, no I/O.

A session takes one received text frame and the current time and returns a :class:`Reply`
(frames to send, an optional delay, a drop). Pushes caused by an op are produced by
:meth:`Router.route <okxws.simulator.router.Router.route>`, which the server calls after
sending the op's reply, so on one connection the op response always precedes the pushes it
caused (okx-protocol.md section 9.6 leaves this open; replying first is what a client matching
by id finds least surprising).

Shapes follow the recorded frames in okx-protocol.md section 11a: events are keyed
``event, msg, code, connId``; op responses ``id, op, code, msg, data, inTime, outTime``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from okxws.protocol.auth import login_signature
from okxws.protocol.channels import channel_spec
from okxws.protocol.codec import ClientFrameKind, decode_client_frame
from okxws.protocol.endpoints import ConnKind
from okxws.protocol.exceptions import OkxDecodeError
from okxws.protocol.ops import OPS, OpSpec, is_valid_request_id

from . import render
from .dispatch import execute_op, fail_all
from .engine import Engine
from .faults import FaultKind, FaultRule, Faults
from .feeds import positions_push, private_push
from .instruments import instrument_by_id
from .limits import TOO_FREQUENT_CODE, SimLimits
from .market_books import SIM_BOOK_CHANNELS, book_arg_key, book_exists, entitlement_error
from .router import (
    CONN_COUNT_CHANNELS,
    FEEDS,
    MAX_CONN_PER_CHANNEL,
    SIM_CHANNELS,
    Router,
    SimApiKey,
    position_matches,
)
from .stats import ReceivedOp, SimulatorStats
from .unknown_outcomes import execute_faulted, landed_late, unknown_outcome_answer

__all__ = ["LOGIN_WINDOW_S", "NO_REPLY", "Reply", "Session", "SessionContext"]

PONG_BYTES: Final = b"pong"
LOGIN_WINDOW_S: Final = 30.0

_ORDERS_INST_TYPES: Final = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION", "ANY"})
#: The ``instType`` a subscription of these private channels requires.
_INST_TYPES: Final = {
    "orders": _ORDERS_INST_TYPES,
    "positions": frozenset({"MARGIN", "SWAP", "FUTURES", "OPTION", "EVENTS", "ANY"}),
}
_REQUEST_KEYS: Final = frozenset({"id", "op", "args", "expTime"})
_TRADING_FAULTS: Final = frozenset(
    {
        FaultKind.REJECT,
        FaultKind.FAIL_ITEMS,
        FaultKind.ILLEGAL,
        FaultKind.RATE_LIMIT,
        FaultKind.WITHHOLD,
        FaultKind.TOO_FREQUENT,
        FaultKind.UNKNOWN_OUTCOME,
        FaultKind.DELAY_EXECUTION,
    }
)
_DROP: Final = frozenset({FaultKind.DROP})
_LOGIN_FAULTS: Final = frozenset({FaultKind.FAIL_LOGIN, FaultKind.WITHHOLD, FaultKind.ILLEGAL})
_SUB_FAULTS: Final = frozenset({FaultKind.TOO_FREQUENT, FaultKind.WITHHOLD, FaultKind.ILLEGAL})


class Reply(NamedTuple):
    """What the server must do after a frame: send ``frames`` (after ``delay`` s).

    ``drop``: ``True`` aborts the transport without a close frame, ``False`` closes with 1001,
    ``None`` keeps the connection. ``deferred``: a delayed execution; the server calls it
    (with the time in µs) ``delay`` seconds later on a timer it owns and sends what it returns.
    """

    frames: tuple[bytes, ...] = ()
    delay: float = 0.0
    drop: bool | None = None
    deferred: Callable[[int], tuple[bytes, ...]] | None = None


#: Send nothing.
NO_REPLY: Final = Reply()
_PONG: Final = Reply((PONG_BYTES,))


@dataclass(frozen=True, slots=True)
class SessionContext:
    """What the sessions of one simulator share. ``clock_us``: server time in Unix µs (already
    shifted by any test offset). ``limits``: the rate-limit budgets, shared with REST."""

    engine: Engine
    router: Router
    faults: Faults
    stats: SimulatorStats
    clock_us: Callable[[], int]
    limits: SimLimits = field(default_factory=SimLimits)

    @classmethod
    def new(
        cls, seed: int, clock_us: Callable[[], int], limits: SimLimits | None = None
    ) -> SessionContext:
        """A fresh exchange (engine seeded with ``seed``) and what its sessions share; the
        engine renders only the pushes some session hears."""
        engine = Engine(seed)
        router = Router(engine)
        engine.audience = router.listens
        return cls(engine, router, Faults(), SimulatorStats(), clock_us, limits or SimLimits())


class Session:
    """The server side of one WebSocket connection to ``/ws/v5/{kind}``."""

    def __init__(self, ctx: SessionContext, kind: ConnKind, conn_id: str | None = None) -> None:
        self.ctx = ctx
        self.kind: ConnKind = kind
        self.conn_id = conn_id or ctx.router.new_conn_id()
        #: The API key this connection logged in with.
        self.account: SimApiKey | None = None
        self.subs: dict[str, list[dict[str, Any]]] = {}
        self.received: deque[ReceivedOp] = deque(maxlen=10_000)
        ctx.router.add(self)

    # ------------------------------------------------------------------ entry point

    def handle(self, raw: bytes | str, now_us: int) -> Reply:
        """Process one text frame received at ``now_us`` (Unix µs, server clock)."""
        ctx = self.ctx
        if raw == b"ping" or raw == "ping":
            ctx.stats.count_ping()
            return _PONG if ctx.faults.answer_pings else NO_REPLY
        try:
            frame = decode_client_frame(raw)
        except OkxDecodeError:
            return self._illegal(raw)
        msg = frame.msg
        op: str = msg["op"]
        rid = msg.get("id")
        args = msg.get("args")
        self.received.append(
            ReceivedOp(
                op,
                rid if isinstance(rid, str) else None,
                now_us,
                args if isinstance(args, list) else [],
            )
        )
        ctx.stats.changed()
        faults = ctx.faults
        if faults.armed:
            rule = faults.take(_DROP, op, op in OPS)
            if rule is not None and not (rule.execute and frame.kind is ClientFrameKind.OP):
                return Reply(drop=rule.abrupt)
            if rule is not None:
                self._op(msg, op, raw, now_us, None)
                return Reply(drop=rule.abrupt)
        if not isinstance(msg.get("args"), list) or not msg.keys() <= _REQUEST_KEYS:
            return self._illegal(raw)
        if frame.kind is ClientFrameKind.LOGIN:
            return self._login(msg, raw, now_us)
        if frame.kind is ClientFrameKind.OP:
            rule = faults.take(_TRADING_FAULTS, op, op in OPS) if faults.armed else None
            return self._op(msg, op, raw, now_us, rule)
        return self._subscribe(msg, raw, now_us, frame.kind is ClientFrameKind.SUBSCRIBE)

    def _illegal(self, raw: bytes | str) -> Reply:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        return Reply(
            (render.event_frame("error", "Illegal request: " + text, "60012", self.conn_id),)
        )

    def _error(self, code: str, rid: str | None = None, msg: str | None = None) -> Reply:
        text = render.error_text(code) if msg is None else msg
        return Reply((render.event_frame("error", text, code, self.conn_id, rid),))

    # ------------------------------------------------------------------ login

    def _login(self, msg: dict[str, Any], raw: bytes | str, now_us: int) -> Reply:
        """https://www.okx.com/docs-v5/en/#overview-websocket-login (okx-protocol.md section 2)."""
        rid = msg.get("id") if is_valid_request_id(msg.get("id")) else None
        faults = self.ctx.faults
        if faults.armed:
            rule = faults.take(_LOGIN_FAULTS, "login", False)
            if rule is not None:
                if rule.kind is FaultKind.WITHHOLD:
                    return NO_REPLY
                if rule.kind is FaultKind.ILLEGAL:
                    return self._illegal(raw)
                return self._error(rule.code, rid)
        if self.ctx.limits.refuse_control(self.conn_id, "login"):
            return self._error(TOO_FREQUENT_CODE, rid)
        args = msg["args"]
        if not args or not all(isinstance(a, dict) for a in args):
            return self._illegal(raw)
        if len(args) > 1:
            # Multi-account login was withdrawn in 2023 (section 2.4); 60031's text covers it.
            return self._error("60031", rid)
        arg: dict[str, Any] = args[0]
        api_key, passphrase, sign = arg.get("apiKey"), arg.get("passphrase"), arg.get("sign")
        ts = arg.get("timestamp")
        if isinstance(ts, bool) or not isinstance(ts, str | int | float):
            return self._error("60004", rid)
        try:
            ts_s = float(ts)
        except ValueError:
            return self._error("60004", rid)
        if abs(ts_s - now_us / 1e6) > LOGIN_WINDOW_S:
            return self._error("60006", rid)
        if not isinstance(api_key, str) or not api_key:
            return self._error("60005", rid)
        router = self.ctx.router
        account = router.api_keys.get(api_key)
        if account is None:
            return self._error("60032", rid)
        if passphrase != account.api_pass:
            return self._error("60024", rid)
        ts_text = ts if isinstance(ts, str) else str(ts)
        if not isinstance(sign, str) or sign != login_signature(account.api_secret, ts_text):
            return self._error("60007", rid)
        if self.account is not None:
            if not (router.allow_repeated_login and self.account.api_key == api_key):
                return self._error("60031", rid)
            self.ctx.stats.changed()
        else:
            self.account = account
            router.logged_in(self)
            self.ctx.stats.count_login()
        return Reply((render.event_frame("login", "", "0", self.conn_id, rid),))

    # ------------------------------------------------------------------ subscribe

    def _subscribe(self, msg: dict[str, Any], raw: bytes | str, now_us: int, sub: bool) -> Reply:
        """https://www.okx.com/docs-v5/en/#overview-websocket-subscribe (section 5)."""
        rid_v = msg.get("id")
        if rid_v is not None and not is_valid_request_id(rid_v):
            return self._illegal(raw)
        rid: str | None = rid_v
        op = "subscribe" if sub else "unsubscribe"
        faults = self.ctx.faults
        if faults.armed:
            rule = faults.take(_SUB_FAULTS, op, False)
            if rule is not None:
                if rule.kind is FaultKind.WITHHOLD:
                    return NO_REPLY
                if rule.kind is FaultKind.ILLEGAL:
                    return self._illegal(raw)
                return self._error("60014", rid)
        if self.ctx.limits.refuse_control(self.conn_id, op):
            return self._error(TOO_FREQUENT_CODE, rid)
        args = msg["args"]
        if not args or not all(
            isinstance(a, dict) and isinstance(a.get("channel"), str) for a in args
        ):
            return self._illegal(raw)
        frames: list[bytes] = []
        now_ms = now_us // 1000
        for arg in args:
            err = self._check_channel(arg)
            if err is not None:
                frames.append(render.event_frame("error", err[1], err[0], self.conn_id, rid))
            elif sub and (denied := self._book_denial(arg)) is not None:
                # OKX acks, then sends the id-less error (okx-streams-rest.md 1.1).
                frames.append(render.ack_frame("subscribe", arg, self.conn_id, rid))
                frames.append(render.event_frame("error", denied[1], denied[0], self.conn_id))
            elif sub:
                self._add_sub(arg, rid, now_ms, frames)
            else:
                self._remove_sub(arg)
                frames.append(render.ack_frame("unsubscribe", arg, self.conn_id, rid))
        self.ctx.stats.changed()
        return Reply(tuple(frames))

    def _check_channel(self, arg: dict[str, Any]) -> tuple[str, str] | None:
        """``(code, msg)`` if this connection cannot subscribe to ``arg`` (okx-protocol.md 5)."""
        ch: str = arg["channel"]
        spec = channel_spec(ch)
        home = spec.conn_kind
        if home != self.kind:
            if home == "business":
                return "64001", render.error_text("64001")
            if self.kind == "business":
                return "64002", render.error_text("64002")
            return "60018", render.not_exist_msg(arg)
        if ch not in SIM_CHANNELS:
            return "60018", render.not_exist_msg(arg)
        if spec.needs_login and self.account is None and spec.book is None:
            return "60011", render.error_text("60011")
        if spec.vip_tier and spec.book is None and self._vip_tier() < spec.vip_tier:
            return "64003", render.error_text("64003")  # the books ack first (_book_denial)
        feed = FEEDS.get(ch)
        if ch in SIM_BOOK_CHANNELS:
            if not book_exists(ch, arg.get(book_arg_key(ch))):
                return "60018", render.not_exist_msg(arg)
        elif feed is not None:
            key = arg.get(feed.key)
            if not isinstance(key, str) or not feed.exists(key):
                return "60018", render.not_exist_msg(arg)
        elif ch in _INST_TYPES or ch == "fills":
            if ch in _INST_TYPES and arg.get("instType") not in _INST_TYPES[ch]:
                return "60018", render.not_exist_msg(arg)
            iid = arg.get("instId")
            if iid is not None and (not isinstance(iid, str) or instrument_by_id(iid) is None):
                return "60018", render.not_exist_msg(arg)
        return None

    def _vip_tier(self) -> int:
        """The fee tier of the key this connection logged in with, as set now
        (``Simulator.set_vip_tier`` may change it after the login); 0 before a login."""
        account = self.account
        if account is None:
            return 0
        return self.ctx.router.api_keys.get(account.api_key, account).vip_tier

    def _book_denial(self, arg: dict[str, Any]) -> tuple[str, str] | None:
        """Why this connection may not have the order book ``arg`` (login, tier, conflict)."""
        ch: str = arg["channel"]
        if ch not in SIM_BOOK_CHANNELS:
            return None
        key_name = book_arg_key(ch)
        key = arg[key_name]
        account = self.account
        tier = self._vip_tier()

        def subscribed(other: str) -> bool:
            return any(a.get(key_name) == key for a in self.subs.get(other, ()))

        return entitlement_error(
            ch, key, logged_in=account is not None, tier=tier, subscribed=subscribed
        )

    def _add_sub(
        self, arg: dict[str, Any], rid: str | None, now_ms: int, frames: list[bytes]
    ) -> None:
        ch: str = arg["channel"]
        frames.append(render.ack_frame("subscribe", arg, self.conn_id, rid))
        lst = self.subs.setdefault(ch, [])
        fresh = arg not in lst
        router = self.ctx.router
        if ch in CONN_COUNT_CHANNELS:
            assert self.account is not None
            n = router.conn_count(self.account.uid, ch, self.conn_id, True)
            if n > MAX_CONN_PER_CHANNEL:
                router.conn_count(self.account.uid, ch, self.conn_id, False)
                frames.append(
                    render.conn_count_frame(
                        "channel-conn-count-error", ch, MAX_CONN_PER_CHANNEL, self.conn_id
                    )
                )
                return
            frames.append(render.conn_count_frame("channel-conn-count", ch, n, self.conn_id))
        if fresh:
            lst.append(arg)
        if ch in SIM_BOOK_CHANNELS:
            frames += router.books.add(self, arg, now_ms)
        elif ch in FEEDS:
            if fresh:
                router.add_market_sub(self, arg)
            snapshot = router.feed_snapshot(arg, now_ms)
            if snapshot is not None:
                frames.append(snapshot)
        elif ch == "account":
            assert self.account is not None
            uid = self.account.uid
            frames.append(render.account_push(uid, self.ctx.engine.balance(uid), "snapshot"))
        elif ch == "positions":
            assert self.account is not None
            uid = self.account.uid
            held = self.ctx.engine.positions_snapshot(uid, now_ms)
            items = [d for inst, d in held if position_matches(arg, inst)]
            frames.append(positions_push(arg, uid, items, True))
        elif ch == "balance_and_position":
            assert self.account is not None
            uid = self.account.uid
            data = self.ctx.engine.balance_and_position(uid, now_ms)
            frames.append(private_push(arg, uid, [data]))

    def _remove_sub(self, arg: dict[str, Any]) -> None:
        ch: str = arg["channel"]
        lst = self.subs.get(ch)
        if not lst or arg not in lst:
            return
        lst.remove(arg)
        router = self.ctx.router
        if ch in SIM_BOOK_CHANNELS:
            router.books.remove(self, arg)
        elif ch in FEEDS:
            router.remove_market_sub(self, arg)
        if not lst and ch in CONN_COUNT_CHANNELS and self.account is not None:
            router.conn_count(self.account.uid, ch, self.conn_id, False)

    # ------------------------------------------------------------------ WS API ops

    def _op(
        self,
        msg: dict[str, Any],
        op: str,
        raw: bytes | str,
        now_us: int,
        rule: FaultRule | None,
    ) -> Reply:
        """The 11 WS API ops (okx-protocol.md sections 3-4)."""
        spec = OPS.get(op)
        rid = msg.get("id")
        if spec is None:
            valid = rid if is_valid_request_id(rid) else None
            return self._error("60019", valid, f"Invalid op: {op}")
        if self.account is None:
            # Recorded: a generic error event without id/op (okx-protocol.md 11a.2 #2a).
            return self._error("60011")
        if not is_valid_request_id(rid) or not isinstance(msg.get("args"), list):
            return self._illegal(raw)
        assert isinstance(rid, str)
        if spec.conn_kind != self.kind:
            return self._reply(rid, op, "60028", render.error_text("60028"), [], now_us)
        args: list[Any] = msg["args"]
        if not all(isinstance(a, dict) for a in args):
            return self._illegal(raw)
        if rule is not None:
            out = self._fault_reply(rule, rid, spec, args, raw, now_us)
            if out is not None:
                return out
        if not args or len(args) > spec.max_items:
            # Batch over 20: the gateway's "Invalid args" (REST has 51111; section 11 q4).
            return self._reply(rid, op, "60013", render.error_text("60013"), [], now_us)
        now_ms = now_us // 1000
        exp_ms: int | None = None
        if spec.supports_exp_time and "expTime" in msg:
            exp = msg["expTime"]
            try:
                exp_ms = int(exp) if not isinstance(exp, bool) else None
            except (TypeError, ValueError):
                exp_ms = None
            if exp_ms is None:
                return self._reply(rid, op, "60013", render.error_text("60013"), [], now_us)
            if now_ms > exp_ms:
                return self._reply(rid, op, "1", "", fail_all(spec, args, "50036", now_ms), now_us)
        if rule is not None and rule.kind is FaultKind.DELAY_EXECUTION:
            return self._deferred(rule, rid, spec, args, exp_ms, now_us)
        fail = rule.items if rule is not None and rule.kind is FaultKind.FAIL_ITEMS else None
        limits = self.ctx.limits
        if limits.enabled:  # over a budget: refused, never executed (simulator/limits.py)
            uid = self.account.uid
            if limits.ws_reply == "top" or spec.action == "mass_cancel":
                refusal = limits.refuse_request(spec, args, uid, "ws")
                if refusal is not None:
                    return self._reply(rid, op, refusal, render.error_text(refusal), [], now_us)
            else:
                refused = limits.refuse_items(spec, args, uid, "ws")
                if refused:
                    fail = {**refused, **(fail or {})}
        code, text, data = execute_op(
            self.ctx.engine, self.account.uid, spec, args, now_ms, fail_items=fail
        )
        out = self._reply(rid, op, code, text, data, now_us)
        if rule is not None and rule.kind is FaultKind.WITHHOLD:
            return NO_REPLY
        delay = self.ctx.faults.delay_for(op)
        return Reply(out.frames, delay) if delay > 0 else out

    def _fault_reply(
        self,
        rule: FaultRule,
        rid: str,
        spec: OpSpec[Any, Any],
        args: list[dict[str, Any]],
        raw: bytes | str,
        now_us: int,
    ) -> Reply | None:
        op = spec.name
        if rule.kind is FaultKind.ILLEGAL:
            return self._illegal(raw)
        if rule.kind is FaultKind.TOO_FREQUENT:
            return self._reply(rid, op, "60014", render.error_text("60014"), [], now_us)
        if rule.kind in (FaultKind.REJECT, FaultKind.RATE_LIMIT):
            code = rule.code
            if not code.startswith("5") or spec.action == "mass_cancel":
                return self._reply(rid, op, code, render.error_text(code), [], now_us)
            return self._reply(rid, op, "1", "", fail_all(spec, args, code, now_us // 1000), now_us)
        if rule.kind is FaultKind.UNKNOWN_OUTCOME:
            assert self.account is not None
            now_ms = now_us // 1000
            execute_faulted(self.ctx.engine, self.account.uid, spec, args, now_ms, rule, rest=False)
            code, _, data, _ = unknown_outcome_answer(spec, args, rule.code, now_ms)
            text = "" if code == "1" else render.error_text(code)
            return self._reply(rid, op, code, text, data, now_us)
        return None

    def _deferred(
        self,
        rule: FaultRule,
        rid: str,
        spec: OpSpec[Any, Any],
        args: list[dict[str, Any]],
        exp_ms: int | None,
        now_us: int,
    ) -> Reply:
        """Execute ``rule.delay`` s from now (a fault switch): the server runs the returned
        callback on its own timer; it answers then unless the answer is withheld."""
        assert self.account is not None
        uid = self.account.uid

        def land(at_us: int) -> tuple[bytes, ...]:
            code, text, data = landed_late(
                self.ctx.engine, uid, spec, args, exp_ms, at_us // 1000, rest=False
            )
            if not rule.reply:
                return ()
            return self._reply(rid, spec.name, code, text, data, at_us).frames

        return Reply(delay=rule.delay, deferred=land)

    def _reply(
        self, rid: str, op: str, code: str, msg: str, data: list[dict[str, Any]], now_us: int
    ) -> Reply:
        out_us = max(self.ctx.clock_us(), now_us)
        return Reply((render.op_reply(rid, op, code, msg, data, now_us, out_us),))
