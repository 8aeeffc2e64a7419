"""The stream-equals-invoke property, through ``ChatCometGemini`` and a socket.

The generated answers and stream cuts of
``tests/unit_tests/test_decode_property.py``, served by the plain replay
server: one request answered as JSON, one as SSE. ``invoke`` and the merged
``stream`` (and ``astream``) must give the same message, with the whole call
path in between (HTTP, SSE framing, the empty-answer policy, callbacks).
Fewer examples than the pure property (each costs three requests).
"""

from __future__ import annotations

import asyncio
import json
import os
import warnings
from typing import Any

from hypothesis import HealthCheck, given, settings
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    message_chunk_to_message,
)

from tests.replay.server import Answer, ReplayServer
from tests.support import make_model
from tests.unit_tests.test_decode_property import answer_and_stream, view

_EXAMPLES = os.environ.get("COMETGEMINI_PROPERTY_EXAMPLES")
SETTINGS = settings(
    max_examples=max(int(_EXAMPLES) // 10, 10) if _EXAMPLES else 15,
    derandomize=not _EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\r\n\r\n" for e in events)


def _merged(chunks: list[AIMessageChunk]) -> AIMessage:
    """The chunks merged, then made a message, as LangChain does."""
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    message = message_chunk_to_message(total)
    assert isinstance(message, AIMessage)
    return message


async def _astreamed(server: ReplayServer) -> list[AIMessageChunk]:
    model = make_model(server.base_url, api_key="replay-key")
    return [c async for c in model.astream("hi")]


@SETTINGS
@given(case=answer_and_stream())
def test_invoke_stream_and_astream_agree_over_the_wire(
    case: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    answer, events = case
    server = ReplayServer()
    try:
        server.queue(Answer(200, "application/json", json.dumps(answer).encode()))
        server.queue(Answer(200, "text/event-stream", _sse(events)))
        server.queue(Answer(200, "text/event-stream", _sse(events)))
        model = make_model(server.base_url, api_key="replay-key")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # empty answers warn, alike
            invoked = model.invoke("hi")
            streamed = _merged(list(model.stream("hi")))
            astreamed = _merged(asyncio.run(_astreamed(server)))
    finally:
        server.close()
    assert isinstance(invoked, AIMessage)
    assert view(streamed) == view(invoked)
    assert view(astreamed) == view(invoked)
