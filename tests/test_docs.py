"""The documentation: its examples run, print what the page says and type-check; the built site shows the stubs.

The site is built with MkDocs in strict mode (a warning fails the build);
the tests that need MkDocs or the type checkers run where they are installed
(the check suite's environment), and are skipped in the bare test
environments of the other Python versions.
"""

import ast
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from _project import IMPORTED_FROM, MODULES, ROOT, STUBS, stub_all

DOCS = ROOT / "docs"


class Example(NamedTuple):
    page: str
    line: int
    code: str
    output: str | None  # what it must print, from an ```output block right after it


def examples() -> list[Example]:
    found: list[Example] = []
    pattern = re.compile(r"^```python\n(.*?)^```\n(?:\n```output\n(.*?)^```\n)?", re.DOTALL | re.MULTILINE)
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text()
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Example(page.name, line, match[1], match[2]))
    return found


EXAMPLES = examples()


def test_the_pages_have_examples() -> None:
    pages = {example.page for example in EXAMPLES}
    assert {"index.md", "contextmanager.md", "threads.md", "file.md", "typing.md"} <= pages


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.page}:{e.line}" for e in EXAMPLES])
def test_example_runs_and_prints_what_the_page_shows(example: Example, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(example.code)
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": IMPORTED_FROM},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    if example.output is not None:
        assert done.stdout == example.output


def test_examples_type_check_under_mypy_and_pyright(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    pytest.importorskip("pyright")
    files: list[str] = []
    for number, example in enumerate(EXAMPLES):
        path = tmp_path / f"example_{number}_{example.page.removesuffix('.md')}.py"
        path.write_text(example.code)
        files.append(str(path))
    # From the project's root, both checkers use its settings: strict, and the stubs as the library's types.
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", tmp_path / ".mypy_cache", *files],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert mypy.returncode == 0, mypy.stdout
    pyright = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", *files], cwd=ROOT, capture_output=True, text=True
    )
    report = json.loads(pyright.stdout)
    assert report["generalDiagnostics"] == []
    assert report["summary"]["filesAnalyzed"] == len(files)


# --- the built site ---


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs")
    folder = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", folder],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    return folder


def page_text(site: Path, module: str) -> str:
    """The text of a module's page, with its markup removed and every run of spaces made one."""
    markup = (site / module / "index.html").read_text()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def stub_signatures(module: str) -> dict[str, list[str]]:
    """Each public name of a stub module (and each public member of its classes) with its declared signatures.

    Written as the API pages show them: no ``self``, no ``/`` that ends the
    parameters, a property as ``name: type``.
    """
    stub = STUBS / f"{module}.pyi"
    public = stub_all(stub)
    tree = ast.parse(stub.read_text())
    signatures: dict[str, list[str]] = {}

    def add(name: str, function: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> None:
        arguments = function.args
        if method:
            arguments = ast.arguments(
                posonlyargs=arguments.posonlyargs[1:],
                args=arguments.args[1:] if not arguments.posonlyargs else arguments.args,
                vararg=arguments.vararg, kwonlyargs=arguments.kwonlyargs, kw_defaults=arguments.kw_defaults,
                kwarg=arguments.kwarg, defaults=arguments.defaults,
            )
        returns = ast.unparse(function.returns) if function.returns else "None"
        if any(isinstance(d, ast.Name) and d.id == "property" for d in function.decorator_list):
            text = f"{function.name}: {returns}"
        else:
            text = re.sub(r",\s*/\)$", ")", f"{function.name}({ast.unparse(arguments)})") + f" -> {returns}"
        signatures.setdefault(name, []).append(text)

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in public:
            add(node.name, node, method=False)
        elif isinstance(node, ast.ClassDef) and node.name in public:
            signatures[node.name] = []
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and not member.name.startswith("_"):
                    add(f"{node.name}.{member.name}", member, method=True)
    assert set(public) <= {name.split(".")[0] for name in signatures}
    return signatures


def normalized(signature: str) -> str:
    # The pages print defaults in single quotes and space "=" the same way in every case.
    return "".join(signature.replace('"', "'").split())


@pytest.mark.parametrize("module", MODULES)
def test_site_has_a_page_per_module_with_every_public_name_and_its_stub_signatures(site: Path, module: str) -> None:
    markup = (site / module / "index.html").read_text()
    text = normalized(page_text(site, module))
    for name, signatures in stub_signatures(module).items():
        assert f'id="asyncio_extras.{module}.{name}"' in markup, f"no entry for {name}"
        for signature in signatures:
            assert normalized(signature) in text, f"{signature!r} is not on the {module} page"


def test_site_has_the_benchmark_chart_and_a_table_row_for_every_figure(site: Path) -> None:
    markup = (site / "benchmarks" / "index.html").read_text()
    assert markup.count("<svg") == 1
    text = page_text(site, "benchmarks")
    for name in ("contextlib.asynccontextmanager", "call_in_executor", "async_readchunks(65536)", "aiofiles"):
        assert name in text
