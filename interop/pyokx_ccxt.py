# ruff: noqa: T201, E501, ASYNC110
"""Drive the okxws simulator with the unmodified Python clients ``python-okx`` and ``ccxt``.

Usage (with interop/.deps/venv/bin/python, see setup.sh)::

    pyokx_ccxt.py --client pyokx SIM_JSON   # python-okx: REST TradeAPI + WsPrivateAsync
    pyokx_ccxt.py --client ccxt SIM_JSON    # ccxt REST + ccxt.pro WS

SIM_JSON is the one JSON line printed by ``okxws sim`` (or ``-`` to read it from stdin).
python-okx's WebSocketFactory always passes an SSL context, which ``websockets`` refuses for
``ws://`` URLs (docs/dev/foreign-clients.md 2.1); without patching the library, its WS side
therefore needs ``okxws sim --tls`` with ``SSL_CERT_FILE`` set to the simulator's ``ca_file``
(run.sh does that). Exits 0 when every step passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

RESULTS: list[tuple[str, bool]] = []
STEP_TIMEOUT = 5.0
IDLE = 0.0  # --idle: seconds to stay idle on the WS connections before a last order


def record(name: str, ok: bool, detail: object = "") -> bool:
    RESULTS.append((name, ok))
    text = detail if isinstance(detail, str) else json.dumps(detail, default=str)
    if len(text) > 300:
        text = text[:300] + "..."
    print(f"{'PASS' if ok else 'FAIL'}  {name}  {text}", flush=True)
    return ok


def step(name: str, fn: Callable[[], Any], check: Callable[[Any], bool]) -> Any:
    """Run a sync client call; pass if ``check(result)``; never raises."""
    try:
        res = fn()
    except Exception as exc:  # the client's own error is the finding
        record(name, False, f"{type(exc).__name__}: {exc}")
        return None
    ok = False
    try:
        ok = bool(check(res))
    except Exception as exc:
        record(name, False, f"check failed on {res!r}: {exc}")
        return None
    record(name, ok, res)
    return res if ok else None


async def astep(name: str, fn: Callable[[], Awaitable[Any]], check: Callable[[Any], bool]) -> Any:
    try:
        res = await asyncio.wait_for(fn(), STEP_TIMEOUT)
    except Exception as exc:
        record(name, False, f"{type(exc).__name__}: {exc}")
        return None
    ok = False
    try:
        ok = bool(check(res))
    except Exception as exc:
        record(name, False, f"check failed on {res!r}: {exc}")
        return None
    record(name, ok, res)
    return res if ok else None


def expect_raise(name: str, fn: Callable[[], Any], exc_type: type[BaseException]) -> None:
    try:
        res = fn()
    except exc_type as exc:
        record(name, True, f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        record(name, False, f"wrong exception {type(exc).__name__}: {exc}")
    else:
        record(name, False, f"no exception: {res!r}")


async def aexpect_raise(
    name: str, fn: Callable[[], Awaitable[Any]], exc_type: type[BaseException]
) -> None:
    async def call() -> Any:
        return await fn()

    try:
        res = await asyncio.wait_for(call(), STEP_TIMEOUT)
    except exc_type as exc:
        record(name, True, f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        record(name, False, f"wrong exception {type(exc).__name__}: {exc}")
    else:
        record(name, False, f"no exception: {res!r}")


def okx_ok(r: Any) -> bool:
    """An OKX REST/WS reply with code "0" and every item's sCode "0"."""
    return (
        isinstance(r, dict)
        and r.get("code") == "0"
        and all(d.get("sCode", "0") == "0" for d in r.get("data", []))
    )


# ---------------------------------------------------------------------------------- python-okx


