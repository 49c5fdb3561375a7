"""Which exchange a command talks to, and with which credentials: the one place that decides.

- default: a simulator started in this process (``okxws.simulator.Simulator``);
- ``--sim-url URL``: a running ``okxws sim`` (credentials ``OKXWS_SIM_API_KEY`` /
  ``_SECRET`` / ``_PASS`` from the environment, else the simulator's defaults);
- ``--demo-trading``: OKX demo trading; ``--live``: live OKX. Both take ``--market`` and read
  the API key from ``OKX_API_KEY``, ``OKX_API_SECRET``, ``OKX_API_PASSPHRASE``, never from the
  command line (so it shows in no process list or shell history), and never print it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urlsplit

from ..protocol.auth import ApiCredentials
from .errors import UsageError

if TYPE_CHECKING:
    from ..api.client import WebsocketAPIClient
    from ..simulator import Simulator

__all__ = ["OKX_ENV", "SIM_ENV", "Connected", "Target", "add_arguments", "choose", "connect"]

#: Where the API key of OKX itself comes from (never a command-line argument).
OKX_ENV: Final = ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE")
#: Where the credentials of a running ``okxws sim`` come from (the simulator reads the same).
SIM_ENV: Final = ("OKXWS_SIM_API_KEY", "OKXWS_SIM_API_SECRET", "OKXWS_SIM_API_PASS")

#: How often the embedded simulator moves its market for the live views (seconds).
SIM_MARKET_TICK_S: Final = 0.2

TargetKind = Literal["embedded", "sim", "demo", "live"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The target options, the same for every command that talks to an exchange."""
    group = parser.add_argument_group(
        "target (default: a simulator started in this process)",
        "OKX credentials come from OKX_API_KEY, OKX_API_SECRET and OKX_API_PASSPHRASE.",
    )
    group.add_argument(
        "--sim-url",
        metavar="URL",
        help="a running `okxws sim` (its rest_base_url or ws_base_url); "
        "credentials from OKXWS_SIM_API_KEY/_SECRET/_PASS, else the "
        "simulator's defaults",
    )
    group.add_argument(
        "--sim-ca-file",
        metavar="FILE",
        help="CA of a `okxws sim --tls` (the ca_file of its JSON line)",
    )
    group.add_argument("--demo-trading", action="store_true", help="OKX demo trading")
    group.add_argument("--live", action="store_true", help="live OKX (real money)")
    group.add_argument(
        "--market",
        choices=["prod", "EEA", "US"],
        default=None,
        help="OKX's API group, with --demo-trading or --live (default prod)",
    )
    group.add_argument("--seed", type=int, default=0, help="seed of the embedded simulator")
    group.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="deadline of each request, connect and login (default 10)",
    )


@dataclass(frozen=True, slots=True)
class Target:
    """An exchange to talk to, chosen from the command line (no I/O yet)."""

    kind: TargetKind
    market: Literal["prod", "EEA", "US"] = "prod"
    #: ``None`` for OKX itself (its own hosts) and for the embedded simulator (not started).
    ws_base_url: str | None = None
    rest_base_url: str | None = None
    #: ``None`` on OKX when the environment has no API key (public data only).
    credentials: ApiCredentials | None = None
    ca_file: str | None = None

    def describe(self) -> str:
        """Where the command runs, for the first line of its output (no secret in it)."""
        if self.kind == "embedded":
            return "the embedded simulator"
        if self.kind == "sim":
            return f"the simulator at {self.rest_base_url}"
        what = "OKX demo trading" if self.kind == "demo" else "LIVE OKX"
        return f"{what} ({self.market})"


def choose(args: argparse.Namespace) -> Target:
    """The target the options name; raises :class:`UsageError` for contradicting options."""
    chosen = [
        flag
        for flag, given in (
            ("--sim-url", args.sim_url is not None),
            ("--demo-trading", args.demo_trading),
            ("--live", args.live),
        )
        if given
    ]
    if len(chosen) > 1:
        raise UsageError(f"choose one target: {' or '.join(chosen)}")
    if args.market is not None and not (args.demo_trading or args.live):
        raise UsageError("--market selects an OKX API group: add --demo-trading or --live")
    if args.sim_ca_file is not None and args.sim_url is None:
        raise UsageError("--sim-ca-file goes with --sim-url")
    if args.sim_url is not None:
        return _running_simulator(args.sim_url, args.sim_ca_file)
    if args.demo_trading or args.live:
        return Target(
            "demo" if args.demo_trading else "live",
            market=args.market or "prod",
            credentials=_okx_credentials(),
        )
    return Target("embedded")


