"""Run the whole check suite, setting up everything it needs first.

    python3 scripts/check.py            # every step
    python3 scripts/check.py pyright    # only the steps named

Each step runs even when an earlier one failed; the exit status is non-zero
if any failed. Tools come from the `check` dependency group in `.venv-check`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import _venv
from _venv import ROOT

TYPED_TREES = ["stubs", "tests", "typetests", "bench", "docs", "examples", "scripts"]
# What the built wheel must hold besides its .dist-info folder: the modules, their stubs and py.typed.
WHEEL_FILES = {
    *(f"asyncio_extras/{path.name}" for path in (ROOT / "asyncio_extras").glob("*.py")),
    *(f"asyncio_extras/{path.name}" for path in (ROOT / "stubs" / "asyncio_extras").glob("*.pyi")),
    "asyncio_extras/py.typed",
}



class Context(NamedTuple):
    python: Path  # the interpreter of the check environment, which has every tool
    work: Path  # a scratch folder outside the source tree


def run(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> bool:
    print("$", " ".join(str(arg) for arg in args), flush=True)
    return subprocess.run([str(arg) for arg in args], cwd=cwd, env=env).returncode == 0


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


def pyright_report(python: Path, *args: str | Path, cwd: Path = ROOT) -> tuple[bool, str]:
    """Run pyright; return whether it passed, which it has not when it analysed no file, and its findings."""
    command = [python, "-m", "pyright", "--outputjson", *args]
    print("$", " ".join(map(str, command)), flush=True)
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


def typecheck_typetests(python: Path, folder: Path, target: Path | None = None) -> dict[str, tuple[bool, str]]:
    """Check folder/typetests with mypy and pyright; ``target``: the interpreter whose packages they see.

    Without ``target``, asyncio_extras is found in folder/stubs. Returns each checker's success and report.
    """
    mypy: list[str | Path] = [python, "-m", "mypy", "--config-file", ROOT / "mypy.ini", "--cache-dir", folder / ".mypy_cache"]
    pyright: list[str | Path] = ["--project", folder / "pyrightconfig.json"]
    if target is None:
        write_pyright_config(folder, include=["typetests"], stubPath="stubs")
    else:
        write_pyright_config(folder, include=["typetests"], stubPath="no-stubs-here")
        mypy += ["--python-executable", target]
        pyright += ["--pythonpath", target]
    return {"mypy": capture(*mypy, "typetests", cwd=folder), "pyright": pyright_report(python, *pyright, cwd=folder)}


# --- the steps ---


def tests(ctx: Context) -> bool:
    return run(ctx.python, "-X", "dev", "-m", "pytest")


def mypy_runtime(ctx: Context) -> bool:
    # Checked apart from the stubs: mypy cannot hold a module's .py and .pyi in one run.
    return run(ctx.python, "-m", "mypy", "asyncio_extras")


def mypy_contract(ctx: Context) -> bool:
    return run(ctx.python, "-m", "mypy", *TYPED_TREES)


def run_pyright(ctx: Context, *args: str | Path) -> bool:
    ok, report = pyright_report(ctx.python, "--pythonpath", ctx.python, *args)
    print(report)
    return ok


def pyright_runtime(ctx: Context) -> bool:
    # Apart from the stubs, as for mypy: there, the modules' private helpers are not declared.
    folder = ctx.work / "pyright-runtime"
    folder.mkdir()
    write_pyright_config(folder, include=[], stubPath="no-stubs-here", extraPaths=[str(ROOT)])
    return run_pyright(ctx, "--project", folder / "pyrightconfig.json", ROOT / "asyncio_extras")


def pyright_contract(ctx: Context) -> bool:
    return run_pyright(ctx)


def stubtest(ctx: Context) -> bool:
    return run(ctx.python, "-m", "mypy.stubtest", "asyncio_extras", "--mypy-config-file", "mypy.ini")


def typetests_catch_regressions(ctx: Context) -> bool:
    """Apply each mutation of typetests/mutations.toml to a copy of the stubs: both checkers must fail."""
    mutations = tomllib.loads((ROOT / "typetests" / "mutations.toml").read_text())["mutation"]
    folder = ctx.work / "mutants"
    shutil.copytree(ROOT / "typetests", folder / "typetests")
    stubs = folder / "stubs" / "asyncio_extras"
    shutil.copytree(ROOT / "stubs" / "asyncio_extras", stubs)

    reports = typecheck_typetests(ctx.python, folder)
    if not all(ok for ok, _ in reports.values()):
        print(*(report for _, report in reports.values()))
        print("FAIL: the unchanged stubs do not pass the copied typetests")
        return False

    passed = True
    for mutation in mutations:
        stub = stubs / mutation["stub"]
        original = stub.read_text()
        if original.count(mutation["find"]) != 1:
            print(f"FAIL: {mutation['why']}: the text to change is not in {mutation['stub']} exactly once")
            passed = False
            continue
        stub.write_text(original.replace(mutation["find"], mutation["replace"]))
        reports = typecheck_typetests(ctx.python, folder)
        stub.write_text(original)
        # A checker catches the regression when it reports it in the typetests, not in a broken stub.
        missed = [checker for checker, (ok, report) in reports.items() if ok or "typetests/" not in report]
        if missed:
            print(f"FAIL: {mutation['why']}: {' and '.join(missed)} did not notice")
            passed = False
        else:
            print(f"caught by mypy and pyright: {mutation['why']}")
    return passed


def package(ctx: Context) -> bool:
    """Build sdist and wheel; check what the wheel holds and that installing it pulls in nothing."""
    dist = ctx.work / "dist"
    if not run(ctx.python, "-m", "build", "--outdir", dist):
        return False
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
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
    for needed in ("stubs/asyncio_extras/contextmanager.pyi", "tests/test_contextmanager.py", "typetests/"):
        if needed not in listing:
            print(f"FAIL: the sdist lacks {needed}")
            passed = False

    consumer = _venv.create(ctx.work / "consumer-venv")
    before = installed_in(consumer)
    if not run(consumer, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel):
        return False
    added = installed_in(consumer) - before
    if len(added) != 1 or not next(iter(added)).startswith("asyncio_extras=="):
        print(f"FAIL: installing the wheel brought {sorted(added)}, expected asyncio_extras alone")
        passed = False
    else:
        print(f"the wheel installs alone: {added.pop()}")
    return passed


def installed_in(interpreter: Path) -> set[str]:
    _, frozen = capture(interpreter, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check")
    return set(frozen.split())


def consumer_view(ctx: Context) -> bool:
    """Type-check the typetests, and verify type completeness, against the installed wheel."""
    target = _venv.python_in(ctx.work / "consumer-venv")
    if not target.exists():
        print("FAIL: no installed wheel (the package step must run first)")
        return False
    folder = ctx.work / "consumer"
    shutil.copytree(ROOT / "typetests", folder / "typetests")
    reports = typecheck_typetests(ctx.python, folder, target)
    for checker, (ok, report) in reports.items():
        print(f"{checker} on the typetests against the installed wheel:", report.strip().splitlines()[-1])
        if not ok:
            print(report)
    # --verifytypes ignores --pythonpath: it looks for the package in the active environment.
    active = {**os.environ, "VIRTUAL_ENV": str(target.parent.parent), "PATH": f"{target.parent}{os.pathsep}{os.environ['PATH']}"}
    _, report = capture(
        ctx.python, "-m", "pyright", "--verifytypes", "asyncio_extras", "--ignoreexternal", "--outputjson",
        cwd=folder, env=active,
    )
    try:
        score = json.loads(report)["typeCompleteness"]["completenessScore"]
    except (ValueError, KeyError):
        print(report)
        return False
    print(f"pyright --verifytypes asyncio_extras: {score:.1%} type completeness")
    return all(ok for ok, _ in reports.values()) and score == 1.0


def interpreters() -> dict[tuple[int, int], Path]:
    """The newest interpreter of each CPython version from 3.11 on, on PATH or installed by pyenv."""
    candidates = [shutil.which(f"python3.{minor}") for minor in range(11, 30)]
    candidates += [str(path) for path in Path.home().glob(".pyenv/versions/3.*/bin/python3")]
    found: dict[tuple[int, int], tuple[tuple[int, ...], Path]] = {}
    for candidate in filter(None, candidates):
        ok, out = capture(candidate, "-c", "import sys; print(*sys.version_info[:3])")
        if not ok:
            continue
        major, minor, micro = map(int, out.split())
        version = (major, minor, micro)
        if version >= (3, 11) and version > found.get((major, minor), ((0,), Path()))[0]:
            found[major, minor] = (version, Path(candidate))
    return {minor: path for minor, (_, path) in sorted(found.items())}


def python_versions(ctx: Context) -> bool:
    """Run the tests on every CPython from 3.11 on that is installed, against the wheel built once."""
    (wheel,) = (ctx.work / "dist").glob("*.whl")
    passed = True
    for (major, minor), interpreter in interpreters().items():
        print(f"--- Python {major}.{minor}: {interpreter}", flush=True)
        env = ctx.work / f"venv-{major}.{minor}"
        subprocess.run([interpreter, "-m", "venv", env], check=True)
        python = _venv.python_in(env)
        pip: list[str | Path] = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        if not (run(*pip, "--upgrade", "pip>=25.1") and run(*pip, "--group", "test", wheel)):
            passed = False
            continue
        # The pytest script, not python -m pytest: the source tree must not be importable.
        _, location = capture(python, "-I", "-c", "import asyncio_extras; print(asyncio_extras.__file__)")
        print(f"testing the installed {location.strip()}")
        tests_ok = run(python.parent / "pytest", "-o", "pythonpath=", "-p", "no:cacheprovider", env={
            **os.environ, "PYTHONDEVMODE": "1"
        })
        passed = passed and tests_ok and str(env) in location
    return passed


STEPS: dict[str, Callable[[Context], bool]] = {
    "tests": tests,
    "mypy-runtime": mypy_runtime,
    "mypy-contract": mypy_contract,
    "pyright-runtime": pyright_runtime,
    "pyright-contract": pyright_contract,
    "stubtest": stubtest,
    "typetests-catch-regressions": typetests_catch_regressions,
    "package": package,
    "consumer-view": consumer_view,
    "python-versions": python_versions,
}


def main(argv: Sequence[str]) -> int:
    _venv.require_python()
    unknown = [name for name in argv if name not in STEPS]
    if unknown:
        print(f"unknown step(s) {', '.join(unknown)}; the steps are: {', '.join(STEPS)}", file=sys.stderr)
        return 2
    if {"consumer-view", "python-versions"} & set(argv) and "package" not in argv:
        argv = [*argv, "package"]
    python = _venv.with_group("check")
    results: list[tuple[str, bool, float]] = []
    with tempfile.TemporaryDirectory(prefix="asyncio_extras-check-") as scratch:
        ctx = Context(python, Path(scratch))
        for name, step in STEPS.items():
            if argv and name not in argv:
                continue
            print(f"\n==> {name}", flush=True)
            started = time.monotonic()
            results.append((name, step(ctx), time.monotonic() - started))
    print("\nsummary:")
    for name, passed, seconds in results:
        print(f"  {'PASS' if passed else 'FAIL'}  {name:<28} {seconds:6.1f} s")
    failed = [name for name, passed, _ in results if not passed]
    print(f"check suite: {'FAILED ' + ', '.join(failed) if failed else f'all {len(results)} steps passed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