def run_pyokx(info: dict[str, Any]) -> None:
    from importlib.metadata import version

    import okx.Account as Account
    import okx.PublicData as PublicData
    import okx.Trade as Trade

    print(f"python-okx {version('python-okx')} -> {info['rest_base_url']}", flush=True)
    base = info["rest_base_url"]
    key, secret, pw = info["api_key"], info["api_secret"], info["api_pass"]
    # flag='0': live trading (x-simulated-trading: 0); python-okx's default is '1' (demo).
    pub = PublicData.PublicAPI(flag="0", domain=base)
    trade = Trade.TradeAPI(key, secret, pw, flag="0", domain=base)
    acct = Account.AccountAPI(key, secret, pw, flag="0", domain=base)

    step(
        "pyokx REST get_system_time",
        pub.get_system_time,
        lambda r: okx_ok(r) and r["data"][0]["ts"],
    )
    r = step(
        "pyokx REST get_instruments SPOT",
        lambda: pub.get_instruments(instType="SPOT"),
        lambda r: okx_ok(r) and any(d["instId"] == "BTC-USDT" for d in r["data"]),
    )
    code = next(d["instIdCode"] for d in r["data"] if d["instId"] == "BTC-USDT") if r else None
    step("pyokx REST get_account_balance", acct.get_account_balance, okx_ok)
    # place_order sends "" and null fields and a JSON body with spaces (signed as such).
    r = step(
        "pyokx REST place_order",
        lambda: trade.place_order(
            instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", px="1000", sz="0.001",
            clOrdId="pyokxR1",
        ),
        okx_ok,
    )  # fmt: skip
    oid = r["data"][0]["ordId"] if r else ""
    step(
        "pyokx REST get_order (live)",
        lambda: trade.get_order(instId="BTC-USDT", ordId=oid),
        lambda r: okx_ok(r) and r["data"][0]["state"] == "live",
    )
    step(
        "pyokx REST amend_order",
        lambda: trade.amend_order(instId="BTC-USDT", ordId=oid, newPx="1001"),
        okx_ok,
    )
    step(
        "pyokx REST cancel_order", lambda: trade.cancel_order(instId="BTC-USDT", ordId=oid), okx_ok
    )
    step(
        "pyokx REST get_order (canceled)",
        lambda: trade.get_order(instId="BTC-USDT", clOrdId="pyokxR1"),
        lambda r: okx_ok(r) and r["data"][0]["state"] == "canceled",
    )
    # An order that fills at once, then found again every way: by clOrdId, in the history,
    # in the fills (the python-okx methods send every optional parameter, empty).
    r = step(
        "pyokx REST place_order (fills at once)",
        lambda: trade.place_order(
            instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", px="1000000",
            sz="0.001", clOrdId="pyokxF1",
        ),
        okx_ok,
    )  # fmt: skip
    fid = r["data"][0]["ordId"] if r else ""
    step(
        "pyokx REST get_order by clOrdId (filled)",
        lambda: trade.get_order(instId="BTC-USDT", clOrdId="pyokxF1"),
        lambda r: okx_ok(r) and r["data"][0]["ordId"] == fid and r["data"][0]["state"] == "filled",
    )
    step(
        "pyokx REST get_orders_history (orders-history)",
        lambda: trade.get_orders_history(instType="SPOT"),
        lambda r: (
            okx_ok(r)
            and [(d["clOrdId"], d["state"]) for d in r["data"][:2]]
            == [("pyokxF1", "filled"), ("pyokxR1", "canceled")]
        ),
    )
    step(
        "pyokx REST get_fills (fills)",
        lambda: trade.get_fills(instId="BTC-USDT", ordId=fid),
        lambda r: okx_ok(r) and r["data"] and all(d["ordId"] == fid for d in r["data"]),
    )
    step(
        "pyokx REST get_account_config",
        acct.get_account_config,
        lambda r: okx_ok(r) and r["data"][0]["posMode"] == "net_mode",
    )
    r = step(
        "pyokx REST place_multiple_orders",
        lambda: trade.place_multiple_orders(
            [
                {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit",
                 "px": "1000", "sz": "0.001"},
                {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit",
                 "px": "1001", "sz": "0.001"},
            ]
        ),
        lambda r: okx_ok(r) and len(r["data"]) == 2,
    )  # fmt: skip
    ids = [d["ordId"] for d in r["data"]] if r else []
    step(
        "pyokx REST cancel_multiple_orders",
        lambda: trade.cancel_multiple_orders([{"instId": "BTC-USDT", "ordId": i} for i in ids]),
        lambda r: okx_ok(r) and len(r["data"]) == 2,
    )
    if code is None:
        record("pyokx WS (skipped: no instIdCode)", False)
        return
    asyncio.run(_pyokx_public(info))
    asyncio.run(_pyokx_ws(info, code))


