"""Server-role OKX WebSocket protocol: one :class:`Session` per connection, no I/O.

A session takes one received text frame and the current time and returns an :class:`Outcome`
(frames to send, an optional delay, a close or drop). Pushes caused by an op are produced by
:meth:`Hub.route`, which the server calls after sending the op's reply, so on one connection
the op response always precedes the pushes it caused (okx-protocol.md section 9.6 leaves this
open; replying first is what a client matching by id finds least surprising).

Shapes follow the recorded frames in okx-protocol.md section 11a: events are keyed
``event, msg, code, connId``; op responses ``id, op, code, msg, data, inTime, outTime``.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from okxws.protocol.auth import login_signature
from okxws.protocol.channels import channel_conn_kind
from okxws.protocol.codec import ClientFrameKind, decode_client_frame, encode
from okxws.protocol.endpoints import ConnKind
from okxws.protocol.exceptions import OkxDecodeError
from okxws.protocol.ops import OPS, OpSpec, is_valid_request_id

from .dispatch import execute_op, fail_all
from .engine import Engine, Event, MarketEvent, OrderEvent
from .faults import FaultKind, FaultRule, Faults
from .instruments import instrument_by_id
from .render import error_text

__all__ = [
    "CONN_COUNT_CHANNELS",
    "Account",
    "Hub",
    "Outcome",
    "ReceivedOp",
    "Session",
    "notice_frame",
]

PONG_BYTES: Final = b"pong"
#: Private channels with the per-sub-account connection cap (okx-protocol.md section 5.3).
CONN_COUNT_CHANNELS: Final = frozenset(
    {"orders", "account", "positions", "balance_and_position", "liquidation-warning",
     "account-greeks"}
)  # fmt: skip
MAX_CONN_PER_CHANNEL: Final = 30
LOGIN_WINDOW_S: Final = 30.0

_PUBLIC_CHANNELS: Final = frozenset({"tickers", "books5"})
_PRIVATE_CHANNELS: Final = frozenset({"orders", "account", "positions", "balance_and_position"})
_BUSINESS_CHANNELS: Final = frozenset({"sprd-orders"})
_ORDERS_INST_TYPES: Final = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION", "ANY"})
_REQUEST_KEYS: Final = frozenset({"id", "op", "args", "expTime"})
_TRADING_KINDS: Final = frozenset(
    {FaultKind.REJECT, FaultKind.FAIL_ITEMS, FaultKind.ILLEGAL, FaultKind.RATE_LIMIT,
     FaultKind.WITHHOLD, FaultKind.TOO_FREQUENT}
)  # fmt: skip
_DROP: Final = frozenset({FaultKind.DROP})
_LOGIN_FAULTS: Final = frozenset({FaultKind.FAIL_LOGIN, FaultKind.WITHHOLD, FaultKind.ILLEGAL})
_SUB_FAULTS: Final = frozenset({FaultKind.TOO_FREQUENT, FaultKind.WITHHOLD, FaultKind.ILLEGAL})

_NOT_EXIST: Final = (
    "Wrong URL or channel:{},{}:{} doesn't exist. "
    "Please use the correct URL, channel and parameters referring to API document."
)


@dataclass(frozen=True, slots=True)
class Account:
    """One API key of the simulated exchange and the engine account (``uid``) behind it."""

    api_key: str
    api_secret: str = field(repr=False)
    api_pass: str = field(repr=False)
    uid: str


@dataclass(frozen=True, slots=True)
class ReceivedOp:
    """One JSON request a connection received (for tests to observe)."""

    op: str
    id: str | None
    t_us: int
    #: The request's ``args`` as received (not copied).
    args: list[Any] = field(default_factory=list, compare=False)


@dataclass(slots=True)
class Outcome:
    """What the server must do after a frame: send ``frames`` (after ``delay`` s), then close.

    ``close``: a close frame ``(code, reason)``; ``drop``: True aborts the transport without a
    close frame, False closes with 1001.
    """

    frames: list[bytes] = field(default_factory=list)
    delay: float = 0.0
    drop: bool | None = None
    close: tuple[int, str] | None = None


_EMPTY: Final = Outcome()


def _event(event: str, msg: str, code: str, conn_id: str, rid: str | None = None) -> bytes:
    if rid is None:
        return encode({"event": event, "msg": msg, "code": code, "connId": conn_id})
    return encode({"id": rid, "event": event, "msg": msg, "code": code, "connId": conn_id})


class Hub:
    """State shared by every session of one simulator: accounts, engine, faults, routing.

    ``clock_us`` returns server time in Unix microseconds (already shifted by any test offset).
    """

    def __init__(self, engine: Engine, faults: Faults, clock_us: Callable[[], int]) -> None:
        self.engine = engine
        self.faults = faults
        self.clock_us = clock_us
        self.accounts: dict[str, Account] = {}
        # okx-api (Node) may send its login twice on one socket; OKX evidently accepts a
        # repeat of the same key (docs/dev/foreign-clients.md), so the default does too.
        self.allow_repeated_login = True
        self.login_count = 0
        self.ping_count = 0
        self.sessions: dict[str, Session] = {}
        self._by_uid: dict[str, list[Session]] = {}
        self._market: dict[tuple[str, str], list[tuple[Session, dict[str, Any]]]] = {}
        self._conn_count: dict[tuple[str, str], set[str]] = {}
        self.on_change: Callable[[], None] = _noop

    # ------------------------------------------------------------------ bookkeeping

    def new_conn_id(self) -> str:
        while True:
            cid = secrets.token_hex(4)
            if cid not in self.sessions:
                return cid

    def _logged_in(self, s: Session) -> None:
        assert s.account is not None
        self._by_uid.setdefault(s.account.uid, []).append(s)
        self.login_count += 1

    def remove(self, s: Session) -> None:
        """Forget a closed session's subscriptions and login."""
        self.sessions.pop(s.conn_id, None)
        if s.account is not None:
            lst = self._by_uid.get(s.account.uid)
            if lst and s in lst:
                lst.remove(s)
            for key in [k for k, v in self._conn_count.items() if s.conn_id in v]:
                self._conn_count[key].discard(s.conn_id)
        for key, subs in self._market.items():
            if any(x[0] is s for x in subs):
                self._market[key] = [x for x in subs if x[0] is not s]
        self.on_change()

    def conn_count(self, uid: str, channel: str, conn_id: str, add: bool) -> int:
        conns = self._conn_count.setdefault((uid, channel), set())
        if add:
            conns.add(conn_id)
        else:
            conns.discard(conn_id)
        return len(conns)

    def add_market_sub(self, s: Session, channel: str, inst_id: str, arg: dict[str, Any]) -> None:
        self._market.setdefault((channel, inst_id), []).append((s, arg))

    def remove_market_sub(self, s: Session, channel: str, inst_id: str) -> None:
        subs = self._market.get((channel, inst_id))
        if subs:
            self._market[(channel, inst_id)] = [x for x in subs if x[0] is not s]

    # ------------------------------------------------------------------ pushes

    def route(self, events: Iterable[Event], now_ms: int) -> list[tuple[Session, bytes]]:
        """Render engine events as pushes: ``(session, frame)`` in the order to send them."""
        out: list[tuple[Session, bytes]] = []
        for ev in events:
            if isinstance(ev, MarketEvent):
                self._route_market(ev.inst_id, now_ms, out)
                continue
            sessions = self._by_uid.get(ev.uid)
            if not sessions:
                continue
            if isinstance(ev, OrderEvent):
                for s in sessions:
                    for arg in s.subs.get(ev.channel, ()):
                        if _order_matches(arg, ev):
                            out.append((s, encode({"arg": {**arg, "uid": ev.uid},
                                                   "data": [ev.data]})))  # fmt: skip
            else:
                frame: bytes | None = None
                for s in sessions:
                    if s.subs.get("account"):
                        if frame is None:
                            frame = account_push(ev.uid, ev.data, "event_update")
                        out.append((s, frame))
        return out

    def _route_market(self, inst_id: str, now_ms: int, out: list[tuple[Session, bytes]]) -> None:
        subs = self._market.get(("tickers", inst_id))
        if subs:
            data = self.engine.ticker(inst_id, now_ms)
            for s, arg in subs:
                out.append((s, encode({"arg": arg, "data": [data]})))
        subs = self._market.get(("books5", inst_id))
        if subs:
            data = self.engine.books5(inst_id, now_ms)
            for s, arg in subs:
                out.append((s, encode({"arg": arg, "data": [data]})))


