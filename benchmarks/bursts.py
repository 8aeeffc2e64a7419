"""Bursts of concurrent calls, every burst timed: the engine and pool choice.

Usage::

    .venv/bin/python benchmarks/bursts.py [--width 200] [--bursts 5] [--json F]

Starts benchmarks/server.py in its own process. For each variant, a fresh
client (or a fresh model) fires ``--bursts`` consecutive bursts of ``--width``
concurrent POSTs, and the wall time of every burst is printed, with the worst
and the median; then the same with 1,000 concurrent calls, and sync use from
32 threads (client CPU per call, duplicated or failed requests). Variants:
raw ``httpx`` and ``httpx2`` clients at several pool settings, and
``ChatCometGemini`` (E) with the package's own clients. Variants take turns
burst by burst, so a slow moment of the machine hits all of them alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import start_server, stop_server  # noqa: E402

BODY = json.dumps({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]})
POOLS = {"256/256": (256, 256), "100/20": (100, 20)}


def _raw(module_name: str, pool: str, base: str) -> Callable[[], Any]:
    """A factory of ``(call, close)`` for a raw async client of one family."""
    import importlib

    module = importlib.import_module(module_name)
    size, keep = POOLS[pool]
    url = f"{base}/v1beta/models/bench-s1024:generateContent"

    def make() -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
        client = module.AsyncClient(
            limits=module.Limits(max_connections=size, max_keepalive_connections=keep),
            timeout=60,
        )

        async def call() -> Any:
            response = await client.post(
                url, content=BODY, headers={"x-goog-api-key": "k"}
            )
            return json.loads(response.content)

        return call, client.aclose

    return make


def _package(base: str) -> Callable[[], Any]:
    from langchain_cometgemini import ChatCometGemini

    def make() -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
        llm = ChatCometGemini(
            model="bench-s1024", base_url=base, api_key="k", max_retries=0
        )

        async def call() -> Any:
            return await llm.ainvoke("hi")

        return call, llm.aclose

    return make


def variants(base: str) -> dict[str, Callable[[], Any]]:
    found = {"E ChatCometGemini": _package(base)}
    for module in ("httpx", "httpx2"):
        for pool in POOLS:
            found[f"raw {module} {pool}"] = _raw(module, pool, base)
    return found


async def _bursts(make: Callable[[], Any], width: int, bursts: int) -> list[float]:
    call, close = make()
    times = []
    try:
        for _ in range(bursts):
            started = time.perf_counter()
            await asyncio.gather(*(call() for _ in range(width)))
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await close()
    return times


def burst_table(base: str, width: int, bursts: int) -> dict[str, list[float]]:
    table: dict[str, list[float]] = {}
    for name, make in variants(base).items():
        table[name] = asyncio.run(_bursts(make, width, bursts))
    return table


def threads(base: str, workers: int, calls: int) -> dict[str, Any]:
    """Sync calls from ``workers`` threads: CPU per call, requests lost."""
    from langchain_cometgemini import ChatCometGemini

    llm = ChatCometGemini(model="bench-s1024", base_url=base, api_key="k")
    failures = 0

    def one(_: int) -> None:
        nonlocal failures
        try:
            llm.invoke("hi")
        except Exception:  # noqa: BLE001 - counted, not raised
            failures += 1

    cpu, wall = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(calls)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    llm.close()
    return {"cpu_ms_per_call": cpu * 1000 / calls, "wall_s": wall, "failed": failures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=200)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    proc, base = start_server()
    try:
        result = {
            f"{args.width} concurrent": burst_table(base, args.width, args.bursts),
            "1000 concurrent": burst_table(base, 1000, 3),
            "32 threads": threads(base, 32, 2000),
        }
    finally:
        stop_server(proc)
    for section, table in result.items():
        print(f"\n## {section}")
        if section == "32 threads":
            print(table)
            continue
        for name, times in table.items():
            bursts = ", ".join(f"{t:.0f}" for t in times)
            print(
                f"{name:24s} worst {max(times):7.0f} ms  median "
                f"{statistics.median(times):7.0f} ms  bursts: {bursts}"
            )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
