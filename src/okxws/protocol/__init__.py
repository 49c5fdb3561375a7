"""The sans-I/O OKX protocol core: no asyncio, no sockets, time passed in.

Endpoints, authentication, message types, the frame codec, the operations registry, the
error-code table, the channel table, the client protocol and the connection state machine.
Every other layer builds on this one. The exception tree is in :mod:`okxws.protocol.exceptions`
and public from :mod:`okxws`.
"""

from .auth import ApiCredentials, build_login_request, login_signature, rest_headers, rest_signature
from .channels import CHANNELS, channel_spec
from .codec import Frame, FrameKind, decode, encode
from .endpoints import ConnKind, Market, rest_base_url, ws_url
from .errors import ERROR_CODES, error_info
from .ops import MAX_BATCH_ITEMS, OPS, OpSpec, is_valid_request_id
from .state import ConnectionStateMachine, ConnEvent, ConnState

__all__ = [
    "CHANNELS",
    "ERROR_CODES",
    "MAX_BATCH_ITEMS",
    "OPS",
    "ApiCredentials",
    "ConnEvent",
    "ConnKind",
    "ConnState",
    "ConnectionStateMachine",
    "Frame",
    "FrameKind",
    "Market",
    "OpSpec",
    "build_login_request",
    "channel_spec",
    "decode",
    "encode",
    "error_info",
    "is_valid_request_id",
    "login_signature",
    "rest_base_url",
    "rest_headers",
    "rest_signature",
    "ws_url",
]
