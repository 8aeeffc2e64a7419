"""The benchmark runner: ChatCometGemini against the floor (raw httpx + LangChain).

Usage::

    .venv/bin/python benchmarks/run.py                     # full run, every section
    .venv/bin/python benchmarks/run.py --quick             # every section, fewer calls
    .venv/bin/python benchmarks/run.py --only bursts,threads [--quick]
    .venv/bin/python benchmarks/run.py --skip batch,rss

Starts benchmarks/server.py once, in a separate process, runs the sections
(``SECTIONS``; ``--only`` / ``--skip`` select them), stops the server, checks
the targets (cost, load, footprint) (``_report.targets``) and writes
``results/latest.json`` and ``latest.md`` (``--out`` for another directory)
with the sections that ran. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _batch  # noqa: E402
import _bursts  # noqa: E402
import _threads  # noqa: E402
import _variants as V  # noqa: E402
from _measure import ameasure, concurrent_wall, measure  # noqa: E402
from _report import render, targets  # noqa: E402


@dataclass
class Config:
    invoke_calls: int
    rounds: int
    warmup: int
    stream_reps: int
    stream_events: int
    conc_width: int
    conc_rounds: int
    import_runs: int
    rss_calls: int
    sizes: tuple[int, ...]
    size_calls: tuple[int, ...]
    events: tuple[int, ...]
    event_reps: tuple[int, ...]
    burst_widths: tuple[tuple[int, int], ...]
    """(width, consecutive bursts) per series of the bursts section."""
    thread_workers: int
    thread_calls: int
    thread_rounds: int
    batch_prompts: int
    batch_jobs: int
    batch_rounds: int
    rss_variants: tuple[str, ...] = ("A", "D", "E", "C")
    c_everywhere: bool = True
    """False: C only in the per-invoke/per-chunk sections (it is slow)."""


QUICK = Config(
    invoke_calls=200,
    rounds=200,
    warmup=20,
    stream_reps=10,
    stream_events=1000,
    conc_width=200,
    conc_rounds=2,
    import_runs=3,
    rss_calls=2000,
    sizes=(1024, 10240, 102400, 1048576),
    size_calls=(30, 30, 12, 4),
    events=(100, 1000, 10000),
    event_reps=(6, 3, 3),
    burst_widths=((200, 5), (1000, 2)),
    thread_workers=32,
    thread_calls=640,
    thread_rounds=1,
    batch_prompts=1000,
    batch_jobs=16,
    batch_rounds=1,
    rss_variants=("E",),
    c_everywhere=False,
)
FULL = Config(
    invoke_calls=2000,
    rounds=2000,
    warmup=100,
    stream_reps=30,
    stream_events=1000,
    conc_width=200,
    conc_rounds=15,
    import_runs=11,
    rss_calls=2000,
    sizes=(1024, 10240, 102400, 1048576),
    size_calls=(400, 300, 100, 30),
    events=(100, 1000, 10000),
    event_reps=(40, 12, 8),
    burst_widths=((200, 5), (1000, 5)),
    thread_workers=32,
    thread_calls=2000,
    thread_rounds=3,
    batch_prompts=10_000,
    batch_jobs=16,
    batch_rounds=3,
)


# -- server ------------------------------------------------------------------


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "server.py"), "--exit-on-eof"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if len(line) != 2 or line[0] != "PORT":
        proc.kill()
        raise SystemExit("benchmark server did not start")
    return proc, f"http://127.0.0.1:{line[1]}"


def stop_server(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


# -- sections ------------------------------------------------------------------


def _models(base: str, size: int, events: int, with_c: bool) -> dict[str, Any]:
    models = {
        "D": V.floor_model(size, events),
        "E": V.cometgemini(base, size, events),
    }
    if with_c:
        c = V.google_genai(base, size, events)
        if c is not None:
            models["C"] = c
    return models


def sync_section(base: str, cfg: Config, with_c: bool) -> dict[str, Any]:
    raw = V.Raw(base)
    size, n = 1024, cfg.stream_events
    models = {k: V.model_calls(m) for k, m in _models(base, size, n, with_c).items()}
    core = V.core_calls(V.cometgemini(base, size, n))
    floor = V.model_calls(V.minimal_model(base, size, n))
    unary = {"A": raw.calls(size, n).invoke} | {k: c.invoke for k, c in models.items()}
    unary["E_core"] = core.invoke
    unary["F"] = floor.invoke
    inv = measure(unary, calls=cfg.invoke_calls, rounds=cfg.rounds, warmup=cfg.warmup)
    streams = {"B": raw.calls(size, n).stream, "B2": raw.hand_sse(size, n).stream}
    streams |= {k: c.stream for k, c in models.items()}
    streams["E_core"] = core.stream
    streams["F"] = floor.stream
    st = measure(streams, calls=cfg.stream_reps, rounds=cfg.stream_reps, warmup=1)
    return {
        "invoke": {k: s.summary() for k, s in inv.items()},
        "stream_chunk": {k: s.summary(per=n) for k, s in st.items()},
    }


async def _async_section(base: str, cfg: Config, with_c: bool) -> dict[str, Any]:
    raw = V.Raw(base)
    size, n = 1024, cfg.stream_events
    models = {k: V.model_calls(m) for k, m in _models(base, size, n, with_c).items()}
    rawc = raw.calls(size, n)
    unary = {"A": rawc.ainvoke} | {k: c.ainvoke for k, c in models.items()}
    unary["F"] = V.model_calls(V.minimal_model(base, size, n)).ainvoke
    inv = await ameasure(
        unary, calls=cfg.invoke_calls, rounds=cfg.rounds, warmup=cfg.warmup
    )
    streams = {"B": rawc.astream} | {k: c.astream for k, c in models.items()}
    st = await ameasure(
        streams, calls=cfg.stream_reps, rounds=cfg.stream_reps, warmup=1
    )
    return {
        "ainvoke": {k: s.summary() for k, s in inv.items()},
        "astream_chunk": {k: s.summary(per=n) for k, s in st.items()},
    }


async def _concurrency(base: str, cfg: Config, with_c: bool) -> dict[str, Any]:
    raw = V.Raw(base)
    models = _models(base, 1024, 100, with_c and cfg.c_everywhere)
    variants = {"raw": raw.calls(1024, 100).ainvoke}
    variants |= {k: V.model_calls(m).ainvoke for k, m in models.items()}
    variants["F"] = V.model_calls(V.minimal_model(base, 1024, 100)).ainvoke
    result = await concurrent_wall(
        variants, width=cfg.conc_width, rounds=cfg.conc_rounds, warmup=1
    )
    return {k: s.summary() for k, s in result.items()}


def _scaling(base: str, cfg: Config, with_c: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"invoke": {}, "stream": {}}
    raw = V.Raw(base)
    with_c = with_c and cfg.c_everywhere
    for size, calls in zip(cfg.sizes, cfg.size_calls, strict=True):
        models = _models(base, size, 10, with_c)
        variants = {"A": raw.calls(size, 10).invoke}
        variants |= {k: V.model_calls(m).invoke for k, m in models.items()}
        res = measure(variants, calls=calls, rounds=min(10, calls), warmup=2)
        out["invoke"][str(size)] = {k: s.summary() for k, s in res.items()}
    out["stream_gc"] = {}
    for events, reps in zip(cfg.events, cfg.event_reps, strict=True):
        models = _models(base, 1024, events, with_c)
        variants = {"B": raw.calls(1024, events).stream}
        variants |= {k: V.model_calls(m).stream for k, m in models.items()}
        variants["E_core"] = V.core_calls(models["E"]).stream
        for key, paused in (("stream", True), ("stream_gc", False)):
            res = measure(variants, calls=reps, rounds=reps, warmup=1, gc_paused=paused)
            out[key][str(events)] = {k: s.summary() for k, s in res.items()}
    return out


_IMPORTS = {
    "core_lazy": "import langchain_core.language_models",
    "core_base": "from langchain_core.language_models import BaseChatModel",
    "E": "import langchain_cometgemini",
    "E_class": "from langchain_cometgemini import ChatCometGemini",
    "C": "import langchain_google_genai",
}
"""``import langchain_core.language_models`` alone loads a lazy stub (PEP 562);
any chat model must load ``BaseChatModel``, so both baselines are measured."""


def _import_time(module: str) -> float | None:
    code = (
        "import time; t = time.perf_counter(); "
        + module
        + "; print(time.perf_counter() - t)"
    )
    out = _fresh_python(code)
    return float(out) if out is not None else None


def _fresh_python(code: str) -> str | None:
    """stdout of ``code`` run in a fresh interpreter (None if it failed)."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env=bytecode_env(),
    )
    return done.stdout if done.returncode == 0 else None


