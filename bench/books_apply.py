"""CPU per applied order-book update: okxws's LocalBook vs a minimal floor vs ccxt.

Usage: python bench/books_apply.py [--n N] [--repeat R] [--callgrind] [--structures]
                                   [--ccxt-python PATH]

Every contender starts from the raw bytes of a push frame and ends with an updated book, so the
JSON parse is included (what a client pays per frame):

- ``okxws``: ``orjson.loads`` + :meth:`okxws.protocol.books.LocalBook.apply` (validation,
  ``prevSeqId`` continuity, atomic apply).
- ``floor``: ``orjson.loads`` + a dict of levels and a ``bisect``-kept sorted key list per side;
  no SDK, no validation, no check but ``action`` and ``prevSeqId == last``.
- ``ccxt``: ccxt.pro's OKX ``watch_order_book`` path, ``Client.handle_text_or_binary_message``
  (orjson) -> ``okx.handle_message`` -> ``handle_order_book`` -> ``handle_order_book_message``
  -> ``OrderBookSide.storeArray``; run with the ``--ccxt-python`` interpreter (ccxt is not a
  dependency of okxws).

The stream is synthetic but shaped like OKX's: a 400-level BTC-USDT-like book (tick 0.1), then
``books`` deltas (a 100 ms batch: 3 to 8 levels changed) or ``books-l2-tbt`` deltas (1 or 2
levels), each change a size change (60 %), a new level (20 %) or a delete (20 %) near the top,
seqIds advancing by random strides. The frames are generated once by the parent and read by
every child from a file, so all contenders apply the same bytes.

``--callgrind`` counts instructions (valgrind's callgrind): each child runs with ``N`` and
``3 * N`` updates over the same loaded frames and the difference is divided by ``2 * N``, so
start-up and loading cancel out. ``--structures`` compares the candidate sorted structures for
a book side on the same stream (the measurement behind the choice in books.py).

Last run (CPython 3.11, ccxt 4.5.90; callgrind ``--n 8000``), with ``protocol/books.py``
compiled by mypyc as ``pip install`` builds it (setup.py), 2026-12-02:

==============  =====================  ======================
contender       ``books`` instr.       ``books-l2-tbt`` instr.
==============  =====================  ======================
floor           41,456                 21,055
okxws           41,158 (0.99x floor)   21,566 (1.02x floor)
ccxt            219,491 (5.33x okxws)  181,583 (8.42x okxws)
==============  =====================  ======================

In pure Python (``OKXWS_PURE_PYTHON=1``) okxws costs 55,081 / 27,221 (1.33x / 1.29x the
floor): the margin is validation the floor skips (every size parsed and rejected when
non-numeric, negative or NaN, ~4,500 instructions of a ``books`` update; ``ts`` must be
digits, ~650; each level type-checked), which compiled code does at about the floor's cost.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left, insort
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
CCXT_PYTHON = "/work/main/interop/.deps/venv/bin/python"
INST_ID = "BTC-USDT"
CHANNELS = ("books", "books-l2-tbt")
CONTENDERS = ("floor", "okxws", "ccxt")
STRUCTURES = (
    "dict+bisect/float",
    "dict+bisect/Decimal",
    "SortedDict/float",
    "SortedDict/Decimal",
    "parallel-lists/float",
)

# --------------------------------------------------------------------------- the stream


def _px(tick: int) -> str:
    """A price as OKX writes it: no trailing zeros ("60000", "60000.1")."""
    whole, frac = divmod(tick, 10)
    return f"{whole}.{frac}" if frac else str(whole)


def _sz(rng: random.Random) -> str:
    return f"{rng.randint(1, 5_000_000) / 10_000:.4f}".rstrip("0").rstrip(".")


def _frame(
    channel: str, action: str, bids: list[list[str]], asks: list[list[str]], prev: int, seq: int
) -> bytes:
    item = {"asks": asks, "bids": bids, "ts": str(1_765_201_257_005 + seq // 100),
            "checksum": 0, "prevSeqId": prev, "seqId": seq}  # fmt: skip
    msg = {"arg": {"channel": channel, "instId": INST_ID}, "action": action, "data": [item]}
    return json.dumps(msg, separators=(",", ":")).encode()


def make_stream(channel: str, n: int, seed: int = 13) -> tuple[bytes, list[bytes]]:
    """A 400-level snapshot frame and ``n`` update frames for ``channel``."""
    rng = random.Random(seed)
    mid = 600_000  # ticks of 0.1: 60000.0
    sides: dict[str, dict[int, str]] = {
        "bids": {mid - 1 - i: _sz(rng) for i in range(400)},
        "asks": {mid + 1 + i: _sz(rng) for i in range(400)},
    }

    def levels(side: str) -> list[list[str]]:
        book = sides[side]
        ticks = sorted(book, reverse=side == "bids")
        return [[_px(t), book[t], "0", str(rng.randint(1, 30))] for t in ticks]

    seq = 9_690_930_615
    snapshot = _frame(channel, "snapshot", levels("bids"), levels("asks"), -1, seq)
    frames = []
    for _ in range(n):
        changed: dict[str, dict[int, str]] = {"bids": {}, "asks": {}}
        for _ in range(rng.randint(3, 8) if channel == "books" else rng.randint(1, 2)):
            side = rng.choice(("bids", "asks"))
            book = sides[side]
            ticks = sorted(book, reverse=side == "bids")
            roll = rng.random()
            if roll < 0.2:  # a new level near the top
                away = 1 + int(rng.expovariate(1 / 15))
                tick = mid - away if side == "bids" else mid + away
                if tick in book:
                    roll = 0.5
                else:
                    book[tick] = changed[side][tick] = _sz(rng)
            if roll >= 0.2:  # change or delete an existing level, most often near the top
                tick = ticks[min(int(rng.expovariate(1 / 10)), len(ticks) - 1)]
                if roll < 0.4 and len(book) > 300:
                    del book[tick]
                    changed[side][tick] = "0"
                else:
                    book[tick] = changed[side][tick] = _sz(rng)
        delta = {
            side: [[_px(t), sz, "0", "0" if sz == "0" else str(rng.randint(1, 30))]
                   for t, sz in sorted(changed[side].items(), reverse=side == "bids")]
            for side in ("bids", "asks")
        }  # fmt: skip
        prev, seq = seq, seq + rng.choice((1, 1, 2, 3, 7, 12))
        frames.append(_frame(channel, "update", delta["bids"], delta["asks"], prev, seq))
    return snapshot, frames


def write_stream(path: Path, snapshot: bytes, frames: list[bytes]) -> None:
    path.write_bytes(b"\n".join([snapshot, *frames]))


def load_frames(path: str) -> tuple[bytes, list[bytes]]:
    snapshot, *frames = Path(path).read_bytes().split(b"\n")
    return snapshot, frames


# --------------------------------------------------------------------------- contenders


def _floor(snapshot: bytes) -> Callable[[bytes], object]:
    """The least a client can do: per side, sorted keys and their levels in parallel lists (the
    fastest structure, see --structures), kept with bisect; no check but prevSeqId. Written
    out per side, without a function call per level, to be the cheapest it can be."""
    import orjson

    loads = orjson.loads
    item = loads(snapshot)["data"][0]
    bid_keys = [-float(lv[0]) for lv in item["bids"]]  # OKX sends them sorted, best first
    bids = [(lv[0], lv[1]) for lv in item["bids"]]
    ask_keys = [float(lv[0]) for lv in item["asks"]]
    asks = [(lv[0], lv[1]) for lv in item["asks"]]
    last = [item["seqId"]]

    def apply(raw: bytes) -> object:
        msg = loads(raw)
        if msg["action"] != "update":  # a client must tell a snapshot from an update
            raise RuntimeError("snapshot: not handled by the floor")
        item = msg["data"][0]
        if item["prevSeqId"] != last[0]:
            raise RuntimeError("gap")
        last[0] = item["seqId"]
        for lv in item["bids"]:
            key = -float(lv[0])
            i = bisect_left(bid_keys, key)
            if i < len(bid_keys) and bid_keys[i] == key:
                if lv[1] == "0":
                    del bid_keys[i]
                    del bids[i]
                else:
                    bids[i] = (lv[0], lv[1])
            elif lv[1] != "0":
                bid_keys.insert(i, key)
                bids.insert(i, (lv[0], lv[1]))
        for lv in item["asks"]:
            key = float(lv[0])
            i = bisect_left(ask_keys, key)
            if i < len(ask_keys) and ask_keys[i] == key:
                if lv[1] == "0":
                    del ask_keys[i]
                    del asks[i]
                else:
                    asks[i] = (lv[0], lv[1])
            elif lv[1] != "0":
                ask_keys.insert(i, key)
                asks.insert(i, (lv[0], lv[1]))
        return None

    return apply


def _okxws(snapshot: bytes) -> Callable[[bytes], object]:
    import orjson

    from okxws.protocol.books import ApplyResult, LocalBook

    loads = orjson.loads
    msg = loads(snapshot)
    book = LocalBook(msg["arg"]["channel"], INST_ID)
    book.apply(msg["data"][0], msg["action"])
    update = ApplyResult.UPDATE
    book_apply = book.apply

    def apply(raw: bytes) -> object:
        msg = loads(raw)
        if book_apply(msg["data"][0], msg["action"]) is not update:
            raise RuntimeError("not in sequence")
        return None

    return apply


def _ccxt(snapshot: bytes) -> Callable[[bytes], object]:
    import ccxt.pro  # type: ignore[import-not-found]
    from ccxt.async_support.base.ws.client import Client  # type: ignore[import-not-found]

    exchange = ccxt.pro.okx()
    client = Client("wss://ws.okx.com:8443/ws/v5/public", exchange.handle_message, None, None,
                    None, {})  # fmt: skip
    channel = json.loads(snapshot)["arg"]["channel"]
    client.subscriptions[f"{channel}:{INST_ID}"] = True  # as watch_order_book leaves it
    client.handle_text_or_binary_message(snapshot)
    handle: Callable[[bytes], object] = client.handle_text_or_binary_message
    return handle


CONTENDER_FACTORIES: dict[str, Callable[[bytes], Callable[[bytes], object]]] = {
    "floor": _floor,
    "okxws": _okxws,
    "ccxt": _ccxt,
}


def child(contender: str, path: str, n: int) -> None:
    snapshot, frames = load_frames(path)
    apply = CONTENDER_FACTORIES[contender](snapshot)
    todo = frames[:n]
    gc.freeze()
    t0 = time.perf_counter()
    for raw in todo:
        apply(raw)
    print(json.dumps({"us": (time.perf_counter() - t0) / n * 1e6}))


# --------------------------------------------------------------------------- structures


def structure_child(structure: str, path: str, n: int) -> None:
    """Apply the parsed deltas to one candidate side structure and read the top 5 of each side
    (what a consumer does after an update). Parsing is done before the timed loop: the
    structures differ only in what comes after it."""
    from decimal import Decimal

    import orjson

    kind, key_name = structure.split("/")
    parse: Callable[[str], Any] = float if key_name == "float" else Decimal
    snapshot, frames = load_frames(path)
    # Every frame is parsed whatever n is, so parsing cancels out of the callgrind difference.
    items = [orjson.loads(f)["data"][0] for f in frames]
    snap = orjson.loads(snapshot)["data"][0]
    sides = [
        _Side.make(kind, parse, snap[name], sign) for name, sign in (("bids", -1), ("asks", 1))
    ]
    bids, asks = sides
    gc.freeze()  # the parsed items stay alive: keep the collector from scanning them
    t0 = time.perf_counter()
    for item in items[:n]:
        bids.apply(item["bids"])
        asks.apply(item["asks"])
        bids.top(5)
        asks.top(5)
    print(json.dumps({"us": (time.perf_counter() - t0) / n * 1e6}))


class _Side:
    """One side of a book in one of the candidate structures."""

    def __init__(self, parse: Callable[[str], Any], sign: int) -> None:
        self.parse, self.sign = parse, sign

    @staticmethod
    def make(kind: str, parse: Callable[[str], Any], rows: list[list[str]], sign: int) -> _Side:
        cls = {"dict+bisect": _DictBisect, "SortedDict": _SortedDict,
               "parallel-lists": _ParallelLists}[kind]  # fmt: skip
        side = cls(parse, sign)
        side.load({sign * parse(r[0]): (r[0], r[1]) for r in rows})
        return side

    def load(self, levels: dict[Any, tuple[str, str]]) -> None:
        raise NotImplementedError

    def apply(self, rows: list[list[str]]) -> None:
        raise NotImplementedError

    def top(self, n: int) -> list[tuple[str, str]]:
        raise NotImplementedError


class _DictBisect(_Side):
    def load(self, levels: dict[Any, tuple[str, str]]) -> None:
        self.levels, self.keys = levels, sorted(levels)

    def apply(self, rows: list[list[str]]) -> None:
        parse, sign, levels, keys = self.parse, self.sign, self.levels, self.keys
        for r in rows:
            key = sign * parse(r[0])
            if r[1] == "0":
                if levels.pop(key, None) is not None:
                    del keys[bisect_left(keys, key)]
            else:
                if key not in levels:
                    insort(keys, key)
                levels[key] = (r[0], r[1])

    def top(self, n: int) -> list[tuple[str, str]]:
        levels = self.levels
        return [levels[k] for k in self.keys[:n]]


class _SortedDict(_Side):
    def load(self, levels: dict[Any, tuple[str, str]]) -> None:
        from sortedcontainers import SortedDict  # type: ignore[import-untyped]

        self.book = SortedDict(levels)

    def apply(self, rows: list[list[str]]) -> None:
        parse, sign, book = self.parse, self.sign, self.book
        for r in rows:
            key = sign * parse(r[0])
            if r[1] == "0":
                book.pop(key, None)
            else:
                book[key] = (r[0], r[1])

    def top(self, n: int) -> list[tuple[str, str]]:
        book = self.book
        return [book[k] for k in book.islice(0, n)]


class _ParallelLists(_Side):
    """ccxt's layout: sorted keys and their levels in two parallel lists."""

    def load(self, levels: dict[Any, tuple[str, str]]) -> None:
        self.keys = sorted(levels)
        self.rows = [levels[k] for k in self.keys]

    def apply(self, rows: list[list[str]]) -> None:
        parse, sign, keys, levels = self.parse, self.sign, self.keys, self.rows
        for r in rows:
            key = sign * parse(r[0])
            i = bisect_left(keys, key)
            hit = i < len(keys) and keys[i] == key
            if r[1] == "0":
                if hit:
                    del keys[i]
                    del levels[i]
            elif hit:
                levels[i] = (r[0], r[1])
            else:
                keys.insert(i, key)
                levels.insert(i, (r[0], r[1]))

    def top(self, n: int) -> list[tuple[str, str]]:
        return self.rows[:n]


