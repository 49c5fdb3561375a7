"""Instructions per order under valgrind's callgrind: the client process, real sockets.

The reply server runs natively in its own process; only the client runs under callgrind, in
the fork server :mod:`harness.count_client` (start-up and imports once, then one child per
job). For each contender and loop three children run: ``N`` sequential and ``N`` pipelined
orders (after warm-up), ``3N`` and ``N``, ``N`` and ``3N``. The difference of two children's
counts is the cost of ``2N`` more orders of one mode: connecting, login, warm-up, start-up
and exit cancel out. The hash seed is fixed: two identical children of one run differ by
~30,000 instructions in all (~0.01% per order); whole runs (another parent, another heap
layout, other timings of how replies batch into reads) repeat to within ~0.5%.

Callgrind counts user-space instructions only: a request's system calls (one write, a share
of a read) are the kernel's, paid alike by every contender.

``breakdown``: callgrind's per-C-function costs of the same children (callgrind_annotate,
self and inclusive, per order by the same difference) and cProfile's per-Python-function
call counts of the measured phases (a native run; the profiler records only the two phases).
"""

from __future__ import annotations

import functools
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypedDict

from .count_client import CONTENDERS, Job
from .procs import BENCH, CLIENT_CPU, LoopKind, pin

#: The label of each contender of :mod:`harness.count_client` in the report.
LABELS: Final = {
    "floor": "floor",
    "okxws": "okxws (instIdCode)",
    "okxws-inst-id": "okxws (instId)",
}
#: What --breakdown annotates by C function (the README's caller against the floor).
BREAKDOWN_CONTENDERS: Final = ("floor", "okxws-inst-id")
MODES: Final = ("seq", "pipe")
#: Where --breakdown leaves the callgrind files (gitignored), for callgrind_annotate or
#: kcachegrind.
CALLGRIND_DIR: Final = BENCH / ".callgrind"
_COLLECTED = re.compile(r"^==(\d+)== Collected : (\d+)$", re.M)
TOTAL: Final = "PROGRAM TOTALS"
_ANNOTATED = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.+)$")


class CountRow(TypedDict):
    loop: str
    contender: str
    src: str | None
    #: Instructions per order by mode (``seq``, ``pipe``).
    per_order: dict[str, float]
    #: Instructions of the three children: ``base`` (N, N), ``seq3`` (3N, N), ``pipe3``
    #: (N, 3N).
    totals: dict[str, int]


class CallsRow(TypedDict):
    """One function's calls per order (cProfile)."""

    function: str
    floor: float
    okxws: float


class InstructionsRow(TypedDict):
    """One C function's instructions per order (callgrind; inlined code included)."""

    function: str
    floor_self: float
    okxws_self: float
    #: None where recursion makes it meaningless (more than the whole order).
    okxws_inclusive: float | None


class Breakdown(TypedDict):
    loop: str
    mode: str
    #: Calls per order by contender (``floor``, ``okxws``): Python functions, and C
    #: functions called from Python (builtins, methods of C types).
    python_calls: dict[str, float]
    c_calls: dict[str, float]
    by_calls: list[CallsRow]
    by_instructions: list[InstructionsRow]


class Counts(TypedDict, total=False):
    n: int
    warmup: int
    inflight: int
    #: How long the counting took, and the breakdown (within it).
    seconds: float
    breakdown_seconds: float
    rows: list[CountRow]
    breakdown: list[Breakdown]


@dataclass(frozen=True)
class CountConfig:
    n: int
    warmup: int
    inflight: int
    loops: Sequence[LoopKind]
    #: okxws trees to count (None: the installed one), each against the floor.
    okxws_srcs: Sequence[str | None]
    parallel: int
    breakdown: bool
    #: The reply server (``ws_port``, ``rest_port``).
    server: Mapping[str, Any]