def _noop() -> None:
    return None


def account_push(uid: str, data: dict[str, Any], event_type: str) -> bytes:
    """An ``account`` push (https://www.okx.com/docs-v5/en/#trading-account-websocket-account-channel)."""
    return encode(
        {
            "arg": {"channel": "account", "uid": uid},
            "eventType": event_type,
            "curPage": 1,
            "lastPage": True,
            "data": [data],
        }
    )


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


class Session:
    """The server side of one WebSocket connection to ``/ws/v5/{kind}``."""

    def __init__(self, hub: Hub, kind: ConnKind, conn_id: str | None = None) -> None:
        self.hub = hub
        self.kind: ConnKind = kind
        self.conn_id = conn_id or hub.new_conn_id()
        self.account: Account | None = None
        self.subs: dict[str, list[dict[str, Any]]] = {}
        self.received: deque[ReceivedOp] = deque(maxlen=10_000)
        self._sub_times: deque[float] = deque()
        hub.sessions[self.conn_id] = self

    # ------------------------------------------------------------------ entry point

    def handle(self, raw: bytes | str, now_us: int) -> Outcome:
        """Process one text frame received at ``now_us`` (Unix µs, server clock)."""
        if raw == b"ping" or raw == "ping":
            self.hub.ping_count += 1
            self.hub.on_change()
            return Outcome([PONG_BYTES]) if self.hub.faults.answer_pings else _EMPTY
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
        self.hub.on_change()
        faults = self.hub.faults
        if faults.armed:
            rule = faults.take(_DROP, op, op in OPS)
            if rule is not None and not (rule.execute and frame.kind is ClientFrameKind.OP):
                return Outcome(drop=rule.abrupt)
            if rule is not None:
                self._op(msg, op, raw, now_us, None)
                return Outcome(drop=rule.abrupt)
        if not isinstance(msg.get("args"), list) or not msg.keys() <= _REQUEST_KEYS:
            return self._illegal(raw)
        if frame.kind is ClientFrameKind.LOGIN:
            return self._login(msg, raw, now_us)
        if frame.kind is ClientFrameKind.OP:
            return self._op(msg, op, raw, now_us, self._take(op) if faults.armed else None)
        return self._subscribe(msg, raw, now_us, frame.kind is ClientFrameKind.SUBSCRIBE)

    def _take(self, op: str) -> FaultRule | None:
        return self.hub.faults.take(_TRADING_KINDS, op, op in OPS)

    def _illegal(self, raw: bytes | str) -> Outcome:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        return Outcome([_event("error", "Illegal request: " + text, "60012", self.conn_id)])

    def _error(self, code: str, rid: str | None = None, msg: str | None = None) -> Outcome:
        text = error_text(code) if msg is None else msg
        return Outcome([_event("error", text, code, self.conn_id, rid)])

    # ------------------------------------------------------------------ login

    def _login(self, msg: dict[str, Any], raw: bytes | str, now_us: int) -> Outcome:
        """https://www.okx.com/docs-v5/en/#overview-websocket-login (okx-protocol.md section 2)."""
        rid = msg.get("id") if is_valid_request_id(msg.get("id")) else None
        faults = self.hub.faults
        if faults.armed:
            rule = faults.take(_LOGIN_FAULTS, "login", False)
            if rule is not None:
                if rule.kind is FaultKind.WITHHOLD:
                    return _EMPTY
                if rule.kind is FaultKind.ILLEGAL:
                    return self._illegal(raw)
                return self._error(rule.code, rid)
        if self._too_frequent(now_us):
            return self._error("60014", rid)
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
        account = self.hub.accounts.get(api_key)
        if account is None:
            return self._error("60032", rid)
        if passphrase != account.api_pass:
            return self._error("60024", rid)
        ts_text = ts if isinstance(ts, str) else str(ts)
        if not isinstance(sign, str) or sign != login_signature(account.api_secret, ts_text):
            return self._error("60007", rid)
        if self.account is not None:
            if not (self.hub.allow_repeated_login and self.account.api_key == api_key):
                return self._error("60031", rid)
        else:
            self.account = account
            self.hub._logged_in(self)
        self.hub.on_change()
        return Outcome([_event("login", "", "0", self.conn_id, rid)])

    def _too_frequent(self, now_us: int) -> bool:
        faults = self.hub.faults
        now = now_us / 1e6
        q = self._sub_times
        while q and q[0] <= now - faults.subscribe_window:
            q.popleft()
        if len(q) >= faults.max_subscribe_requests:
            return True
        q.append(now)
        return False

    # ------------------------------------------------------------------ subscribe

    def _subscribe(self, msg: dict[str, Any], raw: bytes | str, now_us: int, sub: bool) -> Outcome:
        """https://www.okx.com/docs-v5/en/#overview-websocket-subscribe (section 5)."""
        rid_v = msg.get("id")
        if rid_v is not None and not is_valid_request_id(rid_v):
            return self._illegal(raw)
        rid: str | None = rid_v
        op = "subscribe" if sub else "unsubscribe"
        faults = self.hub.faults
        if faults.armed:
            rule = faults.take(_SUB_FAULTS, op, False)
            if rule is not None:
                if rule.kind is FaultKind.WITHHOLD:
                    return _EMPTY
                if rule.kind is FaultKind.ILLEGAL:
                    return self._illegal(raw)
                return self._error("60014", rid)
        if self._too_frequent(now_us):
            return self._error("60014", rid)
        args = msg["args"]
        if not args or not all(isinstance(a, dict) and isinstance(a.get("channel"), str)
                               for a in args):  # fmt: skip
            return self._illegal(raw)
        out = Outcome()
        now_ms = now_us // 1000
        for arg in args:
            err = self._check_channel(arg)
            if err is not None:
                out.frames.append(_event("error", err[1], err[0], self.conn_id, rid))
                continue
            if sub:
                self._add_sub(arg, rid, now_ms, out.frames)
            else:
                self._remove_sub(arg)
                ack: dict[str, Any] = {"event": "unsubscribe", "arg": arg, "connId": self.conn_id}
                out.frames.append(encode({"id": rid, **ack} if rid is not None else ack))
        self.hub.on_change()
        return out

    def _check_channel(self, arg: dict[str, Any]) -> tuple[str, str] | None:
        ch: str = arg["channel"]
        home = channel_conn_kind(ch)
        known = ch in _PUBLIC_CHANNELS or ch in _PRIVATE_CHANNELS or ch in _BUSINESS_CHANNELS
        if home != self.kind:
            if home == "business":
                return "64001", error_text("64001")
            if self.kind == "business":
                return "64002", error_text("64002")
            return "60018", _not_exist(arg)
        if not known:
            return "60018", _not_exist(arg)
        if home != "public" and self.account is None:
            return "60011", error_text("60011")
        if ch in _PUBLIC_CHANNELS:
            iid = arg.get("instId")
            if not isinstance(iid, str) or instrument_by_id(iid) is None:
                return "60018", _not_exist(arg)
        elif ch == "orders":
            if arg.get("instType") not in _ORDERS_INST_TYPES:
                return "60018", _not_exist(arg)
            iid = arg.get("instId")
            if iid is not None and (not isinstance(iid, str) or instrument_by_id(iid) is None):
                return "60018", _not_exist(arg)
        return None

    def _add_sub(
        self, arg: dict[str, Any], rid: str | None, now_ms: int, frames: list[bytes]
    ) -> None:
        ch: str = arg["channel"]
        ack: dict[str, Any] = {"event": "subscribe", "arg": arg, "connId": self.conn_id}
        frames.append(encode({"id": rid, **ack} if rid is not None else ack))
        lst = self.subs.setdefault(ch, [])
        fresh = arg not in lst
        if ch in CONN_COUNT_CHANNELS:
            assert self.account is not None
            n = self.hub.conn_count(self.account.uid, ch, self.conn_id, True)
            if n > MAX_CONN_PER_CHANNEL:
                self.hub.conn_count(self.account.uid, ch, self.conn_id, False)
                frames.append(encode({"event": "channel-conn-count-error", "channel": ch,
                                      "connCount": str(MAX_CONN_PER_CHANNEL),
                                      "connId": self.conn_id}))  # fmt: skip
                return
            frames.append(encode({"event": "channel-conn-count", "channel": ch,
                                  "connCount": str(n), "connId": self.conn_id}))  # fmt: skip
        if fresh:
            lst.append(arg)
        engine = self.hub.engine
        if ch in _PUBLIC_CHANNELS:
            iid: str = arg["instId"]
            if fresh:
                self.hub.add_market_sub(self, ch, iid, arg)
            data = engine.ticker(iid, now_ms) if ch == "tickers" else engine.books5(iid, now_ms)
            frames.append(encode({"arg": arg, "data": [data]}))
        elif ch == "account":
            assert self.account is not None
            frames.append(account_push(self.account.uid, engine.balance(self.account.uid),
                                       "snapshot"))  # fmt: skip

    def _remove_sub(self, arg: dict[str, Any]) -> None:
        ch: str = arg["channel"]
        lst = self.subs.get(ch)
        if not lst or arg not in lst:
            return
        lst.remove(arg)
        if ch in _PUBLIC_CHANNELS:
            self.hub.remove_market_sub(self, ch, arg["instId"])
        if not lst and ch in CONN_COUNT_CHANNELS and self.account is not None:
            self.hub.conn_count(self.account.uid, ch, self.conn_id, False)

    # ------------------------------------------------------------------ WS API ops

    def _op(
        self,
        msg: dict[str, Any],
        op: str,
        raw: bytes | str,
        now_us: int,
        rule: FaultRule | None,
    ) -> Outcome:
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
            return self._reply(rid, op, "60028", error_text("60028"), [], now_us)
        args: list[Any] = msg["args"]
        if not all(isinstance(a, dict) for a in args):
            return self._illegal(raw)
        if rule is not None:
            out = self._fault_reply(rule, rid, op, spec, args, raw, now_us)
            if out is not None:
                return out
        if not args or len(args) > spec.max_items:
            # Batch over 20: the gateway's "Invalid args" (REST has 51111; section 11 q4).
            return self._reply(rid, op, "60013", error_text("60013"), [], now_us)
        now_ms = now_us // 1000
        if spec.supports_exp_time and "expTime" in msg:
            exp = msg["expTime"]
            try:
                exp_ms = int(exp) if not isinstance(exp, bool) else None
            except (TypeError, ValueError):
                exp_ms = None
            if exp_ms is None:
                return self._reply(rid, op, "60013", error_text("60013"), [], now_us)
            if now_ms > exp_ms:
                return self._reply(rid, op, "1", "", fail_all(spec, args, "50036", now_ms), now_us)
        assert self.account is not None
        fail = rule.items if rule is not None and rule.kind is FaultKind.FAIL_ITEMS else None
        code, text, data = execute_op(
            self.hub.engine, self.account.uid, spec, args, now_ms, fail_items=fail
        )
        out = self._reply(rid, op, code, text, data, now_us)
        if rule is not None and rule.kind is FaultKind.WITHHOLD:
            out.frames.clear()
            return out
        out.delay = self.hub.faults.delay_for(op)
        return out

    def _fault_reply(
        self,
        rule: FaultRule,
        rid: str,
        op: str,
        spec: OpSpec[Any, Any],
        args: list[dict[str, Any]],
        raw: bytes | str,
        now_us: int,
    ) -> Outcome | None:
        if rule.kind is FaultKind.ILLEGAL:
            return self._illegal(raw)
        if rule.kind is FaultKind.TOO_FREQUENT:
            return self._reply(rid, op, "60014", error_text("60014"), [], now_us)
        if rule.kind in (FaultKind.REJECT, FaultKind.RATE_LIMIT):
            code = rule.code
            if not code.startswith("5") or spec.action == "mass_cancel":
                return self._reply(rid, op, code, error_text(code), [], now_us)
            return self._reply(rid, op, "1", "", fail_all(spec, args, code, now_us // 1000), now_us)
        return None

    def _reply(
        self, rid: str, op: str, code: str, msg: str, data: list[dict[str, Any]], now_us: int
    ) -> Outcome:
        out_us = self.hub.clock_us()
        return Outcome(
            [
                encode(
                    {"id": rid, "op": op, "code": code, "msg": msg, "data": data,
                     "inTime": str(now_us), "outTime": str(max(out_us, now_us))}
                )
            ]
        )  # fmt: skip


def _not_exist(arg: Mapping[str, Any]) -> str:
    ch = arg.get("channel", "")
    for key in ("instId", "instType", "instFamily", "sprdId", "ccy"):
        if key in arg:
            return _NOT_EXIST.format(ch, key, arg[key])
    return _NOT_EXIST.format(ch, "instId", "")


def notice_frame(conn_id: str) -> bytes:
    """The 64008 service-upgrade notice (https://www.okx.com/docs-v5/en/#overview-websocket-notification)."""
    return _event("notice", error_text("64008"), "64008", conn_id)