# --------------------------------------------------------------------------- driver


def _child_cmd(args: argparse.Namespace, name: str, path: Path, n: int) -> list[str]:
    python = args.ccxt_python if name == "ccxt" else sys.executable
    flag = "--structure" if name in STRUCTURES else "--contender"
    return [python, str(HERE), flag, name, "--frames", str(path), "--n", str(n)]


def _instructions(cmd: list[str]) -> int:
    """Instructions executed by ``cmd`` under callgrind (hash seed fixed: same count each run)."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    return int(out.stderr.rsplit("Collected : ", 1)[1].split()[0])


def _wall_us(cmd: list[str]) -> float:
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["us"])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000, help="updates per timed run")
    ap.add_argument("--repeat", type=int, default=5, help="wall-clock runs per contender")
    ap.add_argument("--callgrind", action="store_true", help="count instructions instead")
    ap.add_argument("--structures", action="store_true", help="compare side structures")
    ap.add_argument("--ccxt-python", default=CCXT_PYTHON)
    ap.add_argument("--contender", choices=CONTENDERS, help=argparse.SUPPRESS)
    ap.add_argument("--structure", choices=STRUCTURES, help=argparse.SUPPRESS)
    ap.add_argument("--frames", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.contender:
        child(args.contender, args.frames, args.n)
        return 0
    if args.structure:
        structure_child(args.structure, args.frames, args.n)
        return 0
    names = STRUCTURES if args.structures else CONTENDERS
    n = args.n if not args.callgrind else max(args.n // 4, 1000)
    unit = "instructions" if args.callgrind else f"us (median of {args.repeat})"
    what = (
        "parsed update applied, then the top 5 read"
        if args.structures
        else "applied update, from raw bytes"
    )
    print(f"per {what}, {unit}:")
    with tempfile.TemporaryDirectory() as tmp:
        for channel in CHANNELS:
            path = Path(tmp) / f"{channel}.jsonl"
            write_stream(path, *make_stream(channel, 3 * n))
            results: dict[str, float] = {}
            if args.callgrind:
                for name in names:
                    small = _instructions(_child_cmd(args, name, path, n))
                    large = _instructions(_child_cmd(args, name, path, 3 * n))
                    results[name] = (large - small) / (2 * n)
            else:
                runs: dict[str, list[float]] = {name: [] for name in names}
                for i in range(args.repeat):  # interleaved, alternating order: drift is shared
                    for name in names if i % 2 == 0 else names[::-1]:
                        runs[name].append(_wall_us(_child_cmd(args, name, path, n)))
                results = {name: statistics.median(v) for name, v in runs.items()}
            base = results[names[0]]
            print(f"  {channel}:")
            for name, value in results.items():
                shown = f"{value:9,.0f}" if args.callgrind else f"{value:7.2f} us"
                print(f"    {name:22s} {shown}  ({value / base:.2f}x {names[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
