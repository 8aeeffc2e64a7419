"""Answers without content from a raw-socket server: every finish reason x policy.

Also with tools bound and with structured output.

The server writes each answer's bytes itself (a JSON body, or CRLF-framed SSE
closed by the end of the connection) and counts the requests, so ``"retry"``
is proven by what reached the wire: one more request for the three reasons
asked again, none for the others.
"""

from __future__ import annotations

import asyncio
import json
import socket
import warnings
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.runnables import Runnable

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._wire import empty
from langchain_cometgemini.errors import (
    AnswerFailedError,
    AnswerRefusedError,
    EmptyAnswerWarning,
)
from tests.integration_tests.empty_replies import BLOCKED, empty_events, run
from tests.support import make_model

from .conftest import MODES, call
from .hostile import KEY, OK_BODY, HostileServer, Seen, head, sse

REASONS = [*sorted(empty.REASONS), BLOCKED, "SOMETHING_NEW"]
RETRIED = {"STOP", "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"}


class Answers:
    """The answers the server gives, in order (each a list of events)."""

    def __init__(self) -> None:
        self.queue: deque[list[dict[str, Any]]] = deque()

    def script(self, conn: socket.socket, seen: Seen) -> None:
        events = self.queue.popleft()
        if b":streamGenerateContent" in seen.head:
            conn.sendall(head(content_type="text/event-stream") + sse(*events))
            return
        body = json.dumps(_merged(events)).encode()
        conn.sendall(head(length=len(body)) + body)


def _merged(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The unary answer of a list of events (thought parts kept in order)."""
    body = dict(events[-1])
    parts = [
        part
        for e in events
        for c in e.get("candidates", [])[:1]
        for part in c.get("content", {}).get("parts", [])
    ]
    if body.get("candidates"):
        candidate = dict(body["candidates"][0])
        candidate["content"] = {"role": "model", "parts": parts}
        body["candidates"] = [candidate]
    return body


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[HostileServer, Answers]]:
    answers = Answers()
    server = HostileServer(answers.script)
    try:
        yield server, answers
    finally:
        server.close()


@pytest.fixture
def server(served: tuple[HostileServer, Answers]) -> tuple[HostileServer, Answers]:
    host, answers = served
    host.seen.clear()
    answers.queue.clear()
    empty.forget_warnings()
    return served


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("policy", ["return", "raise", "retry"])
@pytest.mark.parametrize("reason", REASONS)
def test_each_reason_and_policy_on_the_wire(
    server: tuple[HostileServer, Answers], reason: str, policy: str, mode: str
) -> None:
    host, answers = server
    answers.queue.extend([empty_events(reason), [OK_BODY]])
    llm = make_model(host.base_url, api_key=KEY, on_empty_answer=policy)
    label = "prompt blocked: SAFETY" if reason == BLOCKED else reason
    asked_again = policy == "retry" and reason in RETRIED
    if policy == "raise":
        meaning = empty.REASONS.get(reason, empty.BLOCKED_PROMPT)
        refused = reason != "SOMETHING_NEW" and meaning.kind == "refused"
        expected = AnswerRefusedError if refused else AnswerFailedError
        with pytest.raises(expected) as info:
            call(llm, mode)
        assert str(info.value).startswith(
            f"Gemini returned no usable content ({label})"
        )
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            message = call(llm, mode)
        shown = [str(w.message) for w in caught if w.category is EmptyAnswerWarning]
        if asked_again:
            assert message.text == "Hello there"
            assert message.response_metadata["empty_answer_retries"] == 1
            assert shown == []
        else:
            assert not message.text
            assert message.response_metadata["empty_answer"].startswith(
                f"Gemini returned no usable content ({label})"
            )
            assert len(shown) == 1
    assert host.requests == (2 if asked_again else 1)


def _run(runnable: Runnable[Any, Any], llm: ChatCometGemini, mode: str) -> Any:
    """``run`` in ``mode`` on a loop of its own; the model's pools closed after."""

    async def go() -> Any:
        try:
            return await run(runnable, mode)
        finally:
            await llm.aclose()

    return asyncio.run(go())


def _call_event(name: str, args: dict[str, Any]) -> dict[str, Any]:
    part = {"functionCall": {"name": name, "args": args}}
    candidate = {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}
    return {"candidates": [candidate], "modelVersion": "gemini-2.5-flash"}


def _text_event(text: str) -> dict[str, Any]:
    candidate = {"content": {"role": "model", "parts": [{"text": text}]}}
    return {"candidates": [{**candidate, "finishReason": "STOP"}]}


@pytest.mark.parametrize("mode", MODES)
def test_tools_bound_a_malformed_call_is_asked_again(
    server: tuple[HostileServer, Answers], mode: str
) -> None:
    def get_weather(city: str) -> str:
        """Weather in a city."""
        return city

    host, answers = server
    call_event = _call_event("get_weather", {"city": "Oslo"})
    answers.queue.extend([empty_events("MALFORMED_FUNCTION_CALL"), [call_event]])
    llm = make_model(host.base_url, api_key=KEY, on_empty_answer="retry")
    message = _run(llm.bind_tools([get_weather]), llm, mode)
    assert [c["args"] for c in message.tool_calls] == [{"city": "Oslo"}]
    assert host.requests == 2
    assert host.seen[0].body == host.seen[1].body


@pytest.mark.parametrize("mode", MODES)
def test_structured_output_after_an_empty_stop(
    server: tuple[HostileServer, Answers], mode: str
) -> None:
    host, answers = server
    answers.queue.extend([empty_events("STOP"), [_text_event('{"city": "Oslo"}')]])
    llm = make_model(host.base_url, api_key=KEY, on_empty_answer="retry")
    schema = {
        "title": "Place",
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }
    result = _run(llm.with_structured_output(schema), llm, mode)
    assert result == {"city": "Oslo"}
    assert host.requests == 2
