"""MkDocs hooks: the package as users install it, for the API pages; the benchmark figures, for their page."""

from __future__ import annotations

import html
import json
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


def tables(figures: dict[str, Any]) -> str:
    parts = [f"Measured with `{figures['setting']}`; medians.\n"]
    for result in figures["results"]:
        parts.append(f"**{result['title']}**\n")
        parts.append("| variant | per operation | ratio to the fastest anchor | bar |")
        parts.append("| --- | ---: | ---: | --- |")
        for row in result["rows"]:
            ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}×"
            parts.append(f"| {row['name']} | {per_operation(row['seconds'])} | {ratio} | {row['verdict']} |")
        parts.append("")
    return "\n".join(parts)


def chart(results: list[dict[str, Any]]) -> str:
    """An SVG bar chart of every contender that has a ratio bar: its ratio to the anchor, and the bar."""
    rows = [
        (f"{result['title'].split('  (')[0]}: {row['name']}", row)
        for result in results
        for row in result["rows"]
        if row["role"] == "contender" and row["bar"] is not None
    ]
    label_width, plot_width, row_height = 520, 360, 26
    scale = plot_width / max(max(row["ratio"], row["bar"]) for _, row in rows) / 1.1
    height = row_height * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_width + plot_width + 60}" '
        f'height="{height}" font-family="sans-serif" font-size="12">',
        "<title>Time of each helper as a multiple of its anchor; the tick is the bar</title>",
        f'<line x1="{label_width + scale}" y1="0" x2="{label_width + scale}" y2="{height - 24}" stroke="#888" '
        'stroke-dasharray="3 3"/>',
        f'<text x="{label_width + scale}" y="{height - 8}" text-anchor="middle">1× the anchor</text>',
    ]
    for index, (label, row) in enumerate(rows):
        y = index * row_height + 4
        colour = "#2e7d32" if row["met"] else "#c62828"
        bar_x = label_width + row["bar"] * scale
        parts += [
            f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end">{html.escape(label)}</text>',
            f'<rect x="{label_width}" y="{y}" width="{row["ratio"] * scale:.1f}" height="18" fill="{colour}"/>',
            f'<line x1="{bar_x:.1f}" y1="{y - 2}" x2="{bar_x:.1f}" y2="{y + 20}" stroke="black" stroke-width="2"/>',
            f'<text x="{label_width + max(row["ratio"], row["bar"]) * scale + 6:.1f}" y="{y + 14}">'
            f'{row["ratio"]:.2f}× (bar {row["bar"]:g}×)</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
