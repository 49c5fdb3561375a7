"""The feeds of the pure core: the public tape (aggregation), candles, fills, positions,
balance_and_position, mark price and funding, and OKX's push order. No event loop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from okxws.protocol.channels import CANDLE_BARS
from okxws.simulator.candles import CandleSeries, bar_period, candle_row
from okxws.simulator.engine import (
    BalanceEvent,
    Engine,
    Event,
    MarketEvent,
    OrderEvent,
)
from okxws.simulator.feeds import (
    BalPosEvent,
    FillsEvent,
    PositionsEvent,
    TradeEvent,
    match_item,
    trade_item,
)

from .conftest import SWAP, limit
from .test_render import recorded, recorded_item

_MIN = 60_000


def _ms(year: int, month: int, day: int, hour: int = 0) -> int:
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp() * 1000)


def _sweep(eng: Engine, now: int) -> list[Event]:
    """u2 and u3 rest sells at the mid (95000), then u1 buys through them and one quote."""
    assert eng.place("book", "u2", limit("sell", "95000", "0.01"), now).code == "0"
    assert eng.place("book", "u3", limit("sell", "95000", "0.02"), now).code == "0"
    eng.drain_events()
    assert eng.place("book", "u1", limit("buy", "95000.1", "0.04", clOrdId="42"), now).code == "0"
    return eng.drain_events()


# ------------------------------------------------------------------------------ candles


def test_bar_periods_follow_okx_alignment() -> None:
    assert bar_period("1m", 90_061_000) == (90_060_000, 90_120_000)
    assert bar_period("1s", 1_500) == (1_000, 2_000)
    # 6 hours and more: Hong Kong time (UTC+8) unless "utc".
    assert bar_period("6H", 0) == (-2 * 3_600_000, 4 * 3_600_000)
    assert bar_period("6Hutc", 0) == (0, 6 * 3_600_000)
    assert bar_period("4H", 0) == (0, 4 * 3_600_000)
    assert bar_period("1D", 0) == (-8 * 3_600_000, 16 * 3_600_000)
    wednesday = _ms(2026, 12, 2, 12)
    assert bar_period("1Wutc", wednesday) == (_ms(2026, 11, 30), _ms(2026, 12, 7))
    assert bar_period("1W", wednesday) == (_ms(2026, 11, 29, 16), _ms(2026, 12, 6, 16))
    assert bar_period("1Mutc", wednesday) == (_ms(2026, 12, 1), _ms(2027, 1, 1))
    assert bar_period("3Mutc", wednesday) == (_ms(2026, 10, 1), _ms(2027, 1, 1))
    assert bar_period("1M", _ms(2026, 11, 30, 20)) == (_ms(2026, 11, 30, 16), _ms(2026, 12, 31, 16))
    for bar in CANDLE_BARS:  # every bar: a period holds its own start and ends after it
        start, end = bar_period(bar, wednesday)
        assert start <= wednesday < end and bar_period(bar, start) == (start, end)


def test_candle_series_closes_and_confirms() -> None:
    s = CandleSeries("1m")
    assert s.trade(100, 1, 5_000) is None
    assert s.trade(103, 2, 6_000) is None
    assert s.trade(99, 1, 7_000) is None
    assert s.closed(59_999) is None
    first = s.candles[-1]
    swap = Engine().book("BTC-USDT-SWAP")  # tick 0.1, lot 0.01 contracts of 0.01 BTC
    assert candle_row(first, swap, 10_000) == \
        ["0", "10", "10.3", "9.9", "9.9", "0.04", "0.0004", "0.00405", "0"]  # fmt: skip
    closed = s.trade(101, 1, _MIN + 1)
    assert closed is first and candle_row(first, swap, _MIN + 1)[-1] == "1"
    assert s.closed(10 * _MIN) is s.candles[-1]
    assert s.closed(10 * _MIN) is None  # reported once
    assert [c.start for c in s.newest_first(None, None)] == [_MIN, 0]
    assert [c.start for c in s.newest_first(_MIN, None)] == [0]
    assert [c.start for c in s.newest_first(None, 0)] == [_MIN]


# ------------------------------------------------------------------------------ trades


def test_trades_aggregate_per_taker_order_and_price(eng: Engine) -> None:
    events = _sweep(eng, 1_000)
    (tev,) = [e for e in events if isinstance(e, TradeEvent)]
    assert tev.inst_id == "BTC-USDT"
    trades = [trade_item(tev.book, t) for t in tev.trades]
    matches = [match_item(tev.book, m) for m in tev.matches]
    agg = [(t["px"], t["sz"], t["count"], t["side"]) for t in trades]
    assert agg == [("95000", "0.03", "2", "buy"), ("95000.1", "0.01", "1", "buy")]
    assert [t["tradeId"] for t in trades] == [matches[1]["tradeId"], matches[2]["tradeId"]]
    assert [t["sz"] for t in matches] == ["0.01", "0.02", "0.01"]
    assert list(trades[0]) == recorded_item("push-trades.json")
    seq = [t["seqId"] for t in trades]
    assert all(isinstance(s, int) and s > 2**32 for s in seq) and seq[1] == seq[0] + 1
    assert list(matches[0]) == ["instId", "tradeId", "px", "sz", "side", "source", "ts"]
    # REST /market/trades: the matches, newest first.
    assert eng.feeds.recent_trades("BTC-USDT", 10) == matches[::-1]
    assert eng.feeds.recent_trades("BTC-USDT", 1) == matches[-1:]
    # The candles saw all three.
    [row] = eng.candle_rows("BTC-USDT", "1m", 2_000)
    assert row == ["0", "95000", "95000.1", "95000", "95000.1", "0.04", "3800.001", "3800.001",
                   "0"]  # fmt: skip


def test_candles_close_on_the_next_period_and_on_roll(eng: Engine) -> None:
    _sweep(eng, 1_000)
    events = _sweep(eng, _MIN + 5)
    (tev,) = [e for e in events if isinstance(e, TradeEvent)]
    closed = {bar for bar, _ in tev.closed}
    assert closed == {"1s", "1m"} and tev.traded
    eng.feeds.roll(10 * _MIN)
    tail = eng.drain_events()
    (rolled,) = [e for e in tail if isinstance(e, TradeEvent)]
    assert {b for b, _ in rolled.closed} >= {"1m", "3m", "5m"} and not rolled.traded
    rows = eng.candle_rows("BTC-USDT", "1m", 10 * _MIN)
    assert [r[0] for r in rows] == [str(_MIN), "0"] and {r[-1] for r in rows} == {"1"}
    assert eng.candle_rows("BTC-USDT", "1m", 10 * _MIN, after=_MIN) == rows[1:]
    assert eng.candle_rows("BTC-USDT", "1m", 10 * _MIN, limit=1) == rows[:1]


def test_market_maker_trades_now_and_then_deterministically() -> None:
    def tape(seed: int) -> list[Any]:
        e = Engine(seed=seed)
        out = []
        for now in range(1, 40):
            e.tick_market(now * 1000)
            out += [
                (t.inst_id, [trade_item(t.book, x) for x in t.trades])
                for t in e.drain_events()
                if isinstance(t, TradeEvent)
            ]
        e.audit()
        return out

    first = tape(3)
    assert len(first) > 5 and {i for i, _ in first} >= {"BTC-USDT", "BTC-USDT-SWAP"}
    assert first == tape(3) and first != tape(4)


# ------------------------------------------------------------------------------ private


def test_fills_events_and_push_order(eng: Engine) -> None:
    events = _sweep(eng, 1_000)
    kinds = [type(e) for e in events]
    # fills, orders, balance_and_position, account, (positions), market data, trades.
    order = [FillsEvent, OrderEvent, BalPosEvent, BalanceEvent, MarketEvent, TradeEvent]
    assert sorted(set(kinds), key=order.index) == order
    assert kinds == sorted(kinds, key=order.index)
    fills = [e for e in events if isinstance(e, FillsEvent)]
    mine = [f.data for f in fills if f.uid == "u1"]
    assert [(f["fillPx"], f["fillSz"], f["count"], f["execType"]) for f in mine] == [
        ("95000", "0.03", "2", "T"),
        ("95000.1", "0.01", "1", "T"),
    ]
    assert {f["clOrdId"] for f in mine} == {"42"}
    makers = {f.uid: f.data for f in fills if f.uid != "u1"}
    assert {u: (d["fillSz"], d["execType"], d["count"]) for u, d in makers.items()} == {
        "u2": ("0.01", "M", "1"),
        "u3": ("0.02", "M", "1"),
    }
    assert list(mine[0]) == ["instId", "fillSz", "fillPx", "side", "ts", "ordId", "clOrdId",
                             "tradeId", "execType", "count"]  # fmt: skip
    bp = {e.uid: e.data for e in events if isinstance(e, BalPosEvent)}
    assert set(bp) == {"u1", "u2", "u3"}
    u1 = bp["u1"]
    assert u1["eventType"] == "filled" and u1["posData"] == []
    assert {b["ccy"] for b in u1["balData"]} == {"BTC", "USDT"}
    assert len(u1["trades"]) == 3
    ref = recorded("push-balance-and-position.json")["data"][0]
    assert set(ref) <= set(u1) and set(ref["balData"][0]) == set(u1["balData"][0])


def test_a_non_integer_client_id_shows_as_zero_in_fills(eng: Engine) -> None:
    eng.place("book", "u1", limit("buy", "95000.1", "0.01", clOrdId="abc"), 1)
    fills = [e.data for e in eng.drain_events() if isinstance(e, FillsEvent)]
    assert fills and fills[0]["clOrdId"] == "0"


def test_positions_events_open_and_close(eng: Engine) -> None:
    buy = limit("buy", "95060", "2", code=SWAP)
    assert eng.place("book", "u1", buy, 1).code == "0"
    events = eng.drain_events()
    (pev,) = [e for e in events if isinstance(e, PositionsEvent)]
    ((inst, item),) = pev.items
    assert inst.inst_id == "BTC-USDT-SWAP" and item["pos"] == "2" and item["posSide"] == "net"
    assert events.index(pev) > max(events.index(e) for e in events if isinstance(e, BalanceEvent))
    bp = next(e.data for e in events if isinstance(e, BalPosEvent))
    assert bp["posData"][0]["pos"] == "2" and bp["posData"][0]["instId"] == "BTC-USDT-SWAP"
    ref = recorded("push-balance-and-position.json")["data"][0]["posData"][0]
    assert set(ref) - {"baseBal", "quoteBal"} <= set(bp["posData"][0])  # those two: deprecated
    [(held, _)] = eng.positions_snapshot("u1", 2)
    assert held is inst
    snap = eng.balance_and_position("u1", 2)
    assert snap["eventType"] == "snapshot" and [p["pos"] for p in snap["posData"]] == ["2"]
    assert {b["ccy"] for b in snap["balData"]} == {"USDT", "BTC", "ETH"}
    assert eng.place("book", "u1", limit("sell", "95040", "2", code=SWAP), 3).code == "0"
    (closed,) = [e for e in eng.drain_events() if isinstance(e, PositionsEvent)]
    assert closed.items[0][1]["pos"] == "0"
    assert eng.positions_snapshot("u1", 4) == []


def test_mark_price_and_funding_rate(eng: Engine) -> None:
    mark = eng.mark_price("BTC-USDT-SWAP", 5)
    assert mark == {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "markPx": "95050", "ts": "5"}
    assert eng.mark_price("BTC-USDT", 5)["instType"] == "MARGIN"
    fr = eng.funding_rate("BTC-USDT-SWAP", _ms(2026, 12, 2, 3))
    assert fr["fundingTime"] == str(_ms(2026, 12, 2, 8))
    assert fr["nextFundingTime"] == str(_ms(2026, 12, 2, 16))
    # premium (95050 - 95000) / 95000 ~ 0.053 %: within 0.05 % of the 0.01 % interest rate
    assert fr["premium"] == "0.00052632" and fr["fundingRate"] == "0.0001"
    assert fr["instType"] == "SWAP" and fr["settState"] == "settled"
