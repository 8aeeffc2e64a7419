"""An async deadline is a connect timeout only while no request byte was written.

Async attempts run under ``asyncio.timeout``; whether the deadline fired while
connecting (a ``ConnectTimeoutError``, retried) or after the request began to
go out (a ``RequestTimeoutError``: the model may have run, never sent again)
is read from the sockets: the clients built here and a user's pooled
``httpx``/``httpx2`` client note their writes, and a client whose sockets
cannot be hooked (a custom transport) reports it through httpcore's ``trace``
hook. Each kind is tried against a server that reads the request and never
answers, and against a TLS handshake that never completes.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx2
import pytest

from langchain_cometgemini.errors import ConnectTimeoutError, RequestTimeoutError

from .hostile import Seen, hostile
from .test_deployment import model, silent_listener

CLIENTS = ("built", "httpx2 client", "httpx client", "custom transport")


class _Wrapping(httpx2.AsyncBaseTransport):
    """A custom transport: its pool is out of sight, so its sockets are not."""

    def __init__(self) -> None:
        self.inner = httpx2.AsyncHTTPTransport(verify=False)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _client(kind: str) -> Any:
    if kind == "httpx2 client":
        return httpx2.AsyncClient(verify=False)
    if kind == "httpx client":
        httpx: Any = pytest.importorskip("httpx")
        return httpx.AsyncClient(verify=False)
    if kind == "custom transport":
        return httpx2.AsyncClient(transport=_Wrapping())
    return None


def _ainvoke(base_url: str, kind: str) -> None:
    async def run() -> None:
        client = _client(kind)
        extra = {} if client is None else {"http_async_client": client}
        llm = model(base_url, timeout=0.5, max_retries=1, **extra)
        try:
            await llm.ainvoke("hi")
        finally:
            if client is not None:
                await client.aclose()
            await llm.aclose()

    asyncio.run(run())


def _never_answers(conn: socket.socket, seen: Seen) -> None:
    conn.settimeout(10)
    try:
        conn.recv(1)  # until the client hangs up
    except OSError:
        pass


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_deadline_after_the_request_was_written_is_not_a_connect_timeout(
    kind: str,
) -> None:
    with hostile(_never_answers) as server:
        with pytest.raises(RequestTimeoutError) as info:
            _ainvoke(server.base_url, kind)
    assert not isinstance(info.value, ConnectTimeoutError)
    assert server.requests == 1  # the model may have run: never sent again


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_deadline_in_a_stalled_handshake_is_a_connect_timeout(kind: str) -> None:
    with silent_listener() as (url, held):
        with pytest.raises(ConnectTimeoutError):
            _ainvoke(url, kind)
        assert len(held) == 2  # nothing was written: retried once
