"""The simulator imports only okxws.protocol, its own modules, aiohttp and the stdlib; inside
it, the domain never imports the I/O side, and nothing imports in circles."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import okxws.simulator

SIM_DIR = Path(okxws.simulator.__file__).parent
ALLOWED_THIRD_PARTY = {"aiohttp", "orjson", "cryptography"}
# The pure core: no asyncio, no aiohttp, no session or server.
PURE = {
    "instruments",
    "orders",
    "book",
    "ledger",
    "order_rules",
    "matching",
    "market_maker",
    "render",
    "engine",
    "dispatch",
    "router",
}
IO_SIDE = {"session", "server", "rest", "stats", "tls"}


def _imports(path: Path) -> tuple[list[str], set[str]]:
    """(absolute imports, sibling modules) of one module, top level and nested alike."""
    absolute: list[str] = []
    siblings: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            absolute += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                absolute.append(node.module)
                if node.module.startswith("okxws.simulator."):
                    siblings.add(node.module.split(".")[2])
            elif node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
                siblings.update(n.split(".")[0] for n in names)
    return absolute, siblings


def test_simulator_imports() -> None:
    for path in sorted(SIM_DIR.glob("*.py")):
        for name in _imports(path)[0]:
            top = name.split(".")[0]
            if top == "okxws":
                assert name.startswith(("okxws.protocol", "okxws.simulator")), (path, name)
            else:
                assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY, (path, name)


def test_the_core_is_pure_and_nothing_imports_in_circles() -> None:
    graph = {p.stem: _imports(p)[1] for p in SIM_DIR.glob("*.py") if p.stem != "__init__"}
    for mod in PURE:
        absolute, siblings = _imports(SIM_DIR / f"{mod}.py")
        assert not siblings & IO_SIDE, (mod, siblings & IO_SIDE)
        assert not {n.split(".")[0] for n in absolute} & {"asyncio", "aiohttp", "socket"}, mod

    def visit(mod: str, path: tuple[str, ...]) -> None:
        for dep in graph.get(mod, ()):
            assert dep not in path, (*path, dep)
            visit(dep, (*path, dep))

    for mod in graph:
        visit(mod, (mod,))
