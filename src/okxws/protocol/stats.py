"""Health figures of a client, recorded on the hot path and summarised on demand (no I/O).

Per operation: how many requests were sent, answered ``code`` "0", rejected, left with an
unknown outcome and timed out; the round trip the client measured and OKX's own gateway time
(``outTime - inTime``, so network time and exchange time can be told apart), as percentiles
over the last :data:`SAMPLES` answers (a fixed-size ring: memory never grows). Per channel:
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


def _latency(values: list[float], worst: float | None) -> Latency:
    values = sorted(values)
    return {"p50": percentile(values, 0.5), "p99": percentile(values, 0.99), "max": worst}


@dataclass(slots=True)
class OpStats:
    """The figures of one operation on one connection (or of one REST endpoint)."""

    sent: int = 0
    ok: int = 0
    rejected: int = 0
    unknown: int = 0
    timed_out: int = 0
    #: Ring of (round trip s, OKX gateway s or -1.0): the last :data:`SAMPLES` answers.
    samples: list[tuple[float, float]] = field(default_factory=list)
    next_sample: int = 0
    max_round_trip: float = 0.0
    max_okx: float = 0.0

    def answered(self, round_trip: float, msg: dict[str, Any], ok: bool) -> None:
        """Record an answer (``msg`` is OKX's reply: its ``inTime``/``outTime`` are read)."""
        if ok:
            self.ok += 1
        else:
            self.rejected += 1
        okx = -1.0
        in_time, out_time = msg.get("inTime"), msg.get("outTime")
        if type(in_time) is str and type(out_time) is str:
            try:
                okx = (int(out_time) - int(in_time)) / 1e6
            except ValueError:
                okx = -1.0
        sample = (round_trip, okx)
        samples = self.samples
        if len(samples) < SAMPLES:
            samples.append(sample)
        else:
            samples[self.next_sample] = sample
            self.next_sample = (self.next_sample + 1) % SAMPLES
        if round_trip > self.max_round_trip:
            self.max_round_trip = round_trip
        if okx > self.max_okx:
            self.max_okx = okx

    def summary(self) -> OpSummary:
        rtts = [s[0] * 1000 for s in self.samples]
        okx = [s[1] * 1000 for s in self.samples if s[1] >= 0]
        network = [(s[0] - s[1]) * 1000 for s in self.samples if s[1] >= 0]
        return {
            "sent": self.sent,
            "ok": self.ok,
            "rejected": self.rejected,
            "unknown": self.unknown,
            "timed_out": self.timed_out,
            "round_trip_ms": _latency(rtts, self.max_round_trip * 1000 if rtts else None),
            "okx_ms": _latency(okx, self.max_okx * 1000 if okx else None),
            "network_ms": _latency(network, max(network) if network else None),
        }


class _PushSummary(TypedDict):
    pushes: int
    age_ms: Latency


@dataclass(slots=True)
class PushStats:
    """Pushes of one channel and their age (receipt minus OKX's ``ts``, ms)."""

    pushes: int = 0
    ages: list[float] = field(default_factory=list)
    next_age: int = 0
    max_age: float | None = None

    def received(self, age_ms: float | None) -> None:
        self.pushes += 1
        if age_ms is None:
            return
        ages = self.ages
        if len(ages) < SAMPLES:
            ages.append(age_ms)
        else:
            ages[self.next_age] = age_ms
            self.next_age = (self.next_age + 1) % SAMPLES
        if self.max_age is None or age_ms > self.max_age:
            self.max_age = age_ms

    def summary(self) -> _PushSummary:
        return {"pushes": self.pushes, "age_ms": _latency(self.ages, self.max_age)}
