"""The public names of okxws, pinned: adding or removing one is a deliberate change."""

import importlib
import os
from pathlib import Path

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
    "compiled",
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


def test_the_build_is_the_one_ci_asked_for() -> None:
    # .ci/run installs once compiled and once with OKXWS_PURE_PYTHON=1 and says which.
    expected = os.environ.get("OKXWS_EXPECT_COMPILED")
    if expected is not None:
        assert okxws.compiled() is (expected == "1")
    # A compiled module must not be older than its source (an edit after the build would
    # silently not run).
    for name in ("protocol.client", "protocol.codec", "net.socket", "api.client"):
        module = importlib.import_module(f"okxws.{name}")
        path = Path(module.__file__ or "")
        if path.suffix != ".py":
            source = path.parent / (path.name.split(".")[0] + ".py")
            assert source.stat().st_mtime <= path.stat().st_mtime + 1, f"{path} is stale"
