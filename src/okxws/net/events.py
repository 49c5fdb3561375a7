"""Event handlers: ``on(event, handler)``; sync or async, and they can never break the client."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any, Final, Literal, get_args

from ..protocol.exceptions import OkxValidationError

__all__ = ["EVENTS", "EventEmitter", "EventName", "Handler", "attach_logging_listeners"]

EventName = Literal[
    "open", "reconnect", "reconnected", "authenticated", "exception", "close", "response", "update"
]  # fmt: skip
EVENTS: Final[tuple[EventName, ...]] = get_args(EventName)
Handler = Callable[[dict[str, Any]], object]

_log = logging.getLogger("okxws.events")


class EventEmitter:
    """Calls the handlers of an event in registration order.

    A handler that raises is logged and never propagates. A coroutine handler runs as a
    task this emitter owns: :meth:`aclose` cancels and awaits whatever is still running.
    """

    __slots__ = ("_handlers", "_tasks")

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {name: [] for name in EVENTS}
        self._tasks: set[asyncio.Task[object]] = set()

    def on(self, event: EventName, handler: Handler) -> None:
        """Register ``handler`` for ``event`` (one of :data:`EVENTS`)."""
        if event not in self._handlers:
            raise OkxValidationError(f"unknown event {event!r}; events are {EVENTS}")
        if not callable(handler):
            raise OkxValidationError("an event handler must be callable")
        self._handlers[event].append(handler)

    def off(self, event: EventName, handler: Handler) -> None:
        """Remove a handler registered with :meth:`on` (no error if absent)."""
        handlers = self._handlers.get(event, [])
        if handler in handlers:
            handlers.remove(handler)

    def has(self, event: EventName) -> bool:
        return bool(self._handlers[event])

    def handlers(self, event: EventName) -> list[Handler]:
        """The live list of ``event``'s handlers (updated in place by :meth:`on`/:meth:`off`)."""
        return self._handlers[event]

    def emit(self, event: EventName, payload: dict[str, Any]) -> None:
        for handler in self._handlers[event]:
            try:
                result = handler(payload)
            except Exception:
                _log.exception("%s handler %r raised; the client carries on", event, handler)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error(
                "async event handler raised; the client carries on", exc_info=task.exception()
            )

    async def aclose(self) -> None:
        """Cancel and await every handler task still running."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()


def attach_logging_listeners(emitter: EventEmitter) -> None:
    """Log the connection lifecycle through ``logging`` (like the Node SDK's console listeners).

    ``response`` and ``update`` get no default listener, so the hot path pays nothing for
    them; every received frame is logged at DEBUG by ``okxws.net`` when DEBUG is enabled.
    """
    log = logging.getLogger("okxws")

    def describe(payload: dict[str, Any]) -> str:
        return f"{payload.get('connection')} connection (account {payload.get('account')})"

    emitter.on("open", lambda p: log.info("%s open: %s", describe(p), p.get("url")))
    emitter.on(
        "reconnect", lambda p: log.warning("%s reconnecting: %s", describe(p), p.get("reason"))
    )
    emitter.on("reconnected", lambda p: log.info("%s reconnected", describe(p)))
    emitter.on("authenticated", lambda p: log.info("%s authenticated", describe(p)))
    emitter.on("exception", lambda p: log.error("%s error: %s", describe(p), p.get("error")))
    emitter.on("close", lambda p: log.info("%s closed", describe(p)))
