"""A ``ProtocolOwner`` that records what ``ClientProtocol`` reports (for tests without a loop)."""

from __future__ import annotations

from typing import Any

from okxws.protocol.exceptions import OkxError


class Owner:
    """Records what the protocol reports, in order, by kind."""

    def __init__(self) -> None:
        self.pushes: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.notices: list[dict[str, Any]] = []
        self.errors: list[OkxError] = []
        self.drained = 0
        self.rate_limited: list[str] = []

    def on_push(self, msg: dict[str, Any]) -> None:
        self.pushes.append(msg)

    def on_response(self, msg: dict[str, Any]) -> None:
        self.responses.append(msg)

    def on_notice(self, msg: dict[str, Any]) -> None:
        self.notices.append(msg)

    def on_server_error(self, error: OkxError) -> None:
        self.errors.append(error)

    def on_drained(self) -> None:
        self.drained += 1

    def on_rate_limited(self, op: str, args: list[Any]) -> None:
        self.rate_limited.append(op)
