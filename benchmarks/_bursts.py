"""Bursts of concurrent calls, every burst timed (how the engine and pool were chosen).

For each width (200, then 1,000), every variant gets a fresh client (or a fresh
model) and fires ``bursts`` consecutive bursts of ``width`` concurrent calls
(one ``asyncio.gather``); the wall time and client CPU of every burst are kept,
not only a median. Variants take turns burst by burst (burst 1 of every variant,
then burst 2, ...; the order rotates by one each burst), so a slow moment of the
machine hits all of them alike.

Variants:

* ``raw httpx P/K`` and ``raw httpx2 P/K``: a raw ``AsyncClient`` of that family
  with ``max_connections=P`` and ``max_keepalive_connections=K``, doing A's call
  (POST + ``json.loads``), at 256/256, 100/20 and the package's own setting
  (``langchain_cometgemini._http.client.MAX_CONNECTIONS`` / ``MAX_KEEPALIVE``);
* ``E``: ``ChatCometGemini.ainvoke`` with the clients the package builds;
* ``D``: LangChain's fixed cost, the no-network ``BaseChatModel`` of
  ``_variants.floor_model`` (``ainvoke``, no HTTP at all).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import _variants as V

Series = tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]
"""One series' ``(call, close)``: built fresh for each width."""


def pools() -> dict[str, tuple[int, int]]:
    """Pool settings measured: 256/256, 100/20 and the package's (labelled)."""
    from langchain_cometgemini._http import client as _client

    found = {"256/256": (256, 256), "100/20": (100, 20)}
    own = (_client.MAX_CONNECTIONS, _client.MAX_KEEPALIVE)
    label = f"{own[0]}/{own[1]}"
    if label in found:
        found[f"{label} (package)"] = found.pop(label)
    else:
        found[f"{label} (package)"] = own
    return found


def _raw(module_name: str, limits: tuple[int, int], base: str) -> Callable[[], Series]:
    module = importlib.import_module(module_name)
    url = f"{base}/v1beta/models/{V.model_name(1024, 100)}:generateContent"

    def make() -> Series:
        client = module.AsyncClient(
            limits=module.Limits(
                max_connections=limits[0], max_keepalive_connections=limits[1]
            ),
            timeout=120,
        )

        async def call() -> Any:
            content = json.dumps(V.BODY).encode()
            response = await client.post(url, content=content, headers=V.HEADERS)
            return json.loads(response.content)

        return call, client.aclose

    return make


def _model(build: Callable[[], Any]) -> Callable[[], Series]:
    def make() -> Series:
        llm = build()

        async def call() -> Any:
            return await llm.ainvoke(V.PROMPT)

        async def close() -> None:
            aclose = getattr(llm, "aclose", None)
            if aclose is not None:
                await aclose()

        return call, close

    return make


def variants(base: str) -> dict[str, Callable[[], Series]]:
    """Every variant's factory of a fresh ``(call, close)``."""
    found = {
        "E": _model(lambda: V.cometgemini(base, 1024, 100)),
        "D": _model(lambda: V.floor_model(1024, 100)),
    }
    for module in ("httpx", "httpx2"):
        for label, limits in pools().items():
            found[f"raw {module} {label}"] = _raw(module, limits, base)
    return found


async def _series(base: str, width: int, bursts: int) -> dict[str, dict[str, Any]]:
    made = {name: make() for name, make in variants(base).items()}
    names = list(made)
    out: dict[str, dict[str, Any]] = {
        n: {"wall_ms": [], "cpu_ms": [], "errors": 0} for n in names
    }
    clock, cpu = time.perf_counter, time.process_time
    try:
        for i in range(bursts):
            for name in names[i % len(names) :] + names[: i % len(names)]:
                call = made[name][0]
                w0, c0 = clock(), cpu()
                done = await asyncio.gather(
                    *(call() for _ in range(width)), return_exceptions=True
                )
                c1, w1 = cpu(), clock()
                out[name]["wall_ms"].append((w1 - w0) * 1e3)
                out[name]["cpu_ms"].append((c1 - c0) * 1e3)
                out[name]["errors"] += sum(isinstance(x, BaseException) for x in done)
    finally:
        for _, close in made.values():
            await close()
    return out


def run(base: str, widths: tuple[tuple[int, int], ...]) -> dict[str, Any]:
    """``{str(width): {variant: {wall_ms: [...], cpu_ms: [...], errors}}}``.

    ``widths``: ``(width, bursts)`` pairs; each width is a new series (fresh
    clients and models) in a fresh event loop.
    """
    return {
        str(width): asyncio.run(_series(base, width, bursts))
        for width, bursts in widths
    }
