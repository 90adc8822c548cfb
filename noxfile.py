"""The check suite, as nox sessions: ``nox -l`` lists them, ``nox -s NAME`` runs one, ``nox`` runs them all.

``python3 scripts/check.py [NOX ARGUMENTS]`` does the same on a machine without nox: it installs the
pinned nox (dependency group ``nox``) first. Each session's environment holds dependency groups of
pyproject.toml; it is made once and reused, and pip adds what a changed group asks for.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import nox
import nox.command

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
# The versions the classifiers declare: what the project says it supports is what it tests.
PYTHONS = nox.project.python_versions(PYPROJECT)
TYPED_TREES = ["stubs", "tests", "typetests", "bench", "docs", "examples", "scripts", "noxfile.py"]

nox.options.reuse_venv = "yes"
# A missing interpreter skips its sessions with a warning, and fails the run under CI (CI=true):
# never fetched from elsewhere.
nox.options.download_python = "never"
nox.options.error_on_external_run = True

# This machine's pip configuration names a package mirror that lacks most packages, and pip
# warns about it for each one it looks up: the noise that hid every other line of its output.
_MIRROR_NOISE = re.compile(r"WARNING: Location '[^']*' is ignored: it is neither a file nor a directory\.\n")


def _find_pyenv_pythons() -> None:
    """Put pyenv's interpreters on PATH: its shims run only the versions that `pyenv global` selects."""
    for version in PYTHONS:
        name = f"python{version}"
        found = shutil.which(name)
        if found is not None and Path(found).parent.name != "shims":
            continue
        by_micro = {
            int(micro): path
            for path in Path.home().glob(f".pyenv/versions/{version}.*/bin/{name}")
            if (micro := path.parent.parent.name.removeprefix(f"{version}.")).isdigit()
        }
        if by_micro:
            os.environ["PATH"] = f"{by_micro[max(by_micro)].parent}{os.pathsep}{os.environ['PATH']}"


_find_pyenv_pythons()


def pip_install(session: nox.Session, *args: str) -> None:
    """Run pip install in the session's environment, showing pip's progress and its stderr less the mirror noise."""
    with tempfile.TemporaryFile("w+") as stderr:
        try:
            session.install(*args, silent=False, stderr=stderr)
        finally:
            stderr.seek(0)
            print(_MIRROR_NOISE.sub("", stderr.read()), end="", flush=True)


def install_groups(session: nox.Session, *groups: str) -> None:
    """Install dependency groups of pyproject.toml; quietly when the environment already holds them."""
    requirements = nox.project.dependency_groups(PYPROJECT, *groups)
    stamp = Path(session.bin).parent / "asyncio_extras-requirements.txt"
    installed = stamp.is_file() and stamp.read_text().splitlines() == list(requirements)
    pip_install(session, *(["--quiet"] if installed else []), *requirements)
    stamp.write_text("\n".join(requirements) + "\n")


def install_wheel(session: nox.Session) -> None:
    """Install the wheel the package session built, over any earlier build of the same version."""
    wheels = list((session.cache_dir / "dist").glob("*.whl"))
    if len(wheels) != 1:
        session.error(f"expected one wheel built by the package session, found {len(wheels)}")
    pip_install(session, "--quiet", "--force-reinstall", "--no-deps", str(wheels[0]))


def run_each(session: nox.Session, *commands: list[str]) -> None:
    """Run every command, even after one failed; fail the session if any did."""
    failed: list[str] = []
    for command in commands:
        try:
            session.run(*command)
        except nox.command.CommandFailed:
            failed.append(" ".join(command))
    if failed:
        session.error(f"failed: {'; '.join(failed)}")


@nox.session
def package(session: nox.Session) -> None:
    """Build the sdist and wheel; check what they hold and that installing the wheel pulls in nothing."""
    install_groups(session, "package")
    dist = session.cache_dir / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", str(dist), silent=True)
    session.run("python", "scripts/project_checks.py", "dist", str(dist))


@nox.session(python=PYTHONS, requires=["package"])
def tests(session: nox.Session) -> None:
    """The runtime tests against the installed wheel, under -X dev; pytest's arguments go after --."""
    install_groups(session, "test", "integration")
    install_wheel(session)
    # The pytest script, not python -m pytest, and no pythonpath: the source tree must not be importable.
    location = session.run(
        "python", "-I", "-c", "import asyncio_extras; print(asyncio_extras.__file__)", silent=True
    )
    if not Path(str(location).strip()).is_relative_to(Path(session.bin).parent):
        session.error(f"asyncio_extras is imported from {location}, not from the installed wheel")
    session.run(
        # The docs session runs the docs tests, which need MkDocs and the checkers.
        "pytest", "-o", "pythonpath=", "-p", "no:cacheprovider", "--ignore=tests/test_docs.py", *session.posargs,
        env={"PYTHONDEVMODE": "1"},
    )


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright strict, over the runtime package and, apart, over the stubs and their users."""
    # The checked trees import the tests', benchmarks', docs' and integration's packages, and nox.
    install_groups(session, "check")
    run_each(
        session,
        # Apart from the stubs: mypy cannot hold a module's .py and .pyi in one run.
        ["mypy", "asyncio_extras"],
        ["mypy", *TYPED_TREES],
        ["python", "scripts/project_checks.py", "pyright-runtime"],
        ["python", "scripts/project_checks.py", "pyright-contract"],
    )


@nox.session
def stubtest(session: nox.Session) -> None:
    """The runtime package against its stubs, with no allowlist."""
    install_groups(session, "typecheck")
    session.run("python", "-m", "mypy.stubtest", "asyncio_extras", "--mypy-config-file", "mypy.ini")


@nox.session
def mutations(session: nox.Session) -> None:
    """Each change of typetests/mutations.toml, applied to a copy of the stubs, fails both checkers."""
    install_groups(session, "typecheck")
    session.run("python", "scripts/project_checks.py", "mutations")


@nox.session(requires=["package"])
def consumer(session: nox.Session) -> None:
    """Against the installed wheel, from outside the tree: the typetests under both checkers, --verifytypes 100 %."""
    install_groups(session, "typecheck")
    install_wheel(session)
    session.run("python", "scripts/project_checks.py", "consumer-view")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site strictly into site/; run the docs tests: the examples run, print their output, type-check."""
    install_groups(session, "docs", "test", "typecheck")
    session.run("python", "-m", "mkdocs", "build", "--strict", "--quiet")
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", "tests/test_docs.py", env={"PYTHONDEVMODE": "1"})


@nox.session(python=PYTHONS, default=False)
def bench(session: nox.Session) -> None:
    """The benchmarks, against the source tree, with their anchors; arguments go after -- (not in the check suite)."""
    install_groups(session, "bench")
    session.run("python", "-m", "bench", *session.posargs)
