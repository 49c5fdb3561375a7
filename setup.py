"""Build script: compiles okxws's hot path with mypyc (a C extension per module).

Every order goes through these modules; compiled they cost about a quarter fewer
instructions per order (docs/benchmarks.md, "compiled hot path"). The pure-Python modules
stay in the package and are what runs when the build is told not to compile
(``OKXWS_PURE_PYTHON=1 pip install ...``), which CI tests too. Everything else (metadata,
dependencies) is in pyproject.toml.
"""

from __future__ import annotations

import ast
import os
import sys

from setuptools import setup

#: The modules on the order round trip (docs/architecture.md, "the hot path") and on every
#: order-book update (protocol/books.py).
HOT_PATH = [
    "src/okxws/protocol/codec.py",
    "src/okxws/protocol/client.py",
    "src/okxws/protocol/ratelimit.py",
    "src/okxws/protocol/stats.py",
    "src/okxws/protocol/books.py",
    "src/okxws/api/validation.py",
    "src/okxws/api/ids.py",
    "src/okxws/api/client.py",
    "src/okxws/net/socket.py",
    "src/okxws/net/client.py",
    "src/okxws/net/connection.py",
    "src/okxws/net/frame_io.py",
]


def defines_coroutines(path: str) -> bool:
    """Whether the module at ``path`` has an ``async def``."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    return any(isinstance(node, ast.AsyncFunctionDef) for node in ast.walk(tree))


def hot_path() -> list[str]:
    """The modules to compile for the Python that runs this build.

    From Python 3.12 on, a mypyc-compiled coroutine that is cancelled (or has an exception
    thrown in) while it awaits passes the exception on with ``throw(type, value, traceback)``,
    which CPython deprecated: every cancelled call would warn, and under ``-W error`` the
    cancellation itself breaks (mypyc/mypyc#1214, open). Until mypyc fixes that, modules with
    coroutines are compiled only where that signature is not deprecated.
    """
    if sys.version_info < (3, 12):
        return HOT_PATH
    return [path for path in HOT_PATH if not defines_coroutines(path)]


def _extensions() -> list[object]:
    if os.environ.get("OKXWS_PURE_PYTHON"):
        return []
    from mypyc.build import mypycify

    # The build environment holds only the build requirements: the runtime libraries are
    # typed as Any there (follow-imports=silent keeps their modules out of the check).
    return list(
        mypycify(
            ["--ignore-missing-imports", "--follow-imports=silent", *hot_path()], opt_level="3"
        )
    )


setup(ext_modules=_extensions())