def count_ratio(counts: Counts, loop: str, contender: str, mode: str) -> float | None:
    """Instructions per order of ``contender`` (first tree) over the floor's."""
    rows = {r["contender"]: r for r in counts.get("rows", []) if r["loop"] == loop}
    if contender not in rows or "floor" not in rows:
        return None
    return rows[contender]["per_order"][mode] / rows["floor"]["per_order"][mode]


# --------------------------------------------------------------------------- running children
def _jobs(contenders: Iterable[str], loops: Iterable[LoopKind], n: int) -> list[Job]:
    return [
        Job(c, loop, seq, pipe)
        for c in contenders
        for loop in loops
        for seq, pipe in ((n, n), (3 * n, n), (n, 3 * n))
    ]


def _server_cmd(
    cfg: CountConfig, jobs: Sequence[Job], src: str | None, profile: str | None = None
) -> list[str]:
    cmd = [sys.executable, "-m", "harness.count_client",
           "--ws", f"ws://127.0.0.1:{cfg.server['ws_port']}",
           "--rest", f"http://127.0.0.1:{cfg.server['rest_port']}",
           "--warmup", str(cfg.warmup), "--inflight", str(cfg.inflight),
           "--parallel", str(cfg.parallel)]  # fmt: skip
    if src:
        cmd += ["--okxws-src", src]
    if profile:
        cmd += ["--profile", profile]
    return [*cmd, *map(str, jobs)]


def _run(cmd: list[str], cfg: CountConfig, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a fork server; children run one at a time on the client CPU, or on any CPU."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(BENCH)}
    out = subprocess.run(
        cmd, capture_output=True, text=True, env=env, timeout=timeout,
        preexec_fn=(lambda: pin(CLIENT_CPU)) if cfg.parallel == 1 else None,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:6])} ... failed ({out.returncode}):\n{out.stderr[-3000:]}"
        )
    return out


def _children(stdout: str) -> dict[int, dict[str, Any]]:
    """Job index -> the child's JSON line; checks that no okxws order waited for budget."""
    lines = [json.loads(ln) for ln in stdout.splitlines() if ln.startswith("{")]
    by_index = {line["index"]: line for line in lines}
    waited = [line for line in lines if line.get("rate_limit_waits")]
    if waited:
        raise RuntimeError(f"okxws waited for rate-limit budget: {waited}")
    return by_index


def _count_tree(
    cfg: CountConfig, src: str | None, contenders: Sequence[str], out_dir: Path | None
) -> tuple[list[CountRow], dict[tuple[str, str, str], Path]]:
    """Count ``contenders`` with one okxws tree; also the callgrind file of each child."""
    jobs = _jobs(contenders, cfg.loops, cfg.n)
    # A native run first: it fails fast (not after minutes under valgrind) and writes the
    # .pyc files, which the counted runs then all find.
    _run(_server_cmd(cfg, _jobs(contenders, cfg.loops, 10), src), cfg, timeout=300)
    out_file = "/dev/null" if out_dir is None else str(out_dir / "callgrind.out.%p")
    valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"]
    out = _run([*valgrind, *_server_cmd(cfg, jobs, src)], cfg, timeout=3600)
    children = _children(out.stdout)
    collected = {int(pid): int(n) for pid, n in _COLLECTED.findall(out.stderr)}
    totals: dict[tuple[str, str], dict[str, int]] = {}
    files: dict[tuple[str, str, str], Path] = {}
    for index, job in enumerate(jobs):
        pid = children[index]["pid"]
        which = "base" if job.seq == job.pipe else "seq3" if job.seq > job.pipe else "pipe3"
        totals.setdefault((job.contender, job.loop), {})[which] = collected[pid]
        if out_dir is not None:
            named = out_dir / f"{job.contender}-{job.loop}-{which}.callgrind"
            (out_dir / f"callgrind.out.{pid}").rename(named)
            files[(job.contender, job.loop, which)] = named
    rows: list[CountRow] = []
    for (contender, loop), t in totals.items():
        rows.append({
            "loop": loop, "contender": LABELS[contender], "src": src,
            "per_order": {mode: (t[f"{mode}3"] - t["base"]) / (2 * cfg.n) for mode in MODES},
            "totals": t,
        })  # fmt: skip
    return rows, files


