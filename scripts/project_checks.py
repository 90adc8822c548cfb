"""The checks that are this project's own; nox's sessions (noxfile.py) run them in their environments.

    python scripts/project_checks.py pyright-runtime   # pyright over the runtime package, apart from the stubs
    python scripts/project_checks.py pyright-contract  # pyright over the stubs and the code that uses them
    python scripts/project_checks.py mutations         # each change of typetests/mutations.toml is caught
    python scripts/project_checks.py consumer-view     # the typetests, and --verifytypes, on the installed wheel
    python scripts/project_checks.py dist FOLDER       # what the built sdist and wheel hold; the wheel installs alone

The checkers are those of the interpreter running this. The exit status is 1 when a check fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import venv
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
# What the built wheel must hold besides its .dist-info folder: the modules, their stubs and py.typed.
WHEEL_FILES = {
    *(f"asyncio_extras/{path.name}" for path in (ROOT / "asyncio_extras").glob("*.py")),
    *(f"asyncio_extras/{path.name}" for path in (ROOT / "stubs" / "asyncio_extras").glob("*.pyi")),
    "asyncio_extras/py.typed",
}
SDIST_FILES = ["stubs/asyncio_extras/contextmanager.pyi", "tests/test_contextmanager.py", "typetests/"]


def capture(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[bool, str]:
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return done.returncode == 0, done.stdout


def write_pyright_config(folder: Path, **overrides: object) -> None:
    """Write pyproject.toml's pyright settings, with ``overrides``, as folder/pyrightconfig.json."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pyright"]
    settings.update(overrides)
    (folder / "pyrightconfig.json").write_text(json.dumps(settings, indent=2))


def pyright_report(*args: str | Path, cwd: Path = ROOT) -> tuple[bool, str]:
    """Run pyright; return whether it passed, which it has not when it analysed no file, and its findings."""
    command = [PYTHON, "-m", "pyright", "--outputjson", *args]
    done = subprocess.run([str(arg) for arg in command], cwd=cwd, stdout=subprocess.PIPE, text=True)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return False, done.stdout
    lines: list[str] = []
    for diagnostic in report["generalDiagnostics"]:
        start = diagnostic["range"]["start"]
        rule = f" ({diagnostic['rule']})" if "rule" in diagnostic else ""
        lines.append(
            f"{diagnostic['file']}:{start['line'] + 1}:{start['character'] + 1} - "
            f"{diagnostic['severity']}: {diagnostic['message']}{rule}"
        )
    summary = report["summary"]
    lines.append(f"pyright: {summary['filesAnalyzed']} files, {summary['errorCount']} errors, {summary['warningCount']} warnings")
    return done.returncode == 0 and summary["filesAnalyzed"] > 0, "\n".join(lines)


def typecheck_typetests(folder: Path, installed: bool = False) -> dict[str, tuple[bool, str]]:
    """Check folder/typetests with mypy and pyright; return each checker's success and report.

    asyncio_extras is found in folder/stubs, or with ``installed``, in this interpreter's packages.
    """
    mypy: list[str | Path] = [PYTHON, "-m", "mypy", "--config-file", ROOT / "mypy.ini", "--cache-dir", folder / ".mypy_cache"]
    pyright: list[str | Path] = ["--project", folder / "pyrightconfig.json", "--pythonpath", PYTHON]
    write_pyright_config(folder, include=["typetests"], stubPath="no-stubs-here" if installed else "stubs")
    # Side by side: each waits on its own process, and pyright's start-up is most of its time.
    with ThreadPoolExecutor(2) as pool:
        mypy_done = pool.submit(capture, *mypy, "typetests", cwd=folder)
        pyright_done = pool.submit(pyright_report, *pyright, cwd=folder)
        return {"mypy": mypy_done.result(), "pyright": pyright_done.result()}


# --- the checks ---


def pyright_runtime(work: Path) -> bool:
    # Apart from the stubs, as for mypy: there, the modules' private helpers are not declared.
    write_pyright_config(work, include=[], stubPath="no-stubs-here", extraPaths=[str(ROOT)])
    ok, report = pyright_report("--pythonpath", PYTHON, "--project", work / "pyrightconfig.json", ROOT / "asyncio_extras")
    print(report)
    return ok


def pyright_contract(work: Path) -> bool:
    ok, report = pyright_report("--pythonpath", PYTHON)
    print(report)
    return ok


