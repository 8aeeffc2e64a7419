"""A property over raw server bytes, for invoke, ainvoke, stream and astream.

Hypothesis draws a whole answer as bytes: the status line (any code, odd
reasons, HTTP/1.0 or 1.1), headers (``Content-Length`` right, wrong, missing
or twice; chunked right or broken; ``Content-Encoding``; ``Content-Type`` in
any case and charset; ``Connection``; an echo of the key), the body (a valid
answer, cut, corrupted, random bytes) and bytes after it. Every example ends
in the right answer or a typed error of ``langchain_cometgemini.errors``:
never another exception, never an empty or cut success, never a second
request once a success status began, and no 8-character piece of the key in
the error, its whole cause chain, a pickled copy, the tracer's run or any log
record of any logger at DEBUG.

CI runs a bounded, derandomized number of examples; set
``COMETGEMINI_FUZZ_EXAMPLES`` for more.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import pickle
import socket
import zlib
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_cometgemini.errors import CometGeminiError
from tests.support import make_model

from .conftest import MODES, call
from .hostile import KEY, OK_BODY, Seen, event, hostile, sse
from .test_hostile_secrets import Tracer, everything, pieces

EXAMPLES = int(os.environ.get("COMETGEMINI_FUZZ_EXAMPLES", "25"))
EXPECTED = "Hello there"
STREAM_BODY = sse(event("Hello"), event(" there", finish=True))


@dataclass
class Answer:
    """One drawn answer and whether every choice in it was a sound one."""

    status: int
    data: bytes  # what the server writes; ``{key}`` is replaced by the key
    sound: bool


def encode(body: bytes, coding: str, corrupt: bool) -> bytes:
    if coding == "gzip":
        body = gzip.compress(body)
    elif coding == "deflate":
        body = zlib.compress(body)
    if corrupt and coding != "identity":
        body = body[:10] + bytes(b ^ 0x5A for b in body[10:20]) + body[20:]
    return body


def chunked(body: bytes, broken: bool) -> bytes:
    out = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 7]), body[i : i + 7])
        for i in range(0, len(body), 7)
    )
    return out + (b"zz\r\n" if broken else b"0\r\n\r\n")


@st.composite
def answers(draw: st.DrawFn, stream: bool) -> Answer:
    status = draw(st.sampled_from([200, 200, 200, 201, 400, 429, 500, 503, 302]))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0"]))
    reason = draw(st.sampled_from(["OK", "", "Fine {key}", "x" * 40, "{key}"]))
    body_kind = draw(st.sampled_from(["valid", "valid", "cut", "corrupt", "random"]))
    body = STREAM_BODY if stream else json.dumps(OK_BODY).encode()
    if body_kind == "cut":
        body = body[: draw(st.integers(0, len(body) - 1))]
    elif body_kind == "corrupt":
        at = draw(st.integers(0, len(body)))
        body = (
            body[:at] + draw(st.sampled_from([b"\xff", b"\x00", b"\xc3"])) + body[at:]
        )
    elif body_kind == "random":
        body = b"\xff" + draw(st.binary(max_size=64))
    coding = draw(st.sampled_from(["identity", "identity", "gzip", "deflate"]))
    corrupt = draw(st.booleans()) and draw(st.booleans())
    payload = encode(body, coding, corrupt)
    framing = draw(st.sampled_from(["length", "length", "none", "chunked", "wrong"]))
    ctype = draw(
        st.sampled_from(
            ["text/event-stream", "Text/Event-Stream; charset=latin-1"]
            if stream
            else ["application/json", "APPLICATION/JSON; charset=ISO-8859-1"]
        )
    )
    headers = [f"Content-Type: {ctype}"]
    if coding != "identity":
        headers.append(f"Content-Encoding: {coding}")
    if framing == "length":
        headers.append(f"Content-Length: {len(payload)}")
    elif framing == "wrong":
        wrong = len(payload) + draw(st.sampled_from([-3, 5]))
        headers += [f"Content-Length: {wrong}"] * draw(st.integers(1, 2))
    elif framing == "chunked":
        broken = draw(st.booleans())
        headers.append("Transfer-Encoding: chunked")
        payload = chunked(payload, broken)
        framing = "broken" if broken else framing
    headers.append(f"Connection: {draw(st.sampled_from(['close', 'keep-alive']))}")
    if draw(st.booleans()):
        headers.append("X-Echo: {key}")
    trailing = draw(st.sampled_from([b"", b"", b"\r\n", b"HTTP/1.1 200 OK\r\n\r\n"]))
    head = f"{version} {status} {reason}\r\n" + "".join(h + "\r\n" for h in headers)
    data = head.encode() + b"\r\n" + payload + trailing
    sound = (
        status == 200
        and body_kind == "valid"
        and not corrupt
        and framing in ("length", "chunked")
    )
    return Answer(status, data, sound)


def script_for(answer: Answer) -> Any:
    def script(conn: socket.socket, seen: Seen) -> None:
        key = seen.headers.get("x-goog-api-key", "")
        conn.sendall(answer.data.replace(b"{key}", key.encode()))

    return script


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.exc_text or ''}")


def run(mode: str, answer: Answer) -> None:
    handler, root = Keep(), logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    tracer = Tracer()
    try:
        with hostile(script_for(answer)) as server:
            llm = make_model(server.base_url, api_key=KEY, max_retries=1, timeout=3)
            try:
                reply = call(llm, mode, config={"callbacks": [tracer]})
            except CometGeminiError as err:
                error: CometGeminiError | None = err
            else:
                error = None
            requests = server.requests
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    if error is None:
        assert reply.text == EXPECTED, answer
        assert 200 <= answer.status < 300
    else:
        assert not answer.sound, (answer, error)
        text = everything(error) + repr(pickle.loads(pickle.dumps(error)).__dict__)
        text += "\n".join(str(run.error) for run in tracer.runs)
        assert not pieces(text), answer
    if 200 <= answer.status < 300:
        assert requests == 1, answer
    assert not pieces("\n".join(handler.lines)), answer


PROPERTY = settings(
    derandomize=True,
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("mode", [m for m in MODES if "stream" not in m])
@PROPERTY
@given(answer=answers(stream=False))
def test_any_unary_answer_is_right_or_a_typed_error(mode: str, answer: Answer) -> None:
    run(mode, answer)


@pytest.mark.parametrize("mode", [m for m in MODES if "stream" in m])
@PROPERTY
@given(answer=answers(stream=True))
def test_any_stream_answer_is_right_or_a_typed_error(mode: str, answer: Answer) -> None:
    run(mode, answer)
