"""The public names of okxws, pinned: adding or removing one is a deliberate change."""

import okxws

PUBLIC = {
    "DEFAULT",
    "ApiCredentials",
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
    "OrderLookup",
    "PushStream",
    "RestClient",
    "WebsocketAPIClient",
    "WebsocketClient",
    "WsApiResponse",
    "__version__",
}


def test_all_is_pinned() -> None:
    assert set(okxws.__all__) == PUBLIC
    assert len(okxws.__all__) == len(PUBLIC)  # no name listed twice


def test_every_public_name_resolves() -> None:
    for name in okxws.__all__:
        assert getattr(okxws, name) is not None, name


def test_every_error_is_an_okx_error() -> None:
    errors = [getattr(okxws, n) for n in okxws.__all__ if n.startswith("Okx")]
    assert all(issubclass(e, okxws.OkxError) for e in errors)
