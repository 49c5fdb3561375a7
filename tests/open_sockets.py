"""Which TCP connections this process still holds: a black-box check that nothing leaked.

Linux only (``/proc``), like the machines the suite runs on.
"""

from __future__ import annotations

import os
from pathlib import Path


def _my_socket_inodes() -> set[str]:
    inodes: set[str] = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed while listing
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def tcp_connections_to(port: int) -> int:
    """How many TCP connections to ``port`` on this host this process has open (client side).

    Counts every socket of ours whose remote port is ``port``, in any state in which the
    kernel still tracks it (connected, half-closed, closing).
    """
    mine = _my_socket_inodes()
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in mine:
                count += 1
    return count
