"""A kept-alive connection holding bytes after a complete answer is never reused.

A server, or a broken proxy in front of it, may write more than one answer:
a second complete ``HTTP/1.1 200`` right after the first in the same write, a
stray CRLF after a body, or a chunked body whose ``Content-Length`` also covers
an appended answer (RFC 9112 section 6.3: such a connection must be closed).
h11 keeps whatever follows a complete response in its receive buffer (that is
how it supports pipelining), and httpcore2 2.17 puts the connection back in
its pool without looking at that buffer (its reuse check only asks whether the
*socket* is readable), so the next call on it would read the stale answer.
No upstream issue about this was found for httpcore, httpcore2 or h11 (other
clients treat it as a bug: curl/curl#5440, oven-sh/bun#37438). The package
closes such a connection instead (``_http/pool.py``).

The server matches every answer to its prompt, so a crossed answer shows.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import weakref
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._http.pool import _MARK
from tests.support import make_model

from .conftest import MODES, call
from .hostile import (
    KEY,
    OK_BODY,
    Seen,
    event,
    hostile,
    keep_alive_response,
    kept_alive,
    prompt_of,
    sse,
)


def model(base_url: str, **kwargs: Any) -> ChatCometGemini:
    return make_model(base_url, **{"api_key": KEY, "max_retries": 2, **kwargs})


def answer_body(text: str, stream: bool) -> bytes:
    if stream:
        return sse(event(text, finish=True))
    body = json.loads(json.dumps(OK_BODY))
    body["candidates"][0]["content"]["parts"][0]["text"] = text
    return json.dumps(body).encode()


def answer(seen: Seen, text: str | None = None) -> bytes:
    stream = b"alt=sse" in seen.head
    body = answer_body(f"answer to {prompt_of(seen) if text is None else text}", stream)
    ctype = "text/event-stream" if stream else "application/json"
    return keep_alive_response(body, ctype)


def with_stale_answer(seen: Seen) -> bytes:
    """The right answer, then a complete unrequested one, in one write."""
    return answer(seen) + answer(seen, "STALE")


def with_stray_crlf(seen: Seen) -> bytes:
    return answer(seen) + b"\r\n"


def chunked_covering_another(seen: Seen) -> bytes:
    """Chunked framing, plus a Content-Length that also spans an appended answer."""
    stream = b"alt=sse" in seen.head
    body = answer_body(f"answer to {prompt_of(seen)}", stream)
    extra = answer(seen, "STALE")
    ctype = b"text/event-stream" if stream else b"application/json"
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\n"
        b"Transfer-Encoding: chunked\r\n"
        b"Content-Length: %d\r\n\r\n" % (len(chunked) + len(extra)) + chunked + extra
    )


def text_of(message: BaseMessage) -> str:
    return message.text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "first", [with_stale_answer, with_stray_crlf, chunked_covering_another]
)
def test_bytes_after_an_answer_never_reach_the_next_call(mode: str, first: Any) -> None:
    log: list[Seen] = []

    def script_answer(seen: Seen) -> bytes:
        return first(seen) if len(log) == 1 else answer(seen)

    with hostile(kept_alive(script_answer, log)) as server:
        llm = model(server.base_url)
        if mode in ("ainvoke", "astream"):
            texts = asyncio.run(_two_async_calls(llm, mode))
        else:
            texts = [text_of(call(llm, mode, "one")), text_of(call(llm, mode, "two"))]
        llm.close()
    assert texts == ["answer to one", "answer to two"]
    assert [prompt_of(seen) for seen in log] == ["one", "two"]


async def _two_async_calls(llm: ChatCometGemini, mode: str) -> list[str]:
    """Two calls in one loop, so the second could reuse the first's connection."""
    texts: list[str] = []
    try:
        for prompt in ("one", "two"):
            if mode == "ainvoke":
                texts.append(text_of(await llm.ainvoke(prompt)))
            else:
                texts.append("".join([c.text async for c in llm.astream(prompt)]))
    finally:
        await llm.aclose()
    return texts


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_threads_sharing_a_pool_each_get_their_own_answer(mode: str) -> None:
    """8 threads x 12 calls; every fifth answer carries an unrequested one."""
    log: list[Seen] = []
    lock = threading.Lock()

    def script_answer(seen: Seen) -> bytes:
        with lock:
            inject = len(log) % 5 == 0
        return with_stale_answer(seen) if inject else answer(seen)

    with hostile(kept_alive(script_answer, log)) as server:
        llm = model(server.base_url)
        got: dict[str, str] = {}

        def worker(n: int) -> None:
            for i in range(12):
                prompt = f"t{n}-c{i}"
                got[prompt] = text_of(call(llm, mode, prompt))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        llm.close()
    assert len(got) == 96
    crossed = {p: t for p, t in got.items() if t != f"answer to {p}"}
    assert crossed == {}
    assert sorted(prompt_of(seen) for seen in log) == sorted(got)