def mutations(work: Path) -> bool:
    """Apply each mutation of typetests/mutations.toml to a copy of the stubs: both checkers must fail."""
    changes = tomllib.loads((ROOT / "typetests" / "mutations.toml").read_text())["mutation"]
    shutil.copytree(ROOT / "typetests", work / "typetests")
    stubs = work / "stubs" / "asyncio_extras"
    shutil.copytree(ROOT / "stubs" / "asyncio_extras", stubs)

    reports = typecheck_typetests(work)
    if not all(ok for ok, _ in reports.values()):
        print(*(report for _, report in reports.values()))
        print("FAIL: the unchanged stubs do not pass the copied typetests")
        return False

    passed = True
    for change in changes:
        stub = stubs / change["stub"]
        original = stub.read_text()
        if original.count(change["find"]) != 1:
            print(f"FAIL: {change['why']}: the text to change is not in {change['stub']} exactly once")
            passed = False
            continue
        stub.write_text(original.replace(change["find"], change["replace"]))
        reports = typecheck_typetests(work)
        stub.write_text(original)
        # A checker catches the regression when it reports it in the typetests, not in a broken stub.
        missed = [checker for checker, (ok, report) in reports.items() if ok or "typetests/" not in report]
        if missed:
            print(f"FAIL: {change['why']}: {' and '.join(missed)} did not notice", flush=True)
            passed = False
        else:
            print(f"caught by mypy and pyright: {change['why']}", flush=True)
    return passed


def consumer_view(work: Path) -> bool:
    """Type-check the typetests, and verify type completeness, against the wheel installed here."""
    _, location = capture(PYTHON, "-c", "import asyncio_extras; print(asyncio_extras.__file__)", cwd=work)
    if not Path(location.strip()).is_relative_to(sys.prefix):
        print(f"FAIL: asyncio_extras is not installed in {sys.prefix}: {location.strip()}")
        return False
    shutil.copytree(ROOT / "typetests", work / "typetests")
    reports = typecheck_typetests(work, installed=True)
    for checker, (ok, report) in reports.items():
        print(f"{checker} on the typetests against the installed wheel:", report.strip().splitlines()[-1])
        if not ok:
            print(report)
    # --verifytypes ignores --pythonpath: it looks for the package in the active environment.
    active = {**os.environ, "VIRTUAL_ENV": sys.prefix, "PATH": f"{PYTHON.parent}{os.pathsep}{os.environ['PATH']}"}
    _, report = capture(
        PYTHON, "-m", "pyright", "--verifytypes", "asyncio_extras", "--ignoreexternal", "--outputjson",
        cwd=work, env=active,
    )
    try:
        score = json.loads(report)["typeCompleteness"]["completenessScore"]
    except (ValueError, KeyError):
        print(report)
        return False
    print(f"pyright --verifytypes asyncio_extras: {score:.1%} type completeness")
    return all(ok for ok, _ in reports.values()) and score == 1.0


def dist(work: Path, folder: str) -> bool:
    """Check the sdist and wheel in ``folder``: what they hold, and that installing the wheel pulls in nothing."""
    (wheel,) = Path(folder).glob("*.whl")
    (sdist,) = Path(folder).glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = {name for name in archive.namelist() if ".dist-info/" not in name}
        metadata = next(archive.read(n) for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    passed = True
    if names != WHEEL_FILES:
        print(f"FAIL: wheel holds {sorted(names - WHEEL_FILES)} extra and lacks {sorted(WHEEL_FILES - names)}")
        passed = False
    if b"Requires-Dist:" in metadata:
        print("FAIL: the wheel declares dependencies")
        passed = False
    with tarfile.open(sdist) as archive:
        listing = "\n".join(archive.getnames())
    for needed in SDIST_FILES:
        if needed not in listing:
            print(f"FAIL: the sdist lacks {needed}")
            passed = False

    venv.EnvBuilder(with_pip=True).create(work / "clean")
    python = work / "clean" / "bin" / "python"
    before = installed_in(python)
    ok, output = capture(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    if not ok:
        print(output)
        return False
    added = installed_in(python) - before
    if len(added) != 1 or not next(iter(added)).startswith("asyncio_extras=="):
        print(f"FAIL: installing the wheel brought {sorted(added)}, expected asyncio_extras alone")
        return False
    print(f"the wheel installs alone: {added.pop()}")
    return passed


def installed_in(python: Path) -> set[str]:
    _, frozen = capture(python, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check")
    return set(frozen.split())


CHECKS: dict[str, Callable[..., bool]] = {
    "pyright-runtime": pyright_runtime,
    "pyright-contract": pyright_contract,
    "mutations": mutations,
    "consumer-view": consumer_view,
    "dist": dist,
}


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] not in CHECKS:
        print(f"usage: project_checks.py CHECK [ARGUMENT]; the checks are: {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="asyncio_extras-check-") as work:
        return 0 if CHECKS[argv[0]](Path(work), *argv[1:]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