async def _pyokx_public(info: dict[str, Any]) -> None:
    from okx.websocket.WsPublicAsync import WsPublicAsync

    msgs: list[dict[str, Any]] = []
    ws = WsPublicAsync(url=info["ws_base_url"] + "/ws/v5/public")
    await ws.start()
    await ws.subscribe([{"channel": "tickers", "instId": "BTC-USDT"},
                        {"channel": "books5", "instId": "BTC-USDT"}],
                       callback=lambda raw: msgs.append(json.loads(raw)), id="pub1")  # fmt: skip
    end = time.monotonic() + STEP_TIMEOUT
    chans = lambda: {m["arg"]["channel"] for m in msgs if "data" in m}  # noqa: E731
    while time.monotonic() < end and chans() != {"tickers", "books5"}:
        await asyncio.sleep(0.05)
    record("pyokx WsPublicAsync subscribe tickers + books5 (acks with id, snapshots)",
           chans() == {"tickers", "books5"}
           and sum(1 for m in msgs if m.get("event") == "subscribe" and m.get("id") == "pub1") == 2,
           [m.get("event") or m["arg"]["channel"] for m in msgs])  # fmt: skip
    await ws.stop()


async def _pyokx_ws(info: dict[str, Any], code: int) -> None:
    from okx.websocket.WsPrivateAsync import WsPrivateAsync

    url = info["ws_base_url"] + "/ws/v5/private"
    replies: dict[str, dict[str, Any]] = {}
    events: list[dict[str, Any]] = []
    pushes: list[dict[str, Any]] = []
    changed = asyncio.Event()

    def on_message(raw: str) -> None:
        msg = json.loads(raw)
        if "op" in msg and "id" in msg:
            replies[msg["id"]] = msg
        elif "arg" in msg and "data" in msg:
            if msg["arg"].get("channel") == "orders":
                pushes.extend(msg["data"])
        else:
            events.append(msg)
        changed.set()

    async def wait(pred: Callable[[], bool], timeout: float = STEP_TIMEOUT) -> bool:
        end = time.monotonic() + timeout
        while not pred():
            changed.clear()
            left = end - time.monotonic()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(changed.wait(), left)
            except TimeoutError:
                return pred()
        return True

    async def op(
        name: str, send: Callable[[str], Awaitable[None]], rid: str
    ) -> dict[str, Any] | None:
        await send(rid)
        got = await wait(lambda: rid in replies)
        rep = replies.get(rid)
        record(name, got and okx_ok(rep), rep if got else "no reply")
        return rep if got and okx_ok(rep) else None

    ws = WsPrivateAsync(apiKey=info["api_key"], passphrase=info["api_pass"],
                        secretKey=info["api_secret"], url=url)  # fmt: skip
    await ws.start()
    if ws.websocket is None:
        record("pyokx WS connect", False, f"WebSocketFactory returned None for {url}")
        return
    record("pyokx WS connect", True, url)
    ws.callback = on_message
    # python-okx sends ops right after login without waiting for its reply (trap in 4 of
    # foreign-clients.md): the login and the order go out back to back.
    await ws.login()
    rep = await op(
        "pyokx WS login + place_order (order) before the login reply",
        lambda rid: ws.place_order(
            [{"instIdCode": code, "tdMode": "cash", "side": "buy", "ordType": "limit",
              "px": "1000", "sz": "0.001", "clOrdId": "pyokxW1"}], id=rid),
        "pyokxOrder1",
    )  # fmt: skip
    record("pyokx WS login ack (no id, numeric timestamp)",
           any(e.get("event") == "login" and e.get("code") == "0" for e in events), events[:1])  # fmt: skip
    first = rep["data"][0]["ordId"] if rep else ""
    # The library's own subscribe(): logs in AGAIN on the same socket, sleeps 5 s, subscribes.
    await ws.subscribe([{"channel": "orders", "instType": "ANY"}], callback=on_message)
    ok = await wait(lambda: any(e.get("event") == "subscribe" for e in events))
    logins = [e for e in events if e.get("event") == "login"]
    record("pyokx WS subscribe orders (second login on the socket)",
           ok and len(logins) == 2 and all(e["code"] == "0" for e in logins),
           [e for e in events if e.get("event") != "channel-conn-count"])  # fmt: skip
    o = {"instIdCode": code, "tdMode": "cash", "side": "buy", "ordType": "limit", "sz": "0.001"}
    rep = await op("pyokx WS batch_orders (batch-orders)",
                   lambda rid: ws.batch_orders([{**o, "px": "1000"}, {**o, "px": "1001"}], id=rid),
                   "pyokxBatch1")  # fmt: skip
    batch = [d["ordId"] for d in rep["data"]] if rep else []
    await op("pyokx WS amend_order (amend-order)",
             lambda rid: ws.amend_order([{"instIdCode": code, "ordId": first, "newPx": "1002"}],
                                        id=rid), "pyokxAmend1")  # fmt: skip
    await op("pyokx WS batch_amend_orders (batch-amend-orders)",
             lambda rid: ws.batch_amend_orders(
                 [{"instIdCode": code, "ordId": i, "newSz": "0.002"} for i in batch], id=rid),
             "pyokxBAmend1")  # fmt: skip
    await op("pyokx WS cancel_order (cancel-order)",
             lambda rid: ws.cancel_order([{"instIdCode": code, "ordId": first}], id=rid),
             "pyokxCancel1")  # fmt: skip
    await op("pyokx WS batch_cancel_orders (batch-cancel-orders)",
             lambda rid: ws.batch_cancel_orders(
                 [{"instIdCode": code, "ordId": i} for i in batch], id=rid),
             "pyokxBCancel1")  # fmt: skip
    await op("pyokx WS mass_cancel (mass-cancel, on /private as OKX documents)",
             lambda rid: ws.mass_cancel([{"instType": "OPTION", "instFamily": "BTC-USD"}], id=rid),
             "pyokxMass1")  # fmt: skip

    def states(i: str) -> list[str]:
        return [p["state"] for p in pushes if p.get("ordId") == i]

    ok = await wait(lambda: bool(batch) and all("canceled" in states(i) for i in batch)
                    and "canceled" in states(first))  # fmt: skip
    record("pyokx WS orders pushes (amends and cancels)", ok,
           {i: states(i) for i in [first, *batch]})  # fmt: skip
    if IDLE > 0:
        # No application ping: only `websockets`' RFC 6455 pings (every 20 s) keep the socket
        # past the simulator's 30-s idle close.
        sock = ws.websocket
        await asyncio.sleep(IDLE)
        await op(f"pyokx WS place_order after {IDLE:g} s idle (same socket)",
                 lambda rid: ws.place_order([{**o, "px": "1000", "clOrdId": "pyokxIdle1"}], id=rid),
                 "pyokxIdle1")  # fmt: skip
        await op("pyokx WS cancel_order after idle",
                 lambda rid: ws.cancel_order([{"instIdCode": code, "clOrdId": "pyokxIdle1"}],
                                             id=rid), "pyokxIdle2")  # fmt: skip
        closed = [e for e in events if e.get("code") == "ConnClosed"]
        record("pyokx WS socket survived the idle period", ws.websocket is sock and not closed,
               closed)  # fmt: skip
    await ws.stop()


