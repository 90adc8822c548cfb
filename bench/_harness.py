"""Interleaved timing of competing variants and the ratio table that reports them."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

# One variant: run the measured operation `n` times in the running event loop.
Run = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Variant:
    name: str
    run: Run
    bar: float | None = None  # the most a contender may cost, as a multiple of the fastest anchor


@dataclass(frozen=True)
class Comparison:
    """This project's contenders, timed against anchors (the bars' reference) and others (for context)."""

    title: str
    anchors: list[Variant]
    contenders: list[Variant]
    per_round: int
    others: list[Variant] = field(default_factory=list[Variant])
    rounds: int = 25
    heap_objects: int = 0  # objects kept alive while measuring, for costs that could grow with the heap

    @property
    def variants(self) -> list[Variant]:
        return [*self.anchors, *self.others, *self.contenders]


async def measure(comparison: Comparison) -> dict[str, float]:
    """Return the median seconds per operation of each variant.

    Each round times every variant, starting each round with the next one,
    so drift of a shared, noisy machine reaches all of them alike; the garbage
    collector is paused while timing.
    """
    variants = comparison.variants
    samples: dict[str, list[float]] = {variant.name: [] for variant in variants}
    heap = [object() for _ in range(comparison.heap_objects)]
    for variant in variants:
        await variant.run(max(1, comparison.per_round // 10))  # warm up
    for round_number in range(comparison.rounds):
        start = round_number % len(variants)
        for variant in variants[start:] + variants[:start]:
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                await variant.run(comparison.per_round)
                samples[variant.name].append((time.perf_counter() - started) / comparison.per_round)
            finally:
                gc.enable()
    del heap
    return {name: statistics.median(values) for name, values in samples.items()}


@dataclass(frozen=True)
class Row:
    """One measured figure: seconds per operation, and, for a contender with a bar, whether it met it."""

    name: str
    seconds: float
    role: str  # "anchor", "for comparison", "contender" or "limit" (a bar in absolute seconds)
    ratio: float | None = None  # to the fastest anchor
    bar: float | None = None  # a ratio for contenders, seconds for limits
    met: bool | None = None

    @property
    def verdict(self) -> str:
        if self.bar is None:
            return "no bar" if self.role == "contender" else self.role
        bar = f"< {self.bar * 1000:g} ms" if self.role == "limit" else f"<= {self.bar:g}x"
        return f"bar {bar}: {'met' if self.met else 'MISSED'}"


@dataclass(frozen=True)
class Result:
    title: str
    rows: list[Row]

    @property
    def met(self) -> bool:
        return all(row.met is not False for row in self.rows)


def judge(comparison: Comparison, medians: dict[str, float]) -> Result:
    """Turn the medians into rows: ratios to the fastest anchor, and each bar met or missed."""
    fastest = min(medians[anchor.name] for anchor in comparison.anchors)
    rows: list[Row] = []
    for variant in comparison.variants:
        ratio = medians[variant.name] / fastest
        if variant in comparison.contenders:
            met = None if variant.bar is None else ratio <= variant.bar
            rows.append(Row(variant.name, medians[variant.name], "contender", ratio, variant.bar, met))
        else:
            role = "anchor" if variant in comparison.anchors else "for comparison"
            rows.append(Row(variant.name, medians[variant.name], role, ratio))
    heap = f", {comparison.heap_objects:,} objects alive" if comparison.heap_objects else ""
    return Result(f"{comparison.title}  (median of {comparison.rounds} rounds x {comparison.per_round}{heap})", rows)


def report(result: Result) -> None:
    """Print one result as a table."""
    print(f"\n{result.title}")
    print(f"  {'':<44} {'per call':>12}  {'ratio':>6}")
    for row in result.rows:
        ratio = "" if row.ratio is None else f"{row.ratio:5.2f}x"
        print(f"  {row.name:<44} {row.seconds * 1e6:9.2f} us  {ratio:>6}  {row.verdict}")


async def run_comparisons(comparisons: Iterable[Comparison]) -> list[Result]:
    """Measure, judge and report each comparison."""
    results: list[Result] = []
    for comparison in comparisons:
        results.append(judge(comparison, await measure(comparison)))
        report(results[-1])
    return results
