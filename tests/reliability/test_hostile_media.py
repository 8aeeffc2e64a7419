"""Media URL downloads from a raw-socket server: bounded bytes, bounded time.

A compressed body that would inflate past ``media_max_bytes`` is refused
(identity is asked for and counted as it arrives), a dripping server cannot
hold a download past ``timeout``, and nothing reaches Gemini in either case.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import zlib
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_cometgemini.errors import MediaFetchError
from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model

from .conftest import MODES, call, make_llm
from .hostile import OK_BODY, Seen, drip, event, head, hostile, reply, sse

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def image_message(url: str) -> list[HumanMessage]:
    return [
        HumanMessage(
            content=[
                {"type": "text", "text": "What is this?"},
                {"type": "image", "url": url},
            ]
        )
    ]


def bomb(encoding: str) -> bytes:
    data = PNG + b"\x00" * (64 * 1024 * 1024)  # 64 MB of zeros, tiny compressed
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=9)
    return zlib.compress(data, 9)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_a_compression_bomb_is_refused_before_it_inflates(
    emu: GeminiEmulator, mode: str, encoding: str
) -> None:
    body = bomb(encoding)
    assert len(body) < 1024 * 1024
    media = reply(body, content_type="image/png", extra={"Content-Encoding": encoding})
    with hostile(media) as server:
        llm = make_llm(emu, allow_private_media_urls=True, media_max_bytes=1_000_000)
        with pytest.raises(MediaFetchError, match="compressed"):
            call(llm, mode, image_message(f"{server.base_url}/bomb.png"))
        assert server.seen[0].headers.get("accept-encoding") == "identity"
    assert emu.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_an_identity_body_past_the_cap_is_refused(
    emu: GeminiEmulator, mode: str
) -> None:
    def unbounded(conn: socket.socket, seen: Seen) -> None:
        conn.sendall(head(content_type="image/png", extra={"Connection": "close"}))
        for _ in range(64):  # no Content-Length: counted as it arrives
            conn.sendall(PNG * 1024)

    with hostile(unbounded) as server:
        llm = make_llm(emu, allow_private_media_urls=True, media_max_bytes=100_000)
        with pytest.raises(MediaFetchError, match="media_max_bytes"):
            call(llm, mode, image_message(f"{server.base_url}/big.png"))
    assert emu.requests == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_dripping_media_server_cannot_hold_the_call(
    emu: GeminiEmulator, mode: str, where: str
) -> None:
    stop = threading.Event()
    answer = head(content_type="image/png", length=len(PNG) * 8) + PNG * 8
    script: Any
    if where == "headers":
        script = drip(answer, every=0.1, stop=stop)
    else:

        def script(conn: socket.socket, seen: Seen) -> None:
            conn.sendall(answer[: answer.index(b"\r\n\r\n") + 4])
            drip(PNG * 8, every=0.1, stop=stop)(conn, seen)

    with hostile(script) as server:
        llm = make_llm(emu, allow_private_media_urls=True, timeout=1.0)
        started = time.monotonic()
        try:
            with pytest.raises(MediaFetchError):
                call(llm, mode, image_message(f"{server.base_url}/slow.png"))
        finally:
            stop.set()
        assert time.monotonic() - started < 8.0  # the drip would take 50 s
    assert emu.requests == []


def test_a_normal_image_is_downloaded_and_inlined(emu: GeminiEmulator) -> None:
    with hostile(reply(PNG, content_type="image/png")) as server:
        llm = make_llm(emu, allow_private_media_urls=True)
        assert llm.invoke(image_message(f"{server.base_url}/ok.png")).content
    part = emu.last_request.body["contents"][0]["parts"][1]
    assert part["inlineData"]["mimeType"] == "image/png"


@pytest.mark.parametrize("mode", MODES)
def test_a_media_servers_cookie_never_reaches_the_api_on_the_same_host(
    mode: str,
) -> None:
    """Media and API share a host (and the client); they share no cookies."""

    def both(conn: socket.socket, seen: Seen) -> None:
        if seen.head.startswith(b"GET "):
            cookie = {"Set-Cookie": "media=tracked; Path=/"}
            reply(PNG, content_type="image/png", extra=cookie)(conn, seen)
        elif b"alt=sse" in seen.head:
            body = sse(event("seen", finish=True))
            conn.sendall(
                head(content_type="text/event-stream", length=len(body)) + body
            )
        else:
            reply(json.dumps(OK_BODY).encode())(conn, seen)

    with hostile(both) as server:
        llm = make_model(server.base_url, allow_private_media_urls=True)
        for _ in range(2):
            call(llm, mode, image_message(f"{server.base_url}/a.png"))
        posts = [s for s in server.seen if s.head.startswith(b"POST ")]
    assert len(posts) == 2
    assert all("cookie" not in s.headers for s in posts)
