"""The okxws exception tree, shared by every layer.

::

    OkxError                      root of everything okxws raises
    ├── OkxValidationError        bad input, raised before anything is sent (also a ValueError)
    ├── OkxDecodeError            a frame from the server is not valid OKX JSON (also a ValueError)
    │   └── OkxResponseShapeError a reply to a request does not have OKX's shape
    ├── OkxStateError             an operation is illegal in the current connection state
    ├── OkxAuthenticationError    login rejected (bad key, passphrase, signature or timestamp)
    ├── OkxApiError               a response whose ``code`` is not "0"; carries the whole response
    │   └── OkxPartialBatchError  a batch where some items succeeded and others failed (code "2")
    ├── OkxRateLimitError         over a rate limit (okxws's budget: nothing sent; or OKX's answer)
    ├── OkxStreamOverflowError    a push stream's queue overflowed under the "error" policy
    ├── OkxConnectError           a connection could not be opened, nothing sent (a ConnectionError)
    ├── OkxHttpError              a REST call failed below OKX's envelope (status, body, network)
    ├── OkxConnectionLostError    the socket died with the request in flight: OUTCOME UNKNOWN
    └── OkxRequestTimeoutError    no response in time (also a TimeoutError): OUTCOME UNKNOWN

``outcome_unknown`` is true when an order operation may or may not have reached the
exchange; the caller must look the order up (by ``clOrdId``) before acting again.
okxws never re-sends an order operation by itself. For :class:`OkxApiError` it comes from the
error-code table (:mod:`okxws.protocol.errors`): OKX's own "neither success nor failure"
codes (``50004``, ``51054``, ``51149``, top level or per item) make it true.
"""

from __future__ import annotations

from typing import Any

from .errors import error_info

__all__ = [
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
    "api_error",
    "nothing_sent",
]


class OkxError(Exception):
    """Root of every exception okxws raises."""

    #: True when the request may have been executed by OKX although no answer arrived.
    outcome_unknown: bool = False
    #: True when nothing was executed and the same request may be sent again later (advice
    #: to the caller: okxws itself never re-sends an order operation).
    retryable: bool = False
    #: The request as sent (``id``, ``op``, ``args`` with any generated ``clOrdId``), when the
    #: error concerns one request.
    request: dict[str, Any] | None = None


def nothing_sent(error: OkxError) -> OkxError:
    """Mark an error raised before the request left: its outcome is known (not executed)."""
    error.outcome_unknown = False
    return error


class OkxValidationError(OkxError, ValueError):
    """The caller's input is invalid; nothing was sent."""


class OkxDecodeError(OkxError, ValueError):
    """A frame received from the server could not be decoded or classified."""

    def __init__(self, message: str, raw: str | bytes | None = None) -> None:
        super().__init__(message)
        #: The offending frame, truncated to keep logs and reprs small.
        self.raw = raw[:512] if raw is not None else None


class OkxResponseShapeError(OkxDecodeError):
    """A reply matched a request by id but does not have OKX's shape (e.g. ``data`` is not a
    list). The request reached OKX, so for an order write the OUTCOME IS UNKNOWN."""

    outcome_unknown = True


class OkxStateError(OkxError):
    """An operation was attempted in a connection state that does not allow it."""


class OkxAuthenticationError(OkxError):
    """OKX rejected the login or a REST signature (codes 60004-60009, 60024, 60032, 501xx ...)."""

    def __init__(self, message: str, code: str = "", response: Any = None) -> None:
        super().__init__(f"{message} (code {code})" if code else message)
        self.code = code
        self.response = response


def _items(response: Any) -> list[dict[str, Any]]:
    data = response.get("data") if isinstance(response, dict) else None
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


