"""The end-of-stream rule, in the decoder only: Gemini said it finished.

``decode.check_end`` is the one place the rule lives; ``StreamState.end``
applies it after the last event. The HTTP layer only frames bytes into events
(``tests/replay/test_stream_edges.py`` runs the rule over real sockets).
"""

from __future__ import annotations

from typing import Any

import pytest

from langchain_cometgemini._wire import decode
from langchain_cometgemini._wire.response import StreamState
from langchain_cometgemini.errors import InvalidResponseError, StreamInterruptedError


def text(value: str, finish: str | None = None, index: int = 0) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": [{"text": value}]}}
    candidate["index"] = index
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate]}


def streamed(*events: dict[str, Any]) -> str:
    state = StreamState()
    chunks = [c for e in events for c in state.read(e)]
    chunks += state.end()
    return "".join(str(c.message.content) for c in chunks)


def test_a_finished_stream_ends() -> None:
    assert streamed(text("Hel"), text("lo", "STOP")) == "Hello"


def test_events_after_the_finish_still_end_the_answer() -> None:
    usage = {"usageMetadata": {"promptTokenCount": 1, "totalTokenCount": 1}}
    assert streamed(text("Hi", "STOP"), usage) == "Hi"


def test_a_blocked_prompt_is_an_end() -> None:
    assert streamed({"promptFeedback": {"blockReason": "SAFETY"}}) == ""


@pytest.mark.parametrize(
    "events",
    [
        [],
        [text("Hel"), text("lo")],
        [{"usageMetadata": {"promptTokenCount": 1}}],
        [
            {
                "candidates": [
                    *text("a")["candidates"],
                    *text("b", "STOP", 1)["candidates"],
                ]
            }
        ],
    ],
    ids=["no event", "no finish", "no candidate", "another candidate's finish"],
)
def test_a_stream_without_the_shown_finish_is_interrupted(
    events: list[dict[str, Any]],
) -> None:
    with pytest.raises(StreamInterruptedError, match="without a finishReason"):
        streamed(*events)


def test_the_message_counts_the_events_and_names_the_candidate() -> None:
    with pytest.raises(StreamInterruptedError, match=r"after 2 event\(s\).*cand.* 0"):
        streamed(text("a"), text("b"))


def test_a_stream_ending_inside_a_streamed_call_is_invalid() -> None:
    opened = {"functionCall": {"name": "f", "willContinue": True}}
    event = {"candidates": [{"content": {"parts": [opened]}, "index": 0}]}
    with pytest.raises(InvalidResponseError, match="inside a streamed function"):
        streamed(event)
    with pytest.raises(InvalidResponseError, match="inside a streamed function"):
        streamed(event, text("", "STOP"))


def test_the_rule_is_one_function() -> None:
    decode.check_end(events=1, finished=True, candidate=0, in_call=False)
    with pytest.raises(StreamInterruptedError):
        decode.check_end(events=1, finished=False, candidate=None, in_call=False)
