"""Issue 12 defects 1, 2, 8, 11 and issue 11's malformed answers (pure converters)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_cometgemini._wire.response import StreamState, result_from_response
from langchain_cometgemini.errors import InvalidResponseError, StreamInterruptedError
from tests.conftest import load_capture


def _stream(events: list[dict[str, Any]]) -> AIMessageChunk:
    state = StreamState()
    chunks = [c for e in events for c in state.read(copy.deepcopy(e))]
    chunks += state.end()
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total.message, AIMessageChunk)
    return total.message


def _event(text: str, **candidate: Any) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"parts": [{"text": text}]}, **candidate}],
        "modelVersion": "gemini-x",
        "responseId": "rid",
        "createTime": "2026-01-01T00:00:00Z",
    }


def test_finish_reason_on_every_event_is_not_concatenated() -> None:
    rating = [{"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"}]
    events = [
        _event("a", finishReason="STOP", safetyRatings=rating),
        _event("b", finishReason="STOP", safetyRatings=rating),
        _event("c", finishReason="STOP", safetyRatings=rating),
    ]
    meta = _stream(events).response_metadata
    assert meta["finish_reason"] == "STOP"
    assert meta["model_name"] == "gemini-x"
    assert meta["response_id"] == "rid"
    assert meta["create_time"] == "2026-01-01T00:00:00Z"
    assert len(meta["safety_ratings"]) == 1


def test_metadata_after_the_finishing_event_is_kept() -> None:
    chunk = {"web": {"uri": "https://a", "title": "a"}}
    late = {
        "candidates": [
            {
                "content": {"parts": []},
                "groundingMetadata": {"groundingChunks": [chunk]},
            }
        ],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 5},
    }
    message = _stream([_event("hi", finishReason="STOP"), late])
    grounding = message.response_metadata["grounding_metadata"]
    assert grounding["grounding_chunks"] == [chunk]
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 5


def test_streamed_function_call_arguments_are_assembled() -> None:
    events = load_capture("real_stream_VERTEX_partialArgs_gemini-3.1-pro.chunks.jsonl")
    message = _stream(events)
    calls = [(c["name"], c["args"]) for c in message.tool_calls]
    # what the capture streams: two getWeather calls, location pieced together
    want = []
    for event in events:
        for part in event["candidates"][0]["content"]["parts"]:
            call = part.get("functionCall", {})
            if call.get("name"):
                want.append([call["name"], ""])
            for piece in call.get("partialArgs", []):
                want[-1][1] += piece.get("stringValue", "")
    assert calls == [(name, {"location": loc}) for name, loc in want]
    assert message.invalid_tool_calls == []
    assert message.response_metadata["finish_reason"] == "STOP"


def test_a_stream_ending_inside_a_streamed_call_raises() -> None:
    opened = {"functionCall": {"name": "f", "willContinue": True}}
    events: list[dict[str, Any]] = [
        {"candidates": [{"content": {"parts": [opened]}}]},
        {"candidates": [{"content": {"parts": []}, "finishReason": "STOP"}]},
    ]
    with pytest.raises(InvalidResponseError, match="inside a streamed function call"):
        _stream(events)


def _body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "STOP"}]
    }
    body.update(fields)
    return body


def _parts(*parts: Any) -> dict[str, Any]:
    return {"candidates": [{"content": {"parts": list(parts)}, "finishReason": "STOP"}]}


MALFORMED: dict[str, tuple[Any, str]] = {
    "unary {}": ({}, "no candidates"),
    "candidates object": ({"candidates": {"a": 1}}, "candidates"),
    "candidates string": ({"candidates": "x"}, "candidates"),
    "candidates [null]": ({"candidates": [None]}, "candidates[0]"),
    "candidates [x]": ({"candidates": ["x"]}, "candidates[0]"),
    "content string": ({"candidates": [{"content": "x"}]}, "content"),
    "content list": ({"candidates": [{"content": [1]}]}, "content"),
    "parts string": ({"candidates": [{"content": {"parts": "x"}}]}, "parts"),
    "parts object": ({"candidates": [{"content": {"parts": {"a": 1}}}]}, "parts"),
    "parts non-objects": ({"candidates": [{"content": {"parts": [1]}}]}, "parts[0]"),
    "functionCall string": (_parts({"functionCall": "f"}), "functionCall"),
    "name not a string": (_parts({"functionCall": {"name": 1}}), "functionCall.name"),
    "args not an object": (
        _parts({"functionCall": {"name": "f", "args": [1]}}),
        "functionCall.args",
    ),
    "inlineData string": (_parts({"inlineData": "x"}), "inlineData"),
    "fileData string": (_parts({"fileData": "x"}), "fileData"),
    "executableCode string": (_parts({"executableCode": "x"}), "executableCode"),
    "text number": (_parts({"text": 3}), "text"),
    "usage list": (_body(usageMetadata=[1]), "usageMetadata"),
    "usage string": (_body(usageMetadata="x"), "usageMetadata"),
    "count string": (
        _body(usageMetadata={"promptTokenCount": "3"}),
        "promptTokenCount",
    ),
    "count negative": (
        _body(usageMetadata={"candidatesTokenCount": -1}),
        "candidatesTokenCount",
    ),
    "count NaN": (
        _body(usageMetadata={"totalTokenCount": float("nan")}),
        "totalTokenCount",
    ),
    "count Infinity": (
        _body(usageMetadata={"totalTokenCount": float("inf")}),
        "totalTokenCount",
    ),
    "count 1e400": (
        _body(usageMetadata={"totalTokenCount": 10**400}),
        "totalTokenCount",
    ),
    "count bool": (_body(usageMetadata={"totalTokenCount": True}), "totalTokenCount"),
    "details not a list": (
        _body(usageMetadata={"promptTokensDetails": "x"}),
        "promptTokensDetails",
    ),
    "promptFeedback string": (_body(promptFeedback="x"), "promptFeedback"),
    "responseId object": (_body(responseId={"a": 1}), "responseId"),
    "signature number": (
        _parts({"text": "a", "thoughtSignature": 3}),
        "thoughtSignature",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
@pytest.mark.parametrize("path", ["invoke", "stream"])
def test_malformed_answer_is_an_invalid_response(name: str, path: str) -> None:
    body, field = MALFORMED[name]
    if path == "stream" and name == "unary {}":
        return  # an event without candidates is normal inside a stream
    with pytest.raises(InvalidResponseError, match=re.escape(field)):
        if path == "invoke":
            result_from_response(copy.deepcopy(body))
        else:
            StreamState().read(copy.deepcopy(body))


@pytest.mark.parametrize("key", ["responseId", "modelVersion", "createTime"])
def test_plain_text_event_with_a_wrong_top_level_type_raises(key: str) -> None:
    """The fast path hands such an event to the general path, which names it."""
    event = {"candidates": [{"content": {"parts": [{"text": "x"}]}}], key: 3}
    with pytest.raises(InvalidResponseError, match=key):
        StreamState().read(event)


def test_a_blocked_prompt_without_candidates_is_an_answer() -> None:
    body = {"promptFeedback": {"blockReason": "SAFETY"}}
    message = result_from_response(body).generations[0].message
    assert message.response_metadata["finish_reason"] == "SAFETY"


SIGNED_TEXT_AND_IMAGE: list[dict[str, Any]] = [
    {"text": "Here ", "thoughtSignature": "dGV4dA=="},
    {"text": "it is."},
    {
        "inlineData": {"mimeType": "image/png", "data": "AA=="},
        "thoughtSignature": "aW1n",
    },
]


def _replayed(message: Any) -> list[dict[str, Any]]:
    from langchain_core.messages import HumanMessage

    from langchain_cometgemini._wire.messages import convert_messages

    history = [HumanMessage("draw"), message, HumanMessage("again")]
    _, contents = convert_messages(history, model="gemini-3-pro-image-preview")
    parts: list[dict[str, Any]] = contents[1]["parts"]
    return parts


def test_text_signature_survives_the_switch_to_blocks_unary() -> None:
    """One body, text then an image: the text leads the list, signed at 0."""
    body = _parts(*copy.deepcopy(SIGNED_TEXT_AND_IMAGE))
    message = result_from_response(body).generations[0].message
    assert isinstance(message.content, list)
    assert isinstance(message.content[0], str)
    signatures = message.additional_kwargs["__gemini_text_thought_signatures__"]
    assert signatures == [{"offset": 0, "signature": "dGV4dA=="}]
    parts = _replayed(message)  # as streamed: the text is one signed run
    assert parts[0] == {"text": "Here it is.", "thoughtSignature": "dGV4dA=="}
    assert parts[1:] == SIGNED_TEXT_AND_IMAGE[2:]


def test_text_signature_survives_the_switch_to_blocks_stream() -> None:
    """The text streamed as a string before the image came."""
    events = [_parts(dict(part)) for part in copy.deepcopy(SIGNED_TEXT_AND_IMAGE)]
    for event in events[:-1]:
        del event["candidates"][0]["finishReason"]
    message = _stream(events)
    parts = _replayed(message)
    # streamed string text is one run: the signature stays at its start
    assert parts[0] == {"text": "Here it is.", "thoughtSignature": "dGV4dA=="}
    assert parts[1:] == SIGNED_TEXT_AND_IMAGE[2:]


# -- end(): the finish data once, final values win --------------------------------


def _deferred(events: list[dict[str, Any]], version: str | None = None) -> Any:
    state = StreamState(output_version=version)
    chunks = [c for e in events for c in state.read(copy.deepcopy(e))]
    chunks += state.end()
    assert chunks[-1].generation_info is not None  # the finish chunk
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def test_deferred_finish_reports_the_final_values_once() -> None:
    events = [
        _event("a", finishReason="STOP"),
        {**_event("b", finishReason="MAX_TOKENS"), "modelVersion": "gemini-y"},
    ]
    total = _deferred(events)
    meta = total.message.response_metadata
    assert (meta["finish_reason"], meta["model_name"]) == ("MAX_TOKENS", "gemini-y")
    assert total.generation_info == {"finish_reason": "MAX_TOKENS"}
    assert total.message.content == "ab"


def test_deferred_finish_keeps_metadata_after_the_finishing_event() -> None:
    late = {
        "candidates": [
            {
                "content": {"parts": []},
                "groundingMetadata": {"groundingChunks": [{"web": {"uri": "u"}}]},
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 1,
            "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
        },
    }
    total = _deferred([_event("hi", finishReason="STOP"), late])
    meta = total.message.response_metadata
    assert meta["grounding_metadata"]["grounding_chunks"] == [{"web": {"uri": "u"}}]
    details = meta["usage_details"]["candidates_tokens_details"]
    assert details == [{"modality": "TEXT", "token_count": 9}]


def test_a_stream_whose_candidate_never_finished_raises_at_its_end() -> None:
    state = StreamState()
    state.read(_event("x"))
    with pytest.raises(StreamInterruptedError, match="candidate 0"):
        state.end()


def test_ending_inside_a_streamed_call_raises() -> None:
    state = StreamState()
    opened = {"functionCall": {"name": "f", "willContinue": True}}
    state.read({"candidates": [{"content": {"parts": [opened]}}]})
    with pytest.raises(InvalidResponseError, match="streamed function call"):
        state.end()


def _recorded_streams() -> list[Any]:
    from tests.replay.expect import all_recordings

    return [r for r in all_recordings() if r.is_stream]


@pytest.mark.parametrize("version", [None, "v1"])
@pytest.mark.parametrize("rec", _recorded_streams(), ids=lambda r: r.name)
def test_deferred_finish_over_every_recorded_stream(rec: Any, version: Any) -> None:
    from tests.replay.expect import expected

    events = rec.events()
    want = expected(events)
    total = _deferred(events, version)
    meta = total.message.response_metadata
    assert meta.get("finish_reason") == want.finish_reason
    assert meta.get("model_name") == want.model_name
    assert meta.get("response_id") == want.response_id
    assert meta.get("create_time") == want.create_time
    grounding = meta.get("grounding_metadata") or {}
    assert len(grounding.get("grounding_chunks") or []) == len(want.grounding_chunks)
    assert total.message.text == want.text
