"""Build script: compiles okxws's hot path with mypyc (a C extension per module).

Every order goes through these modules; compiled they cost about a quarter fewer
instructions per order (docs/benchmarks.md, "compiled hot path"). The pure-Python modules
stay in the package and are what runs when the build is told not to compile
(``OKXWS_PURE_PYTHON=1 pip install ...``), which CI tests too. Everything else (metadata,
dependencies) is in pyproject.toml.
"""

from __future__ import annotations

import os

from setuptools import setup

#: The modules on the order round trip (docs/architecture.md, "the hot path").
HOT_PATH = [
    "src/okxws/protocol/codec.py",
    "src/okxws/protocol/client.py",
    "src/okxws/protocol/ratelimit.py",
    "src/okxws/protocol/stats.py",
    "src/okxws/api/validation.py",
    "src/okxws/api/ids.py",
    "src/okxws/api/client.py",
    "src/okxws/net/socket.py",
    "src/okxws/net/client.py",
]


def _extensions() -> list[object]:
    if os.environ.get("OKXWS_PURE_PYTHON"):
        return []
    from mypyc.build import mypycify

    # The build environment holds only the build requirements: the runtime libraries are
    # typed as Any there (follow-imports=silent keeps their modules out of the check).
    return list(
        mypycify(["--ignore-missing-imports", "--follow-imports=silent", *HOT_PATH], opt_level="3")
    )


setup(ext_modules=_extensions())
