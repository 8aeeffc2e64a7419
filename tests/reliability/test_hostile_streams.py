"""SSE framing from a raw-socket server: complete answers or typed errors.

Each test writes the bytes itself (BOMs, field-only blocks, charsets,
invalid UTF-8, cuts) and checks what the caller got, on ``stream`` and
``astream`` and, where it makes sense, ``invoke(streaming=True)``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import (
    InvalidResponseError,
    StreamInterruptedError,
)
from tests.support import make_model

from .conftest import STREAM_MODES, call
from .hostile import KEY, event, hostile, sse, stream_reply


def model(base_url: str, **kwargs: Any) -> ChatCometGemini:
    return make_model(base_url, **{"api_key": KEY, **kwargs})


TWO_EVENTS = sse(event("Hello "), event("world", finish=True))


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_a_leading_bom_is_stripped(mode: str) -> None:
    with hostile(stream_reply(b"\xef\xbb\xbf" + TWO_EVENTS)) as server:
        message = call(model(server.base_url), mode)
    assert message.content == "Hello world"
    assert message.response_metadata["finish_reason"] == "STOP"


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_blocks_without_data_are_ignored(mode: str) -> None:
    body = (
        b": a comment\r\n\r\n"
        b"event: ping\r\n\r\n"
        b"id: 7\r\nretry: 1000\r\n\r\n"
        b"\r\n\r\n\n\n"
        + sse(event("Hello "))
        + b"event: message\nid: 8\n"
        + b"data: "
        + json.dumps(event("world", finish=True)).encode()
        + b"\n\n"
    )
    with hostile(stream_reply(body)) as server:
        message = call(model(server.base_url), mode)
    assert message.content == "Hello world"


@pytest.mark.parametrize("mode", STREAM_MODES)
@pytest.mark.parametrize("line_end", [b"\n", b"\r", b"\r\n"])
def test_every_line_ending_the_spec_allows(mode: str, line_end: bytes) -> None:
    body = b"".join(
        b"data: " + json.dumps(e).encode() + line_end + line_end
        for e in (event("Hello "), event("world", finish=True))
    )
    with hostile(stream_reply(body)) as server:
        assert call(model(server.base_url), mode).content == "Hello world"


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_utf8_is_read_as_utf8_whatever_the_charset_says(mode: str) -> None:
    body = sse(event("héllo ✓ "), event("你好 😀", finish=True))
    reply = stream_reply(body, content_type="text/event-stream; charset=latin-1")
    with hostile(reply) as server:
        assert call(model(server.base_url), mode).content == "héllo ✓ 你好 😀"


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_a_character_split_across_writes_is_joined(mode: str) -> None:
    body = sse(event("日本"), event("語", finish=True))
    cut = body.index("本".encode()) + 1

    def script(conn: Any, seen: Any) -> None:
        from .hostile import head

        conn.sendall(head("200 OK", "text/event-stream", {"Connection": "close"}))
        conn.sendall(body[:cut])
        conn.sendall(body[cut:])

    with hostile(script) as server:
        assert call(model(server.base_url), mode).content == "日本語"


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_invalid_utf8_is_a_typed_error(mode: str) -> None:
    bad = sse(event("fine "))
    bad += b'data: {"candidates": [{"content": {"parts": [{"text": "\xff\xfe"}]}}]}'
    bad += b"\r\n\r\n"
    bad += sse(event("end", finish=True))
    with hostile(stream_reply(bad)) as server:
        with pytest.raises(InvalidResponseError, match="UTF-8"):
            call(model(server.base_url), mode)


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_a_stream_ending_inside_a_character_raises(mode: str) -> None:
    body = sse(event("ok", finish=True)) + b"data: \xe6\x97"
    with hostile(stream_reply(body)) as server:
        with pytest.raises(InvalidResponseError, match="UTF-8"):
            call(model(server.base_url), mode)


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_a_last_event_without_its_blank_line_is_not_a_complete_answer(
    mode: str,
) -> None:
    body = sse(event("Hello ")) + b"data: " + json.dumps(event("x", True)).encode()
    with hostile(stream_reply(body)) as server:
        with pytest.raises(StreamInterruptedError, match="ended inside an event"):
            call(model(server.base_url), mode)


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_a_cut_after_some_events_raises_after_one_request(mode: str) -> None:
    with hostile(stream_reply(sse(event("Hello "), event("wor")))) as server:
        with pytest.raises(StreamInterruptedError):
            call(model(server.base_url, max_retries=2), mode)
        assert server.requests == 1


@pytest.mark.parametrize(
    "shape",
    ["[1, 2]", '"text"', "null", "{bad json"],
)
@pytest.mark.parametrize("mode", STREAM_MODES)
def test_events_that_are_not_objects_are_typed_errors(mode: str, shape: str) -> None:
    body = sse(event("Hello ")) + f"data: {shape}\r\n\r\n".encode()
    with hostile(stream_reply(body)) as server:
        with pytest.raises(InvalidResponseError):
            call(model(server.base_url), mode)


@pytest.mark.parametrize("mode", STREAM_MODES)
def test_a_recursion_bomb_event_is_a_typed_error(mode: str) -> None:
    body = sse(event("Hello ")) + b"data: " + b"[" * 100_000 + b"]" * 100_000 + b"\n\n"
    with hostile(stream_reply(body)) as server:
        with pytest.raises(InvalidResponseError):
            call(model(server.base_url), mode)


def test_invoke_streaming_true_reads_the_same_framing() -> None:
    with hostile(stream_reply(b"\xef\xbb\xbf" + b"event: x\n\n" + TWO_EVENTS)) as srv:
        message = model(srv.base_url, streaming=True).invoke("hi")
    assert message.content == "Hello world"
