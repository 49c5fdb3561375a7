"""The REST-like trading API: :class:`WebsocketAPIClient`."""

from .client import WebsocketAPIClient, WsApiResponse

__all__ = ["WebsocketAPIClient", "WsApiResponse"]
