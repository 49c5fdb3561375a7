"""One table of OKX error codes and what each means for a client (okx-protocol.md section 3.5).

Sources: https://www.okx.com/docs-v5/en/#error-code-websocket-public and
https://www.okx.com/docs-v5/en/#error-code-rest-api.

- ``auth``: the login (or a REST signature) was rejected; retrying with the same
  credentials will fail again.
- ``rate_limit``: throttled; back off before sending again.
- ``retryable``: nothing was executed and the same request may be sent again later
  (okxws itself never re-sends order operations; this is advice to the caller).
- ``outcome_unknown``: OKX could not tell whether the request was executed; look the
  order up before acting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ERROR_CODES",
    "LOGIN_FAILURE_CODES",
    "ErrorCode",
    "error_info",
]


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    msg: str
    auth: bool = False
    rate_limit: bool = False
    retryable: bool = False
    outcome_unknown: bool = False


def _table(*codes: ErrorCode) -> dict[str, ErrorCode]:
    return {c.code: c for c in codes}


# fmt: off
ERROR_CODES: Final[dict[str, ErrorCode]] = _table(
    # general (REST codes reused in WS envelopes and items)
    ErrorCode("0", ""),
    ErrorCode("1", "Operation failed."),
    ErrorCode("2", "Bulk operation partially succeeded."),
    ErrorCode("50001", "Service temporarily unavailable. Please try again later.", retryable=True),
    ErrorCode("50004", "API endpoint request timeout.", outcome_unknown=True),
    ErrorCode("50011", "Rate limit reached. Please refer to API documentation and throttle requests accordingly.", rate_limit=True, retryable=True),
    ErrorCode("50013", "Systems are busy. Please try again later.", retryable=True),
    ErrorCode("50014", "Parameter {param0} can not be empty."),
    ErrorCode("50015", "Either parameter {param0} or {param1} is required."),
    ErrorCode("50026", "System error. Try again later.", retryable=True),
    ErrorCode("50036", "The expTime can't be earlier than the current system time. Please adjust the expTime and try again."),
    ErrorCode("50037", "Order expired."),
    ErrorCode("50061", "Sub-account rate limit exceeded.", rate_limit=True, retryable=True),
    ErrorCode("50101", "APIKey does not match current environment.", auth=True),
    ErrorCode("50102", "Timestamp request expired.", auth=True),
    ErrorCode("50103", "Request header \"OK-ACCESS-KEY\" can not be empty.", auth=True),
    ErrorCode("50104", "Request header \"OK-ACCESS-PASSPHRASE\" can not be empty.", auth=True),
    ErrorCode("50105", "Request header \"OK-ACCESS-PASSPHRASE\" incorrect.", auth=True),
    ErrorCode("50106", "Request header \"OK-ACCESS-SIGN\" can not be empty.", auth=True),
    ErrorCode("50107", "Request header \"OK-ACCESS-TIMESTAMP\" can not be empty.", auth=True),
    ErrorCode("50111", "Invalid OK-ACCESS-KEY.", auth=True),
    ErrorCode("50112", "Invalid OK-ACCESS-TIMESTAMP.", auth=True),
    ErrorCode("50113", "Invalid signature.", auth=True),
    # trading items
    ErrorCode("51000", "Parameter {param0} error."),
    ErrorCode("51001", "Instrument ID, Instrument ID code or Spread ID doesn't exist."),
    ErrorCode("51003", "Either client order ID or order ID is required."),
    ErrorCode("51006", "Order price is not within the price limit."),
    ErrorCode("51008", "Order failed. Insufficient balance."),
    ErrorCode("51010", "You can't complete this request under your current account mode."),
    ErrorCode("51016", "Duplicated client order ID"),
    ErrorCode("51020", "Your order should meet or exceed the minimum order amount."),
    ErrorCode("51034", "Fill rate exceeds the limit that you've set. Please reset the market maker protection to inactive for new trades."),
    ErrorCode("51054", "Request timed out. Please try again later.", outcome_unknown=True),
    ErrorCode("51111", "Maximum {param0} orders can be placed in bulk."),
    ErrorCode("51121", "Order quantity must be a multiple of the lot size."),
    ErrorCode("51149", "Order timed out. Please try again later.", outcome_unknown=True),
    ErrorCode("51400", "Order cancellation failed as the order has been filled, canceled or does not exist."),
    ErrorCode("51410", "Cancellation failed as the order is already in cancelling status or pending settlement."),
    ErrorCode("51500", "You must enter a price, quantity, or TP/SL."),
    ErrorCode("51501", "Maximum {param0} orders can be modified."),
    ErrorCode("51503", "Your order has already been filled or canceled."),
    ErrorCode("51511", "Operation failed as the order price didn't meet the requirement for Post Only."),
    ErrorCode("51512", "Failed to amend orders in batches. You cannot have duplicate orders in the same amend-batch-orders request."),
    ErrorCode("51513", "Number of modification requests that are currently in progress for an order cannot exceed 3.", rate_limit=True, retryable=True),
    ErrorCode("51603", "Order does not exist."),
    ErrorCode("54008", "This operation is disabled by the 'mass cancel order' endpoint. Please enable it using this endpoint."),
    # WebSocket (60000-64002)
    ErrorCode("60004", "Invalid timestamp", auth=True),
    ErrorCode("60005", "Invalid apiKey", auth=True),
    ErrorCode("60006", "Timestamp request expired", auth=True),
    ErrorCode("60007", "Invalid sign", auth=True),
    ErrorCode("60008", "The current WebSocket endpoint does not support subscribing to {0} channels. Please check the WebSocket URL"),
    ErrorCode("60009", "Login failed.", auth=True),
    ErrorCode("60011", "Please log in"),
    ErrorCode("60012", "Invalid request"),
    ErrorCode("60013", "Invalid args"),
    ErrorCode("60014", "Requests too frequent", rate_limit=True, retryable=True),
    ErrorCode("60018", "Wrong URL or channel:{0},instId:{1} doesn't exist. Please use the correct URL, channel and parameters referring to API document."),
    ErrorCode("60019", "Invalid op: {op}"),
    ErrorCode("60021", "This operation does not support multiple accounts login.", auth=True),
    ErrorCode("60022", "Bulk login partially succeeded", auth=True),
    ErrorCode("60023", "Bulk login requests too frequent", auth=True, rate_limit=True),
    ErrorCode("60024", "Wrong passphrase", auth=True),
    ErrorCode("60026", "Batch login by APIKey and token simultaneously is not supported.", auth=True),
    ErrorCode("60027", "Parameter {0} can not be empty."),
    ErrorCode("60028", "The current operation is not supported by this URL. Please use the correct WebSocket URL for the operation."),
    ErrorCode("60031", "The WebSocket endpoint does not allow multiple or repeated logins.", auth=True),
    ErrorCode("60032", "API key doesn't exist.", auth=True),
    ErrorCode("60033", "Parameter {param0} error."),
    ErrorCode("63999", "Login failed due to internal error. Please try again later.", auth=True, retryable=True),
    ErrorCode("64000", "Subscription parameter uly is unavailable anymore, please replace uly with instFamily."),
    ErrorCode("64001", "This channel has been migrated to the '/business' URL. Please subscribe using the new URL."),
    ErrorCode("64002", "This channel is not supported by \"/business\" URL. Please use \"/private\" URL (for private channels), or \"/public\" URL (for public channels)."),
    ErrorCode("64003", "Your trading fee tier doesn't meet the requirement to access this channel"),
    ErrorCode("64004", "Subscribe to both {0} and books-l2-tbt for {1} is not allowed. Unsubscribe books-l2-tbt first."),
    ErrorCode("64007", "Operation {0} failed due to WebSocket internal error. Please try again later.", retryable=True),
    ErrorCode("64008", "The connection will soon be closed for a service upgrade. Please reconnect."),
)
# fmt: on

#: Codes that an ``{"event":"error"}`` answer to a ``login`` carries (section 2.4).
LOGIN_FAILURE_CODES: Final[frozenset[str]] = frozenset(
    c.code for c in ERROR_CODES.values() if c.auth and c.code.startswith("6")
)

_UNKNOWN: Final = ErrorCode("", "")


def error_info(code: str) -> ErrorCode:
    """What the table knows of ``code`` (an empty entry for codes it does not list)."""
    base = code.split("_", 1)[0]  # "51008_1000" notation (section 3.2)
    return ERROR_CODES.get(base, _UNKNOWN)