class OkxApiError(OkxError):
    """OKX answered with a ``code`` other than ``"0"``; ``response`` is the whole answer.

    Usually the request was processed and rejected (``code`` "1", or a 60xxx envelope
    error), so nothing of it was executed, except for the ``succeeded`` items of a partial
    batch (:class:`OkxPartialBatchError`). But when OKX itself says it does not know
    (``50004`` "API endpoint request timeout", ``51054``, ``51149`` "Order timed out", top
    level or per item), ``outcome_unknown`` is true and ``unknown`` lists those items.
    """

    def __init__(self, response: Any, connection: str | None = None) -> None:
        self.response = response
        self.connection = connection
        self.code = str(response.get("code", "")) if isinstance(response, dict) else ""
        self.msg = str(response.get("msg", "")) if isinstance(response, dict) else ""
        #: The per-item results (``sCode``/``sMsg``/``subCode`` ...), possibly empty.
        self.data: list[dict[str, Any]] = _items(response)
        top = error_info(self.code)
        failed_info = [error_info(str(d.get("sCode", ""))) for d in self.failed]
        self.outcome_unknown = top.outcome_unknown or any(i.outcome_unknown for i in failed_info)
        self.retryable = top.retryable or (
            bool(failed_info) and all(i.retryable for i in failed_info)
        )
        super().__init__(self._describe())

    def _describe(self) -> str:
        op = self.response.get("op", "?") if isinstance(self.response, dict) else "?"
        parts = [f"OKX rejected {op}: code {self.code}"]
        if self.msg:
            parts.append(repr(self.msg))
        failed = self.failed
        for item in failed[:5]:
            sub = item.get("subCode") or ""
            code = f"{item.get('sCode')}_{sub}" if sub else str(item.get("sCode"))
            ident = item.get("clOrdId") or item.get("ordId") or ""
            parts.append(f"[{code} {item.get('sMsg', '')!r}{' ' + ident if ident else ''}]")
        if len(failed) > 5:
            parts.append(f"(+{len(failed) - 5} more)")
        if self.outcome_unknown:
            parts.append("OUTCOME UNKNOWN (look the order up; nothing was re-sent)")
        return " ".join(parts)

    @property
    def succeeded(self) -> list[dict[str, Any]]:
        """The items OKX accepted (``sCode == "0"``)."""
        return [d for d in self.data if str(d.get("sCode")) == "0"]

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The items OKX did not accept (``sCode != "0"``), the unknown ones included."""
        return [d for d in self.data if str(d.get("sCode")) != "0"]

    @property
    def unknown(self) -> list[dict[str, Any]]:
        """The items whose fate OKX could not tell (``sCode`` 50004 / 51054 / 51149)."""
        return [d for d in self.failed if error_info(str(d.get("sCode", ""))).outcome_unknown]


class OkxPartialBatchError(OkxApiError):
    """A batch (``code`` "2") in which some items succeeded: see ``succeeded`` and ``failed``."""


class OkxRateLimitError(OkxError):
    """A rate limit was reached; nothing was executed.

    Either okxws's own budget refused the request before sending it (``response`` is None),
    or OKX answered with a rate-limit code (``50011``, ``50061``, ``60014``, HTTP 429;
    ``response`` is OKX's answer). OKX drops such a request, it does not queue it.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        response: Any = None,
        connection: str | None = None,
        code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.connection = connection
        self.code = code
        self.data: list[dict[str, Any]] = _items(response)
        #: Seconds until the budget allows the request again, when known.
        self.retry_after = retry_after


class OkxStreamOverflowError(OkxError):
    """A push stream fell behind and its overflow policy is ``"error"``: pushes were lost."""


class OkxConnectError(OkxError, ConnectionError):
    """A connection could not be opened (refused, handshake rejected, TLS failure, timeout).
    Nothing was sent on it."""


class OkxHttpError(OkxError):
    """A REST call failed below OKX's JSON envelope: an HTTP error status without an OKX body,
    a body that is not JSON (a proxy's HTML error page), or the network. ``outcome_unknown``
    is true only for a write that may have reached OKX."""

    def __init__(self, message: str, *, status: int | None = None, body: bytes = b"") -> None:
        super().__init__(message)
        self.status = status
        #: The start of the body, to see what answered (never a request header or secret).
        self.body = body[:512]


class OkxConnectionLostError(OkxError, ConnectionError):
    """The connection died while the request was in flight. OUTCOME UNKNOWN: never re-sent."""

    outcome_unknown = True


class OkxRequestTimeoutError(OkxError, TimeoutError):
    """No response arrived before the request's deadline. OUTCOME UNKNOWN: never re-sent."""

    outcome_unknown = True


def api_error(response: dict[str, Any], connection: str | None = None) -> OkxError:
    """The error for an OKX answer whose ``code`` is not ``"0"`` (WebSocket or REST).

    A rate-limit answer (top level, or every failed item of a request none of whose items
    succeeded) gives :class:`OkxRateLimitError`; ``"2"`` gives :class:`OkxPartialBatchError`;
    anything else :class:`OkxApiError`, whose ``outcome_unknown`` follows the code table.
    """
    code = str(response.get("code", ""))
    if code == "2":
        return OkxPartialBatchError(response, connection)
    codes = [code] if code != "1" else [str(d.get("sCode", "")) for d in _items(response)]
    if codes and all(error_info(c).rate_limit for c in codes):
        op = response.get("op") or "request"
        return OkxRateLimitError(
            f"OKX rate limit: {op} refused with {', '.join(sorted(set(codes)))} "
            f"({response.get('msg') or error_info(codes[0]).msg}); nothing was executed",
            response=response,
            connection=connection,
            code=codes[0],
        )
    return OkxApiError(response, connection)
