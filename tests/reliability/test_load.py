"""Load: many concurrent calls through one instance, big answers, flat memory.

The emulator runs in this process (its handler threads share the GIL with the
client), so the client's connection pool is shrunk to 8 through ``_client``'s
module constants: 1,000 concurrent calls still go through one instance and
queue in its pool, without drowning the emulator in threads.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import hashlib
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._http import client as _client
from langchain_cometgemini.errors import CometGeminiError, ServerError
from langchain_cometgemini.testing import GeminiEmulator, RecordedRequest, Reply

from .conftest import asettle, make_llm, merge, open_fds, settle

FAILURE_RATE = 20  # one attempt in 20 (5%) fails with a 503
MAX_RETRIES = 2


@pytest.fixture(autouse=True)
def small_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_client, "MAX_CONNECTIONS", 8)
    monkeypatch.setattr(_client, "MAX_KEEPALIVE", 8)


def fails(token: str, attempt: int) -> bool:
    """Deterministic pseudo-random 5% failure of one attempt for one token."""
    digest = hashlib.sha256(f"{token}#{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % FAILURE_RATE == 0


def expected_attempts(token: str) -> tuple[int, bool]:
    """(requests the client must make, whether the call succeeds)."""
    for attempt in range(MAX_RETRIES + 1):
        if not fails(token, attempt):
            return attempt + 1, True
    return MAX_RETRIES + 1, False


class FlakyEcho:
    """Echo the prompt's token, failing 5% of attempts with a 503."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> Any:
        token = request.text
        with self.lock:
            attempt = self.attempts[token]
            self.attempts[token] += 1
        if fails(token, attempt):
            return Reply.error(503, "The model is overloaded.", "UNAVAILABLE")
        text = f"Echo: {token}"
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 1,
                "candidatesTokenCount": 2,
                "totalTokenCount": 3,
            },
        }


def check_outcomes(tokens: list[str], results: list[Any], echo: FlakyEcho) -> None:
    """Each call got its own answer or a typed error; attempts exactly as due."""
    assert len(results) == len(tokens)
    check_outcomes_of(tokens, results, echo)
    assert set(echo.attempts) == set(tokens)
    retried = sum(1 for t in tokens if expected_attempts(t)[0] > 1)
    assert retried >= len(tokens) // 40  # the 5% faults really happened


async def test_1000_concurrent_ainvoke_through_one_instance(
    emu: GeminiEmulator,
) -> None:
    gc.collect()
    baseline = open_fds()
    echo = FlakyEcho()
    emu.responder = echo
    llm = make_llm(emu, timeout=120.0, max_retries=MAX_RETRIES)
    tokens = [
        f"req-{i:04d}-{hashlib.sha1(str(i).encode()).hexdigest()[:8]}"
        for i in range(1000)
    ]
    results = await asyncio.gather(
        *(llm.ainvoke(token) for token in tokens), return_exceptions=True
    )
    check_outcomes(tokens, results, echo)
    assert all(
        isinstance(r, CometGeminiError) or (isinstance(r, AIMessage) and r.id)
        for r in results
    )
    assert open_fds() <= baseline + 2 * 8 + 8  # the pool bounds the sockets
    await llm.aclose()
    assert await asettle(lambda: open_fds() <= baseline + 1), (open_fds(), baseline)


def invoke_or_error(llm: ChatCometGemini, token: str) -> Any:
    """One sync call's answer, or the typed error it raised (counted, not raised)."""
    try:
        return llm.invoke(token)
    except CometGeminiError as exc:
        return exc


def test_one_instance_from_16_threads(emu: GeminiEmulator, fd_baseline: int) -> None:
    echo = FlakyEcho()
    emu.responder = echo
    llm = make_llm(emu, timeout=120.0, max_retries=MAX_RETRIES)
    tokens = [f"thread-call-{i:04d}" for i in range(480)]

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(functools.partial(invoke_or_error, llm), tokens))
    check_outcomes(tokens, results, echo)
    llm.close()
    assert settle(lambda: open_fds() <= fd_baseline + 1), (open_fds(), fd_baseline)


def test_32_threads_on_a_pool_of_8_beside_a_cpu_hog(emu: GeminiEmulator) -> None:
    """The pool race (encode/httpcore#1110): no duplicate, no lost request."""
    import subprocess
    import sys

    echo = FlakyEcho()
    emu.responder = echo
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        for round_ in range(4):
            llm = make_llm(emu, timeout=120.0, max_retries=MAX_RETRIES)
            tokens = [f"race-{round_}-{i:04d}" for i in range(256)]

            with ThreadPoolExecutor(32) as pool:
                answer = functools.partial(invoke_or_error, llm)
                results = list(pool.map(answer, tokens))
            check_outcomes_of(tokens, results, echo)
            llm.close()
    finally:
        hog.kill()
        hog.wait()


def check_outcomes_of(tokens: list[str], results: list[Any], echo: FlakyEcho) -> None:
    """:func:`check_outcomes` for one round among several on the same echo."""
    for token, result in zip(tokens, results, strict=True):
        attempts, succeeds = expected_attempts(token)
        assert echo.attempts[token] == attempts, token  # none lost or duplicated
        if succeeds:
            assert not isinstance(result, BaseException), (token, result)
            assert result.text == f"Echo: {token}"
        else:
            assert isinstance(result, ServerError), (token, result)


@pytest.mark.parametrize("mode", ["astream"])
def test_10000_event_stream_completes(emu: GeminiEmulator, mode: str) -> None:
    words = [f"w{i}" for i in range(10_000)]
    emu.enqueue(Reply.text(" ".join(words), n_chunks=10_000))
    llm = make_llm(emu)
    if mode == "stream":
        chunks = list(llm.stream("long"))
    else:

        async def run() -> list[Any]:
            try:
                return [c async for c in llm.astream("long")]
            finally:
                await llm.aclose()

        chunks = asyncio.run(run())
    texts = [c.text for c in chunks if c.text]
    assert len(texts) == 10_000
    message = merge(chunks)
    assert message.text == " ".join(words)
    assert message.response_metadata["finish_reason"] == "STOP"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 10_000


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_5_mb_response_completes(emu: GeminiEmulator, mode: str) -> None:
    text = " ".join(f"word{i % 1000:03d}" for i in range(700_000))
    assert len(text) > 5_000_000
    emu.enqueue(Reply.text(text, n_chunks=40))
    llm = make_llm(emu)
    if mode == "invoke":
        answer = llm.invoke("big").text
    else:
        answer = merge(list(llm.stream("big"))).text
    assert answer == text


def rss_bytes() -> int:
    """Resident set size of this process."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_flat_across_5000_sequential_calls(emu: GeminiEmulator) -> None:
    """Live objects and RSS after call 2,000 vs after call 5,000."""
    emu.responder = lambda request: {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": request.text}]},
                "finishReason": "STOP",
            }
        ]
    }
    llm = make_llm(emu)

    def calls(start: int, stop: int) -> tuple[int, int]:
        for i in range(start, stop):
            assert llm.invoke(f"call {i}").text == f"call {i}"
            if i % 500 == 0:
                emu.clear()  # the emulator's own request log is not the client's
        emu.clear()
        gc.collect()
        return len(gc.get_objects()), rss_bytes()

    calls(0, 1000)
    objects_2000, rss_2000 = calls(1000, 2000)
    objects_5000, rss_5000 = calls(2000, 5000)
    assert objects_5000 - objects_2000 < 300, (objects_2000, objects_5000)
    assert rss_5000 - rss_2000 < 8 * 1024 * 1024, (rss_2000, rss_5000)
