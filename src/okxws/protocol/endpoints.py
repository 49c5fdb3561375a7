"""WebSocket and REST endpoints for every OKX market, live and demo.

OKX docs: https://www.okx.com/docs-v5/en/#overview-production-trading-services and
https://www.okx.com/docs-v5/en/#overview-demo-trading-services (okx-protocol.md section 1.1).
The hosts are port-less: port 8443 is reported retired since 2026-10-31 (section 1.1), and the
same services answer on 443.
"""

from __future__ import annotations

from typing import Final, Literal, get_args
from urllib.parse import urlsplit

from .exceptions import OkxValidationError

__all__ = [
    "CONN_KINDS",
    "DEMO_TRADING_HEADER",
    "MARKETS",
    "ConnKind",
    "Market",
    "rest_base_url",
    "ws_url",
]

Market = Literal["prod", "EEA", "US"]
ConnKind = Literal["public", "private", "business"]
MARKETS: Final[tuple[Market, ...]] = get_args(Market)
CONN_KINDS: Final[tuple[ConnKind, ...]] = get_args(ConnKind)

#: REST header that routes a request to demo trading (WebSocket uses separate hosts instead).
DEMO_TRADING_HEADER: Final = ("x-simulated-trading", "1")

# (market, demo) -> WebSocket host
_WS_HOSTS: Final[dict[tuple[Market, bool], str]] = {
    ("prod", False): "wss://ws.okx.com",
    ("prod", True): "wss://wspap.okx.com",
    ("EEA", False): "wss://wseea.okx.com",
    ("EEA", True): "wss://wseeapap.okx.com",
    ("US", False): "wss://wsus.okx.com",
    ("US", True): "wss://wsuspap.okx.com",
}

# market -> REST base (demo uses the same host plus DEMO_TRADING_HEADER)
_REST_BASES: Final[dict[Market, str]] = {
    "prod": "https://www.okx.com",
    "EEA": "https://eea.okx.com",
    "US": "https://us.okx.com",
}


def _check_market(market: str) -> Market:
    """``market`` if it names an OKX market, else a validation error."""
    if market not in MARKETS:
        raise OkxValidationError(f"market must be one of {MARKETS}, not {market!r}")
    return market


def _normalize_base(base_url: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in schemes or not parts.netloc:
        raise OkxValidationError(
            f"base URL must look like {schemes[0]}://host[:port], not {base_url!r}"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def ws_url(market: str, demo: bool, kind: str, base_url: str | None = None) -> str:
    """The WebSocket URL of one OKX service.

    ``base_url`` (e.g. ``ws://127.0.0.1:8765``) replaces scheme, host and port; the
    ``/ws/v5/{kind}`` path is kept. See https://www.okx.com/docs-v5/en/#overview-websocket.
    """
    if kind not in CONN_KINDS:
        raise OkxValidationError(f"connection kind must be one of {CONN_KINDS}, not {kind!r}")
    if base_url is not None:
        return f"{_normalize_base(base_url, ('ws', 'wss'))}/ws/v5/{kind}"
    return f"{_WS_HOSTS[(_check_market(market), bool(demo))]}/ws/v5/{kind}"


def rest_base_url(market: str, base_url: str | None = None) -> str:
    """The REST base URL of a market (demo: same host, plus :data:`DEMO_TRADING_HEADER`).

    See https://www.okx.com/docs-v5/en/#overview-rest-authentication.
    """
    if base_url is not None:
        return _normalize_base(base_url, ("http", "https"))
    return _REST_BASES[_check_market(market)]