def bytecode_env() -> dict[str, str]:
    """Environment for import timing: bytecode cached, as in an installed wheel.

    With ``PYTHONDONTWRITEBYTECODE`` set, an editable package is recompiled on
    every import while site-packages has its ``.pyc`` files, which would charge
    compile time to the package only. A private ``PYTHONPYCACHEPREFIX`` (filled
    by an untimed warm-up import) keeps the source tree untouched.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "cg-bench-pyc")
    return env


def _imports(cfg: Config, with_c: bool) -> dict[str, Any]:
    skip = set() if cfg.c_everywhere else {"C"}
    names = [k for k in _IMPORTS if k not in skip and (with_c or k != "C")]
    times: dict[str, list[float]] = {k: [] for k in names}
    for name in names:  # untimed: fills the bytecode cache
        _import_time(_IMPORTS[name])
    for _ in range(cfg.import_runs):  # interleaved, fresh interpreter each
        for name in names:
            t = _import_time(_IMPORTS[name])
            if t is not None:
                times[name].append(t)
    out: dict[str, Any] = {
        k: {"median_ms": statistics.median(v) * 1e3, "runs": [x * 1e3 for x in v]}
        for k, v in times.items()
        if v
    }
    pairs = [p for p in (_paired_import() for _ in range(cfg.import_runs)) if p]
    if pairs:
        out["E_over_base"] = {
            "median_ratio": statistics.median(total / base for base, total in pairs),
            "runs_ms": [[base * 1e3, total * 1e3] for base, total in pairs],
        }
    return out


_PAIRED = (
    "import time; t0 = time.perf_counter(); "
    "from langchain_core.language_models import BaseChatModel; "
    "t1 = time.perf_counter(); "
    "from langchain_cometgemini import ChatCometGemini; "
    "print(t1 - t0, time.perf_counter() - t0)"
)


def _paired_import() -> tuple[float, float] | None:
    """(BaseChatModel, BaseChatModel + ChatCometGemini) in one fresh interpreter.

    Two interpreters started one after the other differ by 10-20% in import
    time on a shared machine; in one interpreter the ratio is what the package
    adds on top of what any chat model must load.
    """
    out = _fresh_python(_PAIRED)
    if out is None:
        return None
    base, total = (float(x) for x in out.split())
    return base, total


def _rss(base: str, cfg: Config, with_c: bool) -> dict[str, Any]:
    out = {}
    for name in cfg.rss_variants:
        if name == "C" and not with_c:
            continue
        done = subprocess.run(
            [
                sys.executable,
                str(HERE / "run.py"),
                "--rss-child",
                name,
                "--base-url",
                base,
                "--calls",
                str(cfg.rss_calls),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0 and done.stdout.strip():
            out[name] = json.loads(done.stdout.strip().splitlines()[-1])
        else:
            out[name] = {"error": done.stderr[-500:]}
    return out


def _current_rss_kb() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def rss_child(name: str, base: str, calls: int) -> None:
    if name == "A":
        fn = V.Raw(base).calls(1024, 100).invoke
    else:
        model = {
            "D": lambda: V.floor_model(1024, 100),
            "E": lambda: V.cometgemini(base, 1024, 100),
            "C": lambda: V.google_genai(base, 1024, 100),
        }[name]()
        fn = V.model_calls(model).invoke
    checkpoints = {}
    marks = {100, 500, 1000, calls // 2, calls}
    for i in range(1, calls + 1):
        fn()
        if i in marks:
            checkpoints[str(i)] = _current_rss_kb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rss_kb": checkpoints, "peak_kb": peak}))


# -- main ----------------------------------------------------------------------


def _env() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    pkgs = {}
    for dist in (
        "langchain-core",
        "httpx",
        "httpx2",
        "httpx-sse",
        "pydantic",
        "langchain-google-genai",
        "google-genai",
        "langchain-cometgemini",
    ):
        try:
            pkgs[dist] = version(dist)
        except PackageNotFoundError:
            pkgs[dist] = None
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "langchain_cometgemini",
            "benchmarks",
            ":!benchmarks/results",
        ],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": pkgs,
        "git_commit": commit + ("+dirty" if dirty else ""),
        "when_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def sections(
    base: str, cfg: Config, with_c: bool
) -> dict[str, Callable[[], dict[str, Any]]]:
    """Every section, in run order (``--only`` / ``--skip`` pick from these)."""
    return {
        "sync": lambda: sync_section(base, cfg, with_c),
        "async": lambda: asyncio.run(_async_section(base, cfg, with_c)),
        "concurrency": lambda: asyncio.run(_concurrency(base, cfg, with_c)),
        "bursts": lambda: _bursts.run(base, cfg.burst_widths),
        "threads": lambda: _threads.run(
            base,
            workers=cfg.thread_workers,
            calls=cfg.thread_calls,
            rounds=cfg.thread_rounds,
        ),
        "batch": lambda: _batch.run(
            base,
            prompts=cfg.batch_prompts,
            jobs=cfg.batch_jobs,
            rounds=cfg.batch_rounds,
        ),
        "scaling": lambda: _scaling(base, cfg, with_c),
        "rss": lambda: _rss(base, cfg, with_c),
        "imports": lambda: _imports(cfg, with_c),
    }


SECTIONS = tuple(sections("", FULL, False))


def run(
    cfg: Config, quick: bool, with_c: bool, out_dir: Path, chosen: list[str]
) -> dict[str, Any]:
    proc, base = start_server()
    t0 = time.perf_counter()
    results: dict[str, Any] = {
        "env": _env(),
        "mode": "quick" if quick else "full",
        "sections": chosen,
        "config": asdict(cfg),
    }
    try:
        steps = sections(base, cfg, with_c)
        for name in chosen:
            s0 = time.perf_counter()
            print(
                f"[{time.perf_counter() - t0:6.1f}s] {name} ...",
                file=sys.stderr,
                flush=True,
            )
            results[name] = steps[name]()
            results.setdefault("section_seconds", {})[name] = time.perf_counter() - s0
    finally:
        stop_server(proc)
    results["seconds"] = time.perf_counter() - t0
    results["targets"] = targets(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    md = render(results)
    (out_dir / "latest.md").write_text(md)
    print(md)
    return results


def _pick(only: str | None, skip: str | None) -> list[str]:
    def names(arg: str) -> list[str]:
        got = [x.strip() for x in arg.split(",") if x.strip()]
        bad = [x for x in got if x not in SECTIONS]
        if bad:
            raise SystemExit(f"unknown section(s) {bad}; choose from {SECTIONS}")
        return got

    chosen = names(only) if only else list(SECTIONS)
    dropped = set(names(skip)) if skip else set()
    return [x for x in SECTIONS if x in chosen and x not in dropped]


def main() -> None:
    parser = argparse.ArgumentParser(description="ChatCometGemini benchmark")
    parser.add_argument(
        "--quick", action="store_true", help="every section with fewer calls"
    )
    parser.add_argument(
        "--only", help="comma-separated sections to run: " + ", ".join(SECTIONS)
    )
    parser.add_argument("--skip", help="comma-separated sections to leave out")
    parser.add_argument(
        "--no-c",
        action="store_true",
        help="skip langchain-google-genai even when installed",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=2000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child, args.base_url, args.calls)
        return
    with_c = not args.no_c and V.google_genai("http://127.0.0.1:1", 1, 1) is not None
    chosen = _pick(args.only, args.skip)
    run(QUICK if args.quick else FULL, args.quick, with_c, args.out, chosen)


if __name__ == "__main__":
    main()
