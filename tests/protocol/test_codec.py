"""Every example frame decodes, classifies and re-encodes; nothing else ever escapes."""

import contextlib
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxws.protocol.codec import (
    ClientFrameKind,
    FrameKind,
    decode,
    decode_client_frame,
    encode,
    encode_request,
    recover_request_id,
)
from okxws.protocol.exceptions import OkxDecodeError

FIXTURES = Path(__file__).parent.parent / "fixtures"
DOCS_EXAMPLES = sorted((FIXTURES / "docs-examples").glob("*.json"))
RECORDED = sorted((FIXTURES / "okx-frames").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(path.read_text())
    return result


def _raw(frame: object) -> bytes:
    return frame.encode() if isinstance(frame, str) else orjson.dumps(frame)


@pytest.mark.parametrize("path", DOCS_EXAMPLES, ids=lambda p: p.stem)
def test_docs_examples(path: Path) -> None:
    fixture = _load(path)
    raw = _raw(fixture["frame"])
    if fixture["direction"] == "client->server":
        client = decode_client_frame(raw)
        assert client.kind.value == fixture["kind"]
        assert orjson.loads(encode(client.msg)) == fixture["frame"]
        return
    frame = decode(raw)
    assert frame.kind.value == fixture["kind"]
    assert frame.id == fixture["id"]
    assert orjson.loads(encode(frame.msg)) == fixture["frame"]


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.stem)
def test_recorded_frames(path: Path) -> None:
    fixture = _load(path)
    frame = decode(_raw(fixture["frame"]))
    stem = path.stem
    expected = {
        "channel": FrameKind.CHANNEL_CONN_COUNT,
        "error": FrameKind.ERROR,
        "login": FrameKind.LOGIN,
        "notice": FrameKind.NOTICE,
        "op": FrameKind.OP_RESPONSE,
        "push": FrameKind.PUSH,
        "subscribe": FrameKind.SUBSCRIBE,
    }[stem.split("-")[0]]
    assert frame.kind is expected
    if expected is FrameKind.OP_RESPONSE:
        assert frame.id == str(frame.msg["id"])
    if stem.startswith("login-fail"):
        assert frame.msg["code"] != "0"
    if isinstance(fixture["frame"], dict):
        assert orjson.loads(encode(frame.msg)) == fixture["frame"]


def test_pong_is_not_json() -> None:
    assert decode("pong").kind is FrameKind.PONG
    assert decode(b"pong").kind is FrameKind.PONG
    assert decode_client_frame("ping").kind is ClientFrameKind.PING


def test_recover_id_from_truncated_echo() -> None:
    assert recover_request_id('Illegal request: {"op":"order","id":"abc123","args":[{') == "abc123"
    assert recover_request_id('Illegal request: {"op":"subscribe",') is None
    assert recover_request_id("Please log in") is None
    assert recover_request_id('Invalid request: {"id": 77, "op": "x"}') == "77"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"ping",
        b"[1,2]",
        b"null",
        b'{"foo":1}',
        b'{"event":"weird"}',
        b'{"event":5}',
        b'{"op":"order"}',
        b'{"op":"order","id":true}',
        b'{"arg":"x","data":[]}',
        b"\xff\xfe",
    ],
)
def test_malformed_frames_raise_decode_error(raw: bytes) -> None:
    with pytest.raises(OkxDecodeError):
        decode(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)
okx_like = st.fixed_dictionaries(
    {},
    optional={
        "event": st.sampled_from(["login", "error", "subscribe", "notice", "x"]) | json_values,
        "op": st.sampled_from(["order", "login"]) | json_values,
        "id": st.text() | json_values,
        "code": st.sampled_from(["0", "60009", "60012"]) | json_values,
        "msg": st.sampled_from(['Illegal request: {"id":"1"']) | st.text() | json_values,
        "arg": json_values,
        "data": json_values,
    },
)


@given(st.text() | st.binary())
def test_random_text_only_raises_decode_error(raw: str | bytes) -> None:
    for fn in (decode, decode_client_frame):
        with contextlib.suppress(OkxDecodeError):
            fn(raw)


@given(json_values | okx_like)
def test_random_json_only_raises_decode_error(value: object) -> None:
    raw = json.dumps(value)  # stdlib: also writes integers beyond 64 bits
    for fn in (decode, decode_client_frame):
        with contextlib.suppress(OkxDecodeError):
            fn(raw)


@pytest.mark.parametrize(
    ("rid", "op", "args", "exp_time"),
    [
        ("1", "order", [{"instIdCode": 1, "side": "buy"}], None),
        ("22", "batch-orders", [{"x": 1}, {"y": 'é"\\\n'}], None),
        ("3", "order", [{}], "1700000000000"),  # expTime: through the dict
        ("abc", "order", [{}], None),  # not an id okxws draws: through the dict
        ("4", 'we"ird', [{}], None),  # an op name that needs escaping: through the dict
    ],
)
def test_encode_request_writes_the_bytes_of_the_whole_dict(
    rid: str, op: str, args: list[dict[str, object]], exp_time: str | None
) -> None:
    request: dict[str, object] = {"id": rid, "op": op, "args": args}
    if exp_time is not None:
        request["expTime"] = exp_time
    assert encode_request(rid, op, args, exp_time) == encode(request)
