"""okxws: a fast asyncio SDK for OKX's v5 WebSocket API, with a local OKX simulator.

See https://www.okx.com/docs-v5/en/#overview-websocket and the README.
"""

from .protocol.auth import ApiCredentials
from .protocol.exceptions import (
    OkxApiError,
    OkxAuthenticationError,
    OkxConnectionLostError,
    OkxDecodeError,
    OkxError,
    OkxPartialBatchError,
    OkxRequestTimeoutError,
    OkxStateError,
    OkxValidationError,
)

__version__ = "0.1.0"  # also read by pyproject.toml (dynamic version)

__all__ = [
    "ApiCredentials",
    "OkxApiError",
    "OkxAuthenticationError",
    "OkxConnectionLostError",
    "OkxDecodeError",
    "OkxError",
    "OkxPartialBatchError",
    "OkxRequestTimeoutError",
    "OkxStateError",
    "OkxValidationError",
    "__version__",
]
