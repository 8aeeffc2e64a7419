"""Malformed answers and streamed call arguments, through the plain replay server.

The pure-converter cases of ``tests/unit_tests/test_response_shapes.py``, sent
over a real socket: each is an ``InvalidResponseError`` naming the field,
after exactly one request (the model answered: nothing is retried).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import InvalidResponseError
from tests.conftest import load_capture
from tests.replay.server import Answer, ReplayServer
from tests.support import MODEL, make_model
from tests.unit_tests.test_response_shapes import MALFORMED

JSON = "application/json; charset=UTF-8"


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    srv = ReplayServer()
    yield srv
    srv.close()


def _model(server: ReplayServer, model: str = MODEL, **kwargs: Any) -> ChatCometGemini:
    kwargs.setdefault("max_retries", 2)
    return make_model(server.base_url, api_key="replay-key", model=model, **kwargs)


def _sse(*events: Any) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\r\n\r\n" for e in events)


# JSON cannot carry NaN / Infinity / 1e400 as Python floats portably: write them
# the way a broken server would.
_RAW_NUMBERS = {
    "count NaN": "NaN",
    "count Infinity": "Infinity",
    "count 1e400": "1e400",
}


def _raw(name: str, body: Any) -> bytes:
    if name in _RAW_NUMBERS:
        return (
            b'{"candidates": [{"content": {"parts": [{"text": "x"}]}, '
            b'"finishReason": "STOP"}], "usageMetadata": {"totalTokenCount": '
            + _RAW_NUMBERS[name].encode()
            + b"}}"
        )
    return json.dumps(body).encode()


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_unary_answer(server: ReplayServer, name: str) -> None:
    body, field = MALFORMED[name]
    server.queue(Answer(200, JSON, _raw(name, body)))
    with pytest.raises(InvalidResponseError, match=re.escape(field)):
        _model(server).invoke("hi")
    assert len(server.seen) == 1


STREAMED = sorted(n for n in MALFORMED if n != "unary {}")


@pytest.mark.parametrize("name", STREAMED)
def test_malformed_stream_event(server: ReplayServer, name: str) -> None:
    body, field = MALFORMED[name]
    first = {"candidates": [{"content": {"parts": [{"text": "fine "}]}}]}
    raw = _sse(first) + b"data: " + _raw(name, body) + b"\r\n\r\n"
    server.queue(Answer(200, "text/event-stream", raw))
    with pytest.raises(InvalidResponseError, match=re.escape(field)):
        list(_model(server).stream("hi"))
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    "answer", [b'{"totalTokens": "3"}', b'{"totalTokens": -1}', b'{"totalTokens": 1.5}']
)
def test_malformed_count_tokens_answer(server: ReplayServer, answer: bytes) -> None:
    server.queue(Answer(200, JSON, answer))
    with pytest.raises(InvalidResponseError, match="totalTokens"):
        _model(server).get_num_tokens_from_messages([HumanMessage("count me")])
    assert len(server.seen) == 1


PARTIAL = "real_stream_VERTEX_partialArgs_gemini-3.1-pro.chunks.jsonl"


@pytest.mark.parametrize("streaming_invoke", [False, True])
def test_streamed_function_call_arguments_become_whole_calls(
    server: ReplayServer, streaming_invoke: bool
) -> None:
    """Issue 12 defect 8, end to end: Vertex's partialArgs capture over SSE."""
    events = load_capture(PARTIAL)
    server.queue(Answer(200, "text/event-stream", _sse(*events)))
    # (an explicit streaming=False would turn .stream() into one unary call)
    extra = {"streaming": True} if streaming_invoke else {}
    model = _model(server, model="gemini-3.1-pro-preview", **extra)
    if streaming_invoke:
        message: Any = model.invoke("Weather in Boston and San Francisco?")
    else:
        chunks = list(model.stream("Weather in Boston and San Francisco?"))
        message = chunks[0]
        for chunk in chunks[1:]:
            message = message + chunk
    names = [
        p["functionCall"]["name"]
        for e in events
        for p in e["candidates"][0]["content"]["parts"]
        if p.get("functionCall", {}).get("name")
    ]
    assert [c["name"] for c in message.tool_calls] == names
    assert [c["args"] for c in message.tool_calls] == [
        {"location": "Boston"},
        {"location": "San Francisco"},
    ]
    assert message.invalid_tool_calls == []
    assert message.response_metadata["finish_reason"] == "STOP"
    signatures = message.additional_kwargs[
        "__gemini_function_call_thought_signatures__"
    ]
    first_signature = events[0]["candidates"][0]["content"]["parts"][0][
        "thoughtSignature"
    ]
    assert signatures[message.tool_calls[0]["id"]] == first_signature


# -- countTokens: only a gateway without the endpoint falls back (defect 5) ---------

GOOGLE_404 = json.dumps(
    {
        "error": {
            "code": 404,
            "message": "models/gemini-9 is not found for API version v1beta, or is "
            "not supported for countTokens.",
            "status": "NOT_FOUND",
        }
    }
).encode()


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (404, "text/plain", b"404 page not found"),
        (405, "text/html", b"<h1>Method Not Allowed</h1>"),
        (501, JSON, b'{"error": {"message": "not implemented"}}'),
        (200, "text/html", b"<html>gateway console</html>"),
    ],
)
def test_a_gateway_without_count_tokens_gives_an_estimate(
    server: ReplayServer, status: int, content_type: str, body: bytes
) -> None:
    server.queue(Answer(status, content_type, body))
    with pytest.warns(UserWarning, match="local estimate"):
        total = _model(server).get_num_tokens_from_messages([HumanMessage("a" * 40)])
    assert total >= 10  # about 4 characters a token, over the request's JSON
    assert len(server.seen) == 1


def test_google_not_found_raises(server: ReplayServer) -> None:
    from langchain_cometgemini.errors import NotFoundError

    server.queue(Answer(404, JSON, GOOGLE_404))
    with pytest.raises(NotFoundError, match="is not found"):
        _model(server).get_num_tokens_from_messages([HumanMessage("hi")])
    assert len(server.seen) == 1
