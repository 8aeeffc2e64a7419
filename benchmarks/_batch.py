"""The ``batch`` section: ``cometgemini batch`` and ``abatch`` over many prompts.

Against benchmarks/server.py in its own process (its CPU is not counted), it
measures the client's CPU per prompt (``time.process_time``) of:

* ``ainvoke``   one call at a time on one model (the reference);
* ``abatch``    ``llm.abatch(prompts, max_concurrency=J)``;
* ``engine``    the batch engine (``cli.batch.BatchRunner``, J workers, one output
                line written and flushed per answer) on the same prompts;
* ``command``   ``cometgemini batch IN -o OUT -j J`` run as a subprocess: its
                whole CPU (user + sys, start-up included) over the prompts,
                and again net of a one-line run's start-up cost.

Memory: the engine's resident set (VmRSS) after 10% and after 100% of the
answers, so any per-result growth shows as bytes per result.

Variants take turns round by round; each figure is the median over rounds.
Run by ``run.py`` (``--only batch``), against its server.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODEL = "bench-s256-n1"
KEY = "bench-key"


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def prompts(n: int) -> list[str]:
    return [f"Question number {i}: say something." for i in range(n)]


def model(base_url: str) -> Any:
    from langchain_cometgemini import ChatCometGemini

    return ChatCometGemini(model=MODEL, base_url=base_url, api_key=KEY)


async def run_ainvoke(base_url: str, n: int) -> dict[str, float]:
    llm = model(base_url)
    await llm.ainvoke("warm up")
    texts = prompts(n)
    cpu, wall = time.process_time(), time.perf_counter()
    for text in texts:
        await llm.ainvoke(text)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu_us": cpu / n * 1e6, "per_s": n / wall}


async def run_abatch(base_url: str, n: int, jobs: int) -> dict[str, float]:
    llm = model(base_url)
    await llm.ainvoke("warm up")
    texts = prompts(n)
    cpu, wall = time.process_time(), time.perf_counter()
    results = await llm.abatch(texts, config={"max_concurrency": jobs})
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert len(results) == n
    return {"cpu_us": cpu / n * 1e6, "per_s": n / wall}


async def run_engine(base_url: str, n: int, jobs: int) -> dict[str, float]:
    from langchain_cometgemini.cli.batch import BatchRunner
    from langchain_cometgemini.cli.jobs import load_jobs

    lines = [json.dumps({"id": i, "prompt": t}) for i, t in enumerate(prompts(n))]
    marks: dict[str, int] = {}
    count = 0

    def on_record(record: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        assert "error" not in record, record
        if count == n // 10:
            marks["rss_10"] = rss_bytes()

    with tempfile.TemporaryDirectory() as tmp:
        out_path = Path(tmp) / "out.jsonl"
        with out_path.open("a", encoding="utf-8") as out:
            connection = {"base_url": base_url, "api_key": KEY}
            warm = BatchRunner(
                load_jobs(['{"id": "w", "prompt": "warm up"}']),
                out,
                connection=connection,
                kwargs={"model": MODEL},
            )
            await warm.run()
            cpu, wall = time.process_time(), time.perf_counter()
            runner = BatchRunner(
                load_jobs(lines),
                out,
                connection=connection,
                kwargs={"model": MODEL},
                concurrency=jobs,
                on_record=on_record,
            )
            runner._models = warm._models  # the warmed model and its client
            await runner.run()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert sum(1 for _ in out_path.open()) == n + 1
    growth = (rss_bytes() - marks["rss_10"]) / (n - n // 10)
    return {"cpu_us": cpu / n * 1e6, "per_s": n / wall, "rss_b_per_result": growth}


def run_command(base_url: str, n: int, jobs: int) -> dict[str, float]:
    env = {**os.environ, "COMETAPI_KEY": KEY, "COMETAPI_BASE_URL": base_url}

    def child_cpu(count: int) -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as tmp:
            source, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
            source.write_text(
                "".join(
                    json.dumps({"id": i, "prompt": t}) + "\n"
                    for i, t in enumerate(prompts(count))
                )
            )
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "langchain_cometgemini", "batch", str(source)]
                + ["-o", str(out), "-j", str(jobs), "-m", MODEL],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
            )
            wall = time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return cpu, wall

    one_cpu, _ = child_cpu(1)
    cpu, wall = child_cpu(n)
    return {
        "cpu_us": cpu / n * 1e6,
        "net_cpu_us": (cpu - one_cpu) / (n - 1) * 1e6,
        "startup_ms": one_cpu * 1e3,
        "per_s": n / wall,
    }


def run(base_url: str, *, prompts: int, jobs: int, rounds: int) -> dict[str, Any]:
    """Medians over ``rounds`` of every variant's figures (and the settings)."""
    n = prompts
    rows: dict[str, list[dict[str, float]]] = {}
    for _ in range(rounds):  # variants take turns, round by round
        rows.setdefault("ainvoke", []).append(
            asyncio.run(run_ainvoke(base_url, min(n, 2000)))
        )
        rows.setdefault("abatch", []).append(asyncio.run(run_abatch(base_url, n, jobs)))
        rows.setdefault("engine", []).append(asyncio.run(run_engine(base_url, n, jobs)))
        rows.setdefault("command", []).append(run_command(base_url, n, jobs))
    medians = {
        name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for name, runs in rows.items()
    }
    return {"prompts": n, "j": jobs, "rounds": rounds, **medians}
