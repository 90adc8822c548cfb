"""Run the benchmarks with their anchors installed: ``python3 scripts/benchmarks.py [MODULE ...]``.

The anchors (anyio, asyncer, ...) come from the `bench` dependency group,
installed in `.venv-bench`; the library itself is imported from the source tree.
"""

from __future__ import annotations

import subprocess
import sys

import _venv
from _venv import ROOT

if __name__ == "__main__":
    _venv.require_python()
    python = _venv.with_group("bench")
    sys.exit(subprocess.run([python, "-m", "bench", *sys.argv[1:]], cwd=ROOT).returncode)
