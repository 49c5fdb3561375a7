"""Encoding and decoding of OKX WebSocket frames, and classification of what arrives.

Server -> client frames (okx-protocol.md sections 2-6 and 11a):

- ``pong`` (the text, not JSON) answers the text ``ping`` (section 6);
- op responses ``{"id","op","code","msg","data",...}`` (section 3.2);
- events ``{"event": ...}``: ``login``, ``subscribe``, ``unsubscribe``, ``error``, ``notice``,
  ``channel-conn-count[-error]``; a failed login arrives as ``event:"error"`` with a login code;
  an "Illegal request" error carries the request id only inside ``msg`` (section 3.2);
- pushes ``{"arg": {...}, "data": [...]}`` (section 5.2).

Anything else raises :class:`~okxws.protocol.exceptions.OkxDecodeError`, never another error.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Any, Final, NamedTuple

import orjson

from .errors import LOGIN_FAILURE_CODES
from .exceptions import OkxDecodeError

__all__ = [
    "PARSE_ERRORS",
    "PING",
    "PONG",
    "ClientFrame",
    "ClientFrameKind",
    "Frame",
    "FrameFields",
    "FrameKind",
    "classify",
    "decode",
    "decode_client_frame",
    "encode",
    "encode_request",
    "loads",
    "parse",
    "recover_request_id",
]

PING: Final = "ping"
PONG: Final = "pong"


class FrameKind(enum.Enum):
    """What a frame from the server is."""

    OP_RESPONSE = "op_response"
    LOGIN = "login"  # success (code "0") or failure (an auth code): see LOGIN_FAILURE_CODES
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    ERROR = "error"  # id set when OKX gave one, or when it was recovered from msg
    PUSH = "push"
    NOTICE = "notice"
    CHANNEL_CONN_COUNT = "channel_conn_count"  # also channel-conn-count-error
    PONG = "pong"


class Frame(NamedTuple):
    """A classified frame: its kind, the decoded JSON object, and the request id if any."""

    kind: FrameKind
    msg: dict[str, Any]
    id: str | None = None


#: What :func:`classify` returns: a plain tuple, which unpacks faster than a ``Frame``.
FrameFields = tuple[FrameKind, dict[str, Any], str | None]
_PONG_FIELDS: Final[FrameFields] = (FrameKind.PONG, {}, None)
_OP_RESPONSE: Final = FrameKind.OP_RESPONSE  # an enum attribute lookup costs ~70 ns
_PUSH: Final = FrameKind.PUSH
#: The JSON parser of incoming frames, and what it raises on a frame that is not JSON.
parse: Final = orjson.loads
PARSE_ERRORS: Final = (orjson.JSONDecodeError, TypeError)
_EVENT_KINDS: Final[dict[str, FrameKind]] = {
    "login": FrameKind.LOGIN,
    "subscribe": FrameKind.SUBSCRIBE,
    "unsubscribe": FrameKind.UNSUBSCRIBE,
    "notice": FrameKind.NOTICE,
    "channel-conn-count": FrameKind.CHANNEL_CONN_COUNT,
    "channel-conn-count-error": FrameKind.CHANNEL_CONN_COUNT,
}
# "Illegal request: {...}" (live OKX) / "Invalid request: {...}" (docs): the raw request follows.
_ECHO_PREFIXES: Final = ("Illegal request: ", "Invalid request: ")
_ID_IN_TEXT: Final = re.compile(r'"id"\s*:\s*"?([A-Za-z0-9]{1,32})"?')

# Typed here: where orjson's stubs are absent (setup.py's build environment) it is Any.
encode: Final[Callable[[Any], bytes]] = orjson.dumps
"""Serialize a message to the UTF-8 JSON bytes sent as a text frame."""

#: ``","op":"<op>","args":`` of each operation seen (op names are JSON-safe tokens).
_OP_PARTS: Final[dict[str, bytes]] = {}
_OP_PARTS_MAX: Final = 64  # more than OKX has ops: a caller's odd names do not grow it
_SAFE_OP: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def encode_request(rid: str, op: str, args: list[Any], exp_time: str | None = None) -> bytes:
    """The frame of one request: ``{"id","op","args"[,"expTime"]}`` (okx-protocol.md 3.1).

    The same bytes as :func:`encode` of that dict. For an id of digits (every id okxws
    draws) and an op name of letters, digits and dashes (none needs escaping in JSON),
    only ``args`` goes through the JSON encoder and the rest is spliced around it: no dict
    is built per request.
    """
    if exp_time is None and rid.isdigit():
        middle = _OP_PARTS.get(op)
        if middle is None and len(_OP_PARTS) < _OP_PARTS_MAX and _SAFE_OP.fullmatch(op):
            middle = _OP_PARTS[op] = b'","op":"' + op.encode() + b'","args":'
        if middle is not None:
            return b"".join((b'{"id":"', rid.encode(), middle, encode(args), b"}"))
    request: dict[str, Any] = {"id": rid, "op": op, "args": args}
    if exp_time is not None:
        request["expTime"] = exp_time
    return encode(request)


def loads(raw: str | bytes | bytearray | memoryview) -> Any:
    """Parse JSON, raising :class:`OkxDecodeError` (never anything else) on bad input."""
    try:
        return parse(raw)
    except PARSE_ERRORS as exc:
        raise OkxDecodeError(f"invalid JSON: {exc}", _as_text(raw)) from None


def _as_text(raw: object) -> str | bytes | None:
    if isinstance(raw, str | bytes):
        return raw
    if isinstance(raw, bytearray | memoryview):
        return bytes(raw)
    return None


def recover_request_id(msg: str) -> str | None:
    """The request id echoed inside an id-less "Illegal request: {...}" error (section 3.2)."""
    for prefix in _ECHO_PREFIXES:
        if msg.startswith(prefix):
            echoed = msg[len(prefix) :]
            try:
                request = orjson.loads(echoed)
            except orjson.JSONDecodeError:
                # OKX may truncate the echo; fall back to finding the id field in the text.
                match = _ID_IN_TEXT.search(echoed)
                return match.group(1) if match else None
            if isinstance(request, dict):
                rid = request.get("id")
                if isinstance(rid, str | int) and not isinstance(rid, bool):
                    return str(rid)
            return None
    return None


def decode(raw: str | bytes | bytearray | memoryview) -> Frame:
    """Decode and classify one frame from the server.

    Raises :class:`OkxDecodeError` for anything that is not an OKX frame.
    """
    return Frame._make(classify(raw))


def classify(raw: str | bytes | bytearray | memoryview) -> FrameFields:
    """:func:`decode` for the receive path: ``(kind, msg, id)`` as a plain tuple.

    An op reply, the frame of every request, is recognised first and in this one call.
    """
    try:
        msg = parse(raw)
    except PARSE_ERRORS as exc:
        if raw == PONG or raw == b"pong":  # the keep-alive answer is text, not JSON
            return _PONG_FIELDS
        raise OkxDecodeError(f"invalid JSON: {exc}", _as_text(raw)) from None
    if type(msg) is not dict:
        raise OkxDecodeError("frame is not a JSON object", _as_text(raw))
    # "op" first: it marks a reply (okx-protocol.md 3.2), and OKX's events never carry one.
    op = msg.get("op")
    if op is not None:
        rid = msg.get("id")
        if type(rid) is not str:
            if type(rid) is not int:  # OKX echoes the id as sent; okxws sends strings
                raise OkxDecodeError("op response without a valid id", _as_text(raw))
            rid = str(rid)
        if type(op) is not str:
            raise OkxDecodeError("op response without a valid op", _as_text(raw))
        return (_OP_RESPONSE, msg, rid)
    event = msg.get("event")
    if event is None:
        if "arg" in msg and isinstance(msg["arg"], dict) and "data" in msg:
            return (_PUSH, msg, None)
        raise OkxDecodeError("unrecognized frame", _as_text(raw))
    if not isinstance(event, str):
        raise OkxDecodeError("event is not a string", _as_text(raw))
    rid = msg.get("id")
    rid_s = str(rid) if isinstance(rid, str | int) and not isinstance(rid, bool) else None
    if event == "error":
        code = msg.get("code")
        if isinstance(code, str) and code in LOGIN_FAILURE_CODES:
            return (FrameKind.LOGIN, msg, rid_s)
        if rid_s is None:
            text = msg.get("msg")
            rid_s = recover_request_id(text) if isinstance(text, str) else None
        return (FrameKind.ERROR, msg, rid_s)
    kind = _EVENT_KINDS.get(event)
    if kind is None:
        raise OkxDecodeError(f"unknown event {event[:40]!r}", _as_text(raw))
    return (kind, msg, rid_s)


# -------------------------------------------------------------------- server side (simulator)


class ClientFrameKind(enum.Enum):
    """What a frame from a client is (used by the simulator)."""

    PING = "ping"
    LOGIN = "login"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    OP = "op"


class ClientFrame(NamedTuple):
    kind: ClientFrameKind
    msg: dict[str, Any]


_CLIENT_PING: Final = ClientFrame(ClientFrameKind.PING, {})
_CLIENT_OPS: Final[dict[str, ClientFrameKind]] = {
    "login": ClientFrameKind.LOGIN,
    "subscribe": ClientFrameKind.SUBSCRIBE,
    "unsubscribe": ClientFrameKind.UNSUBSCRIBE,
}


def decode_client_frame(raw: str | bytes | bytearray | memoryview) -> ClientFrame:
    """Decode and classify one frame from a client.

    Raises :class:`OkxDecodeError` when it is not JSON, not an object or has no string ``op``
    (OKX answers those with error 60012 "Illegal request").
    """
    if raw == PING or raw == b"ping":
        return _CLIENT_PING
    msg = loads(raw)
    if not isinstance(msg, dict):
        raise OkxDecodeError("request is not a JSON object", _as_text(raw))
    op = msg.get("op")
    if not isinstance(op, str):
        raise OkxDecodeError("request has no op", _as_text(raw))
    return ClientFrame(_CLIENT_OPS.get(op, ClientFrameKind.OP), msg)
