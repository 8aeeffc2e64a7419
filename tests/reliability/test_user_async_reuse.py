"""A user's own async client gets the same guard as the clients built here.

Bytes that trail a complete answer (a second answer in the same write, a
stray CRLF, chunked framing with a ``Content-Length`` spanning more) must
never become another call's answer, whichever client carries the calls. Many
``ainvoke``/``astream`` callers share the user's ``AsyncClient``; the server
matches every answer to its prompt, so a crossed answer shows.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from langchain_cometgemini import ChatCometGemini

from .hostile import Seen, hostile, kept_alive, prompt_of
from .test_connection_reuse import (
    answer,
    chunked_covering_another,
    model,
    text_of,
    with_stale_answer,
    with_stray_crlf,
)

TRAILERS = [with_stale_answer, with_stray_crlf, chunked_covering_another]


async def _one(llm: ChatCometGemini, mode: str, prompt: str) -> tuple[str, str]:
    if mode == "ainvoke":
        return prompt, text_of(await llm.ainvoke(prompt))
    return prompt, "".join([c.text async for c in llm.astream(prompt)])


@pytest.mark.parametrize("family", ["httpx", "httpx2"])
@pytest.mark.parametrize("mode", ["ainvoke", "astream"])
@pytest.mark.parametrize("trailer", TRAILERS)
def test_a_users_async_client_never_hands_on_trailing_bytes(
    family: str, mode: str, trailer: Any
) -> None:
    module: Any = pytest.importorskip(family)
    log: list[Seen] = []
    lock = threading.Lock()

    def script_answer(seen: Seen) -> bytes:
        with lock:
            inject = len(log) % 3 == 1
        return trailer(seen) if inject else answer(seen)

    async def run(base_url: str) -> dict[str, str]:
        async with module.AsyncClient() as client:
            llm = model(base_url, http_async_client=client)
            pairs = []
            for wave in range(4):
                prompts = [f"w{wave}-c{i}" for i in range(8)]
                pairs += await asyncio.gather(*(_one(llm, mode, p) for p in prompts))
            return dict(pairs)

    with hostile(kept_alive(script_answer, log)) as server:
        got = asyncio.run(run(server.base_url))
    assert {p: t for p, t in got.items() if t != f"answer to {p}"} == {}
    assert sorted(prompt_of(seen) for seen in log) == sorted(got)
