"""A local OKX-compatible exchange: WebSocket API, private/public streams and REST on one port.

``async with Simulator() as sim:`` then connect to ``sim.ws_base_url`` / ``sim.rest_base_url``
with ``sim.credentials``. The command line twin is ``okxws sim``. Imports only
:mod:`okxws.protocol`, aiohttp and the standard library (design.md section 2).
"""

from .faults import FaultRule, Faults
from .limits import Refusal, SimLimits
from .router import SimApiKey
from .server import DEFAULT_API_KEY, DEFAULT_API_PASS, DEFAULT_API_SECRET, Simulator
from .session import Session
from .stats import ReceivedOp, SimulatorStats

#: Deprecated alias of :class:`SimApiKey` (its name until 0.x; kept for one release).
Account = SimApiKey

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_PASS",
    "DEFAULT_API_SECRET",
    "Account",
    "FaultRule",
    "Faults",
    "ReceivedOp",
    "Refusal",
    "Session",
    "SimApiKey",
    "SimLimits",
    "Simulator",
    "SimulatorStats",
]
