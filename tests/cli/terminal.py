"""A command run in a pseudo-terminal (so it believes it draws on a screen), its output read
as it arrives: for the live views' in-place redraws and Ctrl-C."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import struct
import sys
import termios
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class Terminal:
    """The output of one process attached to a pseudo-terminal of ``rows`` x ``cols``."""

    def __init__(self, proc: asyncio.subprocess.Process, master: int) -> None:
        self.proc = proc
        self.output = b""
        self._master = master
        self._changed = asyncio.Event()
        self._eof = False
        asyncio.get_running_loop().add_reader(master, self._read)

    def _read(self) -> None:
        try:
            chunk = os.read(self._master, 65536)
        except OSError:  # EIO: the other side is closed
            chunk = b""
        if not chunk:
            self._eof = True
            asyncio.get_running_loop().remove_reader(self._master)
        self.output += chunk
        self._changed.set()

    async def wait_for(self, predicate: Callable[[bytes], bool], timeout: float = 20.0) -> None:
        """Return once ``predicate(output)`` holds; fail at the end of output or ``timeout``."""
        async with asyncio.timeout(timeout):
            while not predicate(self.output):
                assert not self._eof, self.output.decode(errors="replace")
                self._changed.clear()
                await self._changed.wait()

    def press(self, keys: bytes) -> None:
        """Type ``keys`` (``b"\\x03"`` is Ctrl-C: the terminal sends SIGINT)."""
        os.write(self._master, keys)

    async def exit_code(self, timeout: float = 20.0) -> int:
        """Wait for the process to end, reading everything it wrote."""
        async with asyncio.timeout(timeout):
            code = await self.proc.wait()
            while not self._eof:
                self._changed.clear()
                await self._changed.wait()
        return code


def _own_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is the pty (stdin), so
    that Ctrl-C typed there sends it SIGINT, as a shell would."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@asynccontextmanager
async def terminal(*argv: str, rows: int = 40, cols: int = 120) -> AsyncIterator[Terminal]:
    """``okxws *argv`` in a fresh pseudo-terminal; killed if still running at the end."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKX_", "OKXWS_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "okxws", *argv,
        stdin=slave, stdout=slave, stderr=slave, env={**env, "TERM": "xterm-256color"},
        preexec_fn=_own_terminal,
    )  # fmt: skip
    os.close(slave)
    term = Terminal(proc, master)
    try:
        yield term
    finally:
        asyncio.get_running_loop().remove_reader(master)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        os.close(master)
