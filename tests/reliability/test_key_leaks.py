"""The key stays out of cause chains, validation errors and every DEBUG log line.

A server that echoes the key where h11 refuses the answer (an illegal header
line, an illegal status line, a NUL in a header) makes the HTTP library raise
an error whose text holds the echoed bytes; the package's error must not keep
it as ``__cause__``/``__context__``, and no log record of any logger may show
an 8-character piece of it, even when half a key is echoed or the key holds
characters a log line escapes (``\\``, ``'``).
"""

from __future__ import annotations

import logging
import pickle
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import CometGeminiError
from tests.support import make_model

from .conftest import MODES, call
from .hostile import KEY, Seen, hostile
from .test_hostile_secrets import Tracer, everything, pieces

ODD_KEY = "AIza'Sy\\odd-key-0123456789-abcdef"
"""A key a log line escapes (its ``'`` and ``\\``)."""


def echoed_in(shape: Callable[[str], bytes]) -> Callable[[socket.socket, Seen], None]:
    def script(conn: socket.socket, seen: Seen) -> None:
        key = seen.headers.get("x-goog-api-key") or seen.headers["authorization"]
        conn.sendall(shape(key.removeprefix("Bearer ")))

    return script


SHAPES: dict[str, Callable[[str], bytes]] = {
    "illegal header line": lambda k: f"HTTP/1.1 200 OK\r\nbad {k}\r\n\r\n".encode(),
    "illegal status line": lambda k: f"HTTP/1.1 2{k}\r\n\r\n".encode(),
    "NUL in a header": lambda k: f"HTTP/1.1 200 OK\r\nX-A: a\x00{k}\r\n\r\n".encode(),
    "half a key in the reason": lambda k: (
        f"HTTP/1.1 503 {k[: len(k) // 2]}\r\nContent-Length: 2\r\n"
        f"X-Half: {k[len(k) // 2 :]}\r\nConnection: close\r\n\r\n{{}}"
    ).encode(),
}


@pytest.fixture
def every_logger_at_debug() -> Iterator[list[logging.LogRecord]]:
    """Every record of every logger, at DEBUG, as the handler received it."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, root = Keep(logging.DEBUG), logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


def logged(records: list[logging.LogRecord]) -> str:
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in records
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("auth", ["header", "bearer", "per call"])
def test_an_echoed_key_is_nowhere(
    mode: str,
    shape: str,
    auth: str,
    every_logger_at_debug: list[logging.LogRecord],
) -> None:
    tracer = Tracer()
    kwargs: dict[str, Any] = {"config": {"callbacks": [tracer]}}
    with hostile(echoed_in(SHAPES[shape])) as server:
        llm = make_model(
            server.base_url,
            api_key="AIzaSy-constructor-0000000000" if auth == "per call" else KEY,
            use_bearer_auth=auth == "bearer",
            max_retries=1,
        )
        if auth == "per call":
            kwargs["api_key"] = KEY
        with pytest.raises(CometGeminiError) as info:
            call(llm, mode, **kwargs)
    error = info.value
    assert not pieces(everything(error))
    assert not pieces(repr(pickle.loads(pickle.dumps(error)).__dict__))
    assert not pieces(logged(every_logger_at_debug))
    assert tracer.runs
    assert not pieces("\n".join(str(run.error) for run in tracer.runs))


@pytest.mark.parametrize("mode", MODES)
def test_a_key_a_log_line_escapes_is_masked_in_it(
    mode: str, every_logger_at_debug: list[logging.LogRecord]
) -> None:
    with hostile(echoed_in(SHAPES["illegal header line"])) as server:
        llm = make_model(server.base_url, api_key=ODD_KEY)
        with pytest.raises(CometGeminiError) as info:
            call(llm, mode)
    text = logged(every_logger_at_debug) + everything(info.value)
    assert not pieces(text, ODD_KEY)
    escaped = ODD_KEY.replace("\\", "\\\\").replace("'", "\\'")
    assert not pieces(text, escaped)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "ftp://api.example.com"},
        {"base_url": "https://api.example.com/?q=1"},
        {"api_key": KEY[:10] + " " + KEY[10:]},
        {"timeout": "soon"},
    ],
)
def test_a_refused_constructor_input_never_holds_the_key(
    kwargs: dict[str, Any],
) -> None:
    with pytest.raises((ValidationError, ValueError)) as info:
        ChatCometGemini(**{"api_key": KEY, **kwargs})
    error = info.value
    key = str(kwargs.get("api_key", KEY)).replace(" ", "")
    assert not pieces(everything(error), key)
    if isinstance(error, ValidationError):
        assert not pieces(repr(error.errors()) + error.json(), key)
