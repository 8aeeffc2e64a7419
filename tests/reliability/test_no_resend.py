"""Once a byte of a success answer arrived, the request is never sent again.

A success head (or any head the HTTP parser refuses) means the model may have
run and billed; a retry could bill it again. Failures a retry cannot change
(TLS verification, a proxy's 407 on CONNECT) are not retried either. Each
case is one raw-socket script; the server counts the requests.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._http import sockets
from langchain_cometgemini.errors import (
    APIConnectionError,
    CometGeminiError,
    InvalidResponseError,
    ServerError,
)
from tests.support import make_model

from .conftest import MODES, STREAM_MODES, call
from .hostile import (
    KEY,
    OK_BODY,
    Seen,
    event,
    gzipped,
    head,
    hostile,
    prompt_of,
    reset,
    sse,
)


def model(base_url: str, **kwargs: Any) -> ChatCometGemini:
    return make_model(base_url, **{"api_key": KEY, "max_retries": 2, **kwargs})


BODY = json.dumps(OK_BODY).encode()


def raw(data: bytes, then_reset: bool = False) -> Any:
    def script(conn: socket.socket, seen: Seen) -> None:
        conn.sendall(data)
        if then_reset:
            reset(conn)

    return script


HEADS: dict[str, bytes | tuple[bytes, bool]] = {
    "illegal header line": (
        b"HTTP/1.1 200 OK\r\nbad line\r\nContent-Length: 2\r\n\r\n{}"
    ),
    "conflicting lengths": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}"
    ),
    "head cut mid-headers": b"HTTP/1.1 200 OK\r\nContent-Ty",
    "reset after the status line": (b"HTTP/1.1 200 OK\r\n", True),
    "reset after the headers": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200\r\n\r\n",
        True,
    ),
    "transfer-encoding twice": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    ),
    "gzip, chunked": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n"
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(HEADS))
def test_a_refused_success_head_is_not_sent_again(mode: str, case: str) -> None:
    found = HEADS[case]
    data, then_reset = (found, False) if isinstance(found, bytes) else found
    with hostile(raw(data, then_reset)) as server:
        with pytest.raises(CometGeminiError):
            call(model(server.base_url), mode)
    assert server.requests == 1


SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
)
ERROR_EVENT = {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}


@pytest.mark.parametrize("mode", STREAM_MODES)
@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (raw(SSE_HEAD + sse(event("a"), ERROR_EVENT)), ServerError),
        (raw(SSE_HEAD + sse(ERROR_EVENT)), ServerError),
        (raw(SSE_HEAD), CometGeminiError),
        (raw(SSE_HEAD + sse(event("a"))[:12], then_reset=True), CometGeminiError),
        (
            raw(
                SSE_HEAD.replace(b"\r\n\r\n", b"\r\nContent-Encoding: gzip\r\n\r\n")
                + gzipped(sse(event("a", finish=True)))[:12]
                + b"\x00" * 40
            ),
            InvalidResponseError,
        ),
    ],
    ids=[
        "event then 503",
        "503 event first",
        "head then close",
        "cut then reset",
        "gz",
    ],
)
def test_a_stream_whose_head_arrived_is_not_sent_again(
    mode: str, script: Any, expected: type[Exception]
) -> None:
    with hostile(script) as server:
        with pytest.raises(expected):
            call(model(server.base_url), mode)
    assert server.requests == 1


@contextmanager
def plain_http_listener() -> Iterator[tuple[str, list[bytes]]]:
    """Answers whatever arrives (a TLS hello) with plain HTTP, then closes."""
    sock = socket.create_server(("127.0.0.1", 0))
    hellos: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                hellos.append(conn.recv(65536))
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{sock.getsockname()[1]}", hellos
    finally:
        sock.close()


@pytest.mark.parametrize("mode", MODES)
def test_plain_http_on_an_https_url_fails_once_saying_how_to_fix(mode: str) -> None:
    with plain_http_listener() as (url, hellos):
        with pytest.raises(APIConnectionError) as info:
            call(model(url), mode)
    assert len(hellos) == 1
    assert "SSL_CERT_FILE" in str(info.value) and "verify=" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_a_proxys_407_on_connect_is_not_retried(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
    with hostile(raw(refuse)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.base_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with pytest.raises(CometGeminiError) as info:
            call(model("https://gemini.example.test"), mode)
        assert proxy.requests == 1
        assert proxy.seen[0].head.startswith(b"CONNECT ")
    assert "407" in str(info.value) and "proxy" in str(info.value).lower()


@pytest.mark.parametrize("mode", ["ainvoke", "astream"])
def test_concurrent_tasks_each_keep_their_own_answer_head(mode: str) -> None:
    """Heads noted per task: a cut success is never resent, a 503 beside it is.

    Every first request is held until all have arrived, so the success heads
    and the 503s reach sockets of tasks that are all in flight at once: a
    head noted for the wrong task would stop a 503 from being retried, or let
    a cut success be sent again.
    """
    pairs = 4
    first = threading.Barrier(2 * pairs, timeout=10)
    counts: dict[str, int] = {}
    lock = threading.Lock()
    body = b'{"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}}'
    status = head("503 Service Unavailable", length=len(body)) + body
    sse_head = SSE_HEAD + sse(event("fine", finish=True))

    def script(conn: socket.socket, seen: Seen) -> None:
        prompt = prompt_of(seen)
        with lock:
            counts[prompt] = counts.get(prompt, 0) + 1
            again = counts[prompt] > 1
        if again:  # a retried 503: the answer
            answer = sse_head if mode == "astream" else reply_bytes(BODY)
            conn.sendall(answer)
            return
        first.wait()
        if prompt.startswith("cut"):
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            time.sleep(0.05)
            reset(conn)
        else:
            time.sleep(0.02)
            conn.sendall(status)

    async def run(llm: ChatCometGemini) -> list[Any]:
        async def one(prompt: str) -> Any:
            if mode == "ainvoke":
                return await llm.ainvoke(prompt)
            return [chunk async for chunk in llm.astream(prompt)]

        prompts = [f"{kind}-{i}" for i in range(pairs) for kind in ("cut", "busy")]
        found = await asyncio.gather(*map(one, prompts), return_exceptions=True)
        return list(zip(prompts, found, strict=True))

    with hostile(script) as server:
        results = asyncio.run(run(model(server.base_url)))
    for prompt, found in results:
        if prompt.startswith("cut"):
            assert isinstance(found, CometGeminiError), (prompt, found)
            assert counts[prompt] == 1, prompt
        else:
            assert not isinstance(found, BaseException), (prompt, found)
            assert counts[prompt] == 2, prompt
    assert sockets._ARRIVALS == {}  # every attempt's entry left with it


def reply_bytes(data: bytes) -> bytes:
    return head(length=len(data)) + data
