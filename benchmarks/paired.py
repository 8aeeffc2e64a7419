"""Two versions of the package in one process: their cost side by side.

Full runs of ``run.py`` on a small shared machine move by 5-30% from one run
to the next, so two versions compared run against run need several runs each
(``compare.py``). Here both versions live in one process: the other checkout's
package is copied under another name (``lcg_before``, its imports rewritten),
and each round times one call of every variant in turn, on the same warm
libraries: the raw floor (A for unary calls, B for streams), D (LangChain's
no-network model), E of the other checkout and E of this one (``burst``: 200
concurrent ``ainvoke`` of each, timed as one). The ratio of their medians
moves by about 1-2% between processes (bursts: more)::

    python benchmarks/paired.py --before /path/to/old/checkout
    python benchmarks/paired.py --before /path/to/old --modes stream --reps 5

Each mode runs ``--reps`` processes (a fresh process each, with its own hash
seed: the layout of a process alone moves a burst's cost by 10-30%; the order
of the two versions swapped every other one); the table gives each process's
``after / before`` CPU ratio and their median, and both versions' E / (floor +
D). Not part of ``run.py``; needs no valgrind.

Side by side, the two versions share one collector: a burst pays for the
objects the other version's bursts left in the older generations, and when
each version loaded its modules decides where they sit, so bursts compared in
one process measure the pair as much as each version. ``--separate`` times
each version in its own process instead (floor and D in each; the same hash
seed for both versions of a repetition, their order swapped every other one)::

    python benchmarks/paired.py --before /path/to/old --modes burst --separate
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODES = ("invoke", "ainvoke", "stream", "astream", "burst")
ROUNDS = {"invoke": 1500, "ainvoke": 1500, "stream": 40, "astream": 40, "burst": 15}
"""Calls of each variant per process (streams: 1,000 events each; bursts: 200
concurrent ``ainvoke``, timed as one)."""
WIDTH = 200
EVENTS = 1000
NAME = "lcg_before"


def copy_package(checkout: Path, into: Path) -> None:
    """``checkout``'s package as ``NAME`` in ``into`` (its imports rewritten)."""
    target = into / NAME
    shutil.copytree(checkout / "langchain_cometgemini", target)
    for path in target.rglob("*.py"):
        text = path.read_text()
        path.write_text(re.sub(r"\blangchain_cometgemini\b", NAME, text))


def _child(mode: str, base_url: str, rounds: int, order: str) -> None:
    """In the timed process: the variants in turn, medians printed.

    ``order``: the versions timed here, in turn (``before,after``, or one).
    """
    sys.path.insert(0, str(HERE))
    import _variants as V

    stream = mode.endswith("stream")
    events = EVENTS if stream else 100
    warm = 2 if stream or mode == "burst" else 20
    name = V.model_name(1024, events)

    def model(package: Any) -> Any:
        return package.ChatCometGemini(model=name, base_url=base_url, api_key="k")

    names = {"after": "langchain_cometgemini", "before": NAME}
    labels = order.split(",")  # a version not timed here is not even imported
    versions = [(label, model(__import__(names[label]))) for label in labels]
    variants = {
        "floor": V.Raw(base_url).calls(1024, events),
        "D": V.model_calls(V.floor_model(1024, events)),
        **{label: V.model_calls(m) for label, m in versions},
    }
    calls: dict[str, Callable[[], Any]] = {
        k: _burst(v.ainvoke) if mode == "burst" else getattr(v, mode)
        for k, v in variants.items()
    }
    samples: dict[str, list[float]] = {k: [] for k in calls}
    unit = EVENTS if stream else 1
    cpu = time.process_time

    async def arun() -> None:
        for _ in range(warm):
            for call in calls.values():
                await call()
        for _ in range(rounds):
            for key, call in calls.items():
                c0 = cpu()
                await call()
                samples[key].append((cpu() - c0) / unit)

    def run() -> None:
        for _ in range(warm):
            for call in calls.values():
                call()
        for _ in range(rounds):
            for key, call in calls.items():
                c0 = cpu()
                call()
                samples[key].append((cpu() - c0) / unit)

    if mode.startswith("a") or mode == "burst":
        asyncio.run(arun())
    else:
        run()
    medians = {k: statistics.median(v) * 1e6 for k, v in samples.items()}
    print(" ".join(f"{k}={v:.3f}" for k, v in medians.items()))


def _burst(call: Callable[[], Any]) -> Callable[[], Any]:
    async def burst() -> None:
        await asyncio.gather(*(call() for _ in range(WIDTH)))

    return burst


def _run(
    mode: str, base_url: str, rep: int, path: str, separate: bool
) -> dict[str, float]:
    """Both versions' CPU, and each one's floor + D (timed in its process)."""
    order = ["before", "after"] if rep % 2 == 0 else ["after", "before"]
    runs = [[label] for label in order] if separate else [order]
    out: dict[str, float] = {}
    for labels in runs:
        found = _process(mode, base_url, rep, path, ",".join(labels))
        for label in labels:
            out[label] = found[label]
            out[f"{label}_base"] = found["floor"] + found["D"]
    return out


def _process(
    mode: str, base_url: str, rep: int, path: str, order: str
) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, base_url, order]
    env = dict(os.environ, PYTHONPATH=path, PYTHONHASHSEED=str(rep))
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"paired run failed ({mode}):\n{done.stderr[-800:]}")
    last = done.stdout.strip().splitlines()[-1]
    return {k: float(v) for k, v in (p.split("=") for p in last.split())}


def table(results: dict[str, list[dict[str, float]]]) -> str:
    """One row per mode: each process's after / before, and the ratios."""
    lines = [
        "| mode | after / before (each process) | median | "
        "before E / (floor + D) | after E / (floor + D) |",
        "|---|---|---|---|---|",
    ]
    for mode, runs in results.items():  # burst: CPU of 200 concurrent ainvoke
        ratios = [r["after"] / r["before"] for r in runs]
        old = statistics.median(r["before"] / r["before_base"] for r in runs)
        new = statistics.median(r["after"] / r["after_base"] for r in runs)
        shown = " / ".join(f"{v:.3f}" for v in ratios)
        median = statistics.median(ratios)
        lines.append(f"| {mode} | {shown} | {median:.3f} | {old:.2f} | {new:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], ROUNDS[sys.argv[2]], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--separate",
        action="store_true",
        help="each version in its own process (same hash seed), not side by side",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from run import start_server, stop_server

    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        copy_package(args.before.resolve(), Path(tmp))
        path = os.pathsep.join([str(HERE.parent), tmp])
        proc, base_url = start_server()
        try:
            for mode in [m for m in args.modes.split(",") if m]:
                label = f"{mode} (separate)" if args.separate else mode
                results[label] = [
                    _run(mode, base_url, rep, path, args.separate)
                    for rep in range(args.reps)
                ]
        finally:
            stop_server(proc)
    out = table(results)
    if args.out is None:
        print(out, end="")
    else:
        args.out.write_text(out)


if __name__ == "__main__":
    main()
