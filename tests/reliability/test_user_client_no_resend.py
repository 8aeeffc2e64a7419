"""Through a user's own client, a success head that began is never sent again.

The clients built here note the first answer bytes on their sockets; a user's
``httpx``/``httpx2`` client is guarded as well, so a head cut inside its
headers, or a reset right after a ``200`` status line, is one request. A
kept-alive connection the server dropped before answering anything is still
retried (nothing arrived: the model cannot have run).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import CometGeminiError

from .conftest import MODES, merge
from .hostile import Seen, hostile, next_request, reset
from .test_connection_reuse import answer, model

CUT_HEADS = {
    "head cut mid-headers": (b"HTTP/1.1 200 OK\r\nContent-Ty", False),
    "reset after the status line": (b"HTTP/1.1 200 OK\r\n", True),
    "reset inside the status line": (b"HTTP/1.1 2", True),
}


def user_call(module: Any, llm_kwargs: dict[str, Any], mode: str) -> list[str]:
    """Two calls in ``mode`` through a fresh user client of ``module``."""
    if mode in ("invoke", "stream"):
        with module.Client() as client:
            llm = model(**llm_kwargs, http_client=client)
            return [_sync(llm, mode, p) for p in ("one", "two")]

    async def run() -> list[str]:
        async with module.AsyncClient() as client:
            llm = model(**llm_kwargs, http_async_client=client)
            return [await _async(llm, mode, p) for p in ("one", "two")]

    return asyncio.run(run())


def _sync(llm: ChatCometGemini, mode: str, prompt: str) -> str:
    if mode == "invoke":
        return llm.invoke(prompt).text
    return merge(list(llm.stream(prompt))).text


async def _async(llm: ChatCometGemini, mode: str, prompt: str) -> str:
    message: BaseMessage
    if mode == "ainvoke":
        message = await llm.ainvoke(prompt)
    else:
        message = merge([c async for c in llm.astream(prompt)])
    return message.text


@pytest.mark.parametrize("family", ["httpx", "httpx2"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(CUT_HEADS))
def test_a_cut_success_head_through_a_users_client_is_not_sent_again(
    family: str, mode: str, case: str
) -> None:
    module: Any = pytest.importorskip(family)
    data, then_reset = CUT_HEADS[case]

    def script(conn: socket.socket, seen: Seen) -> None:
        conn.sendall(data)
        if then_reset:
            reset(conn)

    with hostile(script) as server:
        with pytest.raises(CometGeminiError):
            user_call(module, {"base_url": server.base_url}, mode)
    assert server.requests == 1


@pytest.mark.parametrize("family", ["httpx", "httpx2"])
@pytest.mark.parametrize("mode", MODES)
def test_a_kept_alive_connection_dropped_before_answering_is_retried(
    family: str, mode: str
) -> None:
    """The second call's connection closes unanswered; a new one answers it."""
    module: Any = pytest.importorskip(family)
    log: list[Seen] = []

    def script(conn: socket.socket, first: Seen) -> None:
        log.append(first)
        conn.sendall(answer(first))
        if len(log) == 1:
            dropped = next_request(conn)  # read, then closed without a byte
            if dropped is not None:
                log.append(dropped)

    with hostile(script) as server:
        texts = user_call(module, {"base_url": server.base_url}, mode)
    assert texts == ["answer to one", "answer to two"]
    assert len(log) == 3


@pytest.mark.parametrize("family", ["httpx", "httpx2"])
def test_a_connection_pooled_before_the_model_got_the_client_is_guarded(
    family: str,
) -> None:
    """The user's own request pools a connection; the model's call reuses it."""
    module: Any = pytest.importorskip(family)

    def script(conn: socket.socket, first: Seen) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        if next_request(conn) is not None:
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            reset(conn)

    with hostile(script) as server, module.Client() as client:
        client.post(server.base_url + "/warm", content=b"{}")
        llm = model(server.base_url, http_client=client)
        with pytest.raises(CometGeminiError):
            llm.invoke("one")
        assert server.requests == 1  # one connection: a retry would open another
