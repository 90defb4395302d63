"""Instruction counts under callgrind, for the benchmarks' ``--instructions`` modes.

A count is the same run after run whatever else the machine is doing (hash
randomisation off), where times on a shared machine spread widely; it is not time
(a cache miss costs no instruction). A benchmark runs itself once with the work and
once without, and divides the difference by the work done.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence


def require_valgrind() -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind not found: apt-get install -y valgrind (make bench-instructions)")


def collected(args: Sequence[str]) -> int:
    """The instructions of ``python args...`` from start to exit, as callgrind counts them."""
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    run = subprocess.run([*argv, *args], capture_output=True, text=True, check=True, env=env)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise RuntimeError(f"no count from callgrind:\n{run.stderr[-2000:]}")
    return int(found[1])


def count_all(jobs: Sequence[Sequence[str]]) -> list[int]:
    """:func:`collected` of every job, as many at a time as the machine has cores."""
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        return list(pool.map(collected, jobs))
