from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from langchain_cometgemini.testing import GeminiEmulator, Reply
from langchain_cometgemini.testing._schema_instance import instance

from .conftest import FLASH, PRO3, body, sse_events, sse_url, url, user


def parts_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = data["candidates"][0]["content"]["parts"]
    return parts


def ask(
    client: httpx.Client, config: dict[str, Any], text: str = "one two three four"
) -> dict[str, Any]:
    r = client.post(url(), json=body(text, generationConfig=config))
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_stop_sequences_cut_answer(client: httpx.Client) -> None:
    data = ask(client, {"stopSequences": ["three"]})
    assert parts_of(data) == [{"text": "Echo: one two "}]
    assert data["candidates"][0]["finishReason"] == "STOP"


def test_max_output_tokens_truncates(client: httpx.Client) -> None:
    data = ask(client, {"maxOutputTokens": 2})
    assert parts_of(data) == [{"text": "Echo: one"}]
    assert data["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert data["usageMetadata"]["candidatesTokenCount"] == 2


def test_include_thoughts(client: httpx.Client) -> None:
    data = ask(client, {"thinkingConfig": {"includeThoughts": True}})
    parts = parts_of(data)
    assert parts[0]["thought"] is True and parts[0]["text"]
    assert parts[1] == {"text": "Echo: one two three four"}
    usage = data["usageMetadata"]
    assert usage["thoughtsTokenCount"] > 0
    assert usage["totalTokenCount"] == (
        usage["promptTokenCount"]
        + usage["candidatesTokenCount"]
        + usage["thoughtsTokenCount"]
    )


def test_thoughts_streamed_first(client: httpx.Client) -> None:
    config = {"thinkingConfig": {"includeThoughts": True}}
    events = sse_events(
        client.post(sse_url(), json=body("a b c", generationConfig=config)).text
    )
    assert parts_of(events[0])[0]["thought"] is True
    assert all("thought" not in p for e in events[1:] for p in parts_of(e))


def test_json_mode_without_schema(client: httpx.Client) -> None:
    data = ask(client, {"responseMimeType": "application/json"})
    assert json.loads(parts_of(data)[0]["text"]) == {}


PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 10},
        "age": {"type": "integer", "minimum": 18, "maximum": 99},
        "score": {"type": "number", "exclusiveMaximum": 1},
        "ok": {"type": "boolean"},
        "kind": {"enum": ["cat", "dog"]},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        "nick": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "pet": {"$ref": "#/$defs/Pet"},
        "when": {"type": ["string", "null"], "format": "date-time"},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
    "$defs": {
        "Pet": {
            "type": "object",
            "properties": {"legs": {"type": "integer"}},
            "required": ["legs"],
        }
    },
}


def check_person(value: Any) -> None:
    assert set(value) == set(PERSON["properties"])
    assert isinstance(value["name"], str) and len(value["name"]) >= 10
    assert isinstance(value["age"], int) and 18 <= value["age"] <= 99
    assert isinstance(value["score"], (int, float)) and value["score"] < 1
    assert value["ok"] is True
    assert value["kind"] == "cat"
    assert len(value["tags"]) == 2 and all(isinstance(t, str) for t in value["tags"])
    assert isinstance(value["nick"], str)
    assert isinstance(value["pet"]["legs"], int)
    assert value["when"].endswith("Z")


def test_schema_instance_generator() -> None:
    check_person(instance(PERSON))
    openapi = {
        "type": "OBJECT",
        "properties": {
            "n": {"type": "INTEGER"},
            "l": {"type": "ARRAY", "items": {"type": "NUMBER"}},
        },
    }
    assert instance(openapi) == {"n": 1, "l": [1.5]}
    recursive = {
        "$defs": {
            "N": {"type": "object", "properties": {"next": {"$ref": "#/$defs/N"}}}
        },
        "$ref": "#/$defs/N",
    }
    assert isinstance(instance(recursive), dict)
    assert instance(
        {
            "allOf": [
                {"properties": {"a": {"type": "boolean"}}},
                {"properties": {"b": {"const": 3}}},
            ]
        }
    ) == {"a": True, "b": 3}


@pytest.mark.parametrize("key", ["responseJsonSchema", "response_json_schema"])
def test_json_mode_with_json_schema(client: httpx.Client, key: str) -> None:
    data = ask(client, {"responseMimeType": "application/json", key: PERSON})
    check_person(json.loads(parts_of(data)[0]["text"]))


