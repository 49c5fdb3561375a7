"""Matching: an incoming order takes from the opposite side of its book, best price first and in
arrival order within a price, then rests or ends.

Self-trade prevention is always ``cancel_maker``: the taker cancels the user's own resting order
(``cancelSource`` 32); ``stpMode`` is only echoed. A ``post_only`` order that would take is
cancelled (31) without trading; a FOK that cannot fill completely is cancelled (13) without
trading; the unfilled rest of an IOC or market order is cancelled (14). What a fill does to
balances, and the pushes, is the :class:`Trades` owner's business (the engine).
https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Protocol

from .book import Book
from .orders import IMMEDIATE_TYPES, POST_ONLY_TYPES, CancelSource, Order, OrderState, OrdType

__all__ = ["Trades", "match", "preview", "submit"]

_D0: Final = Decimal(0)


class Trades(Protocol):
    """What matching reports to the exchange."""

    def new_trade_id(self) -> str: ...

    def filled(self, o: Order, px_ticks: int, lots: int, maker: bool, trade_id: str) -> None:
        """``o`` traded ``lots`` at ``px_ticks`` (its ``filled_lots`` already counts them)."""

    def finish(self, o: Order, state: OrderState, source: CancelSource | None) -> None:
        """End ``o``: off the book, reservation released, final push."""

    def market_changed(self, book: Book[Order]) -> None:
        """The book or its last trade changed (tickers and books pushes follow)."""


def preview(
    book: Book[Order],
    buy: bool,
    uid: str,
    limit: int | None,
    max_lots: int | None,
    budget: Decimal | None,
) -> tuple[int, Decimal]:
    """Lots and quote value a taker of ``uid`` could fill now, up to the price ``limit``, the
    size ``max_lots`` and the quote ``budget`` (own orders skipped: STP)."""
    opp = book.opposite_side(buy)
    unit = book.tick * book.lot
    lots = 0
    value = _D0
    for p in opp.best_first():
        if limit is not None and (p > limit if buy else p < limit):
            break
        for m in opp.levels[p].values():
            if m.uid == uid:
                continue
            q = m.sz_lots - m.filled_lots
            if max_lots is not None:
                q = min(q, max_lots - lots)
            if budget is not None:
                q = min(q, int((budget - value) / (p * unit)))
            if q <= 0:
                return lots, value
            lots += q
            value += p * q * unit
            if max_lots is not None and lots >= max_lots:
                return lots, value
    return lots, value


def submit(o: Order, trades: Trades) -> None:
    """Match the new (or re-priced) order ``o`` as taker, then rest it or end it."""
    book = o.book
    px = o.px_ticks
    if o.ord_type in POST_ONLY_TYPES and px is not None and book.crosses(o.buy, px):
        trades.finish(o, OrderState.CANCELED, CancelSource.POST_ONLY_WOULD_TAKE)
        return
    if o.ord_type is OrdType.FOK:
        lots, _ = preview(book, o.buy, o.uid, px, o.sz_lots, None)
        if lots < o.sz_lots - o.filled_lots:
            trades.finish(o, OrderState.CANCELED, CancelSource.FOK_UNFILLABLE)
            return
    if px is None or book.crosses(o.buy, px):
        match(o, px, trades)
    if o.filled_lots >= o.sz_lots:
        if o.sz_lots == 0 and not o.filled_lots:  # a quote-sized market order found nothing
            trades.finish(o, OrderState.CANCELED, CancelSource.UNFILLED_REMAINDER)
        else:
            trades.finish(o, OrderState.FILLED, None)
    elif o.ord_type in IMMEDIATE_TYPES:
        trades.finish(o, OrderState.CANCELED, CancelSource.UNFILLED_REMAINDER)
    else:
        book.add(o)
        trades.market_changed(book)


def match(t: Order, limit: int | None, trades: Trades) -> None:
    """Let ``t`` take from the opposite side up to the price ``limit`` (``None``: any)."""
    book = t.book
    opp = book.opposite_side(t.buy)
    buy = t.buy
    while t.filled_lots < t.sz_lots:
        best = opp.best()
        if best is None or (limit is not None and (best > limit if buy else best < limit)):
            break
        for m in list(opp.levels[best].values()):
            if m.uid == t.uid and not t.is_mm:
                trades.finish(m, OrderState.CANCELED, CancelSource.SELF_TRADE)
                continue
            _cross(t, m, best, min(t.sz_lots - t.filled_lots, m.sz_lots - m.filled_lots), trades)
            if t.filled_lots >= t.sz_lots:
                break
    trades.market_changed(book)


def _cross(t: Order, m: Order, px_ticks: int, lots: int, trades: Trades) -> None:
    """One trade of ``lots`` between taker ``t`` and resting maker ``m`` at ``m``'s price."""
    book = t.book
    trade_id = trades.new_trade_id()
    m.filled_lots += lots
    t.filled_lots += lots
    qty = lots * book.lot
    inst = book.inst
    # 24 h volume in the quote currency (spot, spreads) or the base currency (derivatives)
    volume = px_ticks * book.tick * qty if inst is None or inst.is_spot else qty * inst.ct_val
    book.record_trade(px_ticks, lots, volume)
    if m.filled_lots >= m.sz_lots:
        book.remove(m)
    else:
        book.touch(m)
    trades.filled(m, px_ticks, lots, True, trade_id)
    trades.filled(t, px_ticks, lots, False, trade_id)
