"""Routing engine events to the sessions that subscribed to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from okxws.simulator.engine import Engine, MarketEvent
from okxws.simulator.router import SIM_CHANNELS, Router, SimApiKey

from .conftest import limit, spread


@dataclass
class _Session:
    conn_id: str
    account: SimApiKey | None = None
    subs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _logged_in(router: Router, conn_id: str, uid: str, **subs: list[dict[str, Any]]) -> _Session:
    s = _Session(
        conn_id, SimApiKey("k", "s", "p", uid), {k.replace("_", "-"): v for k, v in subs.items()}
    )
    router.add(s)
    router.logged_in(s)
    return s


def _pushes(router: Router, eng: Engine) -> list[tuple[str, dict[str, Any]]]:
    return [(s.conn_id, orjson.loads(f)) for s, f in router.route(eng.drain_events(), 9)]


def test_channels_the_simulator_serves() -> None:
    assert {"tickers", "books5", "orders", "account", "sprd-orders"} <= SIM_CHANNELS
    assert {"books", "books-l2-tbt", "bbo-tbt", "sprd-books5"} <= SIM_CHANNELS
    assert "books-elp" not in SIM_CHANNELS  # no ELP orders in the simulator


def test_order_pushes_follow_each_subscription(eng: Engine) -> None:
    r = Router(eng)
    _logged_in(r, "a", "u1", orders=[{"channel": "orders", "instType": "SPOT"}])
    _logged_in(
        r, "b", "u1", orders=[{"channel": "orders", "instType": "SWAP", "instFamily": "BTC-USDT"}]
    )
    _logged_in(
        r, "c", "u1", orders=[{"channel": "orders", "instType": "ANY", "instId": "ETH-USDT"}]
    )
    _logged_in(r, "d", "u2", orders=[{"channel": "orders", "instType": "ANY"}])
    eng.place("book", "u1", limit("buy", "90000", "0.01"), 1)
    eng.place("book", "u1", limit("buy", "90000", "1", code=200001), 2)
    got = [(cid, p["data"][0]["instId"]) for cid, p in _pushes(r, eng)]
    # by instType, instFamily and instId; another account's session hears nothing
    assert got == [("a", "BTC-USDT"), ("b", "BTC-USDT-SWAP")]
    assert all(p["arg"]["uid"] == "u1" for _, p in _pushes(r, eng))


def test_account_push_is_one_frame_for_every_subscriber(eng: Engine) -> None:
    r = Router(eng)
    a = _logged_in(r, "a", "u1", account=[{"channel": "account"}])
    b = _logged_in(r, "b", "u1", account=[{"channel": "account"}])
    _logged_in(r, "c", "u1")
    eng.place("book", "u1", limit("buy", "90000", "0.01"), 1)
    frames = [(s, f) for s, f in r.route(eng.drain_events(), 9) if b'"account"' in f]
    assert [s for s, _ in frames] == [a, b] and frames[0][1] is frames[1][1]
    assert orjson.loads(frames[0][1])["eventType"] == "event_update"


def test_spread_and_market_pushes(eng: Engine) -> None:
    r = Router(eng)
    _logged_in(
        r,
        "s",
        "u1",
        sprd_orders=[{"channel": "sprd-orders", "sprdId": "nope"}, {"channel": "sprd-orders"}],
    )
    pub = _Session("p")
    r.add(pub)
    assert len(r.books.add(pub, {"channel": "books5", "instId": "BTC-USDT"}, 0)) == 1
    r.add_market_sub(pub, {"channel": "tickers", "instId": "BTC-USDT"})
    eng.place("spread", "u1", spread("buy", "40", "0.01"), 1)
    eng.place("book", "u1", limit("buy", "95000", "0.01"), 1)  # a new best bid: top 5 moves
    got = [(cid, p["arg"]["channel"]) for cid, p in _pushes(r, eng)]
    # books5 pushes at most every 100 ms: at 9 ms it waits for the server's book pump.
    assert got == [("s", "sprd-orders"), ("p", "tickers")]
    got = [(s.conn_id, orjson.loads(f)["arg"]["channel"]) for s, f in r.books.publish(100)]
    assert got == [("p", "books5")]
    r.remove_market_sub(pub, {"channel": "tickers", "instId": "BTC-USDT"})
    assert _pushes_for(r, "BTC-USDT") == []  # nothing changed: books5 pushes only changes
    r.remove(pub)
    assert not r.books.active


def _pushes_for(r: Router, inst_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [(s.conn_id, orjson.loads(f)) for s, f in r.route([MarketEvent(inst_id)], 9)]


def test_conn_counts_and_conn_ids(eng: Engine) -> None:
    r = Router(eng)
    assert r.conn_count("u", "orders", "a", True) == 1
    assert r.conn_count("u", "orders", "b", True) == 2
    assert r.conn_count("u", "orders", "a", False) == 1
    s = _logged_in(r, "b", "u")
    r.remove(s)
    assert r.conn_count("u", "orders", "x", False) == 0
    cid = r.new_conn_id()
    assert len(cid) == 8 and int(cid, 16) >= 0


def test_listens_is_the_engines_audience(eng: Engine) -> None:
    r = Router(eng)
    assert not r.listens("u1", "orders")
    s = _logged_in(r, "a", "u1", account=[{"channel": "account"}])
    assert r.listens("u1", "account") and not r.listens("u1", "orders")
    assert not r.listens("u2", "account")
    r.remove(s)
    assert not r.listens("u1", "account")