def test_json_mode_streamed_joins_to_valid_json(client: httpx.Client) -> None:
    config = {"responseMimeType": "application/json", "responseJsonSchema": PERSON}
    events = sse_events(
        client.post(sse_url(), json=body("x", generationConfig=config)).text
    )
    assert len(events) > 1
    check_person(json.loads("".join(parts_of(e)[0]["text"] for e in events)))


def test_json_mode_with_openapi_schema(client: httpx.Client) -> None:
    schema = {
        "type": "OBJECT",
        "properties": {"city": {"type": "STRING"}},
        "required": ["city"],
    }
    data = ask(
        client, {"responseMimeType": "application/json", "responseSchema": schema}
    )
    assert json.loads(parts_of(data)[0]["text"]) == {"city": "example"}


def test_forced_function_call(client: httpx.Client) -> None:
    payload = body(
        "hi",
        tools=[
            {
                "functionDeclarations": [
                    {
                        "name": "other",
                        "parameters": {"type": "OBJECT", "properties": {}},
                    },
                    {"name": "Person", "parametersJsonSchema": PERSON},
                ]
            }
        ],
        toolConfig={
            "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["Person"]}
        },
    )
    data = client.post(url(), json=payload).json()
    call = parts_of(data)[0]["functionCall"]
    assert call["name"] == "Person"
    check_person(call["args"])


def test_reply_text_chunks_and_usage(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(Reply.text("a b c d e f", n_chunks=2, model="custom-model"))
    events = sse_events(client.post(sse_url(), json=body("x y")).text)
    assert [parts_of(e)[0]["text"] for e in events] == ["a b c", " d e f"]
    assert [e["usageMetadata"]["candidatesTokenCount"] for e in events] == [3, 6]
    assert [e["usageMetadata"]["totalTokenCount"] for e in events] == [5, 8]
    assert events[0]["modelVersion"] == "custom-model"


CAPTURES = [
    ("real_nonstream_text_gemini-3-pro-preview.json", 1),
    ("real_nonstream_with_http_headers_gemini-2.5-flash.json", 1),
    ("real_stream_text_gemini-3-pro-preview.chunks.jsonl", 3),
    ("real_stream_text_gemini-2.5-flash_crlf.sse", None),
    ("real_stream_text_gemini-2.5-flash_thinking.sse", 2),
    ("vercel_ai/google-text.chunks.txt", None),
    ("real_stream_prompt_blocked_gemini-3.7-flash.chunks.jsonl", 1),
]


@pytest.mark.parametrize(("name", "count"), CAPTURES)
def test_captures_replay(
    emu: GeminiEmulator, client: httpx.Client, name: str, count: int | None
) -> None:
    reply = Reply.from_capture(name)
    assert reply.status == 200
    if count is not None:
        assert len(reply.chunks or [reply.body]) == count
    emu.enqueue(reply)
    events = sse_events(client.post(sse_url(PRO3), json=body()).text)
    expected = reply.chunks or [reply.body]
    for event, original in zip(events, expected, strict=True):
        assert event["responseId"]  # added when the capture has none
        if "responseId" not in original:
            del event["responseId"]
    assert events == expected
    emu.enqueue(reply)
    merged = client.post(url(PRO3), json=body()).json()
    assert merged.get("promptFeedback") == expected[-1].get("promptFeedback")
    if "candidates" in expected[0]:
        text = "".join(
            p.get("text", "")
            for e in expected
            for p in parts_of(e)
            if not p.get("thought")
        )
        assert (
            "".join(p.get("text", "") for p in parts_of(merged) if not p.get("thought"))
            == text
        )


def test_capture_text_signature_is_replayable(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    emu.enqueue(Reply.from_capture("vercel_ai/google-tool-call-gemini3.json"))
    parts = parts_of(client.post(url(PRO3), json=body()).json())
    payload = {
        "contents": [
            user("q"),
            {"role": "model", "parts": parts},
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "weather", "response": {}}}],
            },
        ]
    }
    assert client.post(url(PRO3), json=payload).status_code == 200


def test_capture_error_entries(emu: GeminiEmulator, client: httpx.Client) -> None:
    emu.enqueue(
        Reply.from_capture("errors.json#429_quota"),
        Reply.from_capture("vercel_ai/google-429-retry-info.json"),
    )
    for _ in range(2):
        r = client.post(url(FLASH), json=body())
        assert r.status_code == 429
        assert r.json()["error"]["status"] == "RESOURCE_EXHAUSTED"


def test_count_tokens_ignores_responder(
    emu: GeminiEmulator, client: httpx.Client
) -> None:
    emu.responder = lambda request: "unused"
    r = client.post(url(FLASH, "countTokens"), json={"contents": [user("a b")]})
    assert r.json()["totalTokens"] == 2
