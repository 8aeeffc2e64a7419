"""The API key never leaks: not in any text the package produces, nor to any host.

One test gathers every place a key could surface (repr, str, dumps,
serialization, tracing params, callback payloads, error text with its whole
traceback, warnings, DEBUG logs of every logger including httpx/httpcore) and
scans it all; others check where the key travels on the wire.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
import warnings
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps
from langchain_core.messages import HumanMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import CometGeminiError
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.support import MODEL

from .conftest import call

KEY = "sk-CometSecret-7f3a9b2c4d5e6f708192a3b4c5d6e7f8"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


class Recorder(BaseCallbackHandler):
    """Keeps everything LangChain hands to tracers."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_chat_model_start(
        self, serialized: Any, messages: Any, **kwargs: Any
    ) -> None:
        self.seen += [
            serialized,
            kwargs.get("invocation_params"),
            kwargs.get("metadata"),
        ]

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.seen.append(response)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.seen.append(error)


@pytest.fixture
def emu() -> Any:
    with GeminiEmulator(api_key=KEY) as emulator:
        yield emulator


def error_texts(exc: BaseException) -> list[str]:
    """The error's message, repr, attributes and its full chained traceback."""
    return [
        str(exc),
        repr(exc),
        repr(vars(exc)),
        "".join(traceback.format_exception(exc)),
    ]


def failures(llm: ChatCometGemini, emu: GeminiEmulator) -> list[BaseException]:
    """Errors of several kinds, raised in all four modes."""
    caught: list[BaseException] = []
    replies = [
        Reply.error(500, "boom", "INTERNAL"),
        Reply.rate_limited("0.001s"),
        Reply.html(502, "<html>bad gateway</html>"),
        Reply.redirect("http://elsewhere.example/"),
        Reply(raw=b"{truncated", content_type="application/json"),
    ]
    for mode in ("invoke", "ainvoke", "stream", "astream"):
        for reply in replies:
            emu.enqueue(*[reply] * 3)
            with pytest.raises(CometGeminiError) as info:
                call(llm, mode)
            caught.append(info.value)
            emu.clear()
    bad_key = ChatCometGemini(model=MODEL, base_url=emu.base_url, api_key=KEY + "x")
    with pytest.raises(CometGeminiError) as info:
        bad_key.invoke("hi")
    caught.append(info.value)
    refused = ChatCometGemini(
        model=MODEL, base_url="http://127.0.0.1:9", api_key=KEY, max_retries=0
    )
    with pytest.raises(CometGeminiError) as info:
        refused.invoke("hi")
    caught.append(info.value)
    return caught


