"""asyncio I/O: the transport adapter, connections and :class:`WebsocketClient`."""

from .client import DEFAULT, WebsocketClient
from .connection import Connection
from .events import EVENTS
from .streams import PushStream

__all__ = ["DEFAULT", "EVENTS", "Connection", "PushStream", "WebsocketClient"]
