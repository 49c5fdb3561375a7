"""The okxws exception tree, shared by every layer.

::

    OkxError                      root of everything okxws raises
    ├── OkxValidationError        bad input, raised before anything is sent (also a ValueError)
    ├── OkxDecodeError            a frame from the server is not valid OKX JSON (also a ValueError)
    ├── OkxStateError             an operation is illegal in the current connection state
    ├── OkxAuthenticationError    login rejected (bad key, passphrase, signature or timestamp)
    ├── OkxApiError               a response whose ``code`` is not "0"; carries the whole response
    │   └── OkxPartialBatchError  a batch where some items succeeded and others failed (code "2")
    ├── OkxStreamOverflowError    a push stream's queue overflowed under the "error" policy
    ├── OkxConnectionLostError    the socket died with the request in flight: OUTCOME UNKNOWN
    └── OkxRequestTimeoutError    no response in time (also a TimeoutError): OUTCOME UNKNOWN

``outcome_unknown`` is true when an order operation may or may not have reached the
exchange; the caller must look the order up (by ``clOrdId``) before acting again.
okxws never re-sends an order operation by itself.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "OkxApiError",
    "OkxAuthenticationError",
    "OkxConnectionLostError",
    "OkxDecodeError",
    "OkxError",
    "OkxPartialBatchError",
    "OkxRequestTimeoutError",
    "OkxStateError",
    "OkxStreamOverflowError",
    "OkxValidationError",
]


class OkxError(Exception):
    """Root of every exception okxws raises."""

    #: True when the request may have been executed by OKX although no answer arrived.
    outcome_unknown: bool = False
    #: The request as sent (``id``, ``op``, ``args`` with any generated ``clOrdId``), when the
    #: error concerns one request.
    request: dict[str, Any] | None = None


class OkxValidationError(OkxError, ValueError):
    """The caller's input is invalid; nothing was sent."""


class OkxDecodeError(OkxError, ValueError):
    """A frame received from the server could not be decoded or classified."""

    def __init__(self, message: str, raw: str | bytes | None = None) -> None:
        super().__init__(message)
        #: The offending frame, truncated to keep logs and reprs small.
        self.raw = raw[:512] if raw is not None else None


class OkxStateError(OkxError):
    """An operation was attempted in a connection state that does not allow it."""


class OkxAuthenticationError(OkxError):
    """OKX rejected the login (codes 60004-60009, 60024, 60032, 63999 ...)."""

    def __init__(self, message: str, code: str = "", response: Any = None) -> None:
        super().__init__(f"{message} (code {code})" if code else message)
        self.code = code
        self.response = response


class OkxApiError(OkxError):
    """OKX answered with a ``code`` other than ``"0"``.

    The request was processed and rejected (``code`` "1", or a 60xxx envelope error),
    so its outcome is known: nothing of it was executed, except for the items of a
    partially successful batch (see :class:`OkxPartialBatchError`).
    """

    def __init__(self, response: Any, connection: str | None = None) -> None:
        self.response = response
        self.connection = connection
        self.code = str(response.get("code", "")) if isinstance(response, dict) else ""
        self.msg = str(response.get("msg", "")) if isinstance(response, dict) else ""
        data = response.get("data") if isinstance(response, dict) else None
        #: The per-item results (``sCode``/``sMsg``/``subCode`` ...), possibly empty.
        self.data: list[dict[str, Any]] = [d for d in data if isinstance(d, dict)] if data else []
        super().__init__(self._describe())

    def _describe(self) -> str:
        op = self.response.get("op", "?") if isinstance(self.response, dict) else "?"
        parts = [f"OKX rejected {op}: code {self.code}"]
        if self.msg:
            parts.append(repr(self.msg))
        failed = [d for d in self.data if str(d.get("sCode", "0")) != "0"]
        for item in failed[:5]:
            sub = item.get("subCode") or ""
            code = f"{item.get('sCode')}_{sub}" if sub else str(item.get("sCode"))
            ident = item.get("clOrdId") or item.get("ordId") or ""
            parts.append(f"[{code} {item.get('sMsg', '')!r}{' ' + ident if ident else ''}]")
        if len(failed) > 5:
            parts.append(f"(+{len(failed) - 5} more)")
        return " ".join(parts)

    @property
    def succeeded(self) -> list[dict[str, Any]]:
        """The items OKX accepted (``sCode == "0"``)."""
        return [d for d in self.data if str(d.get("sCode")) == "0"]

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The items OKX rejected (``sCode != "0"``)."""
        return [d for d in self.data if str(d.get("sCode")) != "0"]


class OkxPartialBatchError(OkxApiError):
    """A batch (``code`` "2") in which some items succeeded: see ``succeeded`` and ``failed``."""


class OkxStreamOverflowError(OkxError):
    """A push stream fell behind and its overflow policy is ``"error"``: pushes were lost."""


class OkxConnectionLostError(OkxError, ConnectionError):
    """The connection died while the request was in flight. OUTCOME UNKNOWN: never re-sent."""

    outcome_unknown = True


class OkxRequestTimeoutError(OkxError, TimeoutError):
    """No response arrived before the request's deadline. OUTCOME UNKNOWN: never re-sent."""

    outcome_unknown = True
