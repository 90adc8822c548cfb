"""Run the check suite with nox, which this installs first: all it needs is ``python3`` (3.11 or newer).

    python3 scripts/check.py                   # every session of noxfile.py
    python3 scripts/check.py -l                # list them
    python3 scripts/check.py -s tests-3.14     # any other nox arguments: only that session

nox comes from the `nox` dependency group of pyproject.toml, installed into `.venv-nox`, which is
made anew when that group changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = ROOT / ".venv-nox"


def nox_python() -> Path:
    """The interpreter of .venv-nox, with the `nox` dependency group installed."""
    import tomllib  # here, not above: before 3.11 there is none, and nox() says what is needed

    group = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["nox"]
    python = ENV / "bin" / "python"
    stamp = ENV / "nox-group.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == group:
        return python
    print(f"==> installing {' '.join(group)} into {ENV.name}", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(ENV)
    # pip's progress, and its warnings only if it fails: on this machine they are one per
    # package about a package mirror that lacks it, which drowns the progress.
    done = subprocess.run(
        [python, "-m", "pip", "install", "--disable-pip-version-check", *group], stderr=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        sys.exit(f"{done.stderr}\ninstalling nox into {ENV} failed")
    stamp.write_text(json.dumps(group))
    return python


def nox(arguments: Sequence[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit(f"asyncio_extras needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    command: list[str | Path] = [nox_python(), "-m", "nox", "--noxfile", ROOT / "noxfile.py", *arguments]
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(nox(sys.argv[1:]))
