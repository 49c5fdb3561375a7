"""OKX WebSocket channels: which connection serves each one, and what it needs.

One table shared by the client (routing, login before subscribing, order books) and the
simulator (which URL accepts a channel). okx-protocol.md section 1.2 and okx-streams-rest.md
sections 1.1 (order books), 2 (market data) and 3.1 (private channels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .endpoints import ConnKind

__all__ = [
    "BOOK_CHANNELS",
    "BOOK_PUSH_ORDER",
    "CANDLE_BARS",
    "CHANNELS",
    "BookSpec",
    "ChannelSpec",
    "channel_conn_kind",
    "channel_needs_login",
    "channel_spec",
]


@dataclass(frozen=True, slots=True)
class BookSpec:
    """How an order-book channel pushes (okx-streams-rest.md section 1.1)."""

    #: Levels per side of a snapshot.
    depth: int
    #: ``snapshot`` then ``update`` deltas with ``prevSeqId`` (else every push is a snapshot).
    incremental: bool
    #: Elements of a level: 4 ``[px, sz, "0", count]`` for instruments, 3 for spreads.
    level_width: int = 4
    #: The push carries a ``checksum`` field (fixed to 0 on OKX since 2026-06).
    checksum: bool = False
    #: At most one push per this many ms (only when something changed): 100 for ``books`` /
    #: ``books5``, 10 for the tick-by-tick channels.
    interval_ms: int = 100
    #: The channels OKX refuses beside this one for the same instrument (``64004``).
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One channel: the connection that serves it and whether that connection logs in."""

    name: str
    conn_kind: ConnKind
    needs_login: bool = False
    #: The OKX trading-fee tier it needs (``64003`` below it): VIP4 for the l2-tbt books.
    vip_tier: int = 0
    book: BookSpec | None = None


def _table(*specs: ChannelSpec) -> dict[str, ChannelSpec]:
    return {s.name: s for s in specs}


def _public(*names: str) -> list[ChannelSpec]:
    return [ChannelSpec(n, "public") for n in names]


def _business(*names: str, login: bool) -> list[ChannelSpec]:
    return [ChannelSpec(n, "business", needs_login=login) for n in names]


_INCREMENTAL_400: Final = BookSpec(400, incremental=True, checksum=True)

CHANNELS: Final[dict[str, ChannelSpec]] = _table(
    # Order books (okx-streams-rest.md 1.1).
    ChannelSpec(
        "books",
        "public",
        book=BookSpec(400, incremental=True, checksum=True, conflicts=("books-l2-tbt",)),
    ),
    ChannelSpec("books-elp", "public", book=_INCREMENTAL_400),
    ChannelSpec("books5", "public", book=BookSpec(5, incremental=False)),
    ChannelSpec("bbo-tbt", "public", book=BookSpec(1, incremental=False, interval_ms=10)),
    ChannelSpec(
        "books-l2-tbt",
        "public",
        needs_login=True,
        vip_tier=4,
        book=BookSpec(
            400,
            incremental=True,
            checksum=True,
            interval_ms=10,
            conflicts=("books", "books50-l2-tbt"),
        ),
    ),
    ChannelSpec(
        "books50-l2-tbt",
        "public",
        needs_login=True,
        vip_tier=4,
        book=BookSpec(
            50, incremental=True, checksum=True, interval_ms=10, conflicts=("books-l2-tbt",)
        ),
    ),
    ChannelSpec("sprd-books5", "business", book=BookSpec(5, incremental=False, level_width=3)),
    ChannelSpec(
        "sprd-bbo-tbt",
        "business",
        book=BookSpec(1, incremental=False, level_width=3, interval_ms=10),
    ),
    ChannelSpec(
        "sprd-books-l2-tbt",
        "business",
        book=BookSpec(400, incremental=True, level_width=3, checksum=True, interval_ms=10),
    ),
    # Public market data (section 2).
    *_public(
        "tickers", "trades", "mark-price", "funding-rate", "instruments", "open-interest",
        "price-limit", "opt-summary", "estimated-price", "index-tickers", "liquidation-orders",
        "adl-warning", "call-auction-details", "status",
    ),
    # Private channels on /ws/v5/private (section 3.1).
    *[
        ChannelSpec(n, "private", needs_login=True)
        for n in ("account", "positions", "balance_and_position", "liquidation-warning",
                  "account-greeks", "orders")
    ],
    ChannelSpec("fills", "private", needs_login=True, vip_tier=4),
    # Channels on /ws/v5/business (okx-protocol.md 1.2).
    *_business(
        "sprd-orders", "sprd-trades", "orders-algo", "algo-advance", "grid-orders-spot",
        "grid-orders-contract", "grid-positions", "grid-sub-orders", "algo-recurring-buy",
        "copytrading-notification", "copytrading-lead-notification", "deposit-info",
        "withdrawal-info", "rfqs", "quotes", "struc-block-trades", login=True,
    ),
    *_business(
        "sprd-public-trades", "sprd-tickers", "trades-all", "public-struc-block-trades",
        "public-block-trades", "block-tickers", "economic-calendar", "ftx-notifications",
        login=False,
    ),
)  # fmt: skip

#: The order-book channels, by name.
BOOK_CHANNELS: Final[frozenset[str]] = frozenset(n for n, s in CHANNELS.items() if s.book)

#: The bars of the ``candle<bar>`` channels (okx-streams-rest.md section 2), also the ``bar``
#: of ``GET /api/v5/market/candles``.
CANDLE_BARS: Final = (
    "1s", "1m", "3m", "5m", "15m", "30m", "1H", "2H", "4H", "6H", "12H", "1D", "2D", "3D", "5D",
    "1W", "1M", "3M", "6Hutc", "12Hutc", "1Dutc", "2Dutc", "3Dutc", "5Dutc", "1Wutc", "1Mutc",
    "3Mutc",
)  # fmt: skip

#: "The push sequence for order book channels within the same connection and trading symbols
#: is fixed as: bbo-tbt -> books-l2-tbt -> books50-l2-tbt -> books -> books-elp -> books5"
#: (spreads: sprd-bbo-tbt -> sprd-books-l2-tbt -> sprd-books5); okx-streams-rest.md 1.1.
BOOK_PUSH_ORDER: Final[tuple[str, ...]] = (
    "bbo-tbt", "books-l2-tbt", "books50-l2-tbt", "books", "books-elp", "books5",
    "sprd-bbo-tbt", "sprd-books-l2-tbt", "sprd-books5",
)  # fmt: skip

# Candlesticks are a family of channels, one per bar: all on /ws/v5/business, public.
_BUSINESS_PREFIXES: Final = ("candle", "mark-price-candle", "index-candle")


def channel_spec(channel: str) -> ChannelSpec:
    """What the table knows of ``channel``; an unknown channel is taken as public (OKX then
    answers ``60018`` if it does not exist)."""
    spec = CHANNELS.get(channel)
    if spec is not None:
        return spec
    if channel.startswith(_BUSINESS_PREFIXES):
        return ChannelSpec(channel, "business")
    return ChannelSpec(channel, "public")


def channel_conn_kind(channel: str) -> ConnKind:
    """Which connection serves a channel (okx-protocol.md section 1.2)."""
    return channel_spec(channel).conn_kind


def channel_needs_login(channel: str) -> bool:
    """Whether subscribing to ``channel`` requires its connection to be logged in."""
    return channel_spec(channel).needs_login
