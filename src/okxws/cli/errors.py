"""What a command raises to end with a message, and the exit codes (kept import-light: the
argument parser uses them)."""

from __future__ import annotations

from typing import Final

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_USAGE", "Failure", "UsageError"]

EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130


class UsageError(Exception):
    """The command line or the environment is wrong (exit 2)."""


class Failure(Exception):
    """The command ran and failed; the message says what happened (exit 1)."""
