"""The simulated exchange: a pure, deterministic facade over books, orders, ledgers and the
market maker (no I/O, no clocks, stdlib only).

(Over 700 lines: it is the one facade every operation, push and query goes through; the logic
lives in the modules below and in :mod:`.feeds` / :mod:`.candles`, only thin queries here.)

One place / amend / cancel path serves the order book and Nitro spreads alike, parameterised
by venue (:data:`~okxws.simulator.order_rules.VENUES`): spread orders match on their own book
and report on ``sprd-orders``; leg settlement is not modelled (spread fills move no balances).
Time is an argument (``now_ms``); randomness comes only from ``random.Random(seed)``, so the
same seed and the same calls give the same ids, prices and events.

Each operation returns an :class:`~okxws.simulator.orders.ItemResult` (rendered by
:func:`~okxws.simulator.render.item_shape`) and appends what must be pushed to an outbox read
by :meth:`Engine.drain_events`: one :class:`OrderEvent` per ``orders``/``sprd-orders`` push as it
happens, then (coalesced per drain) one :class:`BalanceEvent` per user with the currencies that
changed and one :class:`MarketEvent` per book that changed.

Lifecycle of pushes (from recorded traffic): an accepted order pushes ``live``; each fill as
taker pushes ``partially_filled`` with ``execType`` ``T``; a taker that completes (or whose
IOC/FOK/market remainder is cancelled) gets a separate state-only ``filled``/``canceled`` push.
A resting order filled as maker pushes the real state with ``execType`` ``M``.

The parts: :mod:`.order_rules` (argument checks), :mod:`.matching`, :mod:`.ledger` (money),
:mod:`.book`, :mod:`.market_maker`, :mod:`.render` (all JSON).
https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Final, Literal, NamedTuple

from okxws.protocol.ops import OrderVenue

from . import matching, render
from .book import Book
from .candles import candle_row
from .feeds import (
    BalPosEvent,
    Feeds,
    FillsEvent,
    InstrumentsEvent,
    PositionsEvent,
    TradeEvent,
    balance_and_position_data,
    fills_events,
    funding_rate_data,
    held_positions,
    mark_price_data,
    position_item,
)
from .history import FillLog
from .instruments import INSTRUMENTS, SPREADS, USD_LIKE, instrument_by_id, usd_pair
from .ledger import FillAmounts, Hold, Ledger, order_hold
from .market_maker import MarketMaker
from .order_rules import (
    AMEND_NO_FUNDS,
    AMEND_WOULD_TAKE,
    DUPLICATE_CL_ORD_ID,
    VENUES,
    NewOrder,
    VenueRules,
    amend_values,
    arg_text,
    as_bool,
    check_amend,
    check_cancel,
    check_place,
    mass_cancel_scope,
    resolve_instrument,
)
from .orders import (
    MARKET_TYPES,
    MM_UID,
    PENDING_STATES,
    POST_ONLY_TYPES,
    CancelSource,
    EngineArgError,
    Fill,
    Ids,
    ItemResult,
    Order,
    OrderIndex,
    OrderState,
    Reject,
)

__all__ = [
    "DEFAULT_BALANCES",
    "BalanceEvent",
    "Engine",
    "EngineArgError",
    "Event",
    "MarketEvent",
    "OrderEvent",
]

DEFAULT_BALANCES: Final[dict[str, str]] = {"USDT": "1000000", "BTC": "10", "ETH": "100"}

_D0: Final = Decimal(0)
_D1: Final = Decimal(1)
_CANCELED: Final = OrderState.CANCELED


# The outbox records are NamedTuples: immutable, and half the cost of a frozen dataclass to make
# (three per operation).


class OrderEvent(NamedTuple):
    """One ``orders`` (or ``sprd-orders``) push: ``data`` is the full order object.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-order-channel
    """

    uid: str
    channel: Literal["orders", "sprd-orders"]
    inst_type: str
    inst_id: str
    data: dict[str, Any]


class BalanceEvent(NamedTuple):
    """One ``account`` push data item for ``uid`` (``details`` = the currencies that changed).

    https://www.okx.com/docs-v5/en/#trading-account-websocket-account-channel
    """

    uid: str
    data: dict[str, Any]


class MarketEvent(NamedTuple):
    """The book / ticker of ``inst_id`` (an instId or a sprdId) changed."""

    inst_id: str


Event = (
    OrderEvent
    | BalanceEvent
    | MarketEvent
    | FillsEvent
    | BalPosEvent
    | PositionsEvent
    | TradeEvent
    | InstrumentsEvent
)


def _everyone(uid: str, channel: str) -> bool:
    return True


class Engine:
    """The exchange: books, accounts, matching and the push outbox.

    ``seed`` fixes the id counters and the market random walk. ``history_limit`` bounds how many
    finished orders stay queryable; ``mm_levels`` is how many levels per side the market maker
    quotes. https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws
    """

    def __init__(self, seed: int = 0, *, history_limit: int = 100_000, mm_levels: int = 5) -> None:
        #: Who listens: ``audience(uid, channel)`` is False when no session would receive that
        #: account's ``orders`` / ``sprd-orders`` / ``account`` pushes, so the engine does not
        #: render them (a push is a snapshot, rendered when it happens). Default: everyone.
        self.audience: Callable[[str, str], bool] = _everyone
        self._rng = random.Random(seed)
        self._ids = Ids(self._rng)
        self._history_limit = history_limit
        self._now = 0
        self._ledgers: dict[str, Ledger] = {}
        self._changed_ledgers: dict[str, Ledger] = {}
        self._indexes: dict[OrderVenue, dict[str, OrderIndex]] = {"book": {}, "spread": {}}
        self._orders: dict[str, Order] = {}
        self._done: deque[str] = deque()
        #: Every user fill, for ``GET /trade/fills`` and ``/sprd/trades`` (:mod:`.history`).
        self.fills = FillLog(history_limit)
        self._events: list[Event] = []
        self._dirty_mkt: dict[str, None] = {}
        self._books: dict[str, Book[Order]] = {
            i.inst_id: Book.of_instrument(i) for i in INSTRUMENTS
        }
        self._books.update((s.sprd_id, Book.of_spread(s)) for s in SPREADS)
        #: The tape, candles and account fills (:mod:`.feeds`).
        self.feeds = Feeds()
        self._inst_changes: dict[str, dict[str, Any]] = {}
        # Its own generator: the market maker's trades leave the walk and the ids as they were.
        self._mm = MarketMaker(self._rng, self._ids, mm_levels, random.Random(seed + 1))
        for book in self._books.values():
            self._mm.requote(book, self, 0)
            book.commit()  # seqId 1: the first quotes
        self._dirty_mkt.clear()

    # ------------------------------------------------------------------ accounts, outbox

    def create_account(self, uid: str, balances: Mapping[str, str | Decimal] | None = None) -> None:
        """Create (or reset the balances of) account ``uid``; default 1M USDT, 10 BTC, 100 ETH."""
        if uid == MM_UID:
            raise ValueError("reserved uid")
        ledger = self._ledgers.get(uid)
        if ledger is None:
            ledger = self._ledgers[uid] = Ledger(uid, self._changed_ledgers)
        ledger.set_cash(DEFAULT_BALANCES if balances is None else balances, self._now)

    def _ledger(self, uid: str) -> Ledger:
        ledger = self._ledgers.get(uid)
        if ledger is None:
            self.create_account(uid)
            ledger = self._ledgers[uid]
        return ledger

    def _index(self, venue: OrderVenue, uid: str) -> OrderIndex:
        by_uid = self._indexes[venue]
        index = by_uid.get(uid)
        if index is None:
            index = by_uid[uid] = OrderIndex()
        return index

    def drain_events(self) -> list[Event]:
        """Return and clear the outbox in OKX's push order: ``fills``, ``orders`` (in order),
        ``balance_and_position``, ``account``, ``positions``, then market data and trades."""
        out = self._events
        self._events = []
        positions: list[Event] = []
        if self.feeds.has_fills:
            out, positions = self._fill_events(out)
        changed = self._changed_ledgers
        if changed:
            audience = self.audience
            for uid, ledger in changed.items():
                if audience(uid, "account"):
                    data = render.account_data(ledger, ledger.changed, self._usd_price, self._now)
                    out.append(BalanceEvent(uid, data))
                ledger.changed.clear()
            changed.clear()
        out += positions
        if self._dirty_mkt:
            for key in self._dirty_mkt:  # every change of a level also marks its book dirty
                book = self._books[key]
                # Each changed level takes one seqId, so ids jump when several change at once.
                book.commit(max(book.pending_changes, 1))
            out += [MarketEvent(k) for k in self._dirty_mkt]
            self._dirty_mkt = {}
        if self.feeds.has_trades:
            out += self.feeds.drain_trades()
        return out

    def _fill_events(self, orders: list[Event]) -> tuple[list[Event], list[Event]]:
        """``fills`` + ``orders`` + ``balance_and_position`` pushes, and the ``positions`` ones."""
        audience = self.audience
        now = self._now
        head: list[Event] = []
        tail: list[Event] = []
        positions: list[Event] = []
        for uid, acct in self.feeds.drain_accounts():
            if audience(uid, "fills"):
                head += fills_events(uid, acct)
            ledger = self._ledgers[uid]
            if audience(uid, "balance_and_position"):
                data = balance_and_position_data(
                    "filled", ledger, acct.ccys, acct.positions.values(), acct.trades, now
                )
                tail.append(BalPosEvent(uid, data))
            if acct.positions and audience(uid, "positions"):
                items = [
                    (i, position_item(ledger, i, self.mid_price(i.inst_id), now))
                    for i in acct.positions.values()
                ]
                positions.append(PositionsEvent(uid, items))
        return head + orders + tail, positions

    def _usd_price(self, ccy: str) -> Decimal:
        if ccy in USD_LIKE:
            return _D1
        pair = usd_pair(ccy)
        if pair is None:
            return _D0
        book = self._books[pair.inst_id]
        return book.mid * book.tick

    # ------------------------------------------------------------------ place

    def place(
        self,
        venue: OrderVenue,
        uid: str,
        args: Mapping[str, object],
        now_ms: int,
        *,
        inst_id: str | None = None,
    ) -> ItemResult:
        """Place one order: check, reserve, match, rest (``inst_id``: REST's ``instId``).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order,
        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-place-order
        """
        self._now = now_ms
        try:
            o = self._new_order(venue, uid, check_place(venue, args, inst_id))
        except Reject as r:
            return ItemResult(
                cl_ord_id=arg_text(args, "clOrdId"),
                tag=arg_text(args, "tag"),
                code=r.code,
                msg=r.msg,
                sub_code=r.sub_code,
            )
        self._push(o, None)
        matching.submit(o, self)
        self._mm.requote_hit(self, now_ms)
        return ItemResult(o.ord_id, o.cl_ord_id, o.tag, msg=VENUES[venue].placed_msg)

    def _new_order(self, venue: OrderVenue, uid: str, req: NewOrder) -> Order:
        book = self._books[req.key]
        ledger = self._ledger(uid)
        index = self._index(venue, uid)
        if req.cl_ord_id and req.cl_ord_id in index.by_cl:
            raise Reject(*DUPLICATE_CL_ORD_ID)
        inst = req.inst
        now = self._now
        sz_lots = req.sz_lots
        hold: Hold | None = None
        if inst is not None:
            if req.reduce_only and not inst.is_spot:
                ledger.check_reduce_only(inst, req.buy)
            hold, sz_lots = self._order_hold(book, uid, req)
            ledger.check_funds(inst, hold, now)
        oid = self._ids.order_id()
        o = Order(uid, oid, book, req.buy, req.ord_type, req.px_ticks, sz_lots, now, req.sz)
        o.cl_ord_id = req.cl_ord_id
        o.tag = req.tag
        o.td_mode = req.td_mode
        o.tgt_ccy = req.tgt_ccy
        o.reduce_only = req.reduce_only
        o.stp_mode = req.stp_mode
        if inst is not None and hold is not None:
            ref = book.mid * book.tick if o.px is None else o.px
            if inst.is_spot:
                o.fee_ccy, o.rebate_ccy = (
                    (inst.base_ccy, inst.quote_ccy) if o.buy else (inst.quote_ccy, inst.base_ccy)
                )
                value = req.sz if req.tgt_ccy == "quote_ccy" else req.sz * ref
                o.notional_usd = value * self._usd_price(inst.quote_ccy)
            else:
                o.ccy = o.fee_ccy = o.rebate_ccy = inst.settle_ccy
                o.lever = inst.lever
                value = req.sz * inst.ct_val * ref
                o.notional_usd = value * self._usd_price(inst.settle_ccy)
            ledger.hold(o, hold, now)
        self._orders[o.ord_id] = o
        index.add(o)
        return o

    def _order_hold(self, book: Book[Order], uid: str, req: NewOrder) -> tuple[Hold, int]:
        """What the new order holds, and its size in lots (a quote-sized one's is the book's)."""
        inst = req.inst
        assert inst is not None
        buy = req.buy
        if req.ord_type not in MARKET_TYPES:
            assert req.px_ticks is not None
            cost = req.px_ticks * book.tick * req.sz
            return order_hold(inst, buy, cost=cost, base=req.sz), req.sz_lots
        if req.tgt_ccy == "quote_ccy":
            lots, value = matching.preview(book, buy, uid, None, None, req.sz)
            return order_hold(inst, buy, cost=value, base=lots * book.lot, budget=req.sz), lots
        _, value = matching.preview(book, buy, uid, None, req.sz_lots, None)
        return order_hold(inst, buy, cost=value, base=req.sz), req.sz_lots

    # ------------------------------------------------------------------ amend, cancel

    def _named_book(
        self, venue: OrderVenue, args: Mapping[str, object], inst_id: str | None
    ) -> Book[Order] | None:
        """The book an amend / cancel item names (spread items name none)."""
        if venue == "spread":
            return None
        return self._books[resolve_instrument(args, inst_id).inst_id]

    def _find(
        self, rules: VenueRules, uid: str, ord_id: str, cl: str, book: Book[Order] | None
    ) -> Order | None:
        """The user's order an amend / cancel names, if the venue lets it see that order."""
        index = self._indexes[rules.venue].get(uid)
        if index is None:
            return None
        o = index.find(ord_id, cl, self._orders)
        if o is None or o.uid != uid or o.venue != rules.venue:
            return None
        if not rules.finds_finished and o.state not in PENDING_STATES:
            return None
        return o if book is None or o.book is book else None

    def amend(
        self,
        venue: OrderVenue,
        uid: str,
        args: Mapping[str, object],
        now_ms: int,
        *,
        inst_id: str | None = None,
    ) -> ItemResult:
        """Amend one order: ``newSz`` (includes filled) / ``newPx``, ``cxlOnFail``, ``reqId``.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-amend-order,
        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-amend-order
        """
        self._now = now_ms
        rules = VENUES[venue]
        req = arg_text(args, "reqId")
        o: Order | None = None
        try:
            book = self._named_book(venue, args, inst_id)
            ord_id, cl, sz_raw, px_raw = check_amend(args)
            o = self._find(rules, uid, ord_id, cl, book)
            if o is None:
                raise Reject(*rules.amend_missing)
            if o.state not in PENDING_STATES:
                raise Reject(*rules.amend_finished[o.state])
            self._amend(o, sz_raw, px_raw, req)
        except Reject as r:
            if o is None:
                return ItemResult(
                    arg_text(args, "ordId"),
                    arg_text(args, "clOrdId"),
                    req_id=req,
                    code=r.code,
                    msg=r.msg,
                    sub_code=r.sub_code,
                )
            if rules.cancel_on_fail and as_bool(args.get("cxlOnFail")):
                o.req_id = req
                o.amended = False
                self.finish(o, _CANCELED, CancelSource.USER)
                self._mm.requote_hit(self, now_ms)
            return ItemResult(
                o.ord_id, o.cl_ord_id, req_id=req, code=r.code, msg=r.msg, sub_code=r.sub_code
            )
        self._mm.requote_hit(self, now_ms)
        return ItemResult(o.ord_id, o.cl_ord_id, req_id=req)

    def _amend(self, o: Order, sz_raw: str, px_raw: str, req: str) -> None:
        book = o.book
        assert o.px_ticks is not None  # pending orders rest at a price
        new_lots, new_ticks = amend_values(book, o.sz_lots, o.px_ticks, sz_raw, px_raw)
        o.req_id = req
        if new_lots <= o.filled_lots:
            o.amended = True
            o.set_lots(new_lots)
            self.finish(o, OrderState.FILLED, None)
            return
        price_changed = new_ticks != o.px_ticks
        if price_changed and o.ord_type in POST_ONLY_TYPES and book.crosses(o.buy, new_ticks):
            raise Reject(*AMEND_WOULD_TAKE)
        inst = book.inst
        more = _D0
        if inst is not None:
            rest = (new_lots - o.filled_lots) * book.lot
            cost = new_ticks * book.tick * rest
            more = order_hold(inst, o.buy, cost=cost, base=rest).amount - o.reserved
            if not self._ledgers[o.uid].can_hold_more(o, more, self._now):
                raise Reject(*AMEND_NO_FUNDS)
        requeue = price_changed or new_lots > o.sz_lots
        if requeue and o.resting:
            book.remove(o)
        if price_changed:
            o.set_price(new_ticks)
        if new_lots != o.sz_lots:
            o.set_lots(new_lots)
            if o.resting:
                book.touch(o)
        if inst is not None:
            self._ledgers[o.uid].change_hold(o, more, self._now)
        o.amended = True
        o.u_time = self._now
        self._dirty_mkt[book.key] = None
        self._push(o, None)
        if requeue:
            matching.submit(o, self)

    def cancel(
        self,
        venue: OrderVenue,
        uid: str,
        args: Mapping[str, object],
        now_ms: int,
        *,
        inst_id: str | None = None,
    ) -> ItemResult:
        """Cancel one order; ``ts`` of its result is the processing time (as recorded).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-cancel-order,
        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-cancel-order
        """
        self._now = now_ms
        rules = VENUES[venue]
        try:
            book = self._named_book(venue, args, inst_id)
            ord_id, cl = check_cancel(args)
            o = self._find(rules, uid, ord_id, cl, book)
            if o is None:
                raise Reject(*rules.cancel_missing)
            if o.state not in PENDING_STATES:
                raise Reject(*rules.cancel_finished[o.state])
        except Reject as r:
            return ItemResult(
                arg_text(args, "ordId"), arg_text(args, "clOrdId"), code=r.code, msg=r.msg
            )
        self.finish(o, _CANCELED, CancelSource.USER)
        return ItemResult(o.ord_id, o.cl_ord_id)

    def mass_cancel(
        self, venue: OrderVenue, uid: str, args: Mapping[str, object], now_ms: int
    ) -> None:
        """Cancel the user's pending orders in scope (argument errors: :class:`EngineArgError`).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-mass-cancel-order,
        https://www.okx.com/docs-v5/en/#spread-trading-websocket-trade-api-ws-cancel-all-orders
        """
        self._now = now_ms
        in_scope = mass_cancel_scope(venue, args)
        index = self._indexes[venue].get(uid)
        if index is not None:
            for o in list(index.pending.values()):
                if in_scope(o.book):
                    self.finish(o, _CANCELED, CancelSource.USER)

    def cancel_all(self, uid: str, now_ms: int, tag: str = "") -> int:
        """Cancel ``uid``'s pending order-book orders (with ``tag``, if given): the
        cancel-all-after timer firing (``cancelSource`` 20). Returns how many.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-all-after
        """
        self._now = now_ms
        index = self._indexes["book"].get(uid)
        pending = () if index is None else index.pending.values()
        doomed = [o for o in pending if not tag or o.tag == tag]
        for o in doomed:
            self.finish(o, _CANCELED, CancelSource.CANCEL_ALL_AFTER)
        return len(doomed)

    # ------------------------------------------------------------------ matching's callbacks

    def new_trade_id(self) -> str:
        """A new ``tradeId`` (:class:`~okxws.simulator.matching.Trades`)."""
        return self._ids.trade_id()

    def market_changed(self, book: Book[Order]) -> None:
        """Push the book's market data at the next drain (:class:`~.matching.Trades`)."""
        self._dirty_mkt[book.key] = None

    def filled(self, o: Order, px_ticks: int, lots: int, maker: bool, trade_id: str) -> None:
        """Settle and push one fill of ``o`` (:class:`~okxws.simulator.matching.Trades`)."""
        if not maker:  # one public trade per match, reported with its taker
            self.feeds.trade(o.book, o, px_ticks, lots, trade_id, self._now)
        if o.is_mm:
            if maker:
                self._mm.hit(o.book)
            return
        book = o.book
        done = maker and o.filled_lots >= o.sz_lots
        o.state = OrderState.FILLED if done else OrderState.PARTIALLY_FILLED
        o.u_time = now = self._now
        p = px_ticks * book.tick
        qty = lots * book.lot
        o.fill_value += p * qty
        inst = book.inst
        if inst is None:  # spreads: no leg settlement
            amounts = FillAmounts(_D0, _D0, p * qty)
        else:
            amounts = self._ledgers[o.uid].apply_fill(inst, o, p, qty, maker, now)
        o.fee += amounts.fee
        fill = Fill(p, qty, trade_id, amounts.fee, amounts.pnl, maker, amounts.notional, now)
        o.last_fill = fill
        self.fills.record(o, fill)
        if inst is not None:
            self.feeds.user_fill(o, fill)
        self._push(o, fill)
        if done:
            self.finish(o, OrderState.FILLED, None, push=False)

    def finish(
        self, o: Order, state: OrderState, source: CancelSource | None, *, push: bool = True
    ) -> None:
        """End ``o``: off its book, reservation released, unindexed, pushed.

        (:class:`~okxws.simulator.matching.Trades`)
        """
        book = o.book
        if o.resting:
            book.remove(o)
            self._dirty_mkt[book.key] = None
        o.state = state
        o.u_time = self._now
        if o.is_mm:
            return
        if state is _CANCELED:
            o.cancel_source = source
            o.canceled_lots = max(o.sz_lots - o.filled_lots, 0)
        self._ledgers[o.uid].release(o, self._now)
        self._indexes[o.venue][o.uid].close(o)
        done = self._done
        done.append(o.ord_id)
        if len(done) > self._history_limit:
            old = self._orders.pop(done.popleft(), None)
            if old is not None:
                self._indexes[old.venue][old.uid].forget(old)
        if push:
            self._push(o, None)

    def _push(self, o: Order, fill: Fill | None) -> None:
        if o.is_mm:
            return
        inst = o.book.inst
        if inst is None:
            if self.audience(o.uid, "sprd-orders"):
                data = render.spread_order_data(o, fill)
                self._events.append(OrderEvent(o.uid, "sprd-orders", "", o.book.key, data))
        elif self.audience(o.uid, "orders"):
            data = render.order_data(o, fill)
            self._events.append(OrderEvent(o.uid, "orders", inst.inst_type, inst.inst_id, data))

    # ------------------------------------------------------------------ market maker

    def tick_market(self, now_ms: int) -> None:
        """Advance every mid by a seeded random step and re-quote the market maker.

        New quotes that cross users' resting orders fill them (users are makers).
        """
        self._now = now_ms
        self._mm.tick(list(self._books.values()), self, now_ms)
        self.feeds.roll(now_ms)

    # ------------------------------------------------------------------ queries

    def _lookup(self, venue: OrderVenue, uid: str, ord_id: str, cl: str) -> Order | None:
        """The user's order by ``ordId`` or ``clOrdId``, pending or recently finished."""
        index = self._indexes[venue].get(uid)
        o = None if index is None else index.find(ord_id, cl, self._orders)
        return o if o is not None and o.uid == uid and o.venue == venue else None

    def finished_orders(self) -> Iterator[Order]:
        """Every finished order still remembered, newest first (:mod:`.history` queries)."""
        orders = self._orders
        for ord_id in reversed(self._done):
            o = orders.get(ord_id)
            if o is not None:
                yield o

    def get_order(
        self, uid: str, *, inst_id: str, ord_id: str | None = None, cl_ord_id: str | None = None
    ) -> dict[str, Any] | None:
        """``GET /api/v5/trade/order``: the full order object (orders-push shape, last fill).

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details
        """
        o = self._lookup("book", uid, ord_id or "", cl_ord_id or "")
        if o is None or o.book.key != inst_id:
            return None
        return render.order_data(o, o.last_fill)

    def pending_orders(
        self, uid: str, inst_type: str | None = None, inst_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/trade/orders-pending``: newest first.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-list
        """
        index = self._indexes["book"].get(uid)
        if index is None:
            return []
        out: list[dict[str, Any]] = []
        for o in reversed(index.pending.values()):
            inst = o.book.inst
            assert inst is not None
            if inst_type is not None and inst.inst_type != inst_type:
                continue
            if inst_id is not None and inst.inst_id != inst_id:
                continue
            out.append(render.order_data(o, o.last_fill))
        return out

    def get_spread_order(
        self, uid: str, *, ord_id: str | None = None, cl_ord_id: str | None = None
    ) -> dict[str, Any] | None:
        """``GET /api/v5/sprd/order``: the spread order object (sprd-orders shape).

        https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-order-details
        """
        o = self._lookup("spread", uid, ord_id or "", cl_ord_id or "")
        return None if o is None else render.spread_order_data(o, o.last_fill)

    def pending_spread_orders(self, uid: str, sprd_id: str | None = None) -> list[dict[str, Any]]:
        """``GET /api/v5/sprd/orders-pending``: newest first.

        https://www.okx.com/docs-v5/en/#spread-trading-rest-api-get-active-orders
        """
        index = self._indexes["spread"].get(uid)
        if index is None:
            return []
        return [
            render.spread_order_data(o, o.last_fill)
            for o in reversed(index.pending.values())
            if sprd_id is None or o.book.key == sprd_id
        ]

    def balance(self, uid: str) -> dict[str, Any]:
        """``GET /api/v5/account/balance`` data item (same shape as the ``account`` push).

        https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance
        """
        ledger = self._ledger(uid)
        return render.account_data(ledger, list(ledger.balances), self._usd_price, self._now)

    def positions(self, uid: str) -> list[dict[str, str]]:
        """Open net positions (subset of ``GET /api/v5/account/positions`` fields).

        https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions
        """
        ledger = self._ledgers.get(uid)
        return [] if ledger is None else render.positions_data(ledger)

    def book(self, inst_id: str) -> Book[Order]:
        """The book of an instrument or spread (``KeyError`` if there is none)."""
        return self._books[inst_id]

    def ticker(self, inst_id: str, now_ms: int) -> dict[str, str]:
        """``tickers`` push data item for an instrument (or a spread, keyed by sprdId).

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-tickers-channel
        """
        return render.ticker(self._books[inst_id], now_ms)

    def books5(self, inst_id: str, now_ms: int) -> dict[str, Any]:
        """``books5`` push data item: 5 levels of ``[px, sz, "0", numOrders]`` per side.

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
        """
        return render.books5(self._books[inst_id], now_ms)

    def mark_price(self, inst_id: str, now_ms: int) -> dict[str, str]:
        """``mark-price`` push item: the market maker's mid is the mark.

        https://www.okx.com/docs-v5/en/#public-data-websocket-mark-price-channel
        """
        inst = instrument_by_id(inst_id)
        if inst is None:
            raise KeyError(inst_id)
        return mark_price_data(inst, self.mid_price(inst_id), now_ms)

    def funding_rate(self, inst_id: str, now_ms: int) -> dict[str, str]:
        """``funding-rate`` push item of a SWAP (the index: the mid of its family's spot pair).

        https://www.okx.com/docs-v5/en/#public-data-websocket-funding-rate-channel
        """
        inst = instrument_by_id(inst_id)
        if inst is None or inst.inst_type != "SWAP":
            raise KeyError(inst_id)
        spot = self._books.get(inst.inst_family)  # BTC-USDT-SWAP's index: BTC-USDT
        index = _D0 if spot is None else spot.mid * spot.tick
        return funding_rate_data(inst, self.mid_price(inst_id), index, now_ms)

    def instruments(self, inst_type: str) -> list[dict[str, Any]]:
        """``GET /api/v5/public/instruments`` data (the ``instruments`` channel's items), with
        the changes of :meth:`change_instrument`.

        https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments
        """
        changes = self._inst_changes
        data = render.instruments_as_rest(inst_type)
        if not changes:
            return data
        return [{**d, **changes[d["instId"]]} if d["instId"] in changes else d for d in data]

    def change_instrument(self, inst_id: str, **fields: Any) -> None:
        """Change fields of an instrument's reference data (``state="suspend"``, ``upcChg``
        ...): REST shows them and ``instruments`` subscribers get the item at the next drain.
        Matching does not read them.

        https://www.okx.com/docs-v5/en/#public-data-websocket-instruments-channel
        """
        inst = instrument_by_id(inst_id)
        if inst is None:
            raise KeyError(inst_id)
        self._inst_changes.setdefault(inst_id, {}).update(fields)
        item = [d for d in self.instruments(inst.inst_type) if d["instId"] == inst_id]
        self._events.append(InstrumentsEvent(inst.inst_type, item))

    def tickers(self, inst_type: str, now_ms: int) -> list[dict[str, str]]:
        """``GET /api/v5/market/tickers``: the ticker of every instrument of ``inst_type``.

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-tickers
        """
        return [render.ticker(self._books[i.inst_id], now_ms) for i in INSTRUMENTS
                if i.inst_type == inst_type]  # fmt: skip

    def candle_rows(
        self, inst_id: str, bar: str, now_ms: int, *, after: int | None = None,
        before: int | None = None, limit: int = 100,
    ) -> list[list[str]]:  # fmt: skip
        """``GET /api/v5/market/candles``: the candles built from this book's trades, newest
        first (``after``/``before``: older/newer than these ``ts``).

        https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks
        """
        book = self._books[inst_id]
        series = self.feeds.candles(inst_id, bar)
        if series is None:
            return []
        out: list[list[str]] = []
        for c in series.newest_first(after, before):
            if len(out) >= limit:
                break
            out.append(candle_row(c, book, now_ms))
        return out

    def positions_snapshot(self, uid: str, now_ms: int) -> list[tuple[Any, dict[str, str]]]:
        """``(instrument, item)`` of each open position (the ``positions`` snapshot)."""
        ledger = self._ledger(uid)
        return [
            (i, position_item(ledger, i, self.mid_price(i.inst_id), now_ms))
            for i in held_positions(ledger)
        ]

    def balance_and_position(self, uid: str, now_ms: int) -> dict[str, Any]:
        """The ``balance_and_position`` snapshot: non-zero cash, open positions.

        https://www.okx.com/docs-v5/en/#trading-account-websocket-balance-and-position-channel
        """
        ledger = self._ledger(uid)
        ccys = [c for c, b in ledger.balances.items() if b.cash]
        return balance_and_position_data(
            "snapshot", ledger, ccys, held_positions(ledger), [], now_ms
        )

    def mid_price(self, inst_id: str) -> Decimal:
        """Current market-maker mid of an instrument or spread."""
        book = self._books[inst_id]
        return book.mid * book.tick

    # ------------------------------------------------------------------ self-check

    def audit(self) -> None:
        """Raise ``AssertionError`` if internal invariants are broken (for tests).

        Checks: order reservations add up to each ``ordFrozen``, position margins to the rest of
        ``frozenBal``, no negative cash/frozen/available, books hold exactly the resting orders.
        """
        for uid, ledger in self._ledgers.items():
            pending: list[Order] = []
            for by_uid in self._indexes.values():
                index = by_uid.get(uid)
                if index is not None:
                    pending.extend(index.pending.values())
            for o in pending:
                assert o.state in PENDING_STATES, o.state
            ledger.audit(pending)
        for book in self._books.values():
            for side in (book.bids, book.asks):
                assert side.prices == sorted(side.levels), book.key
                for p, lvl in side.levels.items():
                    assert lvl, (book.key, p)
                    for o in lvl.values():
                        assert o.resting and o.px_ticks == p and o.filled_lots < o.sz_lots
            bb, ba = book.bids.best(), book.asks.best()
            assert bb is None or ba is None or bb < ba, (book.key, bb, ba)
