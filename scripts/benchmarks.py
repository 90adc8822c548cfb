"""Run the benchmarks with their anchors installed: ``python3 scripts/benchmarks.py [MODULE ...]``.

This is nox's `bench` session on the interpreter running this script (``nox -s bench-3.14 -- file``
runs them on another); the anchors (anyio, asyncer, ...) come from the `bench` dependency group,
and the library itself is imported from the source tree.
"""

from __future__ import annotations

import sys

from check import nox

if __name__ == "__main__":
    sys.exit(nox(["-s", f"bench-{sys.version_info.major}.{sys.version_info.minor}", "--", *sys.argv[1:]]))