def test_concurrent_async_calls_each_get_their_own_answer() -> None:
    log: list[Seen] = []

    def script_answer(seen: Seen) -> bytes:
        inject = len(log) % 5 == 0
        return with_stale_answer(seen) if inject else answer(seen)

    async def run(llm: ChatCometGemini) -> dict[str, str]:
        async def one(prompt: str) -> tuple[str, str]:
            return prompt, text_of(await llm.ainvoke(prompt))

        try:
            pairs = []
            for wave in range(6):
                prompts = [f"w{wave}-c{i}" for i in range(16)]
                pairs += await asyncio.gather(*(one(p) for p in prompts))
            return dict(pairs)
        finally:
            await llm.aclose()

    with hostile(kept_alive(script_answer, log)) as server:
        got = asyncio.run(run(model(server.base_url)))
    assert {p: t for p, t in got.items() if t != f"answer to {p}"} == {}
    assert len(log) == len(got) == 96


@pytest.mark.parametrize("family", ["httpx", "httpx2"])
def test_a_users_own_client_is_guarded_too(family: str) -> None:
    module: Any = pytest.importorskip(family)
    log: list[Seen] = []

    def script_answer(seen: Seen) -> bytes:
        return with_stale_answer(seen) if len(log) == 1 else answer(seen)

    with hostile(kept_alive(script_answer, log)) as server, module.Client() as client:
        llm = model(server.base_url, http_client=client)
        texts = [text_of(llm.invoke("one")), text_of(llm.invoke("two"))]
    assert texts == ["answer to one", "answer to two"]
    assert len(log) == 2


def test_the_guard_is_installed_on_the_pooled_connection() -> None:
    """The hook relies on httpcore2 internals: prove it is in place."""
    log: list[Seen] = []
    with hostile(kept_alive(answer, log)) as server:
        llm = model(server.base_url)
        llm.invoke("one")
        pool = llm._engine().client._transport._pool
        inner = [c._connection for c in pool.connections]
        llm.close()
    assert inner and all(c.__dict__.get(_MARK) for c in inner)


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_guarded_connection_is_freed_without_the_garbage_collector(
    mode: str,
) -> None:
    """The guard holds its connection weakly: no reference cycle through it.

    A pool turns over many connections in a burst (only the keep-alive limit
    stays); a connection that referred to itself through its guard waited for
    the collector, and every collection took longer.
    """
    log: list[Seen] = []
    with hostile(kept_alive(answer, log)) as server:
        llm = model(server.base_url)
        gc.collect()
        gc.disable()
        try:
            if mode == "invoke":
                llm.invoke("one")
                pools = [llm._engine().client._transport._pool]
            else:

                async def run() -> list[weakref.ref[Any]]:
                    await llm.ainvoke("one")
                    pool = llm._engine().async_client._transport._pool
                    found = [weakref.ref(c._connection) for c in pool.connections]
                    await llm.aclose()
                    return found

                refs = asyncio.run(run())
            if mode == "invoke":
                refs = [weakref.ref(c._connection) for c in pools[0].connections]
                llm.close()
                del pools
            assert refs and all(r() is None for r in refs)
        finally:
            gc.enable()
