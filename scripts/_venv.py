"""Virtual environments for the project's commands, built from pyproject.toml's dependency groups."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def require_python() -> None:
    """Stop with a clear message on an interpreter older than the project's floor."""
    if sys.version_info < (3, 11):
        sys.exit(f"asyncio_extras needs Python 3.11 or newer; this is {sys.version.split()[0]}")


def python_in(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def create(env: Path) -> Path:
    """Create an empty virtual environment with pip and return its interpreter."""
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    return python_in(env)


def with_group(group: str) -> Path:
    """Return the interpreter of ``.venv-<group>``, holding that dependency group.

    The environment is rebuilt only when pyproject.toml has changed since it was made.
    """
    env = ROOT / f".venv-{group}"
    stamp = env / "pyproject.sha256"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text() == wanted:
        return python_in(env)
    print(f"==> setting up {env.name} (dependency group {group!r})", flush=True)
    python = create(env)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # Dependency groups (PEP 735) need pip 25.1 or newer.
    subprocess.run([*pip, "--upgrade", "pip>=25.1"], check=True)
    subprocess.run([*pip, "--group", group], check=True, cwd=ROOT)
    stamp.write_text(wanted)
    return python