def count(cfg: CountConfig) -> Counts:
    """Every contender x loop x mode (see the module docstring); prints as it goes."""
    t0 = time.monotonic()
    print(f"counting instructions per order under callgrind: N={cfg.n}, "
          f"{cfg.inflight} in flight, loops {', '.join(cfg.loops)}", flush=True)  # fmt: skip
    out_dir: Path | None = None
    if cfg.breakdown:
        out_dir = CALLGRIND_DIR
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
    rows: list[CountRow] = []
    files: dict[tuple[str, str, str], Path] = {}
    for i, src in enumerate(cfg.okxws_srcs):
        contenders = [c for c in CONTENDERS if i == 0 or c != "floor"]  # one floor is enough
        tree_dir = out_dir if i == 0 else None  # the breakdown is of the first tree
        tree_rows, tree_files = _count_tree(cfg, src, contenders, tree_dir)
        rows += tree_rows
        files.update(tree_files)
        for r in tree_rows:
            print(f"  {r['loop']:7s} {r['contender']:20s} {src or '':20s} "
                  f"seq {r['per_order']['seq']:9,.0f}  pipe {r['per_order']['pipe']:9,.0f}",
                  flush=True)  # fmt: skip
    counts: Counts = {"n": cfg.n, "warmup": cfg.warmup, "inflight": cfg.inflight, "rows": rows}
    if cfg.breakdown:
        t1 = time.monotonic()
        counts["breakdown"] = breakdown(cfg, files)
        counts["breakdown_seconds"] = time.monotonic() - t1
    counts["seconds"] = time.monotonic() - t0
    print(f"counting took {counts['seconds']:.0f} s", flush=True)
    return counts


