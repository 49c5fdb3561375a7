"""``okxws tail CHANNEL``: a channel's pushes, one line each, as they arrive.

Readable lines (the time, the channel, the instrument and the fields a trader looks at) or,
with ``--json``, each push as one JSON object per line for ``jq`` and other pipes. Private
channels (``orders``, ``account`` ...) log in with the target's API key.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from typing import Any, Final

import orjson

from ..protocol.channels import channel_spec
from ..protocol.messages import ChannelArg
from . import target
from .common import json_object
from .errors import UsageError

__all__ = ["format_push", "run"]

#: Channels whose arg OKX requires an ``instType`` for; ``ANY`` when none is given.
_NEEDS_INST_TYPE: Final = frozenset({"orders", "positions", "orders-algo", "algo-advance"})
#: The fields shown per channel (others: every plain field).
_FIELDS: Final = {
    "tickers": ("last", "lastSz", "bidPx", "bidSz", "askPx", "askSz", "vol24h"),
    "trades": ("side", "px", "sz", "tradeId"),
    "orders": ("ordId", "clOrdId", "side", "ordType", "px", "sz", "accFillSz", "state"),
    "sprd-orders": ("ordId", "clOrdId", "side", "ordType", "px", "sz", "accFillSz", "state"),
    "positions": ("posSide", "pos", "avgPx", "upl", "lever"),
    "account": ("totalEq", "adjEq", "imr", "mmr"),
}
#: At most this many fields on a line of a channel not in :data:`_FIELDS`.
_MAX_FIELDS: Final = 10


def _channel_arg(args: argparse.Namespace) -> ChannelArg:
    arg: dict[str, Any] = {"channel": args.channel}
    for field, value in (
        ("instId", args.inst_id),
        ("instType", args.inst_type),
        ("instFamily", args.inst_family),
    ):
        if value is not None:
            arg[field] = value
    if args.arg is not None:
        arg.update(json_object(args.arg, "--arg"))
    if arg["channel"] in _NEEDS_INST_TYPE:
        arg.setdefault("instType", "ANY")
    return arg  # type: ignore[return-value]


async def run(args: argparse.Namespace) -> int:
    """Print pushes until Ctrl-C or ``--count`` of them."""
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    arg = _channel_arg(args)
    needs_account = channel_spec(args.channel).needs_login
    async with target.connect(args, needs_account=needs_account, moving_market=True) as connected:
        ws = connected.client.get_ws_client()
        # The stream first, so that the snapshot right after the ack is not missed.
        async with ws.stream([args.channel]) as pushes:
            await ws.subscribe(arg)
            seen = 0
            async for push in pushes:
                if args.json:
                    sys.stdout.write(orjson.dumps(push).decode() + "\n")
                else:
                    sys.stdout.write("".join(line + "\n" for line in format_push(push)))
                sys.stdout.flush()
                seen += 1
                if args.count is not None and seen >= args.count:
                    break
    return 0


def format_push(push: Mapping[str, Any]) -> list[str]:
    """One readable line per data item of a push: local time of OKX's ``ts``, the channel,
    the instrument and the fields of interest as ``name=value``."""
    channel = str(push.get("arg", {}).get("channel", "?"))
    lines = []
    for item in push.get("data") or ():
        if not isinstance(item, dict):
            continue
        ident = item.get("instId") or item.get("sprdId") or item.get("ccy") or ""
        fields = _FIELDS.get(channel)
        if channel.startswith(("books", "bbo")) or channel.endswith(("books5", "bbo-tbt")):
            parts = [_book_side("bid", item.get("bids")), _book_side("ask", item.get("asks"))]
            if item.get("seqId") is not None:
                parts.append(f"seqId={item['seqId']}")
        elif fields is not None:
            parts = [f"{f}={item[f]}" for f in fields if item.get(f) not in (None, "")]
        else:
            plain = [
                f"{k}={v}"
                for k, v in item.items()
                if isinstance(v, str | int | float) and v != "" and k not in ("instId", "ts")
            ]
            parts = plain[:_MAX_FIELDS]
        ident = ident or str(push.get("arg", {}).get("instId", ""))
        lines.append(" ".join(p for p in [_clock(item.get("ts")), channel, ident, *parts] if p))
    return lines


def _book_side(name: str, levels: Any) -> str:
    if not isinstance(levels, list) or not levels or not isinstance(levels[0], list):
        return f"{name}=-"
    px, sz = levels[0][0], levels[0][1]
    return f"{name}={px}x{sz}"


def _clock(ts: object) -> str:
    """OKX's ``ts`` (epoch ms) as local ``HH:MM:SS.mmm``; now when the item has none."""
    ms = int(ts) if isinstance(ts, str) and ts.isdigit() else int(time.time() * 1000)
    return time.strftime("%H:%M:%S", time.localtime(ms / 1000)) + f".{ms % 1000:03d}"
