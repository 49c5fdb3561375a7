"""okxws: a fast asyncio SDK for OKX's v5 WebSocket API, with a local OKX simulator.

See https://www.okx.com/docs-v5/en/#overview-websocket and the README.
The clients are imported lazily, so ``import okxws.protocol`` (the sans-I/O core, which the
simulator uses) loads no asyncio, socket or WebSocket module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .protocol.auth import ApiCredentials
from .protocol.exceptions import (
    OkxApiError,
    OkxAuthenticationError,
    OkxConnectError,
    OkxConnectionLostError,
    OkxDecodeError,
    OkxError,
    OkxHttpError,
    OkxPartialBatchError,
    OkxRateLimitError,
    OkxRequestTimeoutError,
    OkxResponseShapeError,
    OkxStateError,
    OkxStreamOverflowError,
    OkxValidationError,
)
from .protocol.messages import WsApiResponse

if TYPE_CHECKING:
    from .api.client import WebsocketAPIClient
    from .api.reconcile import OrderLookup
    from .api.rest import RestClient
    from .net.client import WebsocketClient
    from .net.options import DEFAULT
    from .net.streams import PushStream

__version__ = "0.1.0"  # also read by pyproject.toml (dynamic version)

_LAZY = {
    "WebsocketAPIClient": "okxws.api.client",
    "RestClient": "okxws.api.rest",
    "OrderLookup": "okxws.api.reconcile",
    "WebsocketClient": "okxws.net.client",
    "DEFAULT": "okxws.net.options",
    "PushStream": "okxws.net.streams",
}


def compiled() -> bool:
    """Whether this install runs the hot path compiled by mypyc (setup.py) or pure Python
    (built with ``OKXWS_PURE_PYTHON=1``)."""
    from .protocol import client

    return not client.__file__.endswith(".py")


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'okxws' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT",
    "ApiCredentials",
    "OkxApiError",
    "OkxAuthenticationError",
    "OkxConnectError",
    "OkxConnectionLostError",
    "OkxDecodeError",
    "OkxError",
    "OkxHttpError",
    "OkxPartialBatchError",
    "OkxRateLimitError",
    "OkxRequestTimeoutError",
    "OkxResponseShapeError",
    "OkxStateError",
    "OkxStreamOverflowError",
    "OkxValidationError",
    "OrderLookup",
    "PushStream",
    "RestClient",
    "WebsocketAPIClient",
    "WebsocketClient",
    "WsApiResponse",
    "__version__",
    "compiled",
]
