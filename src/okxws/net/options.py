"""Every client option, declared once, with its default and its check.

:class:`ClientOptions` is what ``WebsocketClient`` and ``WebsocketAPIClient`` (and later
``RestClient``) are configured by; their constructors take the same names as keywords
(:class:`ClientOptionsKw`, checked by mypy at the call site) and build one frozen
``ClientOptions``, so a default is written in one place only. The names follow the Node SDK
``okx-api`` in Python form, with times in seconds (design.md section 1).
"""

from __future__ import annotations

import dataclasses
import math
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypedDict
from urllib.parse import urlsplit

from ..protocol.endpoints import MARKETS, Market, rest_base_url, ws_url
from ..protocol.exceptions import OkxValidationError
from ..protocol.ops import RateLimit

if TYPE_CHECKING:
    from .socket import TransportFactory

__all__ = [
    "DEFAULT",
    "ClientOptions",
    "ClientOptionsKw",
    "Default",
    "RateLimitMode",
    "Timeout",
    "check_seconds",
]

#: What a request over an OKX budget does: wait for budget within its deadline (default),
#: fail at once with ``OkxRateLimitError`` (nothing sent), or no client-side limiting.
RateLimitMode = Literal["wait", "raise", "off"]


class Default:
    """The type of :data:`DEFAULT`: "use the client's setting" (``None`` means "no deadline")."""

    _instance: Default | None = None

    def __new__(cls) -> Default:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DEFAULT"


#: Pass as ``timeout`` to use the client's ``request_timeout``.
DEFAULT: Final = Default()
#: A per-call deadline: seconds, ``None`` (wait forever) or :data:`DEFAULT`.
Timeout = float | None | Default


def check_seconds(name: str, value: float, *, low: float = 0.0, high: float = math.inf) -> float:
    """``value`` as a float if it is a number of seconds in ``(low, high]``, else raise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= high:
        raise OkxValidationError(f"{name} must be a number of seconds in ({low}, {high}]")
    return float(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientOptions:
    """The settings of one client; checked when built, before anything connects."""

    #: ``"prod"`` (global), ``"EEA"`` or ``"US"``: which OKX hosts to use.
    market: Market = "prod"
    #: OKX demo trading (its own WebSocket hosts; the ``x-simulated-trading`` REST header).
    demo_trading: bool = False
    #: Replaces scheme, host and port of every WebSocket URL (``/ws/v5/{kind}`` kept).
    ws_base_url: str | None = None
    #: Replaces the REST base URL (simulator, proxy).
    rest_base_url: str | None = None
    #: Seconds without an incoming frame before the client sends ``ping`` (at most 29: OKX
    #: closes a connection idle for 30 s).
    ping_interval: float = 10.0
    #: Seconds to wait for any frame after a ``ping`` before the socket counts as dead.
    pong_timeout: float = 3.0
    #: The first reconnect delay; then exponential backoff with jitter up to the next one.
    reconnect_timeout: float = 0.5
    max_reconnect_delay: float = 30.0
    #: The default deadline of every request (``None``: wait forever); per call ``timeout=``.
    request_timeout: float | None = 10.0
    #: Deadline of the TCP + TLS + WebSocket handshake and of the login answer.
    connect_timeout: float = 10.0
    #: How long a socket replaced after a 64008 notice may keep serving its requests.
    drain_timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None
    #: Every connection through this proxy: ``http://[user:pass@]host:port`` (HTTP CONNECT)
    #: or ``socks5://...`` / ``socks4://...``; REST and WebSocket alike.
    proxy: str | None = None
    #: Log the connection lifecycle through ``logging`` (like the Node SDK's listeners).
    attach_event_listeners: bool = True
    #: Client-side rate limiting, keyed as OKX keys its limits (docs/rate-limits.md).
    rate_limit: RateLimitMode = "wait"
    #: Budgets that differ from OKX's published ones, by bucket name (``"place"``,
    #: ``"sub-account"``, ...; see :mod:`okxws.protocol.ratelimit`).
    rate_limits: Mapping[str, RateLimit] | None = None
    #: Opens WebSockets (default: picows, :func:`okxws.net.transport.open_ws`); tests and
    #: benchmarks pass an in-memory transport.
    transport: TransportFactory | None = None

    def __post_init__(self) -> None:
        if self.market not in MARKETS:
            raise OkxValidationError(f"market must be one of {MARKETS}, not {self.market!r}")
        check_seconds("ping_interval", self.ping_interval, high=29.0)
        check_seconds("pong_timeout", self.pong_timeout, high=self.ping_interval)
        check_seconds("reconnect_timeout", self.reconnect_timeout)
        check_seconds("max_reconnect_delay", self.max_reconnect_delay)
        check_seconds("connect_timeout", self.connect_timeout)
        check_seconds("drain_timeout", self.drain_timeout)
        if self.request_timeout is not None:
            check_seconds("request_timeout", self.request_timeout)
        if self.proxy is not None:
            parts = urlsplit(self.proxy) if isinstance(self.proxy, str) else None
            if parts is None or parts.scheme not in _PROXY_SCHEMES or not parts.hostname:
                raise OkxValidationError(
                    f"proxy must look like http://host:port or socks5://host:port, "
                    f"not {self.proxy!r}"
                )
        if self.rate_limit not in ("wait", "raise", "off"):
            raise OkxValidationError(
                f"rate_limit must be wait, raise or off, not {self.rate_limit!r}"
            )
        for bucket, rule in (self.rate_limits or {}).items():
            if not isinstance(rule, RateLimit) or rule.bucket != bucket:
                raise OkxValidationError(
                    f"rate_limits[{bucket!r}] must be a RateLimit of that bucket"
                )
        if self.ssl_context is not None and not isinstance(self.ssl_context, ssl.SSLContext):
            raise OkxValidationError("ssl_context must be an ssl.SSLContext")
        # The URLs are checked now, before anything is sent.
        for kind in ("public", "private", "business"):
            ws_url(self.market, self.demo_trading, kind, self.ws_base_url)
        rest_base_url(self.market, self.rest_base_url)

    @classmethod
    def of(cls, options: dict[str, Any]) -> ClientOptions:
        """Build from constructor keywords, refusing an unknown name with a clear error."""
        unknown = sorted(set(options) - _FIELDS)
        if unknown:
            raise OkxValidationError(f"unknown client option(s): {', '.join(unknown)}")
        return cls(**options)

    def ws_url(self, kind: str) -> str:
        """The WebSocket URL of one OKX service (``public``/``private``/``business``)."""
        return ws_url(self.market, self.demo_trading, kind, self.ws_base_url)

    @property
    def rest_url(self) -> str:
        """The REST base URL."""
        return rest_base_url(self.market, self.rest_base_url)


_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(ClientOptions))
_PROXY_SCHEMES: Final = ("http", "https", "socks5", "socks5h", "socks4")


class ClientOptionsKw(TypedDict, total=False):
    """The keyword form of :class:`ClientOptions` (the clients' ``**options``)."""

    market: Market
    demo_trading: bool
    ws_base_url: str | None
    rest_base_url: str | None
    ping_interval: float
    pong_timeout: float
    reconnect_timeout: float
    max_reconnect_delay: float
    request_timeout: float | None
    connect_timeout: float
    drain_timeout: float
    ssl_context: ssl.SSLContext | None
    proxy: str | None
    attach_event_listeners: bool
    rate_limit: RateLimitMode
    rate_limits: Mapping[str, RateLimit] | None
    transport: TransportFactory | None
