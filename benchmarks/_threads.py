"""Sync use from many threads on one model: duplicates, hangs, CPU.

``workers`` threads share one model (or one raw client) and make ``calls`` sync
calls between them, each prompt tagged ``bench-id-<i>``. The server counts the
requests it answered and every tag it saw (``GET /_stats``, see server.py), so a
request the client sent twice (the httpcore pool race) shows as a duplicated id,
and a call still running after the deadline counts as a hang. Client CPU per
call is ``time.process_time`` of the whole process (all threads) over the calls.

Variants (they take turns round by round, each round a fresh model / client,
warmed up with ``workers`` untimed calls, then the server's tally is reset):

* ``E``: ``ChatCometGemini.invoke`` with the clients the package builds;
* ``raw httpx2``: a raw ``httpx2.Client`` with the package's pool settings doing
  A's call (POST + ``json.loads``): the verdict's floor;
* ``raw httpx``: the same with ``httpx.Client`` (information: the duplicates it
  produces are counted too);
* ``D``: LangChain's no-network floor model (``invoke``), for ``E/(raw + D)``.
"""

from __future__ import annotations

import importlib
import itertools
import json
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import _variants as V


def _stats(base: str, action: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/_{action}", timeout=30) as response:
        return json.loads(response.read())


def _raw(module_name: str, base: str) -> Callable[[], tuple[Any, Any]]:
    from langchain_cometgemini._http import client as _client

    module = importlib.import_module(module_name)
    url = f"{base}/v1beta/models/{V.model_name(1024, 100)}:generateContent"

    def make() -> tuple[Callable[[int], Any], Callable[[], None]]:
        client = module.Client(
            limits=module.Limits(
                max_connections=_client.MAX_CONNECTIONS,
                max_keepalive_connections=_client.MAX_KEEPALIVE,
            ),
            timeout=120,
        )

        def call(i: int) -> Any:
            body = {"contents": [{"role": "user", "parts": [{"text": _prompt(i)}]}]}
            content = json.dumps(body).encode()
            response = client.post(url, content=content, headers=V.HEADERS)
            response.raise_for_status()
            return json.loads(response.content)

        return call, client.close

    return make


def _model(build: Callable[[], Any]) -> Callable[[], tuple[Any, Any]]:
    def make() -> tuple[Callable[[int], Any], Callable[[], None]]:
        llm = build()

        def call(i: int) -> Any:
            return llm.invoke(_prompt(i))

        return call, getattr(llm, "close", lambda: None)

    return make


def _prompt(i: int) -> str:
    return f"bench-id-{i} {V.PROMPT}"


def variants(base: str) -> dict[str, tuple[Callable[[], tuple[Any, Any]], bool]]:
    """name -> (factory of ``(call, close)``, goes to the server)."""
    return {
        "E": (_model(lambda: V.cometgemini(base, 1024, 100)), True),
        "raw httpx2": (_raw("httpx2", base), True),
        "raw httpx": (_raw("httpx", base), True),
        "D": (_model(lambda: V.floor_model(1024, 100)), False),
    }


def _drive(
    call: Callable[[int], Any], ids: range, workers: int, deadline: float
) -> tuple[int, int]:
    """Run ``call(i)`` for every id from ``workers`` daemon threads.

    Returns ``(failed, still_running)``; threads still running after
    ``deadline`` seconds are left behind (daemon) and counted as hung.
    """
    pending = iter(ids)
    lock = threading.Lock()
    failed = 0

    def worker() -> None:
        nonlocal failed
        while True:
            with lock:
                i = next(pending, None)
            if i is None:
                return
            try:
                call(i)
            except Exception:  # noqa: BLE001 - counted, not raised
                with lock:
                    failed += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    end = time.monotonic() + deadline
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    return failed, sum(t.is_alive() for t in threads)


def run(
    base: str, *, workers: int, calls: int, rounds: int, deadline: float = 300.0
) -> dict[str, Any]:
    """Per variant: CPU per call (median over rounds), wall, and the tallies."""
    found = variants(base)
    out: dict[str, dict[str, Any]] = {
        n: {"cpu_us": [], "wall_s": [], "failed": 0, "hung": 0, "duplicated": 0}
        | ({"requests": 0, "missing": 0} if net else {})
        for n, (_, net) in found.items()
    }
    tags = itertools.count()
    for _ in range(rounds):
        for name, (make, net) in found.items():
            call, close = make()
            _drive(call, range(10**9, 10**9 + workers), workers, deadline)  # warm-up
            if net:
                _stats(base, "reset")
            first = next(tags) * calls
            ids = range(first, first + calls)
            cpu, wall = time.process_time(), time.perf_counter()
            failed, hung = _drive(call, ids, workers, deadline)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            row = out[name]
            row["cpu_us"].append(cpu / calls * 1e6)
            row["wall_s"].append(wall)
            row["failed"] += failed
            row["hung"] += hung
            if net:
                seen = _stats(base, "stats")
                row["requests"] += seen["requests"]
                row["duplicated"] += sum(n - 1 for n in seen["duplicated"].values())
                row["missing"] += max(0, calls - seen["tagged"])
            if not hung:
                close()
    for row in out.values():
        row["cpu_us_median"] = statistics.median(row["cpu_us"])
        row["calls"] = calls * rounds
    return {"workers": workers, "calls_per_round": calls, "rounds": rounds} | out
