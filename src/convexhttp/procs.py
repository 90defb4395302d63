"""Which process is this, and is that one still alive: for work a process claims
(a running action, a file being written) that others must clean up if it dies."""

from __future__ import annotations

import functools
import os
import socket

__all__ = ["is_dead", "process_identity"]


@functools.cache
def _machine() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()[:8]
    except OSError:
        boot = "noboot"
    return f"{socket.gethostname()}/{boot}"


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state first), or []."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()
    except OSError:
        return []


def _start_ticks(pid: int) -> str:
    """When a process started (from /proc), to tell a live pid from a reused one."""
    fields = _stat(pid)
    return fields[19] if len(fields) > 19 else "?"


def process_identity(pid: int | None = None) -> str:
    """``machine:pid:start``: names this process among every machine's, over time."""
    pid = os.getpid() if pid is None else pid
    return f"{_machine()}:{pid}:{_start_ticks(pid)}"


def is_dead(identity: str) -> bool:
    """True when ``identity`` names a process of this machine that is gone (a process
    of another machine is never known dead here: leases cover those)."""
    parts = identity.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != _machine() or not parts[1].isdigit():
        return False
    pid, ticks = int(parts[1]), parts[2]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    fields = _stat(pid)
    if fields and fields[0] in ("Z", "X"):  # a zombie: it died, nobody reaped it yet
        return True
    return ticks != "?" and len(fields) > 19 and fields[19] != ticks
