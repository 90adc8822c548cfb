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


def report(comparison: Comparison, medians: dict[str, float]) -> bool:
    """Print the comparison as a table; return whether every bar is met."""
    reference = medians[comparison.anchors[0].name]
    fastest = min(medians[anchor.name] for anchor in comparison.anchors)
    heap = f", {comparison.heap_objects:,} objects alive" if comparison.heap_objects else ""
    print(f"\n{comparison.title}  (median of {comparison.rounds} rounds x {comparison.per_round}{heap})")
    print(f"  {'':<40} {'per call':>12}  {'ratio':>6}")
    met = True
    for variant in comparison.variants:
        median = medians[variant.name]
        if variant in comparison.anchors:
            verdict = "anchor"
        elif variant in comparison.others:
            verdict = "for comparison"
        elif variant.bar is None:
            verdict = "no bar"
        else:
            ratio = median / fastest
            verdict = f"{ratio:.2f}x the fastest anchor, bar {variant.bar:.2f}x: {'met' if ratio <= variant.bar else 'MISSED'}"
            met = met and ratio <= variant.bar
        print(f"  {variant.name:<40} {median * 1e6:9.2f} us  {median / reference:6.2f}x  {verdict}")
    return met


async def run_comparisons(comparisons: Iterable[Comparison]) -> bool:
    """Measure and report each comparison; return whether every bar is met."""
    met = True
    for comparison in comparisons:
        met = report(comparison, await measure(comparison)) and met
    return met
