"""The endpoint table (okx-protocol.md section 1.1)."""

import pytest

from okxws.protocol.endpoints import CONN_KINDS, MARKETS, rest_base_url, ws_url
from okxws.protocol.exceptions import OkxValidationError

HOSTS = {
    ("prod", False): "ws.okx.com",
    ("prod", True): "wspap.okx.com",
    ("EEA", False): "wseea.okx.com",
    ("EEA", True): "wseeapap.okx.com",
    ("US", False): "wsus.okx.com",
    ("US", True): "wsuspap.okx.com",
}


@pytest.mark.parametrize("market", MARKETS)
@pytest.mark.parametrize("demo", [False, True])
@pytest.mark.parametrize("kind", CONN_KINDS)
def test_every_ws_url(market: str, demo: bool, kind: str) -> None:
    # Port-less hosts: 8443 is reported retired since 2026-10-31.
    assert ws_url(market, demo, kind) == f"wss://{HOSTS[(market, demo)]}/ws/v5/{kind}"


def test_rest_bases() -> None:
    assert rest_base_url("prod") == "https://www.okx.com"
    assert rest_base_url("EEA") == "https://eea.okx.com"
    assert rest_base_url("US") == "https://us.okx.com"


def test_base_url_override_keeps_paths() -> None:
    assert ws_url("prod", False, "private", "ws://127.0.0.1:8765") == (
        "ws://127.0.0.1:8765/ws/v5/private"
    )
    assert ws_url("US", True, "business", "wss://example.test:8443/") == (
        "wss://example.test:8443/ws/v5/business"
    )
    assert rest_base_url("prod", "http://127.0.0.1:8765/") == "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    ("market", "kind", "base"),
    [("asia", "public", None), ("prod", "trade", None), ("prod", "public", "http://x:1")],
)
def test_bad_endpoint_input(market: str, kind: str, base: str | None) -> None:
    with pytest.raises(OkxValidationError):
        ws_url(market, False, kind, base)


def test_bad_rest_base() -> None:
    with pytest.raises(OkxValidationError):
        rest_base_url("prod", "ws://127.0.0.1:1")
