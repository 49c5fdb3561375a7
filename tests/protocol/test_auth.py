"""Signature vectors of okx-protocol.md section 12.1 and credential hygiene."""

import pytest

from okxws.protocol import codec
from okxws.protocol.auth import (
    ApiCredentials,
    build_login_request,
    iso_timestamp,
    login_signature,
    login_timestamp,
    rest_headers,
    rest_signature,
)
from okxws.protocol.exceptions import OkxValidationError

DOCS_SECRET = "22582BD0CFF14C41EDBF1AB98506286D"


@pytest.mark.parametrize(
    ("secret", "timestamp", "expected"),
    [
        (DOCS_SECRET, "1538054050", "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M="),
        (DOCS_SECRET, "1704876947", "5/36BgGV6m/6pmdc20zdqk0mzF5ZalmzzPD2fo3wavU="),
        ("my-test-secret", "1700000000", "FRVvyTucJdYhpvtv3CrGFOX9VNzaK0yQRkxTpJBwqXA="),
        (DOCS_SECRET, "1704876947123", "7n8O14T90GrAB0EpWAW9KY+c+ewPTXVkCcF3WbI3+WE="),
    ],
    ids=["S1", "S2", "S3", "S4-ms"],
)
def test_login_signature_vectors(secret: str, timestamp: str, expected: str) -> None:
    assert login_signature(secret, timestamp) == expected


def test_login_frame_for_s2() -> None:
    creds = ApiCredentials("<key>", DOCS_SECRET, "<pass>")
    frame = build_login_request(creds, 1704876947.9)
    assert codec.encode(frame) == (
        b'{"op":"login","args":[{"apiKey":"<key>","passphrase":"<pass>",'
        b'"timestamp":"1704876947","sign":"5/36BgGV6m/6pmdc20zdqk0mzF5ZalmzzPD2fo3wavU="}]}'
    )


def test_login_timestamp_is_whole_seconds() -> None:
    assert login_timestamp(1704876947.999) == "1704876947"


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        (
            "GET",
            "/api/v5/account/balance?ccy=BTC",
            "",
            "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=",
        ),
        (
            "POST",
            "/api/v5/trade/order",
            '{"instId":"BTC-USDT","tdMode":"cash","clOrdId":"b15","side":"buy",'
            '"ordType":"limit","px":"2.15","sz":"2"}',
            "dI6rrL9rXW/HdaPKJ/6LC1OgvH4/PYju6R3CqixMTNQ=",
        ),
        ("GET", "/api/v5/public/time", "", "EkwQWIBPogytldSaIWzKqhjq027sDYesTiB+e8nu5cA="),
    ],
    ids=["R1", "R2", "R3"],
)
def test_rest_signature_vectors(method: str, path: str, body: str, expected: str) -> None:
    assert rest_signature(DOCS_SECRET, "2020-12-08T09:08:57.715Z", method, path, body) == expected


def test_iso_timestamp() -> None:
    assert iso_timestamp(1607418537715) == "2020-12-08T09:08:57.715Z"
    assert iso_timestamp(1607418537005) == "2020-12-08T09:08:57.005Z"


def test_rest_headers_sign_and_demo_flag() -> None:
    creds = ApiCredentials("k", DOCS_SECRET, "p")
    headers = rest_headers(creds, 1607418537715, "get", "/api/v5/public/time", demo=True)
    assert headers["OK-ACCESS-SIGN"] == "EkwQWIBPogytldSaIWzKqhjq027sDYesTiB+e8nu5cA="
    assert headers["OK-ACCESS-TIMESTAMP"] == "2020-12-08T09:08:57.715Z"
    assert headers["x-simulated-trading"] == "1"
    assert "x-simulated-trading" not in rest_headers(creds, 0, "GET", "/x")


def test_credentials_never_show_secrets() -> None:
    creds = ApiCredentials("abcdefgh-1234-key", "TOPSECRETVALUE", "PASSPHRASEVALUE")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds]), repr({"c": creds})):
        assert "TOPSECRETVALUE" not in text
        assert "PASSPHRASEVALUE" not in text
        assert "abcdefgh-1234-key" not in text
    assert "abcd" in repr(creds)


@pytest.mark.parametrize("bad", ["", None, 5])
def test_credentials_validate(bad: object) -> None:
    with pytest.raises(OkxValidationError):
        ApiCredentials("key", bad, "pass")  # type: ignore[arg-type]
