"""The one HTTP boundary of the client: an owned aiohttp session, REST signing, error mapping.

Every REST call okxws makes (server time, the ``instIdCode`` lookup, the ``RestClient``)
goes through :class:`HttpClient`: one ``aiohttp.ClientSession`` per client with keep-alive
(a new TLS handshake per call costs ~2 ms against ~0.3 ms, design.md section 4), closed
with the client; requests signed exactly as OKX documents (the query string and the JSON
body are built once and the same bytes are signed and sent); and one place,
:func:`_mapped`, where aiohttp, timeout and HTTP-status failures become okxws errors, with
``outcome_unknown`` true only for a write that may have reached OKX.

https://www.okx.com/docs-v5/en/#overview-rest-authentication (okx-protocol.md section 8,
okx-streams-rest.md section 4).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

import aiohttp
import orjson
from yarl import URL

from ..protocol import codec
from ..protocol.auth import ApiCredentials, rest_headers
from ..protocol.endpoints import DEMO_TRADING_HEADER
from ..protocol.errors import error_info
from ..protocol.exceptions import (
    OkxAuthenticationError,
    OkxConnectError,
    OkxConnectionLostError,
    OkxDecodeError,
    OkxError,
    OkxHttpError,
    OkxRateLimitError,
    OkxRequestTimeoutError,
    api_error,
)
from .options import ClientOptions

__all__ = ["HttpClient", "HttpReply", "okx_data"]

_log = logging.getLogger("okxws.http")
_TOO_MANY_REQUESTS: Final = 429


@dataclass(frozen=True, slots=True)
class HttpReply:
    """An HTTP answer whose body is JSON: its status and the decoded body."""

    status: int
    body: Any


class HttpClient:
    """REST requests of one client over one owned keep-alive session.

    ``server_time_ms`` gives the clock the signatures use (local time plus the offset the
    WebSocket client keeps), so REST and WebSocket agree on time.
    """

    def __init__(self, options: ClientOptions, server_time_ms: Callable[[], int]) -> None:
        self.base_url = options.rest_url
        self._demo = options.demo_trading
        self._ssl: Any = options.ssl_context if options.ssl_context is not None else True
        self._server_time_ms = server_time_ms
        self._default_timeout = options.request_timeout
        self._proxy = options.proxy
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<HttpClient {self.base_url} demo={self._demo}>"

    def _open_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise OkxConnectError("the client is closed")
        if self._session is None:  # created on first use: aiohttp wants a running loop
            proxy = self._proxy
            if proxy is not None and proxy.startswith("socks"):
                # aiohttp speaks HTTP proxies only; SOCKS through python-socks' connector
                # (the library picows uses for its SOCKS proxies too).
                from aiohttp_socks import ProxyConnector

                connector: aiohttp.BaseConnector = ProxyConnector.from_url(
                    proxy, ssl=self._ssl, keepalive_timeout=30.0
                )
                proxy = None
            else:
                connector = aiohttp.TCPConnector(ssl=self._ssl, keepalive_timeout=30.0)
            self._session = aiohttp.ClientSession(connector=connector, proxy=proxy)
        return self._session

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        credentials: ApiCredentials | None = None,
        timeout: float | None = None,
        write: bool = False,
    ) -> HttpReply:
        """Send one request and return its JSON answer, whatever the HTTP status.

        ``credentials`` signs it; ``write`` says it may change state on OKX (then a failure
        after sending has ``outcome_unknown`` true). Raises :class:`~okxws.OkxConnectError`
        (nothing sent), :class:`~okxws.OkxRequestTimeoutError`,
        :class:`~okxws.OkxConnectionLostError` or :class:`~okxws.OkxHttpError` (non-JSON
        body, e.g. a proxy's error page).
        """
        method = method.upper()
        query = urlencode([(k, str(v)) for k, v in params.items()]) if params else ""
        request_path = f"{path}?{query}" if query else path
        data = b"" if body is None else orjson.dumps(body)
        headers: dict[str, str] = {"Content-Type": "application/json"}
        if credentials is not None:
            headers = rest_headers(
                credentials,
                self._server_time_ms(),
                method,
                request_path,
                data.decode(),
                demo=self._demo,
            )
        elif self._demo:
            headers[DEMO_TRADING_HEADER[0]] = DEMO_TRADING_HEADER[1]
        url = URL(self.base_url + request_path, encoded=True)
        wait = self._default_timeout if timeout is None else timeout
        session = self._open_session()
        what = f"{method} {path}"
        with _mapped(what, write):
            async with asyncio.timeout(wait):
                async with session.request(
                    method, url, data=data or None, headers=headers, ssl=self._ssl
                ) as resp:
                    raw = await resp.read()
                    status = resp.status
        try:
            return HttpReply(status, codec.loads(raw))
        except OkxDecodeError:
            error = OkxHttpError(
                f"{what}: HTTP {status} with a body that is not JSON: {raw[:120]!r}",
                status=status,
                body=raw,
            )
            # A gateway error (5xx) after a write reached it: OKX may have executed it.
            error.outcome_unknown = write and status >= 500
            raise error from None

    async def close(self) -> None:
        """Close the session; idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


@contextlib.contextmanager
def _mapped(what: str, write: bool) -> Iterator[None]:
    """Translate aiohttp and timeout errors into the okxws tree (``raise ... from``)."""
    try:
        yield
    except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
        raise OkxConnectError(f"{what}: cannot connect: {exc}; nothing was sent") from exc
    except TimeoutError as exc:
        raise _sent(OkxRequestTimeoutError(f"{what}: no answer in time"), write) from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
        raise _sent(OkxConnectionLostError(f"{what}: connection lost: {exc}"), write) from exc
    except aiohttp.ClientError as exc:
        error = OkxHttpError(f"{what}: {type(exc).__name__}: {exc}")
        raise _sent(error, write) from exc


def _sent(error: OkxError, write: bool) -> OkxError:
    """An error after the request may have left: its outcome is unknown only for a write."""
    error.outcome_unknown = write
    if write:
        error.args = (f"{error.args[0]}: OUTCOME UNKNOWN (not re-sent; look the order up)",)
    return error


def okx_data(reply: HttpReply, what: str, *, write: bool = False) -> list[Any]:
    """OKX's ``data`` list of a successful answer; else the error its code and status mean.

    HTTP 429 or a rate-limit code -> :class:`~okxws.OkxRateLimitError`; an authentication
    code (``501xx``) -> :class:`~okxws.OkxAuthenticationError`; any other code ->
    :func:`~okxws.protocol.exceptions.api_error` (a read's outcome is always known).
    """
    body = reply.body
    if not isinstance(body, dict) or "code" not in body:
        raise OkxHttpError(f"{what}: HTTP {reply.status} without OKX's envelope: {body!r:.200}")
    code = str(body.get("code"))
    if code == "0" and reply.status < 400:
        data = body.get("data")
        if not isinstance(data, list):
            raise OkxHttpError(f"{what}: OKX's answer has no data list: {body!r:.200}")
        return data
    if reply.status == _TOO_MANY_REQUESTS:
        raise OkxRateLimitError(
            f"{what}: OKX rate limit (HTTP 429, code {code}: {body.get('msg')}); "
            "nothing was executed",
            response=body,
            code=code,
        )
    info = error_info(code)
    if info.auth:
        raise OkxAuthenticationError(f"{what}: {body.get('msg')}", code, body)
    error = api_error(body, "rest")
    if not write:
        error.outcome_unknown = False
    elif reply.status >= 500:  # a server error after a write reached OKX: it may have run
        error.outcome_unknown = True
    raise error
