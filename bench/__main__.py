"""Run the benchmarks and print each comparison with its ratios and bars.

    python3 -m bench                  # every comparison
    python3 -m bench contextmanager   # those of the modules named
"""

from __future__ import annotations

import asyncio
import platform
import sys
from collections.abc import Sequence

from bench import contextmanager
from bench._harness import Comparison, measure, report

MODULES = {"contextmanager": contextmanager.COMPARISONS}


async def run(comparisons: list[Comparison]) -> bool:
    met = True
    for comparison in comparisons:
        met = report(comparison, await measure(comparison)) and met
    return met


def main(argv: Sequence[str]) -> int:
    unknown = [name for name in argv if name not in MODULES]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}", file=sys.stderr)
        return 2
    chosen = [comparison for name, comparisons in MODULES.items() if not argv or name in argv for comparison in comparisons]
    print(f"Python {platform.python_version()} on {platform.machine()}, asyncio event loop")
    met = asyncio.run(run(chosen))
    print("\nall bars met" if met else "\nSOME BARS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
