"""Shared helpers for the reliability suite: one call helper for all four modes.

Every test here drives ``ChatCometGemini`` through the local emulator over a
real socket. The retry backoff is shrunk through ``_http.retry``'s module-level
defaults (read when the model builds its ``RetryPolicy``), so storms of
retries take milliseconds while the model's own ``max_retries`` wiring is what
is under test. Server-requested delays are kept small by the tests themselves.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, BaseMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._http import retry as _retry
from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model

MODES = ("invoke", "ainvoke", "stream", "astream")
STREAM_MODES = ("stream", "astream")


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Millisecond backoff for every model built in a test."""
    monkeypatch.setattr(_retry, "DEFAULT_INITIAL_DELAY", 0.001)
    monkeypatch.setattr(_retry, "DEFAULT_MAX_DELAY", 0.004)


def make_llm(emu: GeminiEmulator, **kwargs: Any) -> ChatCometGemini:
    """``make_model`` with the package's own retry count (2): retries are under test."""
    return make_model(emu, **{"max_retries": 2, **kwargs})


def merge(chunks: list[Any]) -> AIMessageChunk:
    """Sum stream chunks (fails loudly on an empty stream)."""
    assert chunks, "the stream yielded nothing"
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    return total


def call(
    llm: ChatCometGemini, mode: str, prompt: Any = "hi", **kwargs: Any
) -> BaseMessage:
    """Run one call in ``mode``; async modes get their own loop, closed after."""
    if mode == "invoke":
        return llm.invoke(prompt, **kwargs)
    if mode == "stream":
        return merge(list(llm.stream(prompt, **kwargs)))

    async def run() -> BaseMessage:
        try:
            if mode == "ainvoke":
                return await llm.ainvoke(prompt, **kwargs)
            return merge([c async for c in llm.astream(prompt, **kwargs)])
        finally:
            await llm.aclose()

    return asyncio.run(run())


def collect(
    llm: ChatCometGemini, mode: str, prompt: Any = "hi"
) -> tuple[list[str], BaseException | None]:
    """Stream in ``mode`` and return (texts seen, the error raised or None)."""
    seen: list[str] = []
    if mode == "stream":
        try:
            for chunk in llm.stream(prompt):
                seen.append(chunk.text)
        except Exception as exc:  # noqa: BLE001 - returned for assertions
            return seen, exc
        return seen, None

    async def run() -> BaseException | None:
        try:
            async for chunk in llm.astream(prompt):
                seen.append(chunk.text)
        except Exception as exc:  # noqa: BLE001 - returned for assertions
            return exc
        finally:
            await llm.aclose()
        return None

    return seen, asyncio.run(run())


def open_fds() -> int:
    """Number of open file descriptors of this process."""
    return len(os.listdir("/proc/self/fd"))


def settle(predicate: Callable[[], bool], limit: float = 5.0) -> bool:
    """Poll ``predicate`` (with gc) until true or ``limit`` seconds pass."""
    deadline = time.monotonic() + limit
    while True:
        gc.collect()
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


async def asettle(predicate: Callable[[], bool], limit: float = 5.0) -> bool:
    """:func:`settle` that lets the running event loop work while it waits."""
    deadline = time.monotonic() + limit
    while True:
        gc.collect()
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)


@pytest.fixture
def fd_baseline() -> Iterator[int]:
    """Open fds before the test (after a gc)."""
    gc.collect()
    yield open_fds()
