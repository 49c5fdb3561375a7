"""``okxws orders``, ``okxws balance``, ``okxws positions``: the account, read over REST
(``client.get_rest_client()``), as tables."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, cast

from ..api.rest import RestClient
from ..protocol import rest as r
from . import target
from .common import say
from .tables import BALANCE_COLUMNS, ORDER_COLUMNS, POSITION_COLUMNS, records_table, show

__all__ = ["balance", "orders", "positions"]


async def orders(args: argparse.Namespace) -> int:
    """Open orders (``GET /api/v5/trade/orders-pending``), newest first."""
    query = cast(r.OrderListParams, _filters(args))
    found = await _read(args, lambda rest: rest.get_order_list(query))
    return _show("open orders", ORDER_COLUMNS, found)


async def balance(args: argparse.Namespace) -> int:
    """Equity and balances (``GET /api/v5/account/balance``)."""
    found = await _read(args, lambda rest: rest.get_balance({"ccy": args.ccy} if args.ccy else {}))
    if not found:
        return _show("balance", BALANCE_COLUMNS, [])
    title = f"balance (total equity {found[0].get('totalEq') or '-'} USD)"
    return _show(title, BALANCE_COLUMNS, found[0].get("details") or [])


async def positions(args: argparse.Namespace) -> int:
    """Open positions (``GET /api/v5/account/positions``)."""
    query = cast(r.PositionsParams, _filters(args))
    found = await _read(args, lambda rest: rest.get_positions(query))
    return _show("open positions", POSITION_COLUMNS, found)


def _filters(args: argparse.Namespace) -> dict[str, str]:
    """The ``instType`` / ``instId`` query of ``--inst-type`` / ``--inst-id``."""
    given = (("instType", args.inst_type), ("instId", args.inst_id))
    return {field: value for field, value in given if value}


async def _read(
    args: argparse.Namespace, call: Callable[[RestClient], Awaitable[list[Any]]]
) -> list[Any]:
    async with target.connect(args) as connected:
        return await call(connected.client.get_rest_client())


def _show(title: str, columns: Sequence[tuple[str, str]], records: list[Mapping[str, Any]]) -> int:
    if records:
        show(records_table(title, columns, records))
    else:
        say(f"no {title.split(' (')[0]}")
    return 0