# ---------------------------------------------------------------------------------- ccxt


def run_ccxt(info: dict[str, Any]) -> None:
    import ccxt

    print(f"ccxt {ccxt.__version__} -> {info['rest_base_url']}", flush=True)
    creds = {"apiKey": info["api_key"], "secret": info["api_secret"], "password": info["api_pass"]}
    ex = ccxt.okx(creds)
    ex.urls["api"]["rest"] = info["rest_base_url"]
    sym = "BTC/USDT"
    # load_markets: signed GET asset/currencies, instruments SPOT/FUTURES/SWAP, OPTION by uly.
    step("ccxt REST load_markets", ex.load_markets,
         lambda m: sym in m and m[sym]["info"].get("instIdCode") is not None)  # fmt: skip
    step("ccxt REST fetch_time", ex.fetch_time, lambda t: abs(t - time.time() * 1000) < 60_000)
    step("ccxt REST fetch_balance", ex.fetch_balance, lambda b: b["USDT"]["free"] > 0)
    step("ccxt REST fetch_ticker", lambda: ex.fetch_ticker(sym), lambda t: t["last"] > 0)
    step("ccxt REST fetch_order_book", lambda: ex.fetch_order_book(sym),
         lambda b: b["bids"] and b["asks"])  # fmt: skip
    # create_order -> POST trade/batch-orders, one-element array, 32-char clOrdId + tag.
    o = step("ccxt REST create_order (batch-orders)",
             lambda: ex.create_order(sym, "limit", "buy", 0.001, 1000),
             lambda o: o["id"] and len(o["clientOrderId"]) == 32)  # fmt: skip
    oid = o["id"] if o else ""
    step("ccxt REST fetch_order (open)", lambda: ex.fetch_order(oid, sym),
         lambda o: o["status"] == "open")  # fmt: skip
    step("ccxt REST fetch_open_orders", lambda: ex.fetch_open_orders(sym),
         lambda lst: oid in [x["id"] for x in lst])  # fmt: skip
    step("ccxt REST edit_order (amend-order)",
         lambda: ex.edit_order(oid, sym, "limit", "buy", 0.002, 1001), lambda o: o["id"] == oid)  # fmt: skip
    step("ccxt REST cancel_order", lambda: ex.cancel_order(oid, sym), lambda o: o["id"] == oid)
    step("ccxt REST fetch_order (canceled)", lambda: ex.fetch_order(oid, sym),
         lambda o: o["status"] == "canceled" and o["amount"] == 0.002 and o["price"] == 1001)  # fmt: skip
    # Placed with our clOrdId, looked up by it (GET trade/order?clOrdId=), then in the
    # history (orders-history) and the fills (trade/fills-history).
    f = step("ccxt REST create_order with clientOrderId (fills at once)",
             lambda: ex.create_order(sym, "limit", "buy", 0.001, 1000000,
                                     {"clientOrderId": "ccxtF1"}),
             lambda o: o["id"] and o["clientOrderId"] == "ccxtF1")  # fmt: skip
    fid = f["id"] if f else ""
    step("ccxt REST fetch_order by clientOrderId (closed)",
         lambda: ex.fetch_order(None, sym, {"clientOrderId": "ccxtF1"}),
         lambda o: o["id"] == fid and o["status"] == "closed")  # fmt: skip
    step("ccxt REST fetch_closed_orders (orders-history)", lambda: ex.fetch_closed_orders(sym),
         lambda lst: fid in [x["id"] for x in lst])  # fmt: skip
    step("ccxt REST fetch_canceled_orders (orders-history)",
         lambda: ex.fetch_canceled_orders(sym), lambda lst: oid in [x["id"] for x in lst])  # fmt: skip
    step("ccxt REST fetch_my_trades (fills-history)", lambda: ex.fetch_my_trades(sym),
         lambda ts: ts and all(t["order"] == fid for t in ts))  # fmt: skip
    # Error paths: ccxt maps OKX sCodes to its exception classes.
    expect_raise("ccxt REST create_order too big -> InsufficientFunds (sCode 51008)",
                 lambda: ex.create_order(sym, "limit", "buy", 100000, 1000), ccxt.InsufficientFunds)  # fmt: skip
    expect_raise("ccxt REST cancel_order unknown -> OrderNotFound (sCode 51400)",
                 lambda: ex.cancel_order("1234567", sym), ccxt.OrderNotFound)  # fmt: skip
    bad = ccxt.okx({**creds, "password": "wrong"})
    bad.urls["api"]["rest"] = info["rest_base_url"]
    expect_raise("ccxt REST wrong passphrase -> AuthenticationError (50105)",
                 bad.fetch_balance, ccxt.AuthenticationError)  # fmt: skip
    asyncio.run(_ccxt_pro(info, sandbox=False))
    asyncio.run(_ccxt_pro(info, sandbox=True))


