"""The documentation: its examples run, print what the page says and type-check; the built site shows the stubs.

The site is built with MkDocs in strict mode (a warning fails the build).
These tests need MkDocs, both type checkers and (for the layout check)
Debian's chromium: the nox session `docs` has them and runs this file; the
`tests-3.X` sessions leave it out.
"""

import ast
import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

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
    figures = json.loads((DOCS / "benchmarks.json").read_text())
    assert len(re.findall(r'<svg[^>]*role="img"', markup)) == 1
    assert markup.count("<tr><td>") == sum(len(result["rows"]) for result in figures["results"])
    text = page_text(site, "benchmarks")
    for name in ("contextlib.asynccontextmanager", "call_in_executor", "async_readchunks(65536)", "aiofiles"):
        assert name in text


def test_site_benchmark_chart_scales_to_the_column_and_labels_each_row_once(site: Path) -> None:
    markup = (site / "benchmarks" / "index.html").read_text()
    figures = json.loads((DOCS / "benchmarks.json").read_text())
    chart = re.search(r'<svg[^>]*role="img".*?</svg>', markup, re.DOTALL)
    assert chart
    opening = chart[0][: chart[0].index(">") + 1]
    assert re.search(r'viewBox="0 0 \d+ \d+"', opening)
    assert 'width="100%"' in opening
    labels = re.findall(r'<text y="\d+" font-weight="bold">(.*?)</text><text y="\d+" fill="#555">(.*?)</text>', chart[0])
    charted = [row for result in figures["results"] for row in result["rows"] if row["role"] == "contender" and row["bar"]]
    assert len(labels) == len(charted)
    assert len(set(labels)) == len(labels), labels


def test_site_code_is_highlighted_when_built_not_by_a_script_in_the_browser(site: Path) -> None:
    for page in sorted({example.page for example in EXAMPLES}):
        folder = site if page == "index.md" else site / page.removesuffix(".md")
        markup = (folder / "index.html").read_text()
        blocks = re.findall(r'<div class="highlight"><pre><span></span><code>(.*?)</code></pre></div>', markup, re.DOTALL)
        # Pygments' classes: "kn" marks the keyword of an import, which every example starts with.
        highlighted = [block for block in blocks if '<span class="kn">import</span>' in block]
        assert len(highlighted) == sum(example.page == page for example in EXAMPLES), page


def test_site_loads_no_script_style_or_image_from_another_host(site: Path) -> None:
    for page in site.rglob("*.html"):
        for tag, url in re.findall(r'<(script|link|img|iframe)\b[^>]*?\b(?:src|href)="([^"]*)"', page.read_text()):
            assert not re.match(r"(https?:)?//", url), f"{page.relative_to(site)}: <{tag}> loads {url}"


# --- the built site in a real browser ---

CHROMIUM = shutil.which("chromium")  # Debian's package; CI installs it
# A page that shows one page of the site in a frame as wide as a window of the given width (Chromium's
# own windows are at least 500 px wide), and writes into itself, once that page has laid out: how wide
# its document is against the frame, which elements of its content column reach past the frame's
# edges (unless a scrolling box of the column holds them), which boxes cut their content off or show
# it only when scrolled sideways (code blocks may), and what the page fetched.
MEASURE = """<!doctype html><body style="margin: 0">
<iframe id="page" src="PAGE" style="display: block; border: 0; width: WIDTHpx; height: HEIGHTpx"></iframe>
<script>
const frame = document.getElementById("page");
frame.addEventListener("load", () => setTimeout(() => {
  // The width the page can use: the window's, less a scroll bar that takes room.
  const window = frame.contentWindow, width = window.document.documentElement.clientWidth;
  const column = [".md-content", "[role=main]", "main", "body"].map((css) => window.document.querySelector(css)).find(Boolean);
  const scrolls = (box) => ["auto", "scroll"].includes(window.getComputedStyle(box).overflowX);
  const held = (element) => {
    for (let box = element.parentElement; box && box !== column.parentElement; box = box.parentElement) {
      if (scrolls(box)) return true;
    }
    return false;
  };
  const name = (element) => `<${element.tagName.toLowerCase()}> ${element.textContent.trim().slice(0, 40)}`;
  const wide = [], cut = [];
  for (const element of column.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width && (box.right > width + 0.5 || box.left < -0.5) && !held(element)) wide.push(name(element));
    // A box hiding part of its content, or showing it only when scrolled sideways (fine for code alone).
    const hides = window.getComputedStyle(element).overflowX !== "visible" && !element.closest("pre");
    if (hides && element.scrollWidth > element.clientWidth + 1) cut.push(name(element));
  }
  const report = document.createElement("pre");
  report.id = "layout";
  report.textContent = JSON.stringify({
    innerWidth: window.innerWidth, clientWidth: width, scrollWidth: window.document.documentElement.scrollWidth,
    wide: wide, cut: cut,
    fetched: window.performance.getEntriesByType("resource").map((entry) => entry.name),
  });
  document.body.append(report);
}, 500));
</script>"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """The built site, and at ``/measure?page=...&width=...&height=...`` the page above around one of its pages."""

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path != "/measure":
            return super().do_GET()
        asked = dict(part.split("=") for part in query.split("&"))
        body = MEASURE.replace("PAGE", asked["page"]).replace("WIDTH", asked["width"]).replace("HEIGHT", asked["height"])
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served_site(site: Path) -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def chromium(profile: Path, *arguments: str) -> str:
    """Run headless Chromium on a fresh profile, reaching nothing but the local server."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", f"--user-data-dir={profile}", *arguments,
        ],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def showing(site_url: str, page: str, width: int, height: int = 900) -> list[str]:
    """Chromium's arguments to show a page of the site through the measuring page, as wide as asked."""
    url = f"{site_url}/measure?page=/{page}&width={width}&height={height}"
    return [f"--window-size={max(width, 500)},{height}", "--virtual-time-budget=10000", url]


def layout(profile: Path, site_url: str, page: str, width: int) -> dict[str, Any]:
    """What the measuring page wrote of a page of the site."""
    dom = chromium(profile, "--dump-dom", *showing(site_url, page, width))
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the page did not finish loading"
    measured: dict[str, Any] = json.loads(html.unescape(found[1]))
    return measured


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium) to lay the pages out")
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("page", ["", "benchmarks/"])
def test_site_pages_fit_the_window_with_nothing_cut_off(served_site: str, tmp_path: Path, page: str, width: int) -> None:
    measured = layout(tmp_path / "profile", served_site, page, width)
    try:
        assert measured["innerWidth"] == width
        assert measured["scrollWidth"] <= measured["clientWidth"]
        assert measured["wide"] == []
        assert measured["cut"] == []
        assert [url for url in measured["fetched"] if not url.startswith(f"{served_site}/")] == []
    except AssertionError as failed:
        shown = tmp_path / "screenshot.png"
        chromium(tmp_path / "profile", f"--screenshot={shown}", *showing(served_site, page, width))
        failed.add_note(f"measured: {measured}\nthe page as laid out: {shown}")
        raise
