"""ClientOptions: every option declared once, checked before anything connects."""

import dataclasses
import ssl

import pytest

from okxws import OkxValidationError, WebsocketAPIClient, WebsocketClient
from okxws.net.options import DEFAULT, ClientOptions, ClientOptionsKw, Default


def test_the_keyword_form_names_every_option() -> None:
    fields = {f.name for f in dataclasses.fields(ClientOptions)}
    assert ClientOptionsKw.__optional_keys__ == fields


def test_defaults_are_the_documented_ones() -> None:
    opts = ClientOptions()
    assert (opts.ping_interval, opts.pong_timeout, opts.reconnect_timeout) == (10.0, 3.0, 0.5)
    assert (opts.request_timeout, opts.connect_timeout, opts.max_reconnect_delay) == (
        10.0,
        10.0,
        30.0,
    )
    assert opts.ws_url("private") == "wss://ws.okx.com/ws/v5/private"
    assert opts.rest_url == "https://www.okx.com"
    assert ClientOptions(market="EEA", demo_trading=True).ws_url("public") == (
        "wss://wseeapap.okx.com/ws/v5/public"
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"ping_interval": 30},
        {"ping_interval": 5, "pong_timeout": 6},
        {"reconnect_timeout": 0},
        {"request_timeout": -1},
        {"connect_timeout": True},
        {"ws_base_url": "http://x"},
        {"rest_base_url": "ws://x"},
        {"market": "asia"},
        {"ssl_context": "yes"},
    ],
)
def test_bad_options_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(OkxValidationError):
        ClientOptions.of(bad)


def test_unknown_options_are_named() -> None:
    with pytest.raises(OkxValidationError, match="pingInterval"):
        ClientOptions.of({"pingInterval": 10})
    with pytest.raises(OkxValidationError, match="request_timout"):
        WebsocketClient(request_timout=1)  # type: ignore[call-arg]


def test_both_clients_share_the_options() -> None:
    ctx = ssl.create_default_context()
    ws = WebsocketClient(market="US", ssl_context=ctx, request_timeout=None)
    api = WebsocketAPIClient(market="US", ssl_context=ctx, request_timeout=None)
    assert ws.options == api.get_ws_client().options
    assert ws.request_timeout is None and ws.rest_base_url == "https://us.okx.com"
    assert Default() is DEFAULT and repr(DEFAULT) == "DEFAULT"
