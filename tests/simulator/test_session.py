"""The pure session: frames in, frames out, no sockets."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from okxws.protocol.auth import login_signature
from okxws.protocol.endpoints import ConnKind
from okxws.simulator.router import SimApiKey
from okxws.simulator.session import NO_REPLY, Session, SessionContext

from .conftest import order_args

NOW_US = 1_700_000_000_000_000


def make(kind: ConnKind = "private") -> tuple[SessionContext, Session]:
    ctx = SessionContext.new(0, lambda: NOW_US + 5)
    ctx.router.api_keys["k"] = SimApiKey("k", "s", "p", "42")
    ctx.engine.create_account("42")
    return ctx, Session(ctx, kind)


def login_msg(ts: str | int = str(NOW_US // 1_000_000), **kw: Any) -> bytes:
    arg = {"apiKey": "k", "passphrase": "p", "timestamp": ts, "sign": login_signature("s", str(ts))}
    arg.update(kw)
    return orjson.dumps({"op": "login", "args": [arg]})


def frames(s: Session, raw: bytes | str) -> list[dict[str, Any]]:
    return [orjson.loads(f) for f in s.handle(raw, NOW_US).frames]


def test_ping_pong_and_disabled_pings() -> None:
    ctx, s = make()
    assert s.handle("ping", NOW_US).frames == (b"pong",)
    ctx.faults.answer_pings = False
    assert s.handle(b"ping", NOW_US) is NO_REPLY
    assert ctx.stats.ping_count == 2


def test_login_ok_key_order_and_numeric_timestamp() -> None:
    _, s = make()
    out = s.handle(login_msg(NOW_US // 1_000_000), NOW_US).frames
    assert out[0].startswith(b'{"event":"login","msg":"","code":"0","connId":"')
    assert s.account is not None


def test_login_failures() -> None:
    cases = [
        (login_msg("abc"), "60004"),
        (login_msg(str(NOW_US // 1000)), "60006"),  # milliseconds
        (login_msg(apiKey="nope"), "60032"),
        (login_msg(passphrase="bad"), "60024"),
        (login_msg(sign="bad"), "60007"),
    ]
    for raw, code in cases:
        _, s = make()
        (f,) = frames(s, raw)
        assert (f["event"], f["code"]) == ("error", code)
        assert list(f) == ["event", "msg", "code", "connId"]
        assert s.account is None


def test_repeated_login_accepted_by_default_60031_when_strict() -> None:
    ctx, s = make()
    frames(s, login_msg())
    assert frames(s, login_msg())[0]["code"] == "0"  # okx-api may log in twice
    ctx.router.allow_repeated_login = False
    assert frames(s, login_msg())[0]["code"] == "60031"
    assert ctx.stats.login_count == 1


def test_illegal_request_echoes_raw_text() -> None:
    _, s = make()
    raw = '{"op": "subscribe", "args": ["spot/account:USDT"]}'
    (f,) = frames(s, raw)
    assert f == {
        "event": "error",
        "msg": "Illegal request: " + raw,
        "code": "60012",
        "connId": s.conn_id,
    }
    for bad in (
        "not json",
        "[1]",
        '{"args":[]}',
        '{"op":"order","args":{}}',
        '{"op":"order","args":[],"bogus":1}',
    ):
        assert frames(s, bad)[0]["code"] == "60012"


def test_op_before_login_is_idless_60011() -> None:
    _, s = make()
    (f,) = frames(s, '{"id":"1","op":"order","args":[{}]}')
    assert f == {"event": "error", "msg": "Please log in", "code": "60011", "connId": s.conn_id}


def test_order_reply_shape() -> None:
    _, s = make()
    frames(s, login_msg())
    req = {"id": "a1", "op": "order", "args": [order_args()]}
    (f,) = frames(s, orjson.dumps(req))
    assert list(f) == ["id", "op", "code", "msg", "data", "inTime", "outTime"]
    assert f["code"] == "0" and f["inTime"] == str(NOW_US) and f["outTime"] == str(NOW_US + 5)
    assert f["data"][0]["sMsg"] == "Order successfully placed."


def test_unknown_op_60019() -> None:
    _, s = make()
    (f,) = frames(s, '{"id":"x","op":"frobnicate","args":[]}')
    assert (f["code"], f["msg"], f["id"]) == ("60019", "Invalid op: frobnicate", "x")


def test_subscribe_flood_60014() -> None:
    ctx, s = make("public")
    ctx.limits.set_limit("control", 2)  # the per-connection login/subscribe budget
    sub = '{"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]}'
    assert frames(s, sub)[0]["event"] == "subscribe"
    assert frames(s, sub)[0]["event"] == "subscribe"
    f = frames(s, sub)[0]
    assert (f["event"], f["msg"], f["code"]) == ("error", "Requests too frequent", "60014")


def test_replies_are_immutable() -> None:
    _, s = make()
    reply = s.handle("ping", NOW_US)
    with pytest.raises(AttributeError):
        reply.delay = 1.0  # type: ignore[misc]
    assert NO_REPLY.frames == () and NO_REPLY.drop is None


def test_channels_on_the_wrong_url_and_before_login() -> None:
    _, pub = make("public")
    _, biz = make("business")
    _, prv = make("private")
    sub = '{"op":"subscribe","args":[{"channel":"%s"}]}'
    assert frames(pub, sub % "sprd-orders")[0]["code"] == "64001"
    assert frames(biz, sub % "tickers")[0]["code"] == "64002"
    assert frames(prv, sub % "tickers")[0]["code"] == "60018"
    assert frames(pub, sub % "trades")[0]["code"] == "60018"  # served by OKX, not simulated
    assert frames(prv, sub % "account")[0]["code"] == "60011"


def test_market_subscribe_acks_then_snapshot() -> None:
    _, s = make("public")
    ack, snap = frames(
        s, '{"id":"7","op":"subscribe","args":[{"channel":"books5","instId":"BTC-USDT"}]}'
    )
    arg = {"channel": "books5", "instId": "BTC-USDT"}
    assert ack == {"id": "7", "event": "subscribe", "arg": arg, "connId": s.conn_id}
    assert snap["arg"] == ack["arg"] and len(snap["data"][0]["asks"]) == 5
