"""Valid but unusual answers, sent over a real socket: invoke and stream agree.

Each case is an answer Gemini (or a gateway in front of it) may send that once
made the stream and ``invoke`` disagree, or made a stream succeed with less
than the server sent: a candidate ``index`` of ``null``, ``1`` or ``"0"``; a
finish event followed by an event the connection cut off; an empty ``data:``
line; a ``Content-Type`` in other letter cases; a lone surrogate escape.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import StreamInterruptedError
from tests.replay.server import Answer, ReplayServer
from tests.support import MODEL, make_model

SSE = "text/event-stream"
JSON = "application/json; charset=UTF-8"
USAGE = {"promptTokenCount": 3, "candidatesTokenCount": 2, "totalTokenCount": 5}


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    srv = ReplayServer()
    yield srv
    srv.close()


def _model(server: ReplayServer) -> ChatCometGemini:
    return make_model(server.base_url, api_key="replay-key", model=MODEL)


def _data(event: Any) -> bytes:
    return b"data: " + json.dumps(event).encode() + b"\r\n\r\n"


def _text_event(text: str, finish: str | None = None, **candidate: Any) -> Any:
    body: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}}
    if finish:
        body["finishReason"] = finish
    return {"candidates": [{**body, **candidate}], "usageMetadata": USAGE}


def _streamed(server: ReplayServer) -> AIMessageChunk:
    chunks = list(_model(server).stream("hi"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


async def _astreamed(server: ReplayServer) -> AIMessageChunk:
    chunks = [c async for c in _model(server).astream("hi")]
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


@pytest.mark.parametrize("index", [None, 1, "0"], ids=["null", "one", "string"])
def test_a_candidate_index_of_any_form_streams_what_invoke_returns(
    server: ReplayServer, index: Any
) -> None:
    events = [
        _text_event("Hello ", index=index),
        _text_event("world", "STOP", index=index),
    ]
    whole = _text_event("Hello world", "STOP", index=index)
    server.queue(Answer(200, JSON, json.dumps(whole).encode()))
    server.queue(Answer(200, SSE, b"".join(_data(e) for e in events)))
    invoked = _model(server).invoke("hi")
    streamed = _streamed(server)
    assert isinstance(invoked, AIMessage)
    assert invoked.content == streamed.content == "Hello world"
    assert invoked.response_metadata["finish_reason"] == "STOP"
    assert streamed.response_metadata["finish_reason"] == "STOP"
    assert streamed.usage_metadata == invoked.usage_metadata


def test_an_event_cut_after_the_finish_event_raises(server: ReplayServer) -> None:
    late_usage = {**USAGE, "candidatesTokenCount": 42, "thoughtsTokenCount": 300}
    cut = _data({"usageMetadata": late_usage})[:-4]  # no blank line: never ended
    body = _data(_text_event("Hello", "STOP")) + cut
    server.queue(Answer(200, SSE, body))
    server.queue(Answer(200, SSE, body))
    with pytest.raises(StreamInterruptedError, match="inside an event"):
        _streamed(server)
    with pytest.raises(StreamInterruptedError, match="inside an event"):
        asyncio.run(_astreamed(server))


def test_an_empty_data_line_is_ignored(server: ReplayServer) -> None:
    body = (
        _data(_text_event("Hello "))
        + b"data:\r\n\r\n"
        + b"data: \r\n\r\n"
        + _data(_text_event("world", "STOP"))
    )
    server.queue(Answer(200, SSE, body))
    assert _streamed(server).content == "Hello world"


@pytest.mark.parametrize(
    "content_type", ["Text/Event-Stream", "TEXT/EVENT-STREAM; charset=utf-8"]
)
def test_the_stream_content_type_is_read_in_any_letter_case(
    server: ReplayServer, content_type: str
) -> None:
    server.queue(Answer(200, content_type, _data(_text_event("Hi", "STOP"))))
    assert _streamed(server).content == "Hi"


def test_a_lone_surrogate_becomes_a_replacement_character_and_goes_back(
    server: ReplayServer,
) -> None:
    raw = _data(_text_event("a", "STOP")).replace(b'"a"', b'"a\\ud800b"')
    whole = json.dumps(_text_event("a", "STOP")).replace('"a"', '"a\\uDC00b"')
    server.queue(Answer(200, SSE, raw))
    server.queue(Answer(200, JSON, whole.encode()))
    server.queue(Answer(200, JSON, json.dumps(_text_event("ok", "STOP")).encode()))
    model = _model(server)
    streamed = _streamed(server)
    invoked = model.invoke("hi")
    assert streamed.content == invoked.content == "a\ufffdb"
    assert model.invoke([HumanMessage("hi"), invoked, HumanMessage("again")]).text
    sent = server.seen[-1].body["contents"][1]["parts"]
    assert sent == [{"text": "a\ufffdb"}]


def test_another_candidates_finish_does_not_end_the_one_shown(
    server: ReplayServer,
) -> None:
    first = _text_event("Hello", index=0)
    other = _text_event("Other", "STOP", index=1)["candidates"][0]
    first["candidates"].append(other)
    server.queue(Answer(200, SSE, _data(first)))
    with pytest.raises(StreamInterruptedError, match="candidate 0"):
        _streamed(server)
