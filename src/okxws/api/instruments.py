"""``instId`` -> ``instIdCode`` resolution for WS order operations.

OKX ignores ``instId`` in WebSocket order operations since 2026-03 and reads only the integer
``instIdCode`` (okx-protocol.md section 4.0), which comes from ``GET /api/v5/public/instruments``
and differs between live and demo trading. This cache fetches the codes of one instrument type
at a time, on first use, and refreshes when an ``instId`` is missing (a new listing).
https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from ..protocol import rest as r
from ..protocol.exceptions import OkxValidationError
from ..protocol.ratelimit import instrument_key

__all__ = ["InstrumentCodes", "inst_type_of"]

_log = logging.getLogger("okxws.api")

#: A type refreshed this recently is not fetched again for a missing instId.
_MIN_REFRESH_INTERVAL: Final = 5.0
_PATH: Final = "/api/v5/public/instruments"
#: Instrument types listed without a family (options need their ``instFamily``).
_REVERSE_TYPES: Final = (("SPOT", None), ("SWAP", None), ("FUTURES", None))


def inst_type_of(inst_id: str) -> tuple[str, str | None]:
    """The instrument type of an order-book ``instId`` (and its family for options)."""
    parts = inst_id.split("-")
    if inst_id.endswith("-SWAP"):
        return "SWAP", None
    if len(parts) == 5 and parts[-1] in ("C", "P"):
        return "OPTION", f"{parts[0]}-{parts[1]}"
    if len(parts) == 3 and parts[2].isdigit():
        return "FUTURES", None
    return "SPOT", None


#: ``RestClient.get_instruments`` (the cache fetches through the client's one REST path).
FetchInstruments = Callable[[r.InstrumentsParams], Awaitable[list[r.Instrument]]]


class InstrumentCodes:
    """An ``instId`` -> ``instIdCode`` cache for one market and environment, filled through
    ``fetch`` (``RestClient.get_instruments``: its errors; a lookup is a read, so its outcome
    is always known)."""

    def __init__(self, fetch: FetchInstruments, base_url: str = "") -> None:
        self._fetch_instruments = fetch
        self._base_url = base_url
        #: instId -> instIdCode; the order path reads it directly (one dict lookup).
        self.codes: dict[str, int] = {}
        #: code -> the budget key of its instrument: its instId, or an option's family
        #: (OKX's option budgets are per family).
        self._budget_key_of: dict[int, str] = {}
        self._fetched_at: dict[tuple[str, str | None], float] = {}
        self._inflight: dict[tuple[str, str | None], asyncio.Task[None]] = {}

    def get(self, inst_id: str) -> int | None:
        """The cached code, or None."""
        return self.codes.get(inst_id)

    def budget_key(self, item: Mapping[str, object]) -> str | int | None:
        """The key of an item's per-instrument rate-limit budget: its ``instId`` (an option:
        its family), found from its ``instIdCode`` when the code was looked up, so that an
        instrument has one budget however an item names it (see
        :mod:`okxws.protocol.ratelimit`)."""
        code = item.get("instIdCode")
        if type(code) is int and "instId" not in item:
            return self._budget_key_of.get(code, code)
        return instrument_key(item)

    async def inst_id_of(self, code: int) -> str | None:
        """The ``instId`` whose code is ``code`` (fetching the non-option lists if needed;
        an option's family must have been looked up before)."""
        for _ in range(2):
            for inst_id, known in self.codes.items():
                if known == code:
                    return inst_id
            for key in _REVERSE_TYPES:
                if key not in self._fetched_at:
                    await self._fetch(*key)
        return None

    async def resolve(self, inst_id: str) -> int:
        """The code of ``inst_id``, fetching its instrument type's list if needed."""
        code = self.codes.get(inst_id)
        if code is not None:
            return code
        key = inst_type_of(inst_id)
        fetched = self._fetched_at.get(key)
        if fetched is None or time.monotonic() - fetched >= _MIN_REFRESH_INTERVAL:
            task = self._inflight.get(key)
            if task is None:  # one fetch per type, shared by every concurrent caller
                task = asyncio.create_task(self._fetch(*key), name=f"okxws instruments {key}")
                self._inflight[key] = task
                task.add_done_callback(lambda _: self._inflight.pop(key, None))
            await asyncio.shield(task)
        code = self.codes.get(inst_id)
        if code is None:
            raise OkxValidationError(
                f"unknown instId {inst_id!r}: not in {self._base_url}{_PATH} "
                "for this market (give instIdCode to skip the lookup)"
            )
        return code

    async def _fetch(self, inst_type: str, family: str | None) -> None:
        params: r.InstrumentsParams = {"instType": inst_type}
        if family:
            params["instFamily"] = family
        count = 0
        items: list[object] = list(await self._fetch_instruments(params))
        for item in items:  # what the server sent, whatever its shape
            if not isinstance(item, dict):
                continue
            inst_id, code = item.get("instId"), item.get("instIdCode")
            if isinstance(inst_id, str) and isinstance(code, int) and not isinstance(code, bool):
                self.codes[inst_id] = code
                self._budget_key_of[code] = family if family is not None else inst_id
                count += 1
        self._fetched_at[(inst_type, family)] = time.monotonic()
        _log.debug("cached %d instIdCodes for %s", count, params)

    async def aclose(self) -> None:
        """Cancel and await the lookups still running."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
