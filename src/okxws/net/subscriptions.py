"""The channels one connection is subscribed to: restored after every reconnect.

https://www.okx.com/docs-v5/en/#overview-websocket-subscribe (okx-protocol.md section 5).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..protocol.messages import ChannelArg

__all__ = ["ChannelKey", "Subscriptions", "channel_key"]

#: Identity of a subscription: its fields, minus what the server adds (``uid``).
ChannelKey = tuple[tuple[str, str], ...]


def channel_key(arg: ChannelArg | dict[str, Any]) -> ChannelKey:
    """The identity of a subscription arg (OKX echoes it back, sometimes with ``uid``)."""
    return tuple(sorted((k, str(v)) for k, v in arg.items() if k != "uid"))


class Subscriptions:
    """What a connection must be subscribed to, in subscription order.

    A channel is added once OKX acknowledged it and removed when unsubscribed; after a
    reconnect the connection subscribes to :meth:`args` again before serving requests.
    """

    __slots__ = ("_wanted",)

    def __init__(self) -> None:
        self._wanted: dict[ChannelKey, ChannelArg] = {}

    def __len__(self) -> int:
        return len(self._wanted)

    def __contains__(self, arg: ChannelArg) -> bool:
        return channel_key(arg) in self._wanted

    def add(self, args: Iterable[ChannelArg]) -> None:
        for arg in args:
            self._wanted[channel_key(arg)] = arg

    def remove(self, args: Iterable[ChannelArg]) -> None:
        for arg in args:
            self._wanted.pop(channel_key(arg), None)

    def args(self) -> list[ChannelArg]:
        """Every subscription, in the order they were made."""
        return list(self._wanted.values())
