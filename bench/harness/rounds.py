"""The wall-clock run: interleaved rounds of every suite, with one progress line per phase.

The order of the contenders and of the loops alternates from round to round, so that the
machine's slow drifts hit both alike; the report divides within each round.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from .contenders import NODE_PEER, PEER_NAMES, Contender, Floor, Okxws, PeerSizes, run_peer
from .measures import Sizes, ab_bursts, node_ab_bursts, sim_suite, suite
from .procs import SERVER_CPU, LoopKind, rest_base, run_in_loop, running, simulator_cmd, ws_base

Round = dict[str, Any]


@dataclass(frozen=True)
class WallClockConfig:
    rounds: int
    loops: Sequence[LoopKind]
    sizes: Sizes
    peers: PeerSizes | None
    sim: bool
    #: okxws is given ``instId`` (the README's form) instead of ``instIdCode``.
    by_inst_id: bool


def wall_clock(cfg: WallClockConfig, server: Mapping[str, Any]) -> list[Round]:
    """Every round against the running reply server (and a simulator started here)."""
    if not cfg.sim:
        return _rounds(cfg, server, None)
    with running(simulator_cmd(), SERVER_CPU) as (sim, sim_info):
        return _rounds(cfg, server, (sim.pid, sim_info))


def _rounds(
    cfg: WallClockConfig, server: Mapping[str, Any], sim: tuple[int, Mapping[str, Any]] | None
) -> list[Round]:
    url = ws_base(server)
    rest = rest_base(server)
    rounds: list[Round] = []
    for i in range(cfg.rounds):
        rnd: Round = {}
        loops = cfg.loops if i % 2 == 0 else cfg.loops[::-1]
        okxws = Okxws(url, by_inst_id=cfg.by_inst_id, rest_url=rest)
        contenders: list[Contender] = [Floor(url), okxws]
        if i % 2:
            contenders.reverse()
        for kind in loops:
            rnd[kind] = {}
            for c in contenders:
                rnd[kind][c.name] = run_in_loop(kind, partial(suite, c, url, cfg.sizes))
            rnd[kind]["ab100"] = run_in_loop(kind, partial(ab_bursts, okxws, url, cfg.sizes))
            print(_round_line(i, kind, rnd[kind], cfg.sizes), flush=True)
        if sim is not None:
            rnd["sim"] = {}
            pid, info = sim
            for kind in loops:
                s = run_in_loop(kind, partial(sim_suite, info, pid, cfg.sizes, cfg.by_inst_id))
                rnd["sim"][kind] = s
                print(f"round {i + 1} sim {kind:7s}: okxws p50 {s['okxws_seq']['p50']:.0f} us, "
                      f"{s['okxws_pipe100']['rps']:,.0f}/s; floor {s['floor_seq']['p50']:.0f} us, "
                      f"{s['floor_pipe100']['rps']:,.0f}/s (sim busy "
                      f"{s['floor_pipe100']['srv_busy'] * 100:.0f}%)", flush=True)  # fmt: skip
        if cfg.peers is not None:
            rnd["peers"] = {}
            for name in PEER_NAMES if i % 2 == 0 else PEER_NAMES[::-1]:
                p = run_peer(name, server, cfg.peers)
                rnd["peers"][name] = p
                if p:
                    print(_peer_line(i, name, p, cfg.peers.pipe), flush=True)
            if rnd["peers"].get(NODE_PEER):
                rnd["node_ab"] = {}
                for kind in loops:
                    try:
                        ab = run_in_loop(
                            kind, partial(node_ab_bursts, okxws, url, server, cfg.sizes)
                        )
                    except (OSError, RuntimeError, TimeoutError) as exc:
                        print(f"  Node SDK A/B ({kind}) failed: {exc!r}", file=sys.stderr)
                        continue
                    rnd["node_ab"][kind] = ab
                    print(_node_ab_line(i, kind, ab), flush=True)
        rounds.append(rnd)
    return rounds


def _round_line(i: int, kind: str, r: Mapping[str, Any], sizes: Sizes) -> str:
    o, f, ab = r["okxws"], r["floor"], r["ab100"]
    return (
        f"round {i + 1} {kind:7s}: p50 {f['seq']['p50']:.1f}/{o['seq']['p50']:.1f} us "
        f"p99 {f['seq']['p99']:.1f}/{o['seq']['p99']:.1f} | "
        + " ".join(f"{k}:{f[f'pipe{k}']['rps']:,.0f}/{o[f'pipe{k}']['rps']:,.0f}"
                   f" (srv {o[f'pipe{k}']['srv_busy'] * 100:.0f}%)" for k, _ in sizes.pipe)
        + f" | cold {f['cold_ms']:.2f}/{o['cold_ms']:.2f} ms"
        f" | mem {f['mem']['bytes_per_req']:.0f}/{o['mem']['bytes_per_req']:.0f} B"
        f" | A/B 100: {ab['floor_rps']:,.0f}/{ab['okxws_rps']:,.0f} ({ab['ratio']:.2f}x)"
        f" p50 {ab['seq']['floor']['p50']:.1f}/{ab['seq']['okxws']['p50']:.1f} us"
        f" ({ab['p50_ratio']:.2f}x)"
        "   (floor/okxws)"
    )  # fmt: skip


def _node_ab_line(i: int, kind: str, ab: Mapping[str, Any]) -> str:
    names = ("floor", "okxws", "node")
    return (f"round {i + 1} {kind:7s} A/B 100 floor/okxws/Node: "
            + "/".join(f"{ab['rps'][n]:,.0f}" for n in names)
            + f" (Node/okxws {ab['node_ratio']:.2f}x) p50 "
            + "/".join(f"{ab['seq'][n]['p50']:.1f}" for n in names)
            + f" us (Node/okxws {ab['node_p50_ratio']:.2f}x)")  # fmt: skip


def _peer_line(i: int, name: str, p: Mapping[str, Any], pipe: Sequence[tuple[int, int]]) -> str:
    rps = " ".join(f"{k}:{(p.get(f'pipe{k}') or {}).get('rps') or 0:,.0f}" for k, _ in pipe)
    seq = p.get("seq") or {}
    return (f"round {i + 1} peer {name}: p50 {seq.get('p50') or 0:.1f} us "
            f"p99 {seq.get('p99') or 0:.1f} us | {rps} | cold {p.get('cold_ms', 0) or 0:.1f} ms")  # fmt: skip
