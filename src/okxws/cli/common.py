"""Small things every command uses: a line of output, a JSON-object option."""

from __future__ import annotations

import json
from typing import Any

from .errors import UsageError

__all__ = ["json_object", "say"]


def say(line: str) -> None:
    """One line on stdout, flushed at once (the output may be a pipe read as it comes)."""
    print(line, flush=True)


def json_object(text: str, option: str) -> dict[str, Any]:
    """The JSON object ``option`` was given (``--json '{"tgtCcy": "base_ccy"}'``)."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{option} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{option} wants a JSON object of OKX fields")
    return value
