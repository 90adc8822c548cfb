"""Run the benchmarks and print each comparison with its ratios and bars.

    python -m bench                  # every comparison
    python -m bench contextmanager   # those of the modules named
    python -m bench stalls           # the event-loop stalls of file calls alone
    python -m bench --all-cores      # without pinning the process to one core
    python -m bench --json FILE      # also save the figures (docs/benchmarks.json feeds the docs)

By default the process, and so every thread it starts, is pinned to one CPU:
on a small shared machine, a hand-over between two threads otherwise costs
whatever waking the other core happens to cost (seen here: from 15 to 100 us,
flipping between runs), which drowns the cost of the mechanisms compared.

Run it through ``python3 scripts/benchmarks.py``, which provides the anchors (anyio, asyncer, ...).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import platform
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bench import contextmanager, file, threads
from bench._harness import Result

# Each module measures, prints and returns its results.
MODULES: dict[str, Callable[[], Awaitable[list[Result]]]] = {
    "contextmanager": contextmanager.run,
    "threads": threads.run,
    "file": file.run,
    "stalls": file.run_stalls,
}


async def run(chosen: list[Callable[[], Awaitable[list[Result]]]]) -> list[Result]:
    return [result for module_run in chosen for result in await module_run()]


def main(argv: Sequence[str]) -> int:
    pinned = "--all-cores" not in argv
    argv = [arg for arg in argv if arg != "--all-cores"]
    save_to = None
    if "--json" in argv:
        at = argv.index("--json")
        if at + 1 == len(argv):
            print("--json needs a file name", file=sys.stderr)
            return 2
        save_to = Path(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    unknown = [name for name in argv if name not in MODULES]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}", file=sys.stderr)
        return 2
    chosen = [module_run for name, module_run in MODULES.items() if not argv or name in argv]
    cores = "all cores"
    if pinned and hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})  # before any thread starts: they inherit it
        cores = "pinned to one CPU"
    setting = f"Python {platform.python_version()} on {platform.machine()} ({cores}), asyncio event loop"
    print(setting)
    results = asyncio.run(run(chosen))
    met = all(result.met for result in results)
    print("\nall bars met" if met else "\nSOME BARS MISSED")
    if save_to is not None:
        figures = {
            "setting": setting,
            "results": [
                {"title": result.title, "rows": [{**dataclasses.asdict(row), "verdict": row.verdict} for row in result.rows]}
                for result in results
            ],
        }
        save_to.write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
