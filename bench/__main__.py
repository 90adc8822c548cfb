"""Run the benchmarks and print each comparison with its ratios and bars.

    python -m bench                  # every comparison
    python -m bench contextmanager   # those of the modules named
    python -m bench --all-cores      # without pinning the process to one core

By default the process, and so every thread it starts, is pinned to one CPU:
on a small shared machine, a hand-over between two threads otherwise costs
whatever waking the other core happens to cost (seen here: from 15 to 100 us,
flipping between runs), which drowns the cost of the mechanisms compared.

Run it through ``python3 scripts/benchmarks.py``, which provides the anchors (anyio, asyncer, ...).
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
from collections.abc import Sequence

from collections.abc import Awaitable, Callable

from bench import contextmanager, file, threads

# Each module measures, prints its report, and says whether every bar was met.
MODULES: dict[str, Callable[[], Awaitable[bool]]] = {
    "contextmanager": contextmanager.run,
    "threads": threads.run,
    "file": file.run,
}


async def run(chosen: list[Callable[[], Awaitable[bool]]]) -> bool:
    met = True
    for module_run in chosen:
        met = await module_run() and met
    return met


def main(argv: Sequence[str]) -> int:
    pinned = "--all-cores" not in argv
    argv = [arg for arg in argv if arg != "--all-cores"]
    unknown = [name for name in argv if name not in MODULES]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}", file=sys.stderr)
        return 2
    chosen = [module_run for name, module_run in MODULES.items() if not argv or name in argv]
    cores = "all cores"
    if pinned and hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})  # before any thread starts: they inherit it
        cores = f"pinned to CPU {cpu}"
    print(f"Python {platform.python_version()} on {platform.machine()} ({cores}), asyncio event loop")
    met = asyncio.run(run(chosen))
    print("\nall bars met" if met else "\nSOME BARS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
