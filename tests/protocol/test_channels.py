"""The channel table: which connection serves a channel and whether it needs a login."""

import pytest

from okxws.protocol.channels import (
    BOOK_CHANNELS,
    CHANNELS,
    channel_conn_kind,
    channel_needs_login,
    channel_spec,
)


@pytest.mark.parametrize(
    ("channel", "kind", "login"),
    [
        ("tickers", "public", False),
        ("books5", "public", False),
        ("books-l2-tbt", "public", True),
        ("orders", "private", True),
        ("fills", "private", True),
        ("account", "private", True),
        ("sprd-orders", "business", True),
        ("sprd-books5", "business", False),
        ("candle1m", "business", False),
        ("mark-price-candle1H", "business", False),
        ("trades-all", "business", False),
        ("deposit-info", "business", True),
        ("no-such-channel", "public", False),
    ],
)
def test_channel_routing(channel: str, kind: str, login: bool) -> None:
    assert channel_conn_kind(channel) == kind
    assert channel_needs_login(channel) is login


def test_book_channels() -> None:
    assert {
        "books",
        "books5",
        "bbo-tbt",
        "books-l2-tbt",
        "books50-l2-tbt",
        "sprd-books5",
        "sprd-bbo-tbt",
        "sprd-books-l2-tbt",
    } <= BOOK_CHANNELS
    books = channel_spec("books").book
    assert books is not None and (books.depth, books.incremental) == (400, True)
    bbo = channel_spec("bbo-tbt").book
    assert bbo is not None and (bbo.depth, bbo.incremental, bbo.checksum) == (1, False, False)
    spread = channel_spec("sprd-books-l2-tbt").book
    assert spread is not None and spread.level_width == 3
    assert channel_spec("books50-l2-tbt").vip_tier == 4
    assert all(spec.name == name for name, spec in CHANNELS.items())
