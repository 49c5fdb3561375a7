"""Every import contract of okxws (design.md section 2), checked on the source.

``cli -> api -> net -> protocol``; the simulator imports only ``protocol``, and inside it the
matching core never imports the I/O side; nothing in the client imports the simulator; the
protocol core imports no I/O module; no import circle, not even one only a type checker sees.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import okxws

PACKAGE = Path(okxws.__file__).parent
IO_MODULES = {
    "asyncio", "socket", "ssl", "selectors", "aiohttp", "picows", "websockets", "httpx",
    "requests", "urllib3", "uvloop", "http",
}  # fmt: skip


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (anywhere in the file)."""
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def sources(subpackage: str) -> list[Path]:
    files = sorted((PACKAGE / subpackage).glob("*.py"))
    assert files, subpackage
    return files


def _within(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def check(subpackage: str, forbidden: set[str]) -> None:
    for path in sources(subpackage):
        bad = sorted(n for n in imports(path) if _within(n, forbidden))
        assert not bad, f"{module_name(path)} imports {bad}"


def test_protocol_does_no_io() -> None:
    check("protocol", IO_MODULES | {"okxws.net", "okxws.api", "okxws.simulator", "okxws.cli"})


def test_importing_protocol_loads_no_io_module() -> None:
    code = "import sys, okxws.protocol\nprint('\\n'.join(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert not sorted(m for m in out if _within(m, IO_MODULES))


def test_simulator_imports_only_the_protocol() -> None:
    check("simulator", {"okxws.net", "okxws.api", "okxws.cli", "okxws.demo"})


#: The simulator's I/O side (sockets, HTTP, files); every other simulator module is the pure
#: core, which the test below holds to no I/O at all.
SIMULATOR_IO_SIDE = {"session", "server", "rest", "stats", "tls"}
SIMULATOR_THIRD_PARTY = {"aiohttp", "orjson", "cryptography"}


def test_simulator_imports_only_the_stdlib_and_its_libraries() -> None:
    for path in sources("simulator"):
        for name in imports(path):
            top = name.split(".")[0]
            assert (
                top == "okxws" or top in sys.stdlib_module_names or (top in SIMULATOR_THIRD_PARTY)
            ), f"{module_name(path)} imports {name}"


def test_the_simulator_core_does_no_io() -> None:
    io_side = {f"okxws.simulator.{name}" for name in SIMULATOR_IO_SIDE}
    for path in sources("simulator"):
        if path.stem not in SIMULATOR_IO_SIDE | {"__init__"}:
            bad = sorted(n for n in imports(path) if _within(n, io_side | IO_MODULES))
            assert not bad, f"{module_name(path)} imports {bad}"


def test_net_never_imports_api_simulator_or_cli() -> None:
    check("net", {"okxws.api", "okxws.simulator", "okxws.cli", "okxws.demo"})


def test_api_never_imports_the_simulator_or_cli() -> None:
    check("api", {"okxws.simulator", "okxws.cli", "okxws.demo"})


def test_no_import_circle() -> None:
    graph: dict[str, set[str]] = {}
    paths = list(PACKAGE.rglob("*.py"))
    names = {module_name(p) for p in paths}
    for path in paths:
        deps = {n for n in imports(path) if n in names}
        graph[module_name(path)] = deps - {module_name(path)}
    # Package __init__ files re-export their modules: an edge into a package is not a cycle
    # unless the package itself imports back.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in graph.get(node, ()):
            if node.startswith(dep + ".") and dep in graph:  # a module of package dep
                continue
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
