"""Running one command: its event loop, Ctrl-C and SIGTERM, and errors as one readable line.

Exit codes: 0 done, 1 a failure (OKX refused, the network failed, a health check found a
problem), 2 a usage error (options, environment), 130 interrupted. ``--verbose`` logs the
connection lifecycle and shows the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable

from ..protocol.exceptions import OkxError, OkxValidationError
from .errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, Failure, UsageError

__all__ = ["run"]

Command = Callable[[argparse.Namespace], Awaitable[int]]


def _error(prog: str, message: str) -> None:
    print(f"{prog}: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, handler: str) -> int:
    """Run ``handler`` (``"module:function"`` in ``okxws.cli``, an ``async`` function of the
    parsed options returning the exit code), imported only now: ``okxws --help`` loads no
    client, simulator or terminal library."""
    prog = " ".join(["okxws", args.command, *([args.action] if "action" in args else [])])
    if args.verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    module_name, _, function = handler.partition(":")
    command: Command = getattr(importlib.import_module(f"okxws.cli.{module_name}"), function)
    try:
        return asyncio.run(_main(command, args))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, SIGTERM: cancelled, cleaned up
        print(file=sys.stderr)  # the shell prompt on a line of its own after "^C"
        return 0 if getattr(args, "stops_on_interrupt", False) else EXIT_INTERRUPTED
    except (UsageError, OkxValidationError) as exc:  # nothing was sent
        _error(prog, f"error: {exc}")
        return EXIT_USAGE
    except Failure as exc:
        _error(prog, str(exc))
        return EXIT_FAILURE
    except Exception as exc:
        if args.verbose:
            traceback.print_exc()
        if isinstance(exc, OkxError):
            _error(prog, f"{type(exc).__name__}: {exc}")
        else:
            hint = "" if args.verbose else " (--verbose shows the traceback)"
            _error(prog, f"unexpected {type(exc).__name__}: {exc}{hint}")
        return EXIT_FAILURE


async def _main(command: Command, args: argparse.Namespace) -> int:
    """The command, cancelled by SIGTERM as asyncio.run cancels it on Ctrl-C (where the loop
    can handle signals: the main thread, not Windows)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    handles_sigterm = threading.current_thread() is threading.main_thread()
    if handles_sigterm:
        try:
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
        except NotImplementedError:  # Windows' event loops
            handles_sigterm = False
    try:
        return await command(args)
    finally:
        if handles_sigterm:
            loop.remove_signal_handler(signal.SIGTERM)
