"""MkDocs hooks: the package as users install it, for the API pages; the benchmark figures, for their page."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Where the API pages read the package from: the modules with their stubs beside them, as in the wheel.
API_SOURCE = ROOT / "build" / "api-source"
FIGURES = ROOT / "docs" / "benchmarks.json"
MARKER = "<!-- benchmark figures -->"


def on_startup(**kwargs: Any) -> None:
    # Before mkdocstrings looks for its source folder, which it does not do again.
    package = API_SOURCE / "asyncio_extras"
    shutil.rmtree(package, ignore_errors=True)
    shutil.copytree(ROOT / "asyncio_extras", package, ignore=shutil.ignore_patterns("__pycache__"))
    for stub in (ROOT / "stubs" / "asyncio_extras").glob("*.pyi"):
        shutil.copy(stub, package)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if MARKER not in markdown:
        return markdown
    figures = json.loads(FIGURES.read_text())
    return markdown.replace(MARKER, f"{chart(figures['results'])}\n\n{tables(figures)}")


def per_operation(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.2f} µs"


def what_is_measured(title: str) -> tuple[str, str]:
    """A result's title split into what it measures and how (``"thread hop: ..."``, ``"median of 41 rounds x 200"``).

    What sets a comparison apart from another of the same name (``1,000,000 objects alive``) stays with
    what it measures.
    """
    found = re.fullmatch(r"(.*?)  \((median of [^,]*)(?:, (.*))?\)", title)
    if found is None:
        return title, ""
    head, how, setting = found.groups()
    return (f"{head}, {setting}" if setting else head), how


def breakable(name: str) -> str:
    """A name in HTML, with places to break it after each dot and underscore and before a parenthesis."""
    return re.sub(r"([._])", r"\1<wbr>", html.escape(name)).replace("(", "<wbr>(")


def tables(figures: dict[str, Any]) -> str:
    """A table per comparison; narrow enough for a phone, so that nothing needs scrolling sideways."""
    parts = [f"<p>Measured with <code>{html.escape(figures['setting'])}</code>; medians.</p>"]
    for result in figures["results"]:
        measured, how = what_is_measured(result["title"])
        caption = html.escape(measured) + (f" <small>({html.escape(how)})</small>" if how else "")
        parts.append(
            f'<table class="benchmarks"><caption>{caption}</caption>'
            "<thead><tr><th>variant</th><th>per operation</th><th>× the fastest anchor</th><th>bar</th></tr></thead>"
            "<tbody>"
        )
        for row in result["rows"]:
            ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}×"
            parts.append(
                f"<tr><td>{breakable(row['name'])}</td><td>{per_operation(row['seconds'])}</td>"
                f"<td>{ratio}</td><td>{html.escape(row['verdict'])}</td></tr>"
            )
        parts.append("</tbody></table>")
    return "\n".join(parts)


def chart(results: list[dict[str, Any]]) -> str:
    """An SVG bar chart of every contender that has a ratio bar: its ratio to the anchor, and the bar.

    Each row names the contender and, under it, what was measured; the drawing scales to the
    column's width.
    """
    rows = [
        (row["name"], what_is_measured(result["title"])[0], row)
        for result in results
        for row in result["rows"]
        if row["role"] == "contender" and row["bar"] is not None
    ]
    labels = [(name, measured) for name, measured, _ in rows]
    if len(set(labels)) != len(labels):
        raise ValueError(f"two rows of the benchmark chart would carry the same label: {labels}")
    width, plot_width, row_height = 420, 300, 52
    scale = plot_width / max(max(row["ratio"], row["bar"]) for _, _, row in rows)
    height = row_height * len(rows) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width: {width}px" font-family="sans-serif" font-size="12">',
        "<title>Time of each helper as a multiple of its anchor; the tick is the bar</title>",
        f'<line x1="{scale:.1f}" y1="0" x2="{scale:.1f}" y2="{height - 20}" stroke="#888" stroke-dasharray="3 3"/>',
        f'<text x="{scale:.1f}" y="{height - 6}" text-anchor="middle">1× the anchor</text>',
    ]
    for index, (name, measured, row) in enumerate(rows):
        y = index * row_height
        colour = "#2e7d32" if row["met"] else "#c62828"
        bar_x = row["bar"] * scale
        parts += [
            f'<text y="{y + 13}" font-weight="bold">{html.escape(name)}</text>',
            f'<text y="{y + 27}" fill="#555">{html.escape(measured)}</text>',
            f'<rect y="{y + 32}" width="{row["ratio"] * scale:.1f}" height="14" fill="{colour}"/>',
            f'<line x1="{bar_x:.1f}" y1="{y + 30}" x2="{bar_x:.1f}" y2="{y + 48}" stroke="black" stroke-width="2"/>',
            f'<text x="{max(row["ratio"], row["bar"]) * scale + 6:.1f}" y="{y + 44}">'
            f'{row["ratio"]:.2f}× (bar {row["bar"]:g}×)</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
