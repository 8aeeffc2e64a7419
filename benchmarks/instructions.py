"""Instructions per call: the package's cost without timing noise.

CPU time on a small shared machine moves by 10-30% between runs of the same
code, which hides a change of a few percent. The number of instructions a call
executes barely moves: valgrind's callgrind counts them. For each package
checkout given, this counts the instructions of one ``invoke``, one ``ainvoke``
and one streamed event (``stream``, ``astream``: a 1,000-event stream / 1,000)
of ``ChatCometGemini`` against ``benchmarks/server.py`` (a separate process,
not counted), as the difference between two runs of one process doing N1 and
N2 calls after the same warm-up, so imports and warm-up cancel out. The
cyclic garbage collector is paused in the counted process (as ``timeit``
does): when its collections run depends on the heap's whole history, and they
made counts of the same code move by several percent between runs::

    python benchmarks/instructions.py --package /path/to/old/checkout --package .
    python benchmarks/instructions.py --package . --floor   # also A, B and D

``--floor`` adds the floor variants of ``run.py`` (A raw httpx + json, B raw
httpx + httpx-sse + json, D LangChain's no-network model), so that the cost
targets' ratios (E / (A + D), E / (B + D)) can be read without noise too.
Output: a markdown table (``--out FILE`` writes it). Needs valgrind; not part
of ``run.py`` (each count runs a minute or two under callgrind). Counts run
two at a time (``--jobs``): instruction counts do not depend on the load.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODES = ("invoke", "ainvoke", "stream", "astream")
UNITS = {"invoke": (10, 110), "ainvoke": (10, 110), "stream": (1, 4), "astream": (1, 4)}
"""Calls of the two runs whose difference is counted, per mode."""
EVENTS = 1000
"""Events of the streamed answer (the count is per event)."""


def _child(variant: str, mode: str, base_url: str, calls: int) -> None:
    """In the counted process: warm up, then ``calls`` calls of ``mode``."""
    sys.path.insert(0, str(HERE))
    import _variants as V

    events = EVENTS if mode.endswith("stream") else 100
    if variant == "E":
        found = V.model_calls(V.cometgemini(base_url, 1024, events))
    elif variant == "D":
        found = V.model_calls(V.floor_model(1024, events))
    else:  # A (unary) and B (streams): raw httpx
        found = V.Raw(base_url).calls(1024, events)
    call: Any = getattr(found, mode)
    gc.collect()
    gc.disable()  # see the module docstring
    if mode.startswith("a"):

        async def run() -> None:
            for _ in range(calls + 2):
                await call()

        asyncio.run(run())
    else:
        for _ in range(calls + 2):
            call()


def count(package: str, variant: str, mode: str, base_url: str) -> float:
    """Instructions of one unit (call or event) of ``mode`` for ``variant``."""
    totals = []
    for calls in UNITS[mode]:
        env = dict(os.environ, PYTHONPATH=package, PYTHONHASHSEED="0")
        command = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            variant,
            mode,
            base_url,
            str(calls),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode or found is None:
            msg = f"callgrind failed ({variant} {mode}):\n{done.stderr[-800:]}"
            raise SystemExit(msg)
        totals.append(int(found.group(1)))
    low, high = UNITS[mode]
    per_call = (totals[1] - totals[0]) / (high - low)
    return per_call / EVENTS if mode.endswith("stream") else per_call


def table(results: dict[tuple[str, str], float], columns: list[str]) -> str:
    """Thousands of instructions per unit, a column per package (or floor)."""
    head = "| mode | " + " | ".join(columns) + " |"
    if len(columns) == 2:
        head += f" {columns[1]} / {columns[0]} |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for mode in MODES:
        values = [results.get((column, mode)) for column in columns]
        cells = ["-" if v is None else f"{v / 1000:,.1f}k" for v in values]
        row = f"| {mode} | " + " | ".join(cells) + " |"
        if len(columns) == 2 and None not in values:
            row += f" {values[1] / values[0]:.3f} |"  # type: ignore[operator]
        lines.append(row)
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--package", action="append", required=True)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--floor", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    sys.path.insert(0, str(HERE))
    from run import start_server, stop_server

    packages = [str(Path(p).resolve()) for p in args.package]
    jobs = [(p, "E", m) for p in packages for m in modes]
    if args.floor:
        floors = [("A" if not m.endswith("stream") else "B", m) for m in modes]
        jobs += [(packages[-1], v, m) for v, m in floors]
        jobs += [(packages[-1], "D", m) for m in modes]
    proc, base_url = start_server()
    try:
        with ThreadPoolExecutor(args.jobs) as pool:
            counted = list(pool.map(lambda job: count(*job, base_url), jobs))
    finally:
        stop_server(proc)
    results: dict[tuple[str, str], float] = {}
    for (package, variant, mode), value in zip(jobs, counted, strict=True):
        column = package if variant == "E" else ("A/B" if variant in "AB" else "D")
        results[(column, mode)] = value
    columns = packages + (["A/B", "D"] if args.floor else [])
    out = table(results, columns)
    if args.out is None:
        print(out, end="")
    else:
        args.out.write_text(out)


if __name__ == "__main__":
    main()
