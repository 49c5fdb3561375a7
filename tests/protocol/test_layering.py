"""The protocol core does no I/O: it imports no asyncio, socket, ssl or network library."""

import ast
import subprocess
import sys
from pathlib import Path

import okxws.protocol

FORBIDDEN = {
    "asyncio", "socket", "ssl", "selectors", "aiohttp", "picows", "websockets", "httpx",
    "requests", "urllib3", "uvloop", "http", "okxws.net", "okxws.api", "okxws.simulator",
}  # fmt: skip
PROTOCOL_DIR = Path(okxws.protocol.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _forbidden(name: str) -> bool:
    return any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)


def test_no_io_imports_in_source() -> None:
    files = sorted(PROTOCOL_DIR.glob("*.py"))
    assert files
    for path in files:
        bad = sorted(n for n in _imports(path) if _forbidden(n))
        assert not bad, f"{path.name} imports {bad}"


def test_importing_protocol_loads_no_io_module() -> None:
    code = "import sys, okxws.protocol\nprint('\\n'.join(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    loaded = sorted(m for m in out if _forbidden(m))
    assert not loaded, f"importing okxws.protocol loaded {loaded}"