def _running_simulator(url: str, ca_file: str | None) -> Target:
    parts = urlsplit(url)
    secure = {"http": False, "ws": False, "https": True, "wss": True}.get(parts.scheme)
    if secure is None or not parts.netloc:
        raise UsageError(f"--sim-url wants http(s):// or ws(s)://host:port, not {url!r}")
    if ca_file is not None and not os.path.isfile(ca_file):
        raise UsageError(f"--sim-ca-file {ca_file}: no such file")
    from ..simulator import DEFAULT_API_KEY, DEFAULT_API_PASS, DEFAULT_API_SECRET

    defaults = (DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_API_PASS)
    key, secret, passphrase = (
        os.environ.get(name) or default for name, default in zip(SIM_ENV, defaults, strict=True)
    )
    return Target(
        "sim",
        ws_base_url=f"{'wss' if secure else 'ws'}://{parts.netloc}",
        rest_base_url=f"{'https' if secure else 'http'}://{parts.netloc}",
        credentials=ApiCredentials(key, secret, passphrase),
        ca_file=ca_file,
    )


def _okx_credentials() -> ApiCredentials | None:
    values = [os.environ.get(name, "") for name in OKX_ENV]
    if not any(values):
        return None
    missing = [name for name, value in zip(OKX_ENV, values, strict=True) if not value]
    if missing:
        raise UsageError(f"{', '.join(missing)} missing from the environment")
    return ApiCredentials(*values)


@dataclass(frozen=True, slots=True)
class Connected:
    """A client on the chosen target, and the simulator when it is the embedded one."""

    client: WebsocketAPIClient
    target: Target
    #: The embedded simulator (its fault switches and ``drop_connections``), else None.
    sim: Simulator | None


@contextlib.asynccontextmanager
async def connect(
    args: argparse.Namespace,
    *,
    needs_account: bool = True,
    moving_market: bool = False,
    sync_clock: bool = True,
) -> AsyncIterator[Connected]:
    """A ``WebsocketAPIClient`` on the target the options name, closed on the way out.

    ``needs_account``: the command trades or reads the account, so OKX needs an API key
    (public data does not). ``moving_market``: the embedded simulator moves its market every
    :data:`SIM_MARKET_TICK_S`, so that a live view has something to show. Connections open on
    demand; on OKX the clock offset is synced first (login timestamps, ``expTime``) unless
    ``sync_clock`` is false.
    """
    target = choose(args)
    if needs_account and target.credentials is None and target.kind != "embedded":
        raise UsageError(f"this command needs an API key: set {', '.join(OKX_ENV)}")
    options: dict[str, Any] = {
        "attach_event_listeners": args.verbose,  # the okxws logger, shown by --verbose
        "request_timeout": args.timeout,
        "connect_timeout": args.timeout,
    }
    from ..api.client import WebsocketAPIClient

    if target.kind == "embedded":
        from ..simulator import Simulator

        async with Simulator(seed=args.seed) as sim:
            if moving_market:
                sim.start_market(SIM_MARKET_TICK_S)
            async with WebsocketAPIClient(
                [sim.credentials],
                ws_base_url=sim.ws_base_url,
                rest_base_url=sim.rest_base_url,
                **options,
            ) as client:
                yield Connected(client, target, sim)
        return
    if target.ca_file is not None:
        import ssl

        options["ssl_context"] = ssl.create_default_context(cafile=target.ca_file)
    async with WebsocketAPIClient(
        [] if target.credentials is None else [target.credentials],
        market=target.market,
        demo_trading=target.kind == "demo",
        ws_base_url=target.ws_base_url,
        rest_base_url=target.rest_base_url,
        **options,
    ) as client:
        if sync_clock and target.kind in ("demo", "live"):
            await client.sync_time()
        yield Connected(client, target, None)
