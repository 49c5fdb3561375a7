"""Health figures of a client, recorded on the hot path and summarised on demand (no I/O).

Per operation: how many requests were sent, answered ``code`` "0", rejected, left with an
unknown outcome and timed out; the round trip the client measured and OKX's own gateway time
(``outTime - inTime``, so network time and exchange time can be told apart), as percentiles
(and the maximum) over the last :data:`SAMPLES` answers (a fixed-size ring: memory never
grows). Per channel:
pushes and their age (receipt time minus OKX's ``ts``, with the clock offset applied).
Recording is a few stores per request; :meth:`OpStats.summary` does the sorting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, TypedDict

__all__ = ["SAMPLES", "Latency", "OpStats", "OpSummary", "PushStats", "percentile"]

#: Answers kept per operation for the percentiles.
SAMPLES: Final = 1024


class Latency(TypedDict):
    """Percentiles in milliseconds (None before the first sample)."""

    p50: float | None
    p99: float | None
    max: float | None


class OpSummary(TypedDict):
    """One operation's figures (see :class:`OpStats`)."""

    sent: int
    ok: int
    rejected: int
    unknown: int
    timed_out: int
    round_trip_ms: Latency
    okx_ms: Latency
    network_ms: Latency


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """The ``fraction`` percentile (nearest rank) of already sorted values."""
    if not sorted_values:
        return None
    rank = max(int(fraction * len(sorted_values) + 0.999999) - 1, 0)
    return sorted_values[min(rank, len(sorted_values) - 1)]


def _latency(values: list[float]) -> Latency:
    values = sorted(values)
    worst = values[-1] if values else None
    return {"p50": percentile(values, 0.5), "p99": percentile(values, 0.99), "max": worst}


@dataclass(slots=True)
class OpStats:
    """The figures of one operation on one connection (or of one REST endpoint)."""

    sent: int = 0
    ok: int = 0
    rejected: int = 0
    unknown: int = 0
    timed_out: int = 0
    #: Rings of the last :data:`SAMPLES` answers, one entry each at the same index: the
    #: round trip (s) and OKX's ``inTime``/``outTime`` as sent (parsed only by
    #: :meth:`summary`). Three lists, not a list of tuples: no tuple built per answer.
    round_trips: list[float] = field(default_factory=list)
    in_times: list[object] = field(default_factory=list)
    out_times: list[object] = field(default_factory=list)
    next_sample: int = 0

    def answered(self, round_trip: float, msg: dict[str, Any], ok: bool) -> None:
        """Record an answer (``msg`` is OKX's reply, for its ``inTime``/``outTime``)."""
        if ok:
            self.ok += 1
        else:
            self.rejected += 1
        round_trips = self.round_trips
        if len(round_trips) < SAMPLES:
            round_trips.append(round_trip)
            self.in_times.append(msg.get("inTime"))
            self.out_times.append(msg.get("outTime"))
        else:
            i = self.next_sample
            round_trips[i] = round_trip
            self.in_times[i] = msg.get("inTime")
            self.out_times[i] = msg.get("outTime")
            self.next_sample = i + 1 if i + 1 < SAMPLES else 0

    def summary(self) -> OpSummary:
        rtts: list[float] = []
        okx: list[float] = []
        network: list[float] = []
        for round_trip, in_time, out_time in zip(
            self.round_trips, self.in_times, self.out_times, strict=True
        ):
            rtts.append(round_trip * 1000)
            gateway = _gateway_ms(in_time, out_time)
            if gateway is not None:
                okx.append(gateway)
                network.append(round_trip * 1000 - gateway)
        return {
            "sent": self.sent,
            "ok": self.ok,
            "rejected": self.rejected,
            "unknown": self.unknown,
            "timed_out": self.timed_out,
            "round_trip_ms": _latency(rtts),
            "okx_ms": _latency(okx),
            "network_ms": _latency(network),
        }


def _gateway_ms(in_time: object, out_time: object) -> float | None:
    """OKX's gateway time (``outTime - inTime``, microseconds on the wire) in ms."""
    if type(in_time) is not str or type(out_time) is not str:
        return None
    try:
        return (int(out_time) - int(in_time)) / 1000
    except ValueError:
        return None


class _PushSummary(TypedDict):
    pushes: int
    age_ms: Latency


@dataclass(slots=True)
class PushStats:
    """Pushes of one channel and their age (receipt minus OKX's ``ts``, ms)."""

    pushes: int = 0
    ages: list[float] = field(default_factory=list)
    next_age: int = 0

    def received(self, age_ms: float | None) -> None:
        self.pushes += 1
        if age_ms is None:
            return
        ages = self.ages
        if len(ages) < SAMPLES:
            ages.append(age_ms)
        else:
            i = self.next_age
            ages[i] = age_ms
            self.next_age = i + 1 if i + 1 < SAMPLES else 0

    def summary(self) -> _PushSummary:
        return {"pushes": self.pushes, "age_ms": _latency(self.ages)}
