"""Credentials, WebSocket login signatures and REST request signing.

OKX docs: https://www.okx.com/docs-v5/en/#overview-websocket-login and
https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature (okx-protocol.md
sections 2 and 8). Time is always passed in: this module never reads a clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from .exceptions import OkxValidationError
from .messages import LoginArg, LoginRequest

__all__ = [
    "LOGIN_SIGN_PATH",
    "ApiCredentials",
    "build_login_request",
    "iso_timestamp",
    "login_signature",
    "login_timestamp",
    "rest_headers",
    "rest_signature",
]

LOGIN_SIGN_PATH: Final = "/users/self/verify"


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    """An OKX API key. ``repr()`` and ``str()`` never show the secret or the passphrase."""

    api_key: str
    api_secret: str = field(repr=False)
    api_pass: str = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("api_key", "api_secret", "api_pass"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise OkxValidationError(f"ApiCredentials.{name} must be a non-empty string")

    def __repr__(self) -> str:
        return f"ApiCredentials(api_key={_mask(self.api_key)!r}, api_secret='***', api_pass='***')"

    __str__ = __repr__


def _mask(key: str) -> str:
    """Shows enough of an API key to tell keys apart in logs, never the whole key."""
    return key[:4] + "…" if len(key) > 8 else "***"


def _hmac_b64(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def login_timestamp(now_s: float) -> str:
    """The login ``timestamp``: Unix epoch in whole SECONDS, as a string (section 2.1)."""
    return str(int(now_s))


def login_signature(secret: str, timestamp: str) -> str:
    """``Base64(HMAC_SHA256(secret, timestamp + "GET" + "/users/self/verify"))`` (section 2.2)."""
    return _hmac_b64(secret, f"{timestamp}GET{LOGIN_SIGN_PATH}")


def build_login_request(credentials: ApiCredentials, now_s: float) -> LoginRequest:
    """The ``login`` frame for one account, signed at ``now_s`` (server time, seconds).

    See https://www.okx.com/docs-v5/en/#overview-websocket-login.
    """
    ts = login_timestamp(now_s)
    arg: LoginArg = {
        "apiKey": credentials.api_key,
        "passphrase": credentials.api_pass,
        "timestamp": ts,
        "sign": login_signature(credentials.api_secret, ts),
    }
    return {"op": "login", "args": [arg]}


def iso_timestamp(epoch_ms: int) -> str:
    """REST ``OK-ACCESS-TIMESTAMP``: ISO-8601 UTC with ms, e.g. ``2020-12-08T09:08:57.715Z``."""
    dt = datetime.fromtimestamp(epoch_ms // 1000, tz=UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


def rest_signature(
    secret: str, timestamp: str, method: str, request_path: str, body: str = ""
) -> str:
    """``Base64(HMAC_SHA256(secret, timestamp + METHOD + requestPath + body))`` (section 8).

    ``request_path`` includes the query string of a GET; ``body`` is the exact JSON sent.
    """
    return _hmac_b64(secret, f"{timestamp}{method.upper()}{request_path}{body}")


def rest_headers(
    credentials: ApiCredentials,
    epoch_ms: int,
    method: str,
    request_path: str,
    body: str = "",
    *,
    demo: bool = False,
) -> dict[str, str]:
    """The signed headers of one private REST request.

    See https://www.okx.com/docs-v5/en/#overview-rest-authentication-making-requests.
    """
    ts = iso_timestamp(epoch_ms)
    headers = {
        "OK-ACCESS-KEY": credentials.api_key,
        "OK-ACCESS-SIGN": rest_signature(credentials.api_secret, ts, method, request_path, body),
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-PASSPHRASE": credentials.api_pass,
        "Content-Type": "application/json",
    }
    if demo:
        headers["x-simulated-trading"] = "1"
    return headers
