"""The long chaos soak, on demand: ``python -m tests.chaos [--calls N] [--seed S] ...``.

Runs the same run as the CI test, longer, prints its report (the figures in
docs/reliability.md) and exits 1 if any invariant broke.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from okxws.simulator import Simulator

from .workload import ChaosConfig, run_chaos


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--close-rounds", type=int, default=200)
    parser.add_argument("--no-memory", action="store_true", help="skip tracemalloc (faster)")
    args = parser.parse_args()
    config = ChaosConfig(
        seed=args.seed,
        calls=args.calls,
        callers=args.callers,
        close_rounds=args.close_rounds,
        track_memory=not args.no_memory,
        memory_trend=not args.no_memory,
    )

    async def soak() -> list[str]:
        async with Simulator(host="127.0.0.1", port=0, seed=17) as sim:
            report = await run_chaos(sim, config)
        for line in report.lines():
            print(line)
        return report.violations

    return 1 if asyncio.run(soak()) else 0


if __name__ == "__main__":
    sys.exit(main())
