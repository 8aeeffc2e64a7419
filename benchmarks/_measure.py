"""Timing helpers: per-call wall and client CPU, medians, interleaved rounds.

Client CPU is ``time.process_time`` of this process only; the Gemini server
runs in another process (benchmarks/server.py), so its work is not counted.
Variants are interleaved round by round (the benchmark uses one call per
variant per round) so machine noise hits all of them alike and none runs in a
hot loop of its own; medians (not means) are reported.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Samples:
    """Per-call wall and CPU seconds of one variant."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def summary(self, per: int = 1) -> dict[str, float]:
        """Medians (and spread) in microseconds, divided by ``per`` units."""
        if not self.wall:
            return {}
        scale = 1e6 / per
        return {
            "wall_us": statistics.median(self.wall) * scale,
            "cpu_us": statistics.median(self.cpu) * scale,
            "cpu_p25_us": _quantile(self.cpu, 0.25) * scale,
            "cpu_p75_us": _quantile(self.cpu, 0.75) * scale,
            "n": len(self.cpu),
        }


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(
    variants: dict[str, Callable[[], object]],
    *,
    calls: int,
    rounds: int,
    warmup: int,
    gc_paused: bool = False,
) -> dict[str, Samples]:
    """Run each variant ``calls`` times in total, split over interleaved rounds.

    ``gc_paused``: the cyclic garbage collector is off while a call is timed
    and back on between calls (what ``timeit`` does by default), so a
    collection triggered by everything else alive in the process is not
    charged to whichever call happens to cross its threshold.
    """
    for fn in variants.values():
        for _ in range(warmup):
            fn()
    samples = {name: Samples() for name in variants}
    per_round = max(1, calls // rounds)
    clock, cpu = time.perf_counter, time.process_time
    for _ in range(rounds):
        for name, fn in variants.items():
            s = samples[name]
            for _ in range(per_round):
                if gc_paused:
                    gc.disable()
                w0, c0 = clock(), cpu()
                fn()
                c1, w1 = cpu(), clock()
                gc.enable()
                s.wall.append(w1 - w0)
                s.cpu.append(c1 - c0)
    return samples


async def ameasure(
    variants: dict[str, Callable[[], Awaitable[object]]],
    *,
    calls: int,
    rounds: int,
    warmup: int,
) -> dict[str, Samples]:
    """Async :func:`measure` (sequential awaits in the running loop)."""
    for fn in variants.values():
        for _ in range(warmup):
            await fn()
    samples = {name: Samples() for name in variants}
    per_round = max(1, calls // rounds)
    clock, cpu = time.perf_counter, time.process_time
    for _ in range(rounds):
        for name, fn in variants.items():
            s = samples[name]
            for _ in range(per_round):
                w0, c0 = clock(), cpu()
                await fn()
                c1, w1 = cpu(), clock()
                s.wall.append(w1 - w0)
                s.cpu.append(c1 - c0)
    return samples


async def concurrent_wall(
    variants: dict[str, Callable[[], Awaitable[object]]],
    *,
    width: int,
    rounds: int,
    warmup: int,
) -> dict[str, Samples]:
    """Wall/CPU of ``width`` concurrent calls (one gather) per round."""

    async def burst(fn: Callable[[], Awaitable[object]]) -> None:
        await asyncio.gather(*(fn() for _ in range(width)))

    for fn in variants.values():
        for _ in range(warmup):
            await burst(fn)
    samples = {name: Samples() for name in variants}
    clock, cpu = time.perf_counter, time.process_time
    for _ in range(rounds):
        for name, fn in variants.items():
            w0, c0 = clock(), cpu()
            await burst(fn)
            c1, w1 = cpu(), clock()
            samples[name].wall.append(w1 - w0)
            samples[name].cpu.append(c1 - c0)
    return samples
