"""Interleaved timing of competing variants and the ratio table that reports them."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# One variant: run the measured operation `n` times in the running event loop.
Run = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Variant:
    name: str
    run: Run
    bar: float | None = None  # the most this variant may cost, as a multiple of the anchor


@dataclass(frozen=True)
class Comparison:
    """Variants of one operation; the first is the anchor the others are measured against."""

    title: str
    variants: list[Variant]
    per_round: int
    rounds: int = 25


async def measure(comparison: Comparison) -> dict[str, float]:
    """Return the median seconds per operation of each variant.

    Rounds alternate between the variants, so drift of a shared, noisy
    machine reaches all of them alike; the garbage collector is paused while timing.
    """
    samples: dict[str, list[float]] = {variant.name: [] for variant in comparison.variants}
    for variant in comparison.variants:
        await variant.run(comparison.per_round // 10)  # warm up
    for _ in range(comparison.rounds):
        for variant in comparison.variants:
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                await variant.run(comparison.per_round)
                samples[variant.name].append((time.perf_counter() - started) / comparison.per_round)
            finally:
                gc.enable()
    return {name: statistics.median(values) for name, values in samples.items()}


def report(comparison: Comparison, medians: dict[str, float]) -> bool:
    """Print the comparison as a table; return whether every bar is met."""
    anchor = medians[comparison.variants[0].name]
    print(f"\n{comparison.title}  (median of {comparison.rounds} rounds x {comparison.per_round})")
    met = True
    for variant in comparison.variants:
        ratio = medians[variant.name] / anchor
        if variant is comparison.variants[0]:
            verdict = "anchor"
        elif variant.bar is None:
            verdict = "no bar"
        else:
            verdict = f"bar <= {variant.bar:.2f}x: {'met' if ratio <= variant.bar else 'MISSED'}"
            met = met and ratio <= variant.bar
        print(f"  {variant.name:<40} {medians[variant.name] * 1e6:9.2f} us  {ratio:6.2f}x   {verdict}")
    return met