async def _ccxt_pro(info: dict[str, Any], *, sandbox: bool) -> None:
    import ccxt.pro as ccxtpro

    tag = "ccxt.pro sandbox" if sandbox else "ccxt.pro"
    p = ccxtpro.okx({"apiKey": info["api_key"], "secret": info["api_secret"],
                     "password": info["api_pass"]})  # fmt: skip
    if sandbox:
        # Must precede the URL override; adds x-simulated-trading: 1 and ?brokerId=9999 to WS URLs.
        p.set_sandbox_mode(True)
    p.urls["api"] = {"rest": info["rest_base_url"], "ws": info["ws_base_url"] + "/ws/v5"}
    sym = "BTC/USDT"
    seen: dict[str, list[str]] = {}
    try:
        await astep(f"{tag} load_markets", p.load_markets, lambda m: sym in m)

        async def watcher() -> None:
            while True:
                for o in await p.watch_orders():
                    seen.setdefault(o["id"], []).append(o["status"])

        wtask = asyncio.ensure_future(watcher())
        await asyncio.sleep(0.3)
        o1 = await astep(f"{tag} create_order_ws (batch-orders, instIdCode)",
                         lambda: p.create_order_ws(sym, "limit", "buy", 0.001, 1000),
                         lambda o: o["id"] and len(o["clientOrderId"]) == 32)  # fmt: skip
        o2 = await astep(f"{tag} create_order_ws op=order",
                         lambda: p.create_order_ws(sym, "limit", "buy", 0.001, 1001, {"op": "order"}),
                         lambda o: o["id"])  # fmt: skip
        id1 = o1["id"] if o1 else ""
        id2 = o2["id"] if o2 else ""
        await astep(f"{tag} edit_order_ws (amend-order)",
                    lambda: p.edit_order_ws(id1, sym, "limit", "buy", 0.002, 1002),
                    lambda o: o["id"] == id1)  # fmt: skip
        # cancel_order_ws always sends instIdCode (never instId).
        await astep(f"{tag} cancel_order_ws (cancel-order, instIdCode)",
                    lambda: p.cancel_order_ws(id1, sym), lambda o: o["id"] == id1)  # fmt: skip
        o3 = await astep(f"{tag} create_order_ws (for cancel_orders_ws)",
                         lambda: p.create_order_ws(sym, "limit", "buy", 0.001, 1003),
                         lambda o: o["id"])  # fmt: skip
        id3 = o3["id"] if o3 else ""
        await astep(f"{tag} cancel_orders_ws (batch-cancel-orders)",
                    lambda: p.cancel_orders_ws([id2, id3], sym),
                    lambda r: len(r) == 2 and all(x["id"] in (id2, id3) for x in r))  # fmt: skip
        opt = next((s for s, m in p.markets.items() if m["type"] == "option"), None)
        if opt is not None:
            # ccxt puts the option's instId in instFamily; pass the real family as a param.
            fam = p.markets[opt]["info"]["instFamily"]
            await astep(f"{tag} cancel_all_orders_ws (mass-cancel)",
                        lambda: p.cancel_all_orders_ws(opt, {"instFamily": fam}),
                        lambda r: r == [{"result": True}])  # fmt: skip
        import ccxt as ccxt_errors

        await aexpect_raise(f"{tag} create_order_ws too big -> InsufficientFunds",
                            lambda: p.create_order_ws(sym, "limit", "buy", 100000, 1000),
                            ccxt_errors.InsufficientFunds)  # fmt: skip
        await aexpect_raise(f"{tag} cancel_order_ws unknown -> OrderNotFound",
                            lambda: p.cancel_order_ws("1234567", sym), ccxt_errors.OrderNotFound)  # fmt: skip
        await astep(f"{tag} watch_ticker", lambda: p.watch_ticker(sym), lambda t: t["last"] > 0)
        await astep(f"{tag} watch_order_book limit=5 (books5)",
                    lambda: p.watch_order_book(sym, 5), lambda b: b["bids"] and b["asks"])  # fmt: skip
        # The 400-level books channel: snapshot, then seqId-checked updates that show our order.
        b = await astep(f"{tag} watch_order_book (books snapshot)",
                        lambda: p.watch_order_book(sym), lambda b: b["bids"] and b["nonce"])  # fmt: skip
        ob = await astep(f"{tag} create_order_ws resting (for books)",
                         lambda: p.create_order_ws(sym, "limit", "buy", 0.001, 94000),
                         lambda o: o["id"])  # fmt: skip
        end = time.monotonic() + STEP_TIMEOUT

        def has_our_bid() -> bool:  # the update may have come before we start watching
            book = p.orderbooks.get(sym)
            return book is not None and any(px == 94000 for px, _ in book["bids"])

        shown = has_our_bid()
        while b is not None and (left := end - time.monotonic()) > 0 and not shown:
            with contextlib.suppress(TimeoutError):
                b = await asyncio.wait_for(p.watch_order_book(sym), left)
            shown = has_our_bid()
        record(f"{tag} watch_order_book update shows the resting order", shown,
               b["bids"][:3] if b else None)  # fmt: skip
        if ob:
            await astep(f"{tag} cancel_order_ws (books order)",
                        lambda: p.cancel_order_ws(ob["id"], sym), lambda r: r["id"] == ob["id"])  # fmt: skip
        end = time.monotonic() + STEP_TIMEOUT
        ids = [i for i in (id1, id2, id3) if i]
        while time.monotonic() < end and not all("canceled" in seen.get(i, []) for i in ids):
            await asyncio.sleep(0.05)
        record(f"{tag} watch_orders saw open -> canceled",
               len(ids) == 3 and all(seen.get(i, [])[:1] == ["open"] and "canceled" in seen[i]
                                     for i in ids), seen)  # fmt: skip
        o = await astep(f"{tag} create_order_ws market (fills)",
                        lambda: p.create_order_ws(sym, "market", "buy", 0.001, None,
                                                  {"tgtCcy": "base_ccy"}), lambda o: o["id"])  # fmt: skip
        fid = o["id"] if o else ""
        end = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < end and "closed" not in seen.get(fid, []):
            await asyncio.sleep(0.05)
        record(f"{tag} watch_orders saw the fill (closed)", "closed" in seen.get(fid, []),
               seen.get(fid))  # fmt: skip

        async def until_pushed(
            name: str, watch: Callable[[], Awaitable[Any]], check: Callable[[Any], bool]
        ) -> None:
            """Start ``watch``, then buy at market every 0.5 s until it returns (the
            subscription may be acknowledged after the first order)."""
            task = asyncio.ensure_future(watch())
            end = time.monotonic() + STEP_TIMEOUT
            while not task.done() and time.monotonic() < end:
                await p.create_order_ws(sym, "market", "buy", 0.001, None, {"tgtCcy": "base_ccy"})
                await asyncio.wait([task], timeout=0.5)
            if not task.done():
                task.cancel()
                record(name, False, "no push")
                return
            try:
                res = task.result()
            except Exception as exc:
                record(name, False, f"{type(exc).__name__}: {exc}")
                return
            record(name, bool(check(res)), res)

        def traded(ts: Any) -> bool:
            return bool(ts) and all(t["symbol"] == sym and t["amount"] > 0 and t["price"] > 0
                                    and t["side"] == "buy" for t in ts)  # fmt: skip

        await until_pushed(f"{tag} watch_trades (trades)", lambda: p.watch_trades(sym), traded)
        await until_pushed(f"{tag} watch_trades channel=trades-all (business)",
                           lambda: p.watch_trades(sym, None, None, {"channel": "trades-all"}),
                           traded)  # fmt: skip
        await until_pushed(f"{tag} watch_ohlcv 1m (candle1m, business)",
                           lambda: p.watch_ohlcv(sym, "1m"),
                           lambda c: bool(c) and c[-1][5] > 0 and c[-1][2] >= c[-1][3])  # fmt: skip
        await astep(f"{tag} REST fetch_trades (market/trades)", lambda: p.fetch_trades(sym),
                    traded)  # fmt: skip
        await astep(f"{tag} REST fetch_ohlcv 1m (market/candles)",
                    lambda: p.fetch_ohlcv(sym, "1m"), lambda c: bool(c) and c[-1][5] > 0)  # fmt: skip
        if IDLE > 0 and not sandbox:
            # ccxt pings (text) every 18 s and drops a socket with no pong for 36 s.
            conns = {url: c.connection for url, c in p.clients.items()}
            await asyncio.sleep(IDLE)
            o = await astep(f"{tag} create_order_ws after {IDLE:g} s idle",
                            lambda: p.create_order_ws(sym, "limit", "buy", 0.001, 1000),
                            lambda o: o["id"])  # fmt: skip
            if o:
                await astep(f"{tag} cancel_order_ws after idle",
                            lambda: p.cancel_order_ws(o["id"], sym), lambda r: r["id"] == o["id"])  # fmt: skip
            same = {url: p.clients[url].connection is c for url, c in conns.items()}
            record(f"{tag} same WS connections after the idle period (pongs answered)",
                   all(same.values()), same)  # fmt: skip
        wtask.cancel()
    finally:
        await p.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", choices=("pyokx", "ccxt"), required=True)
    ap.add_argument(
        "--idle",
        type=float,
        default=0.0,
        help="also stay idle this many seconds on the WS connections, then trade",
    )
    ap.add_argument("sim_json", help="the JSON line printed by `okxws sim` ('-' for stdin)")
    a = ap.parse_args()
    info = json.loads(sys.stdin.readline() if a.sim_json == "-" else a.sim_json)
    global IDLE
    IDLE = a.idle
    try:
        (run_pyokx if a.client == "pyokx" else run_ccxt)(info)
    except Exception as exc:
        record(f"{a.client}: unexpected error", False, f"{type(exc).__name__}: {exc}")
    failed = sum(1 for _, ok in RESULTS if not ok)
    print(f"{a.client}: {len(RESULTS) - failed} passed, {failed} failed", flush=True)
    return 0 if RESULTS and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
