"""Client order ids: unique across processes, so an order whose outcome is unknown can be found.

OKX allows 1-32 letters and digits (https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order).
"""

from __future__ import annotations

import secrets
from typing import Any

from .validation import HAS_CL_ORD_ID, HAS_TAG

__all__ = ["ClientOrderIds", "OrderDefaults"]


class ClientOrderIds:
    """``o`` + 10 random hex digits per process, then a counter: ``o3fa9c1b2d71``, ``...2`` ..."""

    __slots__ = ("_prefix", "_seq")

    def __init__(self) -> None:
        self._prefix = "o" + secrets.token_hex(5)
        self._seq = 0

    def next(self) -> str:
        """The next id (a named method: compiled, a direct call, which ``__call__`` is not)."""
        self._seq += 1
        return self._prefix + str(self._seq)


class OrderDefaults:
    """What okxws adds to every new order: a generated ``clOrdId`` when it has none
    (``auto_client_order_id``) and the client's ``default_tag`` when it has no ``tag``; a
    caller's own values are never overwritten."""

    __slots__ = ("auto_client_order_id", "default_tag", "new_id")

    def __init__(self, auto_client_order_id: bool, default_tag: str | None) -> None:
        self.auto_client_order_id = bool(auto_client_order_id)
        self.default_tag = default_tag
        self.new_id = ClientOrderIds()

    @property
    def active(self) -> bool:
        """Whether anything is ever added."""
        return self.auto_client_order_id or self.default_tag is not None

    def apply(self, order: dict[str, Any], flags: int) -> None:
        """Fill in ``order`` (a copy the caller owns) in place; ``flags`` are the checked
        order's (:meth:`~okxws.api.validation.OpRules.check_item`): what it has already."""
        if self.auto_client_order_id and not flags & HAS_CL_ORD_ID:
            order["clOrdId"] = self.new_id.next()
        if self.default_tag is not None and not flags & HAS_TAG:
            order["tag"] = self.default_tag
