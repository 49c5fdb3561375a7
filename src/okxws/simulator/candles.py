"""Candlesticks built from the simulator's own trades: one series per instrument and bar.

Bars are the ``candle<bar>`` channel names of :data:`okxws.protocol.channels.CANDLE_BARS`.
OKX aligns bars of 6 hours and more to Hong Kong time (UTC+8) unless the bar ends in ``utc``;
weeks start on Monday, months and quarters on the calendar (okx-streams-rest.md section 2).
A candle exists once a trade fell into it (the simulator does not invent empty candles); it is
*confirmed* (``"1"``) once its period is over. Pure: time is an argument.
https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-candlesticks-channel
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from okxws.protocol.channels import CANDLE_BARS

from .book import Book
from .render import fmt

__all__ = ["CANDLE_HISTORY", "Candle", "CandleSeries", "bar_period", "candle_row"]

#: Candles kept per instrument and bar (REST pages ``after``/``before`` over them).
CANDLE_HISTORY: Final = 1440

_S: Final = 1000
_H: Final = 3600 * _S
_D: Final = 24 * _H
_HK: Final = 8 * _H
_UNITS: Final = {"s": _S, "m": 60 * _S, "H": _H, "D": _D, "W": 7 * _D}
# 1970-01-01 was a Thursday: weeks start 3 days before the epoch's day boundaries.
_MONDAY_SHIFT: Final = 3 * _D


def _parse(bar: str) -> tuple[int, str, int]:
    """``(count, unit, tz offset ms)`` of a bar name such as ``15m``, ``6H``, ``1Dutc``."""
    utc = bar.endswith("utc")
    core = bar[:-3] if utc else bar
    n, unit = int(core[:-1]), core[-1]
    offset = 0 if utc or (unit in "smH" and not (unit == "H" and n >= 6)) else _HK
    return n, unit, offset


_BARS: Final = {bar: _parse(bar) for bar in CANDLE_BARS}


def bar_period(bar: str, ts_ms: int) -> tuple[int, int]:
    """``(start, end)`` in Unix ms of the ``bar`` period holding ``ts_ms`` (``KeyError``: no
    such bar)."""
    n, unit, offset = _BARS[bar]
    if unit == "M":
        local = datetime.fromtimestamp((ts_ms + offset) / 1000, UTC)
        months = local.year * 12 + local.month - 1
        first = months - months % n
        after = first + n
        begin = datetime(first // 12, first % 12 + 1, 1, tzinfo=UTC)
        until = datetime(after // 12, after % 12 + 1, 1, tzinfo=UTC)
        return _ms(begin) - offset, _ms(until) - offset
    length = n * _UNITS[unit]
    shift = offset + (_MONDAY_SHIFT if unit == "W" else 0)
    start = (ts_ms + shift) // length * length - shift
    return start, start + length


def _ms(d: datetime) -> int:
    return (d - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


class Candle:
    """One period's open, high, low, close (ticks) and volume, in integers (every trade updates
    27 of them: no Decimal arithmetic on that path)."""

    __slots__ = ("close", "end", "high", "lots", "low", "open", "start", "value")

    def __init__(self, start: int, end: int, px_ticks: int) -> None:
        self.start = start
        self.end = end
        self.open = self.high = self.low = self.close = px_ticks
        #: Traded size in lots.
        self.lots = 0
        #: Sum of ``px_ticks * lots``.
        self.value = 0


def candle_row(c: Candle, book: Book[Any], now_ms: int) -> list[str]:
    """``[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`` (push and REST alike): ``vol``
    in the base currency (SPOT) or contracts, ``volCcy`` in the quote (SPOT) or base currency,
    ``volCcyQuote`` in the quote currency."""
    tick, lot = book.tick, book.lot
    inst = book.inst
    quote = c.value * tick * lot
    if inst is not None and not inst.is_spot:
        vol_ccy = c.lots * lot * inst.ct_val
        quote *= inst.ct_val
    else:
        vol_ccy = quote
    return [
        str(c.start),
        fmt(c.open * tick),
        fmt(c.high * tick),
        fmt(c.low * tick),
        fmt(c.close * tick),
        fmt(c.lots * lot),
        fmt(vol_ccy),
        fmt(quote),
        "1" if now_ms >= c.end else "0",
    ]


class CandleSeries:
    """The candles of one instrument and bar, oldest first."""

    __slots__ = ("bar", "candles", "confirmed")

    def __init__(self, bar: str) -> None:
        self.bar = bar
        self.candles: deque[Candle] = deque(maxlen=CANDLE_HISTORY)
        #: The start of the last candle whose confirmation was reported (see :meth:`closed`).
        self.confirmed = -1

    def trade(self, px_ticks: int, lots: int, ts_ms: int) -> Candle | None:
        """Add one trade; returns the previous candle if this trade closed it."""
        cs = self.candles
        cur = cs[-1] if cs else None
        closed: Candle | None = None
        if cur is None or ts_ms >= cur.end:
            if cur is not None and self.confirmed < cur.start:
                closed = cur
                self.confirmed = cur.start
            start, end = bar_period(self.bar, ts_ms)
            cur = Candle(start, end, px_ticks)
            cs.append(cur)
        elif px_ticks > cur.high:
            cur.high = px_ticks
        elif px_ticks < cur.low:
            cur.low = px_ticks
        cur.close = px_ticks
        cur.lots += lots
        cur.value += px_ticks * lots
        return closed

    def closed(self, now_ms: int) -> Candle | None:
        """The last candle if its period ended by ``now_ms`` and that was not reported yet."""
        cs = self.candles
        if cs and now_ms >= cs[-1].end and self.confirmed < cs[-1].start:
            self.confirmed = cs[-1].start
            return cs[-1]
        return None

    def newest_first(self, after: int | None, before: int | None) -> Iterator[Candle]:
        """Candles newest first, older than ``after`` and newer than ``before`` (ms)."""
        for c in reversed(self.candles):
            if after is not None and c.start >= after:
                continue
            if before is not None and c.start <= before:
                break
            yield c
