"""A compressed stream must reach its end: a missing trailer is never a success.

httpx's decoders stop where the bytes stop, so a gzip stream without its
CRC32/size trailer, or a zlib stream without its Adler-32, would pass as a
complete answer once Gemini's finish event was inside. The package decodes
``gzip``/``deflate`` streams itself and checks their end; a coding it cannot
check is refused before any event is handed out.
"""

from __future__ import annotations

import socket
import zlib
from typing import Any

import pytest

from langchain_cometgemini.errors import (
    BadRequestError,
    InvalidResponseError,
    StreamInterruptedError,
)

from .conftest import STREAM_MODES, call
from .hostile import Seen, event, gzipped, head, hostile, reply, sse
from .test_no_resend import BODY, model

EVENTS = sse(event("Hello "), event("there", finish=True))


def encoded_stream(coding: str, body: bytes) -> Any:
    def script(conn: socket.socket, seen: Seen) -> None:
        extra = {"Content-Encoding": coding}
        conn.sendall(head("200 OK", "text/event-stream", extra) + body)

    return script


def deflated(data: bytes) -> bytes:
    return zlib.compress(data)


@pytest.mark.parametrize("mode", STREAM_MODES)
@pytest.mark.parametrize(
    ("coding", "body"),
    [("gzip", gzipped(EVENTS)), ("deflate", deflated(EVENTS))],
    ids=["gzip", "deflate"],
)
def test_a_whole_compressed_stream_is_the_answer(
    mode: str, coding: str, body: bytes
) -> None:
    with hostile(encoded_stream(coding, body)) as server:
        message = call(model(server.base_url), mode)
    assert message.text == "Hello there"
    assert message.response_metadata["finish_reason"] == "STOP"


@pytest.mark.parametrize("mode", STREAM_MODES)
@pytest.mark.parametrize(
    ("coding", "body"),
    [("gzip", gzipped(EVENTS)[:-8]), ("deflate", deflated(EVENTS)[:-4])],
    ids=["gzip without CRC32 and size", "deflate without Adler-32"],
)
def test_a_compressed_stream_without_its_trailer_is_cut_short(
    mode: str, coding: str, body: bytes
) -> None:
    with hostile(encoded_stream(coding, body)) as server:
        with pytest.raises(StreamInterruptedError, match="cut short"):
            call(model(server.base_url), mode)
    assert server.requests == 1


@pytest.mark.parametrize("family", ["httpx", "httpx2"])
def test_only_the_codings_checked_are_asked_for(family: str) -> None:
    """A user's ``httpx`` client would offer zstd; the request asks for less."""
    module: Any = pytest.importorskip(family)
    with hostile(encoded_stream("gzip", gzipped(EVENTS))) as server:
        with module.Client() as client:
            call(model(server.base_url, http_client=client), "stream")
    assert server.seen[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("mode", STREAM_MODES)
@pytest.mark.parametrize("coding", ["br", "x-unknown", "gzip, br"])
def test_a_stream_in_a_coding_that_cannot_be_checked_is_refused(
    mode: str, coding: str
) -> None:
    with hostile(encoded_stream(coding, EVENTS)) as server:
        with pytest.raises(InvalidResponseError, match="Content-Encoding"):
            call(model(server.base_url), mode)
    assert server.requests == 1


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
@pytest.mark.parametrize("coding", ["br", "x-unknown"])
def test_a_unary_answer_in_a_coding_that_cannot_be_checked_is_refused(
    mode: str, coding: str
) -> None:
    """Even a readable body: nothing proves it complete, and it was not asked for."""
    with hostile(reply(BODY, extra={"Content-Encoding": coding})) as server:
        with pytest.raises(InvalidResponseError, match="Content-Encoding"):
            call(model(server.base_url), mode)
    assert server.requests == 1


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_an_error_answer_in_an_unknown_coding_keeps_its_status(mode: str) -> None:
    error = b'{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}'
    script = reply(error, "400 Bad Request", extra={"Content-Encoding": "x-unknown"})
    with hostile(script) as server:
        with pytest.raises(BadRequestError, match="bad"):
            call(model(server.base_url), mode)
    assert server.requests == 1
