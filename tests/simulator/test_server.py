"""The simulator server over real sockets on 127.0.0.1: the WebSocket side (sessions, pushes,
idle close, drops), and every kind of reply decoded by okxws.protocol.codec."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import orjson
import pytest

from okxws.protocol.auth import ApiCredentials
from okxws.protocol.codec import FrameKind, decode
from okxws.simulator import Simulator

from .conftest import Client, connect, order_args, private


async def test_login_ok(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "private", params={"brokerId": "9999"})
    r = await c.login(sim.credentials)
    assert list(r) == ["event", "msg", "code", "connId"]
    assert r["event"] == "login" and r["code"] == "0" and len(r["connId"]) == 8
    await sim.wait_for(lambda: sim.login_count == 1)


@pytest.mark.parametrize(
    ("creds", "skew", "code", "msg"),
    [
        (None, 0.0, "0", ""),
        (ApiCredentials("nope", "s", "p"), 0.0, "60032", "API key doesn't exist"),
        ("pass", 0.0, "60024", "Wrong passphrase"),
        ("secret", 0.0, "60007", "Invalid sign"),
        (None, 31.0, "60006", "Timestamp request expired"),
        (None, -31.0, "60006", "Timestamp request expired"),
    ],
)
async def test_login_codes(
    sim: Simulator, http: aiohttp.ClientSession, creds: Any, skew: float, code: str, msg: str
) -> None:
    c = await connect(http, sim, "private")
    if creds == "pass":
        creds = ApiCredentials(sim.api_key, sim.api_secret, "wrong")
    elif creds == "secret":
        creds = ApiCredentials(sim.api_key, "wrong", sim.api_pass)
    r = await c.login(creds or sim.credentials, time.time() + skew)
    assert (r["code"], r["msg"]) == (code, msg)
    assert r["event"] == ("login" if code == "0" else "error")
    # the socket stays open after a failed login
    await c.send("ping")
    assert await c.recv_text() == "pong"


async def test_login_clock_offset_and_ms_timestamp(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    c = await connect(http, sim, "private")
    assert (await c.login(sim.credentials, time.time() * 1000))["code"] == "60006"
    sim.clock_offset = 100.0
    assert (await c.login(sim.credentials))["code"] == "60006"
    assert (await c.login(sim.credentials, time.time() + 100))["code"] == "0"


async def test_login_unparsable_and_multi(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "private")
    arg = {"apiKey": sim.api_key, "passphrase": sim.api_pass, "timestamp": "x", "sign": "y"}
    assert (await c.request({"op": "login", "args": [arg]}))["code"] == "60004"
    assert (await c.request({"op": "login", "args": [arg, arg]}))["code"] == "60031"


async def test_repeated_login(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    assert (await c.login(sim.credentials))["code"] == "0"  # same key again: accepted
    sim.allow_repeated_login = False
    r = await c.login(sim.credentials)
    assert (r["event"], r["code"]) == ("error", "60031")
    assert r["msg"] == "The WebSocket endpoint does not allow multiple or repeated logins."


async def test_multi_account(sim: Simulator, http: aiohttp.ClientSession) -> None:
    uid2 = sim.add_account("k2", "s2", "p2")
    assert uid2 != sim.uid
    a = await private(http, sim)
    b = await connect(http, sim, "private")
    assert (await b.login(ApiCredentials("k2", "s2", "p2")))["code"] == "0"
    await b.request({"op": "subscribe", "args": [{"channel": "orders", "instType": "ANY"}]})
    await b.recv()  # conn count
    r = await a.request({"id": "1", "op": "order", "args": [order_args()]})
    assert r["code"] == "0"
    # b (another account) gets no push for a's order; its own order pushes to uid2
    r = await b.request({"id": "2", "op": "order", "args": [order_args()]})
    assert r["code"] == "0"
    push = await b.recv()
    assert push["arg"]["uid"] == uid2 and push["data"][0]["ordId"] == r["data"][0]["ordId"]


async def test_op_before_login(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "private")
    r = await c.request({"id": "1", "op": "order", "args": [order_args()]})
    assert r == {"event": "error", "msg": "Please log in", "code": "60011", "connId": r["connId"]}


async def _op(
    c: Client, op: str, args: list[dict[str, Any]], rid: str = "1", **kw: Any
) -> dict[str, Any]:
    r = await c.request({"id": rid, "op": op, "args": args, **kw})
    assert r["id"] == rid and r["op"] == op, r
    assert list(r) == ["id", "op", "code", "msg", "data", "inTime", "outTime"]
    return r


async def test_all_order_book_ops(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    r = await _op(c, "order", [order_args(clOrdId="a1")], "Ab1")
    assert r["code"] == "0"
    oid = r["data"][0]["ordId"]
    assert list(r["data"][0]) == ["tag", "ts", "ordId", "clOrdId", "sCode", "sMsg", "subCode"]
    r = await _op(c, "order", [order_args(clOrdId="a1")])
    assert r["code"] == "1" and r["data"][0]["sCode"] == "51016"
    r = await _op(c, "amend-order", [{"instIdCode": 100001, "ordId": oid, "newPx": "50001"}])
    assert r["code"] == "0" and r["data"][0]["ordId"] == oid
    r = await _op(c, "amend-order", [{"instIdCode": 100001, "ordId": "1", "newPx": "5"}])
    assert r["code"] == "1" and r["data"][0]["sCode"] == "51503"
    r = await _op(c, "cancel-order", [{"instIdCode": 100001, "ordId": oid}])
    assert r["code"] == "0"
    assert list(r["data"][0]) == ["ts", "ordId", "clOrdId", "sCode", "sMsg"]
    r = await _op(c, "cancel-order", [{"instIdCode": 100001, "ordId": oid}])
    assert r["code"] == "1" and r["data"][0]["sCode"] == "51400"
    r = await _op(c, "batch-orders", [order_args(clOrdId="b1"), order_args(clOrdId="b2")])
    assert r["code"] == "0" and len(r["data"]) == 2
    ids = [d["ordId"] for d in r["data"]]
    r = await _op(c, "batch-orders", [order_args(clOrdId="b3"), order_args(sz="-1")])
    assert r["code"] == "2"
    r = await _op(
        c, "batch-amend-orders", [{"instIdCode": 100001, "ordId": i, "newSz": "0.02"} for i in ids]
    )
    assert r["code"] == "0"
    r = await _op(
        c, "batch-amend-orders", [{"instIdCode": 100001, "ordId": ids[0], "newSz": "0.03"}] * 2
    )
    assert r["code"] == "2" and r["data"][1]["sCode"] == "51512"
    r = await _op(c, "batch-cancel-orders", [{"instIdCode": 100001, "ordId": i} for i in ids])
    assert r["code"] == "0"
    r = await _op(c, "batch-cancel-orders", [{"instIdCode": 100001, "ordId": ids[0]}])
    assert r["code"] == "1"
    r = await _op(c, "mass-cancel", [{"instType": "OPTION", "instFamily": "BTC-USD"}])
    assert (r["code"], r["data"]) == ("0", [{"result": True}])
    r = await _op(c, "mass-cancel", [{"instType": "SPOT", "instFamily": "BTC-USD"}])
    assert r["code"] == "51000" and r["data"] == []


async def test_all_spread_ops(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim, "business")
    sp = "BTC-USDT_BTC-USDT-SWAP"
    place = {"sprdId": sp, "side": "buy", "ordType": "limit", "px": "1", "sz": "0.01"}
    r = await _op(c, "sprd-order", [place])
    assert r["code"] == "0"
    oid = r["data"][0]["ordId"]
    r = await _op(c, "sprd-order", [{**place, "sprdId": "nope"}])
    assert r["code"] == "1" and r["data"][0]["sCode"] == "51001"
    r = await _op(c, "sprd-amend-order", [{"ordId": oid, "newPx": "2"}])
    assert r["code"] == "0"
    r = await _op(c, "sprd-amend-order", [{"ordId": "9", "newPx": "2"}])
    assert r["code"] == "1"
    r = await _op(c, "sprd-cancel-order", [{"ordId": oid}])
    assert r["code"] == "0"
    r = await _op(c, "sprd-cancel-order", [{"ordId": oid}])
    assert r["code"] == "1" and r["data"][0]["sCode"] == "51401"
    r = await _op(c, "sprd-mass-cancel", [{"sprdId": sp}])
    assert (r["code"], r["data"]) == ("0", [{"result": True}])
    r = await _op(c, "sprd-mass-cancel", [{"sprdId": "nope"}])
    assert r["code"] == "51001"


async def test_wrong_url_60028(sim: Simulator, http: aiohttp.ClientSession) -> None:
    b = await private(http, sim, "business")
    r = await _op(b, "order", [order_args()])
    assert (r["code"], r["data"]) == ("60028", [])
    p = await private(http, sim)
    r = await _op(p, "sprd-mass-cancel", [{}])
    assert r["code"] == "60028"


async def test_envelope_validation(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    r = await _op(c, "order", [order_args(), order_args()])
    assert (r["code"], r["msg"]) == ("60013", "Invalid args")
    r = await _op(c, "batch-orders", [order_args(clOrdId=f"x{i}") for i in range(21)])
    assert r["code"] == "60013"
    r = await _op(c, "batch-orders", [])
    assert r["code"] == "60013"
    # invalid id -> id-less Illegal request
    r = await c.request({"id": "bad-id", "op": "order", "args": [order_args()]})
    assert r["code"] == "60012" and "id" not in r
    r = await c.request({"op": "order", "args": [order_args()]})
    assert r["code"] == "60012"


async def test_exptime(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    past = str(sim.now_ms() - 1000)
    r = await _op(c, "batch-orders", [order_args(), order_args()], expTime=past)
    assert r["code"] == "1" and r["msg"] == ""
    assert {d["sCode"] for d in r["data"]} == {"50036"}
    assert r["data"][0]["sMsg"].startswith("The expTime can't be earlier")
    r = await _op(c, "order", [order_args()], expTime=str(sim.now_ms() + 60_000))
    assert r["code"] == "0"
    assert sim.engine.pending_orders(sim.uid)  # executed


async def test_inst_id_only_and_unknown_code(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    args = order_args()
    del args["instIdCode"]
    args["instId"] = "BTC-USDT"
    r = await _op(c, "order", [args])
    assert r["code"] == "1" and r["data"][0]["sCode"] == "50014"
    r = await _op(c, "order", [order_args(instIdCode=999)])
    assert r["data"][0]["sCode"] == "51001"


async def test_ping_pong_and_control_ping(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "public", autoping=False)
    await c.send("ping")
    assert await c.recv_text() == "pong"
    await c.ws.ping(b"hi")
    m = await c.ws.receive(timeout=5)
    assert (m.type, m.data) == (aiohttp.WSMsgType.PONG, b"hi")


async def test_idle_close_4004(http: aiohttp.ClientSession) -> None:
    async with Simulator(idle_timeout=0.3) as sim:
        c = await connect(http, sim, "public")
        m = await c.expect_closed()
        assert (m.type, m.data, m.extra) == (
            aiohttp.WSMsgType.CLOSE,
            4004,
            "No data received in 30s.",
        )
        await sim.wait_for(lambda: sim.connection_count() == 0)


async def test_subscribe_orders_account_pushes(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    await c.send(
        {
            "id": "s1",
            "op": "subscribe",
            "args": [{"channel": "orders", "instType": "SPOT"}, {"channel": "account"}],
        }
    )
    ack = await c.recv()
    assert ack == {
        "id": "s1",
        "event": "subscribe",
        "arg": {"channel": "orders", "instType": "SPOT"},
        "connId": ack["connId"],
    }
    cc = await c.recv()
    assert cc == {
        "event": "channel-conn-count",
        "channel": "orders",
        "connCount": "1",
        "connId": ack["connId"],
    }
    assert (await c.recv())["event"] == "subscribe"
    assert (await c.recv())["channel"] == "account"
    snap = await c.recv()
    assert snap["arg"] == {"channel": "account", "uid": sim.uid}
    assert snap["eventType"] == "snapshot" and snap["lastPage"] is True
    r = await _op(c, "order", [order_args()])
    push = await c.recv()  # after the reply
    assert push["arg"] == {"channel": "orders", "instType": "SPOT", "uid": sim.uid}
    assert push["data"][0]["ordId"] == r["data"][0]["ordId"]
    assert push["data"][0]["state"] == "live"
    acct = await c.recv()
    assert acct["arg"]["channel"] == "account" and acct["eventType"] == "event_update"
    # a second connection on the same channel counts 2
    d = await private(http, sim)
    await d.send({"op": "subscribe", "args": [{"channel": "orders", "instType": "ANY"}]})
    assert "id" not in await d.recv()
    assert (await d.recv())["connCount"] == "2"
    # unsubscribe: no more pushes on c
    r = await c.request({"op": "unsubscribe", "args": [{"channel": "orders", "instType": "SPOT"}]})
    assert r["event"] == "unsubscribe"
    await c.request({"op": "unsubscribe", "args": [{"channel": "account"}]})
    await _op(c, "order", [order_args()], rid="2")
    await c.send("ping")
    assert await c.recv_text() == "pong"


async def test_private_channel_needs_login(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "private")
    r = await c.request(
        {"id": "7", "op": "subscribe", "args": [{"channel": "orders", "instType": "ANY"}]}
    )
    assert (r["id"], r["event"], r["code"], r["msg"]) == ("7", "error", "60011", "Please log in")
    b = await connect(http, sim, "business")
    r = await b.request({"op": "subscribe", "args": [{"channel": "sprd-orders"}]})
    assert r["code"] == "60011"


async def test_subscribe_errors(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "public")
    r = await c.request({"op": "subscribe", "args": [{"channel": "tickers", "instId": "NOPE"}]})
    assert r["code"] == "60018"
    assert r["msg"] == (
        "Wrong URL or channel:tickers,instId:NOPE doesn't exist. Please use the "
        "correct URL, channel and parameters referring to API document."
    )
    r = await c.request({"op": "subscribe", "args": [{"channel": "nope", "instId": "BTC-USDT"}]})
    assert r["code"] == "60018"
    r = await c.request({"op": "subscribe", "args": [{"channel": "sprd-orders"}]})
    assert r["code"] == "64001"
    b = await connect(http, sim, "business")
    r = await b.request({"op": "subscribe", "args": [{"channel": "tickers", "instId": "BTC-USDT"}]})
    assert r["code"] == "64002"


async def test_market_snapshots_and_updates(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "public")
    await c.send(
        {
            "op": "subscribe",
            "args": [
                {"channel": "tickers", "instId": "BTC-USDT"},
                {"channel": "books5", "instId": "BTC-USDT"},
            ],
        }
    )
    assert (await c.recv())["event"] == "subscribe"
    t = await c.recv()
    assert t["arg"] == {"channel": "tickers", "instId": "BTC-USDT"}
    assert t["data"][0]["instId"] == "BTC-USDT" and t["data"][0]["bidPx"]
    assert (await c.recv())["event"] == "subscribe"
    b = await c.recv()
    assert b["arg"]["channel"] == "books5" and len(b["data"][0]["asks"]) == 5
    sim.tick_market()
    await sim.flush_events()
    kinds = {(await c.recv())["arg"]["channel"], (await c.recv())["arg"]["channel"]}
    assert kinds == {"tickers", "books5"}


async def test_sprd_orders_push(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim, "business")
    r = await c.request({"op": "subscribe", "args": [{"channel": "sprd-orders"}]})
    assert r["event"] == "subscribe"
    place = {
        "sprdId": "BTC-USDT_BTC-USDT-SWAP",
        "side": "buy",
        "ordType": "limit",
        "px": "1",
        "sz": "0.01",
    }
    r = await _op(c, "sprd-order", [place])
    push = await c.recv()
    assert push["arg"] == {"channel": "sprd-orders", "uid": sim.uid}
    assert push["data"][0]["ordId"] == r["data"][0]["ordId"]


async def test_notice_and_drops(sim: Simulator, http: aiohttp.ClientSession) -> None:
    pub = await connect(http, sim, "public")
    prv = await connect(http, sim, "private")
    await sim.wait_for(lambda: sim.connection_count() == 2)
    assert await sim.broadcast_notice("public") == 1
    n = await pub.recv()
    assert n == {
        "event": "notice",
        "msg": "The connection will soon be closed for a service upgrade. Please reconnect.",
        "code": "64008",
        "connId": n["connId"],
    }
    assert await sim.drop_connections("private", abrupt=False) == 1
    m = await prv.expect_closed()
    assert m.type is aiohttp.WSMsgType.CLOSE and m.data == 1001
    assert await sim.drop_connections(abrupt=True) == 1
    m = await pub.expect_closed()
    assert m.type is not aiohttp.WSMsgType.CLOSE  # no close frame
    await sim.wait_for(lambda: sim.connection_count() == 0)


async def test_unknown_path_404(sim: Simulator, http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await http.ws_connect(sim.ws_base_url + "/ws/v5/nope")


async def test_received_ops_log(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await private(http, sim)
    await _op(c, "order", [order_args()], rid="q9")
    ops = [(r.op, r.id) for r in sim.received_ops("private")]
    assert ops == [("login", None), ("order", "q9")]
    assert sim.connections("private")[0].received[-1].op == "order"


async def _kinds(c: Client, n: int) -> list[FrameKind]:
    return [decode(await c.recv_text()).kind for _ in range(n)]


async def test_every_reply_kind_decodes(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = await connect(http, sim, "private")
    await c.send("ping")
    assert await _kinds(c, 1) == [FrameKind.PONG]
    await c.send({"id": "1", "op": "order", "args": [order_args()]})  # before login
    assert await _kinds(c, 1) == [FrameKind.ERROR]
    bad = c.login(sim.credentials, time.time() + 100)
    assert decode(orjson_text(await bad)).kind is FrameKind.LOGIN  # 60006 is a login failure
    await c.login(sim.credentials)
    await c.send({"id": "2", "op": "subscribe", "args": [{"channel": "orders", "instType": "ANY"}]})
    assert await _kinds(c, 2) == [FrameKind.SUBSCRIBE, FrameKind.CHANNEL_CONN_COUNT]
    await c.send({"id": "3", "op": "order", "args": [order_args()]})
    assert await _kinds(c, 2) == [FrameKind.OP_RESPONSE, FrameKind.PUSH]
    await c.send('{"id":"4","op":"order","args":[{}],"nope":1}')
    frame = decode(await c.recv_text())
    assert (frame.kind, frame.id) == (FrameKind.ERROR, "4")  # id recovered from msg
    await c.send({"op": "unsubscribe", "args": [{"channel": "orders", "instType": "ANY"}]})
    assert await _kinds(c, 1) == [FrameKind.UNSUBSCRIBE]
    await sim.broadcast_notice()
    assert await _kinds(c, 1) == [FrameKind.NOTICE]
    p = await private(http, sim)
    assert p is not None


def orjson_text(msg: dict[str, object]) -> str:
    return orjson.dumps(msg).decode()


async def test_close_is_idempotent() -> None:
    sim = Simulator()
    await sim.start()
    await sim.close()
    await sim.close()