# --------------------------------------------------------------------------- breakdown
@functools.cache
def _annotate(path: Path, inclusive: bool) -> tuple[dict[str, int], dict[str, str]]:
    """Instructions by C function name (its lines in every source file, inlined headers
    included, and every recursion level summed; :data:`TOTAL`: the whole process), and the
    library of each function (where callgrind names one)."""
    out = subprocess.run(
        ["callgrind_annotate", "--threshold=100", "--auto=no",
         f"--inclusive={'yes' if inclusive else 'no'}", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    costs: dict[str, int] = {}
    objects: dict[str, str] = {}
    for line in out.stdout.splitlines():
        m = _ANNOTATED.match(line)
        if m is None:
            continue
        where, _, obj = m[2].partition(" [")
        name = TOTAL if where == TOTAL else re.sub(r"'\d+$", "", where.rsplit(":", 1)[-1])
        if obj:
            objects.setdefault(name, Path(obj.rstrip("]")).name)
        costs[name] = costs.get(name, 0) + int(m[1].replace(",", ""))
    return costs, objects


def _per_order(
    files: Mapping[str, Path], mode: str, n: int, inclusive: bool, objects: dict[str, str]
) -> dict[str, float]:
    """Instructions per order by C function (see :func:`_annotate`; ``objects`` is filled)."""
    (base, base_objects), (more, more_objects) = (
        _annotate(files[which], inclusive) for which in ("base", f"{mode}3")
    )
    objects.update(base_objects, **more_objects)
    return {k: (more.get(k, 0) - base.get(k, 0)) / (2 * n) for k in more.keys() | base.keys()}


def _profile(cfg: CountConfig, n: int) -> dict[tuple[str, str, str], pstats.Stats]:
    """cProfile stats of the measured phases: (contender, loop, mode) -> stats."""
    jobs = [Job(c, loop, n, n) for c in BREAKDOWN_CONTENDERS for loop in cfg.loops]
    with tempfile.TemporaryDirectory() as tmp:
        cmd = _server_cmd(cfg, jobs, cfg.okxws_srcs[0], profile=tmp)
        _children(_run(cmd, cfg, timeout=600).stdout)
        return {
            (job.contender, job.loop, mode): pstats.Stats(f"{tmp}/{i}-{mode}.pstats")
            for i, job in enumerate(jobs)
            for mode in MODES
        }


def _calls(stats: pstats.Stats, n: int) -> tuple[dict[str, float], float, float]:
    """Calls per order: by function, of Python functions in all, of C functions in all."""
    by_function: dict[str, float] = {}
    python = c = 0.0
    for (filename, line, name), (_cc, nc, *_rest) in stats.stats.items():  # type: ignore[attr-defined]
        per = nc / n
        if filename == "~":
            c += per
            key = name
        else:
            python += per
            key = f"{_short(filename)}:{line}({name})"
        by_function[key] = by_function.get(key, 0.0) + per
    return by_function, python, c


def _short(filename: str) -> str:
    """``okxws/net/socket.py``, ``asyncio/events.py``: the path from the package on."""
    parts = Path(filename).parts
    for anchor in ("okxws", "asyncio", "site-packages", "bench"):
        if anchor in parts:
            i = parts.index(anchor)
            return "/".join(parts[i + 1 :] if anchor in ("site-packages", "bench") else parts[i:])
    return Path(filename).name


def breakdown(
    cfg: CountConfig,
    files: Mapping[tuple[str, str, str], Path],
    top_calls: int = 25,
    top_functions: int = 15,
) -> list[Breakdown]:
    """Per loop and mode: okxws (instId) against the floor, by Python call and C function."""
    n_profile = max(cfg.n, 2000)
    profiles = _profile(cfg, n_profile)
    floor, okx = BREAKDOWN_CONTENDERS
    objects: dict[str, str] = {}
    out: list[Breakdown] = []
    for loop in cfg.loops:
        for mode in MODES:
            (f_calls, f_py, f_c), (o_calls, o_py, o_c) = (
                _calls(profiles[(c, loop, mode)], n_profile) for c in BREAKDOWN_CONTENDERS
            )
            more_calls = {k: o_calls.get(k, 0.0) - f_calls.get(k, 0.0) for k in o_calls | f_calls}
            by_calls = sorted(more_calls, key=lambda k: (-more_calls[k], k))[:top_calls]
            runs = {
                c: {which: files[(c, loop, which)] for which in ("base", f"{mode}3")}
                for c in BREAKDOWN_CONTENDERS
            }
            f_self = _per_order(runs[floor], mode, cfg.n, False, objects)
            o_self = _per_order(runs[okx], mode, cfg.n, False, objects)
            o_incl = _per_order(runs[okx], mode, cfg.n, True, objects)
            whole = o_self.pop(TOTAL)
            f_self.pop(TOTAL)
            extra = {
                k: o_self.get(k, 0.0) - f_self.get(k, 0.0) for k in o_self.keys() | f_self.keys()
            }
            by_instr = sorted(extra, key=lambda k: (-abs(extra[k]), k))[:top_functions]
            out.append({
                "loop": loop,
                "mode": mode,
                "python_calls": {"floor": f_py, "okxws": o_py},
                "c_calls": {"floor": f_c, "okxws": o_c},
                "by_calls": [
                    {"function": k, "floor": f_calls.get(k, 0.0), "okxws": o_calls.get(k, 0.0)}
                    for k in by_calls
                ],
                "by_instructions": [
                    {"function": f"{k} [{objects[k]}]" if k in objects else k,
                     "floor_self": f_self.get(k, 0.0), "okxws_self": o_self.get(k, 0.0),
                     "okxws_inclusive": o_incl[k] if o_incl.get(k, 0.0) <= whole else None}
                    for k in by_instr
                ],
            })  # fmt: skip
    return out
