"""The simulator imports only okxws.protocol, its own modules, aiohttp and the stdlib."""

import ast
from pathlib import Path

import okxws.simulator

SIM_DIR = Path(okxws.simulator.__file__).parent
ALLOWED_THIRD_PARTY = {"aiohttp", "orjson", "cryptography"}


def test_simulator_imports() -> None:
    for path in sorted(SIM_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top == "okxws":
                    assert name.startswith(("okxws.protocol", "okxws.simulator")), (path, name)
                else:
                    import sys

                    assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY, (
                        path,
                        name,
                    )