def test_key_appears_nowhere(
    emu: GeminiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    recorder = Recorder()
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        ChatCometGemini(model=MODEL, base_url="http://api.example.com", api_key=KEY)
        llm = ChatCometGemini(
            model=MODEL,
            base_url=emu.base_url,
            api_key=KEY,
            temperature=0.3,
            callbacks=[recorder],
        )
        bearer = ChatCometGemini(
            model=MODEL, base_url=emu.base_url, api_key=KEY, use_bearer_auth=True
        )
        answers = [
            llm.invoke("hello"),
            asyncio.run(llm.ainvoke("hello")),
            *llm.stream("hello"),
            bearer.invoke("hello"),
        ]
        errors = failures(llm, emu)
    assert any("plain http" in str(w.message) for w in caught_warnings)
    assert len(errors) >= 20

    texts = [
        repr(llm),
        str(llm),
        repr(llm._engine()),
        repr(bearer),
        json.dumps(llm.model_dump(), default=repr),
        llm.model_dump_json(),
        json.dumps(dumpd(llm)),
        dumps(llm),
        dumps(bearer),
        repr(llm._get_ls_params()),
        repr(llm._identifying_params),
        repr(llm._get_invocation_params()),
        repr(recorder.seen),
        repr(answers),
        caplog.text,
        *(r.getMessage() for r in caplog.records),
        *(str(w.message) for w in caught_warnings),
        *(text for error in errors for text in error_texts(error)),
    ]
    assert any("httpx" in r.name or "httpcore" in r.name for r in caplog.records)
    assert recorder.seen
    leaks = [text[:200] for text in texts if KEY in text or KEY[8:30] in text]
    assert leaks == []


def test_key_travels_only_in_its_header(emu: GeminiEmulator) -> None:
    llm = ChatCometGemini(model=MODEL, base_url=emu.base_url, api_key=KEY)
    llm.invoke("hello")
    list(llm.stream("hello"))
    for request in emu.requests:
        assert request.headers["x-goog-api-key"] == KEY
        assert "authorization" not in request.headers
        assert KEY not in request.path
        assert KEY not in json.dumps(request.query)
        assert KEY.encode() not in request.raw


def test_bearer_mode_sends_only_the_authorization_header(emu: GeminiEmulator) -> None:
    llm = ChatCometGemini(
        model=MODEL, base_url=emu.base_url, api_key=KEY, use_bearer_auth=True
    )
    llm.invoke("hello")
    assert emu.last_request.headers["authorization"] == f"Bearer {KEY}"
    assert "x-goog-api-key" not in emu.last_request.headers


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_media_download_carries_no_auth_header(emu: GeminiEmulator, mode: str) -> None:
    url = emu.serve_file("/media/pixel.png", PNG, "image/png")
    llm = ChatCometGemini(
        model=MODEL,
        base_url=emu.base_url,
        api_key=KEY,
        allow_private_media_urls=True,
    )
    message = HumanMessage(
        content=[
            {"type": "text", "text": "what is this?"},
            {"type": "image", "url": url},
        ]
    )
    call(llm, mode, [message])
    downloads = [r for r in emu.requests if r.path == "/media/pixel.png"]
    assert len(downloads) == 1
    headers = downloads[0].headers
    assert "x-goog-api-key" not in headers
    assert "authorization" not in headers
    assert KEY not in json.dumps(headers)
    generate = emu.last_request
    assert generate.action == "generateContent"
    parts = generate.body["contents"][0]["parts"]
    assert any("inlineData" in p or "inline_data" in p for p in parts)


def test_plain_http_to_a_remote_host_warns_and_loopback_does_not() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ChatCometGemini(base_url="http://api.example.com", api_key=KEY)
        remote = len(caught)
        ChatCometGemini(base_url="http://127.0.0.1:8080", api_key=KEY)
        ChatCometGemini(base_url="http://localhost:8080", api_key=KEY)
        ChatCometGemini(base_url="https://api.example.com", api_key=KEY)
    assert remote == 1
    assert len(caught) == 1
    assert "unencrypted" in str(caught[0].message)
    assert KEY not in str(caught[0].message)


ECHOING = [
    Reply.error(400, f"API key {KEY} not valid.", "INVALID_ARGUMENT"),
    Reply.error(403, "denied", "PERMISSION_DENIED", details=[{"key": KEY}]),
    Reply.html(502, f"<html>upstream said: x-goog-api-key: {KEY}</html>"),
    Reply(raw=f'{{"echo": "{KEY}"'.encode(), content_type="application/json"),
]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
@pytest.mark.parametrize("reply", ECHOING)
def test_a_key_echoed_by_the_server_is_masked(
    emu: GeminiEmulator, mode: str, reply: Reply
) -> None:
    llm = ChatCometGemini(
        model=MODEL, base_url=emu.base_url, api_key=KEY, max_retries=0
    )
    emu.enqueue(reply)
    with pytest.raises(CometGeminiError) as info:
        call(llm, mode)
    texts = error_texts(info.value)
    assert all(KEY not in text for text in texts)
    assert "***" in str(info.value) + repr(info.value.details)


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_key_echoed_in_an_error_event_is_masked(
    emu: GeminiEmulator, mode: str
) -> None:
    llm = ChatCometGemini(model=MODEL, base_url=emu.base_url, api_key=KEY)
    reply = Reply.text("partial answer", n_chunks=2, finish_reason=None)
    reply.error_event = {"code": 500, "message": f"failed for key {KEY}"}
    emu.enqueue(reply)
    with pytest.raises(CometGeminiError) as info:
        call(llm, mode)
    assert all(KEY not in text for text in error_texts(info.value))
    assert "failed for key ***" in str(info.value)
