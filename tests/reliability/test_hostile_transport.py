"""Framing, encodings, drips and early answers from a raw-socket server.

What is proven: a success answer that breaks is a typed error after exactly
one request (the model ran: never retried), an early error answer is the
status error on every call style, a dripping server cannot stretch a unary
call far past its ``timeout``, and CometAPI's "do not retry" answers are not
retried.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from typing import Any

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import (
    BadRequestError,
    InvalidResponseError,
    RequestTimeoutError,
    ServerError,
)
from tests.support import make_model

from .conftest import MODES, call
from .hostile import KEY, OK_BODY, Seen, drip, gzipped, head, hostile, reply

UNARY = ("invoke", "ainvoke")


def model(base_url: str, **kwargs: Any) -> ChatCometGemini:
    return make_model(base_url, **{"api_key": KEY, "max_retries": 2, **kwargs})


BODY = json.dumps(OK_BODY).encode()


def short_body(conn: socket.socket, seen: Seen) -> None:
    conn.sendall(head(length=len(BODY)) + BODY[: len(BODY) // 2])


def broken_chunked(conn: socket.socket, seen: Seen) -> None:
    conn.sendall(head(extra={"Transfer-Encoding": "chunked"}))
    conn.sendall(b"%x\r\n" % 10 + BODY[:10] + b"\r\nZZZ-not-a-size\r\n")


def corrupt(encoding: str) -> Any:
    data = gzipped(BODY)
    broken = data[:10] + bytes(b ^ 0x5A for b in data[10:30]) + data[30:]
    return reply(broken, extra={"Content-Encoding": encoding})


@pytest.mark.parametrize("mode", UNARY)
@pytest.mark.parametrize(
    "script",
    [short_body, broken_chunked, corrupt("gzip"), corrupt("deflate")],
    ids=["short-content-length", "broken-chunked", "corrupt-gzip", "corrupt-deflate"],
)
def test_a_broken_success_answer_is_invalid_after_one_request(
    mode: str, script: Any
) -> None:
    with hostile(script) as server:
        with pytest.raises(InvalidResponseError):
            call(model(server.base_url), mode)
        assert server.requests == 1


@pytest.mark.parametrize("mode", UNARY)
def test_a_gzip_answer_is_decoded(mode: str) -> None:
    script = reply(gzipped(BODY), extra={"Content-Encoding": "gzip"})
    with hostile(script) as server:
        assert call(model(server.base_url), mode).content == "Hello there"


@pytest.mark.parametrize("mode", UNARY)
@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"x": NaN}', b"{}", b"[]", b"null"],
    ids=["recursion-bomb", "nan", "empty-object", "list", "null"],
)
def test_json_that_is_no_answer_is_invalid(mode: str, body: bytes) -> None:
    with hostile(reply(body)) as server:
        with pytest.raises(InvalidResponseError):
            call(model(server.base_url), mode)
        assert server.requests == 1


def test_a_recursion_bomb_in_an_error_body_is_still_the_status_error() -> None:
    bomb = b'{"error": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with hostile(reply(bomb, status="400 Bad Request")) as server:
        with pytest.raises(BadRequestError):
            model(server.base_url).invoke("hi")


@pytest.mark.parametrize("mode", MODES)
def test_an_early_error_before_the_body_is_read_is_the_status_error(
    mode: str,
) -> None:
    error = json.dumps(
        {"error": {"code": 413, "message": "Request too large", "status": "X"}}
    ).encode()

    def early(conn: socket.socket, seen: Seen) -> None:
        conn.sendall(head("413 Payload Too Large", length=len(error)) + error)
        conn.shutdown(socket.SHUT_WR)
        time.sleep(0.3)  # let the answer arrive before the socket closes

    big = "x" * 8_000_000
    with hostile(early, read_body=False) as server:
        with pytest.raises(BadRequestError) as info:
            call(model(server.base_url), mode, big)
        assert server.requests == 1
    assert info.value.status_code == 413


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", ["500 Internal Server Error", "400 Bad Request"])
def test_cometapi_invalid_request_is_never_retried(mode: str, status: str) -> None:
    body = json.dumps(
        {
            "error": {
                "message": "bad field (request id: abc123)",
                "type": "invalid_request",
            }
        }
    ).encode()
    with hostile(reply(body, status=status)) as server:
        with pytest.raises((ServerError, BadRequestError)) as info:
            call(model(server.base_url), mode)
        assert server.requests == 1
    assert info.value.request_id == "abc123"


@pytest.mark.parametrize("mode", UNARY)
@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_drip_cannot_hold_a_unary_call_past_its_timeout(
    mode: str, where: str
) -> None:
    stop = threading.Event()
    answer = head(length=len(BODY)) + BODY
    if where == "headers":
        script = drip(answer, every=0.1, stop=stop)
    else:

        def script(conn: socket.socket, seen: Seen) -> None:
            conn.sendall(answer[: answer.index(b"\r\n\r\n") + 4])
            drip(BODY, every=0.1, stop=stop)(conn, seen)

    with hostile(script) as server:
        started = time.monotonic()
        try:
            with pytest.raises(RequestTimeoutError):
                call(model(server.base_url, timeout=1.0), mode)
        finally:
            stop.set()
        assert time.monotonic() - started < 8.0  # the drip would take 50 s
        assert server.requests == 1  # a read timeout is not retried


GZ = gzipped(BODY)
ZL = zlib.compress(BODY)


@pytest.mark.parametrize("mode", UNARY)
@pytest.mark.parametrize(
    "script",
    [
        reply(GZ[:-8], extra={"Content-Encoding": "gzip"}),  # no CRC32/size
        reply(GZ[:-4], extra={"Content-Encoding": "gzip"}),  # size missing
        reply(GZ[: len(GZ) // 2], extra={"Content-Encoding": "gzip"}),  # cut short
        reply(ZL[:-4], extra={"Content-Encoding": "deflate"}),  # no Adler-32
        reply(GZ[:-4] + b"\x00\x00\x00\x00", extra={"Content-Encoding": "gzip"}),
    ],
    ids=["gzip-no-trailer", "gzip-no-size", "gzip-cut", "deflate-no-adler", "bad-size"],
)
def test_compression_without_its_end_is_refused_once(mode: str, script: Any) -> None:
    with hostile(script) as server:
        with pytest.raises(InvalidResponseError):
            call(model(server.base_url), mode)
    assert server.requests == 1


@pytest.mark.parametrize("mode", UNARY)
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "gzip, gzip"])
def test_whole_compressed_answers_decode(mode: str, encoding: str) -> None:
    data = BODY
    for coding in encoding.split(", "):
        data = gzipped(data) if coding == "gzip" else zlib.compress(data)
    with hostile(reply(data, extra={"Content-Encoding": encoding})) as server:
        assert call(model(server.base_url), mode).text == "Hello there"
