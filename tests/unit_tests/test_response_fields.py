"""Answer fields the decoder does not read by name pass through, newer enums too.

``modelStatus``, a candidate's ``tokenCount`` or any field a newer API adds
arrive snake_cased in ``response_metadata``; finish reasons of the current
discovery document (and unknown future ones) are kept as sent; a media part's
``mediaResolution`` (with ``numTokens``) lands in the block's ``extras``; the
usage's ``serviceTier`` is kept. Each is checked for invoke and for a stream
read the way ``ChatCometGemini`` reads one (finish metadata deferred).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_cometgemini._wire.chunks import message_from_chunk
from langchain_cometgemini._wire.response import (
    StreamState,
    result_from_response,
)

ENUMS = Path(__file__).parents[1] / "data" / "enums.discovery.json"
"""The enums of Google's discovery document."""

MODEL_STATUS = {
    "modelStage": "DEPRECATED",
    "retirementTime": "2026-06-01T00:00:00Z",
    "message": "use gemini-3-flash",
}


def _event(text: str, **candidate: Any) -> dict[str, Any]:
    return {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": text}]}, **candidate}
        ],
        "modelVersion": "gemini-x",
        "responseId": "r1",
    }


def _invoke(body: dict[str, Any]) -> AIMessage:
    message = result_from_response(copy.deepcopy(body)).generations[0].message
    assert isinstance(message, AIMessage)
    return message


def _stream(events: list[dict[str, Any]]) -> AIMessage:
    state = StreamState()
    chunks = [c.message for e in events for c in state.read(copy.deepcopy(e))]
    chunks += [c.message for c in state.end()]
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    return message_from_chunk(total)


def test_model_status_arrives_snake_cased_on_invoke() -> None:
    body = {**_event("hi", finishReason="STOP"), "modelStatus": MODEL_STATUS}
    meta = _invoke(body).response_metadata
    assert meta["model_status"] == {
        "model_stage": "DEPRECATED",
        "retirement_time": "2026-06-01T00:00:00Z",
        "message": "use gemini-3-flash",
    }


def test_model_status_sent_on_a_plain_text_event_before_the_finish_is_kept() -> None:
    events = [
        {**_event("a"), "modelStatus": MODEL_STATUS},
        _event("b"),
        _event("", finishReason="STOP"),
    ]
    message = _stream(events)
    assert message.content == "ab"
    assert message.response_metadata["model_status"]["model_stage"] == "DEPRECATED"


def test_unknown_response_and_candidate_fields_pass_through() -> None:
    body = {
        **_event("hi", finishReason="STOP", tokenCount=3, futureField={"someKey": 1}),
        "newTopLevel": {"innerValue": [1, 2]},
    }
    for message in (_invoke(body), _stream([body])):
        meta = message.response_metadata
        assert meta["token_count"] == 3
        assert meta["future_field"] == {"some_key": 1}
        assert meta["new_top_level"] == {"inner_value": [1, 2]}
        assert meta["model_provider"] == "cometgemini"


def test_a_passed_through_field_never_replaces_the_package_keys() -> None:
    body = {**_event("hi", finishReason="STOP"), "modelProvider": "x"}
    meta = _invoke(body).response_metadata
    assert meta["model_provider"] == "cometgemini"


def _finish_reasons() -> list[str]:
    reasons: list[str] = json.loads(ENUMS.read_text())["Candidate.finishReason"]
    assert "TOO_MANY_TOOL_CALLS" in reasons
    return [*reasons, "A_REASON_FROM_THE_FUTURE"]


@pytest.mark.parametrize("reason", _finish_reasons())
def test_every_finish_reason_is_kept_as_sent(reason: str) -> None:
    body = _event("", finishReason=reason, finishMessage="why")
    for message in (_invoke(body), _stream([body])):
        assert message.response_metadata["finish_reason"] == reason
        assert message.response_metadata["finish_message"] == "why"


def test_media_resolution_of_a_generated_image_lands_in_extras() -> None:
    part = {
        "inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="},
        "mediaResolution": {"level": "MEDIA_RESOLUTION_ULTRA_HIGH", "numTokens": 2240},
    }
    body = _event("", finishReason="STOP")
    body["candidates"][0]["content"]["parts"] = [part]
    for message in (_invoke(body), _stream([body])):
        assert isinstance(message.content, list)
        (block,) = message.content
        assert isinstance(block, dict)
        extras = block["extras"]
        assert extras["media_resolution"] == "MEDIA_RESOLUTION_ULTRA_HIGH"
        assert extras["num_tokens"] == 2240


def test_service_tier_and_other_usage_fields_are_kept() -> None:
    usage = {
        "promptTokenCount": 2,
        "totalTokenCount": 2,
        "serviceTier": "flex",
        "trafficType": "ON_DEMAND",
        "futureUsageField": {"someCount": 1},
    }
    body = {**_event("hi", finishReason="STOP"), "usageMetadata": usage}
    for message in (_invoke(body), _stream([body])):
        assert message.response_metadata["usage_details"] == {
            "service_tier": "flex",
            "traffic_type": "ON_DEMAND",
            "future_usage_field": {"some_count": 1},
        }


@pytest.mark.parametrize("version", [None, "v1"])
def test_a_newer_code_execution_outcome_is_kept_by_name(version: str | None) -> None:
    result = {"codeExecutionResult": {"outcome": "OUTCOME_NEWER", "output": "x"}}
    body = _event("", finishReason="STOP")
    body["candidates"][0]["content"]["parts"] = [result]
    message = result_from_response(body, output_version=version).generations[0]
    content = message.message.content
    assert isinstance(content, list) and isinstance(content[0], dict)
    assert content[0]["extras"]["outcome"] == "OUTCOME_NEWER"
