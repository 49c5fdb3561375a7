"""Balance sheets: what each account holds, what its open orders reserve, its net positions, and
how every fill moves them (fees, margin, realised PnL).

SPOT trades in ``cash`` mode move base/quote balances: limit buys reserve ``px * sz`` of the
quote currency, sells the base size. SWAP/OPTION trade in cross/isolated margin in the settle
currency with one net position per instrument: initial margin = notional / lever, realised PnL
on reduction. Fees: maker 0.08 %, taker 0.1 % (SPOT: of the currency received).
https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final, NamedTuple

from .instruments import Instrument, instrument_by_id
from .orders import Order, Reject

__all__ = [
    "MAKER_FEE_RATE",
    "TAKER_FEE_RATE",
    "Balance",
    "FillAmounts",
    "Hold",
    "Ledger",
    "Position",
    "order_hold",
]

MAKER_FEE_RATE: Final = Decimal("0.0008")
TAKER_FEE_RATE: Final = Decimal("0.001")

_D0: Final = Decimal(0)
_Q12: Final = Decimal("1e-12")


class Balance:
    """One currency of one account."""

    __slots__ = ("cash", "margin", "on_orders", "u_time")

    def __init__(self, cash: Decimal, now: int) -> None:
        self.cash = cash
        #: Reserved by open orders (``ordFrozen``).
        self.on_orders = _D0
        #: Initial margin of open positions.
        self.margin = _D0
        self.u_time = now

    @property
    def available(self) -> Decimal:
        return self.cash - self.on_orders - self.margin


class Position:
    """A net position in one derivative."""

    __slots__ = ("cost", "margin", "qty")

    def __init__(self) -> None:
        #: Signed size (positive: long).
        self.qty = _D0
        #: ``|entry value|`` in the settle currency.
        self.cost = _D0
        self.margin = _D0


class Hold(NamedTuple):
    """What a new order must find available (``need``) and then reserves (``amount``)."""

    ccy: str
    need: Decimal
    amount: Decimal


class FillAmounts(NamedTuple):
    """What one fill cost or earned: fee charged, PnL realised, notional (settle currency)."""

    fee: Decimal
    pnl: Decimal
    notional: Decimal


def order_hold(
    inst: Instrument, buy: bool, *, cost: Decimal, base: Decimal, budget: Decimal | None = None
) -> Hold:
    """The funds an order on ``inst`` holds.

    ``cost``: what it may spend, in the quote currency (``px * sz``, or what the book asks for
    the size of a market order); ``base``: the base size a spot sell gives up; ``budget``: what a
    quote-sized spot market buy must have available (it holds only what the book can fill).
    Derivatives hold the initial margin of ``cost``.
    """
    if inst.is_spot:
        if buy:
            return Hold(inst.quote_ccy, cost if budget is None else budget, cost)
        return Hold(inst.base_ccy, base, base)
    margin = cost * inst.ct_val / inst.lever
    return Hold(inst.settle_ccy, margin, margin)


class Ledger:
    """One account's balance sheet.

    ``changed`` lists the currencies that moved since the owner last reported them; the first
    change also records the ledger in the owner's ``registry`` (so changes are reported in
    the order they happened).
    """

    __slots__ = ("_registry", "balances", "changed", "positions", "uid")

    def __init__(self, uid: str, registry: dict[str, Ledger]) -> None:
        self.uid = uid
        self.balances: dict[str, Balance] = {}
        self.positions: dict[str, Position] = {}
        self.changed: dict[str, None] = {}
        self._registry = registry

    def set_cash(self, amounts: Mapping[str, str | Decimal], now: int) -> None:
        for ccy, amount in amounts.items():
            self.balances[ccy] = Balance(Decimal(amount), now)

    def balance(self, ccy: str, now: int) -> Balance:
        """The balance of ``ccy`` (created empty if the account never held it)."""
        b = self.balances.get(ccy)
        if b is None:
            b = self.balances[ccy] = Balance(_D0, now)
        return b

    def _touch(self, ccy: str, b: Balance, now: int) -> None:
        b.u_time = now
        if not self.changed:
            self._registry[self.uid] = self
        self.changed[ccy] = None

    # ------------------------------------------------------------------ orders

    def check_funds(self, inst: Instrument, hold: Hold, now: int) -> None:
        """Reject the order (``51008``) if ``hold.need`` is not available."""
        b = self.balance(hold.ccy, now)
        if hold.need > b.cash - b.on_orders - b.margin:
            what, sub = ("balance", "1000") if inst.is_spot else ("margin", "1001")
            raise Reject("51008", f"Order failed. Insufficient {hold.ccy} {what} in account.", sub)

    def check_reduce_only(self, inst: Instrument, buy: bool) -> None:
        """Reject a reduce-only order that has no position to reduce (``51169``)."""
        p = self.positions.get(inst.inst_id)
        if p is None or not p.qty or (p.qty > 0) == buy:
            raise Reject(
                "51169",
                "Order failed because you don't have any positions in this direction for this "
                "contract to reduce or close.",
            )

    def hold(self, o: Order, hold: Hold, now: int) -> None:
        """Reserve ``hold.amount`` for the new order ``o``."""
        o.res_ccy = hold.ccy
        o.reserved = hold.amount
        if hold.amount:
            b = self.balance(hold.ccy, now)
            b.on_orders += hold.amount
            self._touch(hold.ccy, b, now)

    def can_hold_more(self, o: Order, extra: Decimal, now: int) -> bool:
        """Whether ``o``'s reservation can grow by ``extra`` (an amend)."""
        return extra <= 0 or extra <= self.balance(o.res_ccy, now).available

    def change_hold(self, o: Order, delta: Decimal, now: int) -> None:
        if delta:
            b = self.balances[o.res_ccy]
            o.reserved += delta
            b.on_orders += delta
            self._touch(o.res_ccy, b, now)

    def release(self, o: Order, now: int) -> None:
        """Give back what the finished order ``o`` still reserves."""
        if o.reserved:
            b = self.balances[o.res_ccy]
            b.on_orders -= o.reserved
            o.reserved = _D0
            self._touch(o.res_ccy, b, now)

    # ------------------------------------------------------------------ fills

    def apply_fill(
        self, inst: Instrument, o: Order, p: Decimal, qty: Decimal, maker: bool, now: int
    ) -> FillAmounts:
        """Book a fill of ``qty`` at ``p`` of the user order ``o``: balances, position, fee."""
        rate = MAKER_FEE_RATE if maker else TAKER_FEE_RATE
        if inst.is_spot:
            return self._spot_fill(inst, o, p, qty, rate, now)
        return self._derivative_fill(inst, o, p, qty, rate, now)

    def _spot_fill(
        self, inst: Instrument, o: Order, p: Decimal, qty: Decimal, rate: Decimal, now: int
    ) -> FillAmounts:
        value = p * qty
        qb = self.balance(inst.quote_ccy, now)
        bb = self.balance(inst.base_ccy, now)
        if o.buy:
            rel = value if o.px is None else o.px * qty
            if rel > o.reserved:
                rel = o.reserved
            o.reserved -= rel
            qb.on_orders -= rel
            qb.cash -= value
            fee = qty * rate
            bb.cash += qty - fee
        else:
            rel = qty if qty <= o.reserved else o.reserved
            o.reserved -= rel
            bb.on_orders -= rel
            bb.cash -= qty
            fee = value * rate
            qb.cash += value - fee
        self._touch(inst.quote_ccy, qb, now)
        self._touch(inst.base_ccy, bb, now)
        return FillAmounts(fee, _D0, value)

    def _derivative_fill(
        self, inst: Instrument, o: Order, p: Decimal, qty: Decimal, rate: Decimal, now: int
    ) -> FillAmounts:
        lever = inst.lever
        notional = p * qty * inst.ct_val
        b = self.balance(inst.settle_ccy, now)
        rel = notional / lever if o.px is None else o.px * qty * inst.ct_val / lever
        if rel > o.reserved:
            rel = o.reserved
        o.reserved -= rel
        b.on_orders -= rel
        fee = notional * rate
        pos = self.positions.get(inst.inst_id)
        if pos is None:
            pos = self.positions[inst.inst_id] = Position()
        pnl = _D0
        if not pos.qty or (pos.qty > 0) == o.buy:  # open or add
            pos.qty += qty if o.buy else -qty
            pos.cost += notional
            mg = notional / lever
            pos.margin += mg
            b.margin += mg
        else:  # reduce, close, or flip
            held = abs(pos.qty)
            close = qty if qty <= held else held
            if close == held:
                basis, mrel = pos.cost, pos.margin
            else:
                basis = (pos.cost * close / held).quantize(_Q12)
                mrel = (pos.margin * close / held).quantize(_Q12)
            exit_val = p * close * inst.ct_val
            pnl = exit_val - basis if pos.qty > 0 else basis - exit_val
            pos.cost -= basis
            pos.margin -= mrel
            b.margin -= mrel
            pos.qty += close if pos.qty < 0 else -close
            rest = qty - close
            if rest:
                val = p * rest * inst.ct_val
                pos.qty = rest if o.buy else -rest
                pos.cost = val
                mg = val / lever
                pos.margin = mg
                b.margin += mg
        b.cash += pnl - fee
        o.pnl += pnl
        self._touch(inst.settle_ccy, b, now)
        return FillAmounts(fee, pnl, notional)

    # ------------------------------------------------------------------ self-check

    def audit(self, open_orders: Iterable[Order]) -> None:
        """Raise ``AssertionError`` unless the reservations of ``open_orders`` add up to each
        ``ordFrozen``, position margins to the rest of ``frozenBal``, and nothing is negative."""
        reserved: dict[str, Decimal] = {}
        for o in open_orders:
            reserved[o.res_ccy] = reserved.get(o.res_ccy, _D0) + o.reserved
        margins: dict[str, Decimal] = {}
        for inst_id, pos in self.positions.items():
            inst = instrument_by_id(inst_id)
            assert inst is not None, inst_id
            margins[inst.settle_ccy] = margins.get(inst.settle_ccy, _D0) + pos.margin
        uid = self.uid
        for ccy, b in self.balances.items():
            assert b.on_orders == reserved.get(ccy, _D0), (uid, ccy, b.on_orders, reserved)
            assert b.margin == margins.get(ccy, _D0), (uid, ccy, b.margin, margins)
            assert b.cash >= 0 and b.on_orders >= 0 and b.margin >= 0, (uid, ccy)
            assert b.available >= 0, (uid, ccy)
