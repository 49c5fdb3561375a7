"""The Markdown report of one run: wall-clock tables (medians over interleaved rounds and the
median of the per-round ratios), instruction counts, the targets of issues 6 and 15."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .contenders import NODE_PEER, PEER_NAMES
from .counting import LABELS, Counts, count_ratio

#: Where a figure sits in a round's nested dicts, e.g. ("seq", "p50").
KeyPath = tuple[str, ...]
Rounds = Sequence[Mapping[str, Any]]


def med(vals: Iterable[float | None]) -> float | None:
    present = [v for v in vals if v is not None]
    return statistics.median(present) if present else None


def get(d: Any, path: KeyPath) -> Any:
    """``d[path[0]][path[1]]...``, or None where a key is missing."""
    for p in path:
        if d is None or p not in d:
            return None
        d = d[p]
    return d


def fmt(v: float | str | None, unit: str = "") -> str:
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if unit == "x":
        return f"**{v:.2f}x**"
    if unit == "%":
        return f"{v * 100:.0f}%"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}"


def target(v: float | None, ok: Callable[[float], bool]) -> tuple[str, str]:
    """The "measured" and "met?" cells of a target row (3 decimals: 0.796 is not 0.8)."""
    shown = f"**{v:.3f}x**" if v is not None else "n/a"
    return shown, "yes" if v is not None and ok(v) else "NO"


METRICS: list[tuple[str, KeyPath, bool]] = [  # (label, path, higher_is_better)
    ("seq latency p50 (us)", ("seq", "p50"), False),
    ("seq latency p90 (us)", ("seq", "p90"), False),
    ("seq latency p99 (us)", ("seq", "p99"), False),
    ("client CPU / request, sequential (us)", ("seq", "cpu_us"), False),
    ("pipelined, 1 in flight (req/s)", ("pipe1", "rps"), True),
    ("pipelined, 10 in flight (req/s)", ("pipe10", "rps"), True),
    ("pipelined, 100 in flight (req/s)", ("pipe100", "rps"), True),
    ("pipelined, 1000 in flight (req/s)", ("pipe1000", "rps"), True),
    ("client CPU / request, 100 in flight (us)", ("pipe100", "cpu_us"), False),
    ("cold start: constructor to first ack (ms)", ("cold_ms",), False),
    ("memory per in-flight request, 10k in flight (bytes)", ("mem", "bytes_per_req"), False),
]
BUSY: list[tuple[str, KeyPath]] = [
    (f"reply server CPU busy, {k} in flight", (f"pipe{k}", "srv_busy")) for k in (1, 10, 100, 1000)
]
SIM_ROWS: list[tuple[str, KeyPath, KeyPath]] = [
    ("seq latency p50 (us)", ("floor_seq", "p50"), ("okxws_seq", "p50")),
    ("seq latency p99 (us)", ("floor_seq", "p99"), ("okxws_seq", "p99")),
    ("orders/s, 100 in flight, one connection", ("floor_pipe100", "rps"), ("okxws_pipe100", "rps")),
    ("simulator CPU busy, 100 in flight", ("floor_pipe100", "srv_busy"),
     ("okxws_pipe100", "srv_busy")),
]  # fmt: skip


def ratio_col(
    rounds: Rounds, kind: str, a: str, b: str, path: KeyPath
) -> tuple[float | None, int, int]:
    """Median over rounds of b/a (same round), rounds with b/a <= 1, rounds."""
    rs = []
    for r in rounds:
        va, vb = get(r.get(kind, {}).get(a), path), get(r.get(kind, {}).get(b), path)
        if va and vb:
            rs.append(vb / va)
    return med(rs), sum(1 for x in rs if x <= 1.0), len(rs)


def ab_median(rounds: Rounds, kind: str, key: str) -> float | None:
    """Median over rounds of an A/B-burst figure (``ratio``, ``p50_ratio``, ...)."""
    return med([r[kind]["ab100"].get(key) for r in rounds if "ab100" in r.get(kind, {})])


def peer_ratio(rounds: Rounds, peer: str, path: KeyPath) -> float | None:
    """Median over rounds of peer / okxws (asyncio loop, same round)."""
    rs = []
    for r in rounds:
        pv, ov = get(r, ("peers", peer, *path)), get(r.get("asyncio", {}).get("okxws"), path)
        if pv and ov:
            rs.append(pv / ov)
    return med(rs)


# --------------------------------------------------------------------------- sections
def _loop_tables(w: Callable[[str], None], rounds: Rounds, kind: str) -> None:
    w(f"\n## {kind}: okxws vs the floor (reply server)\n")
    w("| metric | floor | okxws | **okxws / floor** | okxws better in |")
    w("|---|---|---|---|---|")
    for label, path, hib in METRICS:
        f = med([get(r.get(kind, {}).get("floor"), path) for r in rounds])
        o = med([get(r.get(kind, {}).get("okxws"), path) for r in rounds])
        ratio, le, n = ratio_col(rounds, kind, "floor", "okxws", path)
        better = (n - le) if hib else le
        w(f"| {label} | {fmt(f)} | {fmt(o)} | {fmt(ratio, 'x')} | {better}/{n} rounds |")
    abs_ = [r[kind]["ab100"] for r in rounds if "ab100" in r.get(kind, {})]
    if abs_:
        ratios = [a["ratio"] for a in abs_]
        w(f"| pipelined, 100 in flight, A/B bursts (req/s) | "
          f"{fmt(med([a['floor_rps'] for a in abs_]))} | "
          f"{fmt(med([a['okxws_rps'] for a in abs_]))} | {fmt(med(ratios), 'x')} | "
          f"{sum(1 for x in ratios if x > 1)}/{len(ratios)} rounds |")  # fmt: skip
    for q in ("p50", "p99"):
        abs_ = [r[kind]["ab100"] for r in rounds if "seq" in r.get(kind, {}).get("ab100", {})]
        if abs_:
            ratios = [a[f"{q}_ratio"] for a in abs_]
            w(f"| seq latency {q}, A/B bursts (us) | "
              f"{fmt(med([a['seq']['floor'][q] for a in abs_]))} | "
              f"{fmt(med([a['seq']['okxws'][q] for a in abs_]))} | "
              f"{fmt(med(ratios), 'x')} | "
              f"{sum(1 for x in ratios if x <= 1)}/{len(ratios)} rounds |")  # fmt: skip
    for label, path in BUSY:
        f = med([get(r.get(kind, {}).get("floor"), path) for r in rounds])
        o = med([get(r.get(kind, {}).get("okxws"), path) for r in rounds])
        w(f"| {label} | {fmt(f, '%')} | {fmt(o, '%')} | | |")


def node_ab_median(rounds: Rounds, kind: str, key: str) -> float | None:
    """Median over rounds of a Node SDK A/B-burst figure (``node_ratio``, ...)."""
    return med([get(r, ("node_ab", kind, key)) for r in rounds])


def _node_ab_table(w: Callable[[str], None], rounds: Rounds, loops: Sequence[str]) -> None:
    w("\n## The Node SDK against okxws and the floor, A/B bursts\n")
    w("In every round, per loop of okxws and the floor: the Node SDK (its own process, pinned "
      "to CPU 0, connected and warmed up) and the two in this process take turns in short "
      "bursts (floor, okxws, Node, Node, okxws, floor, ...; each burst 100 in flight, then "
      "sequential calls), so the three meet the machine's drifts alike. Throughput ratios: "
      "the median of the per-burst ratios; p50: of each contender's pooled sequential calls. "
      "okxws is given what the rest of the run gives it; the Node SDK, `instIdCode`.\n")  # fmt: skip
    w("| okxws's loop | 100 in flight (req/s) floor / okxws / Node | **Node / okxws** | "
      "Node / floor | p50 (us) floor / okxws / Node | **Node / okxws** | Node / floor |")  # fmt: skip
    w("|---|---|---|---|---|---|---|")
    for kind in loops:
        abs_ = [r["node_ab"][kind] for r in rounds if kind in r.get("node_ab", {})]
        if not abs_:
            continue
        names = ("floor", "okxws", "node")
        rps = " / ".join(fmt(med([a["rps"][n] for a in abs_])) for n in names)
        p50 = " / ".join(fmt(med([a["seq"][n]["p50"] for a in abs_])) for n in names)
        ratios = [fmt(node_ab_median(rounds, kind, k), "x") for k in
                  ("node_ratio", "node_floor_ratio", "node_p50_ratio", "node_floor_p50_ratio")]  # fmt: skip
        w(f"| {kind} | {rps} | {ratios[0]} | {ratios[1]} | {p50} | {ratios[2]} | {ratios[3]} |")


def _peer_table(w: Callable[[str], None], rounds: Rounds) -> None:
    w("\n## Peers (default asyncio loop for the Python clients; Node's own loop)\n")
    w("Each peer ran in its own process pinned to CPU 0 in every round, against the same "
      "reply server. Ratio columns: peer / okxws (asyncio) in the same round; for latency "
      ">1 means okxws is faster, for throughput <1 means okxws is faster.\n")  # fmt: skip
    names = [p for p in PEER_NAMES if any(get(r, ("peers", p)) for r in rounds)]
    w("| metric | floor | okxws | " + " | ".join(f"{p} | {p} / okxws" for p in names) + " |")
    w("|---" * (3 + 2 * len(names)) + "|")
    for label, path, _hib in [*METRICS[:8], METRICS[9]]:
        f = med([get(r.get("asyncio", {}).get("floor"), path) for r in rounds])
        o = med([get(r.get("asyncio", {}).get("okxws"), path) for r in rounds])
        cells = []
        for p in names:
            v = med([get(r, ("peers", p, *path)) for r in rounds])
            cells += [fmt(v), fmt(peer_ratio(rounds, p, path), "x")]
        w(f"| {label} | {fmt(f)} | {fmt(o)} | " + " | ".join(cells) + " |")
    notes = {p: get(r, ("peers", p, "note")) for r in rounds for p in names}
    for p, note in notes.items():
        if note:
            w(f"\n- {p}: {note}")


def _sim_tables(w: Callable[[str], None], rounds: Rounds, loops: Sequence[str]) -> None:
    for kind in loops:
        sims = [r["sim"].get(kind) for r in rounds if r.get("sim", {}).get(kind)]
        if not sims:
            continue
        w(f"\n## {kind}: end to end against the simulator (`okxws sim`, own process, CPU 1)\n")
        w("| metric | floor client | okxws | okxws / floor |")
        w("|---|---|---|---|")
        for label, fp, op in SIM_ROWS:
            f, o = med([get(s, fp) for s in sims]), med([get(s, op) for s in sims])
            rs = [get(s, op) / get(s, fp) for s in sims if get(s, fp) and get(s, op)]
            unit = "%" if "busy" in label else ""
            w(
                f"| {label} | {fmt(f, unit)} | {fmt(o, unit)} | {'' if unit else fmt(med(rs), 'x')} |"
            )


def _issue6_targets(w: Callable[[str], None], rounds: Rounds, loops: Sequence[str]) -> None:
    w("\n## Targets (issue 6)\n")
    w("| target | measured | met? |")
    w("|---|---|---|")
    for kind in loops:
        p50 = ratio_col(rounds, kind, "floor", "okxws", ("seq", "p50"))[0]
        p99 = ratio_col(rounds, kind, "floor", "okxws", ("seq", "p99"))[0]
        thr = ratio_col(rounds, kind, "floor", "okxws", ("pipe100", "rps"))[0]
        mem = med([get(r.get(kind, {}).get("okxws"), ("mem", "bytes_per_req")) for r in rounds])
        same = f"{kind}: the same, in alternating A/B bursts"
        rows: list[tuple[str, float | None, Callable[[float], bool]]] = [
            (f"{kind}: p50 <= 1.25x floor", p50, lambda v: v <= 1.25),
            (same, ab_median(rounds, kind, "p50_ratio"), lambda v: v <= 1.25),
            (f"{kind}: p99 <= 1.5x floor", p99, lambda v: v <= 1.5),
            (same, ab_median(rounds, kind, "p99_ratio"), lambda v: v <= 1.5),
            (f"{kind}: 100-in-flight throughput >= 0.8x floor", thr, lambda v: v >= 0.8),
            (same, ab_median(rounds, kind, "ratio"), lambda v: v >= 0.8),
        ]
        for name, v, ok in rows:
            w("| {} | {} | {} |".format(name, *target(v, ok)))
        w(f"| {kind}: memory per in-flight request < 2048 B | {fmt(mem)} B | "
          f"{'yes' if mem is not None and mem < 2048 else 'NO'} |")  # fmt: skip
    if any(get(r, ("peers", NODE_PEER)) for r in rounds):
        for label, path, hib in [("p50 latency", ("seq", "p50"), False),
                                 ("100-in-flight throughput", ("pipe100", "rps"), True)]:  # fmt: skip
            v = peer_ratio(rounds, NODE_PEER, path)
            faster = v is not None and (v < 1 if hib else v > 1)
            w(f"| faster than the Node SDK on {label} (asyncio loop; Node / okxws) | "
              f"{fmt(v, 'x')} | {'yes' if faster else 'NO'} |")  # fmt: skip


def _issue15_targets(
    w: Callable[[str], None], rounds: Rounds, loops: Sequence[str], counts: Counts | None
) -> None:
    w("\n## Targets (issue 15)\n")
    w("| target | measured | met? |")
    w("|---|---|---|")
    for kind in loops:
        if counts is not None:
            for mode, what in (("seq", "sequential"), ("pipe", f"{counts['inflight']} in flight")):
                v = count_ratio(counts, kind, "okxws (instId)", mode)
                w("| {}: instructions per order, {}, okxws (instId) <= 1.25x floor "
                  "(stretch 1.10x) | {} | {} |".format(
                      kind, what, *target(v, lambda v: v <= 1.25)))  # fmt: skip
        if rounds:
            rows: list[tuple[str, float | None, Callable[[float], bool]]] = [
                (f"{kind}: p50 <= 1.15x floor, A/B bursts", ab_median(rounds, kind, "p50_ratio"),
                 lambda v: v <= 1.15),
                (f"{kind}: 100-in-flight throughput >= 0.8x floor, A/B bursts",
                 ab_median(rounds, kind, "ratio"), lambda v: v >= 0.8),
            ]  # fmt: skip
            for name, v, ok in rows:
                w("| {} | {} | {} |".format(name, *target(v, ok)))
    for kind in loops:
        if not any(kind in r.get("node_ab", {}) for r in rounds):
            continue
        for label, key, ok in [
            (f"Node SDK p50 >= 1.5x okxws's (okxws on {kind}; Node / okxws), A/B bursts",
             "node_p50_ratio", lambda v: v >= 1.5),
            (f"Node SDK 100-in-flight throughput <= 0.5x okxws's (okxws on {kind}; "
             "Node / okxws), A/B bursts", "node_ratio", lambda v: v <= 0.5),
        ]:  # fmt: skip
            w("| {} | {} | {} |".format(label, *target(node_ab_median(rounds, kind, key), ok)))


def _instructions(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def count_sections(counts: Counts, loops: Sequence[str]) -> list[str]:
    """The instruction counts (and, after ``--breakdown``, where they go) as Markdown."""
    n, inflight = counts["n"], counts["inflight"]
    out = [
        "\n## Instructions per order (callgrind: the client process, real sockets)\n",
        f"Only the client runs under valgrind's callgrind; the reply server runs natively in "
        f"its own process. Per contender and loop, three runs after {counts['warmup']} "
        f"warm-up orders of each mode: N sequential and N with {inflight} in flight, 3N and "
        f"N, N and 3N (N = {n:,}); instructions per order = the difference / 2N, so start-up, "
        f"login and warm-up cancel out. `PYTHONHASHSEED=0`: runs repeat to within ~0.5%. okxws runs with its defaults (validation, deadlines, "
        f"`clOrdId` generation, rate-limit accounting, health figures) except "
        f"`attach_event_listeners=False` and rate-limit budgets large enough never to wait "
        f"(`bench/harness/contenders.py:bench_rate_limits`). The count took "
        f"{counts.get('seconds', 0):.0f} s"
        + (
            f", the breakdown {counts['breakdown_seconds']:.0f} s of it"
            if "breakdown_seconds" in counts
            else ""
        )
        + ".\n",
        f"| loop | contender | sequential | **/ floor** | {inflight} in flight | **/ floor** |",
        "|---|---|---|---|---|---|",
    ]
    rows = counts.get("rows", [])
    for loop in loops:
        floor = next((r for r in rows if r["loop"] == loop and r["contender"] == "floor"), None)
        for r in (r for r in rows if r["loop"] == loop):
            name = r["contender"] + (f" `{r['src']}`" if r["src"] else "")
            cells = []
            for mode in ("seq", "pipe"):
                v = r["per_order"][mode]
                ratio = v / floor["per_order"][mode] if floor else None
                cells += [fmt(v), fmt(ratio, "x")]
            out.append(f"| {loop} | {name} | " + " | ".join(cells) + " |")
    breakdowns = counts.get("breakdown", [])
    okx = LABELS["okxws-inst-id"]
    if breakdowns:
        out += [
            f"\n### Function calls per order (cProfile of the measured phases; {okx})\n",
            "A coroutine counts once when it starts and once per resumption. C functions are "
            "those called from Python (builtins, methods of C types).\n",
            "| loop | mode | floor: Python | okxws: Python | floor: C | okxws: C |",
            "|---|---|---|---|---|---|",
        ]
        for b in breakdowns:
            py, c = b["python_calls"], b["c_calls"]
            out.append(f"| {b['loop']} | {b['mode']} | {py['floor']:.1f} | {py['okxws']:.1f} | "
                       f"{c['floor']:.1f} | {c['okxws']:.1f} |")  # fmt: skip
    for b in breakdowns:
        where = f"{b['loop']}, {'sequential' if b['mode'] == 'seq' else f'{inflight} in flight'}"
        out += [
            f"\n### {where}: the functions {okx} calls most more often than the floor "
            "(calls per order, cProfile)\n",
            "| function | floor | okxws | okxws - floor |",
            "|---|---|---|---|",
            *(f"| `{f['function']}` | {f['floor']:.2f} | {f['okxws']:.2f} | "
              f"{f['okxws'] - f['floor']:+.2f} |" for f in b["by_calls"]),
            f"\n### {where}: C functions by okxws's extra instructions per order (callgrind)\n",
            "Self: the function's own instructions (inlined code included); inclusive: with "
            "its callees, n/a where recursion counts more than the whole order.\n",
            "| function | floor self | okxws self | okxws - floor | okxws inclusive |",
            "|---|---|---|---|---|",
            *(f"| `{f['function']}` | {f['floor_self']:,.0f} | {f['okxws_self']:,.0f} | "
              f"{f['okxws_self'] - f['floor_self']:+,.0f} | {_instructions(f['okxws_inclusive'])} |"
              for f in b["by_instructions"]),
        ]  # fmt: skip
    return out


def report(
    rounds: Rounds,
    loops: Sequence[str],
    machine: Mapping[str, Any],
    counts: Counts | None = None,
) -> str:
    """The whole report: instruction counts (if given), then the wall-clock rounds (if any)."""
    out: list[str] = []
    w = out.append
    w(f"# okxws benchmark results\n\n{machine['when']}: `{machine['cmd']}`\n")
    line = (f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['os']}; Python "
            f"{machine['python']}; {machine['libs']}.")  # fmt: skip
    if rounds:
        line += (f" {len(rounds)} interleaved rounds; tables show the median across rounds of "
                 "each value and the **median of the per-round ratios** (okxws / floor, in the "
                 "same round and loop).")  # fmt: skip
    w(line + "\n")
    if counts is not None:
        out += count_sections(counts, loops)
    for kind in loops if rounds else ():
        _loop_tables(w, rounds, kind)
    if any("peers" in r for r in rounds):
        _peer_table(w, rounds)
    if any("node_ab" in r for r in rounds):
        _node_ab_table(w, rounds, loops)
    if any("sim" in r for r in rounds):
        _sim_tables(w, rounds, loops)
    if rounds:
        _issue6_targets(w, rounds, loops)
    _issue15_targets(w, rounds, loops, counts)
    return "\n".join(out) + "\n"
